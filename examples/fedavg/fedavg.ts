/**
 * Federated averaging, one arm of the comparison at a time, on the shared schedule:
 *
 * - `plain`: each surviving client's update (local model minus global) is averaged in floating
 *   point by a server that sees every update: no clipping, no noise, no secure aggregation.
 * - `dp`: each client clips, scales, rounds and noises its update with `encodeClientUpdate`
 *   under a distributed discrete-Gaussian plan (`planDistributedNoise`), the round's sum is
 *   computed by a whole secure-aggregation session in memory (`simulateSession` with the
 *   encoded updates as its `inputs` and the round's dropouts), the server decodes it with
 *   `decodeServerSum`, and the privacy ledger records the round with the clients actually
 *   summed (`dpEventForRound`), reporting the epsilon against the server and against the
 *   release.
 *
 * Both arms see the same cohorts, the same dropouts and the same local shuffles. A round whose
 * session cannot complete (fewer than the threshold left) releases nothing: the model stays,
 * the ledger records nothing, and the plain arm skips it too.
 */
import {
  PrivacyLedger,
  decodeServerSum,
  dpEventForRound,
  encodeClientUpdate,
  planDistributedNoise,
  type DistributedNoisePlan,
  type DpRotation,
} from '../../src/dp/index.js';
import { simulateSession } from '../../src/simulate/index.js';
import { DIMENSION, evaluate, localUpdate, type LocalTraining, type SparseDataset } from './model.js';
import { Random } from './random.js';
import type { RoundPlan } from './schedule.js';

/** What every arm shares. */
export interface Federation {
  readonly train: SparseDataset;
  readonly test: SparseDataset;
  /** Each population client's example rows in `train`. */
  readonly clientRows: readonly Int32Array[];
  readonly schedule: readonly RoundPlan[];
  readonly cohort: number;
  readonly threshold: number;
  readonly population: number;
  readonly local: LocalTraining;
  readonly serverLearningRate: number;
  readonly seed: number;
}

export interface DpSettings {
  readonly noiseMultiplier: number;
  readonly clipNorm: number;
  readonly bits: number;
  readonly rotation: DpRotation;
  readonly delta: number;
}

export type Arm = { readonly kind: 'plain' } | ({ readonly kind: 'dp' } & DpSettings);

/** Seconds spent in one round, all parties in this one thread. */
export interface RoundTimes {
  /** Local training of the clients whose updates are summed. */
  readonly train: number;
  /** `encodeClientUpdate` of every summed client (DP arm). */
  readonly encode: number;
  /** The whole secure-aggregation session: every client's and the server's protocol work. */
  readonly secagg: number;
  /** `decodeServerSum`, the model step, or the plain float mean. */
  readonly aggregate: number;
  /** Recording the round in the ledger and reading both epsilons. */
  readonly ledger: number;
  /** The round: all of the above (evaluation excluded). */
  readonly total: number;
  /** Evaluating the model on the test set (not part of a round). */
  readonly evaluate: number;
  /** Process CPU time of the round (user + system), less sensitive than wall time to other load. */
  readonly totalCpu: number;
  /** Process CPU time of the secure-aggregation session. */
  readonly secaggCpu: number;
}

export interface RoundResult {
  readonly round: number;
  readonly released: boolean;
  readonly survivors: number;
  readonly accuracy: number;
  readonly loss: number;
  /** Both epsilons after this round (DP arm), at the ledger's delta. */
  readonly epsilon: { readonly server: number; readonly release: number } | null;
  readonly seconds: RoundTimes;
  /** Bytes on the wire in the session, both directions (DP arm). */
  readonly bytes: number;
  /** DP arm: the session's sum equals the plain sum of the encoded updates (checked twice). */
  readonly sumMatches: boolean | null;
  /** The session summed exactly the clients the schedule says (or aborted exactly when it says). */
  readonly scheduleMatches: boolean;
}

export interface ArmResult {
  readonly name: string;
  readonly arm: Arm;
  readonly plan: DistributedNoisePlan | null;
  readonly rounds: readonly RoundResult[];
  /** Norms of the plain updates (plain arm), to choose a clip norm from. */
  readonly updateNorms: readonly number[];
}

export function armName(arm: Arm): string {
  return arm.kind === 'plain' ? 'plain' : `dp z=${arm.noiseMultiplier}`;
}

/** The arm's DP plan: one distributed discrete-Gaussian plan for the whole run. */
export function planFor(f: Federation, s: DpSettings): DistributedNoisePlan {
  return planDistributedNoise({
    clipNorm: s.clipNorm,
    dimension: DIMENSION,
    clients: f.cohort,
    minClients: f.threshold,
    bits: s.bits,
    noiseMultiplier: s.noiseMultiplier,
    rotation: s.rotation,
  });
}

/** Trains one arm over the whole schedule, calling `onRound` after each round. */
export function runArm(f: Federation, arm: Arm, onRound: (r: RoundResult) => void): ArmResult {
  const params = new Float64Array(DIMENSION);
  const plan = arm.kind === 'dp' ? planFor(f, arm) : null;
  const ledger =
    arm.kind === 'dp' ? new PrivacyLedger({ sampling: { kind: 'fixedSize', populationSize: f.population }, delta: arm.delta }) : null;
  const rounds: RoundResult[] = [];
  const updateNorms: number[] = [];
  let epsilon: { server: number; release: number } | null = ledger === null ? null : { server: 0, release: 0 };
  for (const r of f.schedule) {
    const c0 = cpuSeconds();
    const t0 = performance.now();
    // Clients that drop before sending their masked input never contribute: only the others train.
    const updates = new Map<number, Float64Array>();
    if (r.completes) {
      for (const id of r.included) {
        const client = r.cohort[id - 1] as number;
        const rng = Random.seeded(f.seed, `local/${r.round}/${client}`);
        updates.set(id, localUpdate(params, f.train, f.clientRows[client] as Int32Array, f.local, rng));
      }
    }
    const t1 = performance.now();
    let step: AggregateStep;
    if (plan === null) step = plainStep(r, updates, updateNorms);
    else step = secureStep(r, updates, plan, f.cohort, f.threshold);
    const t2 = performance.now();
    if (step.mean !== null) {
      for (let i = 0; i < DIMENSION; i++) params[i] = (params[i] as number) + f.serverLearningRate * (step.mean[i] as number);
    }
    const t3 = performance.now();
    if (ledger !== null && plan !== null && step.mean !== null) {
      const survivors = step.survivors;
      const eps = ledger.recordRound({ event: dpEventForRound(plan, { survivors }), cohortSize: f.cohort, survivors });
      epsilon = { server: eps.server, release: eps.release };
    }
    const t4 = performance.now();
    const c4 = cpuSeconds();
    const { accuracy, loss } = evaluate(params, f.test);
    const t5 = performance.now();
    const result: RoundResult = {
      round: r.round,
      released: step.mean !== null,
      survivors: step.mean === null ? 0 : step.survivors,
      accuracy,
      loss,
      epsilon,
      seconds: {
        train: (t1 - t0) / 1000,
        encode: step.encodeSeconds,
        secagg: step.secaggSeconds,
        aggregate: (t2 - t1) / 1000 - step.encodeSeconds - step.secaggSeconds + (t3 - t2) / 1000,
        ledger: (t4 - t3) / 1000,
        total: (t4 - t0) / 1000,
        evaluate: (t5 - t4) / 1000,
        totalCpu: c4 - c0,
        secaggCpu: step.secaggCpu,
      },
      bytes: step.bytes,
      sumMatches: step.sumMatches,
      scheduleMatches: step.scheduleMatches,
    };
    rounds.push(result);
    onRound(result);
  }
  return { name: armName(arm), arm, plan, rounds, updateNorms };
}

interface AggregateStep {
  /** The mean update to apply, or null when nothing was released. */
  readonly mean: Float64Array | null;
  readonly survivors: number;
  readonly encodeSeconds: number;
  readonly secaggSeconds: number;
  readonly secaggCpu: number;
  readonly bytes: number;
  readonly sumMatches: boolean | null;
  readonly scheduleMatches: boolean;
}

/** The plain float mean of the surviving clients' updates. */
function plainStep(r: RoundPlan, updates: ReadonlyMap<number, Float64Array>, norms: number[]): AggregateStep {
  const none = { encodeSeconds: 0, secaggSeconds: 0, secaggCpu: 0, bytes: 0, sumMatches: null, scheduleMatches: true };
  if (!r.completes) return { mean: null, survivors: 0, ...none };
  const mean = new Float64Array(DIMENSION);
  for (const u of updates.values()) {
    let s = 0;
    for (let i = 0; i < DIMENSION; i++) {
      const v = u[i] as number;
      mean[i] = (mean[i] as number) + v;
      s += v * v;
    }
    norms.push(Math.sqrt(s));
  }
  for (let i = 0; i < DIMENSION; i++) mean[i] = (mean[i] as number) / updates.size;
  return { mean, survivors: updates.size, ...none };
}

/**
 * The round through secure aggregation with distributed DP: encode, sum in a simulated
 * session, check the sum, decode, divide by the clients summed.
 */
function secureStep(
  r: RoundPlan,
  updates: ReadonlyMap<number, Float64Array>,
  plan: DistributedNoisePlan,
  cohort: number,
  threshold: number,
): AggregateStep {
  const t0 = performance.now();
  const encoded = new Map<number, Uint32Array>();
  for (const [id, u] of updates) encoded.set(id, encodeClientUpdate(u, plan, { round: r.roundValue }));
  const t1 = performance.now();
  const c1 = cpuSeconds();
  // A client that drops before sending its masked input never uses one: it gets zeros.
  const unused = new Uint32Array(plan.vectorLength);
  const report = simulateSession({
    clients: cohort,
    threshold,
    vectors: [{ name: 'update', length: plan.vectorLength, bits: plan.bits }],
    dropouts: r.dropouts,
    seed: r.roundValue,
    inputs: (id) => ({ update: encoded.get(id) ?? unused }),
  });
  const t2 = performance.now();
  const base = { encodeSeconds: (t1 - t0) / 1000, secaggSeconds: (t2 - t1) / 1000, secaggCpu: cpuSeconds() - c1, bytes: report.totalBytes };
  if (report.outcome !== 'completed' || report.sums === null) {
    return { mean: null, survivors: 0, ...base, sumMatches: null, scheduleMatches: !r.completes };
  }
  const included = report.included;
  const scheduleMatches = r.completes && included.length === r.included.length && included.every((id, i) => id === r.included[i]);
  const sum = report.sums['update'] as Uint32Array;
  const sumMatches = report.match === true && equalsPlainSum(sum, included.map((id) => encoded.get(id) ?? unused), plan.bits);
  const total = decodeServerSum(sum, plan, { count: included.length, round: r.roundValue });
  for (let i = 0; i < total.length; i++) total[i] = (total[i] as number) / included.length;
  return { mean: total, survivors: included.length, ...base, sumMatches, scheduleMatches };
}

/** This process's CPU time so far (user + system), seconds. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** The sum mod 2^bits of the encoded vectors, computed here, equals the session's. */
function equalsPlainSum(sum: Uint32Array, vectors: readonly Uint32Array[], bits: number): boolean {
  const mask = bits === 32 ? 0xffffffff : 2 ** bits - 1;
  for (let i = 0; i < sum.length; i++) {
    let s = 0;
    for (const v of vectors) s = (s + (v[i] as number)) & mask;
    if (s >>> 0 !== sum[i]) return false;
  }
  return true;
}

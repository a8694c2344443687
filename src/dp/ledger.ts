/**
 * The privacy ledger of a federated training run: every released round with the cohort it
 * sampled and the clients actually summed, two epsilons (against the server, against whoever
 * sees only the released models), an optional budget that refuses a round before it is spent,
 * and a versioned JSON form that survives a server restart.
 * @module
 */
import { SecAggError } from '../errors.js';
import { assertInteger, assertNumber, assertOptions, describeType } from '../_assert.js';
import { checkDelta, type NeighboringRelation } from './accountant.js';
import {
  poissonSampledEvent,
  sampledWithoutReplacementEvent,
  validateEvent,
  type DpEvent,
} from './events.js';
import { createView, type LedgerAccountant, type View } from './_ledger-views.js';
import type { PrvEpsilonBounds } from './prv/index.js';
import { decodeLedger, encodeLedger, type LedgerJson } from './_ledger-codec.js';

export type { LedgerAccountant } from './_ledger-views.js';
export type { LedgerJson } from './_ledger-codec.js';

/**
 * How the cohort of each round is drawn from the population:
 * - `fixedSize`: exactly `cohortSize` of `populationSize` clients, without replacement (Flower,
 *   TFF, production FL); accounted under substitution (`'replaceOne'`);
 * - `poisson`: each client independently with probability `samplingRate` in (0, 1]; under
 *   add/remove;
 * - `none`: no sampling the adversary does not know (every client, or a cohort made public).
 */
export type LedgerSampling =
  | { readonly kind: 'fixedSize'; readonly populationSize: number }
  | { readonly kind: 'poisson'; readonly samplingRate: number }
  | { readonly kind: 'none' };

/** Epsilon caps (at the ledger's delta) per view; a view left out is not capped. */
export interface LedgerBudget {
  readonly server?: number;
  readonly release?: number;
}

/** Options of {@link PrivacyLedger}. */
export interface PrivacyLedgerOptions {
  readonly sampling: LedgerSampling;
  /** Delta at which epsilons are reported and the budget is checked, in (0, 1). */
  readonly delta: number;
  /** `'rdp'` (default: accounts every event, distributed noise included), `'pld'` or `'prv'`. */
  readonly accountant?: LedgerAccountant;
  /**
   * Only for sampling `none` (default `'addOrRemoveOne'`); `fixedSize` implies `'replaceOne'`
   * and `poisson` `'addOrRemoveOne'`, the relations their analyses need.
   */
  readonly neighboringRelation?: NeighboringRelation;
  readonly budget?: LedgerBudget;
}

/** One released round, as the server saw it. */
export interface LedgerRound {
  /**
   * The unsampled mechanism of one released aggregate, e.g. a distributed-noise plan's event,
   * or a Gaussian for central DP. Distributed events (`distributedDiscreteGaussian`, `skellam`)
   * are accounted with `clients` set to `survivors`: the per-client noise times the clients
   * actually summed. Sampling events are refused here (the ledger applies the sampling).
   */
  readonly event: DpEvent;
  /** Clients sampled into the cohort (fixed-size sampling: m of N), a safe integer >= survivors. */
  readonly cohortSize: number;
  /** Clients whose updates (and noise) are in the released sum, a safe integer >= 1. */
  readonly survivors: number;
}

/** The two epsilons of a run at `delta`; never read one without the other. */
export interface LedgerEpsilon {
  /**
   * Against the aggregation server, who picks and sees the cohort: every round counts
   * unamplified; only the noise in the sum protects a client.
   */
  readonly server: number;
  /** Against anyone who sees only the released models: amplification by sampling applies. */
  readonly release: number;
  readonly delta: number;
  /** PRV ledgers: the bounds behind each epsilon (epsilon is the upper bound). */
  readonly bounds?: { readonly server: PrvEpsilonBounds; readonly release: PrvEpsilonBounds };
}

interface StoredRound {
  readonly event: DpEvent;
  readonly cohortSize: number;
  readonly survivors: number;
  count: number;
}

/** Most stored round entries (consecutive identical rounds share one entry). */
export const MAX_LEDGER_ENTRIES: number = 1_000_000;

/**
 * Privacy ledger of a training run. Record each released round with {@link recordRound}; ask
 * {@link epsilon} at any time; serialise with `JSON.stringify(ledger)` and restore with
 * {@link PrivacyLedger.fromJSON}.
 *
 * @example
 * ```ts
 * const ledger = new PrivacyLedger({
 *   sampling: { kind: 'fixedSize', populationSize: 1000 }, delta: 1e-6, budget: { release: 4 },
 * });
 * ledger.recordRound({ event: gaussianEvent(4), cohortSize: 100, survivors: 87 }); // or a plan's event
 * ledger.epsilon(); // { server: 2.419..., release: 0.731..., delta: 1e-6 }
 * const restored = PrivacyLedger.fromJSON(JSON.stringify(ledger));
 * ```
 */
export class PrivacyLedger {
  readonly sampling: LedgerSampling;
  readonly delta: number;
  readonly accountant: LedgerAccountant;
  readonly neighboringRelation: NeighboringRelation;
  readonly budget: LedgerBudget | undefined;
  readonly #rounds: StoredRound[] = [];
  #total = 0;
  readonly #server: View;
  readonly #release: View;

  /**
   * @throws SecAggError `UNKNOWN_OPTION`, `INVALID_TYPE`, `OUT_OF_RANGE` for bad options.
   */
  constructor(options: PrivacyLedgerOptions) {
    const o = assertOptions<Record<string, unknown>>(options, 'options', [
      'sampling',
      'delta',
      'accountant',
      'neighboringRelation',
      'budget',
    ]);
    this.sampling = checkSampling(o['sampling']);
    this.delta = assertNumber(o['delta'], 'options.delta', 0, 1, { min: true, max: true });
    const acc = o['accountant'] ?? 'rdp';
    if (acc !== 'rdp' && acc !== 'pld' && acc !== 'prv') {
      throw new SecAggError(typeof acc === 'string' ? 'OUT_OF_RANGE' : 'INVALID_TYPE', `options.accountant must be 'rdp', 'pld' or 'prv'`);
    }
    this.accountant = acc;
    this.neighboringRelation = checkRelation(this.sampling, o['neighboringRelation']);
    this.budget = checkBudget(o['budget']);
    this.#server = createView(acc, this.neighboringRelation);
    this.#release = createView(acc, this.neighboringRelation);
    // The settings are read at every check and written by toJSON with a fresh digest: frozen, so
    // an assignment (TypeScript's readonly does not exist at run time) cannot change what a
    // ledger accounts or launder an edit into its JSON. The rounds live in private fields.
    Object.freeze(this);
  }

  /** Rounds recorded so far. */
  get rounds(): number {
    return this.#total;
  }

  /**
   * Epsilons if `round` were recorded now (nothing is recorded): ask before starting a round.
   * @throws SecAggError as {@link PrivacyLedger.recordRound}, except `BUDGET_EXCEEDED`.
   * @example
   * ```ts
   * const next = ledger.previewRound({ event: gaussianEvent(4), cohortSize: 100, survivors: 100 });
   * if (next.release > 3) stopTraining();
   * ```
   */
  previewRound(round: LedgerRound): LedgerEpsilon {
    const r = this.#checkRound(round);
    return this.#trial(r);
  }

  /**
   * Records one released round, after checking that it keeps every capped view within its
   * budget. Returns the epsilons including it.
   * @throws SecAggError `BUDGET_EXCEEDED` (nothing recorded); `INVALID_EVENT` (bad event, or a
   *   sampling event); `UNSUPPORTED_EVENT` (the ledger's accountant cannot account the event);
   *   `INVALID_TYPE` / `OUT_OF_RANGE` / `UNKNOWN_OPTION` (bad sizes or fields);
   *   `NUMERICAL_FAILURE` (from the accountant).
   * @example
   * ```ts
   * ledger.recordRound({ event: gaussianEvent(1.1), cohortSize: 100, survivors: 93 });
   * ```
   */
  recordRound(round: LedgerRound): LedgerEpsilon {
    const r = this.#checkRound(round);
    const eps = this.#trial(r);
    const b = this.budget;
    const over: string[] = [];
    if (b?.server !== undefined && !(eps.server <= b.server)) over.push(`server epsilon ${eps.server} > ${b.server}`);
    if (b?.release !== undefined && !(eps.release <= b.release)) over.push(`release epsilon ${eps.release} > ${b.release}`);
    if (over.length > 0) {
      throw new SecAggError('BUDGET_EXCEEDED', `round ${this.#total + 1} refused at delta ${this.delta}: ${over.join(', ')}`);
    }
    this.#append(r, 1);
    return eps;
  }

  /**
   * Both epsilons of the rounds recorded so far.
   * @param delta in (0, 1) (default: the ledger's delta).
   * @throws SecAggError `INVALID_TYPE` / `OUT_OF_RANGE` (delta), `NUMERICAL_FAILURE`.
   * @example
   * ```ts
   * const { server, release } = ledger.epsilon();
   * ```
   */
  epsilon(delta?: number): LedgerEpsilon {
    const d = delta === undefined ? this.delta : checkDelta(delta);
    const bounds = this.accountant === 'prv' ? { server: this.#server.bounds(d), release: this.#release.bounds(d) } : undefined;
    return freezeEpsilon(this.#server.epsilon(d), this.#release.epsilon(d), d, bounds);
  }

  /**
   * The versioned, digest-protected JSON form (what `JSON.stringify(ledger)` writes).
   * @example
   * ```ts
   * await writeFile('ledger.json', JSON.stringify(ledger));
   * ```
   */
  toJSON(): LedgerJson {
    return encodeLedger({
      accountant: this.accountant,
      neighboringRelation: this.neighboringRelation,
      sampling: this.sampling,
      delta: this.delta,
      budget: this.budget,
      rounds: this.#rounds,
    });
  }

  /**
   * Restores a ledger from its JSON text (or the parsed object), validated like network input:
   * structure, version, every value and event, and the digest; the epsilons are recomputed from
   * the rounds, never read from the file.
   * @throws SecAggError `MALFORMED_ENCODING` (not JSON, truncated, wrong fields or values,
   *   digest mismatch, too large), `UNSUPPORTED_VERSION` (another format version).
   * @example
   * ```ts
   * const ledger = PrivacyLedger.fromJSON(await readFile('ledger.json', 'utf8'));
   * ```
   */
  static fromJSON(input: unknown): PrivacyLedger {
    const decoded = decodeLedger(input, MAX_LEDGER_ENTRIES);
    let ledger: PrivacyLedger;
    try {
      ledger = new PrivacyLedger(decoded.options);
      for (const r of decoded.rounds) ledger.#append(ledger.#checkRound(r.round), r.count);
    } catch (error) {
      if (error instanceof SecAggError && error.code !== 'MALFORMED_ENCODING') {
        throw new SecAggError('MALFORMED_ENCODING', `ledger: ${error.message}`, { cause: error });
      }
      throw error;
    }
    return ledger;
  }

  #checkRound(round: LedgerRound): StoredRound & { server: DpEvent; release: DpEvent } {
    const o = assertOptions<Record<string, unknown>>(round, 'round', ['event', 'cohortSize', 'survivors']);
    const event = validateEvent(o['event']);
    const survivors = assertInteger(o['survivors'], 'round.survivors', 1, Number.MAX_SAFE_INTEGER);
    const max = this.sampling.kind === 'fixedSize' ? this.sampling.populationSize : Number.MAX_SAFE_INTEGER;
    const cohortSize = assertInteger(o['cohortSize'], 'round.cohortSize', survivors, max);
    const server = withSurvivors(event, survivors);
    const s = this.sampling;
    const release =
      s.kind === 'fixedSize'
        ? sampledWithoutReplacementEvent(s.populationSize, cohortSize, server)
        : s.kind === 'poisson'
          ? poissonSampledEvent(s.samplingRate, server)
          : server;
    return { event, cohortSize, survivors, count: 1, server, release };
  }

  #trial(r: { server: DpEvent; release: DpEvent }): LedgerEpsilon {
    return freezeEpsilon(this.#server.epsilon(this.delta, r.server), this.#release.epsilon(this.delta, r.release), this.delta);
  }

  #append(r: StoredRound & { server: DpEvent; release: DpEvent }, count: number): void {
    if (!Number.isSafeInteger(this.#total + count)) {
      throw new SecAggError('OUT_OF_RANGE', 'ledger: more than 2^53 - 1 rounds');
    }
    const last = this.#rounds[this.#rounds.length - 1];
    const same =
      last !== undefined &&
      last.cohortSize === r.cohortSize &&
      last.survivors === r.survivors &&
      JSON.stringify(last.event) === JSON.stringify(r.event);
    if (!same && this.#rounds.length >= MAX_LEDGER_ENTRIES) {
      throw new SecAggError('OUT_OF_RANGE', `ledger: more than ${MAX_LEDGER_ENTRIES} distinct consecutive rounds`);
    }
    this.#server.add(r.server, count);
    this.#release.add(r.release, count);
    if (same) last.count += count;
    else this.#rounds.push({ event: r.event, cohortSize: r.cohortSize, survivors: r.survivors, count });
    this.#total += count;
  }
}

/** The round's event with every distributed mechanism's `clients` set to the survivors. */
function withSurvivors(event: DpEvent, survivors: number): DpEvent {
  switch (event.kind) {
    case 'distributedDiscreteGaussian':
    case 'skellam':
      return validateEvent({ ...event, clients: survivors });
    case 'composed':
      return validateEvent({ kind: 'composed', events: event.events.map((e) => withSurvivors(e, survivors)) });
    case 'selfComposed':
      return validateEvent({ kind: 'selfComposed', event: withSurvivors(event.event, survivors), count: event.count });
    case 'poissonSampled':
    case 'sampledWithoutReplacement':
      throw new SecAggError('INVALID_EVENT', 'round.event must be the unsampled mechanism: the ledger applies the sampling');
    default:
      return event;
  }
}

function freezeEpsilon(
  server: number,
  release: number,
  delta: number,
  bounds?: { server: PrvEpsilonBounds | undefined; release: PrvEpsilonBounds | undefined },
): LedgerEpsilon {
  if (bounds?.server !== undefined && bounds.release !== undefined) {
    return Object.freeze({ server, release, delta, bounds: Object.freeze({ server: bounds.server, release: bounds.release }) });
  }
  return Object.freeze({ server, release, delta });
}

function checkSampling(value: unknown): LedgerSampling {
  const o = assertOptions<Record<string, unknown>>(value, 'options.sampling', ['kind', 'populationSize', 'samplingRate']);
  const kind = o['kind'];
  const only = (allowed: string[]): void => {
    for (const key of Object.keys(o)) {
      if (key !== 'kind' && !allowed.includes(key)) {
        throw new SecAggError('UNKNOWN_OPTION', `options.sampling: "${key}" does not apply to kind ${String(kind)}`);
      }
    }
  };
  if (kind === 'fixedSize') {
    only(['populationSize']);
    const populationSize = assertInteger(o['populationSize'], 'options.sampling.populationSize', 1, Number.MAX_SAFE_INTEGER);
    return Object.freeze({ kind, populationSize });
  }
  if (kind === 'poisson') {
    only(['samplingRate']);
    // q = 0 would sample nobody, so no round could be released: refused rather than accounted
    // as free (every recorded round would then cost release epsilon 0).
    const samplingRate = assertNumber(o['samplingRate'], 'options.sampling.samplingRate', 0, 1, { min: true });
    return Object.freeze({ kind, samplingRate });
  }
  if (kind === 'none') {
    only([]);
    return Object.freeze({ kind });
  }
  throw new SecAggError(
    typeof kind === 'string' ? 'OUT_OF_RANGE' : 'INVALID_TYPE',
    `options.sampling.kind must be 'fixedSize', 'poisson' or 'none', got ${typeof kind === 'string' ? JSON.stringify(kind.slice(0, 40)) : describeType(kind)}`,
  );
}

function checkRelation(sampling: LedgerSampling, value: unknown): NeighboringRelation {
  const implied: NeighboringRelation | undefined =
    sampling.kind === 'fixedSize' ? 'replaceOne' : sampling.kind === 'poisson' ? 'addOrRemoveOne' : undefined;
  if (value === undefined) return implied ?? 'addOrRemoveOne';
  if (value !== 'addOrRemoveOne' && value !== 'replaceOne') {
    throw new SecAggError(typeof value === 'string' ? 'OUT_OF_RANGE' : 'INVALID_TYPE', `options.neighboringRelation must be 'addOrRemoveOne' or 'replaceOne'`);
  }
  if (implied !== undefined && value !== implied) {
    throw new SecAggError('OUT_OF_RANGE', `options.neighboringRelation: ${sampling.kind} sampling is analysed under '${implied}'`);
  }
  return value;
}

function checkBudget(value: unknown): LedgerBudget | undefined {
  if (value === undefined) return undefined;
  const o = assertOptions<Record<string, unknown>>(value, 'options.budget', ['server', 'release']);
  const out: { server?: number; release?: number } = {};
  for (const key of ['server', 'release'] as const) {
    if (o[key] !== undefined) out[key] = assertNumber(o[key], `options.budget.${key}`, 0, Number.MAX_VALUE);
  }
  if (out.server === undefined && out.release === undefined) {
    throw new SecAggError('OUT_OF_RANGE', 'options.budget must cap at least one of server, release');
  }
  return Object.freeze(out);
}

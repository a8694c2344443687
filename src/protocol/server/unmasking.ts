/**
 * The unmasking close as a plan of jobs: {@link unmaskingPlan} turns a server state whose
 * unmasking round is closing into `keys` jobs, {@link applyUnmaskingResults} takes their results
 * and gives the `masks` jobs, then the completed (or aborted) step. The synchronous close
 * (`serverCloseRound`), the asynchronous one (`serverCloseRoundAsync`) and a caller with its own
 * runner (threads, hosts behind a queue) all go through these two functions, so they cannot
 * diverge. The jobs themselves are ./unmasking-jobs.ts.
 */
import { assertInteger, assertOptions, describeType } from '../../_assert.js';
import { SecAggError } from '../../errors.js';
import { indexOf, type Topology } from '../../graph/index.js';
import type { CryptoBackend } from '../../crypto/index.js';
import { runPieces, type Pieces } from '../_pieces.js';
import { MAX_VECTOR_LENGTH } from '../config.js';
import type { AdvertisedKey, ServerLiveState, ServerState, ServerStep } from '../types.js';
import type { AbortCode } from '../codes.js';
import { abortServer, completedState, consumed, dropSilent, LIVE_ROUNDS, nameLiar, take, type Live } from './_live.js';
import { ownersOf, topologyOf, unmaskable, within } from './_sets.js';
import {
  termCount,
  termSigns,
  wipeUnmaskingJob,
  wipeUnmaskingResult,
  type UnmaskingDroppedClient,
  type UnmaskingFailure,
  type UnmaskingJob,
  type UnmaskingKeysJob,
  type UnmaskingKeysResult,
  type UnmaskingMasksJob,
  type UnmaskingResult,
  type UnmaskingShareSet,
} from './unmasking-jobs.js';

/** A plan whose current stage has jobs to run. */
export interface UnmaskingStage {
  readonly kind: 'unmaskingPlan';
  /** `keys`: rebuild secrets and derive mask keys; `masks`: remove the masks, slice by slice. */
  readonly stage: 'keys' | 'masks';
  /** The stage's jobs: run each (any order, anywhere) and give the results in this order. */
  readonly jobs: readonly UnmaskingJob[];
  /** The close's outcome: null until the plan is done. */
  readonly step: null;
  /** The server being unmasked (owned by the plan; not for the caller to use). */
  readonly server: ServerLiveState;
  /** Elements per slice of a vector (the last slice may be shorter). */
  readonly sliceLength: number;
  /** About how many masks jobs to make per vector: slices times term groups (see planMasks). */
  readonly masksJobs: number;
  readonly backend: CryptoBackend | null;
}

/** A plan with nothing left to run: `step` is the close's outcome. */
export interface UnmaskingDone {
  readonly kind: 'unmaskingPlan';
  readonly stage: 'done';
  readonly jobs: readonly [];
  /** The completed state with the sums, or the aborted state and the abort for the clients. */
  readonly step: ServerStep;
}

/**
 * The unmasking close as plain, structured-clone-able data: run `jobs`, hand the results to
 * {@link applyUnmaskingResults}, until `stage` is `done`.
 */
export type UnmaskingPlan = UnmaskingStage | UnmaskingDone;

/** Options of {@link unmaskingPlan}. */
export interface UnmaskingPlanOptions {
  /**
   * How many jobs will run at once, 1..1024 (default 1): the plan makes about 4 keys jobs per
   * runner (whole owners each) and, per vector, about 2 masks jobs per runner (slices, each cut
   * into groups of terms; one masks job when 1). The result does not depend on it.
   */
  readonly concurrency?: number;
  /**
   * Elements per slice of a vector in the masks jobs, 1..2^28 (default 2^18: a slice is one
   * cache-sized span of the mask streams). The result does not depend on it.
   */
  readonly sliceLength?: number;
  /** Crypto and mask backend the jobs use (default: native where available). */
  readonly backend?: CryptoBackend;
}

const PLAN_OPTIONS = ['concurrency', 'sliceLength', 'backend'] as const;

/**
 * Starts the close of the unmasking round as a plan of jobs. Clients that sent nothing are
 * dropped (NO_MESSAGE) and the thresholds are checked, as `serverCloseRound` does; when the
 * round cannot succeed the plan is already `done` with the abort (TOO_FEW_CLIENTS). Otherwise
 * the plan's `keys` jobs carry, per owner, every share its holders revealed (never the rebuilt
 * secrets: those exist only inside a job, which corrects wrong shares and names their holders).
 * Consumes `state`.
 *
 * Run the jobs with `runUnmaskingJob` on any thread or host (they are structured-clone-able;
 * `v8.serialize` puts them on a queue), then call {@link applyUnmaskingResults}. The outcome
 * (sums, abort, clients named by reconstruction) is the same whatever the concurrency, slice
 * length or order in which jobs ran.
 *
 * @throws {SecAggError} `WRONG_ROUND` outside the unmasking round (the state is not consumed),
 *   `STATE_CONSUMED`, `UNKNOWN_OPTION`, `INVALID_TYPE` / `OUT_OF_RANGE` for a bad option.
 * @example
 * ```ts
 * let plan = unmaskingPlan(server, { concurrency: 4 });
 * while (plan.stage !== 'done') plan = applyUnmaskingResults(plan, plan.jobs.map((job) => runUnmaskingJob(job)));
 * ({ state: server } = plan.step);
 * ```
 */
export function unmaskingPlan(state: ServerState, options?: UnmaskingPlanOptions): UnmaskingPlan {
  return runPieces(startUnmasking(state, options, 'unmaskingPlan'));
}

/**
 * Checks the options and the round and takes the state (at once: a throw leaves the state
 * unconsumed), then plans the keys stage in pieces (internal).
 */
export function startUnmasking(state: ServerState, options: UnmaskingPlanOptions | undefined, step: string): Pieces<UnmaskingPlan> {
  const o = readPlanOptions(options);
  if (state !== null && typeof state === 'object' && !consumed.has(state) && LIVE_ROUNDS.includes(state.round) && state.round !== 'unmasking') {
    throw new SecAggError('WRONG_ROUND', `${step} needs a server in round "unmasking", not "${state.round}"`);
  }
  const s = take(state, step);
  return keysStage(s, topologyOf(s), o);
}

interface PlanOptions {
  readonly concurrency: number;
  readonly sliceLength: number | null;
  readonly backend: CryptoBackend | null;
}

function readPlanOptions(options: unknown): PlanOptions {
  const o = assertOptions<Record<string, unknown>>(options, 'options', PLAN_OPTIONS);
  const concurrency = o['concurrency'] === undefined ? 1 : assertInteger(o['concurrency'], 'options.concurrency', 1, 1024);
  const sliceLength = o['sliceLength'] === undefined ? null : assertInteger(o['sliceLength'], 'options.sliceLength', 1, MAX_VECTOR_LENGTH);
  const backend = o['backend'];
  if (backend !== undefined && backend !== 'native' && backend !== 'portable') {
    throw new SecAggError('INVALID_TYPE', 'options.backend must be "native" or "portable"');
  }
  return { concurrency, sliceLength, backend: (backend as CryptoBackend | undefined) ?? null };
}

/** The keys stage (or the abort), from a live state in round unmasking (internal: the sync close). */
export function planKeys(s: Live, topo: Topology, o: PlanOptions): UnmaskingPlan {
  return runPieces(keysStage(s, topo, o));
}

/**
 * The members each unmasking close started with: an abort at any stage of the close goes to all
 * of them, including the silent clients the close itself drops (they may still be listening).
 */
const presentAtClose = new WeakMap<Live, readonly number[]>();

/** Aborts the server being unmasked, telling every client the close started with. */
function abortUnmasking(s: Live, code: AbortCode, reason: string): ServerStep {
  return abortServer(s, code, reason, presentAtClose.get(s) ?? s.members);
}

/**
 * The keys stage, in pieces of about one owner or one holder each, or the abort when the round
 * cannot succeed.
 */
function* keysStage(s: Live, topo: Topology, o: PlanOptions): Pieces<UnmaskingPlan> {
  const { config } = s;
  const u3 = s.rounds.u3;
  const u5: number[] = [];
  for (let id = 1; id <= config.clients; id++) if (s.revealed[id] != null) u5.push(id);
  presentAtClose.set(s, s.members.slice());
  dropSilent(s);
  const problem = yield* unmaskable(s, topo, u3, u5);
  if (problem !== null) return done(abortUnmasking(s, 'TOO_FEW_CLIENTS', problem));
  const t = config.threshold;
  const n = config.clients;
  // Every share the server holds of a secret goes into its job: beyond the threshold they let the
  // job correct wrong shares and name their holders (./_reconstruct.ts). With exactly t shares
  // nothing can be checked. The shares of a job's owners go into one block (one allocation, and
  // a worker gets it in one piece).
  const holdersOf = (owner: number, withOwner: boolean): number[] => {
    const xs = within(topo.of(owner), u5, n);
    if (withOwner) {
      const at = xs.findIndex((x) => x > owner);
      if (at < 0) xs.push(owner);
      else xs.splice(at, 0, owner);
    }
    return xs;
  };
  const key = (id: number): Uint8Array => (s.keys[id] as AdvertisedKey).maskingPublicKey;
  // Owners in a fixed order (survivors, then dropped clients, increasing), with a cost estimate
  // in units of about one X25519 agreement with its HKDFs (~40 us), so that jobs of similar cost
  // can be cut. Rebuilding a secret from h shares at threshold t costs about 1 + h t / 6000
  // units (measured: ~1 at h = 35, t = 20 in a 10,000-client SecAgg+ round; ~20 at h = 350,
  // t = 334); a flat 6 made the job holding the dropped clients of that round 2-4x longer than
  // the others, and the stage waited for it.
  const owners: { readonly id: number; readonly dropped: readonly number[] | null; readonly cost: number }[] = [];
  const perTerm = 0.1 * config.vectors.length; // one HKDF per vector
  const complete = config.graph.kind === 'complete'; // its of() builds a list on each call
  const rebuild = (owner: number): number => 1 + ((complete ? n : topo.of(owner).length + 1) * t) / 6000;
  for (const u of u3) owners.push({ id: u, dropped: null, cost: rebuild(u) + perTerm });
  for (const v of s.rounds.u2) {
    if (indexOf(u3, v) >= 0) continue;
    const alive = within(topo.of(v), u3, n);
    if (alive.length > 0) owners.push({ id: v, dropped: alive, cost: rebuild(v) + 1 + alive.length * (1 + perTerm) });
    yield;
  }
  const total = owners.reduce((a, w) => a + w.cost, 0);
  const pieces = Math.min(owners.length, 4 * o.concurrency);
  // Whole owners to a job until it reached its share of the total cost (the last takes the rest),
  // each with its holders; where each owner's shares go is known before any is copied.
  const cuts: { readonly w: (typeof owners)[number]; readonly xs: number[] }[][] = [];
  const place = new Placement(n);
  let cost = 0;
  for (const w of owners) {
    let cut = cuts.at(-1);
    if (cut === undefined || cost >= (cuts.length * total) / pieces) cuts.push((cut = []));
    const xs = holdersOf(w.id, w.dropped === null && indexOf(u5, w.id) >= 0);
    place.owner(w.id, cuts.length - 1, xs);
    cut.push({ w, xs });
    cost += w.cost;
    yield;
  }
  const blocks = place.blocks();
  const misfit = yield* place.fill(s, topo, u5, blocks);
  if (misfit !== null) {
    for (const block of blocks) block.fill(0);
    yield* wipeRevealed(s);
    return done(abortUnmasking(s, 'RECONSTRUCTION_FAILED', misfit));
  }
  const vectors = config.vectors.map((v) => v.name);
  const sessionId = Uint8Array.from(s.sessionId as Uint8Array);
  const jobs: UnmaskingKeysJob[] = cuts.map((cut, j) => {
    const block = blocks[j] as Uint8Array;
    const survivors: UnmaskingShareSet[] = [];
    const dropped: UnmaskingDroppedClient[] = [];
    let at = 0;
    for (const { w, xs } of cut) {
      const set = { owner: w.id, holders: xs, shares: block.subarray(at, at + 32 * xs.length) };
      at += 32 * xs.length;
      if (w.dropped === null) survivors.push(set);
      else {
        const peers = w.dropped;
        const peerKeys = new Uint8Array(32 * peers.length);
        peers.forEach((u, k) => peerKeys.set(key(u), 32 * k));
        dropped.push({ ...set, publicKey: Uint8Array.from(key(w.id)), peers: peers.slice(), peerKeys });
      }
    }
    return { kind: 'keys', threshold: t, sessionId, vectors, survivors, dropped, ...(o.backend === null ? {} : { backend: o.backend }) };
  });
  return stage(s, 'keys', jobs, o);
}

/**
 * Where each owner's shares go in the keys jobs' blocks, and the copy into them. The copy runs
 * holder by holder, through each holder's revealed shares in order: owner by owner it would read
 * one share from each of ~30 holders' blocks scattered over the heap (at 10,000 clients ~330,000
 * scattered reads, ~170 ms; holder by holder the reads are sequential: ~40 ms, the writes to the
 * jobs' blocks being what is left scattered).
 */
class Placement {
  /** Per owner id: its job (-1: not an owner of the plan). */
  private readonly job: Int32Array;
  /** Per owner id: its shares copied so far. */
  private readonly copied: Int32Array;
  /**
   * Every owner's holders (ascending), one run after another: owner u's from run[u] on, count[u]
   * of them. One table, not the jobs' per-owner lists: the copy checks each holder against ~30
   * owners' runs, and reading those from ~30 arrays scattered over the heap (object, then
   * elements) took ~60% of the copy (CPU profile of a saved 10,000-client state: the copy 66-77
   * ms, 52-62 ms with the table).
   */
  private holders = new Int32Array(1024);
  private placed = 0;
  /**
   * Per job: where its owners' runs start in the table. Its block holds the shares from there, so
   * owner u's first share is share run[u] - starts[job[u]] of its block.
   */
  private readonly starts: number[] = [];
  private readonly run: Int32Array;
  private readonly count: Int32Array;

  constructor(n: number) {
    this.job = new Int32Array(n + 1).fill(-1);
    this.copied = new Int32Array(n + 1);
    this.run = new Int32Array(n + 1);
    this.count = new Int32Array(n + 1);
  }

  /**
   * The owner's shares go to job `job` (the last job placed, or the next), after those of the
   * owners placed before it there, one per holder in `xs` (ascending).
   */
  owner(id: number, job: number, xs: readonly number[]): void {
    if (job === this.starts.length) this.starts.push(this.placed);
    this.job[id] = job;
    if (this.placed + xs.length > this.holders.length) {
      const grown = new Int32Array(Math.max(2 * this.holders.length, this.placed + xs.length));
      grown.set(this.holders.subarray(0, this.placed));
      this.holders = grown;
    }
    this.run[id] = this.placed;
    this.count[id] = xs.length;
    for (let i = 0; i < xs.length; i++) this.holders[this.placed + i] = xs[i] as number;
    this.placed += xs.length;
  }

  /** Each job's block of shares, sized for its owners' runs (zeros until {@link fill}). */
  blocks(): Uint8Array[] {
    return this.starts.map((from, j) => new Uint8Array(32 * ((this.starts[j + 1] ?? this.placed) - from)));
  }

  /**
   * Copies every share the placed owners need, holder by holder (in pieces: one holder each).
   * Holders come in increasing order and each owner's holders are increasing, so an owner's next
   * share is the next one in its run: each copy is checked to be that holder's slot, and every
   * run to be full at the end. Each holder's shares are wiped once copied. Returns null, or why
   * the revealed shares do not fit the graph (never for a state made by the server's own steps,
   * which check each holder's share count).
   */
  *fill(s: Live, topo: Topology, u5: readonly number[], blocks: readonly Uint8Array[]): Pieces<string | null> {
    const words = blocks.map((b) => new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2));
    const misfit = (owner: number): string => `the shares revealed for client ${owner} do not fit the session's graph`;
    for (const x of u5) {
      const h = heldShares(ownersOf(s, topo, x), s.revealed[x] as Uint8Array[]);
      if (h.views.length !== h.owners.length) return `client ${x} revealed ${h.views.length} shares for ${h.owners.length} owners`;
      const wrong = this.copy(x, h, blocks, words);
      if (wrong !== 0) return misfit(wrong);
      yield;
    }
    const { job, copied, count } = this;
    for (let u = 0; u < job.length; u++) if ((job[u] as number) >= 0 && copied[u] !== count[u]) return misfit(u);
    return null;
  }

  /** Copies holder x's shares into their owners' runs and wipes them: 0, or the first owner whose run x does not fit. */
  private copy(x: number, h: HeldShares, blocks: readonly Uint8Array[], words: readonly Uint32Array[]): number {
    const { job, copied, holders, run, count, starts } = this;
    for (let k = 0; k < h.owners.length; k++) {
      const u = h.owners[k] as number;
      const j = job[u] as number;
      if (j < 0) continue;
      const c = copied[u] as number;
      const at = (run[u] as number) + c; // its slot in the table
      if (c >= (count[u] as number) || holders[at] !== x) return u;
      copied[u] = c + 1;
      const i = at - (starts[j] as number); // and in its job's block
      if (h.words === null) (blocks[j] as Uint8Array).set(h.views[k] as Uint8Array, 32 * i);
      else {
        // 8 words at a time from the holder's block: a call of TypedArray.set costs more
        const to = words[j] as Uint32Array;
        const from = h.words;
        for (let w = 0, a = h.base + 8 * k, b = 8 * i; w < 8; w++) to[b + w] = from[a + w] as number;
      }
    }
    // Copied where they are used: the holder's shares are wiped now (one fill for its block).
    if (h.words === null) for (const y of h.views) y.fill(0);
    else h.words.fill(0, h.base, h.base + 8 * h.owners.length);
    return 0;
  }
}

/** The shares one holder revealed: whose they are (increasing), and where they lie. */
interface HeldShares {
  readonly owners: readonly number[];
  readonly views: readonly Uint8Array[];
  /**
   * When the views are 32-byte shares one after the other in one buffer (as the receive step
   * stores them), that buffer's 32-bit words and the first share's word index; else null.
   */
  readonly words: Uint32Array | null;
  readonly base: number;
}

function heldShares(owners: readonly number[], views: readonly Uint8Array[]): HeldShares {
  const first = views[0];
  const buffer = first?.buffer;
  let contiguous = first !== undefined && first.byteOffset % 4 === 0;
  for (let i = 0; contiguous && i < views.length; i++) {
    const v = views[i] as Uint8Array;
    contiguous = v.buffer === buffer && v.length === 32 && v.byteOffset === (first as Uint8Array).byteOffset + 32 * i;
  }
  return contiguous
    ? { owners, views, words: new Uint32Array(buffer as ArrayBufferLike, 0, (buffer as ArrayBufferLike).byteLength >>> 2), base: (first as Uint8Array).byteOffset >>> 2 }
    : { owners, views, words: null, base: 0 };
}

/**
 * Zeroes the revealed shares. They are 32-byte views, usually of one block per holder: runs of
 * adjacent views are wiped with one fill each.
 */
function* wipeRevealed(s: Live): Pieces<void> {
  for (const shares of s.revealed) {
    if (shares == null) continue;
    yield;
    let run: Uint8Array | null = null;
    let from = 0;
    let to = 0;
    for (const y of shares) {
      if (run !== null && y.buffer === run.buffer && y.byteOffset === to) {
        to += y.length;
        continue;
      }
      if (run !== null) new Uint8Array(run.buffer, from, to - from).fill(0);
      run = y;
      from = y.byteOffset;
      to = from + y.length;
    }
    if (run !== null) new Uint8Array(run.buffer, from, to - from).fill(0);
  }
}

function done(step: ServerStep): UnmaskingDone {
  return { kind: 'unmaskingPlan', stage: 'done', jobs: [], step };
}

/** Default elements per slice: the masking module's span (SPAN_WORDS), read once per term. */
const SLICE_LENGTH = 262_144;

function stage(s: Live, name: 'keys' | 'masks', jobs: UnmaskingJob[], o: PlanOptions): UnmaskingStage {
  const masksJobs = o.concurrency === 1 ? 1 : 2 * o.concurrency;
  return { kind: 'unmaskingPlan', stage: name, jobs, step: null, server: s, sliceLength: o.sliceLength ?? SLICE_LENGTH, masksJobs, backend: o.backend };
}

/** Plans handed to applyUnmaskingResults (each is used once). */
const usedPlans: WeakSet<object> = new WeakSet<object>();

/**
 * Takes the results of a plan's stage (one per job, in job order) and returns the next stage,
 * or the `done` plan whose `step` is the completed state (sums of the survivors' inputs) or the
 * aborted one: RECONSTRUCTION_FAILED when a secret could not be rebuilt (more wrong shares than
 * can be corrected; a rebuilt masking key that does not match its public key; a self-mask seed
 * from exactly t shares, one of a client named by reconstruction), naming the first such owner
 * in plan order, as `serverCloseRound` reports it. Clients the keys jobs named by reconstruction
 * get a drop record INCONSISTENT_SHARE (ascending), whether the round completes (in
 * `droppedAfterInput`: their inputs are in the sums) or aborts (in `drops`).
 * Consumes `plan`; the secret bytes of its jobs, of the results and of the revealed shares are
 * wiped once used.
 *
 * Results are checked before anything is used (kind, lengths, ranges): a runner that returns
 * something else is a bug of the runner, reported by a throw that leaves the plan unconsumed.
 *
 * @throws {SecAggError} `INVALID_TYPE` (not a plan, a done plan, results not an array of
 *   results of the stage's kinds), `LENGTH_MISMATCH` (a result count or size that does not match
 *   its job), `ELEMENT_OUT_OF_RANGE` (a sum element not below 2^bits), `STATE_CONSUMED` (a plan
 *   given twice).
 * @example
 * ```ts
 * const results = await Promise.all(plan.jobs.map((job) => runner.run(job)));
 * plan = applyUnmaskingResults(plan, results);
 * ```
 */
export function applyUnmaskingResults(plan: UnmaskingPlan, results: readonly UnmaskingResult[]): UnmaskingPlan {
  return runPieces(applyInPieces(plan, results));
}

/**
 * {@link applyUnmaskingResults} in pieces of about one job or holder each (internal: the async
 * close pauses between them). Every result is checked before any is used: a throw (at once, or
 * from a masks result's piece) leaves the plan unconsumed.
 */
export function applyInPieces(plan: UnmaskingPlan, results: readonly UnmaskingResult[]): Pieces<UnmaskingPlan> {
  if (plan === null || typeof plan !== 'object' || (plan as { kind?: unknown }).kind !== 'unmaskingPlan') {
    throw new SecAggError('INVALID_TYPE', `plan must be an unmasking plan, got ${describeType(plan)}`);
  }
  if (usedPlans.has(plan)) throw new SecAggError('STATE_CONSUMED', 'this unmasking plan was already applied; use the plan it returned');
  if (plan.stage !== 'keys' && plan.stage !== 'masks') {
    throw new SecAggError('INVALID_TYPE', `a plan in stage "${String(plan.stage)}" has no results to apply`);
  }
  if (!Array.isArray(results) || results.length !== plan.jobs.length) {
    throw new SecAggError('LENGTH_MISMATCH', `the stage has ${plan.jobs.length} jobs; give one result per job, in order`);
  }
  if (plan.stage === 'masks') return applyMasks(plan, results);
  const checked = checkKeys(plan, results);
  usedPlans.add(plan);
  return planMasks(plan, checked);
}

/** The masks results checked (one piece each: ~100,000 elements), then put into the sums. */
function* applyMasks(plan: UnmaskingStage, results: readonly unknown[]): Pieces<UnmaskingPlan> {
  const checked: Uint32Array[] = [];
  for (let i = 0; i < results.length; i++) {
    checked.push(checkMasks(plan, results[i], i));
    yield;
  }
  usedPlans.add(plan);
  return yield* finishMasks(plan, checked);
}

function wrongResult(i: number, what: string): SecAggError {
  return new SecAggError('INVALID_TYPE', `results[${i}] must be ${what}`);
}

/** The keys results, checked against their jobs. */
function checkKeys(plan: UnmaskingStage, results: readonly unknown[]): UnmaskingKeysResult[] {
  const vectors = plan.server.config.vectors.length;
  return results.map((r, i) => {
    const job = plan.jobs[i] as UnmaskingKeysJob;
    if (r === null || typeof r !== 'object' || (r as { kind?: unknown }).kind !== 'keys') throw wrongResult(i, "a 'keys' result");
    const { keys, failure } = r as { keys?: unknown; failure?: unknown };
    const liars = checkLiars(job, (r as { liars?: unknown }).liars, i);
    if (failure !== null) {
      const f = failure as { owner?: unknown; cause?: unknown } | undefined;
      const owners = [...job.survivors, ...job.dropped].map((x) => x.owner);
      if (typeof f !== 'object' || !owners.includes(f.owner as number) || typeof f.cause !== 'string') {
        throw wrongResult(i, 'a keys result whose failure names an owner of its job');
      }
      return { kind: 'keys', keys: [], failure: { owner: f.owner as number, cause: f.cause as 'KEY_MISMATCH' }, liars };
    }
    const size = 32 * termCount(job);
    if (!Array.isArray(keys) || keys.length !== vectors || keys.some((k) => !(k instanceof Uint8Array))) {
      throw wrongResult(i, `a keys result with ${vectors} Uint8Array key blocks`);
    }
    keys.forEach((k: Uint8Array, j) => {
      if (k.length !== size) throw new SecAggError('LENGTH_MISMATCH', `results[${i}].keys[${j}] must hold ${size} bytes, got ${k.length}`);
    });
    return { kind: 'keys', keys: keys as Uint8Array[], failure: null, liars };
  });
}

/** A keys result's liars: increasing ids, each a holder of one of the job's owners (a copy). */
function checkLiars(job: UnmaskingKeysJob, liars: unknown, i: number): number[] {
  const what = 'a keys result whose liars are increasing ids of its holders';
  if (!Array.isArray(liars)) throw wrongResult(i, what);
  const out = liars.slice() as unknown[];
  if (out.length === 0) return [];
  const holders = new Set<number>();
  for (const set of [...job.survivors, ...job.dropped]) for (const x of set.holders) holders.add(x);
  out.forEach((x, k) => {
    if (typeof x !== 'number' || !holders.has(x) || (k > 0 && x <= (out[k - 1] as number))) throw wrongResult(i, what);
  });
  return out as number[];
}

/** The slice of masks result `i`, checked against its job. */
function checkMasks(plan: UnmaskingStage, r: unknown, i: number): Uint32Array {
  const job = plan.jobs[i] as UnmaskingMasksJob;
  const sum: unknown = (r as { sum?: unknown } | null)?.sum;
  if (r === null || typeof r !== 'object' || (r as { kind?: unknown }).kind !== 'masks' || !(sum instanceof Uint32Array)) {
    throw wrongResult(i, "a 'masks' result with a Uint32Array sum");
  }
  if (sum.length !== job.sum.length) {
    throw new SecAggError('LENGTH_MISMATCH', `results[${i}].sum must have ${job.sum.length} elements, got ${sum.length}`);
  }
  if (job.bits < 32) {
    let any = 0;
    for (let k = 0; k < sum.length; k++) any |= sum[k] as number;
    if (any >>> job.bits !== 0) throw new SecAggError('ELEMENT_OUT_OF_RANGE', `results[${i}].sum has an element not below 2^${job.bits}`);
  }
  return sum;
}

/** After the keys stage: the masks jobs, or the abort when a secret could not be used. */
function* planMasks(plan: UnmaskingStage, results: UnmaskingKeysResult[]): Pieces<UnmaskingPlan> {
  const s = plan.server as Live;
  const jobs = plan.jobs as UnmaskingKeysJob[];
  // The revealed shares were wiped as they were copied into the jobs (Placement.fill).
  for (const job of jobs) {
    wipeUnmaskingJob(job);
    yield;
  }
  // Every client named by reconstruction in any job, ascending: the same set however the
  // owners were cut into jobs (see ./_reconstruct.ts), named whether the round completes or not.
  const liars = [...new Set(results.flatMap((r) => r.liars))].sort((a, b) => a - b);
  for (const id of liars) nameLiar(s, id);
  const reason = firstFailure(jobs, results, liars, s.config.threshold);
  if (reason !== null) {
    for (const r of results) wipeUnmaskingResult(r);
    return done(abortUnmasking(s, 'RECONSTRUCTION_FAILED', reason));
  }
  const terms = jobs.reduce((a, job) => a + termCount(job), 0);
  const signs = new Int8Array(terms);
  let at = 0;
  for (const job of jobs) {
    signs.set(termSigns(job), at);
    at += termCount(job);
    yield;
  }
  // Per vector: slices of at most sliceLength elements, each cut into groups of terms so that
  // there are about plan.masksJobs jobs. A term costs a stream set-up per slice it is read in
  // (~5-10 us with node:crypto) plus ~1 ns per element: cutting by terms keeps every term in one
  // job per slice, and a job carries only its own terms' keys. A slice's first group starts
  // from the masked sum's slice, the others from zero; their results are added (finishMasks).
  const masks: UnmaskingMasksJob[] = [];
  for (const [j, spec] of s.config.vectors.entries()) {
    const keys = new Uint8Array(32 * terms);
    let k = 0;
    for (const r of results) {
      const block = r.keys[j] as Uint8Array;
      keys.set(block, k);
      k += block.length;
      yield;
    }
    const sum = s.accumulators[j] as Uint32Array;
    const slices = Math.ceil(spec.length / plan.sliceLength);
    const groups = Math.min(terms, Math.max(1, Math.ceil(plan.masksJobs / slices)));
    // With one group its jobs share the block (a worker gets a copy); else each its own part.
    const parts = Array.from({ length: groups }, (_, g) => {
      const from = Math.floor((g * terms) / groups);
      const to = Math.floor(((g + 1) * terms) / groups);
      return groups === 1 ? { keys, signs } : { keys: keys.slice(32 * from, 32 * to), signs: signs.slice(from, to) };
    });
    if (groups > 1) keys.fill(0);
    for (let offset = 0; offset < spec.length; offset += plan.sliceLength) {
      const end = Math.min(spec.length, offset + plan.sliceLength);
      parts.forEach((part, g) => {
        masks.push({
          kind: 'masks', vector: j, bits: spec.bits, offset, sum: g === 0 ? sum.slice(offset, end) : new Uint32Array(end - offset), ...part,
          ...(plan.backend === null ? {} : { backend: plan.backend }),
        });
      });
      yield;
    }
  }
  for (const r of results) {
    wipeUnmaskingResult(r);
    yield;
  }
  s.revealed = [];
  return { ...plan, stage: 'masks', jobs: masks };
}

/**
 * Why the close must abort, for the first owner in plan order whose secret cannot be used (as
 * `serverCloseRound` always reported it), or null: a job's failure, or a survivor whose self-mask
 * seed rests on exactly t shares, one of them from a client named by reconstruction (nothing
 * could check that share, and its holder is known to lie).
 */
function firstFailure(jobs: readonly UnmaskingKeysJob[], results: readonly UnmaskingKeysResult[], liars: readonly number[], t: number): string | null {
  const named = new Set(liars);
  const failedAt = (failure: UnmaskingFailure, holders: number): string => {
    if (failure.cause === 'KEY_MISMATCH') return `client ${failure.owner}'s rebuilt masking key does not match its public key`;
    if (failure.cause === 'TOO_MANY_ERRORS') {
      return `client ${failure.owner}'s secret could not be rebuilt: more of its ${holders} shares are wrong than can be corrected (TOO_MANY_ERRORS)`;
    }
    return `secrets could not be rebuilt (${failure.cause})`;
  };
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i] as UnmaskingKeysJob;
    const failure = (results[i] as UnmaskingKeysResult).failure;
    for (const set of job.survivors) {
      if (failure?.owner === set.owner) return failedAt(failure, set.holders.length);
      const liar = named.size > 0 && set.holders.length === t ? set.holders.find((x) => named.has(x)) : undefined;
      if (liar !== undefined) {
        return `client ${set.owner}'s self-mask seed rests on exactly ${t} shares, one from client ${liar}, named by reconstruction: it cannot be checked`;
      }
    }
    for (const d of job.dropped) if (failure?.owner === d.owner) return failedAt(failure, d.holders.length);
  }
  return null;
}

/** After the masks stage: the slices go back into the sums and the server completes. */
function* finishMasks(plan: UnmaskingStage, sums: Uint32Array[]): Pieces<UnmaskingDone> {
  const s = plan.server as Live;
  const { config } = s;
  // A slice's first job (its first group) carries the masked sum: its result is the slice;
  // the other groups' results (zero minus their masks) are added to it.
  const placed = new Set<string>();
  for (const [i, job] of (plan.jobs as UnmaskingMasksJob[]).entries()) {
    const acc = s.accumulators[job.vector] as Uint32Array;
    const x = sums[i] as Uint32Array;
    const slice = `${job.vector}:${job.offset}`;
    if (!placed.has(slice)) {
      acc.set(x, job.offset);
      placed.add(slice);
    } else if (job.bits === 32) {
      for (let k = 0, at = job.offset; k < x.length; k++, at++) acc[at] = (acc[at] as number) + (x[k] as number);
    } else {
      const mask = 2 ** job.bits - 1;
      for (let k = 0, at = job.offset; k < x.length; k++, at++) acc[at] = ((acc[at] as number) + (x[k] as number)) & mask;
    }
    wipeUnmaskingJob(job);
    yield;
  }
  const result: Record<string, Uint32Array> = {};
  config.vectors.forEach((spec, j) => {
    result[spec.name] = s.accumulators[j] as Uint32Array;
  });
  return done({ state: completedState(s, result), outbox: [] });
}

/**
 * Ends a plan that cannot go on (its runner failed or was cancelled): the plan's jobs and the
 * revealed shares are wiped and the server aborts with LOCAL_ABORT (internal: the async close).
 */
export function abandonUnmasking(plan: UnmaskingStage, reason: string): UnmaskingDone {
  usedPlans.add(plan);
  const s = plan.server as Live;
  runPieces(wipeRevealed(s));
  for (const job of plan.jobs) wipeUnmaskingJob(job);
  return done(abortUnmasking(s, 'LOCAL_ABORT', reason));
}

/**
 * The server's side of a session: it admits connections by the identity their transport
 * authenticated, forms each round's cohort from the clients that said they are ready, offers
 * the round, and drives it to a release (./_server-round.ts).
 */
import { assertInteger, assertOptions, describeType } from '../_assert.js';
import { equalBytes } from '../_bytes.js';
import { SecAggError } from '../errors.js';
import { beaconRoundTime } from '../graph/index.js';
import { deriveSessionConfig, type JobRunner, type RoundParameters, type SessionConfig } from '../protocol/index.js';
import { cryptoRandomBytes } from '../random.js';
import { checkSignal } from '../transport/_signal.js';
import type { Connection, ServerTransport } from '../transport/index.js';
import type { BeaconFetch } from './client.js';
import { readClock, type Clock } from './clock.js';
import { decodeFrame, encodeFrame, type Frame } from './_frames.js';
import { ServerRound, type RoundContext } from './_server-round.js';
import { pacer } from './_pace.js';
import { createSessionSpec, type SessionSpec } from './spec.js';
import { specDigestOf } from './spec-codec.js';
import type { RoundResult, SessionAbortCode } from './types.js';

/** How long a server waits, in milliseconds (0..2^31 - 1, or Infinity). */
export interface ServerDeadlines {
  /**
   * Once `cohort.min` clients are ready, how long to wait for more: the round starts when
   * `cohort.max` are ready or this has passed (default 0: at once). Until `cohort.min` are ready
   * `runRound` waits (bound it with its signal).
   */
  readonly admission?: number;
  /** Each protocol round's default (default 60,000). */
  readonly round?: number;
  /** Keys, after the offers (and the beacon's value, when there is one). */
  readonly advertiseKeys?: number;
  readonly shareKeys?: number;
  readonly maskedInputCollection?: number;
  readonly consistencyCheck?: number;
  readonly unmasking?: number;
}

/** Options of {@link ServerSession}. */
export interface ServerSessionOptions {
  /** The trusted spec (the clients' must be the same). */
  readonly spec: SessionSpec;
  /** Registry entry i's transport identity, for every entry (distinct strings). */
  readonly identities: readonly string[];
  /** Where clients connect; the session owns it from now on (`close()` closes it). */
  readonly transport: ServerTransport;
  readonly deadlines?: ServerDeadlines;
  /** Cohort sizes: `min` (default policy.minClients, not below it) and `max` (default spec.maxClients, not above it). */
  readonly cohort?: { readonly min?: number; readonly max?: number };
  /**
   * Runs the unmasking's jobs off the event loop: `createWorkerPool({ niceIncrement: 10 })` of
   * `secagg/workers` (its workers then yield the cores to this thread on Linux), or any
   * `JobRunner` of `secagg/protocol`; default inline, on this thread. The session does not
   * close it.
   */
  readonly runner?: JobRunner;
  /** The beacon's values, when the policy names a beacon (your own source). */
  readonly beacon?: BeaconFetch;
  /**
   * Once the unmasking has the shares it needs, wait this many milliseconds more for shares
   * beyond the threshold (they check the others) before closing; default: wait for every
   * client or the deadline.
   */
  readonly extraSharesWait?: number;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** Closes the session when it aborts. */
  readonly signal?: AbortSignal;
}

const OPTIONS = ['spec', 'identities', 'transport', 'deadlines', 'cohort', 'runner', 'beacon', 'extraSharesWait', 'clock', 'signal'] as const;
const ROUNDS = ['advertiseKeys', 'shareKeys', 'maskedInputCollection', 'consistencyCheck', 'unmasking'] as const;
const MAX_MS = 2_147_483_647;
/** Close codes of a refused connection (the client reports REFUSED). */
const CLOSE_UNKNOWN = 4001;
const CLOSE_SPEC = 4002;
const CLOSE_REPLACED = 4003;

function readMs(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY) return value;
  return assertInteger(value, name, 0, MAX_MS);
}

/** A uniform sample of `k` of `items` (CSPRNG, rejection sampling: no modulo bias). */
function sample(items: readonly number[], k: number): number[] {
  const a = items.slice();
  for (let i = 0; i < k; i++) {
    const range = a.length - i;
    const limit = Math.floor(2 ** 32 / range) * range;
    let x: number;
    do {
      const b = cryptoRandomBytes(4);
      x = ((b[0] as number) * 2 ** 24 + ((b[1] as number) << 16) + ((b[2] as number) << 8) + (b[3] as number)) >>> 0;
    } while (x >= limit);
    const j = i + (x % range);
    [a[i], a[j]] = [a[j] as number, a[i] as number];
  }
  return a.slice(0, k);
}

/**
 * The server of secure-aggregation rounds over a transport. Clients connect (the transport
 * authenticates them; an identity outside `identities` is refused), say they are ready, and
 * each {@link runRound} forms a cohort of ready clients in registry order (a uniform sample when
 * more are ready than `cohort.max`; when `cohort.min` are ready it waits the admission deadline
 * for more), offers it the round, closes each protocol round when every
 * expected message arrived or its deadline passed, and resolves with the release: the decoded
 * mean or sum per tensor and who is in it, or why there is none. A closed connection is a drop;
 * late, repeated and malformed frames are counted, never thrown; an abort reaches every member
 * still connected.
 *
 * @example
 * ```ts
 * const server = new ServerSession({ spec, identities, transport: await listenWebSocket({ port: 8080, authenticate }) });
 * const result = await server.runRound();
 * if (result.outcome === 'completed') apply(result.values);
 * await server.close();
 * ```
 */
export class ServerSession {
  readonly #spec: SessionSpec;
  readonly #identities: readonly string[];
  readonly #index = new Map<string, number>();
  readonly #transport: ServerTransport;
  readonly #clock: Clock;
  readonly #ctx: RoundContext;
  readonly #admission: number;
  readonly #min: number;
  readonly #max: number;
  readonly #beacon: BeaconFetch | undefined;
  readonly #connections = new Map<number, Connection>();
  readonly #ready = new Set<number>();
  #changed: () => void = () => undefined;
  #round: ServerRound | null = null;
  #running = false;
  #number = 0;
  #closed: Promise<void> | null = null;
  readonly #closing = new AbortController();
  readonly #detach: () => void;

  /**
   * @throws {SecAggError} `INVALID_TYPE`, `UNKNOWN_OPTION`, `OUT_OF_RANGE` for bad options;
   *   `INVALID_CONFIG` for identities that are not one distinct string per registry entry, cohort
   *   sizes outside the spec's, or a beacon policy without `beacon`; the errors of
   *   `createSessionSpec` for the spec.
   */
  constructor(options: ServerSessionOptions) {
    const o = assertOptions<ServerSessionOptions>(options, 'options', OPTIONS);
    if (options === undefined) throw new SecAggError('INVALID_TYPE', 'options must be an object with spec, identities and transport');
    const spec = (this.#spec = createSessionSpec(o.spec));
    const registry = spec.policy.registry;
    const size = 'size' in registry ? registry.size : registry.verificationKeys.length;
    if (!Array.isArray(o.identities) || o.identities.length !== size) throw new SecAggError('INVALID_CONFIG', `options.identities must list the ${size} registry entries' identities`);
    this.#identities = o.identities.map((id: unknown, i) => {
      if (typeof id !== 'string' || id.length === 0 || id.length > 1024) throw new SecAggError('INVALID_TYPE', `options.identities[${i}] must be a string of 1..1024 characters`);
      if (this.#index.has(id)) throw new SecAggError('INVALID_CONFIG', `options.identities[${i}] repeats an earlier identity`);
      this.#index.set(id, i);
      return id;
    });
    const t = o.transport as Partial<ServerTransport> | null;
    if (t === null || typeof t !== 'object' || typeof t.close !== 'function' || !('onConnection' in t)) {
      throw new SecAggError('INVALID_TYPE', `options.transport must be a ServerTransport, got ${describeType(o.transport)}`);
    }
    this.#transport = o.transport;
    const d = assertOptions<ServerDeadlines>(o.deadlines, 'options.deadlines', ['admission', 'round', ...ROUNDS]);
    const fallback = readMs(d.round, 'options.deadlines.round', 60_000);
    const deadlines = Object.fromEntries(ROUNDS.map((r) => [r, readMs(d[r], `options.deadlines.${r}`, fallback)])) as RoundContext['deadlines'];
    this.#admission = readMs(d.admission, 'options.deadlines.admission', 0);
    const c = assertOptions<{ min?: unknown; max?: unknown }>(o.cohort, 'options.cohort', ['min', 'max']);
    this.#max = c.max === undefined ? spec.maxClients : assertInteger(c.max, 'options.cohort.max', spec.policy.minClients, spec.maxClients);
    this.#min = c.min === undefined ? spec.policy.minClients : assertInteger(c.min, 'options.cohort.min', spec.policy.minClients, this.#max);
    if (o.runner !== undefined && (o.runner === null || typeof o.runner !== 'object' || typeof o.runner.run !== 'function')) {
      throw new SecAggError('INVALID_TYPE', 'options.runner must be a job runner (an object with run(job))');
    }
    if (o.beacon !== undefined && typeof o.beacon !== 'function') throw new SecAggError('INVALID_TYPE', 'options.beacon must be a function');
    if (spec.policy.beacon !== null && o.beacon === undefined) throw new SecAggError('INVALID_CONFIG', `the policy's beacon ${spec.policy.beacon.name} seeds the graph: give options.beacon`);
    this.#beacon = o.beacon;
    this.#clock = readClock(o.clock);
    const extra = o.extraSharesWait === undefined ? null : assertInteger(o.extraSharesWait, 'options.extraSharesWait', 0, MAX_MS);
    this.#ctx = {
      spec, identities: this.#identities, clock: this.#clock, deadlines, extraSharesWait: extra, runner: o.runner,
      connectionOf: (index) => this.#connections.get(index) ?? null,
    };
    const signal = checkSignal(o.signal, 'options.signal');
    const onAbort = (): void => void this.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#detach = () => signal?.removeEventListener('abort', onAbort);
    this.#transport.onConnection = (connection) => this.#admit(connection);
    if (signal?.aborted === true) void this.close();
  }

  /** Clients connected, clients ready for the next round, and the round in progress (null: none). */
  get status(): { readonly connected: number; readonly ready: number; readonly round: number | null } {
    return { connected: this.#connections.size, ready: this.#readyNow().length, round: this.#round?.number ?? null };
  }

  /**
   * Runs one round: waits for a cohort, offers it the round, drives the protocol, and resolves
   * with the {@link RoundResult} (never rejects for what clients or the network do). The
   * release is decoded per the spec; under a DP plan a sum of fewer survivors than its
   * `minClients` is not released (TOO_FEW_SURVIVORS). One round at a time.
   *
   * @throws {SecAggError} (rejects) `WRONG_ROUND` while another round runs, `ABORTED` after
   *   `close()`, `INVALID_TYPE` for a bad signal.
   * @example
   * ```ts
   * for (let r = 0; r < 100; r++) {
   *   const result = await server.runRound({ signal: AbortSignal.timeout(600_000) });
   *   if (result.outcome === 'completed') model.apply(result.values);
   * }
   * ```
   */
  async runRound(options?: { readonly signal?: AbortSignal }): Promise<RoundResult> {
    if (this.#closed !== null) throw new SecAggError('ABORTED', 'the server session is closed');
    if (this.#running) throw new SecAggError('WRONG_ROUND', 'a round is running: wait for its result');
    const o = assertOptions<{ signal?: AbortSignal }>(options, 'options', ['signal']);
    const signal = checkSignal(o.signal, 'options.signal');
    this.#running = true;
    const number = ++this.#number;
    const started = this.#clock.now();
    try {
      const gathered = await this.#gather(signal);
      if ('refused' in gathered) return this.#notStarted(number, ...gathered.refused);
      const cohort = gathered.cohort;
      for (const index of cohort) this.#ready.delete(index);
      const round = (this.#round = new ServerRound(this.#ctx, number, cohort));
      round.milliseconds.admission = this.#clock.now() - started;
      const onAbort = (): void => round.cancel(signal?.aborted === true ? 'the round was aborted by its signal' : 'the server session is closing');
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#closing.signal.addEventListener('abort', onAbort, { once: true });
      try {
        void this.#offer(round, signal);
        return await round.result;
      } finally {
        signal?.removeEventListener('abort', onAbort);
        this.#closing.signal.removeEventListener('abort', onAbort);
      }
    } finally {
      this.#round = null;
      this.#running = false;
    }
  }

  /**
   * Ends a round in progress (its clients are told, its runRound resolves aborted), closes the
   * transport and every connection, and clears every timer. Calling it again returns the same
   * promise.
   *
   * @example
   * ```ts
   * await server.close();
   * ```
   */
  close(): Promise<void> {
    if (this.#closed === null) {
      this.#closing.abort();
      this.#detach();
      this.#changed();
      const round = this.#round;
      this.#closed = (async () => {
        await round?.result;
        await this.#transport.close();
        this.#connections.clear();
        this.#ready.clear();
      })();
    }
    return this.#closed;
  }

  #admit(connection: Connection): void {
    const index = this.#index.get(connection.identity);
    if (index === undefined || this.#closed !== null) {
      connection.close(CLOSE_UNKNOWN, 'not in the registry');
      return;
    }
    const previous = this.#connections.get(index);
    this.#connections.set(index, connection);
    if (previous !== undefined) {
      this.#ready.delete(index);
      this.#round?.drop(index, 'CONNECTION_CLOSED');
      previous.close(CLOSE_REPLACED, 'replaced by a newer connection');
    }
    connection.onFrame = (bytes) => this.#frame(index, connection, bytes);
    connection.onClose = () => {
      if (this.#connections.get(index) !== connection) return;
      this.#connections.delete(index);
      this.#ready.delete(index);
      this.#round?.drop(index, 'CONNECTION_CLOSED');
      this.#changed();
    };
  }

  #frame(index: number, connection: Connection, bytes: Uint8Array): void {
    if (this.#connections.get(index) !== connection) return;
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch {
      this.#round?.malformed(index);
      return;
    }
    if (frame.kind === 'ready') {
      if (!equalBytes(frame.specDigest, specDigestOf(this.#spec))) {
        connection.close(CLOSE_SPEC, 'another session spec');
        return;
      }
      if (frame.ready) this.#ready.add(index);
      else this.#ready.delete(index);
      this.#changed();
    } else if (frame.kind === 'protocol') this.#round?.receive(index, frame.round, frame.message);
    else this.#round?.malformed(index);
  }

  #readyNow(): number[] {
    return [...this.#ready].filter((i) => this.#connections.has(i)).sort((a, b) => a - b);
  }

  /**
   * Waits for the cohort: once `cohort.min` clients are ready, up to the admission deadline more
   * for `cohort.max`; returns the ready clients' indices (sampled down to max), or why not.
   */
  async #gather(signal: AbortSignal | undefined): Promise<{ cohort: number[] } | { refused: [SessionAbortCode, string] }> {
    let enoughSince: number | null = null;
    let timer: unknown = null;
    const wake = (): void => this.#changed();
    signal?.addEventListener('abort', wake, { once: true });
    try {
      for (;;) {
        if (this.#closed !== null) return { refused: ['LOCAL_ABORT', 'the server session is closing'] };
        if (signal?.aborted === true) return { refused: ['LOCAL_ABORT', 'the round was aborted by its signal'] };
        const ready = this.#readyNow();
        if (ready.length < this.#min) enoughSince = null;
        else enoughSince ??= this.#clock.now();
        const until = enoughSince === null ? Number.POSITIVE_INFINITY : enoughSince + this.#admission;
        if (ready.length >= this.#max || (enoughSince !== null && this.#clock.now() >= until)) {
          const chosen = ready.length > this.#max ? sample(ready, this.#max) : ready;
          return { cohort: chosen.sort((a, b) => a - b) };
        }
        await new Promise<void>((resolve) => {
          this.#changed = resolve;
          if (Number.isFinite(until)) timer = this.#clock.setTimeout(resolve, Math.max(0, until - this.#clock.now()));
        });
        if (timer !== null) this.#clock.clearTimeout(timer);
        timer = null;
      }
    } finally {
      if (timer !== null) this.#clock.clearTimeout(timer);
      signal?.removeEventListener('abort', wake);
      this.#changed = () => undefined;
    }
  }

  #notStarted(number: number, code: SessionAbortCode, reason: string): RoundResult {
    return {
      round: number, outcome: 'aborted', cohort: [], config: null, values: null, totalWeight: null, sum: null, included: [], droppedAfterInput: [],
      dropped: [], frames: { late: 0, duplicate: 0, malformed: 0 }, milliseconds: {}, abort: { code, reason },
    };
  }

  /** Sends `frame` to each of `indices` that is connected, in slices between which the event loop turns. */
  async #sendAll(indices: readonly number[], frame: Uint8Array): Promise<void> {
    const pace = pacer();
    for (const index of indices) {
      this.#connections.get(index)?.send(frame);
      await pace();
    }
  }

  /** Sends the offers and starts the round once its configuration is known (after the beacon). */
  async #offer(round: ServerRound, signal: AbortSignal | undefined): Promise<void> {
    const beacon = this.#spec.policy.beacon;
    let beaconRound: number | null = null;
    if (beacon !== null) {
      // The first beacon round scheduled after any client can have received the offer: the
      // client's clock may run maxClockSkew ahead, and it allows as much behind; a second of transit.
      const target = this.#clock.now() / 1000 + 2 * beacon.maxClockSkew + 1;
      beaconRound = target < beacon.genesisTime ? 1 : Math.floor((target - beacon.genesisTime) / beacon.period) + 2;
      while (beaconRoundTime(beacon, beaconRound) <= target) beaconRound++;
    }
    const parameters: RoundParameters = { cohort: round.cohort, nonce: cryptoRandomBytes(32), beaconRound };
    let config: SessionConfig;
    try {
      let value: Uint8Array | undefined;
      if (beaconRound !== null) {
        await this.#sendAll(round.cohort, encodeFrame({ kind: 'offer', round: round.number, parameters }));
        const abort = AbortSignal.any([this.#closing.signal, ...(signal === undefined ? [] : [signal])]);
        value = await (this.#beacon as BeaconFetch)(beaconRound, { signal: abort });
      }
      config = deriveSessionConfig(this.#spec.policy, parameters, value);
      if (beaconRound === null) {
        await this.#sendAll(round.cohort, encodeFrame({ kind: 'offer', round: round.number, parameters }));
      }
    } catch (error) {
      const code = error instanceof SecAggError ? error.code : 'error';
      round.cancel(`the round could not start (${code}): ${error instanceof Error ? error.message.slice(0, 200) : ''}`);
      return;
    }
    round.start(config);
  }
}

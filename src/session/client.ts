/**
 * The client's side of a session: it owns the protocol state, answers the server's requests
 * over one connection, and keeps a record in the caller's store before anything leaves, so
 * that no request is ever answered twice in two ways (./_record.ts).
 */
import { assertInteger, assertOptions, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import type { RandomBytes } from '../random.js';
import { checkSignal } from '../transport/_signal.js';
import type { CloseInfo, Connection } from '../transport/index.js';
import { ClientRun, type ClientRunHost } from './_client-run.js';
import { readClock, type Clock } from './clock.js';
import { decodeRecord, encodeRecord, replaySession, type ClientRecord } from './_record.js';
import { createSessionSpec, type SessionSpec } from './spec.js';
import { specDigestOf } from './spec-codec.js';
import type { ClientOutcome } from './types.js';
import { prepareUpdate, type ModelUpdate } from './update.js';
import { encodeFrame } from './_frames.js';

/**
 * Where a client keeps its record between processes (a file, IndexedDB, a key-value store).
 * `save` must not resolve before the bytes are durable: the session sends nothing that a
 * save has not covered. The record holds the round's secrets until the round ends: protect it
 * as you would a private key.
 */
export interface ClientStore {
  /** The last bytes saved, or null when there are none. */
  load(): Promise<Uint8Array | null>;
  /** Replaces the record with `record` (the session never needs an older one). */
  save(record: Uint8Array): Promise<void>;
}

/** Fetches the value of a beacon round from your own source (waiting until it is published). */
export type BeaconFetch = (round: number, options: { readonly signal: AbortSignal }) => Promise<Uint8Array>;

/** How long a client waits, in milliseconds (1..2^31 - 1, or Infinity). */
export interface ClientDeadlines {
  /** For an offer after `submit`, connecting included (default 300,000). */
  readonly offer?: number;
  /** For each message of a round it joined, the server's result included (default 120,000). */
  readonly round?: number;
}

/** Options of {@link ClientSession}. */
export interface ClientSessionOptions {
  /** The trusted spec (the server's must be the same: the client sends its digest). */
  readonly spec: SessionSpec;
  /** This client's index in the spec's registry. */
  readonly member: number;
  /**
   * The connection to the server (already authenticated by its transport), or a function that
   * opens one; with a function the session reconnects for the next `submit` after a close. The
   * function gets a signal that aborts when the offer deadline passes, the submit is aborted or
   * the session closes (pass it on, e.g. to `connectWebSocket`); a connection it opens after
   * that is closed.
   */
  readonly transport: Connection | ((options: { readonly signal: AbortSignal }) => Promise<Connection>);
  /** Active variant: this client's Ed25519 signing key (registry entry `member`'s). */
  readonly signingKey?: Uint8Array;
  /** Where the record lives across crashes (default: memory only). */
  readonly store?: ClientStore;
  /** The beacon's values, when the policy names a beacon (never the server's value). */
  readonly beacon?: BeaconFetch;
  readonly deadlines?: ClientDeadlines;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** Closes the session when it aborts. */
  readonly signal?: AbortSignal;
  /** Randomness for joining and for stochastic rounding (default: the platform CSPRNG). Inject only to replay tests. */
  readonly rng?: RandomBytes;
}

/** Options of {@link ClientSession.submit}. */
export interface SubmitOptions {
  /** The update's weight: an integer in 1..maxWeight for a weighted mean; in [0, 1] under DP. */
  readonly weight?: number;
  /** Ends the wait: the round is aborted here (LOCAL_ABORT) and the promise resolves. */
  readonly signal?: AbortSignal;
}

const OPTIONS = ['spec', 'member', 'transport', 'signingKey', 'store', 'beacon', 'deadlines', 'clock', 'signal', 'rng'] as const;
/** Close codes a server session uses to turn a client away (4001..4003). */
export const REFUSAL_CLOSE_CODES: readonly number[] = [4001, 4002, 4003];

function readMs(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Number.POSITIVE_INFINITY) return value;
  return assertInteger(value, name, 1, 2_147_483_647);
}

function readStore(value: unknown): ClientStore | null {
  if (value === undefined) return null;
  const s = value as Partial<ClientStore> | null;
  if (s === null || typeof s !== 'object' || typeof s.load !== 'function' || typeof s.save !== 'function') {
    throw new SecAggError('INVALID_TYPE', `options.store must have load() and save(bytes), got ${describeType(value)}`);
  }
  return { load: () => (s.load as ClientStore['load']).call(s), save: (bytes) => (s.save as ClientStore['save']).call(s, bytes) };
}

/**
 * A client of secure-aggregation rounds over one connection. Each {@link submit} tells the
 * server the client is ready, joins the next round it is offered (re-deriving the round's
 * configuration from the trusted spec and refusing anything else), answers each request, and
 * resolves with how the round ended. With a `store`, the record of a round is saved before each
 * answer is sent, and a client restarted after a crash resumes from it: a repeated request gets
 * the identical bytes, a different one is refused (the protocol's `CONFLICTING_REQUEST`).
 *
 * Nothing here throws or rejects for what the network does: it is in the outcome. `close()`
 * aborts a round in progress, closes the connection and clears every timer.
 *
 * @example
 * ```ts
 * const client = new ClientSession({ spec, member: 3, transport: () => connectWebSocket(url) });
 * const outcome = await client.submit({ weights, bias });
 * if (outcome.outcome === 'aborted') console.log(outcome.code, outcome.reason);
 * await client.close();
 * ```
 */
export class ClientSession {
  readonly #spec: SessionSpec;
  readonly #member: number;
  readonly #transport: Connection | ((options: { readonly signal: AbortSignal }) => Promise<Connection>);
  readonly #clock: Clock;
  readonly #offerMs: number;
  readonly #closing = new AbortController();
  readonly #store: ClientStore | null;
  readonly #run: ClientRun;
  #connection: Connection | null = null;
  #record: { lastBeaconRound: number } | null = null;
  #queue: Promise<void> = Promise.resolve();
  #closed = false;
  #busy = false;
  readonly #detach: () => void;

  /**
   * @throws {SecAggError} `INVALID_TYPE`, `UNKNOWN_OPTION`, `OUT_OF_RANGE` for bad options (a
   *   member outside the registry, a deadline out of range), and the errors of
   *   `createSessionSpec` for the spec.
   */
  constructor(options: ClientSessionOptions) {
    const o = assertOptions<ClientSessionOptions>(options, 'options', OPTIONS);
    if (options === undefined) throw new SecAggError('INVALID_TYPE', 'options must be an object with spec, member and transport');
    this.#spec = createSessionSpec(o.spec);
    const registry = this.#spec.policy.registry;
    this.#member = assertInteger(o.member, 'options.member', 0, ('size' in registry ? registry.size : registry.verificationKeys.length) - 1);
    const t = o.transport as unknown;
    const isConnection = t !== null && typeof t === 'object' && typeof (t as Connection).send === 'function';
    if (typeof t !== 'function' && !isConnection) throw new SecAggError('INVALID_TYPE', `options.transport must be a Connection or a function returning one, got ${describeType(t)}`);
    this.#transport = o.transport;
    this.#store = readStore(o.store);
    if (o.beacon !== undefined && typeof o.beacon !== 'function') throw new SecAggError('INVALID_TYPE', 'options.beacon must be a function');
    if (o.rng !== undefined && typeof o.rng !== 'function') throw new SecAggError('INVALID_TYPE', 'options.rng must be a function');
    const d = assertOptions<ClientDeadlines>(o.deadlines, 'options.deadlines', ['offer', 'round']);
    const clock = (this.#clock = readClock(o.clock));
    this.#offerMs = readMs(d.offer, 'options.deadlines.offer', 300_000);
    const signal = checkSignal(o.signal, 'options.signal');
    const host: ClientRunHost = {
      send: (frame) => this.#connection?.send(frame) ?? false,
      save: (record) => this.#save(record),
      enqueue: (task) => this.#enqueue(task),
    };
    this.#run = new ClientRun(host, {
      spec: this.#spec,
      member: this.#member,
      signingKey: o.signingKey,
      beacon: o.beacon,
      rng: o.rng,
      clock,
      offerMs: this.#offerMs,
      roundMs: readMs(d.round, 'options.deadlines.round', 120_000),
    });
    const onAbort = (): void => void this.close();
    signal?.addEventListener('abort', onAbort, { once: true });
    this.#detach = () => signal?.removeEventListener('abort', onAbort);
    if (signal?.aborted === true) void this.close();
    if (isConnection) this.#attach(t as Connection);
  }

  /**
   * Takes part in the next round with `update`: says the client is ready, waits for an offer,
   * joins, answers, and resolves with the outcome. A float update is encoded under the spec
   * (quantised, or through the DP plan); a Uint32Array is taken as the already-encoded vector
   * (the spec's length, elements below 2^bits). One call at a time.
   *
   * @throws {SecAggError} (rejects) for what the caller got wrong: the errors of `flatten`,
   *   `OUT_OF_RANGE` / `INVALID_CONFIG` for a weight the spec does not take (an example count
   *   under DP is refused), `LENGTH_MISMATCH` / `ELEMENT_OUT_OF_RANGE` for an encoded vector,
   *   `WRONG_ROUND` while another submit runs, `ABORTED` after `close()`; `INVALID_RECORD` /
   *   `UNSUPPORTED_VERSION` when the store's record is refused; `STORE_FAILED` when the store
   *   fails (nothing was sent past the failed save).
   * @example
   * ```ts
   * const outcome = await client.submit({ weights, bias }, { weight: examples, signal: AbortSignal.timeout(600_000) });
   * ```
   */
  async submit(update: ModelUpdate | Uint32Array, options?: SubmitOptions): Promise<ClientOutcome> {
    if (this.#closed) throw new SecAggError('ABORTED', 'the client session is closed');
    if (this.#busy) throw new SecAggError('WRONG_ROUND', 'a submit is in progress: wait for its outcome');
    const o = assertOptions<SubmitOptions>(options, 'options', ['weight', 'signal']);
    const signal = checkSignal(o.signal, 'options.signal');
    const prepared = prepareUpdate(update, o.weight, this.#spec);
    this.#busy = true;
    try {
      const outcome = new Promise<ClientOutcome>((resolve, reject) => {
        this.#enqueue(async () => {
          await this.#load();
          if (!this.#run.begin(prepared, resolve, reject, signal)) return;
          if ((await this.#connect(signal)) !== null) this.#run.ready();
        }, reject);
      });
      return await outcome;
    } finally {
      this.#busy = false;
    }
  }

  /**
   * Aborts a round in progress (its submit resolves aborted, LOCAL_ABORT), closes the
   * connection, clears every timer, and resolves once the session has stopped. Calling it again
   * returns at once.
   *
   * @example
   * ```ts
   * await client.close();
   * ```
   */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#closing.abort();
      this.#detach();
      this.#run.close();
      this.#connection?.close();
      this.#connection = null;
    }
    await this.#queue;
  }

  /** Runs `task` after every earlier one (frames, timers and calls are handled in order). */
  #enqueue(task: () => Promise<void> | void, onError?: (error: unknown) => void): void {
    this.#queue = this.#queue.then(async () => {
      try {
        await task();
      } catch (error) {
        if (onError !== undefined) onError(error);
        else this.#run.fail(error);
      }
    });
  }

  /** Loads the record once: the last beacon round taken, and a round to resume. */
  async #load(): Promise<void> {
    if (this.#record !== null) return;
    let record: ClientRecord | null = null;
    if (this.#store !== null) {
      let bytes: Uint8Array | null;
      try {
        bytes = await this.#store.load();
      } catch (error) {
        throw new SecAggError('STORE_FAILED', 'the store failed to load the record', { cause: error });
      }
      if (bytes !== null) record = decodeRecord(bytes, { specDigest: specDigestOf(this.#spec), member: this.#member });
    }
    const stored = record?.session ?? null;
    const restored = stored === null ? null : { stored, ...replaySession(stored, this.#run.context) };
    this.#record = { lastBeaconRound: record?.lastBeaconRound ?? 0 };
    this.#run.restore(this.#record.lastBeaconRound, restored);
  }

  async #save(record: Omit<ClientRecord, 'specDigest' | 'member'>): Promise<void> {
    if (this.#store === null) return;
    const bytes = encodeRecord({ specDigest: specDigestOf(this.#spec), member: this.#member, ...record });
    try {
      await this.#store.save(bytes);
    } catch (error) {
      throw new SecAggError('STORE_FAILED', 'the store failed to save the record: nothing was sent', { cause: error });
    }
  }

  /**
   * The open connection, opened by the transport function when needed, within the offer
   * deadline (a function that never settles cannot hold the session); null, and the submit's
   * outcome, when there is none.
   */
  async #connect(signal: AbortSignal | undefined): Promise<Connection | null> {
    if (this.#connection !== null && !this.#connection.closed) return this.#connection;
    const transport = this.#transport;
    if (typeof transport !== 'function') {
      this.#run.noConnection('the connection is closed (give options.transport as a function to reconnect)');
      return null;
    }
    const controller = new AbortController();
    const timer = this.#clock.setTimeout(() => controller.abort(new SecAggError('ABORTED', 'no connection before the offer deadline')), this.#offerMs);
    const stop = (): void => controller.abort();
    signal?.addEventListener('abort', stop, { once: true });
    this.#closing.signal.addEventListener('abort', stop, { once: true });
    let connection: Connection;
    try {
      const opening = Promise.resolve().then(() => transport({ signal: controller.signal }));
      const gaveUp = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }));
      // A connection that opens after we gave up is closed, never leaked.
      void opening.then((late) => controller.signal.aborted && late.close(), () => undefined);
      connection = await Promise.race([opening, gaveUp]);
    } catch (error) {
      const why = controller.signal.aborted ? 'no connection before the offer deadline, or the submit was aborted' : `could not connect (${error instanceof SecAggError ? error.code : 'error'})`;
      this.#run.noConnection(`${why}${error instanceof Error && !controller.signal.aborted ? `: ${error.message.slice(0, 200)}` : ''}`);
      return null;
    } finally {
      this.#clock.clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      this.#closing.signal.removeEventListener('abort', stop);
    }
    if (this.#closed) {
      connection.close();
      return null;
    }
    this.#attach(connection);
    return connection;
  }

  #attach(connection: Connection): void {
    this.#connection = connection;
    connection.onFrame = (frame) => this.#enqueue(() => (this.#connection === connection ? this.#run.frame(frame) : undefined));
    connection.onClose = (info: CloseInfo) =>
      this.#enqueue(() => {
        if (this.#connection !== connection) return;
        this.#connection = null;
        this.#run.connectionClosed(REFUSAL_CLOSE_CODES.includes(info.code), info.reason);
      });
    this.#run.connected();
  }
}

/** The ready frame for a spec (internal: the client's own, and tests). */
export function readyFrame(spec: SessionSpec, ready: boolean): Uint8Array {
  return encodeFrame({ kind: 'ready', ready, specDigest: specDigestOf(spec) });
}

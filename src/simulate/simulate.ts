/**
 * A whole session in memory: one server and n clients driven round by round, dropouts injected
 * on a schedule, every message optionally passed through the wire codec (to count bytes), the
 * result checked against the plain sum. No I/O; used by the CLI, tests and benchmarks.
 */
import { assertBytes, assertInteger, assertNumber, assertOptions, describeType } from '../_assert.js';
import { ascii, concatBytes, u32be } from '../_bytes.js';
import { ed25519PublicKey, sha256, type CryptoBackend } from '../crypto/index.js';
import { SecAggError } from '../errors.js';
import {
  clientAdvertiseKeys,
  clientReceive,
  createClient,
  createServer,
  createSessionConfig,
  decodeMessage,
  encodeMessage,
  serverCloseRound,
  serverReceive,
  type AbortCode,
  type ClientMessage,
  type ClientState,
  type DropRecord,
  type Round,
  type ServerMessage,
  type ServerState,
  type ServerStep,
  type SessionConfig,
  type VectorSpec,
} from '../protocol/index.js';
import { deterministicRandomBytes, type RandomBytes } from '../random.js';

/** Rounds in which a client can stop (it sends nothing in that round or later). */
export type DropoutRound = 'advertiseKeys' | 'shareKeys' | 'maskedInputCollection' | 'consistencyCheck' | 'unmasking';

const DROPOUT_ROUNDS: readonly DropoutRound[] = [
  'advertiseKeys',
  'shareKeys',
  'maskedInputCollection',
  'consistencyCheck',
  'unmasking',
];

/** Options of {@link simulateSession}. */
export interface SimulationOptions {
  /** Number of clients, 2..65535. */
  readonly clients: number;
  /** Vectors (default one vector `x` of `length` elements at `bits`). */
  readonly vectors?: readonly VectorSpec[];
  /** Elements of the default vector (default 1000). */
  readonly length?: number;
  /** Bits of the default vector (default 16). */
  readonly bits?: number;
  /** `complete` (default) or `harary` (SecAgg+, parameters from the finder). */
  readonly graph?: 'complete' | 'harary';
  /** Complete graph: threshold (default ceil(2n/3), at least 2). */
  readonly threshold?: number;
  /** Harary: corrupt fraction assumed by the finder (default 0.05). */
  readonly corruptFraction?: number;
  /** Harary: dropout fraction assumed by the finder (default max(0.05, dropout)). */
  readonly dropoutFraction?: number;
  /** Active variant (default false). */
  readonly active?: boolean;
  /** Fraction of clients that drop, each at a uniformly chosen round (default 0). */
  readonly dropout?: number;
  /** Explicit schedule: ids that stop in each round (overrides `dropout`). */
  readonly dropouts?: Readonly<Partial<Record<DropoutRound, readonly number[]>>>;
  /** 32-byte seed of every random choice (keys, inputs, schedule). Default: zeros. */
  readonly seed?: Uint8Array;
  /** Pass every message through the codec and count bytes (default true). */
  readonly encode?: boolean;
  /** Crypto and mask backend. */
  readonly backend?: CryptoBackend;
  /** Called after each round with its report. */
  readonly onRound?: (report: RoundReport) => void;
}

/** Measurements of one round. */
export interface RoundReport {
  readonly round: Round;
  /** Clients that sent a message this round. */
  readonly senders: number;
  /** Sum of the clients' step times, seconds. */
  readonly clientSeconds: number;
  /** Slowest client step, seconds. */
  readonly clientMaxSeconds: number;
  /** Server time (receiving this round's messages and closing the round), seconds. */
  readonly serverSeconds: number;
  /** Bytes sent by clients this round (0 when `encode` is false). */
  readonly bytesUp: number;
  /** Bytes sent by the server when closing this round (0 when `encode` is false). */
  readonly bytesDown: number;
}

/** Outcome of {@link simulateSession}. */
export interface SimulationReport {
  readonly config: SessionConfig;
  readonly rounds: readonly RoundReport[];
  readonly outcome: 'completed' | 'aborted';
  /** Server abort code and reason, when aborted. */
  readonly abort: { readonly code: AbortCode; readonly reason: string } | null;
  /** Ids in the sum (empty when aborted). */
  readonly included: readonly number[];
  /** The sum equals the plain sum of the included clients' inputs (null when aborted). */
  readonly match: boolean | null;
  /** The server's sums (null when aborted). */
  readonly sums: Readonly<Record<string, Uint32Array>> | null;
  readonly drops: readonly DropRecord[];
  /** Clients that aborted, with their codes. */
  readonly clientAborts: readonly { readonly id: number; readonly code: AbortCode; readonly round: Round }[];
  /** Bytes on the wire, both directions. */
  readonly totalBytes: number;
  /** Bytes of every client sending its input in the clear at the vector bit widths. */
  readonly plainBytes: number;
  /** SHA-256 over every encoded message in order (a golden-vector fingerprint). */
  readonly transcriptHash: Uint8Array | null;
  readonly seconds: number;
}

const OPTION_KEYS = [
  'clients', 'vectors', 'length', 'bits', 'graph', 'threshold', 'corruptFraction', 'dropoutFraction', 'active',
  'dropout', 'dropouts', 'seed', 'encode', 'backend', 'onRound',
] as const;

function derive(seed: Uint8Array, label: string, id: number): Uint8Array {
  return sha256(concatBytes(ascii(label), seed, u32be(id)));
}

/**
 * Deterministic test input of client `id` (xorshift32 stream seeded from SHA-256 of the seed,
 * name and id), elements below 2^bits. Used by {@link simulateSession}; not random enough for
 * anything but tests.
 *
 * @example
 * ```ts
 * const x = simulatedInput(new Uint8Array(32), 3, { name: 'x', length: 10, bits: 16 });
 * ```
 */
export function simulatedInput(seed: Uint8Array, id: number, spec: VectorSpec): Uint32Array {
  const h = derive(seed, `secagg/sim/input/${spec.name}`, id);
  let x = (((h[0] as number) << 24) | ((h[1] as number) << 16) | ((h[2] as number) << 8) | (h[3] as number)) >>> 0;
  if (x === 0) x = 1;
  const out = new Uint32Array(spec.length);
  const mask = spec.bits === 32 ? 0xffffffff : 2 ** spec.bits - 1;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = (x & mask) >>> 0;
  }
  return out;
}

/**
 * Everything a simulated client needs, as plain data: what a worker thread receives to host
 * some of the clients (see cli/simulate-parallel.ts).
 */
export interface SimulationContext {
  readonly config: SessionConfig;
  readonly seed: Uint8Array;
  readonly vectors: readonly VectorSpec[];
  readonly signingKeys: readonly Uint8Array[] | null;
  readonly backend: CryptoBackend | undefined;
}

/** Deliveries per {@link ClientWork} batch. */
const WORK_BATCH = 1024;

/**
 * Work for the clients, yielded by {@link runSimulation}: round 0 (make clients, advertise keys)
 * or the delivery of server messages. Results come back in the same order.
 */
export type ClientWork =
  | { readonly kind: 'advertise'; readonly context: SimulationContext; readonly ids: readonly number[] }
  | {
      readonly kind: 'deliver';
      readonly deliveries: readonly Delivery[];
      /**
       * The batch the next `deliver` will carry (the very same array), or null. Its clients do
       * not depend on this batch's answers, so a runner may start them early.
       */
      readonly upcoming: readonly Delivery[] | null;
    };

/** A server message for one client. */
export interface Delivery {
  readonly to: number;
  readonly message: ServerMessage;
}

/** One client's answer to one work item: its outbox, its step time and its abort, if any. */
export interface ClientWorkItem {
  readonly outbox: readonly ClientMessage[];
  readonly seconds: number;
  readonly abort: { readonly code: AbortCode; readonly round: Round } | null;
}

/**
 * Simulated clients: their states and random streams, stepped on {@link ClientWork}. One host
 * runs all clients in {@link simulateSession}; cli/simulate-parallel.ts gives each worker thread
 * a host for its share of them.
 */
export class SimulatedClients {
  private readonly context: SimulationContext;
  private readonly states = new Map<number, ClientState>();
  private readonly rngs = new Map<number, RandomBytes>();

  constructor(context: SimulationContext) {
    this.context = context;
  }

  /** Steps the clients named by `work`, in order. */
  run(work: ClientWork): ClientWorkItem[] {
    return work.kind === 'advertise'
      ? work.ids.map((id) => this.advertise(id))
      : work.deliveries.map(({ to, message }) => this.deliver(to, message));
  }

  private advertise(id: number): ClientWorkItem {
    const { config, seed, signingKeys, backend } = this.context;
    const rng = deterministicRandomBytes(derive(seed, 'secagg/sim/client', id));
    this.rngs.set(id, rng);
    const t0 = performance.now();
    const signing = signingKeys === null ? {} : { signingKey: signingKeys[id - 1] as Uint8Array };
    const step = clientAdvertiseKeys(createClient(config, { id, ...signing }), { rng, ...(backend === undefined ? {} : { backend }) });
    const seconds = (performance.now() - t0) / 1000;
    this.states.set(id, step.state);
    return { outbox: step.outbox, seconds, abort: null };
  }

  private deliver(to: number, message: ServerMessage): ClientWorkItem {
    const { seed, vectors, backend } = this.context;
    const state = this.states.get(to) as ClientState;
    const input =
      message.type === 'encryptedShares'
        ? Object.fromEntries(vectors.map((v) => [v.name, simulatedInput(seed, to, v)]))
        : undefined;
    const t0 = performance.now();
    const step = clientReceive(state, message, {
      rng: this.rngs.get(to) as RandomBytes,
      ...(backend === undefined ? {} : { backend }),
      ...(input === undefined ? {} : { input }),
    });
    const seconds = (performance.now() - t0) / 1000;
    this.states.set(to, step.state);
    const abort = step.state.round === 'aborted' ? { code: step.state.code, round: step.state.atRound } : null;
    return { outbox: step.outbox, seconds, abort };
  }
}

/**
 * Builds the configuration. When the SecAgg+ graph was planned for the injected dropout (no
 * dropoutFraction given) and no graph is feasible, the error says which fraction was used: the
 * caller never set it.
 */
function plannedConfig(plannedFraction: number | null, build: () => SessionConfig): SessionConfig {
  try {
    return build();
  } catch (error) {
    if (plannedFraction === null || !(error instanceof SecAggError) || error.code !== 'NO_FEASIBLE_GRAPH') throw error;
    throw new SecAggError(error.code, `the SecAgg+ graph was planned for dropoutFraction ${plannedFraction} (from the injected dropout): ${error.message}`);
  }
}

/**
 * Runs a whole session in memory and checks the result.
 *
 * @throws {SecAggError} option errors (`INVALID_TYPE`, `UNKNOWN_OPTION`, `OUT_OF_RANGE`,
 *   `INVALID_CONFIG`, `NO_FEASIBLE_GRAPH`).
 * @example
 * ```ts
 * const report = simulateSession({ clients: 20, length: 1000, bits: 16, dropout: 0.1 });
 * report.match; // true
 * ```
 */
export function simulateSession(options: SimulationOptions): SimulationReport {
  const driver = runSimulation(options);
  let clients: SimulatedClients | undefined;
  let next = driver.next();
  while (next.done !== true) {
    const work = next.value;
    if (work.kind === 'advertise') clients = new SimulatedClients(work.context);
    next = driver.next((clients as SimulatedClients).run(work));
  }
  return next.value;
}

/**
 * The session, with the clients' work handed out: yields each batch of {@link ClientWork}, to
 * be answered with one {@link ClientWorkItem} per client in the same order, and returns the
 * report. The server, the dropout schedule, the wire codec and every measurement stay here, so
 * a run gives the same transcript whoever steps the clients. Used by {@link simulateSession}
 * and by the CLI's worker-thread runner.
 *
 * @throws {SecAggError} as {@link simulateSession}.
 */
export function* runSimulation(options: SimulationOptions): Generator<ClientWork, SimulationReport, ClientWorkItem[]> {
  const o = assertOptions<SimulationOptions>(options, 'options', OPTION_KEYS);
  if (options === undefined) throw new SecAggError('INVALID_TYPE', 'options must be an object');
  const n = assertInteger(o.clients, 'clients', 2, 65_535);
  const seed = o.seed === undefined ? new Uint8Array(32) : Uint8Array.from(assertBytes(o.seed, 'seed', 32));
  const vectors: readonly VectorSpec[] = o.vectors ?? [
    { name: 'x', length: o.length === undefined ? 1000 : assertInteger(o.length, 'length', 1, 2 ** 28), bits: o.bits ?? 16 },
  ];
  const active = o.active ?? false;
  const dropout = o.dropout === undefined ? 0 : assertNumber(o.dropout, 'dropout', 0, 1);
  const encode = o.encode ?? true;
  const backend = o.backend;
  const onRound = o.onRound;
  if (onRound !== undefined && typeof onRound !== 'function') {
    throw new SecAggError('INVALID_TYPE', `onRound must be a function, got ${describeType(onRound)}`);
  }
  const signingKeys = active ? Array.from({ length: n }, (_, i) => derive(seed, 'secagg/sim/signing', i + 1)) : null;
  const nonce = derive(seed, 'secagg/sim/nonce', 0);
  const graph = o.graph ?? 'complete';
  if (graph !== 'complete' && graph !== 'harary') {
    const got: unknown = graph;
    throw new SecAggError('INVALID_TYPE', `graph must be 'complete' or 'harary', got ${typeof got === 'string' ? JSON.stringify(got.slice(0, 32)) : describeType(got)}`);
  }
  // Options of the other graph would be silently ignored: refuse them.
  if (graph === 'harary' && o.threshold !== undefined) {
    throw new SecAggError('INVALID_CONFIG', "threshold applies to graph 'complete' only; with 'harary' the parameter finder picks it");
  }
  if (graph === 'complete' && (o.corruptFraction !== undefined || o.dropoutFraction !== undefined)) {
    throw new SecAggError('INVALID_CONFIG', "corruptFraction and dropoutFraction apply to graph 'harary' only");
  }
  // Unless dropoutFraction is given, the SecAgg+ graph is planned for the injected dropout.
  const plannedFraction = graph === 'harary' && o.dropoutFraction === undefined ? Math.max(0.05, dropout) : null;
  if (plannedFraction !== null && plannedFraction >= 1) {
    throw new SecAggError('OUT_OF_RANGE', `dropout ${dropout}: a SecAgg+ graph cannot be planned for every client dropping; use graph 'complete' or give dropoutFraction`);
  }
  const config = plannedConfig(plannedFraction, () => createSessionConfig({
    clients: n,
    vectors,
    nonce,
    active,
    ...(signingKeys === null ? {} : { verificationKeys: signingKeys.map((k) => ed25519PublicKey(k)) }),
    ...(graph === 'harary'
      ? {
          graph: {
            kind: 'auto' as const,
            corruptFraction: o.corruptFraction ?? 0.05,
            dropoutFraction: o.dropoutFraction ?? (plannedFraction as number),
            seed: derive(seed, 'secagg/sim/graph', 0),
          },
        }
      : { graph: { kind: 'complete' as const }, threshold: o.threshold ?? Math.max(2, Math.ceil((2 * n) / 3)) }),
  }));
  const rounds: DropoutRound[] = DROPOUT_ROUNDS.filter((r) => active || r !== 'consistencyCheck');

  // Dropout schedule.
  const stopAt = new Map<number, DropoutRound>();
  if (o.dropouts !== undefined) {
    const d = assertOptions<Record<string, unknown>>(o.dropouts, 'dropouts', DROPOUT_ROUNDS);
    for (const r of DROPOUT_ROUNDS) {
      const ids: unknown = d[r];
      if (ids === undefined) continue;
      if (!Array.isArray(ids)) throw new SecAggError('INVALID_TYPE', `dropouts.${r} must be an array of ids`);
      if (!rounds.includes(r) && ids.length > 0) {
        throw new SecAggError('INVALID_CONFIG', `dropouts.${r}: the passive variant has no ${r} round (set active: true)`);
      }
      for (const id of ids) {
        const client = assertInteger(id, `dropouts.${r}[]`, 1, n);
        const earlier = stopAt.get(client);
        if (earlier !== undefined) throw new SecAggError('INVALID_CONFIG', `dropouts: client ${client} is listed in ${earlier} and in ${r}`);
        stopAt.set(client, r);
      }
    }
  } else if (dropout > 0) {
    const rng = deterministicRandomBytes(derive(seed, 'secagg/sim/schedule', 0));
    for (let id = 1; id <= n; id++) {
      const r = rng(4);
      const u = (((r[0] as number) << 16) | ((r[1] as number) << 8) | (r[2] as number)) / 2 ** 24;
      if (u < dropout) stopAt.set(id, rounds[(r[3] as number) % rounds.length] as DropoutRound);
    }
  }

  const context: SimulationContext = { config, seed, vectors, signingKeys, backend };
  const hashes: Uint8Array[] = [];
  const reports: RoundReport[] = [];
  const clientAborts: { id: number; code: AbortCode; round: Round }[] = [];
  const started = performance.now();
  let totalBytes = 0;

  const wire = <T extends ClientMessage | ServerMessage>(m: T): { message: T; size: number } => {
    if (!encode) return { message: m, size: 0 };
    const bytes = encodeMessage(m, config);
    hashes.push(sha256(bytes));
    return { message: decodeMessage(bytes, config) as T, size: bytes.length };
  };
  const stepOptions = backend === undefined ? {} : { backend };

  let server: ServerState = createServer(config);
  let up = 0;
  let cTotal = 0;
  let cMax = 0;
  let sTime = 0;
  let senders = 0;
  // Clients still stepping: an aborted client receives nothing more.
  const all = Array.from({ length: n }, (_, i) => i + 1);
  const live = new Set<number>(all);
  /** Client results, in order: times and aborts are recorded, outboxes go to the server. */
  const collect = (ids: readonly number[], items: readonly ClientWorkItem[], sending: (id: number) => boolean): void => {
    items.forEach((item, i) => {
      const id = ids[i] as number;
      cTotal += item.seconds;
      cMax = Math.max(cMax, item.seconds);
      if (item.abort !== null) {
        clientAborts.push({ id, ...item.abort });
        live.delete(id);
      }
      if (!sending(id)) return;
      for (const m of item.outbox) {
        const { message, size } = wire(m);
        up += size;
        senders++;
        const t1 = performance.now();
        server = serverReceive(server, message, stepOptions).state;
        sTime += (performance.now() - t1) / 1000;
      }
    });
  };

  // Round 0: clients advertise (those scheduled to drop here make keys but send nothing).
  collect(all, yield { kind: 'advertise', context, ids: all }, (id) => stopAt.get(id) !== 'advertiseKeys');

  for (;;) {
    const round = server.round as Round;
    const t1 = performance.now();
    let closed: ServerStep | null = serverCloseRound(server, stepOptions);
    sTime += (performance.now() - t1) / 1000;
    server = closed.state;
    let down = 0;
    let deliveries: Delivery[] = [];
    for (const out of closed.outbox) {
      const { message, size } = wire(out.message);
      down += size * out.to.length;
      for (const to of out.to) deliveries.push({ to, message });
    }
    // From here on only the delivered (decoded) messages are kept, and each batch only until its
    // answers are in: a large round's messages would otherwise stay live for the whole round,
    // and every full garbage collection (frequent, as masked vectors arrive) would trace them.
    closed = null;
    totalBytes += up + down;
    const report: RoundReport = { round, senders, clientSeconds: cTotal, clientMaxSeconds: cMax, serverSeconds: sTime, bytesUp: up, bytesDown: down };
    reports.push(report);
    onRound?.(report);
    if (server.round === 'completed' || server.round === 'aborted') break;
    const next = server.round as DropoutRound;
    up = 0;
    cTotal = 0;
    cMax = 0;
    sTime = 0;
    senders = 0;
    const due = deliveries.filter(({ to }) => {
      const stop = stopAt.get(to);
      return live.has(to) && (stop === undefined || rounds.indexOf(stop) > rounds.indexOf(next));
    });
    deliveries = [];
    // In batches, so that a runner holds few answers (masked vectors) at once; each batch names
    // the next, which a parallel runner may start while this one's answers reach the server.
    const batches: (Delivery[] | null)[] = [];
    for (let from = 0; from < due.length; from += WORK_BATCH) batches.push(due.slice(from, from + WORK_BATCH));
    due.length = 0;
    for (let b = 0; b < batches.length; b++) {
      const batch = batches[b] as Delivery[];
      const items = yield { kind: 'deliver', deliveries: batch, upcoming: batches[b + 1] ?? null };
      batches[b] = null;
      collect(batch.map((d) => d.to), items, () => true);
    }
  }

  const plainBytes = n * vectors.reduce((a, v) => a + Math.ceil((v.length * v.bits) / 8), 0);
  const transcriptHash = encode ? sha256(concatBytes(...hashes)) : null;
  const seconds = (performance.now() - started) / 1000;
  if (server.round !== 'completed') {
    const a = server as Extract<ServerState, { round: 'aborted' }>;
    return {
      config, rounds: reports, outcome: 'aborted', abort: { code: a.code, reason: a.reason }, included: [], match: null,
      sums: null, drops: a.drops, clientAborts, totalBytes, plainBytes, transcriptHash, seconds,
    };
  }
  const { result } = server;
  let match = true;
  for (const spec of vectors) {
    const expected = new Uint32Array(spec.length);
    const mask = spec.bits === 32 ? 0xffffffff : 2 ** spec.bits - 1;
    for (const id of result.included) {
      const x = simulatedInput(seed, id, spec);
      for (let i = 0; i < expected.length; i++) expected[i] = (((expected[i] as number) + (x[i] as number)) & mask) >>> 0;
    }
    const got = result.sums[spec.name] as Uint32Array;
    for (let i = 0; i < expected.length; i++) {
      if (got[i] !== expected[i]) {
        match = false;
        break;
      }
    }
  }
  return {
    config, rounds: reports, outcome: 'completed', abort: null, included: result.included, match, sums: result.sums,
    drops: server.drops, clientAborts, totalBytes, plainBytes, transcriptHash, seconds,
  };
}

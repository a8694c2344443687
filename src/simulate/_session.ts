/**
 * The server side of a simulated session (internal): it steps the server, passes every message
 * through the wire codec, measures each round and writes the report. ./run.ts hands the
 * clients' work out and feeds their answers here.
 */
import { concatBytes } from '../_bytes.js';
import { sha256 } from '../crypto/index.js';
import {
  createServer,
  decodeMessage,
  encodeMessage,
  serverCloseRound,
  serverReceive,
  serverReceiveBytes,
  type AbortCode,
  type ClientMessage,
  type Round,
  type ServerMessage,
  type ServerState,
  type ServerStep,
  type StepOptions,
} from '../protocol/index.js';
import type { Setup } from './_setup.js';
import { clientVector, type ClientWorkItem, type Delivery } from './clients.js';
import type { DropoutRound, RoundReport, SimulationReport } from './types.js';

/**
 * The server's work handed out by a simulation: the unmasking round's close, to be answered with
 * its step. A host runs it as a server would: `serverCloseRound(state, options)` on its own
 * thread, or `serverCloseRoundAsync(state, { ...options, runner })` with the jobs on a runner.
 */
export interface ServerWork {
  readonly kind: 'close';
  readonly state: ServerState;
  readonly options: StepOptions;
}

/** The server of one simulated session, and everything measured so far. */
export class SessionRun {
  private readonly setup: Setup;
  private readonly stepOptions: StepOptions;
  private server: ServerState;
  private readonly started: number;
  /** SHA-256 of every encoded message, in send order. */
  private readonly hashes: Uint8Array[] = [];
  private readonly reports: RoundReport[] = [];
  private readonly clientAborts: { id: number; code: AbortCode; round: Round }[] = [];
  private totalBytes = 0;
  // The current round's measurements.
  private up = 0;
  private cTotal = 0;
  private cMax = 0;
  private sTime = 0;
  private senders = 0;
  /** Clients still stepping: an aborted client receives nothing more. */
  private readonly live: Set<number>;

  constructor(setup: Setup) {
    this.setup = setup;
    this.stepOptions = setup.backend === undefined ? {} : { backend: setup.backend };
    this.started = performance.now();
    this.server = createServer(setup.config);
    this.live = new Set<number>(Array.from({ length: setup.clients }, (_, i) => i + 1));
  }

  /** A message as the other side sees it: through the codec (counted and hashed) when encoding. */
  private wire<T extends ClientMessage | ServerMessage>(m: T): { message: T; size: number } {
    const { encode, config } = this.setup;
    if (!encode) return { message: m, size: 0 };
    const bytes = encodeMessage(m, config);
    this.hashes.push(sha256(bytes));
    return { message: decodeMessage(bytes, config) as T, size: bytes.length };
  }

  /**
   * Client results, in order: times and aborts are recorded, and the outboxes of the clients
   * for which `sending` holds go to the server.
   */
  collect(ids: readonly number[], items: readonly ClientWorkItem[], sending: (id: number) => boolean): void {
    items.forEach((item, i) => {
      const id = ids[i] as number;
      this.cTotal += item.seconds;
      this.cMax = Math.max(this.cMax, item.seconds);
      if (item.abort !== null) {
        this.clientAborts.push({ id, ...item.abort });
        this.live.delete(id);
      }
      if (!sending(id)) return;
      for (const m of item.outbox) {
        this.senders++;
        // With the codec the server gets the bytes, as from a socket (decoding is its work, and
        // masked inputs take its fused path); without, the message object.
        const bytes = this.setup.encode ? this.encode(m) : null;
        const t1 = performance.now();
        this.server = (
          bytes === null ? serverReceive(this.server, m, this.stepOptions) : serverReceiveBytes(this.server, bytes, { ...this.stepOptions, from: id })
        ).state;
        this.sTime += (performance.now() - t1) / 1000;
      }
    });
  }

  /** A client message's bytes, counted and hashed into the transcript. */
  private encode(m: ClientMessage): Uint8Array {
    const bytes = encodeMessage(m, this.setup.config);
    this.hashes.push(sha256(bytes));
    this.up += bytes.length;
    return bytes;
  }

  /**
   * Closes the server's round and reports it (`onRound`). Returns the next round's server
   * messages for the clients still stepping, or null when the session is over. The unmasking
   * round's close is yielded ({@link ServerWork}), to be answered with its step by a host that
   * runs its jobs inline or on a worker pool; the round's server time includes it.
   */
  *closeRound(): Generator<ServerWork, Delivery[] | null, ServerStep> {
    const round = this.server.round as Round;
    const t1 = performance.now();
    let closed: ServerStep | null =
      round === 'unmasking' ? yield { kind: 'close', state: this.server, options: this.stepOptions } : serverCloseRound(this.server, this.stepOptions);
    this.sTime += (performance.now() - t1) / 1000;
    this.server = closed.state;
    let down = 0;
    const deliveries: Delivery[] = [];
    for (const out of closed.outbox) {
      const { message, size } = this.wire(out.message);
      down += size * out.to.length;
      for (const to of out.to) deliveries.push({ to, message });
    }
    // From here on only the delivered (decoded) messages are kept, and each batch only until its
    // answers are in: a large round's messages would otherwise stay live for the whole round,
    // and every full garbage collection (frequent, as masked vectors arrive) would trace them.
    closed = null;
    this.totalBytes += this.up + down;
    const report: RoundReport = {
      round,
      senders: this.senders,
      clientSeconds: this.cTotal,
      clientMaxSeconds: this.cMax,
      serverSeconds: this.sTime,
      bytesUp: this.up,
      bytesDown: down,
    };
    this.reports.push(report);
    this.setup.onRound?.(report);
    if (this.server.round === 'completed' || this.server.round === 'aborted') return null;
    const next = this.server.round as DropoutRound;
    this.up = 0;
    this.cTotal = 0;
    this.cMax = 0;
    this.sTime = 0;
    this.senders = 0;
    const { stopAt, rounds } = this.setup;
    return deliveries.filter(({ to }) => {
      const stop = stopAt.get(to);
      return this.live.has(to) && (stop === undefined || rounds.indexOf(stop) > rounds.indexOf(next));
    });
  }

  /** The server's round: the round whose messages the clients answer next. */
  get round(): ServerState['round'] {
    return this.server.round;
  }

  /** The report of the finished session, with the sum checked against the plain sum. */
  report(): SimulationReport {
    const { config, vectors, encode, clients: n } = this.setup;
    const { reports: rounds, clientAborts, totalBytes } = this;
    const plainBytes = n * vectors.reduce((a, v) => a + Math.ceil((v.length * v.bits) / 8), 0);
    const transcriptHash = encode ? sha256(concatBytes(...this.hashes)) : null;
    const seconds = (performance.now() - this.started) / 1000;
    const server = this.server;
    if (server.round !== 'completed') {
      const a = server as Extract<ServerState, { round: 'aborted' }>;
      return {
        config, rounds, outcome: 'aborted', abort: { code: a.code, reason: a.reason }, included: [], match: null,
        sums: null, drops: a.drops, droppedAfterInput: [], clientAborts, totalBytes, plainBytes, transcriptHash, seconds,
      };
    }
    const { result } = server;
    return {
      config, rounds, outcome: 'completed', abort: null, included: result.included,
      match: this.matchesPlainSum(result.included, result.sums), sums: result.sums,
      drops: server.drops, droppedAfterInput: server.droppedAfterInput, clientAborts, totalBytes, plainBytes, transcriptHash, seconds,
    };
  }

  /** The sums equal the plain sums of the included clients' inputs (simulated or given). */
  private matchesPlainSum(included: readonly number[], sums: Readonly<Record<string, Uint32Array>>): boolean {
    const { vectors, context } = this.setup;
    let match = true;
    for (const spec of vectors) {
      const expected = new Uint32Array(spec.length);
      const mask = spec.bits === 32 ? 0xffffffff : 2 ** spec.bits - 1;
      for (const id of included) {
        const x = clientVector(context, id, spec);
        for (let i = 0; i < expected.length; i++) expected[i] = (((expected[i] as number) + (x[i] as number)) & mask) >>> 0;
      }
      const got = sums[spec.name] as Uint32Array;
      for (let i = 0; i < expected.length; i++) {
        if (got[i] !== expected[i]) {
          match = false;
          break;
        }
      }
    }
    return match;
  }
}

/** The public types of `secagg/simulate`: options, per-round measurements, the report. */
import type { CryptoBackend } from '../crypto/index.js';
import type { AbortCode, ClientInput, DropRecord, Round, SessionConfig, VectorSpec } from '../protocol/index.js';

/** Rounds in which a client can stop (it sends nothing in that round or later). */
export type DropoutRound = 'advertiseKeys' | 'shareKeys' | 'maskedInputCollection' | 'consistencyCheck' | 'unmasking';

/**
 * The clients' inputs: a function of the client id (1..clients) or a Map from id to the
 * client's vectors (a Uint32Array per configured vector name, elements below 2^bits). Read
 * once for every client before the session starts, and copied.
 */
export type SimulationInputs =
  | ((id: number) => ClientInput)
  | ReadonlyMap<number, ClientInput>;

/** Options of `simulateSession`. */
export interface SimulationOptions {
  /** Number of clients, 2..65535. */
  readonly clients: number;
  /** Vectors (default one vector `x` of `length` elements at `bits`). */
  readonly vectors?: readonly VectorSpec[];
  /** Elements of the default vector (default 1000). */
  readonly length?: number;
  /** Bits of the default vector (default 16). */
  readonly bits?: number;
  /**
   * `complete` (default) or `harary` (SecAgg+, derived as a policy does: the finder's graph from
   * 65 clients, else the complete graph with t = n - dropouts).
   */
  readonly graph?: 'complete' | 'harary';
  /**
   * Complete graph: threshold (default ceil(2n/3), at least 2). In the active variant it is set
   * against the most corrupt clients it tolerates (2t > n + corrupt), so it must exceed n / 2.
   */
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
  /** The clients' inputs (default: `simulatedInput` from the seed); the report checks the sum against them. */
  readonly inputs?: SimulationInputs;
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

/** Outcome of `simulateSession`. */
export interface SimulationReport {
  readonly config: SessionConfig;
  readonly rounds: readonly RoundReport[];
  readonly outcome: 'completed' | 'aborted';
  /** Server abort code and reason, when aborted. */
  readonly abort: { readonly code: AbortCode; readonly reason: string } | null;
  /** Ids in the sum (empty when aborted). */
  readonly included: readonly number[];
  /** The sum equals the plain sum of the included clients' inputs, simulated or given (null when aborted). */
  readonly match: boolean | null;
  /** The server's sums (null when aborted). */
  readonly sums: Readonly<Record<string, Uint32Array>> | null;
  /** Clients the server dropped whose inputs are not in the sums (all of them when aborted). */
  readonly drops: readonly DropRecord[];
  /** Clients dropped after their masked input was accepted: their inputs are in the sums (and in `included`). */
  readonly droppedAfterInput: readonly DropRecord[];
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

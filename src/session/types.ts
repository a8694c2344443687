/**
 * The plain-data types the sessions report: how a round ended on each side, and the session's
 * own codes beside the protocol's abort codes and drop reasons.
 */
import type { AbortCode, DropReason, Round, SessionConfig } from '../protocol/index.js';

/**
 * Why a round ended without a result for a party, beyond the protocol's `AbortCode`s (which a
 * session reports as they are). Strings, never on the wire.
 *
 * @example
 * ```ts
 * if (outcome.code === SessionCode.TIMEOUT) retryLater();
 * ```
 */
export const SessionCode = {
  /** A deadline passed: no offer came, or no message of the round (client); too few clients came (server). */
  TIMEOUT: 'TIMEOUT',
  /** The connection closed, or none could be opened (the transport's reason is in `reason`). */
  CONNECTION_CLOSED: 'CONNECTION_CLOSED',
  /** The server turned the client away: its identity is not in the registry, or it holds another spec. */
  REFUSED: 'REFUSED',
  /** The round completed without this client's input (it was dropped before its masked input counted). */
  DROPPED: 'DROPPED',
  /**
   * Fewer clients survived than the DP plan's noise is calibrated for: the server released
   * nothing, or the client refused to reveal its shares for such a sum.
   */
  TOO_FEW_SURVIVORS: 'TOO_FEW_SURVIVORS',
  /**
   * The unmasked sum is not one the included clients' encodings can make (a client sent an
   * encoding outside the spec, e.g. beyond the clip): the server released nothing.
   */
  UNDECODABLE_SUM: 'UNDECODABLE_SUM',
} as const;

/** One of the session's own codes. */
export type SessionCode = keyof typeof SessionCode;

/** Why a round ended without a result: a protocol abort code or a session code. */
export type SessionAbortCode = AbortCode | SessionCode;

/** Why the server left a client out: a protocol drop reason, or its connection closed. */
export type SessionDropReason = DropReason | 'CONNECTION_CLOSED';

/** A client the server dropped from a round, by the identity its transport authenticated. */
export interface SessionDrop {
  readonly identity: string;
  readonly reason: SessionDropReason;
  /** The protocol round it was dropped in. */
  readonly round: Round;
}

/** Frames a server counted without acting on them (they never throw). */
export interface FrameCounts {
  /** For a finished or another round, from a client outside the cohort, or after the close. */
  readonly late: number;
  /**
   * Ignored by the protocol (the core's `ignored` count): a repeat of a message the server had
   * accepted (the first one stands), a message from a member already dropped (e.g. a restarted
   * client re-sending its answer), or a second frame while the server waits for the beacon.
   */
  readonly duplicate: number;
  /** Bytes that are not a session frame, or a frame of the wrong direction (the sender is dropped when in the round). */
  readonly malformed: number;
}

/** What every {@link RoundResult} reports. */
interface RoundCommon {
  /** The session's round number, 1, 2, ... */
  readonly round: number;
  /** The identities offered the round, in registry order (client id i is `cohort[i - 1]`); empty when it never started. */
  readonly cohort: readonly string[];
  /** The round's configuration (null when it never started). */
  readonly config: SessionConfig | null;
  /** Clients dropped whose inputs are not in the sum, by identity, once each. */
  readonly dropped: readonly SessionDrop[];
  readonly frames: FrameCounts;
  /** Milliseconds from runRound to the offers (`admission`) and in each protocol round. */
  readonly milliseconds: Readonly<Partial<Record<Round | 'admission', number>>>;
}

/** A round whose sum was released. */
export interface CompletedRound extends RoundCommon {
  readonly outcome: 'completed';
  /**
   * The decoded release per tensor: the mean (`mean`), the sum (`sum`), or the noisy sum
   * (`dp`: divide by the count for the mean, or by your public expected total weight).
   */
  readonly values: Readonly<Record<string, Float64Array>>;
  /** A weighted mean's total weight (the exact sum of the weights); else null. */
  readonly totalWeight: number | null;
  /** The unmasked modular sum of the encoded vectors, as the protocol released it. */
  readonly sum: Uint32Array;
  /** The identities whose inputs are in the sum, in registry order. */
  readonly included: readonly string[];
  /** Of `included`, those dropped after their masked input was accepted (their input is in the sum). */
  readonly droppedAfterInput: readonly SessionDrop[];
  readonly abort: null;
}

/** A round that released nothing. */
export interface AbortedRound extends RoundCommon {
  readonly outcome: 'aborted';
  readonly values: null;
  readonly totalWeight: null;
  readonly sum: null;
  readonly included: readonly [];
  readonly droppedAfterInput: readonly [];
  readonly abort: { readonly code: SessionAbortCode; readonly reason: string };
}

/** How a server round ended (`ServerSession.runRound`). */
export type RoundResult = CompletedRound | AbortedRound;

/** How a client's round ended (`ClientSession.submit`). */
export interface ClientOutcome {
  /** `completed`: the server released a sum with this client's input in it. */
  readonly outcome: 'completed' | 'aborted';
  /** The session round this client joined, or null when no offer was taken. */
  readonly round: number | null;
  /** Null when completed. */
  readonly code: SessionAbortCode | null;
  /** What happened, for the logs (never secret). */
  readonly reason: string;
  /** The code of the server's abort message, when the server aborted. */
  readonly serverCode: AbortCode | null;
  /** Completed: how many clients' inputs are in the sum. */
  readonly included: number | null;
  /** True once this client's masked input was sent: it may be in a released sum even if the round then failed here. */
  readonly inputSent: boolean;
}

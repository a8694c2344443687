/**
 * What every client step does with a server message before its round's own checks (internal):
 * late messages to a finished client, consumed states, aborts, and requests of rounds already
 * answered (a byte-identical repeat is a duplicate, anything else a conflict that reveals
 * nothing). The request to answer comes back as a canonical copy (the checked copy its wire
 * encoding was written from, equal to what decoding that encoding gives), with the SHA-256 of
 * the encoding: the step reads only the copy, and records the digest in the state it returns.
 */
import { sha256 } from '../../crypto/index.js';
import { encodeServerMessage } from '../codec.js';
import { isObject, typeLabel } from '../_validate.js';
import type { AnsweredRequests, ClientState, ClientStep, ServerMessage } from '../types.js';
import { wrongRound } from '../_common.js';
import { aborted, checkNotConsumed, settle } from './_state.js';

/** The live rounds that answer a request, and the request each answers. */
export const REQUEST_OF = {
  shareKeys: 'advertisedKeys',
  maskedInputCollection: 'encryptedShares',
  consistencyCheck: 'consistencyRequest',
  unmasking: 'unmaskingRequest',
} as const;

/** Which {@link AnsweredRequests} field records each request. */
const RECORDED: Readonly<Record<string, keyof AnsweredRequests>> = {
  advertisedKeys: 'advertisedKeys',
  encryptedShares: 'encryptedShares',
  consistencyRequest: 'consistencyRequest',
  unmaskingRequest: 'unmaskingRequest',
};

type LiveRound = Exclude<ClientState['round'], 'completed' | 'aborted'>;
type Request<R> = Extract<ServerMessage, { type: R }>;

/** The request of the step's round, as a canonical copy, and the digest of its encoding. */
export interface Screened<S, M> {
  readonly state: S;
  readonly request: M;
  readonly digest: Uint8Array;
}

/** A message's `type`, or undefined when the message is not an object (or a getter throws). */
function readType(message: unknown): { type: unknown } | null {
  try {
    return isObject(message) ? { type: message['type'] } : null;
  } catch {
    return null;
  }
}

/**
 * The message's wire encoding (which reads each field once, checking and copying it), the copy
 * it was written from, and its SHA-256; null when it does not encode (a malformed or hostile
 * object).
 */
function canonical(message: unknown): { copy: ServerMessage; digest: Uint8Array } | null {
  try {
    const { bytes, copy } = encodeServerMessage(message);
    return { copy, digest: sha256(bytes) };
  } catch {
    return null;
  }
}

function equal(a: Uint8Array | null, b: Uint8Array): boolean {
  if (a === null || a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

/**
 * Screens `message` for the step of round `round` (named `step` in errors). Returns either the
 * step to return at once (a note, or an abort) or the request to answer. `inputDigest` is the
 * digest of the input given with a relay of shares, compared when that relay was answered.
 *
 * @throws {SecAggError} `WRONG_ROUND` for a live state in another round, `STATE_CONSUMED`.
 */
export function screen<R extends keyof typeof REQUEST_OF & LiveRound, S extends Extract<ClientState, { round: R }>>(
  state: ClientState,
  message: unknown,
  round: R,
  step: string,
  inputDigest: (() => Uint8Array) | null = null,
): ClientStep | Screened<S, Request<(typeof REQUEST_OF)[R]>> {
  const current: unknown = (state as { round?: unknown } | null)?.round;
  if (current === 'completed' || current === 'aborted') return late(state, message, inputDigest);
  if (current !== round) throw wrongRound(step, current, round);
  const s = state as S;
  checkNotConsumed(s, step);
  const t = readType(message);
  if (t === null) return settle(s, aborted(s, 'MALFORMED_MESSAGE', 'the message is not an object'));
  if (t.type === 'abort') return settle(s, aborted(s, 'SERVER_ABORTED', 'the server aborted'));
  const expected = REQUEST_OF[round];
  const recorded = typeof t.type === 'string' ? RECORDED[t.type] : undefined;
  const answered = recorded === undefined ? null : s.answered[recorded];
  if (t.type !== expected && answered === null) {
    return settle(s, aborted(s, 'UNEXPECTED_MESSAGE', `expected ${expected} in round ${round}, got ${typeLabel(t.type)}`));
  }
  const c = canonical(message);
  if (c === null) return settle(s, aborted(s, 'MALFORMED_MESSAGE', `${typeLabel(t.type)} is malformed`));
  if (t.type !== expected) {
    // A request of a round this client (or the state it came from) answered already.
    const same = equal(answered, c.digest) && (t.type !== 'encryptedShares' || inputDigest === null || equal(s.answered.input, inputDigest()));
    if (same) return { state: s, outbox: [], note: 'DUPLICATE_REQUEST' };
    return settle(s, aborted(s, 'CONFLICTING_REQUEST', `a second, different ${typeLabel(t.type)}: this client answered that round already`));
  }
  return { state: s, request: c.copy as Request<(typeof REQUEST_OF)[R]>, digest: c.digest };
}

/** A message to a completed or aborted client: a duplicate of its last answer, or late. */
function late(state: ClientState, message: unknown, inputDigest: (() => Uint8Array) | null): ClientStep {
  if (state.round === 'completed') {
    const t = readType(message);
    const recorded = t !== null && typeof t.type === 'string' ? RECORDED[t.type] : undefined;
    const answered = recorded === undefined ? null : state.answered[recorded];
    if (answered !== null) {
      const c = canonical(message);
      const same =
        c !== null &&
        equal(answered, c.digest) &&
        (t?.type !== 'encryptedShares' || inputDigest === null || equal(state.answered.input, inputDigest()));
      if (same) return { state, outbox: [], note: 'DUPLICATE_REQUEST' };
    }
  }
  return { state, outbox: [], note: 'LATE_MESSAGE' };
}

/**
 * An id list of a screened request, or null when it names an id above `n` (the cohort's size).
 * The screened copy's lists are the codec's own, already strictly increasing ids from 1: only
 * the bound is left to check, not the list again (an unmasking request lists every survivor).
 */
export function idsWithin(ids: readonly number[], n: number): readonly number[] | null {
  return ids.length === 0 || (ids[ids.length - 1] as number) <= n ? ids : null;
}

/** Whether `step` is a finished step (a note or an abort) rather than a request to answer. */
export function isFinished<S, M>(result: ClientStep | Screened<S, M>): result is ClientStep {
  return 'outbox' in result;
}

/**
 * The server's receive step for bytes off the wire: decoded with the session's configuration and
 * checked against the identity the transport authenticated. Masked inputs take a fused path:
 * their packed vectors are added straight into the running sums, never unpacked into vectors.
 */
import { equalBytes } from '../../_bytes.js';
import { assertInteger } from '../../_assert.js';
import { SecAggError } from '../../errors.js';
import { indexOf } from '../../graph/index.js';
import { readStepOptions, type StepOptions } from '../_common.js';
import { isBytes, isObject } from '../_validate.js';
import { addPackedInto } from '../bitpack.js';
import { decodeMessage, readMaskedInputFrame, type PackedVector } from '../codec.js';
import type { DropReason } from '../codes.js';
import type { ClientMessage, ServerState, ServerStep } from '../types.js';
import { LIVE_ROUNDS, consumed, drop, take, type Live } from './_live.js';
import { receiveMessage } from './receive.js';

/** Options of {@link serverReceiveBytes}. */
export interface ReceiveBytesOptions extends StepOptions {
  /**
   * The client the bytes came from, as the transport authenticated it (1..clients). The message
   * must name it as its sender; the server never trusts the sender field alone.
   */
  readonly from: number;
}

/**
 * Accepts one client message as it came off the wire: `serverReceive` after `decodeMessage`
 * with the session's configuration, plus the check that the message's sender is `from` (the
 * identity your transport authenticated). Bytes that do not decode, or that name another
 * sender, drop `from` (MALFORMED_MESSAGE); from an unknown, dropped or already heard client they
 * are ignored (counted in `ignored`), like repeats in `serverReceive`. A masked input is added
 * to the running sums straight from its packed bytes, with no intermediate vector (at 8, 16, 24
 * and 32 bits by WebAssembly SIMD, ~0.3-0.5 ns per element). Consumes `state`.
 *
 * @throws {SecAggError} `INVALID_TYPE` when `bytes` is not a Uint8Array or `options` is
 *   malformed, `OUT_OF_RANGE` for a `from` that is not a client id of the session, and what
 *   `serverReceive` throws (`WRONG_ROUND` when the server completed or aborted,
 *   `STATE_CONSUMED`).
 * @example
 * ```ts
 * onClientBytes((from: number, bytes: Uint8Array) => {
 *   ({ state: server } = serverReceiveBytes(server, bytes, { from }));
 * });
 * ```
 */
export function serverReceiveBytes(state: ServerState, bytes: Uint8Array, options: ReceiveBytesOptions): ServerStep {
  if (!isObject(options)) throw new SecAggError('INVALID_TYPE', 'options must be an object with `from`, the authenticated client id');
  const o = readStepOptions(options, ['from']);
  if (!isBytes(bytes)) throw new SecAggError('INVALID_TYPE', 'bytes must be a Uint8Array');
  const live = state !== null && typeof state === 'object' && !consumed.has(state) && LIVE_ROUNDS.includes(state.round);
  if (!live) return receiveMessage(state, decodeOrNull(bytes, undefined) as ClientMessage, o.backend, true); // its errors and notes
  const { config } = state as Live;
  const from = assertInteger(o['from'], 'options.from', 1, config.clients);
  if (state.round === 'maskedInputCollection') {
    let frame: ReturnType<typeof readMaskedInputFrame>;
    try {
      frame = readMaskedInputFrame(bytes, config);
    } catch {
      return refuse(state, from, 'MALFORMED_MESSAGE');
    }
    if (frame !== null) {
      if (frame.sender !== from) return refuse(state, from, 'MALFORMED_MESSAGE');
      return receivePacked(state, from, frame.sessionId, frame.vectors);
    }
  }
  const message = decodeOrNull(bytes, config);
  if (message === null || (message as { sender?: unknown }).sender !== from) return refuse(state, from, 'MALFORMED_MESSAGE');
  return receiveMessage(state, message, o.backend, true);
}

function decodeOrNull(bytes: Uint8Array, config: Live['config'] | undefined): ClientMessage | null {
  try {
    return decodeMessage(bytes, config) as ClientMessage;
  } catch {
    return null;
  }
}

/** Whether `id` may still send this round: a member that has not been heard yet. */
function awaited(s: Live, id: number): boolean {
  return indexOf(s.members, id) >= 0 && s.received[id] !== true;
}

/** Drops `from` for bytes it sent, or ignores them when it is not awaited. */
function refuse(state: ServerState, from: number, reason: DropReason): ServerStep {
  const s = take(state, 'serverReceiveBytes');
  if (awaited(s, from)) drop(s, from, reason);
  else s.ignored++;
  return { state: s, outbox: [] };
}

/** A masked input, its vectors framed and checked against the config: added to the sums in place. */
function receivePacked(state: ServerState, from: number, sessionId: Uint8Array, vectors: readonly PackedVector[]): ServerStep {
  const s = take(state, 'serverReceiveBytes');
  if (!awaited(s, from)) {
    s.ignored++;
    return { state: s, outbox: [] };
  }
  if (!equalBytes(sessionId, s.sessionId as Uint8Array)) {
    drop(s, from, 'SESSION_MISMATCH');
    return { state: s, outbox: [] };
  }
  // Every element of a packed vector is below 2^bits by construction: nothing can be out of
  // range, and the frame (lengths, widths, padding) was checked whole before this first write.
  vectors.forEach((v, j) => addPackedInto(s.accumulators[j] as Uint32Array, v.packed, v.bits));
  s.received[from] = true;
  return { state: s, outbox: [] };
}

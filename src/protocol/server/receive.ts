/**
 * The server's receive step: one client message for the current round, accepted into the state
 * or its sender dropped with a reason.
 */
import { equalBytes } from '../../_bytes.js';
import { ed25519Verify, isValidX25519PublicKey } from '../../crypto/index.js';
import { SecAggError } from '../../errors.js';
import { indexOf, type Topology } from '../../graph/index.js';
import { readStepOptions, type StepOptions } from '../_common.js';
import { SHARE_BYTES, SHARE_CIPHERTEXT_BYTES, advertiseSignedBytes, configDigest, consistencySignedBytes } from '../_kdf.js';
import { checkBlock, copyBlock, copyOf, copyVectors, inRange, isId, isObject } from '../_validate.js';
import type { DropReason } from '../codes.js';
import type { ClientMessage, ServerState, ServerStep } from '../types.js';
import { drop, take, type Live } from './_live.js';
import { ownersOf, topologyOf, within } from './_sets.js';

const EXPECTED_TYPE: Readonly<Record<string, ClientMessage['type']>> = {
  advertiseKeys: 'advertiseKeys',
  shareKeys: 'shareKeys',
  maskedInputCollection: 'maskedInput',
  consistencyCheck: 'consistencySignature',
  unmasking: 'unmasking',
};

/**
 * Accepts one client message for the current round. Messages from unknown or already dropped
 * ids and repeats of an accepted message are ignored (counted in `ignored`); a message of the
 * wrong type or with invalid content drops its sender with a {@link DropReason}. A masked input
 * is added to the running sums at once (memory O(vector length)). Consumes `state`. A message
 * to a completed or aborted server returns it unchanged with the note `LATE_MESSAGE`.
 *
 * @throws {SecAggError} `STATE_CONSUMED`; `INVALID_TYPE` when `state` is not a server state.
 * @example
 * ```ts
 * const message = decodeClientMessage(bytes, config); // check message.sender against the connection
 * ({ state: server } = serverReceive(server, message));
 * ```
 */
export function serverReceive(state: ServerState, message: ClientMessage, options?: StepOptions): ServerStep {
  return receiveMessage(state, message, readStepOptions(options).backend, false);
}

/**
 * {@link serverReceive} with its options read (internal). `decoded`: the message is this
 * library's fresh decoding of the received bytes (serverReceiveBytes), so its lists of
 * ciphertexts and shares are already private copies, one block each: they are checked and kept
 * as they are, not copied a second time.
 */
export function receiveMessage(state: ServerState, message: ClientMessage, backend: StepOptions['backend'], decoded: boolean): ServerStep {
  // A message after the session ended (a slow client, a retry): never an error.
  if (state?.round === 'completed' || state?.round === 'aborted') return { state, outbox: [], note: 'LATE_MESSAGE' };
  const s = take(state, 'serverReceive');
  const { config } = s;
  let type: unknown;
  let sender: unknown;
  try {
    if (!isObject(message)) {
      s.ignored++;
      return { state: s, outbox: [] };
    }
    type = message['type'];
    sender = message['sender'];
  } catch {
    s.ignored++;
    return { state: s, outbox: [] };
  }
  if (!isId(sender, config.clients) || indexOf(s.members, sender) < 0 || s.received[sender] === true) {
    s.ignored++;
    return { state: s, outbox: [] };
  }
  const id = sender;
  if (type !== EXPECTED_TYPE[s.round]) {
    drop(s, id, 'UNEXPECTED_MESSAGE');
    return { state: s, outbox: [] };
  }
  let reason: DropReason | null;
  try {
    reason = accept(s, id, message as unknown as Record<string, unknown>, backend, decoded);
  } catch {
    // Only a hostile object can throw in there (a getter, a Proxy): whatever it throws, even a
    // SecAggError, is its sender's fault, and the state (already taken) must stay usable.
    reason = 'MALFORMED_MESSAGE';
  }
  if (reason !== null) drop(s, id, reason);
  return { state: s, outbox: [] };
}

/**
 * Validates and records one message; returns a drop reason or null. Every field is copied
 * before it is checked, and the copy is what is checked and kept (copy, check, store).
 */
function accept(s: Live, id: number, m: Record<string, unknown>, backend: StepOptions['backend'], decoded: boolean): DropReason | null {
  if (s.round === 'advertiseKeys') return acceptKeys(s, id, m, backend);
  const sid = copyOf(m['sessionId'], 32);
  if (sid === null) return 'MALFORMED_MESSAGE';
  if (!equalBytes(sid, s.sessionId as Uint8Array)) return 'SESSION_MISMATCH';
  const topo = topologyOf(s);
  switch (s.round) {
    case 'shareKeys':
      return acceptCiphertexts(s, topo, id, m, decoded);
    case 'maskedInputCollection':
      return acceptMaskedInput(s, id, m);
    case 'consistencyCheck':
      return acceptSignature(s, id, m, backend);
    case 'unmasking':
      return acceptShares(s, topo, id, m, decoded);
    default:
      throw new SecAggError('WRONG_ROUND', `no messages are accepted in round ${s.round}`);
  }
}

/** Round 0: the client's two X25519 public keys (and, active variant, its signature on them). */
function acceptKeys(s: Live, id: number, m: Record<string, unknown>, backend: StepOptions['backend']): DropReason | null {
  const { config } = s;
  const c = copyOf(m['channelPublicKey'], 32);
  const k = copyOf(m['maskingPublicKey'], 32);
  const rawSignature: unknown = m['signature'];
  if (c === null || k === null) return 'MALFORMED_MESSAGE';
  const sig = config.active ? copyOf(rawSignature, 64) : null;
  if (config.active ? sig === null : rawSignature !== null) return 'MALFORMED_MESSAGE';
  if (!isValidX25519PublicKey(c) || !isValidX25519PublicKey(k) || equalBytes(c, k)) return 'INVALID_PUBLIC_KEY';
  if (sig !== null) {
    const vk = config.verificationKeys?.[id - 1] as Uint8Array;
    const signed = advertiseSignedBytes(configDigest(config), id, c, k);
    if (!ed25519Verify(sig, signed, vk, backend)) return 'INVALID_SIGNATURE';
  }
  // Exactly the bytes that were checked and verified.
  s.keys[id] = { id, channelPublicKey: c, maskingPublicKey: k, signature: sig };
  s.received[id] = true;
  return null;
}

/** Round 1: one share ciphertext for each of the sender's neighbours in U1. */
function acceptCiphertexts(s: Live, topo: Topology, id: number, m: Record<string, unknown>, decoded: boolean): DropReason | null {
  const { config } = s;
  const expected = within(topo.of(id), s.rounds.u1, config.clients).length;
  const cts = (decoded ? checkBlock : copyBlock)(m['ciphertexts'], SHARE_CIPHERTEXT_BYTES);
  if (cts === 'malformed') return 'MALFORMED_MESSAGE';
  if (cts === 'size' || cts.length !== expected) return 'WRONG_RECIPIENTS';
  s.ciphertexts[id] = cts;
  s.received[id] = true;
  return null;
}

/** Round 2: the masked input, added to the running sums at once. */
function acceptMaskedInput(s: Live, id: number, m: Record<string, unknown>): DropReason | null {
  const { config } = s;
  const ys = copyVectors(m['vectors'], config); // the sums take the copies that were range-checked
  if (ys === null) return 'INVALID_VECTOR';
  for (let j = 0; j < ys.length; j++) {
    if (!inRange(ys[j] as Uint32Array, (config.vectors[j] as { bits: number }).bits)) return 'INVALID_VECTOR';
  }
  for (let j = 0; j < ys.length; j++) {
    const acc = s.accumulators[j] as Uint32Array;
    const y = ys[j] as Uint32Array;
    const bits = (config.vectors[j] as { bits: number }).bits;
    if (bits === 32) {
      for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) + (y[i] as number);
    } else {
      const mask = 2 ** bits - 1;
      for (let i = 0; i < acc.length; i++) acc[i] = ((acc[i] as number) + (y[i] as number)) & mask;
    }
  }
  s.received[id] = true;
  return null;
}

/** Round 3 (active variant): the sender's signature over U3. */
function acceptSignature(s: Live, id: number, m: Record<string, unknown>, backend: StepOptions['backend']): DropReason | null {
  const { config } = s;
  const sig = copyOf(m['signature'], 64);
  if (sig === null) return 'MALFORMED_MESSAGE';
  const vk = config.verificationKeys?.[id - 1] as Uint8Array;
  if (!ed25519Verify(sig, consistencySignedBytes(s.sessionId as Uint8Array, s.rounds.u3), vk, backend)) {
    return 'INVALID_SIGNATURE';
  }
  s.signatures[id] = sig; // the bytes that verified, not a second read of the message
  s.received[id] = true;
  return null;
}

/** Round 4: one share per client whose shares the sender holds. */
function acceptShares(s: Live, topo: Topology, id: number, m: Record<string, unknown>, decoded: boolean): DropReason | null {
  const expected = ownersOf(s, topo, id).length;
  const shares = (decoded ? checkBlock : copyBlock)(m['shares'], SHARE_BYTES);
  if (shares === 'malformed') return 'MALFORMED_MESSAGE';
  if (shares === 'size' || shares.length !== expected) return 'WRONG_SHARES';
  s.revealed[id] = shares;
  s.received[id] = true;
  return null;
}

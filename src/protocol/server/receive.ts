/**
 * The server's receive step: one client message for the current round, accepted into the state
 * or its sender dropped with a reason.
 */
import { copyAsBlock, equalBytes } from '../../_bytes.js';
import { ed25519Verify, isValidX25519PublicKey } from '../../crypto/index.js';
import { SecAggError } from '../../errors.js';
import { indexOf, type Topology } from '../../graph/index.js';
import { readStepOptions, type StepOptions } from '../_common.js';
import { SHARE_BYTES, SHARE_CIPHERTEXT_BYTES, advertiseSignedBytes, configDigest, consistencySignedBytes } from '../_kdf.js';
import { inRange, isBytes, isId, isObject, readBytesList, readVectors } from '../_validate.js';
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
 * is added to the running sums at once (memory O(vector length)). Consumes `state`.
 *
 * @throws {SecAggError} `WRONG_ROUND` when the server completed or aborted, `STATE_CONSUMED`.
 * @example
 * ```ts
 * ({ state: server } = serverReceive(server, decodeClientMessage(bytes)));
 * ```
 */
export function serverReceive(state: ServerState, message: ClientMessage, options?: StepOptions): ServerStep {
  const o = readStepOptions(options);
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
    reason = accept(s, id, message as unknown as Record<string, unknown>, o.backend);
  } catch {
    // Only a hostile object can throw in there (a getter, a Proxy): whatever it throws, even a
    // SecAggError, is its sender's fault, and the state (already taken) must stay usable.
    reason = 'MALFORMED_MESSAGE';
  }
  if (reason !== null) drop(s, id, reason);
  return { state: s, outbox: [] };
}

/** Validates and records one message; returns a drop reason or null. */
function accept(s: Live, id: number, m: Record<string, unknown>, backend: StepOptions['backend']): DropReason | null {
  if (s.round === 'advertiseKeys') return acceptKeys(s, id, m, backend);
  const sid: unknown = m['sessionId'];
  if (!isBytes(sid, 32)) return 'MALFORMED_MESSAGE';
  if (!equalBytes(sid, s.sessionId as Uint8Array)) return 'SESSION_MISMATCH';
  const topo = topologyOf(s);
  switch (s.round) {
    case 'shareKeys':
      return acceptCiphertexts(s, topo, id, m);
    case 'maskedInputCollection':
      return acceptMaskedInput(s, id, m);
    case 'consistencyCheck':
      return acceptSignature(s, id, m, backend);
    case 'unmasking':
      return acceptShares(s, topo, id, m);
    default:
      throw new SecAggError('WRONG_ROUND', `no messages are accepted in round ${s.round}`);
  }
}

/** Round 0: the client's two X25519 public keys (and, active variant, its signature on them). */
function acceptKeys(s: Live, id: number, m: Record<string, unknown>, backend: StepOptions['backend']): DropReason | null {
  const { config } = s;
  const c: unknown = m['channelPublicKey'];
  const k: unknown = m['maskingPublicKey'];
  const sig: unknown = m['signature'];
  if (!isBytes(c, 32) || !isBytes(k, 32)) return 'MALFORMED_MESSAGE';
  if (config.active ? !isBytes(sig, 64) : sig !== null) return 'MALFORMED_MESSAGE';
  if (!isValidX25519PublicKey(c) || !isValidX25519PublicKey(k) || equalBytes(c, k)) return 'INVALID_PUBLIC_KEY';
  if (config.active) {
    const vk = config.verificationKeys?.[id - 1] as Uint8Array;
    const signed = advertiseSignedBytes(configDigest(config), id, c, k);
    if (!ed25519Verify(sig as Uint8Array, signed, vk, backend)) return 'INVALID_SIGNATURE';
  }
  s.keys[id] = {
    id,
    channelPublicKey: Uint8Array.from(c),
    maskingPublicKey: Uint8Array.from(k),
    signature: config.active ? Uint8Array.from(sig as Uint8Array) : null,
  };
  s.received[id] = true;
  return null;
}

/** Round 1: one share ciphertext for each of the sender's neighbours in U1. */
function acceptCiphertexts(s: Live, topo: Topology, id: number, m: Record<string, unknown>): DropReason | null {
  const { config } = s;
  const expected = within(topo.of(id), s.rounds.u1, config.clients).length;
  const cts = readBytesList(m['ciphertexts'], undefined, undefined);
  if (cts === null) return 'MALFORMED_MESSAGE';
  if (cts.length !== expected || cts.some((ct) => ct.length !== SHARE_CIPHERTEXT_BYTES)) return 'WRONG_RECIPIENTS';
  s.ciphertexts[id] = copyAsBlock(cts, SHARE_CIPHERTEXT_BYTES);
  s.received[id] = true;
  return null;
}

/** Round 2: the masked input, added to the running sums at once. */
function acceptMaskedInput(s: Live, id: number, m: Record<string, unknown>): DropReason | null {
  const { config } = s;
  const ys = readVectors(m['vectors'], config);
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
  const sig: unknown = m['signature'];
  if (!isBytes(sig, 64)) return 'MALFORMED_MESSAGE';
  const vk = config.verificationKeys?.[id - 1] as Uint8Array;
  if (!ed25519Verify(sig, consistencySignedBytes(s.sessionId as Uint8Array, s.rounds.u3), vk, backend)) {
    return 'INVALID_SIGNATURE';
  }
  s.signatures[id] = Uint8Array.from(sig);
  s.received[id] = true;
  return null;
}

/** Round 4: one share per client whose shares the sender holds. */
function acceptShares(s: Live, topo: Topology, id: number, m: Record<string, unknown>): DropReason | null {
  const expected = ownersOf(s, topo, id).length;
  const shares = readBytesList(m['shares'], undefined, undefined);
  if (shares === null) return 'MALFORMED_MESSAGE';
  if (shares.length !== expected || shares.some((x) => x.length !== SHARE_BYTES)) return 'WRONG_SHARES';
  s.revealed[id] = copyAsBlock(shares, SHARE_BYTES);
  s.received[id] = true;
  return null;
}

/**
 * The largest frame a session of a spec can send, for the transports' `maxFrameBytes`: a
 * transport refuses a larger frame before reading it, so a peer cannot make the other side
 * buffer more than the protocol ever needs.
 */
import { SHARE_CIPHERTEXT_BYTES } from '../protocol/index.js';
import { createSessionSpec, updateVector, type SessionSpec } from './spec.js';

/** Bytes of a list of ids at its longest (u8 form, u32 count, 2 bytes per id). */
const idSet = (n: number): number => 5 + 2 * n;

/**
 * The largest frame, in bytes, that either side of a session of `spec` sends: the masked input
 * (the encoded vector, bit-packed), or the messages that grow with the cohort (`maxClients`:
 * the key directory with its proof, the relayed shares, the unmasking request with its
 * signatures), plus the frame's header. Give it to the transports as `maxFrameBytes`.
 *
 * @throws {SecAggError} the errors of `createSessionSpec` for the spec.
 * @example
 * ```ts
 * const transport = await listenWebSocket({ port: 8080, authenticate, maxFrameBytes: maxFrameBytes(spec) });
 * ```
 */
export function maxFrameBytes(spec: SessionSpec): number {
  const s = createSessionSpec(spec);
  const v = updateVector(s);
  const n = s.maxClients;
  const height = Math.max(1, Math.ceil(Math.log2(n)));
  const masked = 3 + 2 + 32 + 1 + 4 + 1 + Math.ceil((v.length * v.bits) / 8);
  const keys = 4 + idSet(n) + 64 * n + (s.policy.active ? 64 * n : 0) + 4 + 32 * height * n;
  const shares = 3 + 2 + 32 + idSet(n) + 2 + n * SHARE_CIPHERTEXT_BYTES;
  const unmasking = 3 + 32 + 3 * idSet(n) + 64 * n;
  const offer = 48 + 4 * n;
  return 8 + Math.max(masked, keys, shares, unmasking, offer) + 64;
}

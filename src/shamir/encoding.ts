/**
 * Byte encoding of one share:
 *
 * ```
 * offset  size  field
 * 0       1     version = 0x01
 * 1       2     x, big-endian uint16, 1..65535
 * 3       rest  y, the share payload (see Share): L bytes for an even secret length L,
 *               L + 2 bytes (ending in 0x00) for an odd L
 * ```
 *
 * A 32-byte secret gives 35-byte encoded shares. The encoding carries no threshold and no
 * integrity check: bind and authenticate it in the enclosing protocol message.
 */
import { assertBytes } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { readShare } from './_check.js';
import { checkPayload } from './_layout.js';
import type { Share } from './split.js';

/** The version byte {@link encodeShare} writes and {@link decodeShare} accepts. */
export const SHARE_ENCODING_VERSION = 1;

const HEADER = 3;

/**
 * Encodes a share as `version (1) || x (2, big-endian) || y`.
 *
 * @throws {SecAggError} `INVALID_TYPE`, `INVALID_SHARE_INDEX` (x outside 1..65535),
 *   `INVALID_LENGTH` / `MALFORMED_ENCODING` (a payload no split produces).
 * @example
 * ```ts
 * const bytes = encodeShare(shares[0]!); // 35 bytes for a 32-byte secret
 * decodeShare(bytes); // { x: 1, y: ... }
 * ```
 */
export function encodeShare(share: Share): Uint8Array {
  const { x, y } = readShare(share, 'share');
  checkPayload(y, 'share.y', 'INVALID_LENGTH');
  const out = new Uint8Array(HEADER + y.length);
  out[0] = SHARE_ENCODING_VERSION;
  out[1] = x >>> 8;
  out[2] = x & 0xff;
  out.set(y, HEADER);
  return out;
}

/**
 * Decodes and validates bytes made by {@link encodeShare}. The returned `y` is a copy.
 *
 * @throws {SecAggError} `INVALID_TYPE` (not a Uint8Array), `UNSUPPORTED_VERSION` (first byte
 *   not 0x01), `MALFORMED_ENCODING` (empty or truncated, x = 0, a payload length no secret
 *   has, or an odd-length payload whose marker byte is not 0).
 * @example
 * ```ts
 * const share = decodeShare(received);
 * ```
 */
export function decodeShare(bytes: Uint8Array): Share {
  assertBytes(bytes, 'bytes');
  if (bytes.length === 0) throw new SecAggError('MALFORMED_ENCODING', 'encoded share is empty');
  if (bytes[0] !== SHARE_ENCODING_VERSION) {
    throw new SecAggError(
      'UNSUPPORTED_VERSION',
      `encoded share has version ${String(bytes[0])}; this build reads version ${SHARE_ENCODING_VERSION}`,
    );
  }
  if (bytes.length < HEADER + 2) {
    throw new SecAggError('MALFORMED_ENCODING', `encoded share is ${bytes.length} bytes; at least ${HEADER + 2} needed`);
  }
  const x = ((bytes[1] as number) << 8) | (bytes[2] as number);
  if (x === 0) throw new SecAggError('MALFORMED_ENCODING', 'encoded share has x = 0');
  const y = bytes.slice(HEADER);
  checkPayload(y, 'encoded share payload', 'MALFORMED_ENCODING');
  return Object.freeze({ x, y });
}

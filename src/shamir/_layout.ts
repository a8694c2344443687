/**
 * How a secret's bytes map to field elements and how long a share payload is (internal).
 *
 * A secret of L bytes is read as m = ceil(L / 2) big-endian 16-bit field elements; an odd L is
 * padded with one zero byte. A share payload `y` holds the m element shares, big-endian, and,
 * when L is odd, one trailing marker byte 0x00. So `y.length` is L for even L and L + 2 for odd
 * L: its parity tells the two cases apart and L is recoverable from any share.
 */
import { SecAggError } from '../errors.js';

/** Largest x-coordinate (participant id): the number of non-zero field elements. */
export const MAX_X = 65_535;

/** Share payload length for a secret of `secretLength` >= 1 bytes. */
export function shareLengthFor(secretLength: number): number {
  return secretLength % 2 === 0 ? secretLength : secretLength + 2;
}

/** Secret length for a share payload length, or -1 when no secret has that payload length. */
export function secretLengthFor(shareLength: number): number {
  if (shareLength % 2 === 0) return shareLength >= 2 ? shareLength : -1;
  return shareLength >= 3 ? shareLength - 2 : -1;
}

/**
 * Checks a payload's length (error `lengthCode`: MALFORMED_ENCODING when decoding bytes,
 * INVALID_LENGTH for a Share object) and its odd-length marker byte (MALFORMED_ENCODING).
 * Returns the secret length.
 */
export function checkPayload(
  y: Uint8Array,
  name: string,
  lengthCode: 'MALFORMED_ENCODING' | 'INVALID_LENGTH',
): number {
  const secretLength = secretLengthFor(y.length);
  if (secretLength < 0) {
    throw new SecAggError(lengthCode, `${name} has length ${y.length}; a share payload is 2, 3 or more bytes`);
  }
  if (y.length % 2 === 1 && y[y.length - 1] !== 0) {
    throw new SecAggError('MALFORMED_ENCODING', `${name} has odd length but its trailing marker byte is not 0`);
  }
  return secretLength;
}

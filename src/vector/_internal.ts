/** Internal helpers of src/vector (not exported from the package). */
import { SecAggError } from '../errors.js';

/** 2^bits - 1 as an unsigned 32-bit value (`(1 << 32)` is 1 in JS, hence the special case). */
export function modMask(bits: number): number {
  return bits === 32 ? 0xffffffff : ((1 << bits) >>> 0) - 1;
}

/** True when two typed-array views share at least one byte of memory. */
export function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.buffer !== b.buffer) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** Throws OVERLAPPING_BUFFERS when `out` overlaps `input` (identical views allowed if `sameOk`). */
export function assertNoOverlap(
  out: ArrayBufferView,
  outName: string,
  input: ArrayBufferView,
  inputName: string,
  sameOk: boolean,
): void {
  if (!overlaps(out, input)) return;
  if (
    sameOk &&
    out.byteOffset === input.byteOffset &&
    out.byteLength === input.byteLength &&
    out.constructor === input.constructor
  ) {
    return;
  }
  throw new SecAggError(
    'OVERLAPPING_BUFFERS',
    `${outName} overlaps ${inputName}${sameOk ? ' (only the very same view is allowed)' : ''}; pass distinct buffers`,
  );
}

/**
 * Throws ELEMENT_OUT_OF_RANGE when some element of `v` is >= 2^bits. One OR-reduction pass
 * (no branch per element); the index is located only on failure. The element's value is not
 * put in the message (it may be a private input).
 */
export function checkRange(v: Uint32Array, bits: number, name: string): void {
  if (bits === 32) return;
  let or = 0;
  const n = v.length;
  for (let i = 0; i < n; i++) or |= v[i] as number;
  if (or >>> bits === 0) return;
  let at = 0;
  while (at < n && (v[at] as number) >>> bits === 0) at++;
  throw new SecAggError(
    'ELEMENT_OUT_OF_RANGE',
    `${name}[${at}] is not below 2^${bits}; elements of a vector mod 2^${bits} must be in [0, 2^${bits})`,
  );
}

/**
 * Bit-packing of vectors mod 2^bits for the wire codec: n elements of `bits` bits take exactly
 * ceil(n * bits / 8) bytes.
 *
 * Format (little-endian bit order): element i occupies stream bits [i * bits, (i + 1) * bits),
 * least significant bit first, and stream bit j is bit (j mod 8) of byte floor(j / 8). Equivalently
 * the packed bytes are the little-endian encoding of the integer sum_i values[i] * 2^(i * bits).
 * The unused high bits of the last byte (padding) are zero, and decoders reject anything else so
 * that every vector has exactly one encoding. For bits = 8, 16, 32 this is the plain little-endian
 * array of uint8 / uint16 / uint32.
 *
 * The general case works a 32-bit word at a time through Uint32Array views on little-endian
 * platforms (every platform that runs Node or a browser in practice; a bit-by-bit path keeps
 * big-endian hosts correct); bits 8, 16 and 32 use typed-array copies.
 */
import { assertBits, assertBytes, assertInteger, assertUint32Array, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { ensureBytes, simdKernels, type Fold, type SimdKernels, type Width } from '../masking/_simd.js';

const LITTLE_ENDIAN_PLATFORM = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Longest vector these functions accept (2^32 - 1 elements). */
export const MAX_PACKED_ELEMENTS = 0xffff_ffff;

/**
 * Bytes taken by `length` elements of `bits` bits: ceil(length * bits / 8).
 *
 * @throws {SecAggError} `INVALID_BITS` for bits outside 1..32, `INVALID_TYPE` / `OUT_OF_RANGE`
 *   for a bad length.
 * @example
 * ```ts
 * packedLength(1 << 20, 16); // 2_097_152
 * ```
 */
export function packedLength(length: number, bits: number): number {
  assertBits(bits);
  assertInteger(length, 'length', 0, MAX_PACKED_ELEMENTS);
  return Math.ceil((length * bits) / 8);
}

/**
 * Packs `values` (each < 2^bits) into ceil(values.length * bits / 8) bytes, least significant bit
 * first (see the module doc for the byte layout).
 *
 * @param values Elements mod 2^bits.
 * @param bits 1..32.
 * @param out Optional destination of exactly `packedLength(values.length, bits)` bytes.
 * @returns `out` (or a new array) holding the packed bytes.
 * @throws {SecAggError} `INVALID_TYPE` for non-Uint32Array values or non-Uint8Array out,
 *   `INVALID_BITS`, `INVALID_LENGTH` for a wrong-sized `out`, `ELEMENT_OUT_OF_RANGE` when an
 *   element is >= 2^bits (then `out` may be partly written).
 * @example
 * ```ts
 * packBits(Uint32Array.of(1, 2, 3), 2); // Uint8Array [0b00111001]
 * ```
 */
export function packBits(values: Uint32Array, bits: number, out?: Uint8Array): Uint8Array {
  assertUint32Array(values, 'values');
  assertBits(bits);
  const n = values.length;
  const byteLength = Math.ceil((n * bits) / 8);
  if (out === undefined) {
    out = new Uint8Array(byteLength);
  } else {
    assertBytes(out, 'out', byteLength);
  }
  if (bits === 32) {
    if (LITTLE_ENDIAN_PLATFORM) {
      out.set(new Uint8Array(values.buffer, values.byteOffset, n * 4));
      return out;
    }
  } else if (bits === 8 || bits === 16) {
    checkRange(values, bits);
    if (bits === 8) {
      out.set(values); // each value < 256: the conversion keeps it exactly
      return out;
    }
    if (LITTLE_ENDIAN_PLATFORM) {
      const halves = new Uint16Array(n);
      halves.set(values);
      out.set(new Uint8Array(halves.buffer));
      return out;
    }
  }
  packGeneric(values, bits, out);
  return out;
}

/**
 * Unpacks `length` elements of `bits` bits from exactly ceil(length * bits / 8) bytes; the
 * inverse of {@link packBits}. Rejects any other byte length and non-zero padding bits, so
 * hostile input never decodes to a vector other than the one that was packed.
 *
 * @param bytes The packed bytes (any alignment).
 * @param bits 1..32.
 * @param length Number of elements, 0..2^32 - 1.
 * @param out Optional destination of exactly `length` elements.
 * @throws {SecAggError} `MALFORMED_ENCODING` for a wrong byte length or non-zero padding bits;
 *   `INVALID_TYPE`, `INVALID_BITS`, `OUT_OF_RANGE`, `LENGTH_MISMATCH` for bad arguments.
 * @example
 * ```ts
 * unpackBits(Uint8Array.of(0b00111001), 2, 3); // Uint32Array [1, 2, 3]
 * ```
 */
export function unpackBits(bytes: Uint8Array, bits: number, length: number, out?: Uint32Array): Uint32Array {
  assertBytes(bytes, 'bytes');
  assertBits(bits);
  assertInteger(length, 'length', 0, MAX_PACKED_ELEMENTS);
  const totalBits = length * bits;
  const byteLength = Math.ceil(totalBits / 8);
  if (bytes.length !== byteLength) {
    throw new SecAggError(
      'MALFORMED_ENCODING',
      `packed vector of ${length} elements at ${bits} bits must be ${byteLength} bytes, got ${bytes.length}`,
    );
  }
  const spare = totalBits % 8;
  if (spare !== 0 && (bytes[byteLength - 1] as number) >>> spare !== 0) {
    throw new SecAggError('MALFORMED_ENCODING', 'packed vector has non-zero padding bits in its last byte');
  }
  if (out === undefined) {
    out = new Uint32Array(length);
  } else {
    if (!(out instanceof Uint32Array)) {
      throw new SecAggError('INVALID_TYPE', `out must be a Uint32Array, got ${describeType(out)}`);
    }
    assertUint32Array(out, 'out', length);
  }
  if (bits === 8) {
    out.set(bytes);
    return out;
  }
  if (LITTLE_ENDIAN_PLATFORM && bits === 32) {
    new Uint8Array(out.buffer, out.byteOffset, length * 4).set(bytes);
    return out;
  }
  if (LITTLE_ENDIAN_PLATFORM && bits === 16) {
    const aligned = bytes.byteOffset % 2 === 0 ? bytes : new Uint8Array(bytes);
    out.set(new Uint16Array(aligned.buffer, aligned.byteOffset, length));
    return out;
  }
  unpackGeneric(bytes, bits, length, out);
  return out;
}

function checkRange(values: Uint32Array, bits: number): void {
  let any = 0;
  for (let i = 0; i < values.length; i++) any |= values[i] as number;
  if (any >>> bits !== 0) throw outOfRange(bits);
}

function outOfRange(bits: number): SecAggError {
  return new SecAggError('ELEMENT_OUT_OF_RANGE', `every element must be below 2^${bits}`);
}

/**
 * Any bits 1..32. Little-endian platforms: a 32-bit word at a time through a Uint32Array view
 * (into a scratch buffer when `out` is not 4-byte aligned). Big-endian: bit by bit (slow, rare).
 */
function packGeneric(values: Uint32Array, bits: number, out: Uint8Array): void {
  if (!LITTLE_ENDIAN_PLATFORM) {
    out.fill(0);
    for (let i = 0; i < values.length; i++) writeBits(out, i * bits, bits, values[i] as number);
    if (bits < 32) checkRange(values, bits);
    return;
  }
  const target = out.byteOffset % 4 === 0 ? out : new Uint8Array(out.length);
  const words = new Uint32Array(target.buffer, target.byteOffset, Math.floor(target.length / 4));
  const n = values.length;
  let acc = 0; // pending low bits, acc < 2^accBits
  let accBits = 0; // 0..31
  let any = 0; // OR of all values, to detect elements >= 2^bits
  let w = 0; // index of the next full word
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    any |= v;
    acc |= v << accBits;
    accBits += bits;
    if (accBits >= 32) {
      words[w++] = acc;
      accBits -= 32;
      // The high accBits bits of v did not fit in the word just written.
      acc = accBits === 0 ? 0 : v >>> (bits - accBits);
    }
  }
  // Tail: fewer than 32 pending bits go out a byte at a time.
  let at = 4 * w;
  while (accBits > 0) {
    target[at++] = acc & 0xff;
    acc >>>= 8;
    accBits -= 8;
  }
  if (target !== out) out.set(target);
  if (bits < 32 && any >>> bits !== 0) throw outOfRange(bits);
}

/**
 * Any bits 1..32; the caller has checked the byte length and padding. Little-endian platforms:
 * a 32-bit word at a time (from an aligned copy when `bytes` is not 4-byte aligned).
 */
function unpackGeneric(bytes: Uint8Array, bits: number, length: number, out: Uint32Array): void {
  if (!LITTLE_ENDIAN_PLATFORM) {
    for (let i = 0; i < length; i++) out[i] = readBits(bytes, i * bits, bits);
    return;
  }
  const source = bytes.byteOffset % 4 === 0 ? bytes : new Uint8Array(bytes);
  const fullWords = Math.floor(source.length / 4);
  const words = new Uint32Array(source.buffer, source.byteOffset, fullWords);
  const mask = (bits === 32 ? -1 : 2 ** bits - 1) | 0; // int32, so the loop stays in int32 arithmetic
  // Elements that lie entirely within the full words.
  const fast = Math.min(length, Math.floor((fullWords * 32) / bits));
  let cur = 0; // unread bits of the last word loaded, in its low curBits bits
  let curBits = 0; // 0..31
  let w = 0; // index of the next word
  for (let i = 0; i < fast; i++) {
    if (curBits >= bits) {
      out[i] = cur & mask;
      cur >>>= bits; // bits < 32 here since curBits <= 31
      curBits -= bits;
    } else {
      const word = words[w++] as number;
      out[i] = (cur | (word << curBits)) & mask;
      const used = bits - curBits; // 1..32 bits of word consumed
      cur = used === 32 ? 0 : word >>> used;
      curBits = 32 - used;
    }
  }
  // The last few elements reach into the final 1-3 bytes.
  for (let i = fast; i < length; i++) out[i] = readBits(source, i * bits, bits);
}

function writeBits(bytes: Uint8Array, bitOffset: number, bits: number, value: number): void {
  for (let b = 0; b < bits; b++) {
    if (Math.floor(value / 2 ** b) % 2 === 1) {
      const j = bitOffset + b;
      const index = Math.floor(j / 8);
      bytes[index] = (bytes[index] as number) | (1 << j % 8);
    }
  }
}

function readBits(bytes: Uint8Array, bitOffset: number, bits: number): number {
  let value = 0;
  for (let b = 0; b < bits; b++) {
    const j = bitOffset + b;
    const bit = ((bytes[Math.floor(j / 8)] as number) >>> j % 8) & 1;
    value += bit * 2 ** b;
  }
  return value;
}

// ------------------------------------------------------------------------------------------
// Fused unpack-and-add: a packed vector added straight into a running sum (the server's
// masked-input accumulation), with no intermediate Uint32Array.

/** Elements per pass through the WebAssembly kernels' memory (16 KiB of sum and up to 12 KiB packed: L1). */
const FUSED_CHUNK = 4096;
/** Where the sum's chunk and the packed bytes go in the kernels' memory. */
const FUSED_SUM_AT = 0;
const FUSED_PACKED_AT = 4 * FUSED_CHUNK;
/** The folds read up to 12 bytes past the last element: room left after the packed chunk. */
const FUSED_SLACK = 16;

/**
 * `sum[i] = (sum[i] + x[i]) mod 2^bits` for the vector x packed in `packed` (see the module doc),
 * in place. The caller has checked the byte length (exactly ceil(sum.length * bits / 8)) and the
 * padding bits, and every element of `sum` is below 2^bits (then every element written is too).
 *
 * At 8, 16, 24 and 32 bits the packed bytes are exactly the mask PRG's element layout
 * (bits / 8 little-endian bytes per element), so the masking module's WebAssembly fold kernels
 * do the work: add at that width, then one reduction mod 2^bits. Other widths (and hosts
 * without the kernels) use a JS loop that unpacks a 32-bit word at a time into the sum.
 */
export function addPackedInto(sum: Uint32Array, packed: Uint8Array, bits: number): void {
  const n = sum.length;
  if (bits % 8 === 0 && LITTLE_ENDIAN_PLATFORM) {
    const k = simdKernels();
    if (k !== null) return addPackedSimd(k, sum, packed, bits);
  }
  if (bits === 16 && LITTLE_ENDIAN_PLATFORM && packed.byteOffset % 2 === 0) {
    const x = new Uint16Array(packed.buffer, packed.byteOffset, n);
    for (let i = 0; i < n; i++) sum[i] = ((sum[i] as number) + (x[i] as number)) & 0xffff;
    return;
  }
  if (bits === 8) {
    for (let i = 0; i < n; i++) sum[i] = ((sum[i] as number) + (packed[i] as number)) & 0xff;
    return;
  }
  addPackedGeneric(sum, packed, bits);
}

function addPackedSimd(k: SimdKernels, sum: Uint32Array, packed: Uint8Array, bits: number): void {
  const width = (bits >>> 3) as Width;
  const fold = k.fold.add[width - 1] as Fold;
  const mask = bits === 32 ? -1 : 2 ** bits - 1;
  const buffer = ensureBytes(k, FUSED_PACKED_AT + width * FUSED_CHUNK + FUSED_SLACK);
  const words = new Uint32Array(buffer, FUSED_SUM_AT, FUSED_CHUNK);
  const bytes = new Uint8Array(buffer, FUSED_PACKED_AT, width * FUSED_CHUNK + FUSED_SLACK);
  for (let start = 0; start < sum.length; start += FUSED_CHUNK) {
    const count = Math.min(FUSED_CHUNK, sum.length - start);
    words.set(sum.subarray(start, start + count));
    bytes.set(packed.subarray(width * start, width * (start + count)));
    fold(FUSED_SUM_AT, FUSED_PACKED_AT, count);
    if (mask !== -1) k.reduce(FUSED_SUM_AT, count, mask);
    sum.set(words.subarray(0, count), start);
  }
}

/** Any bits 1..32, a 32-bit word at a time on little-endian hosts (as {@link unpackGeneric}). */
function addPackedGeneric(sum: Uint32Array, bytes: Uint8Array, bits: number): void {
  const length = sum.length;
  const mask = (bits === 32 ? -1 : 2 ** bits - 1) | 0;
  if (!LITTLE_ENDIAN_PLATFORM) {
    for (let i = 0; i < length; i++) sum[i] = ((sum[i] as number) + readBits(bytes, i * bits, bits)) & mask;
    return;
  }
  const source = bytes.byteOffset % 4 === 0 ? bytes : Uint8Array.from(bytes);
  const fullWords = Math.floor(source.length / 4);
  const words = new Uint32Array(source.buffer, source.byteOffset, fullWords);
  const fast = Math.min(length, Math.floor((fullWords * 32) / bits));
  let cur = 0;
  let curBits = 0;
  let w = 0;
  for (let i = 0; i < fast; i++) {
    let v: number;
    if (curBits >= bits) {
      v = cur & mask;
      cur >>>= bits;
      curBits -= bits;
    } else {
      const word = words[w++] as number;
      v = (cur | (word << curBits)) & mask;
      const used = bits - curBits;
      cur = used === 32 ? 0 : word >>> used;
      curBits = 32 - used;
    }
    sum[i] = ((sum[i] as number) + v) & mask;
  }
  for (let i = fast; i < length; i++) sum[i] = ((sum[i] as number) + readBits(source, i * bits, bits)) & mask;
}

/**
 * Modular arithmetic on vectors of Z_(2^bits), 1 <= bits <= 32, stored as Uint32Array.
 *
 * Range policy: by default every function checks that its inputs are in [0, 2^bits) and throws
 * ELEMENT_OUT_OF_RANGE with its output unchanged, so user data is never silently reduced.
 * Callers that produced the vectors themselves may pass `{ check: false }`: the result is then
 * still defined exactly, as the raw uint32 values reduced mod 2^bits, and is always in range.
 * With bits = 32 every uint32 is in range and no check is needed.
 */
import { assertBits, assertOptions, assertUint32Array, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { assertNoOverlap, checkRange, modMask } from './_internal.js';

/** Options of the in-place arithmetic functions. */
export interface ArithmeticOptions {
  /**
   * Check that inputs are in [0, 2^bits) (default true; free when bits = 32). addInto and
   * subtractInto check within their single pass and, on a bad element, restore `acc` before
   * throwing; negateInto checks first. With `false`, inputs are read mod 2^bits (the result is
   * still exact and in range), which is faster for vectors the caller produced itself.
   */
  readonly check?: boolean;
}

/** Reads `{ check }`; undefined options (the hot path) cost nothing. */
function readCheck(options: ArithmeticOptions | undefined): boolean {
  if (options === undefined) return true;
  const o = assertOptions<ArithmeticOptions>(options, 'options', ['check']);
  if (o.check === undefined) return true;
  if (typeof o.check !== 'boolean') {
    throw new SecAggError('INVALID_TYPE', `options.check must be a boolean, got ${describeType(o.check)}`);
  }
  return o.check;
}

/** Validates a binary operation; returns whether the kernel must range-check as it goes. */
function prepareBinary(
  acc: Uint32Array,
  x: Uint32Array,
  bits: number,
  options: ArithmeticOptions | undefined,
): boolean {
  assertUint32Array(acc, 'acc');
  assertUint32Array(x, 'x', acc.length);
  assertBits(bits);
  const check = readCheck(options) && bits < 32;
  // acc === x is fine (element i is read before it is written); any other overlap is not.
  assertNoOverlap(acc, 'acc', x, 'x', true);
  if (check && acc === x) {
    checkRange(acc, bits, 'acc'); // the one-pass kernels' rollback needs distinct arrays
    return false;
  }
  return check;
}

/** Elements per block of the checked kernels (the saved block, 16 KiB, stays in L1). */
const BLOCK = 4096;
const saved = new Uint32Array(BLOCK);

/**
 * A bad element was seen in the block starting at `start`: restore that block from `saved`,
 * undo the earlier blocks exactly (their inputs were in range, so (r -/+ x) mod 2^bits is the
 * old value), then throw naming the first bad element.
 */
function rollback(acc: Uint32Array, x: Uint32Array, bits: number, start: number, sign: 1 | -1): never {
  const end = Math.min(acc.length, start + BLOCK);
  for (let i = start; i < end; i++) acc[i] = saved[i - start] as number;
  const mask = modMask(bits);
  for (let i = 0; i < start; i++) acc[i] = ((acc[i] as number) - sign * (x[i] as number)) & mask;
  checkRange(acc, bits, 'acc');
  checkRange(x, bits, 'x');
  throw new Error('unreachable: a bad element was seen'); // checkRange threw
}

/**
 * Checked modular add, bits < 32, acc !== x, in one pass: each block of acc is saved while it
 * is combined with x and both inputs are OR-ed; the block is checked at its end, so a throw
 * leaves acc unchanged at no extra memory traffic.
 */
function checkedAdd(acc: Uint32Array, x: Uint32Array, bits: number): void {
  const n = acc.length;
  const mask = modMask(bits);
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    let or = 0;
    for (let i = start; i < end; i++) {
      const a = acc[i] as number;
      const b = x[i] as number;
      saved[i - start] = a;
      or |= a | b;
      acc[i] = (a + b) & mask;
    }
    if (or >>> bits !== 0) rollback(acc, x, bits, start, 1);
  }
}

/** Checked modular subtract; as {@link checkedAdd}. */
function checkedSubtract(acc: Uint32Array, x: Uint32Array, bits: number): void {
  const n = acc.length;
  const mask = modMask(bits);
  for (let start = 0; start < n; start += BLOCK) {
    const end = Math.min(n, start + BLOCK);
    let or = 0;
    for (let i = start; i < end; i++) {
      const a = acc[i] as number;
      const b = x[i] as number;
      saved[i - start] = a;
      or |= a | b;
      acc[i] = (a - b) & mask;
    }
    if (or >>> bits !== 0) rollback(acc, x, bits, start, -1);
  }
}

/**
 * `acc[i] = (acc[i] + x[i]) mod 2^bits` for every i, in place.
 *
 * @param acc accumulator, overwritten; elements in [0, 2^bits).
 * @param x vector of the same length, elements in [0, 2^bits); may be `acc` itself (doubles it).
 * @param bits modulus exponent, integer in 1..32.
 * @returns `acc`.
 * @throws {SecAggError} `INVALID_TYPE` (not Uint32Array, bad options), `LENGTH_MISMATCH`,
 *   `INVALID_BITS`, `ELEMENT_OUT_OF_RANGE` (acc is left unchanged), `OVERLAPPING_BUFFERS`
 *   (views that partly share memory), `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * const acc = Uint32Array.of(65535, 1);
 * addInto(acc, Uint32Array.of(2, 3), 16); // acc = [1, 4]
 * ```
 */
export function addInto(
  acc: Uint32Array,
  x: Uint32Array,
  bits: number,
  options?: ArithmeticOptions,
): Uint32Array {
  if (prepareBinary(acc, x, bits, options)) {
    checkedAdd(acc, x, bits);
    return acc;
  }
  const n = acc.length;
  if (bits === 32) {
    // Uint32Array stores wrap mod 2^32.
    for (let i = 0; i < n; i++) acc[i] = (acc[i] as number) + (x[i] as number);
  } else {
    const mask = modMask(bits);
    for (let i = 0; i < n; i++) acc[i] = ((acc[i] as number) + (x[i] as number)) & mask;
  }
  return acc;
}

/**
 * `acc[i] = (acc[i] - x[i]) mod 2^bits` for every i, in place.
 *
 * @param acc accumulator, overwritten; elements in [0, 2^bits).
 * @param x vector of the same length, elements in [0, 2^bits); may be `acc` itself (zeroes it).
 * @param bits modulus exponent, integer in 1..32.
 * @returns `acc`.
 * @throws {SecAggError} as {@link addInto}.
 * @example
 * ```ts
 * subtractInto(Uint32Array.of(1, 4), Uint32Array.of(2, 3), 16); // [65535, 1]
 * ```
 */
export function subtractInto(
  acc: Uint32Array,
  x: Uint32Array,
  bits: number,
  options?: ArithmeticOptions,
): Uint32Array {
  if (prepareBinary(acc, x, bits, options)) {
    checkedSubtract(acc, x, bits);
    return acc;
  }
  const n = acc.length;
  if (bits === 32) {
    for (let i = 0; i < n; i++) acc[i] = (acc[i] as number) - (x[i] as number);
  } else {
    // A negative difference & mask keeps the low bits of its two's complement: the residue.
    const mask = modMask(bits);
    for (let i = 0; i < n; i++) acc[i] = ((acc[i] as number) - (x[i] as number)) & mask;
  }
  return acc;
}

/**
 * `v[i] = (-v[i]) mod 2^bits` for every i, in place (0 stays 0).
 *
 * @param v vector, overwritten; elements in [0, 2^bits).
 * @param bits modulus exponent, integer in 1..32.
 * @returns `v`.
 * @throws {SecAggError} `INVALID_TYPE`, `INVALID_BITS`, `ELEMENT_OUT_OF_RANGE`, `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * negateInto(Uint32Array.of(0, 1, 5), 4); // [0, 15, 11]
 * ```
 */
export function negateInto(v: Uint32Array, bits: number, options?: ArithmeticOptions): Uint32Array {
  assertUint32Array(v, 'v');
  assertBits(bits);
  if (readCheck(options)) checkRange(v, bits, 'v');
  const n = v.length;
  if (bits === 32) {
    for (let i = 0; i < n; i++) v[i] = -(v[i] as number);
  } else {
    const mask = modMask(bits);
    for (let i = 0; i < n; i++) v[i] = -(v[i] as number) & mask;
  }
  return v;
}

/**
 * Reduces arbitrary uint32 values mod 2^bits in place (keeps the low `bits` bits). This is the
 * one function that wraps on purpose, e.g. for raw 32-bit words from a PRG.
 *
 * @param v vector, overwritten.
 * @param bits modulus exponent, integer in 1..32 (32 leaves `v` unchanged).
 * @returns `v`.
 * @throws {SecAggError} `INVALID_TYPE`, `INVALID_BITS`.
 * @example
 * ```ts
 * reduceInto(Uint32Array.of(0x12345), 16); // [0x2345]
 * ```
 */
export function reduceInto(v: Uint32Array, bits: number): Uint32Array {
  assertUint32Array(v, 'v');
  assertBits(bits);
  if (bits === 32) return v;
  const mask = modMask(bits);
  const n = v.length;
  for (let i = 0; i < n; i++) v[i] = (v[i] as number) & mask;
  return v;
}

/**
 * Checks that every element of `v` is below 2^bits.
 *
 * @param v the vector.
 * @param bits modulus exponent, integer in 1..32.
 * @param name how `v` is called in the error message (default `'vector'`).
 * @returns `v`, so it can wrap an expression.
 * @throws {SecAggError} `INVALID_TYPE`, `INVALID_BITS`, `ELEMENT_OUT_OF_RANGE` (names the index,
 *   never the value).
 * @example
 * ```ts
 * assertVectorInRange(Uint32Array.of(3, 7), 3); // ok
 * assertVectorInRange(Uint32Array.of(8), 3);    // throws ELEMENT_OUT_OF_RANGE
 * ```
 */
export function assertVectorInRange(v: Uint32Array, bits: number, name = 'vector'): Uint32Array {
  if (typeof name !== 'string') {
    throw new SecAggError('INVALID_TYPE', `name must be a string, got ${describeType(name)}`);
  }
  assertUint32Array(v, name);
  assertBits(bits);
  checkRange(v, bits, name);
  return v;
}

/**
 * The sum mod 2^bits of one or more equal-length vectors. Inputs are range-checked and left
 * unchanged.
 *
 * @param vectors a non-empty array of Uint32Array, all of the same length, elements < 2^bits.
 * @param bits modulus exponent, integer in 1..32.
 * @param out optional output of the same length, overwritten. It may be `vectors[0]` itself
 *   (sums into it) but must not overlap any other input.
 * @returns `out`, or a new Uint32Array.
 * @throws {SecAggError} `INVALID_TYPE`, `INVALID_LENGTH` (empty list), `LENGTH_MISMATCH`,
 *   `INVALID_BITS`, `ELEMENT_OUT_OF_RANGE`, `OVERLAPPING_BUFFERS`.
 * @example
 * ```ts
 * sumVectors([Uint32Array.of(1, 2), Uint32Array.of(255, 3)], 8); // [0, 5]
 * ```
 */
export function sumVectors(
  vectors: readonly Uint32Array[],
  bits: number,
  out?: Uint32Array,
): Uint32Array {
  if (!Array.isArray(vectors)) {
    throw new SecAggError('INVALID_TYPE', `vectors must be an array of Uint32Array, got ${describeType(vectors)}`);
  }
  if (vectors.length === 0) {
    throw new SecAggError('INVALID_LENGTH', 'vectors must hold at least one vector');
  }
  assertBits(bits);
  const first = assertUint32Array(vectors[0], 'vectors[0]');
  const n = first.length;
  for (let k = 0; k < vectors.length; k++) {
    const v = assertUint32Array(vectors[k], `vectors[${k}]`, n);
    checkRange(v, bits, `vectors[${k}]`);
  }
  let result: Uint32Array;
  if (out === undefined) {
    result = Uint32Array.from(first);
  } else {
    result = assertUint32Array(out, 'out', n);
    for (let k = 0; k < vectors.length; k++) {
      assertNoOverlap(result, 'out', vectors[k] as Uint32Array, `vectors[${k}]`, k === 0);
    }
    if (result !== first) result.set(first);
  }
  const mask = modMask(bits);
  for (let k = 1; k < vectors.length; k++) {
    const x = vectors[k] as Uint32Array;
    if (bits === 32) {
      for (let i = 0; i < n; i++) result[i] = (result[i] as number) + (x[i] as number);
    } else {
      for (let i = 0; i < n; i++) result[i] = ((result[i] as number) + (x[i] as number)) & mask;
    }
  }
  return result;
}

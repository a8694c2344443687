/** Streaming modular sum: a server adds vectors as they arrive, in O(length) memory. */
import { assertBits, assertInteger, assertUint32Array } from '../_assert.js';
import { addInto, subtractInto } from './arith.js';

/**
 * A running sum mod 2^bits of equal-length vectors. Each added or subtracted vector is
 * validated (type, length, range) before the sum changes, so a bad vector never corrupts it.
 *
 * @example
 * ```ts
 * const acc = new ModularAccumulator(3, 16);
 * acc.add(Uint32Array.of(1, 2, 3)).add(Uint32Array.of(65535, 0, 0));
 * acc.count;      // 2
 * acc.snapshot(); // Uint32Array [0, 2, 3]
 * ```
 */
export class ModularAccumulator {
  /** Number of elements of every vector. */
  readonly length: number;
  /** Modulus exponent, 1..32. */
  readonly bits: number;
  readonly #sum: Uint32Array;
  #count = 0;

  /**
   * @param length vector length, integer in [0, 2^30].
   * @param bits modulus exponent, integer in 1..32.
   * @throws {SecAggError} `INVALID_TYPE` / `OUT_OF_RANGE` (length), `INVALID_BITS`.
   */
  constructor(length: number, bits: number) {
    this.length = assertInteger(length, 'length', 0, 2 ** 30);
    this.bits = assertBits(bits);
    this.#sum = new Uint32Array(length);
  }

  /** How many vectors {@link add} has added (subtractions do not change it). */
  get count(): number {
    return this.#count;
  }

  /**
   * Adds `x` mod 2^bits.
   * @throws {SecAggError} `INVALID_TYPE`, `LENGTH_MISMATCH`, `ELEMENT_OUT_OF_RANGE`.
   */
  add(x: Uint32Array): this {
    assertUint32Array(x, 'x', this.length);
    addInto(this.#sum, x, this.bits);
    this.#count++;
    return this;
  }

  /**
   * Subtracts `x` mod 2^bits (e.g. a mask to remove).
   * @throws {SecAggError} `INVALID_TYPE`, `LENGTH_MISMATCH`, `ELEMENT_OUT_OF_RANGE`.
   */
  subtract(x: Uint32Array): this {
    assertUint32Array(x, 'x', this.length);
    subtractInto(this.#sum, x, this.bits);
    return this;
  }

  /** A copy of the current sum (the accumulator keeps its own buffer private). */
  snapshot(): Uint32Array {
    return this.#sum.slice();
  }
}

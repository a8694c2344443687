/** Streaming modular sum: a server adds vectors as they arrive, in O(length) memory. */
import { assertBits, assertInteger, assertUint32Array, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
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

  /**
   * Adds another accumulator's sum into this one (and its count): two partial sums, e.g. of the
   * vectors two ingest processes received, become the sum of all of them. `other` is unchanged
   * (merging an accumulator into itself doubles it).
   *
   * @throws {SecAggError} `INVALID_TYPE` (not a ModularAccumulator), `LENGTH_MISMATCH`,
   *   `INVALID_BITS` (another modulus).
   * @example
   * ```ts
   * const a = new ModularAccumulator(2, 8).add(Uint32Array.of(200, 1));
   * const b = new ModularAccumulator(2, 8).add(Uint32Array.of(100, 2));
   * a.merge(b).snapshot(); // Uint32Array [44, 3]; a.count === 2
   * ```
   */
  merge(other: ModularAccumulator): this {
    if (!(other instanceof ModularAccumulator)) {
      throw new SecAggError('INVALID_TYPE', `other must be a ModularAccumulator, got ${describeType(other)}`);
    }
    if (other.length !== this.length) {
      throw new SecAggError('LENGTH_MISMATCH', `other has ${other.length} elements, this accumulator ${this.length}`);
    }
    if (other.bits !== this.bits) {
      throw new SecAggError('INVALID_BITS', `other sums mod 2^${other.bits}, this accumulator mod 2^${this.bits}`);
    }
    addInto(this.#sum, other.#sum, this.bits);
    this.#count += other.#count;
    return this;
  }

  /** A copy of the current sum (the accumulator keeps its own buffer private). */
  snapshot(): Uint32Array {
    return this.#sum.slice();
  }
}

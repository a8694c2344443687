/**
 * ModularAccumulator.merge: partial sums of disjoint sets of vectors merge into the sum of all of
 * them (how ingest processes hand their sums to one coordinator), whatever the split.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModularAccumulator } from '../../src/vector/index.js';
import { expectSecAggError } from '../_hostile.js';

describe('ModularAccumulator.merge', () => {
  it('any split of the vectors into partial sums merges into the sum of all of them', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 32 }),
        fc.integer({ min: 0, max: 40 }),
        fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        (bits, length, parts, salt) => {
          const mask = bits === 32 ? 0xffff_ffff : 2 ** bits - 1;
          const vectors = parts.map((_, k) => Uint32Array.from({ length }, (_, i) => (Math.imul(salt ^ (k * 7919), i + 1) >>> 0) & mask));
          const whole = new ModularAccumulator(length, bits);
          for (const v of vectors) whole.add(v);
          const partial = [0, 1, 2, 3].map(() => new ModularAccumulator(length, bits));
          vectors.forEach((v, k) => partial[parts[k] as number]?.add(v));
          const merged = partial.reduce((a, b) => a.merge(b));
          expect(merged.snapshot()).toEqual(whole.snapshot());
          expect(merged.count).toBe(vectors.length);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('leaves the other accumulator unchanged; merging into itself doubles', () => {
    const a = new ModularAccumulator(2, 8).add(Uint32Array.of(200, 1));
    const b = new ModularAccumulator(2, 8).add(Uint32Array.of(100, 2));
    expect([...a.merge(b).snapshot()]).toEqual([44, 3]);
    expect([...b.snapshot()]).toEqual([100, 2]);
    expect([...b.merge(b).snapshot()]).toEqual([200, 4]);
    expect(b.count).toBe(2);
  });

  it('refuses another length, another modulus, or something else', () => {
    const a = new ModularAccumulator(3, 8);
    expectSecAggError(() => a.merge(new ModularAccumulator(2, 8)), 'LENGTH_MISMATCH');
    expectSecAggError(() => a.merge(new ModularAccumulator(3, 9)), 'INVALID_BITS');
    for (const bad of [null, undefined, Uint32Array.of(1, 2, 3), { length: 3, bits: 8 }]) {
      expectSecAggError(() => a.merge(bad as unknown as ModularAccumulator), 'INVALID_TYPE');
    }
    expect([...a.snapshot()]).toEqual([0, 0, 0]);
  });
});

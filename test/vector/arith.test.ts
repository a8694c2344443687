import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ModularAccumulator,
  addInto,
  assertVectorInRange,
  negateInto,
  reduceInto,
  subtractInto,
  sumVectors,
} from '../../src/vector/index.js';
import { expectSecAggError } from '../_hostile.js';
import kat from '../vectors/vector-arith.json' with { type: 'json' };

const u32 = (a: readonly number[]): Uint32Array => Uint32Array.from(a);

/** A Uint32Array of elements in [0, 2^bits). */
const vectorArb = (bits: number, length: number): fc.Arbitrary<Uint32Array> =>
  fc
    .array(fc.integer({ min: 0, max: 2 ** bits - 1 }), { minLength: length, maxLength: length })
    .map((a) => Uint32Array.from(a));

const bitsArb = fc.integer({ min: 1, max: 32 });

/** bits, then `count` vectors of one common length. */
const vectorsArb = (count: number): fc.Arbitrary<{ bits: number; vs: Uint32Array[] }> =>
  fc
    .record({ bits: bitsArb, length: fc.integer({ min: 0, max: 40 }) })
    .chain(({ bits, length }) =>
      fc
        .array(vectorArb(bits, length), { minLength: count, maxLength: count })
        .map((vs) => ({ bits, vs })),
    );

describe('known answers (vector-arith.json)', () => {
  for (const c of kat.cases) {
    it(`bits = ${c.bits}`, () => {
      expect([...addInto(u32(c.a), u32(c.b), c.bits)]).toEqual(c.add);
      expect([...subtractInto(u32(c.a), u32(c.b), c.bits)]).toEqual(c.sub);
      expect([...negateInto(u32(c.a), c.bits)]).toEqual(c.neg);
      expect([...sumVectors([u32(c.a), u32(c.b), u32(c.c)], c.bits)]).toEqual(c.sum3);
      const acc = new ModularAccumulator(c.a.length, c.bits);
      acc.add(u32(c.a)).add(u32(c.b)).add(u32(c.c));
      expect([...acc.snapshot()]).toEqual(c.sum3);
      expect(acc.count).toBe(3);
    });
  }

  it('wraps at the modulus edges', () => {
    expect([...addInto(u32([0xffffffff]), u32([1]), 32)]).toEqual([0]);
    expect([...subtractInto(u32([0]), u32([1]), 32)]).toEqual([0xffffffff]);
    expect([...addInto(u32([0x7fffffff]), u32([0x7fffffff]), 31)]).toEqual([0x7ffffffe]);
    expect([...negateInto(u32([0, 1, 0x80000000]), 32)]).toEqual([0, 0xffffffff, 0x80000000]);
    expect([...reduceInto(u32([0xffffffff, 0x12345]), 16)]).toEqual([0xffff, 0x2345]);
    expect([...reduceInto(u32([0xffffffff]), 32)]).toEqual([0xffffffff]);
  });
});

describe('properties', () => {
  it('add then subtract is the identity, for every bits', () => {
    fc.assert(
      fc.property(vectorsArb(2), ({ bits, vs: [a, b] }) => {
        const acc = (a as Uint32Array).slice();
        subtractInto(addInto(acc, b as Uint32Array, bits), b as Uint32Array, bits);
        expect(acc).toEqual(a);
      }),
    );
  });

  it('x + (-x) = 0 and results stay below 2^bits', () => {
    fc.assert(
      fc.property(vectorsArb(2), ({ bits, vs: [a, b] }) => {
        const neg = negateInto((a as Uint32Array).slice(), bits);
        expect(assertVectorInRange(neg, bits)).toBe(neg);
        expect(addInto(neg, a as Uint32Array, bits).every((v) => v === 0)).toBe(true);
        assertVectorInRange(addInto((a as Uint32Array).slice(), b as Uint32Array, bits), bits);
        assertVectorInRange(subtractInto((a as Uint32Array).slice(), b as Uint32Array, bits), bits);
      }),
    );
  });

  it('sumVectors and the accumulator match a BigInt reference mod 2^bits, for every bits 1..32', () => {
    for (let bits = 1; bits <= 32; bits++) {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 6 }).chain((k) =>
            fc.integer({ min: 0, max: 12 }).chain((n) => fc.array(vectorArb(bits, n), { minLength: k, maxLength: k })),
          ),
          (vs) => {
            const m = 1n << BigInt(bits);
            const n = (vs[0] as Uint32Array).length;
            const expected = Array.from({ length: n }, (_, i) =>
              Number(vs.reduce((s, v) => s + BigInt(v[i] as number), 0n) % m),
            );
            expect([...sumVectors(vs, bits)]).toEqual(expected);
            const acc = new ModularAccumulator(n, bits);
            for (const v of vs) acc.add(v);
            expect([...acc.snapshot()]).toEqual(expected);
            const diff = Array.from({ length: n }, (_, i) =>
              Number((((BigInt(expected[i] as number) - BigInt((vs[0] as Uint32Array)[i] as number)) % m) + m) % m),
            );
            expect([...acc.subtract(vs[0] as Uint32Array).snapshot()]).toEqual(diff);
          },
        ),
        { numRuns: 20 },
      );
    }
  });

  it('check: false reads raw uint32 values mod 2^bits (and still writes reduced values)', () => {
    fc.assert(
      fc.property(
        bitsArb,
        fc.array(fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff })), { maxLength: 20 }),
        (bits, pairs) => {
          const m = 2n ** BigInt(bits);
          const a = u32(pairs.map((p) => p[0]));
          const b = u32(pairs.map((p) => p[1]));
          const add = addInto(a.slice(), b, bits, { check: false });
          const sub = subtractInto(a.slice(), b, bits, { check: false });
          const neg = negateInto(a.slice(), bits, { check: false });
          pairs.forEach(([x, y], i) => {
            expect(add[i]).toBe(Number((BigInt(x) + BigInt(y)) % m));
            expect(sub[i]).toBe(Number((((BigInt(x) - BigInt(y)) % m) + m) % m));
            expect(neg[i]).toBe(Number(((-BigInt(x) % m) + m) % m));
          });
        },
      ),
    );
  });

  it('sumVectors never changes its inputs; out may be vectors[0]', () => {
    fc.assert(
      fc.property(vectorsArb(3), ({ bits, vs }) => {
        const copies = vs.map((v) => v.slice());
        const fresh = sumVectors(vs, bits);
        expect(vs).toEqual(copies);
        const out = new Uint32Array(fresh.length).fill(7);
        expect(sumVectors(vs, bits, out)).toBe(out);
        expect(out).toEqual(fresh);
        const first = vs[0] as Uint32Array;
        expect(sumVectors(vs, bits, first)).toBe(first);
        expect(first).toEqual(fresh);
      }),
    );
  });
});

describe('range and aliasing policy', () => {
  it('rejects out-of-range inputs before writing anything', () => {
    const acc = u32([1, 2, 3]);
    expectSecAggError(() => addInto(acc, u32([0, 256, 0]), 8), 'ELEMENT_OUT_OF_RANGE');
    expect([...acc]).toEqual([1, 2, 3]);
    const bad = u32([1, 300, 3]);
    expectSecAggError(() => addInto(bad, u32([0, 0, 0]), 8), 'ELEMENT_OUT_OF_RANGE');
    expectSecAggError(() => subtractInto(acc, u32([0, 0, 8]), 3), 'ELEMENT_OUT_OF_RANGE');
    expectSecAggError(() => negateInto(u32([2]), 1), 'ELEMENT_OUT_OF_RANGE');
    expectSecAggError(() => sumVectors([u32([1]), u32([2 ** 31])], 31), 'ELEMENT_OUT_OF_RANGE');
    expectSecAggError(() => assertVectorInRange(u32([0, 0, 16]), 4, 'update'), 'ELEMENT_OUT_OF_RANGE');
    const acc2 = new ModularAccumulator(2, 4);
    acc2.add(u32([1, 1]));
    expectSecAggError(() => acc2.add(u32([1, 16])), 'ELEMENT_OUT_OF_RANGE');
    expectSecAggError(() => acc2.subtract(u32([16, 1])), 'ELEMENT_OUT_OF_RANGE');
    expect([...acc2.snapshot()]).toEqual([1, 1]);
    expect(acc2.count).toBe(1);
  });

  it('a bad element deep in a long vector leaves acc unchanged (block rollback)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 31 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.nat(),
        fc.boolean(),
        fc.boolean(),
        (bits, n, at, inAcc, add) => {
          const mask = 2 ** bits - 1;
          const acc = Uint32Array.from({ length: n }, (_, i) => (i * 2654435761) & mask);
          const x = Uint32Array.from({ length: n }, (_, i) => (i * 40503 + 7) & mask);
          const bad = at % n;
          (inAcc ? acc : x)[bad] = 2 ** bits + (at % 5);
          const before = acc.slice();
          const xBefore = x.slice();
          expectSecAggError(() => (add ? addInto : subtractInto)(acc, x, bits), 'ELEMENT_OUT_OF_RANGE');
          expect(acc).toEqual(before);
          expect(x).toEqual(xBefore);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('bits = 32 admits every uint32', () => {
    expect([...addInto(u32([0xffffffff]), u32([0xffffffff]), 32)]).toEqual([0xfffffffe]);
    assertVectorInRange(u32([0xffffffff]), 32);
  });

  it('acc may be x itself; partial overlap is refused', () => {
    const a = u32([1, 2, 3]);
    expect([...addInto(a, a, 8)]).toEqual([2, 4, 6]);
    expect([...subtractInto(a, a, 8)]).toEqual([0, 0, 0]);
    const buf = new Uint32Array(5);
    expectSecAggError(() => addInto(buf.subarray(1, 4), buf.subarray(0, 3), 8), 'OVERLAPPING_BUFFERS');
    expectSecAggError(() => subtractInto(buf.subarray(0, 3), buf.subarray(2, 5), 8), 'OVERLAPPING_BUFFERS');
    // Disjoint views of one buffer are fine.
    expect(addInto(buf.subarray(0, 2), buf.subarray(2, 4), 8)).toHaveLength(2);
    const v0 = buf.subarray(0, 2);
    expectSecAggError(() => sumVectors([v0, buf.subarray(2, 4)], 8, buf.subarray(1, 3)), 'OVERLAPPING_BUFFERS');
    expectSecAggError(() => sumVectors([v0, buf.subarray(2, 4)], 8, buf.subarray(2, 4)), 'OVERLAPPING_BUFFERS');
  });

  it('length mismatches', () => {
    expectSecAggError(() => addInto(u32([1]), u32([1, 2]), 8), 'LENGTH_MISMATCH');
    expectSecAggError(() => subtractInto(u32([1, 2]), u32([1]), 8), 'LENGTH_MISMATCH');
    expectSecAggError(() => sumVectors([u32([1]), u32([1, 2])], 8), 'LENGTH_MISMATCH');
    expectSecAggError(() => sumVectors([u32([1])], 8, new Uint32Array(2)), 'LENGTH_MISMATCH');
    expectSecAggError(() => new ModularAccumulator(2, 8).add(u32([1])), 'LENGTH_MISMATCH');
    expectSecAggError(() => new ModularAccumulator(2, 8).subtract(u32([1, 2, 3])), 'LENGTH_MISMATCH');
    expectSecAggError(() => sumVectors([], 8), 'INVALID_LENGTH');
  });

  it('the accumulator keeps its buffer private', () => {
    const acc = new ModularAccumulator(2, 8).add(u32([1, 2]));
    const s = acc.snapshot();
    s[0] = 99;
    expect([...acc.snapshot()]).toEqual([1, 2]);
    expect(acc.length).toBe(2);
    expect(acc.bits).toBe(8);
  });
});

describe('doc comment examples', () => {
  it('say what the code does', () => {
    expect([...addInto(u32([65535, 1]), u32([2, 3]), 16)]).toEqual([1, 4]);
    expect([...subtractInto(u32([1, 4]), u32([2, 3]), 16)]).toEqual([65535, 1]);
    expect([...negateInto(u32([0, 1, 5]), 4)]).toEqual([0, 15, 11]);
    expect([...reduceInto(u32([0x12345]), 16)]).toEqual([0x2345]);
    expect([...sumVectors([u32([1, 2]), u32([255, 3])], 8)]).toEqual([0, 5]);
    assertVectorInRange(u32([3, 7]), 3);
    expectSecAggError(() => assertVectorInRange(u32([8]), 3), 'ELEMENT_OUT_OF_RANGE');
    const acc = new ModularAccumulator(3, 16);
    acc.add(u32([1, 2, 3])).add(u32([65535, 0, 0]));
    expect(acc.count).toBe(2);
    expect([...acc.snapshot()]).toEqual([0, 2, 3]);
  });
});

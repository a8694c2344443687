import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addPackedInto, packBits, packedLength, unpackBits } from '../../src/protocol/bitpack.js';
import { _setSimdKernelsForTests } from '../../src/masking/_simd.js';
import { expectSecAggError, notBytes, notCounts, notNumbers } from '../_hostile.js';

/** Reference: the little-endian bytes of sum_i values[i] * 2^(i * bits), built bit by bit. */
function referencePack(values: ArrayLike<number>, bits: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((values.length * bits) / 8));
  for (let i = 0; i < values.length; i++) {
    const v = BigInt(values[i] as number);
    for (let b = 0; b < bits; b++) {
      if ((v >> BigInt(b)) & 1n) {
        const j = i * bits + b;
        out[j >> 3] = (out[j >> 3] as number) | (1 << (j & 7));
      }
    }
  }
  return out;
}

const ALL_BITS = Array.from({ length: 32 }, (_, i) => i + 1);

/** A Uint32Array of elements < 2^bits. */
const vectorArb = (bits: number, maxLength = 300): fc.Arbitrary<Uint32Array> =>
  fc
    .array(bits === 32 ? fc.nat({ max: 0xffff_ffff }) : fc.nat({ max: 2 ** bits - 1 }), { maxLength })
    .map((a) => Uint32Array.from(a));

/** Copies `bytes` to offset `shift` of a fresh buffer, to test unaligned views. */
function atOffset(bytes: Uint8Array, shift: number): Uint8Array {
  const buffer = new Uint8Array(bytes.length + shift + 3);
  buffer.set(bytes, shift);
  return buffer.subarray(shift, shift + bytes.length);
}

describe('known answers', () => {
  it('small examples', () => {
    expect(Array.from(packBits(Uint32Array.of(1, 2, 3), 2))).toEqual([0b00111001]);
    expect(Array.from(unpackBits(Uint8Array.of(0b00111001), 2, 3))).toEqual([1, 2, 3]);
    expect(Array.from(packBits(Uint32Array.of(1, 0, 1, 1, 0, 0, 0, 1, 1), 1))).toEqual([0b10001101, 0b1]);
    // 12-bit: 0xabc, 0x123 -> bytes bc 3a 12
    expect(Array.from(packBits(Uint32Array.of(0xabc, 0x123), 12))).toEqual([0xbc, 0x3a, 0x12]);
    expect(Array.from(packBits(Uint32Array.of(0x1234, 0xbeef), 16))).toEqual([0x34, 0x12, 0xef, 0xbe]);
    expect(Array.from(packBits(Uint32Array.of(0xdeadbeef), 32))).toEqual([0xef, 0xbe, 0xad, 0xde]);
    expect(Array.from(packBits(Uint32Array.of(0x7fffffff, 1), 31))).toEqual([0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00]);
    expect(packBits(new Uint32Array(0), 7).length).toBe(0);
    expect(unpackBits(new Uint8Array(0), 7, 0).length).toBe(0);
  });

  it('packedLength = ceil(n bits / 8)', () => {
    expect(packedLength(1 << 20, 16)).toBe(2 ** 21);
    expect(packedLength(3, 3)).toBe(2);
    expect(packedLength(0, 32)).toBe(0);
    expect(packedLength(0xffff_ffff, 32)).toBe(0xffff_ffff * 4);
  });
});

describe('round trips and the reference layout, every bits 1..32', () => {
  it.each(ALL_BITS)('bits = %i', (bits) => {
    fc.assert(
      fc.property(vectorArb(bits), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), (values, s1, s2) => {
        const packed = packBits(values, bits);
        expect(packed.length).toBe(Math.ceil((values.length * bits) / 8));
        expect(packed.length).toBe(packedLength(values.length, bits));
        expect(packed).toEqual(referencePack(values, bits));
        expect(unpackBits(packed, bits, values.length)).toEqual(values);
        // Unaligned input and output buffers, and unaligned source vectors.
        const out = atOffset(new Uint8Array(packed.length).fill(0xaa), s1);
        expect(packBits(values, bits, out)).toBe(out);
        expect(out).toEqual(packed);
        const unaligned = atOffset(packed, s2);
        const into = new Uint32Array(values.length).fill(7);
        expect(unpackBits(unaligned, bits, values.length, into)).toBe(into);
        expect(into).toEqual(values);
        const shiftedValues = new Uint32Array(values.length + 1).subarray(1);
        shiftedValues.set(values);
        expect(packBits(shiftedValues, bits)).toEqual(packed);
      }),
      { numRuns: 25 },
    );
  });

  it('a 2^20-element vector at 12 and 16 bits', () => {
    for (const bits of [12, 16]) {
      const n = 1 << 20;
      const values = new Uint32Array(n);
      for (let i = 0; i < n; i++) values[i] = (Math.imul(i, 2654435761) >>> 0) % 2 ** bits;
      const packed = packBits(values, bits);
      expect(packed.length).toBe((n * bits) / 8);
      const back = unpackBits(packed, bits, n);
      let mismatches = 0; // element-wise loop: toEqual on 2^20 elements takes seconds
      for (let i = 0; i < n; i++) if (back[i] !== values[i]) mismatches++;
      expect(mismatches).toBe(0);
      expect(back.length).toBe(n);
      // Spot-check the layout against the reference on a prefix.
      expect(packed.subarray(0, 3 * bits)).toEqual(referencePack(values.subarray(0, 24), bits));
    }
  });
});

describe('addPackedInto: a packed vector added straight into a running sum', () => {
  const reference = (sum: Uint32Array, x: Uint32Array, bits: number): Uint32Array =>
    sum.map((v, i) => (bits === 32 ? (v + (x[i] as number)) >>> 0 : (v + (x[i] as number)) % 2 ** bits));
  const pair = (bits: number, maxLength: number): fc.Arbitrary<[Uint32Array, Uint32Array]> =>
    vectorArb(bits, maxLength).chain((a) => fc.tuple(fc.constant(a), vectorArb(bits, a.length).map((b) => Uint32Array.from({ length: a.length }, (_, i) => b[i] ?? 0))));

  for (const kernels of ['WebAssembly folds', 'JS loops'] as const) {
    it(`equals unpack-then-add mod 2^bits for every bits 1..32, any alignment (${kernels})`, () => {
      if (kernels === 'JS loops') _setSimdKernelsForTests(null);
      try {
        for (const bits of ALL_BITS) {
          fc.assert(
            fc.property(pair(bits, 70), fc.integer({ min: 0, max: 3 }), ([sum, x], shift) => {
              const want = reference(sum, x, bits);
              addPackedInto(sum, atOffset(packBits(x, bits), shift), bits);
              expect(sum).toEqual(want);
            }),
            { numRuns: 15 },
          );
        }
      } finally {
        _setSimdKernelsForTests(undefined);
      }
    });
  }

  it('across chunk boundaries (100,003 elements at 8, 16, 24, 32 and 20 bits)', () => {
    for (const bits of [8, 16, 24, 32, 20]) {
      const n = 100_003;
      const mask = bits === 32 ? 0xffff_ffff : 2 ** bits - 1;
      const sum = Uint32Array.from({ length: n }, (_, i) => (Math.imul(i, 0x9e3779b1) >>> 0) & mask);
      const x = Uint32Array.from({ length: n }, (_, i) => (Math.imul(i + 7, 0x85ebca6b) >>> 0) & mask);
      const want = reference(sum, x, bits);
      addPackedInto(sum, packBits(x, bits), bits);
      expect(sum).toEqual(want);
    }
  });
});

describe('strict decoding', () => {
  it.each(ALL_BITS)('non-zero padding bits and wrong lengths are MALFORMED_ENCODING (bits = %i)', (bits) => {
    fc.assert(
      fc.property(vectorArb(bits, 40), (values) => {
        const packed = packBits(values, bits);
        const totalBits = values.length * bits;
        if (totalBits % 8 !== 0) {
          for (let b = totalBits % 8; b < 8; b++) {
            const bad = Uint8Array.from(packed);
            bad[bad.length - 1] = (bad[bad.length - 1] as number) | (1 << b);
            expectSecAggError(() => unpackBits(bad, bits, values.length), 'MALFORMED_ENCODING');
          }
        }
        expectSecAggError(() => unpackBits(Uint8Array.from([...packed, 0]), bits, values.length), 'MALFORMED_ENCODING');
        if (packed.length > 0) {
          expectSecAggError(() => unpackBits(packed.subarray(1), bits, values.length), 'MALFORMED_ENCODING');
        }
        expectSecAggError(() => unpackBits(packed, bits, values.length + 8), 'MALFORMED_ENCODING');
      }),
      { numRuns: 10 },
    );
  });

  it('random bytes of the right length either decode to a vector that re-encodes to them, or fail', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 0, max: 50 }), fc.uint8Array({ maxLength: 200 }), (bits, n, noise) => {
        const len = Math.ceil((n * bits) / 8);
        const bytes = new Uint8Array(len);
        bytes.set(noise.subarray(0, len));
        let decoded: Uint32Array;
        try {
          decoded = unpackBits(bytes, bits, n);
        } catch (e) {
          expect((e as { code?: string }).code).toBe('MALFORMED_ENCODING');
          return;
        }
        expect(packBits(decoded, bits)).toEqual(bytes);
      }),
    );
  });
});

describe('hostile inputs', () => {
  it('packBits', () => {
    for (const bad of notBytes) {
      if (bad instanceof Uint32Array) continue;
      expectSecAggError(() => packBits(bad as Uint32Array, 8), 'INVALID_TYPE');
    }
    expectSecAggError(() => packBits(new Int32Array(4) as never, 8), 'INVALID_TYPE');
    expectSecAggError(() => packBits(new Float64Array(4) as never, 8), 'INVALID_TYPE');
    for (const bad of [...notNumbers, 0, 33, 1.5, -1]) {
      expectSecAggError(() => packBits(new Uint32Array(4), bad as number), 'INVALID_BITS');
    }
    for (const bad of notBytes) {
      if (bad !== undefined) expectSecAggError(() => packBits(new Uint32Array(4), 8, bad as Uint8Array), 'INVALID_TYPE');
    }
    expectSecAggError(() => packBits(new Uint32Array(4), 8, new Uint8Array(3)), 'INVALID_LENGTH');
    expectSecAggError(() => packBits(new Uint32Array(4), 8, new Uint8Array(5)), 'INVALID_LENGTH');
    for (const bits of ALL_BITS.slice(0, 31)) {
      const values = new Uint32Array(9);
      values[5] = 2 ** bits;
      expectSecAggError(() => packBits(values, bits), 'ELEMENT_OUT_OF_RANGE');
      values[5] = 0xffff_ffff;
      expectSecAggError(() => packBits(values, bits), 'ELEMENT_OUT_OF_RANGE');
    }
  });

  it('unpackBits', () => {
    for (const bad of notBytes) expectSecAggError(() => unpackBits(bad as Uint8Array, 8, 4), 'INVALID_TYPE');
    for (const bad of [...notNumbers, 0, 33]) expectSecAggError(() => unpackBits(new Uint8Array(4), bad as number, 4), 'INVALID_BITS');
    for (const bad of notCounts) expectSecAggError(() => unpackBits(new Uint8Array(4), 8, bad as number));
    expectSecAggError(() => unpackBits(new Uint8Array(4), 8, 2 ** 32), 'OUT_OF_RANGE');
    expectSecAggError(() => unpackBits(new Uint8Array(4), 8, 4, new Uint32Array(3)), 'LENGTH_MISMATCH');
    expectSecAggError(() => unpackBits(new Uint8Array(4), 8, 4, new Uint32Array(5)), 'LENGTH_MISMATCH');
    for (const bad of [new Int32Array(4), new Uint8Array(4), [0, 0, 0, 0], 'out']) {
      expectSecAggError(() => unpackBits(new Uint8Array(4), 8, 4, bad as never), 'INVALID_TYPE');
    }
  });

  it('packedLength', () => {
    expectSecAggError(() => packedLength(4, 0), 'INVALID_BITS');
    for (const bad of notCounts) expectSecAggError(() => packedLength(bad as number, 8));
  });
});

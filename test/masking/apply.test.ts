import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  addMaskInto,
  applyMasksInto,
  deriveMaskKey,
  expandMask,
  MAX_MASK_ELEMENTS,
  subtractMaskInto,
  type MaskBackend,
  type MaskTerm,
} from '../../src/masking/index.js';
import { _setSimdKernelsForTests, chachaModuleBytes, moduleBytes, simdKernels } from '../../src/masking/_simd.js';
import { SPAN_WORDS } from '../../src/masking/_stream.js';
import { expectSecAggError, notBytes, notNumbers } from '../_hostile.js';
import { expectSameWords, firstOutOfRange, runs } from './_helpers.js';

const CHUNK_WORDS = 16_384;
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const backend = fc.constantFrom<MaskBackend>('native', 'portable');
const sign = fc.constantFrom<1 | -1>(1, -1);
const length = fc.oneof(
  fc.integer({ min: 0, max: 70 }),
  fc.integer({ min: 0, max: CHUNK_WORDS + 40 }),
  fc.constantFrom(15, 16, 17, CHUNK_WORDS - 1, CHUNK_WORDS + 1),
);
const offset = fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: MAX_MASK_ELEMENTS - 2 * CHUNK_WORDS }));

/** The reference: one addMaskInto / subtractMaskInto per term, in order. */
function oneByOne(target: Uint32Array, terms: readonly MaskTerm[], bits: number, o: number, b: MaskBackend): Uint32Array {
  for (const t of terms) {
    const opts = { key: t.key as Uint8Array, bits, offset: o, backend: b };
    if (t.sign === 1) addMaskInto(target, opts);
    else subtractMaskInto(target, opts);
  }
  return target;
}

function startVector(n: number, bits: number): Uint32Array {
  return expandMask({ key: new Uint8Array(32).fill(9), bits, length: n }); // any vector below 2^bits
}

afterEach(() => _setSimdKernelsForTests(undefined));

describe('applyMasksInto', () => {
  it('equals one add or subtract per term, in any order of signs, at any offset', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: bytes32, sign }), { maxLength: 6 }),
        length,
        offset,
        fc.integer({ min: 1, max: 32 }),
        backend,
        (terms, n, o, bits, b) => {
          const want = oneByOne(startVector(n, bits), terms, bits, o, b);
          const got = applyMasksInto(startVector(n, bits), terms, { bits, offset: o, backend: b });
          expectSameWords(got, want);
          expect(firstOutOfRange(got, bits)).toBe(-1);
        },
      ),
      { numRuns: runs(0.3) },
    );
  });

  it('pairwise masks cancel: +m and -m of the same key leave the target unchanged', () => {
    fc.assert(
      fc.property(fc.array(bytes32, { minLength: 1, maxLength: 5 }), length, fc.integer({ min: 1, max: 32 }), (keys, n, bits) => {
        const x = startVector(n, bits);
        const terms: MaskTerm[] = [...keys.map((key) => ({ key, sign: 1 as const })), ...keys.map((key) => ({ key, sign: -1 as const }))];
        expectSameWords(applyMasksInto(Uint32Array.from(x), terms, { bits }), x);
      }),
      { numRuns: runs(0.2) },
    );
  });

  it('crosses span boundaries (vectors longer than one span), seed and key forms alike', () => {
    const seed = new Uint8Array(32).fill(1);
    const sessionId = new Uint8Array(32).fill(2);
    const n = 2 * SPAN_WORDS + 37;
    const terms: MaskTerm[] = [
      { seed, sessionId, label: 'b/x', sign: 1 },
      { key: deriveMaskKey(seed, sessionId, 's/1/2/x'), sign: -1 },
      { key: new Uint8Array(32).fill(3), sign: 1 },
    ];
    for (const b of ['native', 'portable'] as const) {
      const keyed = terms.map((t) => ({ key: t.key ?? deriveMaskKey(seed, sessionId, 'b/x'), sign: t.sign }));
      const want = oneByOne(startVector(n, 24), keyed, 24, 5, b);
      expectSameWords(applyMasksInto(startVector(n, 24), terms, { bits: 24, offset: 5, backend: b }), want);
    }
  });

  it('a key that lives in the target\'s own buffer is read before the target changes', () => {
    const n = SPAN_WORDS + 100; // two spans: the key would be re-read after the first is written
    for (const b of ['native', 'portable'] as const) {
      const target = startVector(n, 32);
      const before = Uint32Array.from(target);
      const alias = new Uint8Array(target.buffer, 0, 32);
      const key = Uint8Array.from(alias);
      applyMasksInto(target, [{ key: alias, sign: 1 }], { bits: 32, backend: b });
      expectSameWords(target, addMaskInto(before, { key, bits: 32, backend: b }));
      const target2 = startVector(n, 32);
      const before2 = Uint32Array.from(target2);
      addMaskInto(target2, { key: new Uint8Array(target2.buffer, 4, 32), bits: 32, backend: b });
      expectSameWords(target2, addMaskInto(before2, { key: new Uint8Array(before2.buffer, 4, 32).slice(), bits: 32, backend: b }));
    }
  });

  it('empty terms or an empty target change nothing', () => {
    const x = startVector(100, 16);
    expectSameWords(applyMasksInto(Uint32Array.from(x), [], { bits: 16 }), x);
    expect(applyMasksInto(new Uint32Array(0), [{ key: new Uint8Array(32), sign: 1 }], { bits: 16 }).length).toBe(0);
  });

  it('validates every term before writing anything', () => {
    const x = startVector(50, 16);
    const target = Uint32Array.from(x);
    const good: MaskTerm = { key: new Uint8Array(32).fill(4), sign: 1 };
    expectSecAggError(() => applyMasksInto(target, [good, { key: new Uint8Array(31), sign: 1 }], { bits: 16 }), 'INVALID_LENGTH');
    expectSecAggError(() => applyMasksInto(target, [good, { key: new Uint8Array(32), sign: 0 as never }], { bits: 16 }), 'INVALID_TYPE');
    expectSecAggError(() => applyMasksInto(target, [good, { ...good, label: 'x' } as never], { bits: 16 }), 'UNKNOWN_OPTION');
    expectSameWords(target, x);
  });

  it('rejects hostile targets, term lists, terms and options', () => {
    const good: MaskTerm = { key: new Uint8Array(32).fill(4), sign: -1 };
    const t = new Uint32Array(4);
    for (const v of [undefined, null, 3, new Int32Array(4), [1, 2], new Uint8Array(16)]) {
      expectSecAggError(() => applyMasksInto(v as never, [good], { bits: 16 }), 'INVALID_TYPE');
    }
    for (const v of [undefined, null, 3, 'abc', good, new Set([good])]) {
      expectSecAggError(() => applyMasksInto(t, v as never, { bits: 16 }), 'INVALID_TYPE');
    }
    for (const v of [undefined, null, 3, 'x', [good]]) {
      expectSecAggError(() => applyMasksInto(t, [v as never], { bits: 16 }), 'INVALID_TYPE');
    }
    for (const v of notBytes) {
      if (v !== undefined) expectSecAggError(() => applyMasksInto(t, [{ key: v as never, sign: 1 }], { bits: 16 }), 'INVALID_TYPE');
    }
    for (const s of [undefined, null, 2, '1', 1n, Number.NaN, true]) {
      expectSecAggError(() => applyMasksInto(t, [{ key: good.key, sign: s as never }], { bits: 16 }), 'INVALID_TYPE');
    }
    for (const v of [undefined, null, 3, 'x', [1]]) expectSecAggError(() => applyMasksInto(t, [good], v as never), 'INVALID_TYPE');
    for (const v of notNumbers) expectSecAggError(() => applyMasksInto(t, [good], { bits: v as never }));
    expectSecAggError(() => applyMasksInto(t, [good], { bits: 33 }), 'INVALID_BITS');
    expectSecAggError(() => applyMasksInto(t, [good], { bits: 16, bitz: 1 } as never), 'UNKNOWN_OPTION');
    expectSecAggError(() => applyMasksInto(t, [good], { bits: 16, offset: MAX_MASK_ELEMENTS - 3 }), 'OUT_OF_RANGE');
    expectSecAggError(() => applyMasksInto(t, [good], { bits: 16, offset: -1 }), 'OUT_OF_RANGE');
    expectSecAggError(() => applyMasksInto(t, [good], { bits: 16, backend: 'wasm' as never }), 'INVALID_TYPE');
    expectSecAggError(() => applyMasksInto(t, [{ seed: new Uint8Array(32), sessionId: new Uint8Array(32), label: '', sign: 1 }], { bits: 16 }), 'INVALID_LABEL');
  });
});

describe('WebAssembly SIMD kernels', () => {
  it('assemble into valid modules under 4 KB each (a browser page compiles them synchronously) that load here', () => {
    for (const bytes of [moduleBytes(), chachaModuleBytes()]) {
      expect(WebAssembly.validate(bytes)).toBe(true);
      expect(bytes.length).toBeLessThanOrEqual(4096);
    }
    expect(simdKernels()).not.toBeNull();
    expect(simdKernels()?.chacha20).not.toBeNull();
  });

  it('the SIMD ChaCha20 gives the portable backend the same masks as @noble/ciphers and OpenSSL', () => {
    fc.assert(
      fc.property(bytes32, length, offset, fc.integer({ min: 1, max: 32 }), (key, n, o, bits) => {
        const terms: MaskTerm[] = [{ key, sign: 1 }];
        const simd = applyMasksInto(startVector(n, bits), terms, { bits, offset: o, backend: 'portable' });
        const native = applyMasksInto(startVector(n, bits), terms, { bits, offset: o, backend: 'native' });
        _setSimdKernelsForTests('without-chacha20');
        const noble = applyMasksInto(startVector(n, bits), terms, { bits, offset: o, backend: 'portable' });
        _setSimdKernelsForTests(undefined);
        expectSameWords(simd, noble);
        expectSameWords(simd, native);
      }),
      { numRuns: runs(0.2) },
    );
  });

  it('give the same masks as the JS loops, for every operation', () => {
    fc.assert(
      fc.property(bytes32, bytes32, length, offset, fc.integer({ min: 1, max: 32 }), backend, (k1, k2, n, o, bits, b) => {
        const terms: MaskTerm[] = [
          { key: k1, sign: 1 },
          { key: k2, sign: -1 },
        ];
        const run = (): Uint32Array[] => [
          expandMask({ key: k1, bits, length: n, offset: o, backend: b }),
          addMaskInto(startVector(n, bits), { key: k1, bits, offset: o, backend: b }),
          subtractMaskInto(startVector(n, bits), { key: k2, bits, offset: o, backend: b }),
          applyMasksInto(startVector(n, bits), terms, { bits, offset: o, backend: b }),
        ];
        const simd = run();
        _setSimdKernelsForTests(null);
        const js = run();
        _setSimdKernelsForTests(undefined);
        simd.forEach((v, i) => expectSameWords(v, js[i] as Uint32Array));
      }),
      { numRuns: runs(0.2) },
    );
  });

  it('agree with the JS loops across spans and chunk edges at every element width', () => {
    const terms: MaskTerm[] = [
      { key: new Uint8Array(32).fill(5), sign: 1 },
      { key: new Uint8Array(32).fill(6), sign: -1 },
    ];
    for (const bits of [7, 8, 12, 16, 20, 24, 31, 32]) {
      for (const [n, o] of [
        [2 * SPAN_WORDS + 37, 3],
        [65_536 + 1, 65_535],
      ] as const) {
        for (const b of ['native', 'portable'] as const) {
          const simd = applyMasksInto(startVector(n, bits), terms, { bits, offset: o, backend: b });
          _setSimdKernelsForTests(null);
          const js = applyMasksInto(startVector(n, bits), terms, { bits, offset: o, backend: b });
          _setSimdKernelsForTests(undefined);
          expectSameWords(simd, js);
        }
      }
    }
  });

  it('leave no keystream or target data in their memory after a call', () => {
    const k = simdKernels();
    if (k === null) throw new Error('no kernels');
    const x = startVector(3000, 32);
    applyMasksInto(x, [{ key: new Uint8Array(32).fill(8), sign: 1 }], { bits: 32, offset: 3 });
    expect(new Uint8Array(k.memory.buffer).every((byte) => byte === 0)).toBe(true);
  });
});

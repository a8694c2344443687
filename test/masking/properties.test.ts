import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addMaskInto,
  deriveMaskKey,
  expandMask,
  MAX_MASK_ELEMENTS,
  subtractMaskInto,
  type MaskBackend,
} from '../../src/masking/index.js';
import { expectSameWords, firstOutOfRange, runs } from './_helpers.js';

const CHUNK_WORDS = 16_384; // keystream words per internal 64 KiB chunk
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const bits = fc.integer({ min: 1, max: 32 });
const backend = fc.constantFrom<MaskBackend>('native', 'portable');
const label = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 });

/** Lengths biased to block and chunk edges, up to a bit more than two chunks. */
const length = fc.oneof(
  fc.integer({ min: 0, max: 70 }),
  fc.integer({ min: 0, max: 2 * CHUNK_WORDS + 40 }),
  fc.constantFrom(15, 16, 17, CHUNK_WORDS - 1, CHUNK_WORDS, CHUNK_WORDS + 1),
);
/** Offsets near the start, at arbitrary places, and near the end of the stream. */
const offset = fc.oneof(
  fc.integer({ min: 0, max: 3 * CHUNK_WORDS }),
  fc.integer({ min: 0, max: MAX_MASK_ELEMENTS }),
  fc.integer({ min: MAX_MASK_ELEMENTS - 3 * CHUNK_WORDS, max: MAX_MASK_ELEMENTS }),
);
/** A slice [offset, offset + length) inside the stream. */
const slice = fc.tuple(offset, length).map(([o, n]) => ({ offset: Math.min(o, MAX_MASK_ELEMENTS - n), length: n }));

/** A vector of elements below 2^bits. */
function vectorFor(b: number, n: number): fc.Arbitrary<Uint32Array> {
  const max = 2 ** b - 1;
  return fc.oneof(
    fc.constant(new Uint32Array(n)),
    fc.constant(new Uint32Array(n).fill(max)),
    fc.array(fc.integer({ min: 0, max }), { minLength: n, maxLength: n }).map((a) => Uint32Array.from(a)),
  );
}

describe('mask properties', () => {
  it('native and portable backends give identical masks', () => {
    fc.assert(
      fc.property(bytes32, slice, bits, (key, { offset: o, length: n }, b) => {
        const native = expandMask({ key, bits: b, offset: o, length: n, backend: 'native' });
        const portable = expandMask({ key, bits: b, offset: o, length: n, backend: 'portable' });
        expectSameWords(native, portable);
      }),
      { numRuns: runs(0.6) },
    );
  });

  it('native and portable agree on addMaskInto and subtractMaskInto too', () => {
    fc.assert(
      fc.property(bytes32, bytes32, label, slice, bits, (seed, sessionId, l, { offset: o, length: n }, b) => {
        const opts = { seed, sessionId, label: l, bits: b, offset: o };
        const start = expandMask({ key: seed, bits: b, length: n }); // any vector below 2^bits
        const a = addMaskInto(Uint32Array.from(start), { ...opts, backend: 'native' });
        const p = addMaskInto(Uint32Array.from(start), { ...opts, backend: 'portable' });
        expectSameWords(a, p);
        expectSameWords(subtractMaskInto(a, { ...opts, backend: 'portable' }), start);
        expectSameWords(subtractMaskInto(p, { ...opts, backend: 'native' }), start);
      }),
      { numRuns: runs(0.4) },
    );
  });

  it('every element is below 2^bits: its ceil(bits / 8) keystream bytes, little-endian, mod 2^bits', () => {
    fc.assert(
      fc.property(bytes32, bits, backend, fc.integer({ min: 0, max: 5000 }), (key, b, be, o) => {
        const n = 300;
        const m = expandMask({ key, bits: b, length: n, offset: o, backend: be });
        expect(firstOutOfRange(m, b)).toBe(-1);
        // The raw keystream bytes, read through 32-bit elements (bits = 32 keeps whole words).
        const w = Math.ceil(b / 8);
        const firstWord = Math.floor((w * o) / 4);
        const words = expandMask({ key, bits: 32, length: Math.ceil((w * n) / 4) + 1, offset: firstWord, backend: be });
        const bytes = new Uint8Array(Uint32Array.from(words).buffer); // little-endian hosts
        const base = w * o - 4 * firstWord;
        const want = new Uint32Array(n);
        for (let i = 0; i < n; i++) {
          let v = 0;
          for (let j = 0; j < w; j++) v += (bytes[base + w * i + j] as number) * 2 ** (8 * j);
          want[i] = v % 2 ** b;
        }
        expectSameWords(m, want);
      }),
    );
  });

  it('slices of the stream concatenate to the whole', () => {
    fc.assert(
      fc.property(
        bytes32,
        bits,
        backend,
        fc.integer({ min: 0, max: 2 * CHUNK_WORDS }),
        fc.array(fc.integer({ min: 0, max: CHUNK_WORDS + 20 }), { minLength: 1, maxLength: 5 }),
        (key, b, be, start, parts) => {
          const total = parts.reduce((x, y) => x + y, 0);
          const whole = expandMask({ key, bits: b, offset: start, length: total, backend: be });
          const joined = new Uint32Array(total);
          let at = 0;
          for (const n of parts) {
            const out = joined.subarray(at, at + n);
            expect(expandMask({ key, bits: b, offset: start + at, length: n, backend: be, out })).toBe(out);
            at += n;
          }
          expectSameWords(joined, whole);
        },
      ),
      { numRuns: runs(0.4) },
    );
  });

  it('adding then subtracting the same mask is the identity, for any bits and offset', () => {
    fc.assert(
      fc.property(
        bytes32,
        bytes32,
        label,
        bits.chain((b) => fc.tuple(fc.constant(b), fc.integer({ min: 0, max: 600 }).chain((n) => vectorFor(b, n)))),
        offset,
        backend,
        backend,
        (seed, sessionId, l, [b, x], o, addWith, subWith) => {
          const off = Math.min(o, MAX_MASK_ELEMENTS - x.length);
          const y = Uint32Array.from(x);
          addMaskInto(y, { seed, sessionId, label: l, bits: b, offset: off, backend: addWith });
          expect(firstOutOfRange(y, b)).toBe(-1);
          subtractMaskInto(y, { seed, sessionId, label: l, bits: b, offset: off, backend: subWith });
          expectSameWords(y, x);
        },
      ),
    );
  });

  it('addMaskInto adds element-wise mod 2^bits: expandMask equals addMaskInto into zeros', () => {
    fc.assert(
      fc.property(bytes32, bits, backend, slice, fc.integer({ min: 0, max: 2 ** 32 - 1 }), (key, b, be, s, fillWith) => {
        const n = Math.min(s.length, 3000);
        const m = expandMask({ key, bits: b, offset: s.offset, length: n, backend: be });
        expectSameWords(addMaskInto(new Uint32Array(n), { key, bits: b, offset: s.offset, backend: be }), m);
        // On a non-zero vector: (x + m) mod 2^bits, element by element.
        const x = new Uint32Array(n).fill(fillWith % 2 ** b);
        addMaskInto(x, { key, bits: b, offset: s.offset, backend: be });
        expectSameWords(x, m.map((e) => ((fillWith % 2 ** b) + e) % 2 ** b));
      }),
      { numRuns: runs(0.5) },
    );
  });

  it('masking a vector piecewise (subarrays at matching offsets) equals masking it whole', () => {
    fc.assert(
      fc.property(
        bytes32,
        bits,
        backend,
        fc.integer({ min: 0, max: 5000 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (key, b, be, start, parts, subtract) => {
          const total = parts.reduce((x, y) => x + y, 0);
          const x = expandMask({ key: key.map((v) => v ^ 0xff), bits: b, length: total }); // any data
          const whole = Uint32Array.from(x);
          const apply = subtract ? subtractMaskInto : addMaskInto;
          apply(whole, { key, bits: b, offset: start, backend: be });
          const pieces = Uint32Array.from(x);
          let at = 0;
          for (const n of parts) {
            const view = pieces.subarray(at, at + n);
            expect(apply(view, { key, bits: b, offset: start + at, backend: be })).toBe(view);
            at += n;
          }
          expectSameWords(pieces, whole);
        },
      ),
      { numRuns: runs(0.4) },
    );
  });

  it('the seed form equals the key form with deriveMaskKey', () => {
    fc.assert(
      fc.property(bytes32, bytes32, label, bits, fc.integer({ min: 0, max: 1000 }), (seed, sessionId, l, b, o) => {
        const key = deriveMaskKey(seed, sessionId, l);
        expect(key.length).toBe(32);
        expectSameWords(
          expandMask({ seed, sessionId, label: l, bits: b, offset: o, length: 40 }),
          expandMask({ key, bits: b, offset: o, length: 40 }),
        );
      }),
    );
  });

  it('different labels, sessions or seeds give unrelated keys', () => {
    fc.assert(
      fc.property(bytes32, bytes32, label, label, (seed, sessionId, l1, l2) => {
        fc.pre(l1 !== l2);
        expect(deriveMaskKey(seed, sessionId, l1)).not.toEqual(deriveMaskKey(seed, sessionId, l2));
        const other = Uint8Array.from(sessionId, (v, i) => (i === 0 ? v ^ 1 : v));
        expect(deriveMaskKey(seed, sessionId, l1)).not.toEqual(deriveMaskKey(seed, other, l1));
        expect(deriveMaskKey(sessionId, seed, l1)).not.toEqual(deriveMaskKey(seed, sessionId, l1));
      }),
    );
  });

  it('inputs are not modified and the key is not aliased', () => {
    const seed = new Uint8Array(32).fill(1);
    const sessionId = new Uint8Array(32).fill(2);
    const key = deriveMaskKey(seed, sessionId, 'x');
    const keyCopy = Uint8Array.from(key);
    const m1 = expandMask({ key, bits: 32, length: 100 });
    expect(key).toEqual(keyCopy);
    expect(seed).toEqual(new Uint8Array(32).fill(1));
    expect(sessionId).toEqual(new Uint8Array(32).fill(2));
    key.fill(0); // the caller owns the key: wiping it changes later masks, not earlier ones
    expect(expandMask({ key: keyCopy, bits: 32, length: 100 })).toEqual(m1);
    expect(deriveMaskKey(seed, sessionId, 'x')).toEqual(keyCopy);
  });
});

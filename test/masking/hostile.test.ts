import { describe, expect, it } from 'vitest';
import {
  addMaskInto,
  deriveMaskKey,
  expandMask,
  MAX_MASK_ELEMENTS,
  subtractMaskInto,
} from '../../src/masking/index.js';
import { expectSecAggError, notBytes, notCounts, notNumbers } from '../_hostile.js';

const seed = new Uint8Array(32).fill(5);
const sessionId = new Uint8Array(32).fill(6);
const key = new Uint8Array(32).fill(7);
const good = { seed, sessionId, label: 'b', bits: 16 } as const;

/** Calls every public mask function with `options` (and a small target where one is needed). */
const forms: Record<string, (options: Record<string, unknown>) => unknown> = {
  expandMask: (o) => expandMask({ length: 4, ...o } as never),
  addMaskInto: (o) => addMaskInto(new Uint32Array(4), o as never),
  subtractMaskInto: (o) => subtractMaskInto(new Uint32Array(4), o as never),
};
const formNames = Object.keys(forms);

/** Labels that must be rejected, with the code. */
const badLabels: [unknown, string][] = [
  ['', 'INVALID_LABEL'],
  ['x'.repeat(256), 'INVALID_LABEL'],
  ['\u00e9'.repeat(128), 'INVALID_LABEL'], // 256 UTF-8 bytes from 128 characters
  ['a\ud800b', 'INVALID_LABEL'], // lone high surrogate
  ['\udc00', 'INVALID_LABEL'], // lone low surrogate
  [undefined, 'INVALID_TYPE'],
  [null, 'INVALID_TYPE'],
  [7, 'INVALID_TYPE'],
  [new Uint8Array(3), 'INVALID_TYPE'],
  [new String('b'), 'INVALID_TYPE'],
];

describe('hostile inputs', () => {
  describe.each(formNames)('%s', (name) => {
    const call = forms[name] as (o: Record<string, unknown>) => unknown;

    it('accepts the good options (sanity)', () => {
      expect(() => call({ ...good })).not.toThrow();
      expect(() => call({ key, bits: 16, offset: 3, backend: 'portable' })).not.toThrow();
    });

    it('rejects options that are not an object', () => {
      for (const o of [undefined, null, 3, 'x', [good], true]) {
        expectSecAggError(() => (name === 'expandMask' ? expandMask(o as never) : call(o as never)), 'INVALID_TYPE');
      }
    });

    it('rejects unknown options and key mixed with seed fields', () => {
      expectSecAggError(() => call({ ...good, bitz: 3 }), 'UNKNOWN_OPTION');
      expectSecAggError(() => call({ ...good, nonce: new Uint8Array(12) }), 'UNKNOWN_OPTION');
      expectSecAggError(() => call({ ...good, key }), 'UNKNOWN_OPTION');
      expectSecAggError(() => call({ key, bits: 8, label: 'b' }), 'UNKNOWN_OPTION');
      expectSecAggError(() => call({ key, bits: 8, seed }), 'UNKNOWN_OPTION');
    });

    it('rejects seeds, session ids and keys that are not 32-byte Uint8Arrays', () => {
      for (const v of notBytes) {
        expectSecAggError(() => call({ ...good, seed: v }), 'INVALID_TYPE');
        expectSecAggError(() => call({ ...good, sessionId: v }), 'INVALID_TYPE');
        if (v !== undefined) expectSecAggError(() => call({ key: v, bits: 8 }), 'INVALID_TYPE');
      }
      for (const n of [0, 16, 31, 33, 64]) {
        expectSecAggError(() => call({ ...good, seed: new Uint8Array(n) }), 'INVALID_LENGTH');
        expectSecAggError(() => call({ ...good, sessionId: new Uint8Array(n) }), 'INVALID_LENGTH');
        if (n !== 0) expectSecAggError(() => call({ key: new Uint8Array(n), bits: 8 }), 'INVALID_LENGTH');
      }
      // A key of undefined means "seed form", which then lacks its seed.
      expectSecAggError(() => call({ key: undefined, bits: 8 }), 'INVALID_TYPE');
    });

    it('rejects bad labels', () => {
      for (const [label, code] of badLabels) expectSecAggError(() => call({ ...good, label }), code as never);
    });

    it('rejects bits outside 1..32', () => {
      for (const bits of [...notNumbers, 0, 33, -1, 1.5, 64]) {
        expectSecAggError(() => call({ ...good, bits }), 'INVALID_BITS');
      }
    });

    it('rejects offsets that are not safe non-negative integers or run past the stream', () => {
      for (const offset of notCounts) {
        if (offset === undefined) continue; // omitted: defaults to 0
        expectSecAggError(() => call({ ...good, offset }));
      }
      expectSecAggError(() => call({ ...good, offset: -1 }), 'OUT_OF_RANGE');
      expectSecAggError(() => call({ ...good, offset: 0.5 }), 'OUT_OF_RANGE');
      expectSecAggError(() => call({ ...good, offset: Number.NaN }), 'OUT_OF_RANGE');
      expectSecAggError(() => call({ ...good, offset: '3' }), 'INVALID_TYPE');
      expectSecAggError(() => call({ ...good, offset: MAX_MASK_ELEMENTS - 3 }), 'OUT_OF_RANGE');
      expectSecAggError(() => call({ ...good, offset: MAX_MASK_ELEMENTS + 1 }), 'OUT_OF_RANGE');
      expect(() => call({ ...good, offset: MAX_MASK_ELEMENTS - 4 })).not.toThrow();
    });

    it('rejects backends other than native and portable', () => {
      for (const backend of ['wasm', 'Native', '', null, 1, {}]) {
        expectSecAggError(() => call({ ...good, backend }), 'INVALID_TYPE');
      }
    });
  });

  describe('expandMask length and out', () => {
    it('rejects lengths that are not safe non-negative integers or run past the stream', () => {
      for (const length of notCounts) expectSecAggError(() => expandMask({ ...good, length } as never));
      expectSecAggError(() => expandMask({ ...good, length: -1 }), 'OUT_OF_RANGE');
      expectSecAggError(() => expandMask({ ...good, length: undefined } as never), 'INVALID_TYPE');
      expectSecAggError(() => expandMask({ ...good, length: MAX_MASK_ELEMENTS + 1 }), 'OUT_OF_RANGE');
      expectSecAggError(() => expandMask({ ...good, length: 2, offset: MAX_MASK_ELEMENTS - 1 }), 'OUT_OF_RANGE');
      expect(expandMask({ ...good, length: 0, offset: MAX_MASK_ELEMENTS })).toEqual(new Uint32Array(0));
      expect(expandMask({ ...good, length: 1, offset: MAX_MASK_ELEMENTS - 1 }).length).toBe(1);
    });

    it('rejects an out buffer of the wrong type or length', () => {
      for (const out of [...notBytes.filter((v) => v !== undefined), new Uint8Array(16), new Int32Array(4), new Float32Array(4)]) {
        expectSecAggError(() => expandMask({ ...good, length: 4, out } as never), 'INVALID_TYPE');
      }
      expectSecAggError(() => expandMask({ ...good, length: 4, out: new Uint32Array(5) }), 'LENGTH_MISMATCH');
      expectSecAggError(() => expandMask({ ...good, length: 4, out: new Uint32Array(3) }), 'LENGTH_MISMATCH');
    });
  });

  describe('addMaskInto / subtractMaskInto targets', () => {
    for (const fn of [addMaskInto, subtractMaskInto]) {
      it(`${fn.name} rejects targets that are not Uint32Arrays`, () => {
        for (const t of [...notBytes, new Uint8Array(4), new Int32Array(4), new Float64Array(4), Array.of(1, 2)]) {
          expectSecAggError(() => fn(t as never, { ...good }), 'INVALID_TYPE');
        }
      });

      it(`${fn.name} leaves the target untouched when any option is bad`, () => {
        const t = Uint32Array.of(1, 2, 3, 4);
        expectSecAggError(() => fn(t, { ...good, seed: new Uint8Array(31) }), 'INVALID_LENGTH');
        expectSecAggError(() => fn(t, { ...good, backend: 'gpu' } as never), 'INVALID_TYPE');
        expectSecAggError(() => fn(t, { ...good, label: '' }), 'INVALID_LABEL');
        expectSecAggError(() => fn(t, { ...good, offset: MAX_MASK_ELEMENTS - 3 }), 'OUT_OF_RANGE');
        expect(Array.from(t)).toEqual([1, 2, 3, 4]);
      });

      it(`${fn.name} reads target elements mod 2^bits and always writes reduced elements`, () => {
        const t = Uint32Array.of(0xffffffff, 0x10000, 0x1ffff, 5);
        const m = expandMask({ ...good, length: 4 });
        fn(t, { ...good });
        const sign = fn === addMaskInto ? 1 : -1;
        const want = [0xffff, 0, 0xffff, 5].map((x, i) => (((x + sign * (m[i] as number)) % 65536) + 65536) % 65536);
        expect(Array.from(t)).toEqual(want);
      });
    }

    it('an empty target is fine at any valid offset, including the end of the stream', () => {
      const t = new Uint32Array(0);
      expect(addMaskInto(t, { ...good, offset: MAX_MASK_ELEMENTS })).toBe(t);
      expect(subtractMaskInto(t, { key, bits: 1, offset: 0 })).toBe(t);
    });
  });

  describe('deriveMaskKey', () => {
    it('rejects seeds and session ids that are not 32-byte Uint8Arrays', () => {
      for (const v of notBytes) {
        expectSecAggError(() => deriveMaskKey(v as never, sessionId, 'b'), 'INVALID_TYPE');
        expectSecAggError(() => deriveMaskKey(seed, v as never, 'b'), 'INVALID_TYPE');
      }
      expectSecAggError(() => deriveMaskKey(new Uint8Array(31), sessionId, 'b'), 'INVALID_LENGTH');
      expectSecAggError(() => deriveMaskKey(seed, new Uint8Array(33), 'b'), 'INVALID_LENGTH');
    });

    it('rejects bad labels, and a rejected label does not disturb the next derivation', () => {
      const before = deriveMaskKey(seed, sessionId, 'b');
      for (const [label, code] of badLabels) expectSecAggError(() => deriveMaskKey(seed, sessionId, label as never), code as never);
      expect(deriveMaskKey(seed, sessionId, 'b')).toEqual(before);
      expect(deriveMaskKey(seed, sessionId, 'c')).not.toEqual(before);
      expect(deriveMaskKey(seed, sessionId, 'b')).toEqual(before);
    });

    it('accepts labels of exactly 255 UTF-8 bytes, including multi-byte and astral characters', () => {
      expect(deriveMaskKey(seed, sessionId, 'x'.repeat(255)).length).toBe(32);
      expect(deriveMaskKey(seed, sessionId, '\u00e9'.repeat(127) + 'x').length).toBe(32);
      expect(deriveMaskKey(seed, sessionId, '\u{1F510}'.repeat(63) + 'abc').length).toBe(32);
      expectSecAggError(() => deriveMaskKey(seed, sessionId, '\u{1F510}'.repeat(64)), 'INVALID_LABEL');
    });

    it('never echoes secret bytes in error messages', () => {
      const secret = new Uint8Array(31).fill(0xab);
      const e = expectSecAggError(() => deriveMaskKey(secret, sessionId, 'b'), 'INVALID_LENGTH');
      expect(e.message).not.toMatch(/ab|171/i);
    });
  });
});

import { createCipheriv, createHash } from 'node:crypto';
import { chacha20 } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import {
  addMaskInto,
  deriveMaskKey,
  expandMask,
  MAX_MASK_ELEMENTS,
  subtractMaskInto,
} from '../../src/masking/index.js';
import { BACKENDS, hex, readVectors, toHex } from './_helpers.js';

interface KatCase {
  name: string;
  seed: string;
  sessionId: string;
  label: string;
  labelUtf8: string;
  key: string;
  bits: number;
  offset: number;
  length: number;
  elements: number[];
}
interface DigestCase {
  name: string;
  seed: string;
  sessionId: string;
  label: string;
  key: string;
  bits: number;
  offset: number;
  length: number;
  sha256: string;
}
const kat = readVectors<{ spec: { maxElements: number }; cases: KatCase[]; digests: DigestCase[] }>(
  'masking-kat.json',
);
const rfc = readVectors<{
  section_2_4_2: { key: string; nonce: string; counter: number; plaintext: string; ciphertext: string };
  appendix_a1_1: { key: string; keystream: string };
}>('masking-rfc8439.json');

describe('underlying ChaCha20 (RFC 8439)', () => {
  const v = rfc.section_2_4_2;
  const plain = new TextEncoder().encode(v.plaintext);

  it('noble chacha20 matches section 2.4.2', () => {
    expect(toHex(chacha20(hex(v.key), hex(v.nonce), plain, undefined, v.counter))).toBe(v.ciphertext);
  });

  it('node:crypto chacha20 with IV = LE counter || nonce matches section 2.4.2', () => {
    const iv = new Uint8Array(16);
    new DataView(iv.buffer).setUint32(0, v.counter, true);
    iv.set(hex(v.nonce), 4);
    expect(toHex(createCipheriv('chacha20', hex(v.key), iv).update(plain))).toBe(v.ciphertext);
  });

  it.each(BACKENDS)('%s: a mask under key 0^32 is the Appendix A.1 #1 keystream', (backend) => {
    const words = expandMask({ key: hex(rfc.appendix_a1_1.key), bits: 32, length: 16, backend });
    expect(toHex(new Uint8Array(words.buffer))).toBe(rfc.appendix_a1_1.keystream);
  });
});

describe('known answers (test/vectors/masking-kat.json)', () => {
  it('MAX_MASK_ELEMENTS matches the vectors', () => {
    expect(MAX_MASK_ELEMENTS).toBe(kat.spec.maxElements);
    expect(MAX_MASK_ELEMENTS).toBe((2 ** 32 - 1) * 16);
  });

  it.each(kat.cases)('deriveMaskKey: $name', (c) => {
    expect(toHex(new TextEncoder().encode(c.label))).toBe(c.labelUtf8);
    expect(toHex(deriveMaskKey(hex(c.seed), hex(c.sessionId), c.label))).toBe(c.key);
  });

  for (const backend of BACKENDS) {
    describe(backend, () => {
      it.each(kat.cases)('expandMask: $name', (c) => {
        const opts = { bits: c.bits, offset: c.offset, length: c.length, backend };
        const fromSeed = expandMask({ seed: hex(c.seed), sessionId: hex(c.sessionId), label: c.label, ...opts });
        expect(Array.from(fromSeed)).toEqual(c.elements);
        expect(Array.from(expandMask({ key: hex(c.key), ...opts }))).toEqual(c.elements);
      });

      it.each(kat.cases)('addMaskInto / subtractMaskInto: $name', (c) => {
        const opts = { seed: hex(c.seed), sessionId: hex(c.sessionId), label: c.label, bits: c.bits, offset: c.offset, backend };
        const acc = new Uint32Array(c.length);
        expect(addMaskInto(acc, opts)).toBe(acc);
        expect(Array.from(acc)).toEqual(c.elements);
        const modulus = 2 ** c.bits;
        const neg = new Uint32Array(c.length);
        expect(subtractMaskInto(neg, opts)).toBe(neg);
        expect(Array.from(neg)).toEqual(c.elements.map((e) => (modulus - e) % modulus));
      });

      it.each(kat.digests)('long slice across chunks: $name', (c) => {
        const opts = { bits: c.bits, offset: c.offset, length: c.length, backend };
        const m = expandMask({ seed: hex(c.seed), sessionId: hex(c.sessionId), label: c.label, ...opts });
        expect(createHash('sha256').update(new Uint8Array(m.buffer)).digest('hex')).toBe(c.sha256);
        const acc = addMaskInto(new Uint32Array(c.length), { key: hex(c.key), bits: c.bits, offset: c.offset, backend });
        expect(createHash('sha256').update(new Uint8Array(acc.buffer)).digest('hex')).toBe(c.sha256);
      });
    });
  }
});

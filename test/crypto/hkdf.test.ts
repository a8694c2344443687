import { createHash, hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { hkdfSha256Fast, messageScratchForTest, sha256Fast } from '../../src/crypto/_hkdf.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

describe('hkdfSha256Fast (internal HKDF-SHA-256)', () => {
  it('a scratch it outgrows is zeroed before it is dropped (it held the IKM and the inner HMAC digest)', () => {
    // Issue 14: when the expand needed a larger scratch than the extract, the old one was
    // abandoned holding the extract's block, from which the PRK follows.
    const before = messageScratchForTest();
    const ikm = new Uint8Array(32).fill(0x5c); // the extract fits in `before`
    const info = new Uint8Array(before.length).fill(1); // the expand does not
    hkdfSha256Fast(ikm, new Uint8Array(32).fill(3), info, 32);
    expect(messageScratchForTest()).not.toBe(before);
    expect(before.every((b) => b === 0)).toBe(true);
  });

  it('RFC 5869 A.1 and A.3 (empty salt and info)', () => {
    const ikm = new Uint8Array(22).fill(0x0b);
    expect(Buffer.from(hkdfSha256Fast(ikm, hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42)).toString('hex')).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
    expect(Buffer.from(hkdfSha256Fast(ikm, new Uint8Array(0), new Uint8Array(0), 42)).toString('hex')).toBe(
      '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8',
    );
  });

  it('equals @noble/hashes and node:crypto for any ikm, salt (also longer than a block), info and length', () => {
    const bytes = (max: number): fc.Arbitrary<Uint8Array> => fc.uint8Array({ maxLength: max });
    fc.assert(
      fc.property(
        fc.oneof(bytes(40), bytes(300)),
        fc.oneof(fc.constant(new Uint8Array(0)), bytes(32), bytes(200)),
        fc.oneof(bytes(60), bytes(1024)),
        fc.oneof(fc.integer({ min: 1, max: 96 }), fc.integer({ min: 1, max: 8160 })),
        (ikm, salt, info, length) => {
          const got = hkdfSha256Fast(ikm, salt, info, length);
          expect(got).toEqual(hkdf(sha256, ikm, salt, info, length));
          if (info.length <= 1024) expect(got).toEqual(new Uint8Array(hkdfSync('sha256', ikm, salt, info, length)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the cached salt state follows a changed salt, even one mutated in place', () => {
    const salt = new Uint8Array(32).fill(1);
    const ikm = new Uint8Array(32).fill(2);
    const info = new Uint8Array(5);
    const first = hkdfSha256Fast(ikm, salt, info, 32);
    salt[31] = 9;
    expect(hkdfSha256Fast(ikm, salt, info, 32)).toEqual(hkdf(sha256, ikm, salt, info, 32));
    salt[31] = 1;
    expect(hkdfSha256Fast(ikm, salt, info, 32)).toEqual(first);
  });
});

describe('sha256Fast (internal SHA-256 for short messages)', () => {
  it('FIPS 180-4 "abc" and the empty message', () => {
    expect(Buffer.from(sha256Fast(new TextEncoder().encode('abc'))).toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(Buffer.from(sha256Fast(new Uint8Array(0))).toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
  it('equals node:crypto at every length across the padding boundaries', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 130 }), fc.uint8Array({ maxLength: 1000 })), (data) => {
        expect(Buffer.from(sha256Fast(data)).toString('hex')).toBe(createHash('sha256').update(data).digest('hex'));
      }),
    );
  });
});

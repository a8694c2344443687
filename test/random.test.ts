import { describe, expect, it } from 'vitest';
import { cryptoRandomBytes } from '../src/index.js';
import { deterministicRandomBytes } from '../src/testing/index.js';
import { chacha20 } from '@noble/ciphers/chacha.js';

describe('cryptoRandomBytes', () => {
  it('fills requests larger than the Web Crypto per-call limit', () => {
    const bytes = cryptoRandomBytes(200_000);
    expect(bytes.length).toBe(200_000);
    // The last chunk must be filled too: all-zero 4 KiB tail has probability 2^-32768.
    expect(bytes.subarray(196_000).some((b) => b !== 0)).toBe(true);
  });

  it('rejects negative and fractional lengths', () => {
    expect(() => cryptoRandomBytes(-1)).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
    expect(() => cryptoRandomBytes(1.5)).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
  });
});

describe('deterministicRandomBytes (secagg/testing)', () => {
  it('is not exported from the package root, so production code cannot pick it by accident', async () => {
    const root = (await import('../src/index.js')) as Record<string, unknown>;
    expect(root['deterministicRandomBytes']).toBeUndefined();
    expect(Object.keys(root).sort()).toEqual(['ErrorCode', 'SecAggError', 'cryptoRandomBytes', 'isSecAggError']);
  });

  it('is the ChaCha20 keystream under the seed, however the reads are split', () => {
    const seed = Uint8Array.from({ length: 32 }, (_, i) => i);
    const whole = chacha20(seed, new Uint8Array(12), new Uint8Array(300));
    const rng = deterministicRandomBytes(seed);
    const parts = [rng(1), rng(63), rng(0), rng(65), rng(171)];
    const joined = new Uint8Array(300);
    let at = 0;
    for (const p of parts) { joined.set(p, at); at += p.length; }
    expect(joined).toEqual(whole);
  });

  it('rejects a seed that is not 32 bytes', () => {
    expect(() => deterministicRandomBytes(new Uint8Array(31))).toThrow(expect.objectContaining({ code: 'INVALID_LENGTH' }));
  });
});

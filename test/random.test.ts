import { describe, expect, it } from 'vitest';
import { cryptoRandomBytes } from '../src/index.js';
import { pooledCryptoRandomBytes } from '../src/random.js';
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

describe('pooledCryptoRandomBytes (internal)', () => {
  it('hands out fresh copies that never repeat a byte of the pool, across refills and past the chunk size', () => {
    const rng = pooledCryptoRandomBytes(64);
    const draws = [10, 30, 24, 1, 63, 0, 64, 65, 200].map((n) => rng(n));
    expect(draws.map((d) => d.length)).toEqual([10, 30, 24, 1, 63, 0, 64, 65, 200]);
    // Distinct buffers, none a view of another (a view would share the pool's bytes).
    const buffers = new Set(draws.map((d) => d.buffer));
    expect(buffers.size).toBe(draws.length);
    // No two 16-byte windows of the whole output are equal (a reused pool region would repeat):
    // a chance repeat has probability below 2^-100 here.
    const all = new Uint8Array(draws.reduce((a, d) => a + d.length, 0));
    let at = 0;
    for (const d of draws) {
      all.set(d, at);
      at += d.length;
    }
    const seen = new Set<string>();
    for (let i = 0; i + 16 <= all.length; i += 16) {
      const w = Buffer.from(all.subarray(i, i + 16)).toString('hex');
      expect(seen.has(w)).toBe(false);
      seen.add(w);
    }
  });
  it('rejects negative and fractional lengths, as cryptoRandomBytes does', () => {
    const rng = pooledCryptoRandomBytes();
    expect(() => rng(-1)).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
    expect(() => rng(1.5)).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
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

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import {
  combineShares,
  createCombiner,
  decodeShare,
  encodeShare,
  splitSecret,
  type Share,
} from '../../src/shamir/index.js';
import { expectSecAggError } from '../_hostile.js';

/** A sharing setup: secret, threshold, distinct x's, a seed, and a sampled order of holders. */
const setup = fc
  .record({
    secret: fc.uint8Array({ minLength: 1, maxLength: 70 }),
    xs: fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { minLength: 2, maxLength: 24 }),
    seed: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    tFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    order: fc.array(fc.nat(), { minLength: 24, maxLength: 24 }),
  })
  .map(({ secret, xs, seed, tFraction, order }) => {
    const t = Math.min(xs.length, 2 + Math.floor(tFraction * (xs.length - 1)));
    // A permutation of the holders' indices driven by `order` (Fisher-Yates).
    const perm = xs.map((_, i) => i);
    for (let i = perm.length - 1; i > 0; i--) {
      const j = (order[i] as number) % (i + 1);
      [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
    }
    return { secret, xs, t, rng: deterministicRandomBytes(seed), perm };
  });

describe('shamir properties', () => {
  it('any t of the shares (sampled, any order) reconstruct the secret, with or without a combiner', () => {
    fc.assert(
      fc.property(setup, fc.nat(), ({ secret, xs, t, rng, perm }, extra) => {
        const shares = splitSecret(secret, { threshold: t, holders: xs, rng });
        expect(shares.map((s) => s.x)).toEqual(xs);
        const subset = perm.slice(0, t).map((i) => shares[i] as Share);
        expect(combineShares(subset, { threshold: t })).toEqual(secret);
        const combiner = createCombiner(subset.map((s) => s.x), { threshold: t });
        expect(combiner.combine([...subset].reverse())).toEqual(secret);
        // More than t shares: reconstructs and passes the consistency check.
        const k = t + (extra % (xs.length - t + 1));
        expect(combineShares(perm.slice(0, k).map((i) => shares[i] as Share), { threshold: t })).toEqual(secret);
      }),
    );
  });

  it('a combiner reused for many secrets among the same holders (past its table-building point)', () => {
    fc.assert(
      fc.property(setup, fc.integer({ min: 10, max: 14 }), ({ secret, xs, t, rng, perm }, count) => {
        const holders = perm.slice(0, t).map((i) => xs[i] as number);
        const combiner = createCombiner(holders, { threshold: t });
        for (let s = 0; s < count; s++) {
          const secretS = s === 0 ? secret : rng(secret.length);
          const shares = splitSecret(secretS, { threshold: t, holders: xs, rng });
          const byX = new Map(shares.map((sh) => [sh.x, sh]));
          expect(combiner.combine(holders.map((x) => byX.get(x) as Share))).toEqual(secretS);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('a combiner with more than t holders checks the extras on every call, before and after its tables', () => {
    const rng = deterministicRandomBytes(new Uint8Array(32).fill(8));
    const combiner = createCombiner([9, 4, 7, 1, 30], { threshold: 3 });
    for (let call = 0; call < 14; call++) {
      const secret = rng(33);
      const shares = splitSecret(secret, { threshold: 3, holders: [1, 4, 7, 9, 30], rng });
      expect(combiner.combine(shares)).toEqual(secret);
      const corrupted = shares.map((s) => ({ x: s.x, y: Uint8Array.from(s.y) }));
      const victim = corrupted[call % 5] as { y: Uint8Array };
      victim.y[call % 32] = (victim.y[call % 32] as number) ^ (1 + call);
      expectSecAggError(() => combiner.combine(corrupted), 'MISMATCHED_SHARES');
    }
  });

  it('a combiner over k > t holders accepts every valid sharing and rejects a corrupted byte', () => {
    fc.assert(
      fc.property(setup, fc.nat(), fc.nat(), ({ secret, xs, t, rng, perm }, extra, where) => {
        const k = t + (extra % (xs.length - t + 1));
        const holders = perm.slice(0, k).map((i) => xs[i] as number);
        const combiner = createCombiner(holders, { threshold: t, rng });
        const shares = splitSecret(secret, { threshold: t, holders: xs, rng });
        const chosen = perm.slice(0, k).map((i) => shares[i] as Share).reverse();
        expect(combiner.combine(chosen)).toEqual(secret);
        if (k === t) return;
        const bad = chosen.map((s) => ({ x: s.x, y: Uint8Array.from(s.y) }));
        const victim = bad[where % k] as { y: Uint8Array };
        const byte = (where >>> 8) % (secret.length + (secret.length % 2)); // a share byte, not the marker
        victim.y[byte] = (victim.y[byte] as number) ^ (1 + (where % 255));
        expectSecAggError(() => combiner.combine(bad), 'MISMATCHED_SHARES');
      }),
    );
  });

  it('the parity check works when one of its random polynomials is zero or constant', () => {
    const secret = new Uint8Array(32).fill(0x5a);
    const shares = splitSecret(secret, { threshold: 3, holders: 6 });
    // k - t = 3 coefficients per check: g_A = 1 (constant), g_B = 0.
    const rng = (n: number): Uint8Array => {
      const out = new Uint8Array(n);
      out[1] = 1;
      return out;
    };
    const combiner = createCombiner([1, 2, 3, 4, 5, 6], { threshold: 3, rng });
    expect(combiner.combine(shares)).toEqual(secret);
    const bad = shares.map((s) => ({ x: s.x, y: Uint8Array.from(s.y) }));
    const badY = (bad[4] as { y: Uint8Array }).y;
    badY[7] = (badY[7] as number) ^ 0x10;
    expectSecAggError(() => combiner.combine(bad), 'MISMATCHED_SHARES');
    // An all-zero rng gives an empty check (documented: the check is only as good as its rng).
    const blind = createCombiner([1, 2, 3, 4, 5, 6], { threshold: 3, rng: (n) => new Uint8Array(n) });
    const wrong = shares.map((s) => ({ x: s.x, y: Uint8Array.from(s.y) }));
    const wrongY = (wrong[1] as { y: Uint8Array }).y; // a share that defines the secret
    wrongY[7] = (wrongY[7] as number) ^ 0x10;
    expectSecAggError(() => combiner.combine(wrong), 'MISMATCHED_SHARES');
    expect(blind.combine(wrong)).not.toEqual(secret); // wrong secret, not detected
  });

  it('payload length is L (even L) or L + 2 (odd L), and the secret length comes back', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (secret) => {
        const shares = splitSecret(secret, { threshold: 2, holders: 3 });
        const want = secret.length % 2 === 0 ? secret.length : secret.length + 2;
        for (const s of shares) expect(s.y.length).toBe(want);
        expect(combineShares(shares.slice(1), { threshold: 2 }).length).toBe(secret.length);
      }),
    );
  });

  it('shares of another sharing among more than t shares are detected (MISMATCHED_SHARES)', () => {
    fc.assert(
      fc.property(setup, fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(), ({ secret, xs, t, rng, perm }, otherSeed, at) => {
        fc.pre(xs.length > t);
        const a = splitSecret(secret, { threshold: t, holders: xs, rng });
        const b = splitSecret(secret, { threshold: t, holders: xs, rng: deterministicRandomBytes(otherSeed) });
        const mixed = perm.slice(0, t + 1).map((i) => a[i] as Share);
        // Replace one share (among the first t, which define the polynomial, or the extra one)
        // by the other sharing's share at the same x.
        const position = at % (t + 1);
        const victim = perm[position] as number;
        mixed[position] = b[victim] as Share;
        // Same secret, other coefficients: only a consistency check can tell (chance of a miss
        // is 2^-16 per element; with fixed seeds the outcome is deterministic).
        fc.pre(!equalBytes((a[victim] as Share).y, (b[victim] as Share).y));
        expectSecAggError(() => combineShares(mixed, { threshold: t }), 'MISMATCHED_SHARES');
        const combiner = createCombiner(mixed.map((s) => s.x), { threshold: t });
        expectSecAggError(() => combiner.combine(mixed), 'MISMATCHED_SHARES');
      }),
    );
  });

  it('payloads of different lengths are detected (MISMATCHED_SHARES)', () => {
    const a = splitSecret(new Uint8Array(32), { threshold: 2, holders: 3 });
    const b = splitSecret(new Uint8Array(30), { threshold: 2, holders: 3 });
    const c = splitSecret(new Uint8Array(31), { threshold: 2, holders: 3 }); // 33-byte payloads
    expectSecAggError(() => combineShares([a[0], b[1]] as Share[], { threshold: 2 }), 'MISMATCHED_SHARES');
    expectSecAggError(() => combineShares([a[0], c[1]] as Share[], { threshold: 2 }), 'MISMATCHED_SHARES');
    expectSecAggError(() => createCombiner([1, 2], { threshold: 2 }).combine([b[0], a[1]] as Share[]), 'MISMATCHED_SHARES');
  });

  it('odd secret lengths: a corrupted share usually breaks the zero padding (MISMATCHED_SHARES)', () => {
    const shares = splitSecret(new Uint8Array(31).fill(5), { threshold: 2, holders: 2 });
    const bad = Uint8Array.from((shares[1] as Share).y);
    bad[31] = (bad[31] as number) ^ 1; // the element that carries the padding byte
    expectSecAggError(() => combineShares([shares[0] as Share, { x: 2, y: bad }], { threshold: 2 }), 'MISMATCHED_SHARES');
  });

  it('a threshold below the real one is detected when more shares are given', () => {
    const secret = new Uint8Array(32).fill(9);
    const shares = splitSecret(secret, { threshold: 4, holders: 6, rng: deterministicRandomBytes(new Uint8Array(32)) });
    expectSecAggError(() => combineShares(shares, { threshold: 3 }), 'MISMATCHED_SHARES');
    expect(combineShares(shares, { threshold: 4 })).toEqual(secret);
    // With exactly 3 shares nothing can be checked: a wrong secret comes back (no integrity).
    expect(combineShares(shares.slice(0, 3), { threshold: 3 })).not.toEqual(secret);
  });

  it('encodeShare / decodeShare round trip, 3 + y.length bytes, version byte 1', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.integer({ min: 1, max: 65535 }), (secret, x) => {
        const [share] = splitSecret(secret, { threshold: 2, holders: [x, x === 1 ? 2 : 1] });
        const bytes = encodeShare(share as Share);
        expect(bytes.length).toBe(3 + (share as Share).y.length);
        expect(bytes[0]).toBe(1);
        const back = decodeShare(bytes);
        expect(back.x).toBe(x);
        expect(back.y).toEqual((share as Share).y);
        expect(encodeShare(back)).toEqual(bytes);
        bytes.fill(0); // decode copied y
        expect(back.y).toEqual((share as Share).y);
      }),
    );
  });

  it('shares are frozen and each payload has its own buffer', () => {
    const shares = splitSecret(new Uint8Array(32), { threshold: 2, holders: 4 });
    for (const s of shares) {
      expect(Object.isFrozen(s)).toBe(true);
      expect(s.y.byteOffset).toBe(0);
      expect(s.y.buffer.byteLength).toBe(32);
    }
  });

  it('holders up to 65535: the share at x = 65535 and a large cohort', () => {
    const rng = deterministicRandomBytes(new Uint8Array(32).fill(3));
    const secret = rng(32);
    const shares = splitSecret(secret, { threshold: 3, holders: 10_000, rng });
    expect(shares.length).toBe(10_000);
    expect(combineShares([shares[9_999], shares[0], shares[4_321]] as Share[], { threshold: 3 })).toEqual(secret);
    const edge = splitSecret(secret, { threshold: 2, holders: [65535, 65534], rng });
    expect(combineShares(edge, { threshold: 2 })).toEqual(secret);
  });
});

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Corruption strategies for the robust combiner's tests, and the property suite (run with
 * small N in `npm test` and larger N and more runs in the slow suite).
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { isSecAggError } from '../../src/errors.js';
import type { RandomBytes } from '../../src/random.js';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import { combineShares, createRobustCombiner, splitSecret, type Share } from '../../src/shamir/index.js';
import { EXP, GROUP_ORDER, LOG, gfMul } from '../../src/shamir/_gf.js';
import { expectSecAggError } from '../_hostile.js';

/**
 * - random: every element of the liar's payload replaced by random values;
 * - zero: an all-zero payload (a lazy liar);
 * - one element: a single element changed (the same holder honest in all the others);
 * - spread: liar i wrong in element i mod m only (different liars in different elements);
 * - coalition: the liars present shares of one other sharing (threshold t, another secret): a
 *   consistent wrong polynomial, so no liar's share is inconsistent with the other liars'.
 */
export const strategies = ['random', 'zero', 'one element', 'spread', 'coalition'] as const;
export type Strategy = (typeof strategies)[number];

const element = (y: Uint8Array, e: number): number => ((y[2 * e] as number) << 8) | (y[2 * e + 1] as number);
const setElement = (y: Uint8Array, e: number, v: number): void => {
  y[2 * e] = v >>> 8;
  y[2 * e + 1] = v & 0xff;
};

/** Copies of the shares with the liars' payloads corrupted (well-formed: odd markers stay 0). */
export function corrupt(shares: readonly Share[], liars: readonly number[], how: Strategy, rng: RandomBytes, t = 2): Share[] {
  const out = shares.map((s) => ({ x: s.x, y: Uint8Array.from(s.y) }));
  const m = (shares[0] as Share).y.length >> 1;
  let coalition: Share[] | undefined;
  if (how === 'coalition') {
    const secretLength = (shares[0] as Share).y.length % 2 === 0 ? m * 2 : m * 2 - 1;
    coalition = splitSecret(rng(secretLength), { threshold: Math.min(t, shares.length), holders: shares.map((s) => s.x), rng });
  }
  liars.forEach((x, i) => {
    const at = out.findIndex((s) => s.x === x);
    const y = (out[at] as Share).y;
    const nonZero = (): number => {
      const r = rng(2);
      return (((r[0] as number) << 8) | (r[1] as number)) || 1;
    };
    switch (how) {
      case 'random':
        for (let e = 0; e < m; e++) setElement(y, e, element(rng(2), 0));
        if (y.every((b, k) => b === (shares[at] as Share).y[k])) setElement(y, 0, element(y, 0) ^ 1);
        break;
      case 'zero':
        y.fill(0);
        if ((shares[at] as Share).y.every((b) => b === 0)) y[0] = 1;
        break;
      case 'one element': {
        const e = (rng(1)[0] as number) % m;
        setElement(y, e, element(y, e) ^ nonZero());
        break;
      }
      case 'spread':
        setElement(y, i % m, element(y, i % m) ^ nonZero());
        break;
      case 'coalition':
        y.set(((coalition as Share[])[at] as Share).y);
        break;
    }
  });
  return out;
}

/** The holders whose corrupted payload differs from the original. */
export function changed(original: readonly Share[], bad: readonly Share[]): number[] {
  return original
    .filter((s, i) => !s.y.every((b, k) => b === (bad[i] as Share).y[k]))
    .map((s) => s.x)
    .sort((a, b) => a - b);
}

const inv = (a: number): number => EXP[(GROUP_ORDER - (LOG[a] as number)) % GROUP_ORDER] as number;

/**
 * The colluders present, per element, the polynomial of degree < t through (0, fake secret) and
 * the true shares of the t - 1 `agreeing` honest holders: a coalition that knew those shares.
 * Evaluated in barycentric form (weights once, O(t^2); then O(t) per point and element) with
 * gfMul, apart from the library's interpolation code.
 */
export function framingCoalition(
  shares: readonly Share[],
  colluders: readonly number[],
  agreeing: readonly number[],
  fake: Uint8Array,
  t: number,
): Share[] {
  expect(agreeing.length).toBe(t - 1);
  const out = shares.map((s) => ({ x: s.x, y: Uint8Array.from(s.y) }));
  const m = (shares[0] as Share).y.length >> 1;
  const padded = new Uint8Array(2 * m);
  padded.set(fake);
  const byX = new Map(shares.map((s) => [s.x, s.y]));
  const points = [0, ...agreeing];
  // w_i = 1 / prod_{j != i} (p_i + p_j)
  const w = points.map((pi, i) => inv(points.reduce((acc, pj, j) => (j === i ? acc : gfMul(acc, pi ^ pj)), 1)));
  for (const x of colluders) {
    // L_i(x) = prod_j (x + p_j) * w_i / (x + p_i)
    const all = points.reduce((acc, pj) => gfMul(acc, x ^ pj), 1);
    const basis = points.map((pi, i) => gfMul(all, gfMul(w[i] as number, inv(x ^ pi))));
    const y = (out.find((s) => s.x === x) as Share).y;
    for (let e = 0; e < m; e++) {
      let v = gfMul(basis[0] as number, element(padded, e));
      agreeing.forEach((h, i) => {
        v ^= gfMul(basis[i + 1] as number, element(byX.get(h) as Uint8Array, e));
      });
      setElement(y, e, v);
    }
  }
  return out;
}

/**
 * A sharing setup: N in minN..maxN, t in 2..N, scattered ids (ascending or not), a secret length.
 * Large-N suites draw without fast-check's bias toward edge values, which would otherwise pick
 * t = 2 or t = N in most of their few runs.
 */
const setup = (maxN: number, minN: number) =>
  (minN > 2 ? fc.noBias : <T>(a: fc.Arbitrary<T>) => a)(
    fc.record({
      n: fc.integer({ min: minN, max: maxN }),
      tPermille: fc.integer({ min: 0, max: 1000 }),
      secretLength: fc.oneof(fc.constant(32), fc.integer({ min: 1, max: 40 })),
      seedByte: fc.integer({ min: 0, max: 255 }),
      ascending: fc.boolean(),
    }),
  ).map(({ n, tPermille, secretLength, seedByte, ascending }) => {
    const t = Math.min(n, 2 + Math.floor((tPermille * (n - 1)) / 1000));
    const rng = deterministicRandomBytes(new Uint8Array(32).fill(seedByte));
    const xs: number[] = [];
    const used = new Set<number>();
    while (xs.length < n) {
      const r = rng(2);
      const x = 1 + ((((r[0] as number) << 8) | (r[1] as number)) % 65535);
      if (!used.has(x)) {
        used.add(x);
        xs.push(x);
      }
    }
    if (ascending) xs.sort((a, b) => a - b);
    return { n, t, secretLength, rng, xs, e: (n - t) >> 1 };
  });

/**
 * Where the liars are: random holders, or chosen ones: the lowest ids (the fast path
 * interpolates from the first t in id order), the highest ids.
 */
const placements = ['random', 'lowest', 'highest'] as const;

function pickLiars(xs: readonly number[], count: number, where: string, rng: RandomBytes): number[] {
  const sorted = [...xs].sort((a, b) => a - b);
  if (where === 'lowest') return sorted.slice(0, count);
  if (where === 'highest') return sorted.slice(sorted.length - count);
  const pool = [...xs];
  const draw = rng(4 * pool.length);
  for (let i = pool.length - 1; i > 0; i--) {
    const j = (((draw[4 * i] as number) << 16) | ((draw[4 * i + 1] as number) << 8) | (draw[4 * i + 2] as number)) % (i + 1);
    [pool[i], pool[j]] = [pool[j] as number, pool[i] as number];
  }
  return pool.slice(0, count);
}

const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

/** The property suite for N in minN..maxN with `runs` runs each. */
export function robustProperties(maxN: number, runs: number, minN = 2): void {
  it(`up to e = floor((N - t) / 2) wrong shares (N in ${minN}..${maxN}): the secret and exactly the liars`, () => {
    fc.assert(
      fc.property(
        setup(maxN, minN),
        fc.integer({ min: 0, max: 1000 }),
        fc.constantFrom(...placements),
        fc.constantFrom(...strategies),
        (s, permille, where, how) => {
          const secret = s.rng(s.secretLength);
          const shares = splitSecret(secret, { threshold: s.t, holders: s.xs, rng: s.rng });
          const liars = pickLiars(s.xs, Math.round((permille * s.e) / 1000), where, s.rng);
          const bad = corrupt(shares, liars, how, s.rng, s.t);
          const result = createRobustCombiner({ threshold: s.t, secretLength: s.secretLength, rng: s.rng }).combine(bad);
          expect(result.secret).toEqual(secret);
          expect(result.liars).toEqual(changed(shares, bad));
          expect(result.correctable).toBe(s.e);
        },
      ),
      { numRuns: runs },
    );
  });

  it(`e + 1 wrong shares (N in ${minN}..${maxN}): refused, or the right secret, or a sharing within e of the shares; never one they reveal as wrong`, () => {
    fc.assert(
      fc.property(setup(maxN, minN), fc.constantFrom(...placements), fc.constantFrom(...strategies), (s, where, how) => {
        fc.pre(s.n > s.t); // with N = t every set of shares is a sharing: nothing to detect
        const secret = s.rng(s.secretLength);
        const shares = splitSecret(secret, { threshold: s.t, holders: s.xs, rng: s.rng });
        const bad = corrupt(shares, pickLiars(s.xs, s.e + 1, where, s.rng), how, s.rng, s.t);
        const wrong = changed(shares, bad).length; // e + 1 unless a coalition share hit the truth
        const robust = createRobustCombiner({ threshold: s.t, secretLength: s.secretLength, rng: s.rng });
        let result;
        try {
          result = robust.combine(bad);
        } catch (error) {
          expect(isSecAggError(error, 'TOO_MANY_ERRORS')).toBe(true);
          expect(robust.liars).toEqual([]);
          return;
        }
        // With N - t odd, exactly e + 1 wrong shares are always refused (docs/shamir.md).
        expect(wrong === s.e + 1 && (s.n - s.t) % 2 === 1).toBe(false);
        if (same(result.secret, secret)) return;
        // A wrong secret only when all but <= e shares form a sharing of it (combineShares
        // checks the non-liars exactly).
        expect(result.liars.length).toBeLessThanOrEqual(s.e);
        const rest = bad.filter((sh) => !result.liars.includes(sh.x));
        expect(combineShares(rest, { threshold: s.t })).toEqual(result.secret);
      }),
      { numRuns: runs },
    );
  });

  it(`a framing coalition of e + 1 (N in ${minN}..${maxN}): refused when N - t is odd; decoded to its secret, naming e honest holders, when even`, () => {
    fc.assert(
      fc.property(setup(maxN, minN), (s) => {
        fc.pre(s.e >= 1);
        const secret = s.rng(s.secretLength);
        const shares = splitSecret(secret, { threshold: s.t, holders: s.xs, rng: s.rng });
        const colluders = s.xs.slice(0, s.e + 1);
        const agreeing = s.xs.slice(s.e + 1, s.e + s.t); // t - 1 honest holders
        const fake = s.rng(s.secretLength);
        fc.pre(!same(fake, secret));
        const bad = framingCoalition(shares, colluders, agreeing, fake, s.t);
        const robust = createRobustCombiner({ threshold: s.t, secretLength: s.secretLength, rng: s.rng });
        if ((s.n - s.t) % 2 === 1) {
          expectSecAggError(() => robust.combine(bad), 'TOO_MANY_ERRORS');
          return;
        }
        // N - t = 2e: the fake sharing agrees with e + 1 + (t - 1) = N - e shares, the true one
        // with N - e - 1: the shares are closer to the fake one, and the decoder returns it.
        const result = robust.combine(bad);
        expect(result.secret).toEqual(fake);
        const framed = s.xs.filter((x) => !colluders.includes(x) && !agreeing.includes(x)).sort((a, b) => a - b);
        expect(result.liars).toEqual(framed);
      }),
      { numRuns: Math.max(10, runs >> 1) },
    );
  });

  it(`a round: many secrets over the same holders, liars lying on some of them (N in ${minN}..${maxN})`, () => {
    fc.assert(
      fc.property(setup(maxN, minN), fc.integer({ min: 2, max: 12 }), (s, secrets) => {
        fc.pre(s.e >= 1);
        const robust = createRobustCombiner({ threshold: s.t, secretLength: s.secretLength, rng: s.rng });
        const liars = pickLiars(s.xs, s.e, 'random', s.rng);
        const named = new Set<number>();
        for (let k = 0; k < secrets; k++) {
          const secret = s.rng(s.secretLength);
          const shares = splitSecret(secret, { threshold: s.t, holders: s.xs, rng: s.rng });
          // Each liar lies on about half of the secrets, in one element or all of them.
          const lying = liars.filter((_, i) => ((s.rng(1)[0] as number) + i) % 2 === 0);
          const bad = corrupt(shares, lying, k % 2 === 0 ? 'random' : 'one element', s.rng, s.t);
          const result = robust.combine(bad);
          expect(result.secret).toEqual(secret);
          // Named: those lying now that were not excluded already.
          expect(result.liars).toEqual(changed(shares, bad).filter((x) => !named.has(x)));
          for (const x of result.liars) named.add(x);
          expect(result.correctable).toBe((s.n - (named.size - result.liars.length) - s.t) >> 1);
        }
        expect(robust.liars).toEqual([...named].sort((a, b) => a - b));
      }),
      { numRuns: Math.max(10, runs >> 1) },
    );
  });
}

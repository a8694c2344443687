/**
 * Internals of the PLD accountant: the radix-2 FFT against a naive DFT, and the PMF operations
 * (convolution, n-fold self-composition, truncation, hockey-stick divergence and its inverse)
 * against direct computations.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fft, inverseRealFft, isPowerOfTwo, nextPowerOfTwo, realFft } from '../../src/dp/pld/_fft.js';
import {
  convolve,
  deltaForEpsilon,
  epsilonForDelta,
  GridTooLarge,
  identityPmf,
  selfConvolve,
  truncateTails,
  type Pmf,
} from '../../src/dp/pld/_pmf.js';

function naiveDft(re: Float64Array, im: Float64Array, inverse: boolean): [Float64Array, Float64Array] {
  const n = re.length;
  const outR = new Float64Array(n);
  const outI = new Float64Array(n);
  const sign = inverse ? 1 : -1;
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < n; j++) {
      const a = (sign * 2 * Math.PI * ((j * k) % n)) / n;
      const c = Math.cos(a);
      const s = Math.sin(a);
      sr += (re[j] as number) * c - (im[j] as number) * s;
      si += (re[j] as number) * s + (im[j] as number) * c;
    }
    outR[k] = inverse ? sr / n : sr;
    outI[k] = inverse ? si / n : si;
  }
  return [outR, outI];
}

const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
};

/** Direct O(n m) linear convolution. */
function naiveConvolve(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length - 1);
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) out[i + j] = (out[i + j] as number) + (a[i] as number) * (b[j] as number);
  return out;
}

/** Random PMF (normalised to 1 - inf) from fast-check weights. */
const arbPmf = (maxLen: number): fc.Arbitrary<Pmf> =>
  fc
    .record({
      weights: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: maxLen }),
      lo: fc.integer({ min: -50, max: 50 }),
      inf: fc.constantFrom(0, 1e-9, 0.01),
    })
    .filter(({ weights }) => weights.reduce((s, w) => s + w, 0) > 0.1)
    .map(({ weights, lo, inf }) => {
      const total = weights.reduce((s, w) => s + w, 0);
      return { h: 0.01, lo, probs: Float64Array.from(weights, (w) => (w / total) * (1 - inf)), inf };
    });

/** Exact delta(eps) of the composition of PMFs given as explicit atoms. */
function directDelta(probs: Float64Array, lo: number, h: number, inf: number, eps: number): number {
  let s = inf;
  for (let k = 0; k < probs.length; k++) {
    const loss = (lo + k) * h;
    if (loss > eps) s += (probs[k] as number) * -Math.expm1(eps - loss);
  }
  return s;
}

describe('pld/_fft: radix-2 FFT', () => {
  it('powers of two helpers', () => {
    expect([1, 2, 1024].every(isPowerOfTwo)).toBe(true);
    expect([0, 3, 6, 1.5, -2].some(isPowerOfTwo)).toBe(false);
    expect(nextPowerOfTwo(1)).toBe(1);
    expect(nextPowerOfTwo(5)).toBe(8);
    expect(nextPowerOfTwo(1024)).toBe(1024);
  });

  it('matches a naive DFT (forward and inverse) on random complex data', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9 }),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1024, maxLength: 1024 }),
        fc.boolean(),
        (logN, data, inverse) => {
          const n = 2 ** logN;
          const re = Float64Array.from(data.slice(0, n));
          const im = Float64Array.from(data.slice(512, 512 + n));
          const [er, ei] = naiveDft(re, im, inverse);
          fft(re, im, inverse);
          const tol = 1e-12 * Math.max(1, n);
          for (let k = 0; k < n; k++) {
            expect(Math.abs((re[k] as number) - (er[k] as number))).toBeLessThan(tol);
            expect(Math.abs((im[k] as number) - (ei[k] as number))).toBeLessThan(tol);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('inverse(forward(x)) = x at 2^16 points, to round-off', () => {
    const n = 2 ** 16;
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    for (let i = 0; i < n; i++) re[i] = Math.sin(i * 0.37) + (i % 7) / 7;
    const copy = re.slice();
    fft(re, im);
    fft(re, im, true);
    const diff = re.map((v, i) => v - (copy[i] as number));
    expect(maxAbs(diff)).toBeLessThan(1e-13);
    expect(maxAbs(im)).toBeLessThan(1e-13);
  });

  it('a smaller size after a larger one reuses the twiddle table by stride', () => {
    const big = new Float64Array(4096);
    fft(big, new Float64Array(4096));
    const re = Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const im = new Float64Array(8);
    const [er, ei] = naiveDft(re, im, false);
    fft(re, im);
    expect(maxAbs(re.map((v, i) => v - (er[i] as number)))).toBeLessThan(1e-12);
    expect(maxAbs(im.map((v, i) => v - (ei[i] as number)))).toBeLessThan(1e-12);
  });

  it('realFft gives bins 0..N/2 of the naive DFT of a real sequence; inverseRealFft inverts it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 512, maxLength: 512 }),
        (logN, data) => {
          const n = 2 ** logN;
          const x = Float64Array.from(data.slice(0, n));
          const [er, ei] = naiveDft(x, new Float64Array(n), false);
          const re = new Float64Array(n / 2 + 1);
          const im = new Float64Array(n / 2 + 1);
          realFft(x, re, im);
          const tol = 1e-12 * n;
          for (let k = 0; k <= n / 2; k++) {
            expect(Math.abs((re[k] as number) - (er[k % n] as number))).toBeLessThan(tol);
            expect(Math.abs((im[k] as number) - (ei[k % n] as number))).toBeLessThan(tol);
          }
          const back = new Float64Array(n);
          inverseRealFft(re, im, back);
          for (let j = 0; j < n; j++) expect(Math.abs((back[j] as number) - (x[j] as number))).toBeLessThan(1e-13);
        },
      ),
      { numRuns: 30 },
    );
    expect(() => realFft(new Float64Array(1), new Float64Array(1), new Float64Array(1))).toThrow(RangeError);
    expect(() => realFft(new Float64Array(8), new Float64Array(4), new Float64Array(5))).toThrow(RangeError);
    expect(() => inverseRealFft(new Float64Array(5), new Float64Array(5), new Float64Array(6))).toThrow(RangeError);
  });

  it('refuses lengths that are not powers of two', () => {
    expect(() => fft(new Float64Array(6), new Float64Array(6))).toThrow(RangeError);
    expect(() => fft(new Float64Array(8), new Float64Array(4))).toThrow(RangeError);
  });
});

describe('pld/_pmf: operations', () => {
  it('convolve agrees with direct convolution (before truncation) and keeps the grid', () => {
    fc.assert(
      fc.property(arbPmf(300), arbPmf(300), (a, b) => {
        const c = convolve(a, b, 0, 1 << 20);
        const direct = naiveConvolve(a.probs, b.probs);
        // Zero-trimming may shift the start; align by lo.
        const offset = c.lo - (a.lo + b.lo);
        for (let k = 0; k < c.probs.length; k++) {
          expect(Math.abs((c.probs[k] as number) - (direct[k + offset] as number))).toBeLessThan(1e-15);
        }
        expect(c.inf).toBeGreaterThanOrEqual(a.inf + b.inf - a.inf * b.inf);
        expect(c.inf).toBeLessThan(a.inf + b.inf - a.inf * b.inf + 1e-13);
      }),
      { numRuns: 40 },
    );
  });

  it('selfConvolve(count) equals count direct convolutions, never lower in delta', () => {
    fc.assert(
      fc.property(arbPmf(40), fc.integer({ min: 2, max: 9 }), fc.constantFrom(0, 1e-15, 1e-10), (a, count, tau) => {
        let direct = a.probs;
        for (let i = 1; i < count; i++) direct = naiveConvolve(direct, a.probs);
        const infDirect = 1 - (1 - a.inf) ** count;
        const s = selfConvolve(a, count, tau, 1 << 20);
        for (const eps of [-0.5, 0, 0.1, 0.3, 1]) {
          const exact = directDelta(direct, a.lo * count, a.h, infDirect, eps);
          const got = deltaForEpsilon(s, eps);
          expect(got).toBeGreaterThanOrEqual(exact - 1e-12);
          expect(got).toBeLessThanOrEqual(exact + tau + 1e-12);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('selfConvolve of a large count uses one FFT power: 10^6 steps of a small PMF stays bounded', () => {
    const a: Pmf = { h: 1e-3, lo: -2, probs: Float64Array.of(0.2, 0.5, 0.2, 0.1), inf: 0 };
    const s = selfConvolve(a, 1_000_000, 1e-15, 1 << 20);
    // Mean index per step is 0.2, sd ~0.86: after 10^6 steps the mass sits within a few
    // thousand points of 2e5 (relative to lo = -2e6).
    expect(s.probs.length).toBeLessThan(20_000);
    let mass = 0;
    for (const p of s.probs) mass += p;
    expect(Math.abs(mass + s.inf - 1)).toBeLessThan(1e-9);
    expect(() => selfConvolve(a, 1_000_000, 0, 1 << 20)).toThrow(GridTooLarge);
  });

  it('selfConvolve(0) is the identity PLD and selfConvolve(1) returns its input', () => {
    const a: Pmf = { h: 0.1, lo: 3, probs: Float64Array.of(0.5, 0.5), inf: 0 };
    expect(selfConvolve(a, 0, 1e-15, 1024).probs).toEqual(identityPmf(0.1).probs);
    expect(selfConvolve(a, 1, 1e-15, 1024)).toBe(a);
  });

  it('truncateTails moves the upper tail to infinity and the lower tail up (pessimistic)', () => {
    const probs = Float64Array.of(1e-17, 2e-17, 0.5, 0.5 - 1e-16, 3e-17, 4e-17);
    const t = truncateTails(probs, -3, 0, 0.5, 1e-16);
    expect(t.lo).toBe(-1);
    expect(t.probs.length).toBe(3);
    expect(t.probs[0]).toBeCloseTo(0.5 + 3e-17, 17);
    expect(t.inf).toBeCloseTo(4e-17, 20);
    for (const eps of [-2, -1, 0, 0.3]) {
      expect(deltaForEpsilon(t, eps)).toBeGreaterThanOrEqual(directDelta(probs, -3, 0.5, 0, eps) - 1e-18);
    }
  });

  it('epsilonForDelta inverts deltaForEpsilon', () => {
    fc.assert(
      fc.property(arbPmf(200), fc.double({ min: 1e-9, max: 0.5, noNaN: true }), (a, delta) => {
        const eps = epsilonForDelta(a, delta);
        if (a.inf > delta) {
          expect(eps).toBe(Number.POSITIVE_INFINITY);
          return;
        }
        if (eps === Number.NEGATIVE_INFINITY) {
          expect(deltaForEpsilon(a, -1e6)).toBeLessThanOrEqual(delta * (1 + 1e-12));
          return;
        }
        expect(deltaForEpsilon(a, eps)).toBeLessThanOrEqual(delta * (1 + 1e-9) + 1e-15);
        expect(deltaForEpsilon(a, eps - 1e-6)).toBeGreaterThan(delta * (1 - 1e-9) - 1e-15);
      }),
      { numRuns: 60 },
    );
  });

  it('a point mass at infinity gives epsilon = Infinity below it and a finite one above', () => {
    const a: Pmf = { h: 0.01, lo: 0, probs: Float64Array.of(0.9), inf: 0.1 };
    expect(epsilonForDelta(a, 0.05)).toBe(Number.POSITIVE_INFINITY);
    // Below loss 0: delta(eps) = 0.1 + 0.9 (1 - e^eps) = 0.2 at eps = log(8/9).
    expect(epsilonForDelta(a, 0.2)).toBeCloseTo(Math.log(8 / 9), 12);
    expect(epsilonForDelta({ ...a, inf: 0 }, 1)).toBe(Number.NEGATIVE_INFINITY);
    expect(deltaForEpsilon(a, 5)).toBeCloseTo(0.1, 15);
  });
});

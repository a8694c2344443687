import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  erfc,
  logAddExp,
  logBinomial,
  logErfc,
  logGamma,
  logNormalCdf,
  logSubExp,
  logSumExp,
  normalCdf,
} from '../../src/dp/_special.js';
import vectors from '../vectors/dp-special.json' with { type: 'json' };

/** |got - want| <= abs + rel * |want| */
function close(got: number, want: number, rel = 1e-13, abs = 1e-15): void {
  expect(Math.abs(got - want), `got ${got}, want ${want}`).toBeLessThanOrEqual(abs + rel * Math.abs(want));
}

describe('special functions against mpmath (test/vectors/dp-special.json)', () => {
  it('logErfc', () => {
    for (const [x, want] of vectors.logErfc as [number, number][]) close(logErfc(x), want);
  });
  it('logGamma (log|Gamma|, with reflection)', () => {
    for (const [x, want] of vectors.logGamma as [number, number][]) close(logGamma(x), want, 1e-13, 1e-14);
  });
  it('normalCdf and logNormalCdf', () => {
    for (const [x, want] of vectors.normalCdf as [number, number][]) close(normalCdf(x), want, 1e-13, 0);
    for (const [x, want] of vectors.logNormalCdf as [number, number][]) close(logNormalCdf(x), want);
  });
  it('logBinomial (generalised, absolute value)', () => {
    for (const [n, k, want] of vectors.logBinomial as [number, number, number][]) {
      close(logBinomial(n, k), want, 1e-13, 1e-12);
    }
  });
});

describe('special functions: edges and properties', () => {
  it('infinities and NaN', () => {
    expect(logErfc(Number.POSITIVE_INFINITY)).toBe(Number.NEGATIVE_INFINITY);
    expect(logErfc(Number.NEGATIVE_INFINITY)).toBeCloseTo(Math.LN2, 15);
    expect(logErfc(Number.NaN)).toBeNaN();
    expect(logGamma(0)).toBe(Number.POSITIVE_INFINITY);
    expect(logGamma(-3)).toBe(Number.POSITIVE_INFINITY);
    expect(logBinomial(5, 7)).toBe(Number.NEGATIVE_INFINITY);
    expect(logAddExp(Number.NEGATIVE_INFINITY, 3)).toBe(3);
    expect(logSumExp([])).toBe(Number.NEGATIVE_INFINITY);
    expect(logSubExp(2, 2)).toBe(Number.NEGATIVE_INFINITY);
    expect(logSubExp(1, 2)).toBeNaN();
    expect(erfc(0)).toBe(1);
  });
  it('logAddExp / logSumExp / logSubExp agree with direct evaluation where it is safe', () => {
    fc.assert(
      fc.property(fc.double({ min: -50, max: 50, noNaN: true }), fc.double({ min: -50, max: 50, noNaN: true }), (a, b) => {
        close(logAddExp(a, b), Math.log(Math.exp(a) + Math.exp(b)), 1e-13, 1e-14);
        close(logSumExp([a, b, a]), Math.log(2 * Math.exp(a) + Math.exp(b)), 1e-13, 1e-14);
        const [hi, lo] = a >= b ? [a, b] : [b, a];
        if (hi - lo > 1e-3) close(logSubExp(hi, lo), Math.log(Math.exp(hi) - Math.exp(lo)), 1e-11, 1e-12);
      }),
    );
  });
  it('logErfc is decreasing and continuous across the series/continued-fraction switch', () => {
    close(logErfc(2 - 1e-12), logErfc(2 + 1e-12), 1e-10);
    fc.assert(
      fc.property(fc.double({ min: -10, max: 40, noNaN: true }), fc.double({ min: 1e-6, max: 1, noNaN: true }), (x, dx) => {
        expect(logErfc(x + dx)).toBeLessThanOrEqual(logErfc(x));
      }),
    );
  });
  it('logGamma satisfies the recurrence Gamma(x+1) = x Gamma(x)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1e4, noNaN: true }), (x) => {
        close(logGamma(x + 1), logGamma(x) + Math.log(x), 1e-12, 1e-12);
      }),
    );
  });
});

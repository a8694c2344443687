/**
 * PldAccountant: the shared accountant contract, known answers (mpmath closed forms and
 * dp_accounting figures, test/vectors/dp-pld.json), properties (monotonicity, PLD <= RDP,
 * Gaussian composition against the closed form, never below the exact value), and hostile input.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PldAccountant } from '../../src/dp/pld/index.js';
import { gaussianPmf } from '../../src/dp/pld/_mechanisms.js';
import { epsilonForDelta, selfConvolve } from '../../src/dp/pld/_pmf.js';
import { RdpAccountant } from '../../src/dp/rdp.js';
import { normalCdf } from '../../src/dp/_special.js';
import {
  composedEvent,
  discreteGaussianEvent,
  distributedDiscreteGaussianEvent,
  gaussianEvent,
  noOpEvent,
  poissonSampledEvent,
  selfComposedEvent,
  skellamEvent,
  type DpEvent,
} from '../../src/dp/events.js';
import { expectSecAggError, notNumbers } from '../_hostile.js';
import { runAccountantContract } from './_accountant-contract.js';
import vectors from '../vectors/dp-pld.json' with { type: 'json' };

/** Exact delta of the Gaussian mechanism (Balle and Wang 2018), sensitivity 1. */
function analyticGaussianDelta({ sigma, epsilon }: { sigma: number; epsilon: number }): number {
  return normalCdf(1 / (2 * sigma) - epsilon * sigma) - Math.exp(epsilon) * normalCdf(-1 / (2 * sigma) - epsilon * sigma);
}

/** Its inverse by bisection (to 1e-13; fine for epsilon below ~30). */
function analyticGaussianEpsilon({ sigma, delta }: { sigma: number; delta: number }): number {
  let lo = 0;
  let hi = 64;
  if (analyticGaussianDelta({ sigma, epsilon: 0 }) <= delta) return 0;
  for (let i = 0; i < 200 && hi - lo > 1e-13; i++) {
    const mid = (lo + hi) / 2;
    if (analyticGaussianDelta({ sigma, epsilon: mid }) > delta) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Round-off allowance for "never below the exact value" (the guarantee is up to float error). */
const ROUND = 1e-12;

runAccountantContract({
  name: 'PldAccountant',
  make: () => new PldAccountant(),
  unsupportedEvent: skellamEvent({ clients: 10, localVariance: 100, l2Sensitivity: 1, l1Sensitivity: 1 }),
  relTol: 1e-6,
  numRuns: 5,
});
runAccountantContract({
  name: 'PldAccountant (replaceOne, coarse grid)',
  make: () => new PldAccountant({ neighboringRelation: 'replaceOne', valueDiscretizationInterval: 1e-3 }),
  step: (z) => gaussianEvent(z),
  unsupportedEvent: poissonSampledEvent(0.01, gaussianEvent(1)),
  relTol: 1e-6,
  numRuns: 4,
});

describe('PldAccountant: known answers (mpmath closed forms)', () => {
  it('single Gaussian: epsilon in [exact, exact + 1e-3] (issue 7: noise 1, delta 1e-5 -> 4.377178)', () => {
    for (const c of vectors.gaussian) {
      const acc = new PldAccountant().compose(gaussianEvent(c.sigma));
      const eps = acc.getEpsilon(c.delta);
      expect(eps).toBeGreaterThanOrEqual(c.epsilon * (1 - ROUND));
      expect(eps).toBeLessThanOrEqual(c.epsilon + 1e-3);
      const d = acc.getDelta(1);
      expect(d).toBeGreaterThanOrEqual(c.deltaAtEpsilon1 * (1 - ROUND));
      expect(d).toBeLessThanOrEqual(c.deltaAtEpsilon1 * 1.001 + 1e-12);
    }
    expect(vectors.gaussian[0]?.epsilon).toBeCloseTo(4.377178, 6);
  });

  it('Poisson-subsampled Gaussian, one step, worse of add/remove: never below, within 1e-3', () => {
    for (const c of vectors.subsampledGaussian) {
      const acc = new PldAccountant().compose(poissonSampledEvent(c.samplingRate, gaussianEvent(c.sigma)));
      const eps = acc.getEpsilon(c.delta);
      expect(eps).toBeGreaterThanOrEqual(c.epsilon * (1 - ROUND));
      expect(eps).toBeLessThanOrEqual(c.epsilon + 1e-3);
      const d = acc.getDelta(0.5);
      expect(d).toBeGreaterThanOrEqual(c.deltaAtEpsilon0_5 * (1 - ROUND) - 1e-18);
      expect(d).toBeLessThanOrEqual(c.deltaAtEpsilon0_5 * 1.001 + 1e-12);
    }
  });

  it('discrete Gaussian (integer sensitivity), one step: never below, within 1e-3', () => {
    for (const c of vectors.discreteGaussian) {
      const acc = new PldAccountant().compose(discreteGaussianEvent({ sigma: c.sigma, sensitivity: c.sensitivity }));
      const eps = acc.getEpsilon(c.delta);
      expect(eps).toBeGreaterThanOrEqual(c.epsilon * (1 - ROUND));
      expect(eps).toBeLessThanOrEqual(c.epsilon + 1e-3);
      expect(acc.getDelta(1)).toBeGreaterThanOrEqual(c.deltaAtEpsilon1 * (1 - ROUND));
      expect(acc.getDelta(1)).toBeLessThanOrEqual(c.deltaAtEpsilon1 * 1.001 + 1e-12);
    }
  });

  it('k-fold Gaussian composition through the FFT path equals Gaussian(sigma / sqrt k), never below', () => {
    for (const c of vectors.gaussianComposition) {
      // The accountant merges plain Gaussians exactly; exercise the FFT self-composition itself.
      const pmf = selfConvolve(gaussianPmf(c.sigma, 1, 'remove', 1e-4, 1 << 21), c.steps, 1e-15, 1 << 21);
      const eps = epsilonForDelta(pmf, c.delta);
      expect(eps).toBeGreaterThanOrEqual(c.epsilon * (1 - ROUND));
      expect(eps).toBeLessThanOrEqual(c.epsilon + 1e-4);
      // And the accountant (exact merge, then one discretisation).
      const acc = new PldAccountant().compose(gaussianEvent(c.sigma), c.steps);
      expect(acc.getEpsilon(c.delta)).toBeGreaterThanOrEqual(c.epsilon * (1 - ROUND));
      expect(acc.getEpsilon(c.delta)).toBeLessThanOrEqual(c.epsilon + 1e-4);
    }
  });
});

describe('PldAccountant: dp_accounting reference runs', () => {
  it('Abadi et al. (q 0.01, noise 4, 10,000 steps, delta 1e-5): within 2e-3 of 0.9470', () => {
    const c = vectors.dpAccounting[0] as (typeof vectors.dpAccounting)[0];
    const acc = new PldAccountant().compose(poissonSampledEvent(c.samplingRate, gaussianEvent(c.noiseMultiplier)), c.steps);
    const eps = acc.getEpsilon(c.delta);
    expect(Math.abs(eps - c.epsilon)).toBeLessThan(2e-3);
    // Tighter than RDP (1.0355) on the same events.
    expect(eps).toBeLessThan(new RdpAccountant().compose(poissonSampledEvent(0.01, gaussianEvent(4)), 10_000).getEpsilon(1e-5));
    const grid = acc.getGridInfo();
    expect(grid.valueDiscretizationInterval).toBe(1e-4);
    expect(Math.max(grid.removePoints, grid.addPoints)).toBeLessThan(100_000);
  });

  it('DP-FedAvg (q 5e-3, noise 1, 2,000 rounds, delta 1e-6): PLD ~1.405 vs RDP ~1.726', () => {
    const c = vectors.dpAccounting[1] as (typeof vectors.dpAccounting)[1];
    const e = poissonSampledEvent(c.samplingRate, gaussianEvent(c.noiseMultiplier));
    const pld = new PldAccountant().compose(e, c.steps).getEpsilon(c.delta);
    const rdp = new RdpAccountant().compose(e, c.steps).getEpsilon(c.delta);
    expect(Math.abs(pld - c.epsilon)).toBeLessThan(2e-3);
    expect(Math.abs(rdp - (c.rdpEpsilon as number))).toBeLessThan(2e-3);
  });
});

describe('PldAccountant: properties', () => {
  it('epsilon increases with the sampling rate', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 0.05, noNaN: true }),
        fc.double({ min: 1.05, max: 3, noNaN: true }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.integer({ min: 1, max: 500 }),
        (q, factor, z, steps) => {
          const lo = new PldAccountant().compose(poissonSampledEvent(q, gaussianEvent(z)), steps).getEpsilon(1e-5);
          const hi = new PldAccountant().compose(poissonSampledEvent(Math.min(1, q * factor), gaussianEvent(z)), steps).getEpsilon(1e-5);
          expect(hi).toBeGreaterThanOrEqual(lo * (1 - 1e-9));
        },
      ),
      { numRuns: 6 },
    );
  });

  it('PLD epsilon <= RDP epsilon on the same events', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-3, max: 0.05, noNaN: true }),
        fc.double({ min: 0.8, max: 5, noNaN: true }),
        fc.integer({ min: 1, max: 3000 }),
        fc.constantFrom(1e-5, 1e-7),
        (q, z, steps, delta) => {
          const e = poissonSampledEvent(q, gaussianEvent(z));
          const pld = new PldAccountant().compose(e, steps).getEpsilon(delta);
          const rdp = new RdpAccountant().compose(e, steps).getEpsilon(delta);
          expect(pld).toBeLessThanOrEqual(rdp);
        },
      ),
      { numRuns: 6 },
    );
  });

  it('Gaussian runs: never below the analytic Gaussian, within 1e-3 (exact merge of z_i^-2)', () => {
    fc.assert(
      fc.property(
        // Effective noise >= 3 / sqrt(3 * 30) ~ 0.32 keeps grids small (tiny noise: see below).
        fc.array(fc.record({ z: fc.double({ min: 3, max: 60, noNaN: true }), n: fc.integer({ min: 1, max: 30 }) }), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.constantFrom(1e-3, 1e-5, 1e-8),
        (parts, delta) => {
          const acc = new PldAccountant();
          let precision = 0;
          for (const { z, n } of parts) {
            acc.compose(gaussianEvent(z), n);
            precision += n / (z * z);
          }
          const sigma = 1 / Math.sqrt(precision);
          const exact = analyticGaussianEpsilon({ sigma, delta });
          const eps = acc.getEpsilon(delta);
          expect(eps).toBeGreaterThanOrEqual(exact * (1 - 1e-9));
          expect(eps).toBeLessThanOrEqual(exact + 1e-3);
          // delta at a grid-aligned epsilon is exact up to round-off, never below.
          const d = acc.getDelta(1);
          expect(d).toBeGreaterThanOrEqual(analyticGaussianDelta({ sigma, epsilon: 1 }) * (1 - 1e-9));
        },
      ),
      { numRuns: 15 },
    );
  });

  it('heterogeneous run (Gaussian + subsampled + discrete) is order-independent and above each part', () => {
    const parts: DpEvent[] = [
      gaussianEvent(8),
      selfComposedEvent(poissonSampledEvent(0.02, gaussianEvent(1.2)), 300),
      discreteGaussianEvent({ sigma: 30, sensitivity: 4 }),
      poissonSampledEvent(0.05, discreteGaussianEvent({ sigma: 5, sensitivity: 2 })),
    ];
    const a = new PldAccountant();
    for (const p of parts) a.compose(p);
    const b = new PldAccountant().compose(composedEvent([...parts].reverse()));
    expect(a.getEpsilon(1e-6)).toBe(b.getEpsilon(1e-6));
    for (const p of parts) {
      expect(new PldAccountant().compose(p).getEpsilon(1e-6)).toBeLessThanOrEqual(a.getEpsilon(1e-6));
    }
    expect(a.getEpsilon(1e-6)).toBeLessThanOrEqual(new RdpAccountant().compose(composedEvent(parts)).getEpsilon(1e-6));
  });

  it('a discrete Gaussian with large sigma is close to the continuous one (sigma / sensitivity)', () => {
    const dg = new PldAccountant().compose(discreteGaussianEvent({ sigma: 200, sensitivity: 100 })).getEpsilon(1e-5);
    const g = new PldAccountant().compose(gaussianEvent(2)).getEpsilon(1e-5);
    expect(Math.abs(dg - g)).toBeLessThan(2e-3);
  });

  it('replaceOne doubles the sensitivity: Gaussian z there is Gaussian z / 2 under add/remove', () => {
    const r = new PldAccountant({ neighboringRelation: 'replaceOne' }).compose(gaussianEvent(3), 4).getEpsilon(1e-5);
    const a = new PldAccountant().compose(gaussianEvent(1.5), 4).getEpsilon(1e-5);
    expect(r).toBe(a);
  });

  it('memory is bounded: a tiny grid limit coarsens the interval and stays pessimistic', () => {
    const acc = new PldAccountant({ maxGridPoints: 4096 }).compose(gaussianEvent(1));
    const eps = acc.getEpsilon(1e-5);
    const info = acc.getGridInfo();
    expect(info.valueDiscretizationInterval).toBeGreaterThan(1e-4);
    expect(Math.max(info.removePoints, info.addPoints)).toBeLessThanOrEqual(4096);
    expect(eps).toBeGreaterThanOrEqual(vectors.gaussian[0]!.epsilon);
    expect(eps).toBeLessThan(vectors.gaussian[0]!.epsilon + 0.05);
  });

  it('delta = 0 gives Infinity (Gaussian tails), delta = 1 gives 0; getDelta stays in [0, 1]', () => {
    const acc = new PldAccountant().compose(poissonSampledEvent(0.1, gaussianEvent(1)), 10);
    expect(acc.getEpsilon(0)).toBe(Number.POSITIVE_INFINITY);
    expect(acc.getEpsilon(1)).toBe(0);
    expect(acc.getDelta(0)).toBeGreaterThan(0);
    expect(acc.getDelta(0)).toBeLessThanOrEqual(1);
    expect(acc.getDelta(Number.MAX_VALUE)).toBeGreaterThanOrEqual(0);
    expect(acc.getDelta(Number.MAX_VALUE)).toBeLessThan(1e-12);
  });

  it('sampling rate 0, noOp inner events and count 0 spend nothing', () => {
    const acc = new PldAccountant()
      .compose(poissonSampledEvent(0, gaussianEvent(0.1)), 5)
      .compose(poissonSampledEvent(0.3, noOpEvent()))
      .compose(selfComposedEvent(gaussianEvent(0.5), 0));
    expect(acc.getEpsilon(1e-5)).toBe(0);
    expect(acc.getDelta(0)).toBe(0);
  });

  it('Poisson sampling with q = 1 is the inner Gaussian', () => {
    const a = new PldAccountant().compose(poissonSampledEvent(1, gaussianEvent(2)), 3).getEpsilon(1e-6);
    const b = new PldAccountant().compose(gaussianEvent(2), 3).getEpsilon(1e-6);
    expect(Math.abs(a - b)).toBeLessThan(1e-4);
    expect(Math.min(a, b)).toBeGreaterThanOrEqual(analyticGaussianEpsilon({ sigma: 2 / Math.sqrt(3), delta: 1e-6 }) * (1 - 1e-9));
  });
});

describe('PldAccountant: refusals and hostile input', () => {
  it('refuses unsupported events with UNSUPPORTED_EVENT and records nothing', () => {
    const acc = new PldAccountant().compose(gaussianEvent(2));
    const before = acc.getEpsilon(1e-5);
    const refused: DpEvent[] = [
      skellamEvent({ clients: 10, localVariance: 100, l2Sensitivity: 1, l1Sensitivity: 1 }),
      distributedDiscreteGaussianEvent({ clients: 10, localSigma: 5, l2Sensitivity: 10, l1Sensitivity: 30, dimension: 9 }),
      poissonSampledEvent(0.1, poissonSampledEvent(0.5, gaussianEvent(1))),
      poissonSampledEvent(0.1, composedEvent([gaussianEvent(1), discreteGaussianEvent({ sigma: 3, sensitivity: 1 })])),
      discreteGaussianEvent({ sigma: 3, sensitivity: 1.5 }),
      discreteGaussianEvent({ sigma: 1e9, sensitivity: 1 }),
      composedEvent([gaussianEvent(1), skellamEvent({ clients: 1, localVariance: 1, l2Sensitivity: 1, l1Sensitivity: 1 })]),
    ];
    for (const e of refused) {
      expect(acc.supports(e)).toBe(false);
      expectSecAggError(() => acc.compose(e), 'UNSUPPORTED_EVENT');
    }
    expect(acc.getEpsilon(1e-5)).toBe(before);
    const replace = new PldAccountant({ neighboringRelation: 'replaceOne' });
    expectSecAggError(() => replace.compose(poissonSampledEvent(0.5, gaussianEvent(1))), 'UNSUPPORTED_EVENT');
    expect(replace.supports(discreteGaussianEvent({ sigma: 3, sensitivity: 1.5 }))).toBe(true);
  });

  it('a nested count beyond 2^53 - 1 is refused with OUT_OF_RANGE before recording', () => {
    const acc = new PldAccountant();
    const big = selfComposedEvent(selfComposedEvent(gaussianEvent(1), 2 ** 30), 2 ** 30);
    expectSecAggError(() => acc.compose(big), 'OUT_OF_RANGE');
    expectSecAggError(() => acc.compose(gaussianEvent(1), 2 ** 52).compose(gaussianEvent(1), 2 ** 52), 'OUT_OF_RANGE');
    expect(acc.supports(big)).toBe(false);
  });

  it('supports() never throws on garbage', () => {
    const acc = new PldAccountant();
    for (const bad of [null, undefined, 3, 'gaussian', { kind: 'gaussian' }, { kind: 'nope' }, [], new Proxy({}, {})]) {
      expect(acc.supports(bad as unknown as DpEvent)).toBe(false);
    }
  });

  it('validates options', () => {
    expectSecAggError(() => new PldAccountant({ bogus: 1 } as never), 'UNKNOWN_OPTION');
    expectSecAggError(() => new PldAccountant(3 as never), 'INVALID_TYPE');
    expectSecAggError(() => new PldAccountant({ neighboringRelation: 'swap' as never }), 'OUT_OF_RANGE');
    for (const bad of notNumbers) {
      if (bad === undefined) continue;
      expectSecAggError(() => new PldAccountant({ valueDiscretizationInterval: bad as number }));
      expectSecAggError(() => new PldAccountant({ tailMassTruncation: bad as number }));
      expectSecAggError(() => new PldAccountant({ maxGridPoints: bad as number }));
    }
    for (const v of [0, -1e-4, 2, 1e-7]) expectSecAggError(() => new PldAccountant({ valueDiscretizationInterval: v }), 'OUT_OF_RANGE');
    for (const v of [-1e-15, 0.01]) expectSecAggError(() => new PldAccountant({ tailMassTruncation: v }), 'OUT_OF_RANGE');
    for (const v of [100, 1.5, 2 ** 25]) expectSecAggError(() => new PldAccountant({ maxGridPoints: v }), 'OUT_OF_RANGE');
    const ok = new PldAccountant({ valueDiscretizationInterval: 1e-3, tailMassTruncation: 0, maxGridPoints: 1 << 16 });
    expect(ok.getGridInfo().valueDiscretizationInterval).toBe(1e-3);
  });
});

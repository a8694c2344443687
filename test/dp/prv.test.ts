/**
 * PrvAccountant: the shared accountant contract, bounds that contain exact values (mpmath closed
 * forms: test/vectors/dp-pld.json, dp-wor.json), agreement with the PLD accountant within the
 * bounds on DP-SGD reference runs (the rest of the table runs in prv.slow.test.ts), tightness,
 * heterogeneous runs, calibration, and hostile options.
 */
import { describe, expect, it } from 'vitest';
import { PrvAccountant } from '../../src/dp/prv/index.js';
import { PldAccountant } from '../../src/dp/pld/index.js';
import { calibrateNoiseMultiplier } from '../../src/dp/calibrate.js';
import { analyticGaussianDelta, analyticGaussianEpsilon } from '../../src/dp/analytic-gaussian.js';
import {
  composedEvent,
  discreteGaussianEvent,
  gaussianEvent,
  poissonSampledEvent,
  sampledWithoutReplacementEvent,
  selfComposedEvent,
  type DpEvent,
} from '../../src/dp/events.js';
import { expectSecAggError, notNumbers } from '../_hostile.js';
import { runAccountantContract } from './_accountant-contract.js';
import pld from '../vectors/dp-pld.json' with { type: 'json' };
import wor from '../vectors/dp-wor.json' with { type: 'json' };

runAccountantContract({
  name: 'PrvAccountant',
  make: () => new PrvAccountant(),
  unsupportedEvent: discreteGaussianEvent({ sigma: 5, sensitivity: 1 }),
  // getEpsilon is an upper bound whose width depends on the grid chosen for the query: equalities
  // that hold exactly in theory hold to a fraction of the bound's half-width.
  relTol: 2e-3,
  numRuns: 2,
});
runAccountantContract({
  name: 'PrvAccountant (replaceOne, fixed-size cohorts)',
  make: () => new PrvAccountant({ neighboringRelation: 'replaceOne' }),
  step: (z) => sampledWithoutReplacementEvent(1000, 10, gaussianEvent(2 * z)),
  unsupportedEvent: poissonSampledEvent(0.01, gaussianEvent(1)),
  relTol: 2e-3,
  numRuns: 1,
});

/** lower <= exact <= upper, upper - lower <= 1% of the estimate, estimate within `close`. */
function contains(b: { lower: number; estimate: number; upper: number }, exact: number, close: number): void {
  expect(b.lower).toBeLessThanOrEqual(exact);
  expect(b.upper).toBeGreaterThanOrEqual(exact);
  expect(b.upper - b.lower).toBeLessThanOrEqual(0.01 * b.estimate);
  expect(Math.abs(b.estimate - exact)).toBeLessThan(close);
}

describe('PrvAccountant: bounds contain exact values (mpmath)', () => {
  it('Gaussian runs: 100 steps of noise 10 is one Gaussian of noise 1 (epsilon 4.377178, delta at 1)', () => {
    const acc = new PrvAccountant().compose(gaussianEvent(10), 100);
    contains(acc.getEpsilonBounds(1e-5), 4.3771780956812245, 1e-4);
    const d = acc.getDeltaBounds(1);
    const exact = analyticGaussianDelta({ sigma: 1, epsilon: 1 });
    expect(d.lower).toBeLessThanOrEqual(exact);
    expect(d.upper).toBeGreaterThanOrEqual(exact);
    expect(Math.abs(d.estimate / exact - 1)).toBeLessThan(1e-4);
    expect(acc.getEpsilon(1e-5)).toBe(acc.getEpsilonBounds(1e-5).upper);
  });

  it('one Poisson-subsampled step, both directions (dp-pld.json)', () => {
    for (const c of pld.subsampledGaussian) {
      const acc = new PrvAccountant().compose(poissonSampledEvent(c.samplingRate, gaussianEvent(c.sigma)));
      contains(acc.getEpsilonBounds(c.delta), c.epsilon, 1e-3 * c.epsilon);
      const d = acc.getDeltaBounds(0.5);
      expect(d.lower).toBeLessThanOrEqual(c.deltaAtEpsilon0_5);
      expect(d.upper).toBeGreaterThanOrEqual(c.deltaAtEpsilon0_5);
    }
  });

  it('fixed-size cohorts, one and two rounds (dp-wor.json)', () => {
    for (const c of wor.pld) {
      const e = sampledWithoutReplacementEvent(c.populationSize, c.sampleSize, gaussianEvent(2 * c.sigma));
      for (const [rounds, exact] of [
        [1, c.epsilon1],
        [2, c.epsilon2],
      ] as const) {
        contains(new PrvAccountant({ neighboringRelation: 'replaceOne' }).compose(e, rounds).getEpsilonBounds(c.delta), exact, 1e-3 * exact);
      }
    }
  });
});

describe('PrvAccountant: DP-SGD reference runs against the PLD accountant', () => {
  // The two cheapest runs of docs/dp-pld.md's table; prv.slow.test.ts runs all of them.
  for (const [name, q, z, steps, delta] of [
    ['DP-SGD MNIST (Abadi et al.)', 0.01, 4, 10_000, 1e-5],
    ['DP-FedAvg', 5e-3, 1.0, 2_000, 1e-6],
  ] as const) {
    it(`${name}: PLD epsilon inside the PRV bounds, bounds within 1% of the estimate`, () => {
      const event = poissonSampledEvent(q, gaussianEvent(z));
      const b = new PrvAccountant().compose(event, steps).getEpsilonBounds(delta);
      const p = new PldAccountant().compose(event, steps).getEpsilon(delta);
      contains(b, p, 2e-3);
      // The PLD's pessimistic epsilon is within ~1.3e-4 of the exact one; the estimate is closer.
      expect(b.estimate).toBeLessThanOrEqual(p + 1e-5);
    });
  }
});

describe('PrvAccountant: composition', () => {
  it('heterogeneous runs (two sampling rates, a cohort-free Gaussian) agree with the PLD', () => {
    const run = composedEvent([
      selfComposedEvent(poissonSampledEvent(0.01, gaussianEvent(2)), 500),
      selfComposedEvent(poissonSampledEvent(0.02, gaussianEvent(3)), 300),
      gaussianEvent(20),
    ]);
    const b = new PrvAccountant().compose(run).getEpsilonBounds(1e-6);
    contains(b, new PldAccountant().compose(run).getEpsilon(1e-6), 2e-3);
  });

  it('cohorts of different sizes under substitution agree with the PLD', () => {
    const run = composedEvent([
      selfComposedEvent(sampledWithoutReplacementEvent(1000, 50, gaussianEvent(3)), 200),
      selfComposedEvent(sampledWithoutReplacementEvent(1000, 80, gaussianEvent(4)), 100),
    ]);
    const opts = { neighboringRelation: 'replaceOne' } as const;
    const b = new PrvAccountant(opts).compose(run).getEpsilonBounds(1e-6);
    contains(b, new PldAccountant(opts).compose(run).getEpsilon(1e-6), 3e-3);
  });

  it('a looser relative error gives a wider, still valid interval from a coarser grid', () => {
    const e = poissonSampledEvent(0.02, gaussianEvent(1.5));
    const fine = new PrvAccountant().compose(e, 300).getEpsilonBounds(1e-5);
    const coarse = new PrvAccountant({ relativeEpsilonError: 0.05 }).compose(e, 300).getEpsilonBounds(1e-5);
    expect(coarse.gridStep).toBeGreaterThan(fine.gridStep);
    expect(coarse.upper - coarse.lower).toBeGreaterThan(fine.upper - fine.lower);
    expect(coarse.lower).toBeLessThanOrEqual(fine.upper);
    expect(coarse.upper).toBeGreaterThanOrEqual(fine.lower);
  });

  it('delta 0 and tiny deltas give Infinity; delta 1 and empty runs give 0', () => {
    const acc = new PrvAccountant().compose(gaussianEvent(1));
    expect(acc.getEpsilon(0)).toBe(Number.POSITIVE_INFINITY);
    expect(acc.getEpsilon(1e-13)).toBe(Number.POSITIVE_INFINITY); // below the delta slack
    expect(acc.getEpsilon(1)).toBe(0);
    expect(new PrvAccountant().getEpsilonBounds(1e-5)).toMatchObject({ lower: 0, estimate: 0, upper: 0 });
    expect(acc.getEpsilon(1e-5)).toBeGreaterThanOrEqual(analyticGaussianEpsilon({ sigma: 1, delta: 1e-5 }));
  });
});

describe('PrvAccountant: calibration and hostile input', () => {
  it("calibrateNoiseMultiplier({ accountant: 'prv' }) never overshoots", () => {
    const makeEvent = (z: number): DpEvent => selfComposedEvent(poissonSampledEvent(0.05, gaussianEvent(z)), 50);
    const z = calibrateNoiseMultiplier({ targetEpsilon: 1, targetDelta: 1e-5, makeEvent, accountant: 'prv', tolerance: 1e-3 });
    expect(new PrvAccountant().compose(makeEvent(z)).getEpsilon(1e-5)).toBeLessThanOrEqual(1);
    const zPld = calibrateNoiseMultiplier({ targetEpsilon: 1, targetDelta: 1e-5, makeEvent, accountant: 'pld', tolerance: 1e-3 });
    expect(Math.abs(z / zPld - 1)).toBeLessThan(0.02); // the PRV's upper bound costs < 2% more noise
  });

  it('refuses bad options, and distributed or discrete events', () => {
    const defined = notNumbers.filter((v) => v !== undefined);
    for (const bad of [...defined, 0, 1e-5, 0.3]) {
      expectSecAggError(() => new PrvAccountant({ relativeEpsilonError: bad as number }));
    }
    for (const bad of [...defined, 0, 1e-31, 0.01]) expectSecAggError(() => new PrvAccountant({ deltaError: bad as number }));
    for (const bad of [...defined, 100, 2 ** 25, 1.5]) expectSecAggError(() => new PrvAccountant({ maxGridPoints: bad as number }));
    expectSecAggError(() => new PrvAccountant({ bogus: 1 } as object), 'UNKNOWN_OPTION');
    expectSecAggError(() => new PrvAccountant({ neighboringRelation: 'swap' as 'replaceOne' }), 'OUT_OF_RANGE');
    expectSecAggError(() => new PrvAccountant().compose(discreteGaussianEvent({ sigma: 3, sensitivity: 1 })), 'UNSUPPORTED_EVENT');
  });

  it('a grid limit too small for the run coarsens the grid (wider bounds), never gives a wrong answer', () => {
    const e = poissonSampledEvent(0.01, gaussianEvent(2));
    const small = new PrvAccountant({ maxGridPoints: 4096 }).compose(e, 1000).getEpsilonBounds(1e-5);
    const full = new PrvAccountant().compose(e, 1000).getEpsilonBounds(1e-5);
    expect(small.gridStep).toBeGreaterThan(full.gridStep);
    expect(small.lower).toBeLessThanOrEqual(full.upper);
    expect(small.upper).toBeGreaterThanOrEqual(full.lower);
  });
});

/**
 * Fixed-size cohorts: sampledWithoutReplacementEvent, its RDP bound (Wang-Balle-Kasiviswanathan
 * 2019) and its PLD (the symmetrised dominating pair), against test/vectors/dp-wor.json
 * (mpmath, test/vectors/dp-wor-gen.py; dp_accounting's RDP values where it was run).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  composedEvent,
  discreteGaussianEvent,
  distributedDiscreteGaussianEvent,
  gaussianEvent,
  noOpEvent,
  poissonSampledEvent,
  sampledWithoutReplacementEvent,
  selfComposedEvent,
  skellamEvent,
  validateEvent,
  type DpEvent,
} from '../../src/dp/events.js';
import { RdpAccountant } from '../../src/dp/rdp.js';
import { PldAccountant } from '../../src/dp/pld/index.js';
import { gaussianPmf, symmetrisePmf } from '../../src/dp/pld/_mechanisms.js';
import { logForwardDifferenceBounds } from '../../src/dp/_rdp-wor.js';
import { expectSecAggError, notNumbers } from '../_hostile.js';
import { runAccountantContract } from './_accountant-contract.js';
import vectors from '../vectors/dp-wor.json' with { type: 'json' };

/** The vectors' sigma is relative to the substitution sensitivity; events state add/remove. */
const wor = (c: { populationSize: number; sampleSize: number; sigma: number }): DpEvent =>
  sampledWithoutReplacementEvent(c.populationSize, c.sampleSize, gaussianEvent(2 * c.sigma));
const replaceOne = { neighboringRelation: 'replaceOne' } as const;
/** Round-off allowance for "never below the exact value". */
const ROUND = 1e-12;

// The shared contract, with a fixed-size cohort (10 of 1000) as the step, under substitution.
const cohortStep = (z: number): DpEvent => sampledWithoutReplacementEvent(1000, 10, gaussianEvent(z));
runAccountantContract({
  name: 'RdpAccountant (replaceOne, fixed-size cohorts)',
  make: () => new RdpAccountant({ neighboringRelation: 'replaceOne' }),
  step: cohortStep,
  unsupportedEvent: poissonSampledEvent(0.01, gaussianEvent(1)),
  numRuns: 20,
});
runAccountantContract({
  name: 'PldAccountant (replaceOne, fixed-size cohorts, coarse grid)',
  make: () => new PldAccountant({ neighboringRelation: 'replaceOne', valueDiscretizationInterval: 1e-3 }),
  step: cohortStep,
  unsupportedEvent: poissonSampledEvent(0.01, gaussianEvent(1)),
  relTol: 1e-6,
  numRuns: 2,
});

describe('sampledWithoutReplacementEvent', () => {
  it('is plain data, validated when built, and survives JSON', () => {
    const e = sampledWithoutReplacementEvent(1000, 50, gaussianEvent(1.2));
    expect(e).toEqual({ kind: 'sampledWithoutReplacement', populationSize: 1000, sampleSize: 50, event: { kind: 'gaussian', noiseMultiplier: 1.2 } });
    expect(Object.isFrozen(e)).toBe(true);
    expect(validateEvent(JSON.parse(JSON.stringify(e)))).toEqual(e);
    expect(sampledWithoutReplacementEvent(5, 0, gaussianEvent(1)).sampleSize).toBe(0);
    expect(sampledWithoutReplacementEvent(5, 5, gaussianEvent(1)).sampleSize).toBe(5);
  });

  it('refuses bad sizes and events with INVALID_EVENT', () => {
    for (const bad of [...notNumbers, 0, -1, 1.5, 2 ** 53]) {
      expectSecAggError(() => sampledWithoutReplacementEvent(bad as number, 1, gaussianEvent(1)), 'INVALID_EVENT');
    }
    for (const bad of [...notNumbers, -1, 0.5, 11]) {
      expectSecAggError(() => sampledWithoutReplacementEvent(10, bad as number, gaussianEvent(1)), 'INVALID_EVENT');
    }
    expectSecAggError(() => sampledWithoutReplacementEvent(10, 2, { kind: 'gaussian' } as DpEvent), 'INVALID_EVENT');
    expectSecAggError(
      () => validateEvent({ kind: 'sampledWithoutReplacement', populationSize: 10, sampleSize: 2, event: noOpEvent(), extra: 1 }),
      'INVALID_EVENT',
    );
  });

  it('is accounted under substitution only, and never nested', () => {
    const e = sampledWithoutReplacementEvent(100, 10, gaussianEvent(2));
    const nested = [
      sampledWithoutReplacementEvent(100, 10, poissonSampledEvent(0.5, gaussianEvent(2))),
      sampledWithoutReplacementEvent(100, 10, sampledWithoutReplacementEvent(10, 5, gaussianEvent(2))),
      poissonSampledEvent(0.1, e),
    ];
    for (const make of [(o?: object) => new RdpAccountant(o), (o?: object) => new PldAccountant(o)]) {
      expect(make().supports(e)).toBe(false);
      expectSecAggError(() => make().compose(e), 'UNSUPPORTED_EVENT');
      expect(make(replaceOne).supports(e)).toBe(true);
      expect(make(replaceOne).supports(poissonSampledEvent(0.1, gaussianEvent(2)))).toBe(false);
      for (const n of nested) expect(make(replaceOne).supports(n)).toBe(false);
    }
    // The PLD has no distribution for distributed noise; RDP bounds it (Theorem 9).
    const ddg = sampledWithoutReplacementEvent(100, 10, skellamEvent({ clients: 10, localVariance: 1e4, l2Sensitivity: 10, l1Sensitivity: 100 }));
    expect(new RdpAccountant(replaceOne).supports(ddg)).toBe(true);
    expect(new PldAccountant(replaceOne).supports(ddg)).toBe(false);
  });
});

describe('RDP of sampling without replacement (WBK 2019) against mpmath', () => {
  it('matches the exact bound at every order, never below it (and dp_accounting where it ran)', () => {
    for (const c of vectors.rdp) {
      const acc = new RdpAccountant({ ...replaceOne, orders: vectors.orders }).compose(wor(c));
      const rdp = acc.rdp;
      vectors.orders.forEach((order, i) => {
        const ours = rdp[i] as number;
        const exact = c.rdp[i] as number;
        expect(ours).toBeGreaterThanOrEqual(exact * (1 - ROUND));
        expect(ours).toBeLessThanOrEqual(exact * (1 + 1e-8));
        // dp_accounting computes the same bound without the cap; it equals ours wherever the
        // cap does not bind (its float evaluation of the forward differences can land a hair
        // below the exact value at large noise, where ours adds its rounding bound).
        const dpa = (c as { dpAccounting?: number[] }).dpAccounting?.[i];
        if (dpa !== undefined && (c.wbk[i] as number) === exact) expect(Math.abs(ours / dpa - 1)).toBeLessThan(1e-8);
        if (dpa !== undefined && order === 1.5 && c.sampleSize / c.populationSize === 0.5) expect(ours).toBeLessThan(dpa);
      });
    }
  });

  it('epsilons of composed runs over the default orders equal mpmath (and dp_accounting) to 1e-12', () => {
    for (const c of vectors.epsilon) {
      const eps = new RdpAccountant(replaceOne).compose(wor(c), c.rounds).getEpsilon(c.delta);
      expect(Math.abs(eps / c.epsilon - 1)).toBeLessThan(1e-12);
      expect(Math.abs(eps / c.dpAccounting - 1)).toBeLessThan(1e-12);
    }
  });

  it('the forward differences bound the exact alternating sums from above', () => {
    // Against mpmath values of D(k) = E[(L - 1)^k] (dp-wor-gen.py). At large noise the sum
    // cancels by 14 (k = 8) to 55 (k = 40) orders of magnitude: the bound then says so (it is
    // the rounding allowance), and the other branch of the min applies; it is never below.
    const d = logForwardDifferenceBounds(50, 40);
    expect(Math.exp(d[2] as number)).toBeGreaterThanOrEqual(Math.expm1(1 / 2500) * (1 - 1e-15));
    expect(Math.exp(d[8] as number)).toBeGreaterThanOrEqual(2.7507149626164160621e-12);
    expect(Math.exp(d[8] as number)).toBeLessThan(2 * 2.7507149626164160621e-12);
    expect(Math.exp(d[40] as number)).toBeGreaterThanOrEqual(2.2657614272350376059e-44);
    const d2 = logForwardDifferenceBounds(2, 40);
    expect(Math.abs(Math.exp(d2[40] as number) / 4.8574863219539353405e84 - 1)).toBeLessThan(1e-12);
  });

  it('edges: m = 0 spends nothing, m = N is the unsampled Gaussian at noise z / 2', () => {
    const orders = [1.5, 2, 8, 100];
    const zero = new RdpAccountant({ ...replaceOne, orders }).compose(sampledWithoutReplacementEvent(100, 0, gaussianEvent(1)), 50);
    expect(zero.getEpsilon(1e-6)).toBe(0);
    const all = new RdpAccountant({ ...replaceOne, orders }).compose(sampledWithoutReplacementEvent(20, 20, gaussianEvent(3)));
    const plain = new RdpAccountant({ ...replaceOne, orders }).compose(gaussianEvent(3));
    expect(Array.from(all.rdp)).toEqual(Array.from(plain.rdp));
    expect(plain.rdp[1]).toBeCloseTo(2 / (2 * 1.5 * 1.5), 14);
  });

  it('more clients per round never spend less (RDP increasing in m), and never more than unsampled', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99 }), fc.double({ min: 0.5, max: 20, noNaN: true }), (m, z) => {
        const orders = [2, 5.5, 32];
        const at = (k: number): Float64Array =>
          new RdpAccountant({ ...replaceOne, orders }).compose(sampledWithoutReplacementEvent(100, k, gaussianEvent(z))).rdp;
        const a = at(m);
        const b = at(m + 1);
        const full = new RdpAccountant({ ...replaceOne, orders }).compose(gaussianEvent(z)).rdp;
        for (let i = 0; i < orders.length; i++) {
          expect(b[i] as number).toBeGreaterThanOrEqual((a[i] as number) * (1 - 1e-12));
          expect(a[i] as number).toBeLessThanOrEqual((full[i] as number) * (1 + 1e-12));
        }
      }),
      { numRuns: 20 },
    );
  });

  it('any inner mechanism with an RDP curve (Theorem 9): distributed noise, amplified by the sampling', () => {
    const inner = distributedDiscreteGaussianEvent({ clients: 50, localSigma: 300, l2Sensitivity: 1000, l1Sensitivity: 30000, dimension: 1000 });
    const sampled = new RdpAccountant(replaceOne).compose(sampledWithoutReplacementEvent(1000, 50, inner), 100).getEpsilon(1e-6);
    const plain = new RdpAccountant(replaceOne).compose(inner, 100).getEpsilon(1e-6);
    expect(sampled).toBeLessThan(plain / 2);
    expect(sampled).toBeGreaterThan(0);
    // Composition of different inner events goes through the general bound too.
    const mixed = sampledWithoutReplacementEvent(1000, 50, composedEvent([inner, inner]));
    expect(new RdpAccountant(replaceOne).compose(mixed).getEpsilon(1e-6)).toBeGreaterThan(
      new RdpAccountant(replaceOne).compose(sampledWithoutReplacementEvent(1000, 50, inner)).getEpsilon(1e-6),
    );
  });
});

describe('PLD of sampling without replacement (symmetrised dominating pair) against mpmath', () => {
  it('one and two rounds: never below the exact epsilon, within 1e-6 of it', () => {
    for (const c of vectors.pld) {
      for (const [rounds, exact, exactDelta] of [
        [1, c.epsilon1, c.delta1AtEpsilon1],
        [2, c.epsilon2, c.delta2AtEpsilon1],
      ] as const) {
        const acc = new PldAccountant(replaceOne).compose(wor(c), rounds);
        const eps = acc.getEpsilon(c.delta);
        expect(eps).toBeGreaterThanOrEqual(exact * (1 - ROUND));
        expect(eps).toBeLessThan(exact + 1e-6);
        const d = acc.getDelta(1);
        expect(d).toBeGreaterThanOrEqual(exactDelta * (1 - ROUND));
        expect(d).toBeLessThan(exactDelta * (1 + 1e-6));
      }
    }
  });

  it('the symmetrised PLD keeps both masses at 1 and is its own mirror', () => {
    for (const [sigma, q] of [
      [0.5, 0.01],
      [1, 0.1],
      [2, 0.5],
      [20, 0.9],
    ] as const) {
      const w = symmetrisePmf(gaussianPmf(sigma, q, 'remove', 1e-3, 1 << 20), 1 << 20);
      let p = w.inf;
      let qMass = 0;
      for (let k = 0; k < w.probs.length; k++) {
        p += w.probs[k] as number;
        qMass += (w.probs[k] as number) * Math.exp(-(w.lo + k) * w.h);
      }
      expect(Math.abs(p - 1)).toBeLessThan(1e-12);
      expect(Math.abs(qMass - 1)).toBeLessThan(1e-9);
      // P-mass at -l equals e^{-l} times P-mass at l.
      const at = (k: number): number => (w.probs[k - w.lo] as number | undefined) ?? 0;
      for (const k of [1, 7, 100]) expect(at(-k)).toBeCloseTo(at(k) * Math.exp(-k * w.h), 15);
    }
  });

  it('is tighter than RDP, and increasing in the cohort size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.double({ min: 1, max: 6, noNaN: true }), fc.integer({ min: 1, max: 30 }), (m, z, rounds) => {
        const e = (k: number): DpEvent => sampledWithoutReplacementEvent(100, k, gaussianEvent(z));
        const pld = new PldAccountant({ ...replaceOne, valueDiscretizationInterval: 1e-3 }).compose(e(m), rounds).getEpsilon(1e-5);
        const more = new PldAccountant({ ...replaceOne, valueDiscretizationInterval: 1e-3 }).compose(e(m + 10), rounds).getEpsilon(1e-5);
        const rdp = new RdpAccountant(replaceOne).compose(e(m), rounds).getEpsilon(1e-5);
        expect(pld).toBeLessThanOrEqual(rdp);
        expect(more).toBeGreaterThanOrEqual(pld * (1 - 1e-9));
      }),
      { numRuns: 8 },
    );
  });

  it('cohorts over a discrete Gaussian: the same symmetrised pair, close to the continuous one', () => {
    for (const sigma of [2, 20]) {
      const dg = new PldAccountant(replaceOne)
        .compose(sampledWithoutReplacementEvent(100, 10, discreteGaussianEvent({ sigma, sensitivity: 1 })), 50)
        .getEpsilon(1e-6);
      const g = new PldAccountant(replaceOne).compose(sampledWithoutReplacementEvent(100, 10, gaussianEvent(sigma)), 50).getEpsilon(1e-6);
      expect(Math.abs(dg / g - 1)).toBeLessThan(1e-4);
    }
  });

  it('composes with plain Gaussians and other cohorts (heterogeneous runs, order-free)', () => {
    const parts = [wor({ populationSize: 100, sampleSize: 10, sigma: 1 }), gaussianEvent(8), selfComposedEvent(wor({ populationSize: 1000, sampleSize: 30, sigma: 2 }), 20)];
    const a = new PldAccountant(replaceOne).compose(composedEvent(parts)).getEpsilon(1e-6);
    const b = new PldAccountant(replaceOne);
    for (const p of [...parts].reverse()) b.compose(p);
    expect(b.getEpsilon(1e-6)).toBe(a);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEFAULT_RDP_ORDERS, RdpAccountant, deltaFromRdp, epsilonFromRdp } from '../../src/dp/rdp.js';
import {
  composedEvent,
  discreteGaussianEvent,
  gaussianEvent,
  noOpEvent,
  poissonSampledEvent,
  selfComposedEvent,
  type DpEvent,
} from '../../src/dp/events.js';
import { expectSecAggError, notNumbers } from '../_hostile.js';
import { runAccountantContract } from './_accountant-contract.js';
import vectors from '../vectors/dp-rdp.json' with { type: 'json' };

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

runAccountantContract({
  name: 'RdpAccountant',
  make: () => new RdpAccountant(),
  unsupportedEvent: poissonSampledEvent(0.1, poissonSampledEvent(0.5, gaussianEvent(1))),
});
runAccountantContract({
  name: 'RdpAccountant (classic conversion)',
  make: () => new RdpAccountant({ conversion: 'classic' }),
  numRuns: 30,
});
runAccountantContract({
  name: 'RdpAccountant (replaceOne)',
  make: () => new RdpAccountant({ neighboringRelation: 'replaceOne' }),
  step: (z) => gaussianEvent(z),
  unsupportedEvent: poissonSampledEvent(0.01, gaussianEvent(1)),
  numRuns: 30,
});

describe('RdpAccountant: known answers', () => {
  it('default orders are dp_accounting\'s 156', () => {
    expect(DEFAULT_RDP_ORDERS.length).toBe(156);
    expect(DEFAULT_RDP_ORDERS[0]).toBe(1.1);
    expect(DEFAULT_RDP_ORDERS[98]).toBe(10.9);
    expect(DEFAULT_RDP_ORDERS.slice(99, 101)).toEqual([11, 12]);
    expect(DEFAULT_RDP_ORDERS.slice(-5)).toEqual([63, 128, 256, 512, 1024]);
    expect(Object.isFrozen(DEFAULT_RDP_ORDERS)).toBe(true);
  });

  it('public reference points (Abadi et al. 2016 setting; MNIST DP-SGD)', () => {
    const a = new RdpAccountant().compose(poissonSampledEvent(0.01, gaussianEvent(4)), 10_000);
    expect(a.getEpsilon(1e-5)).toBeCloseTo(1.03549, 5);
    const ac = new RdpAccountant({ conversion: 'classic' }).compose(poissonSampledEvent(0.01, gaussianEvent(4)), 10_000);
    expect(ac.getEpsilon(1e-5)).toBeCloseTo(1.25857, 5);
    const b = new RdpAccountant().compose(poissonSampledEvent(256 / 60000, gaussianEvent(1.1)), 14_063);
    expect(b.getEpsilon(1e-5)).toBeCloseTo(2.5967, 4);
  });

  it('RDP values agree with mpmath (binomial sum / dp_accounting series) to 1e-9 relative', () => {
    for (const p of vectors.rdpPoints) {
      const acc = new RdpAccountant({ orders: [p.order] }).compose(
        poissonSampledEvent(p.q, gaussianEvent(p.noiseMultiplier)),
      );
      const got = acc.rdp[0] as number;
      expect(rel(got, p.rdp), JSON.stringify(p)).toBeLessThan(1e-9);
      // ...and not below the exact value (the defining integral, by quadrature) beyond the
      // series truncation (terms stop 30 nats below the total: ~1e-12 relative, as dp_accounting).
      expect(got, JSON.stringify(p)).toBeGreaterThanOrEqual(p.exactRdp * (1 - 1e-10));
    }
  });

  it('epsilon over the 156 orders agrees with mpmath to 1e-9 relative (improved and classic)', () => {
    for (const r of vectors.epsilonRuns) {
      const step = poissonSampledEvent(r.q, gaussianEvent(r.noiseMultiplier));
      const imp = new RdpAccountant().compose(step, r.steps).getEpsilon(r.delta);
      const cls = new RdpAccountant({ conversion: 'classic' }).compose(step, r.steps).getEpsilon(r.delta);
      expect(rel(imp, r.epsilonImproved), `improved ${JSON.stringify(r)}`).toBeLessThan(1e-9);
      expect(rel(cls, r.epsilonClassic), `classic ${JSON.stringify(r)}`).toBeLessThan(1e-9);
    }
  });

  it('Gaussian: alpha / (2 sigma^2) per step, composition adds, replaceOne quadruples', () => {
    const acc = new RdpAccountant({ orders: [2, 10.5] }).compose(gaussianEvent(2), 3);
    expect(acc.rdp[0]).toBeCloseTo((3 * 2) / 8, 14);
    expect(acc.rdp[1]).toBeCloseTo((3 * 10.5) / 8, 14);
    const rep = new RdpAccountant({ orders: [2], neighboringRelation: 'replaceOne' }).compose(gaussianEvent(2));
    expect(rep.rdp[0]).toBeCloseTo(4 * (2 / 8), 14);
    // Sampling rate 1 is no subsampling.
    const full = new RdpAccountant({ orders: [2, 3.5] }).compose(poissonSampledEvent(1, gaussianEvent(2)));
    expect(Array.from(full.rdp)).toEqual([2 / 8, 3.5 / 8]);
    // A composition of Gaussians inside Poisson sampling is one Gaussian with the combined noise.
    const x = new RdpAccountant().compose(poissonSampledEvent(0.02, selfComposedEvent(gaussianEvent(2), 4)));
    const y = new RdpAccountant().compose(poissonSampledEvent(0.02, gaussianEvent(1)));
    expect(Array.from(x.rdp)).toEqual(Array.from(y.rdp));
  });

  it('discrete Gaussian: alpha Delta^2 / (2 sigma^2) (the Gaussian bound, CKS 2020)', () => {
    const acc = new RdpAccountant({ orders: [3] }).compose(discreteGaussianEvent({ sigma: 10, sensitivity: 5 }));
    expect(acc.rdp[0]).toBeCloseTo((3 * 25) / 200, 14);
  });

  it('subsampled discrete Gaussian uses Zhu-Wang at integer orders and drops fractional ones', () => {
    const ev = poissonSampledEvent(0.01, discreteGaussianEvent({ sigma: 4, sensitivity: 1 }));
    const acc = new RdpAccountant().compose(ev, 1000);
    const dropped = acc.droppedOrders;
    expect(dropped.length).toBe(90); // 99 orders in 1.1..10.9, of which 2, 3, ..., 10 are integers
    expect(dropped.every((d) => !Number.isInteger(d.order))).toBe(true);
    const zw = acc.getEpsilon(1e-5);
    // Zhu-Wang's general bound is looser than the exact (MTZ) Gaussian one on the same orders...
    const ints = DEFAULT_RDP_ORDERS.filter((o) => Number.isInteger(o));
    const mtz = new RdpAccountant({ orders: ints }).compose(poissonSampledEvent(0.01, gaussianEvent(4)), 1000);
    expect(zw).toBeGreaterThanOrEqual(mtz.getEpsilon(1e-5));
    // ...but far tighter than no subsampling at all.
    const unsampled = new RdpAccountant().compose(discreteGaussianEvent({ sigma: 4, sensitivity: 1 }), 1000);
    expect(zw).toBeLessThan(unsampled.getEpsilon(1e-5) / 5);
    // At order 2 the bound is exact: log(1 + q^2 (e^eps(2) - 1)).
    const two = new RdpAccountant({ orders: [2] }).compose(ev);
    expect(rel(two.rdp[0] as number, Math.log1p(1e-4 * Math.expm1(2 / 32)))).toBeLessThan(1e-9);
  });

  it('only fractional orders with a Zhu-Wang event: NUMERICAL_FAILURE, not a silent number', () => {
    const acc = new RdpAccountant({ orders: [1.5, 2.5] }).compose(
      poissonSampledEvent(0.1, discreteGaussianEvent({ sigma: 3, sensitivity: 1 })),
    );
    expect(acc.droppedOrders.map((d) => d.order)).toEqual([1.5, 2.5]);
    expectSecAggError(() => acc.getEpsilon(1e-5), 'NUMERICAL_FAILURE');
    expectSecAggError(() => acc.getDelta(1), 'NUMERICAL_FAILURE');
  });

  it('flags an optimum at the edge of the grid', () => {
    const lo = new RdpAccountant({ orders: [2, 3, 4] }).compose(gaussianEvent(20), 1);
    const r = lo.getEpsilonAndOrder(1e-5);
    expect(r.order).toBe(4);
    expect(r.atGridEdge).toBe(true);
    const mid = new RdpAccountant().compose(poissonSampledEvent(0.01, gaussianEvent(4)), 10_000).getEpsilonAndOrder(1e-5);
    expect(mid.order).toBe(17);
    expect(mid.atGridEdge).toBe(false);
    // With fractional orders dropped (Zhu-Wang), order 2 is the usable edge.
    const zw = new RdpAccountant()
      .compose(poissonSampledEvent(0.5, discreteGaussianEvent({ sigma: 0.7, sensitivity: 1 })), 50)
      .getEpsilonAndOrder(1e-5);
    expect(zw.order).toBe(2);
    expect(zw.atGridEdge).toBe(true);
  });

  it('delta = 0 gives Infinity unless nothing was spent; delta = 1 gives 0', () => {
    const acc = new RdpAccountant().compose(gaussianEvent(1));
    expect(acc.getEpsilon(0)).toBe(Number.POSITIVE_INFINITY);
    expect(acc.getEpsilon(1)).toBe(0);
    expect(acc.getDelta(1000)).toBeLessThan(1e-100);
  });

  it('getDelta matches the per-order formulas and is the inverse of getEpsilon', () => {
    const acc = new RdpAccountant().compose(poissonSampledEvent(0.01, gaussianEvent(4)), 10_000);
    const { delta, order } = acc.getDeltaAndOrder(1.0354900660362174);
    expect(rel(delta, 1e-5)).toBeLessThan(1e-9);
    expect(order).toBe(17);
  });
});

describe('RdpAccountant: properties', () => {
  it('epsilon is non-decreasing in the sampling rate', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-4, max: 0.5, noNaN: true }),
        fc.double({ min: 0, max: 0.5, noNaN: true }),
        fc.double({ min: 0.7, max: 5, noNaN: true }),
        (q, dq, z) => {
          const e1 = new RdpAccountant().compose(poissonSampledEvent(q, gaussianEvent(z)), 100).getEpsilon(1e-5);
          const e2 = new RdpAccountant().compose(poissonSampledEvent(q + dq, gaussianEvent(z)), 100).getEpsilon(1e-5);
          expect(e2).toBeGreaterThanOrEqual(e1 * (1 - 1e-12));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('improved conversion never exceeds the classic one', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.5, max: 10, noNaN: true }), fc.integer({ min: 1, max: 5000 }), (z, n) => {
        const step = poissonSampledEvent(0.01, gaussianEvent(z));
        const imp = new RdpAccountant().compose(step, n).getEpsilon(1e-6);
        const cls = new RdpAccountant({ conversion: 'classic' }).compose(step, n).getEpsilon(1e-6);
        expect(imp).toBeLessThanOrEqual(cls + 1e-12);
      }),
      { numRuns: 40 },
    );
  });

  it('subsampled RDP lies between 0 and the unsampled Gaussian RDP at every order', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-5, max: 0.99, noNaN: true }), fc.double({ min: 0.3, max: 20, noNaN: true }), (q, z) => {
        const acc = new RdpAccountant().compose(poissonSampledEvent(q, gaussianEvent(z)));
        const full = new RdpAccountant().compose(gaussianEvent(z)).rdp;
        acc.rdp.forEach((r, i) => {
          if (r === Number.POSITIVE_INFINITY) return; // dropped order
          expect(r).toBeGreaterThanOrEqual(0);
          expect(r).toBeLessThanOrEqual((full[i] as number) * (1 + 1e-9));
        });
      }),
      { numRuns: 30 },
    );
  });
});

describe('RdpAccountant: hostile inputs', () => {
  it('constructor options', () => {
    expectSecAggError(() => new RdpAccountant({ order: [2] } as never), 'UNKNOWN_OPTION');
    expectSecAggError(() => new RdpAccountant(5 as never), 'INVALID_TYPE');
    expectSecAggError(() => new RdpAccountant({ orders: [] }), 'OUT_OF_RANGE');
    expectSecAggError(() => new RdpAccountant({ orders: [1] }), 'OUT_OF_RANGE');
    expectSecAggError(() => new RdpAccountant({ orders: [0.5, 2] }), 'OUT_OF_RANGE');
    expectSecAggError(() => new RdpAccountant({ orders: new Float64Array([2]) as never }), 'INVALID_TYPE');
    for (const bad of notNumbers) {
      if (bad === undefined) continue;
      expectSecAggError(() => new RdpAccountant({ orders: [2, bad as number] }));
    }
    expectSecAggError(() => new RdpAccountant({ conversion: 'tight' as never }), 'OUT_OF_RANGE');
    expectSecAggError(() => new RdpAccountant({ neighboringRelation: 'add' as never }), 'OUT_OF_RANGE');
    expectSecAggError(() => new RdpAccountant({ neighboringRelation: 1 as never }), 'INVALID_TYPE');
  });

  it('events from JSON are validated; cyclic and deep trees refused', () => {
    const acc = new RdpAccountant();
    acc.compose(JSON.parse('{"kind":"poissonSampled","samplingRate":0.01,"event":{"kind":"gaussian","noiseMultiplier":4}}') as DpEvent);
    expect(acc.getEpsilon(1e-5)).toBeGreaterThan(0);
    const cyc: Record<string, unknown> = { kind: 'selfComposed', count: 1 };
    cyc['event'] = cyc;
    expectSecAggError(() => acc.compose(cyc as unknown as DpEvent), 'INVALID_EVENT');
    let deep: DpEvent = noOpEvent();
    for (let i = 0; i < 100; i++) deep = { kind: 'composed', events: [deep] } as DpEvent;
    expectSecAggError(() => acc.compose(deep), 'INVALID_EVENT');
  });

  it('a failing RDP formula records nothing', () => {
    // Extremely small noise: the Gaussian RDP overflows to Infinity, which is a valid (trivial) bound.
    const acc = new RdpAccountant().compose(gaussianEvent(1e-200));
    expect(acc.getEpsilon(1e-5)).toBe(Number.POSITIVE_INFINITY);
    expect(acc.getDelta(10)).toBe(1);
  });

  it('supports() never throws on garbage', () => {
    const acc = new RdpAccountant();
    for (const bad of [null, undefined, 3, 'gaussian', {}, { kind: 'gaussian', noiseMultiplier: Number.NaN }, []]) {
      expect(acc.supports(bad as never)).toBe(false);
    }
    expect(acc.supports(gaussianEvent(1))).toBe(true);
  });

  it('getEpsilonAndOrder / getDeltaAndOrder validate like getEpsilon / getDelta', () => {
    const acc = new RdpAccountant().compose(gaussianEvent(1));
    for (const bad of [...notNumbers, -1, 2]) expectSecAggError(() => acc.getEpsilonAndOrder(bad as number));
    for (const bad of [...notNumbers, -1]) expectSecAggError(() => acc.getDeltaAndOrder(bad as number));
  });

  it('the ledger is not exposed for mutation', () => {
    const acc = new RdpAccountant().compose(gaussianEvent(1));
    const r = acc.rdp;
    r.fill(0);
    expect(acc.getEpsilon(1e-5)).toBeGreaterThan(0);
    expect(Object.isFrozen(acc.orders)).toBe(true);
  });

  it('conversion helpers', () => {
    expect(epsilonFromRdp([2], [0], 1e-5, 'improved').epsilon).toBe(0);
    expect(deltaFromRdp([2], [0], 0, 'classic').delta).toBe(0);
    expect(composedEvent([]).events.length).toBe(0);
  });
});

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
import { expectSecAggError, notCounts, notNumbers } from '../_hostile.js';

const ddg = { clients: 100, localSigma: 8, l2Sensitivity: 1000, l1Sensitivity: 30000, dimension: 1000 };
const sk = { clients: 100, localVariance: 50, l2Sensitivity: 1000, l1Sensitivity: 30000 };

function deepFrozen(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return true;
  return Object.isFrozen(v) && Object.values(v).every(deepFrozen);
}

const all: DpEvent[] = [
  gaussianEvent(1.1),
  poissonSampledEvent(0.01, gaussianEvent(4)),
  selfComposedEvent(gaussianEvent(2), 7),
  composedEvent([gaussianEvent(2), noOpEvent()]),
  discreteGaussianEvent({ sigma: 20, sensitivity: 10 }),
  distributedDiscreteGaussianEvent(ddg),
  skellamEvent(sk),
  noOpEvent(),
];

describe('events', () => {
  it('are plain, deep-frozen and survive a JSON round trip', () => {
    for (const e of all) {
      expect(deepFrozen(e)).toBe(true);
      const back = validateEvent(JSON.parse(JSON.stringify(e)));
      expect(back).toEqual(e);
      expect(deepFrozen(back)).toBe(true);
      expect(validateEvent(e)).toBe(e); // already validated: no copy
    }
    expect(gaussianEvent(1.1)).toEqual({ kind: 'gaussian', noiseMultiplier: 1.1 });
    expect(skellamEvent(sk)).toEqual({ kind: 'skellam', ...sk });
  });

  it('validateEvent copies: later mutation of the input does not change the event', () => {
    const raw = { kind: 'composed', events: [{ kind: 'gaussian', noiseMultiplier: 2 }] };
    const e = validateEvent(raw);
    raw.events[0]!.noiseMultiplier = 0.001;
    expect(e).toEqual({ kind: 'composed', events: [{ kind: 'gaussian', noiseMultiplier: 2 }] });
  });

  it('constructors refuse bad parameters with INVALID_EVENT', () => {
    for (const bad of [...notNumbers, 0, -1]) {
      expectSecAggError(() => gaussianEvent(bad as number), 'INVALID_EVENT');
      expectSecAggError(() => discreteGaussianEvent({ sigma: bad as number, sensitivity: 1 }), 'INVALID_EVENT');
      expectSecAggError(() => discreteGaussianEvent({ sigma: 1, sensitivity: bad as number }), 'INVALID_EVENT');
      expectSecAggError(() => distributedDiscreteGaussianEvent({ ...ddg, localSigma: bad as number }), 'INVALID_EVENT');
      expectSecAggError(() => distributedDiscreteGaussianEvent({ ...ddg, l2Sensitivity: bad as number }), 'INVALID_EVENT');
      expectSecAggError(() => skellamEvent({ ...sk, localVariance: bad as number }), 'INVALID_EVENT');
      expectSecAggError(() => skellamEvent({ ...sk, l1Sensitivity: bad as number }), 'INVALID_EVENT');
    }
    for (const bad of [...notNumbers, -0.1, 1.1]) {
      expectSecAggError(() => poissonSampledEvent(bad as number, gaussianEvent(1)), 'INVALID_EVENT');
    }
    for (const bad of notCounts) {
      expectSecAggError(() => selfComposedEvent(gaussianEvent(1), bad as number), 'INVALID_EVENT');
    }
    for (const bad of [...notCounts, 0]) {
      expectSecAggError(() => distributedDiscreteGaussianEvent({ ...ddg, clients: bad as number }), 'INVALID_EVENT');
      expectSecAggError(() => distributedDiscreteGaussianEvent({ ...ddg, dimension: bad as number }), 'INVALID_EVENT');
      expectSecAggError(() => skellamEvent({ ...sk, clients: bad as number }), 'INVALID_EVENT');
    }
    for (const bad of [undefined, null, 3, 'gaussian', [], {}, { kind: 'laplace' }, { kind: 'gaussian' }]) {
      expectSecAggError(() => poissonSampledEvent(0.5, bad as never), 'INVALID_EVENT');
      expectSecAggError(() => selfComposedEvent(bad as never, 1), 'INVALID_EVENT');
      expectSecAggError(() => composedEvent([gaussianEvent(1), bad as never]), 'INVALID_EVENT');
      expectSecAggError(() => validateEvent(bad), 'INVALID_EVENT');
    }
    expectSecAggError(() => composedEvent('x' as never), 'INVALID_EVENT');
    expectSecAggError(() => discreteGaussianEvent(null as never), 'INVALID_EVENT');
    expectSecAggError(() => skellamEvent({ ...sk, extra: 1 } as never), 'INVALID_EVENT');
    expectSecAggError(() => skellamEvent({ ...sk, kind: 'gaussian' } as never), 'INVALID_EVENT');
    expectSecAggError(() => validateEvent({ kind: 'noOp', noiseMultiplier: 1 }), 'INVALID_EVENT');
    expectSecAggError(() => validateEvent({ kind: 'toString' }), 'INVALID_EVENT');
    expectSecAggError(() => validateEvent({ kind: '__proto__' }), 'INVALID_EVENT');
    expectSecAggError(() => validateEvent(new Proxy({}, { get: () => 1 })), 'INVALID_EVENT');
  });

  it('edge values are accepted: q = 0 and 1, count = 0, empty composition', () => {
    expect(poissonSampledEvent(0, gaussianEvent(1)).samplingRate).toBe(0);
    expect(poissonSampledEvent(1, gaussianEvent(1)).samplingRate).toBe(1);
    expect(selfComposedEvent(gaussianEvent(1), 0).count).toBe(0);
    expect(composedEvent([]).events).toEqual([]);
  });

  it('validateEvent accepts every tree the constructors build (property)', () => {
    const leaf = fc.oneof(
      fc.double({ min: 0.01, max: 100, noNaN: true }).map((z) => gaussianEvent(z)),
      fc.constant(noOpEvent()),
      fc.double({ min: 0.5, max: 100, noNaN: true }).map((s) => discreteGaussianEvent({ sigma: s, sensitivity: 1 })),
    );
    const tree = fc.letrec<{ node: DpEvent }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), tie('node')).map(([q, e]) => poissonSampledEvent(q, e)),
        fc.tuple(tie('node'), fc.integer({ min: 0, max: 100 })).map(([e, n]) => selfComposedEvent(e, n)),
        fc.array(tie('node'), { maxLength: 3 }).map((es) => composedEvent(es)),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (e) => {
        expect(validateEvent(JSON.parse(JSON.stringify(e)))).toEqual(e);
      }),
    );
  });
});

describe('distributed events through the RDP accountant', () => {
  it('distributed discrete Gaussian and Skellam compose; replaceOne doubles the sensitivities', () => {
    const e = distributedDiscreteGaussianEvent(ddg);
    const acc = new RdpAccountant().compose(e, 10);
    const eps = acc.getEpsilon(1e-5);
    expect(eps).toBeGreaterThan(0);
    expect(Number.isFinite(eps)).toBe(true);
    const doubled = distributedDiscreteGaussianEvent({ ...ddg, l2Sensitivity: 2000, l1Sensitivity: 60000 });
    const rep = new RdpAccountant({ neighboringRelation: 'replaceOne' }).compose(e, 10);
    const add = new RdpAccountant().compose(doubled, 10);
    expect(Array.from(rep.rdp)).toEqual(Array.from(add.rdp));
    const s = new RdpAccountant().compose(skellamEvent(sk), 10).getEpsilon(1e-5);
    expect(s).toBeGreaterThan(0);
  });

  it('distributed events cannot be Poisson-sampled (their bound keeps every client\'s noise in both sums); fixed-size cohorts amplify them', () => {
    // Under add/remove an absent client also removes its noise, which the distributed bounds do
    // not cover: the event is refused rather than under-counted, nested or not.
    const d = distributedDiscreteGaussianEvent({ clients: 100, localSigma: 40, l2Sensitivity: 400, l1Sensitivity: 4000, dimension: 1000 });
    for (const inner of [skellamEvent(sk), d, composedEvent([gaussianEvent(1), d]), selfComposedEvent(d, 3)]) {
      expect(() => poissonSampledEvent(0.01, inner)).toThrowError(expect.objectContaining({ code: 'INVALID_EVENT' }));
    }
    expect(() => validateEvent({ kind: 'poissonSampled', samplingRate: 0.5, event: { ...d } })).toThrowError(
      expect.objectContaining({ code: 'INVALID_EVENT' }),
    );
    const sub = new RdpAccountant({ neighboringRelation: 'replaceOne' })
      .compose(sampledWithoutReplacementEvent(10_000, 100, d), 100)
      .getEpsilon(1e-5);
    const full = new RdpAccountant({ neighboringRelation: 'replaceOne' }).compose(d, 100).getEpsilon(1e-5);
    expect(sub).toBeLessThanOrEqual(full);
  });
});

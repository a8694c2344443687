import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { calibrateNoiseMultiplier } from '../../src/dp/calibrate.js';
import { RdpAccountant } from '../../src/dp/rdp.js';
import {
  gaussianEvent,
  noOpEvent,
  poissonSampledEvent,
  selfComposedEvent,
  type DpEvent,
} from '../../src/dp/events.js';
import { expectSecAggError, notNumbers } from '../_hostile.js';

const run = (q: number, steps: number) => (z: number): DpEvent =>
  selfComposedEvent(poissonSampledEvent(q, gaussianEvent(z)), steps);
const eps = (event: DpEvent, delta: number): number => new RdpAccountant().compose(event).getEpsilon(delta);

describe('calibrateNoiseMultiplier', () => {
  it('finds the smallest noise within tolerance that meets the budget (RDP)', () => {
    const make = run(0.01, 10_000);
    const z = calibrateNoiseMultiplier({ targetEpsilon: 1.03549, targetDelta: 1e-5, makeEvent: make });
    // The reference point: noise 4 gives 1.035490066...; 1.03549 is just below, so z is just above 4.
    expect(z).toBeGreaterThan(4);
    expect(z).toBeLessThan(4 * (1 + 1e-4));
    expect(eps(make(z), 1e-5)).toBeLessThanOrEqual(1.03549);
    expect(eps(make(z * (1 - 1e-5)), 1e-5)).toBeGreaterThan(1.03549);
  });

  it('never overshoots and is within the tolerance (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.3, max: 8, noNaN: true }),
        fc.double({ min: 1e-4, max: 0.2, noNaN: true }),
        fc.integer({ min: 1, max: 3000 }),
        (target, q, steps) => {
          const make = run(q, steps);
          const z = calibrateNoiseMultiplier({ targetEpsilon: target, targetDelta: 1e-6, makeEvent: make });
          expect(eps(make(z), 1e-6)).toBeLessThanOrEqual(target);
          expect(eps(make(z * (1 - 1e-5)), 1e-6)).toBeGreaterThan(target * (1 - 1e-12));
        },
      ),
      { numRuns: 15 },
    );
  });

  it('accepts an accountant factory and bounds', () => {
    const make = (z: number): DpEvent => selfComposedEvent(gaussianEvent(z), 10);
    const orders = [2, 4, 8, 16, 32, 64];
    const z = calibrateNoiseMultiplier({
      targetEpsilon: 2,
      targetDelta: 1e-5,
      makeEvent: make,
      accountant: () => new RdpAccountant({ orders }),
      lowerBound: 0.5,
      upperBound: 100,
      tolerance: 1e-9,
    });
    expect(new RdpAccountant({ orders }).compose(make(z)).getEpsilon(1e-5)).toBeLessThanOrEqual(2);
    // The lower bound already meets a loose budget: it is returned.
    expect(calibrateNoiseMultiplier({ targetEpsilon: 1e6, targetDelta: 1e-5, makeEvent: make, lowerBound: 0.5 })).toBe(0.5);
  });

  it("accountant: 'pld' is wired (one Gaussian: never below the exact analytic noise)", () => {
    // Exact epsilon of a Gaussian with noise 1 at delta 1e-5 (Balle-Wang): 4.3771780956812245.
    const z = calibrateNoiseMultiplier({
      targetEpsilon: 4.3771780956812245,
      targetDelta: 1e-5,
      makeEvent: (z) => gaussianEvent(z),
      accountant: 'pld',
      tolerance: 1e-4,
    });
    expect(z).toBeGreaterThanOrEqual(1 - 1e-9);
    expect(z).toBeLessThan(1.01);
  });

  it('CALIBRATION_FAILED when no noise in range meets the budget', () => {
    expectSecAggError(
      () => calibrateNoiseMultiplier({ targetEpsilon: 0.001, targetDelta: 1e-5, makeEvent: run(0.5, 1000), upperBound: 10 }),
      'CALIBRATION_FAILED',
    );
    // epsilon 0 at delta 0 is unreachable for a Gaussian
    expectSecAggError(
      () => calibrateNoiseMultiplier({ targetEpsilon: 0, targetDelta: 0, makeEvent: (z) => gaussianEvent(z), upperBound: 1e6 }),
      'CALIBRATION_FAILED',
    );
  });

  it('a run that ignores the noise needs none: returns the lower bound', () => {
    expect(calibrateNoiseMultiplier({ targetEpsilon: 1, targetDelta: 1e-5, makeEvent: () => noOpEvent() })).toBe(1e-6);
  });

  it('hostile inputs', () => {
    const base = { targetEpsilon: 1, targetDelta: 1e-5, makeEvent: run(0.01, 100) };
    for (const bad of notNumbers) {
      expectSecAggError(() => calibrateNoiseMultiplier({ ...base, targetEpsilon: bad as number }));
      expectSecAggError(() => calibrateNoiseMultiplier({ ...base, targetDelta: bad as number }));
      if (bad !== undefined) {
        expectSecAggError(() => calibrateNoiseMultiplier({ ...base, lowerBound: bad as number }));
        expectSecAggError(() => calibrateNoiseMultiplier({ ...base, tolerance: bad as number }));
      }
    }
    expectSecAggError(() => calibrateNoiseMultiplier({ ...base, makeEvent: 3 as never }), 'INVALID_TYPE');
    expectSecAggError(() => calibrateNoiseMultiplier({ ...base, accountant: 'moments' as never }), 'OUT_OF_RANGE');
    expectSecAggError(() => calibrateNoiseMultiplier({ ...base, accountant: 5 as never }), 'INVALID_TYPE');
    expectSecAggError(() => calibrateNoiseMultiplier({ ...base, lowerBound: 5, upperBound: 2 }), 'OUT_OF_RANGE');
    expectSecAggError(() => calibrateNoiseMultiplier({ ...base, extra: 1 } as never), 'UNKNOWN_OPTION');
    expectSecAggError(() => calibrateNoiseMultiplier(undefined as never));
    // makeEvent returning garbage is refused by the accountant with INVALID_EVENT
    expectSecAggError(() => calibrateNoiseMultiplier({ ...base, makeEvent: () => ({ kind: 'nope' }) as never }), 'INVALID_EVENT');
  });
});

/**
 * The contract every PrivacyAccountant must meet (src/dp/accountant.ts). Call
 * `runAccountantContract({...})` inside a test file; it registers a `describe` block.
 *
 * Used by test/dp/rdp.test.ts; the PLD accountant reuses it (pass a looser `relTol` and fewer
 * `numRuns` if the accountant is slow or discretised).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PrivacyAccountant } from '../../src/dp/accountant.js';
import {
  composedEvent,
  gaussianEvent,
  noOpEvent,
  poissonSampledEvent,
  selfComposedEvent,
  type DpEvent,
} from '../../src/dp/events.js';
import { expectSecAggError, notNumbers } from '../_hostile.js';

export interface AccountantContractOptions {
  /** Name shown in the test report. */
  readonly name: string;
  /** A fresh accountant each call. */
  readonly make: () => PrivacyAccountant;
  /** An event this accountant refuses with UNSUPPORTED_EVENT (omit if it supports everything). */
  readonly unsupportedEvent?: DpEvent;
  /** One step with the given noise multiplier (default: Poisson q = 0.01 over a Gaussian). */
  readonly step?: (noiseMultiplier: number) => DpEvent;
  /** Relative tolerance for equalities that hold exactly in theory (default 1e-9). */
  readonly relTol?: number;
  /** fast-check runs per property (default: the global setting). */
  readonly numRuns?: number;
}

export function runAccountantContract(options: AccountantContractOptions): void {
  const { name, make, unsupportedEvent } = options;
  const step = options.step ?? ((z: number) => poissonSampledEvent(0.01, gaussianEvent(z)));
  const relTol = options.relTol ?? 1e-9;
  const runs = options.numRuns === undefined ? {} : { numRuns: options.numRuns };
  const near = (a: number, b: number): boolean => Math.abs(a - b) <= relTol * Math.max(Math.abs(a), Math.abs(b), 1e-300);

  describe(`PrivacyAccountant contract: ${name}`, () => {
    it('a fresh accountant (and one with only noOp events) spends nothing', () => {
      const acc = make();
      expect(acc.getEpsilon(1e-5)).toBe(0);
      expect(acc.getDelta(0)).toBe(0);
      expect(acc.getDelta(1)).toBe(0);
      acc.compose(noOpEvent(), 5).compose(composedEvent([]), 3).compose(gaussianEvent(1), 0);
      expect(acc.getEpsilon(1e-5)).toBe(0);
      expect(acc.getDelta(0.5)).toBe(0);
    });

    it('compose chains (returns the accountant)', () => {
      const acc = make();
      expect(acc.compose(gaussianEvent(2))).toBe(acc);
    });

    it('refuses invalid events and counts before recording anything', () => {
      const acc = make().compose(step(2), 10);
      const before = acc.getEpsilon(1e-5);
      expectSecAggError(() => acc.compose({ kind: 'bogus' } as unknown as DpEvent), 'INVALID_EVENT');
      expectSecAggError(() => acc.compose({ kind: 'gaussian', noiseMultiplier: -1 } as DpEvent), 'INVALID_EVENT');
      expectSecAggError(() => acc.compose(null as unknown as DpEvent), 'INVALID_EVENT');
      for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '3', null]) {
        expectSecAggError(() => acc.compose(step(2), bad as number));
      }
      expect(acc.getEpsilon(1e-5)).toBe(before);
    });

    if (unsupportedEvent !== undefined) {
      it('refuses unsupported events (even nested) before recording anything', () => {
        const acc = make().compose(step(2), 10);
        const before = acc.getEpsilon(1e-5);
        expect(acc.supports(unsupportedEvent)).toBe(false);
        expect(acc.supports(step(2))).toBe(true);
        const mixed = composedEvent([gaussianEvent(1), selfComposedEvent(unsupportedEvent, 2)]);
        expect(acc.supports(mixed)).toBe(false);
        expectSecAggError(() => acc.compose(mixed), 'UNSUPPORTED_EVENT');
        expectSecAggError(() => acc.compose(unsupportedEvent, 3), 'UNSUPPORTED_EVENT');
        expect(acc.getEpsilon(1e-5)).toBe(before);
      });
    }

    it('rejects invalid delta and epsilon arguments', () => {
      const acc = make().compose(step(1), 5);
      for (const bad of [...notNumbers, -1e-9, 1.0000001, -1]) {
        expectSecAggError(() => acc.getEpsilon(bad as number));
      }
      for (const bad of [...notNumbers, -1e-9, -5]) {
        expectSecAggError(() => acc.getDelta(bad as number));
      }
    });

    it('epsilon -> delta -> epsilon round-trips', () => {
      fc.assert(
        fc.property(
          fc.double({ min: 0.8, max: 8, noNaN: true }),
          fc.integer({ min: 1, max: 2000 }),
          fc.constantFrom(1e-3, 1e-5, 1e-7),
          (z, steps, delta) => {
            const acc = make().compose(step(z), steps);
            const eps = acc.getEpsilon(delta);
            if (!(eps > 0) || !Number.isFinite(eps)) return;
            const d = acc.getDelta(eps);
            expect(d).toBeLessThanOrEqual(delta * (1 + relTol) + 1e-300);
            const back = acc.getEpsilon(d);
            expect(Math.abs(back - eps)).toBeLessThanOrEqual(Math.max(relTol, 1e-6) * eps);
          },
        ),
        runs,
      );
    });

    it('epsilon is non-decreasing in steps and non-increasing in noise', () => {
      fc.assert(
        fc.property(
          fc.double({ min: 0.6, max: 10, noNaN: true }),
          fc.double({ min: 0, max: 2, noNaN: true }),
          fc.integer({ min: 1, max: 1000 }),
          fc.integer({ min: 0, max: 1000 }),
          (z, dz, steps, more) => {
            const e = make().compose(step(z), steps).getEpsilon(1e-5);
            const eMoreSteps = make().compose(step(z), steps + more).getEpsilon(1e-5);
            const eMoreNoise = make().compose(step(z + dz), steps).getEpsilon(1e-5);
            expect(eMoreSteps).toBeGreaterThanOrEqual(e * (1 - relTol));
            expect(eMoreNoise).toBeLessThanOrEqual(e * (1 + relTol));
          },
        ),
        runs,
      );
    });

    it('compose(event, n) = n single compositions = selfComposed(event, n)', () => {
      fc.assert(
        fc.property(fc.double({ min: 0.7, max: 6, noNaN: true }), fc.integer({ min: 1, max: 12 }), (z, n) => {
          const e = step(z);
          const a = make().compose(e, n);
          const b = make();
          for (let i = 0; i < n; i++) b.compose(e);
          const c = make().compose(selfComposedEvent(e, n));
          for (const delta of [1e-3, 1e-6]) {
            expect(near(a.getEpsilon(delta), b.getEpsilon(delta))).toBe(true);
            expect(near(a.getEpsilon(delta), c.getEpsilon(delta))).toBe(true);
          }
          expect(near(a.getDelta(1), b.getDelta(1))).toBe(true);
        }),
        runs,
      );
    });

    it('a heterogeneous run composes like its parts', () => {
      const parts = [gaussianEvent(3), step(2), selfComposedEvent(step(1.5), 7)];
      const a = make().compose(composedEvent(parts));
      const b = make();
      for (const p of parts) b.compose(p);
      expect(near(a.getEpsilon(1e-5), b.getEpsilon(1e-5))).toBe(true);
    });
  });
}

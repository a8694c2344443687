/**
 * PrvAccountant on every run of docs/dp-pld.md's table (`npm run test:slow`): the PLD
 * accountant's epsilon (an upper bound within ~1e-4 of the exact one) lies inside the PRV's
 * bounds, which stay within 1% of the estimate; the two cheapest runs are in prv.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { PrvAccountant } from '../../src/dp/prv/index.js';
import { PldAccountant } from '../../src/dp/pld/index.js';
import { gaussianEvent, poissonSampledEvent } from '../../src/dp/events.js';

const RUNS = [
  ['DP-SGD MNIST (Abadi et al. 2016)', 0.01, 4, 10_000, 1e-5],
  ['DP-SGD MNIST, 60 epochs of batch 256', 256 / 60_000, 1.1, 14_063, 1e-5],
  ['DP-SGD CIFAR-10, 100 epochs of batch 256', 256 / 50_000, 1.5, 19_532, 1e-5],
  ['DP-FedAvg', 5e-3, 1.0, 2_000, 1e-6],
  ['cross-device FL', 1e-3, 0.8, 10_000, 1e-6],
  ['full-batch Gaussian', 1, 10, 100, 1e-5],
] as const;

describe('PrvAccountant: the DP-SGD / DP-FedAvg reference runs', () => {
  for (const [name, q, z, steps, delta] of RUNS) {
    it(`${name}: lower <= PLD <= upper, upper - lower <= 1% of the estimate`, () => {
      const event = q === 1 ? gaussianEvent(z) : poissonSampledEvent(q, gaussianEvent(z));
      const b = new PrvAccountant().compose(event, steps).getEpsilonBounds(delta);
      const p = new PldAccountant().compose(event, steps).getEpsilon(delta);
      expect(b.lower).toBeLessThanOrEqual(p);
      expect(b.upper).toBeGreaterThanOrEqual(p);
      expect(b.upper - b.lower).toBeLessThanOrEqual(0.01 * b.estimate);
      expect(b.estimate).toBeLessThanOrEqual(p + 1e-5);
    });
  }
});

/**
 * Gaussian-equivalent events (internal): a tree of Gaussians on the same data composes to one
 * Gaussian whose inverse variance is the sum of the parts'. Both accountants use this to treat
 * such trees exactly (dp_accounting does the same).
 */
import type { DpEvent } from './events.js';

/**
 * Sum of 1/sigma^2 over a tree of Gaussian events (composition of Gaussians is a Gaussian with
 * that inverse variance), or undefined when the tree holds anything else. noOp adds 0.
 */
export function gaussianInverseVariance(event: DpEvent): number | undefined {
  switch (event.kind) {
    case 'gaussian':
      return 1 / (event.noiseMultiplier * event.noiseMultiplier);
    case 'noOp':
      return 0;
    case 'selfComposed': {
      const v = gaussianInverseVariance(event.event);
      return v === undefined ? undefined : event.count === 0 ? 0 : event.count * v;
    }
    case 'composed': {
      let s = 0;
      for (const e of event.events) {
        const v = gaussianInverseVariance(e);
        if (v === undefined) return undefined;
        s += v;
      }
      return s;
    }
    default:
      return undefined;
  }
}

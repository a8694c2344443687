/**
 * STUB (written by the accounting engineer so that rdp.ts compiles): the distributed-DP
 * engineer replaces these bodies with the Kairouz-Liu-Steinke 2021 and Agarwal-Kairouz-Liu 2021
 * bounds. Contract: per-step RDP at `order` (> 1) for ONE release of the summed noise, with the
 * sensitivities exactly as in the event (the RDP accountant scales them for the neighbouring
 * relation before calling, by passing an event with doubled sensitivities under replaceOne).
 * Return a finite number >= 0, or `Infinity` when no finite bound holds.
 * @module
 */
import { SecAggError } from '../errors.js';
import type { DistributedDiscreteGaussianEvent, SkellamEvent } from './events.js';

/** Per-step RDP of the distributed discrete Gaussian at `order`. (stub) */
export function distributedDiscreteGaussianRdp(
  event: DistributedDiscreteGaussianEvent,
  order: number,
): number {
  void event;
  void order;
  throw new SecAggError('NUMERICAL_FAILURE', 'distributedDiscreteGaussianRdp is not implemented yet');
}

/** Per-step RDP of the distributed Skellam mechanism at `order`. (stub) */
export function skellamRdp(event: SkellamEvent, order: number): number {
  void event;
  void order;
  throw new SecAggError('NUMERICAL_FAILURE', 'skellamRdp is not implemented yet');
}

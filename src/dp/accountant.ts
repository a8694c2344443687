/**
 * The privacy accountant contract shared by every accountant in secagg (RDP, PLD, and any
 * user-supplied one).
 *
 * ## Units and the neighbouring relation
 * - The **noise multiplier** of a Gaussian event is noise stddev / L2 sensitivity.
 * - Event sensitivities (and so noise multipliers) are always stated for **one record added or
 *   removed**: the bound C on one record's (one client's) contribution, e.g. the clipping norm.
 *   Events therefore mean the same thing under every accountant and relation.
 * - Under `'addOrRemoveOne'` (the default, as in dp_accounting) neighbouring datasets differ by
 *   one record present in one and absent in the other; the sensitivity is C.
 * - Under `'replaceOne'` neighbouring datasets have the same size and differ in one record's
 *   value; the sum moves by up to 2C, so accountants **double every sensitivity** (L2 and L1):
 *   a Gaussian event with noise multiplier z is accounted as z / 2, a discrete Gaussian with
 *   sensitivity s as 2s. (dp_accounting instead takes the noise multiplier relative to the
 *   sensitivity under the chosen relation; secagg keeps events relation-free and does the
 *   doubling itself, which removes a classic factor-of-two mistake.) Poisson subsampling is
 *   analysed for add/remove only (Mironov-Talwar-Zhang, Zhu-Wang), so Poisson-sampled events
 *   are refused under `'replaceOne'` with `UNSUPPORTED_EVENT`, as dp_accounting does; fixed-size
 *   sampling without replacement (Wang-Balle-Kasiviswanathan) is analysed for substitution
 *   only, so those events are refused under `'addOrRemoveOne'`.
 * @module
 */
import { SecAggError } from '../errors.js';
import { assertInteger, assertNumber } from '../_assert.js';
import type { DpEvent } from './events.js';

/** Which datasets are neighbours; see the module doc for how sensitivity changes. */
export type NeighboringRelation = 'addOrRemoveOne' | 'replaceOne';

/**
 * A privacy accountant: consumes events, answers (epsilon, delta) questions.
 *
 * Contract (tested for every implementation by the shared contract suite):
 * - a fresh accountant (or one that only saw `noOp` events) reports epsilon 0 and delta 0;
 * - `compose` validates the whole event tree and checks support BEFORE recording anything, so
 *   a refused event leaves the accountant exactly as it was;
 * - epsilon is non-decreasing in composed steps and non-increasing in noise;
 * - composing `event` with `count` equals composing it `count` times.
 */
export interface PrivacyAccountant {
  /**
   * Records `count` (default 1, safe integer >= 0) adaptive compositions of `event`.
   * Returns the accountant for chaining.
   * @throws SecAggError `INVALID_EVENT` (malformed event), `UNSUPPORTED_EVENT` (nothing
   *   recorded), `OUT_OF_RANGE` / `INVALID_TYPE` (bad count).
   */
  compose(event: DpEvent, count?: number): this;
  /**
   * Smallest epsilon such that the composed mechanism is (epsilon, delta)-DP.
   * @param delta in [0, 1]. May return `Infinity` (e.g. delta = 0 with a Gaussian).
   */
  getEpsilon(delta: number): number;
  /**
   * Smallest delta such that the composed mechanism is (epsilon, delta)-DP.
   * @param epsilon finite, >= 0. Returns a value in [0, 1].
   */
  getDelta(epsilon: number): number;
  /** True when `event` (validated) could be composed into this accountant. Never throws. */
  supports(event: DpEvent): boolean;
  /** The neighbouring relation this accountant reasons about. */
  readonly neighboringRelation: NeighboringRelation;
}

/** Internal: checks a delta argument (number in [0, 1]). */
export function checkDelta(delta: unknown, name = 'delta'): number {
  return assertNumber(delta, name, 0, 1);
}

/** Internal: checks an epsilon argument (finite number >= 0). */
export function checkEpsilon(epsilon: unknown, name = 'epsilon'): number {
  return assertNumber(epsilon, name, 0, Number.MAX_VALUE);
}

/** Internal: checks a composition count (safe integer >= 0, default 1). */
export function checkCount(count: unknown, name = 'count'): number {
  if (count === undefined) return 1;
  return assertInteger(count, name, 0, Number.MAX_SAFE_INTEGER);
}

/** Internal: checks a neighbouring relation option. */
export function checkNeighboringRelation(value: unknown): NeighboringRelation {
  if (value === undefined) return 'addOrRemoveOne';
  if (value !== 'addOrRemoveOne' && value !== 'replaceOne') {
    throw new SecAggError(
      typeof value === 'string' ? 'OUT_OF_RANGE' : 'INVALID_TYPE',
      `neighboringRelation must be 'addOrRemoveOne' or 'replaceOne'`,
    );
  }
  return value;
}

/** Factor by which sensitivities are multiplied under `relation` (1 or 2). */
export function sensitivityFactor(relation: NeighboringRelation): number {
  return relation === 'replaceOne' ? 2 : 1;
}

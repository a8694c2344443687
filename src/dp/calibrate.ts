/**
 * Noise calibration: the smallest noise multiplier whose composed run stays within a target
 * (epsilon, delta) budget, under any accountant.
 * @module
 */
import { SecAggError } from '../errors.js';
import { assertNumber, assertOptions, describeType } from '../_assert.js';
import type { PrivacyAccountant } from './accountant.js';
import type { DpEvent } from './events.js';
import { RdpAccountant } from './rdp.js';
import { PldAccountant } from './pld/index.js';
import { PrvAccountant } from './prv/index.js';
import { brentRoot } from './_solve.js';

/**
 * Named accountants for {@link calibrateNoiseMultiplier}: one line per accountant, each a
 * factory for a fresh accountant with default options.
 */
const ACCOUNTANTS: Readonly<Record<string, () => PrivacyAccountant>> = {
  rdp: () => new RdpAccountant(),
  pld: () => new PldAccountant(),
  prv: () => new PrvAccountant(),
};

/** Accountant names accepted by {@link calibrateNoiseMultiplier}. */
export type AccountantName = 'rdp' | 'pld' | 'prv';

/** Options of {@link calibrateNoiseMultiplier}. */
export interface CalibrateOptions {
  /** Target epsilon, finite >= 0. */
  readonly targetEpsilon: number;
  /** Target delta in [0, 1]. */
  readonly targetDelta: number;
  /** The whole run for a given noise multiplier (e.g. Poisson-sampled Gaussian x steps). */
  readonly makeEvent: (noiseMultiplier: number) => DpEvent;
  /**
   * `'rdp'` (default), `'pld'`, `'prv'` (calibrates on the PRV's upper bound, so it never
   * overshoots either), or a factory of fresh accountants (e.g. with custom orders).
   */
  readonly accountant?: AccountantName | (() => PrivacyAccountant);
  /** Smallest noise multiplier considered, finite > 0 (default: searched down to 1e-6). */
  readonly lowerBound?: number;
  /** Largest noise multiplier considered, finite > lowerBound (default: searched up to 1e12). */
  readonly upperBound?: number;
  /** Relative tolerance on the noise multiplier, in [1e-12, 0.1] (default 1e-6). */
  readonly tolerance?: number;
}

const DEFAULT_LOWER = 1e-6;
const DEFAULT_UPPER = 1e12;

/**
 * Smallest noise multiplier sigma (within `tolerance`, relative) such that the run
 * `makeEvent(sigma)` is (targetEpsilon, targetDelta)-DP according to the accountant.
 *
 * Epsilon must be non-increasing in the noise multiplier (true for every event secagg
 * defines). The search brackets the answer by doubling/halving, then runs Brent's method on
 * epsilon(sigma) - targetEpsilon, and finally checks that the returned sigma never overshoots
 * the budget (epsilon(sigma) <= targetEpsilon), stepping sigma up if rounding says otherwise.
 * If the smallest allowed sigma already meets the budget, it is returned.
 *
 * @returns the noise multiplier (noise stddev / L2 sensitivity).
 * @throws SecAggError `CALIBRATION_FAILED` (no sigma in range meets the budget);
 *   `UNKNOWN_OPTION`, `INVALID_TYPE`, `OUT_OF_RANGE` (options); whatever the accountant throws
 *   for the events `makeEvent` returns (`INVALID_EVENT`, `UNSUPPORTED_EVENT`, ...).
 * @example
 * ```ts
 * const z = calibrateNoiseMultiplier({
 *   targetEpsilon: 1, targetDelta: 1e-5,
 *   makeEvent: (z) => selfComposedEvent(poissonSampledEvent(0.01, gaussianEvent(z)), 10_000),
 * }); // 4.1258 with the RDP accountant (3.81 with PLD)
 * ```
 */
export function calibrateNoiseMultiplier(options: CalibrateOptions): number {
  const o = assertOptions<Record<string, unknown>>(options, 'options', [
    'targetEpsilon',
    'targetDelta',
    'makeEvent',
    'accountant',
    'lowerBound',
    'upperBound',
    'tolerance',
  ]);
  const target = assertNumber(o['targetEpsilon'], 'options.targetEpsilon', 0, Number.MAX_VALUE);
  const delta = assertNumber(o['targetDelta'], 'options.targetDelta', 0, 1);
  const makeEvent = o['makeEvent'];
  if (typeof makeEvent !== 'function') {
    throw new SecAggError('INVALID_TYPE', `options.makeEvent must be a function, got ${describeType(makeEvent)}`);
  }
  const factory = resolveAccountant(o['accountant']);
  const lowerGiven = o['lowerBound'] !== undefined;
  const upperGiven = o['upperBound'] !== undefined;
  const lower = lowerGiven ? assertNumber(o['lowerBound'], 'options.lowerBound', 0, Number.MAX_VALUE, { min: true }) : DEFAULT_LOWER;
  const upper = upperGiven ? assertNumber(o['upperBound'], 'options.upperBound', 0, Number.MAX_VALUE, { min: true }) : DEFAULT_UPPER;
  if (!(upper > lower)) {
    throw new SecAggError('OUT_OF_RANGE', `options.upperBound (${upper}) must exceed options.lowerBound (${lower})`);
  }
  const tol = o['tolerance'] === undefined ? 1e-6 : assertNumber(o['tolerance'], 'options.tolerance', 1e-12, 0.1);

  const epsilonAt = (sigma: number): number => {
    const event = (makeEvent as (z: number) => DpEvent)(sigma);
    return factory().compose(event).getEpsilon(delta);
  };
  const fits = (sigma: number): boolean => epsilonAt(sigma) <= target;

  // 1. Bracket: lo does not fit, hi fits.
  let hi = upperGiven ? upper : Math.min(Math.max(1, lower), upper);
  while (!fits(hi)) {
    if (hi >= upper) {
      throw new SecAggError(
        'CALIBRATION_FAILED',
        `no noise multiplier up to ${upper} reaches epsilon <= ${target} at delta = ${delta}`,
      );
    }
    hi = Math.min(hi * 4, upper);
  }
  let lo = lowerGiven ? lower : Math.max(hi / 4, lower);
  if (fits(lo)) {
    if (lowerGiven) return lo;
    while (fits(lo)) {
      hi = lo;
      if (lo <= lower) return lo;
      lo = Math.max(lo / 4, lower);
    }
  }
  if (lo === hi) return hi;

  // 2. Brent on epsilon(sigma) - target; keep the end that fits.
  const g = (sigma: number): number => epsilonAt(sigma) - target;
  const bracket = brentRoot(g, lo, hi, (x) => tol * Math.abs(x));
  let sigma = bracket.hi;

  // 3. Never overshoot: the returned sigma must meet the budget.
  for (let i = 0; !fits(sigma); i++) {
    if (i >= 60 || sigma >= upper) {
      throw new SecAggError('CALIBRATION_FAILED', 'could not confirm a noise multiplier within the budget');
    }
    sigma = Math.min(sigma * (1 + tol * 2 ** i), upper);
  }
  return sigma;
}

function resolveAccountant(value: unknown): () => PrivacyAccountant {
  if (value === undefined) return ACCOUNTANTS['rdp'] as () => PrivacyAccountant;
  if (typeof value === 'function') return value as () => PrivacyAccountant;
  if (typeof value === 'string') {
    const f = Object.prototype.hasOwnProperty.call(ACCOUNTANTS, value) ? ACCOUNTANTS[value] : undefined;
    if (f === undefined) {
      throw new SecAggError('OUT_OF_RANGE', `options.accountant must be one of ${Object.keys(ACCOUNTANTS).join(', ')} or a factory`);
    }
    return f;
  }
  throw new SecAggError('INVALID_TYPE', `options.accountant must be a name or a factory, got ${describeType(value)}`);
}

/**
 * The analytic Gaussian mechanism (Balle and Wang, ICML 2018): the exact privacy curve of one
 * Gaussian release, and the smallest noise for a target (epsilon, delta).
 *
 * For noise N(0, sigma^2) on a query with L2 sensitivity Delta (add/remove or replace: the
 * curve is the same once Delta is the sensitivity under the relation you use):
 *   delta(eps) = Phi(Delta/(2 sigma) - eps sigma/Delta) - e^eps Phi(-Delta/(2 sigma) - eps sigma/Delta),
 * evaluated in log space (log Phi via log erfc) so that tiny deltas do not underflow.
 * @module
 */
import { SecAggError } from '../errors.js';
import { assertNumber, assertOptions } from '../_assert.js';
import { logNormalCdf, logSubExp } from './_special.js';
import { brentRoot } from './_solve.js';

function deltaCurve(sigma: number, epsilon: number, sensitivity: number): number {
  const a = sensitivity / (2 * sigma);
  const b = (epsilon * sigma) / sensitivity;
  const l1 = logNormalCdf(a - b);
  const l2 = epsilon + logNormalCdf(-a - b);
  if (!(l1 > l2)) return 0;
  return Math.min(1, Math.exp(logSubExp(l1, l2)));
}

/**
 * Exact delta of the Gaussian mechanism at `epsilon`.
 * @param options.sigma noise stddev, finite > 0; options.epsilon finite >= 0;
 *   options.sensitivity L2 sensitivity, finite > 0 (default 1).
 * @returns delta in [0, 1].
 * @throws SecAggError `UNKNOWN_OPTION`, `INVALID_TYPE`, `OUT_OF_RANGE`.
 * @example
 * ```ts
 * analyticGaussianDelta({ sigma: 1, epsilon: 4.377178 }); // ~1e-5
 * ```
 */
export function analyticGaussianDelta(options: {
  sigma: number;
  epsilon: number;
  sensitivity?: number;
}): number {
  const o = assertOptions<{ sigma: unknown; epsilon: unknown; sensitivity?: unknown }>(options, 'options', [
    'sigma',
    'epsilon',
    'sensitivity',
  ]);
  const sigma = assertNumber(o.sigma, 'options.sigma', 0, Number.MAX_VALUE, { min: true });
  const epsilon = assertNumber(o.epsilon, 'options.epsilon', 0, Number.MAX_VALUE);
  const sensitivity =
    o.sensitivity === undefined ? 1 : assertNumber(o.sensitivity, 'options.sensitivity', 0, Number.MAX_VALUE, { min: true });
  return deltaCurve(sigma, epsilon, sensitivity);
}

/**
 * Smallest epsilon at which the Gaussian mechanism is (epsilon, delta)-DP (never below the exact
 * value: the result satisfies delta(result) <= delta).
 * @param options.sigma finite > 0; options.delta in (0, 1]; options.sensitivity finite > 0 (default 1).
 * @throws SecAggError `UNKNOWN_OPTION`, `INVALID_TYPE`, `OUT_OF_RANGE`.
 * @example
 * ```ts
 * analyticGaussianEpsilon({ sigma: 1, delta: 1e-5 }); // 4.37717...
 * ```
 */
export function analyticGaussianEpsilon(options: {
  sigma: number;
  delta: number;
  sensitivity?: number;
}): number {
  const o = assertOptions<{ sigma: unknown; delta: unknown; sensitivity?: unknown }>(options, 'options', [
    'sigma',
    'delta',
    'sensitivity',
  ]);
  const sigma = assertNumber(o.sigma, 'options.sigma', 0, Number.MAX_VALUE, { min: true });
  const delta = assertNumber(o.delta, 'options.delta', 0, 1, { min: true });
  const sensitivity =
    o.sensitivity === undefined ? 1 : assertNumber(o.sensitivity, 'options.sensitivity', 0, Number.MAX_VALUE, { min: true });
  if (deltaCurve(sigma, 0, sensitivity) <= delta) return 0;
  let hi = 1;
  while (deltaCurve(sigma, hi, sensitivity) > delta) {
    hi *= 2;
    if (hi > 1e300) throw new SecAggError('NUMERICAL_FAILURE', 'no finite epsilon reaches this delta');
  }
  const g = (e: number): number => Math.log(deltaCurve(sigma, e, sensitivity)) - Math.log(delta);
  let { hi: eps } = brentRoot(g, 0, hi, (x) => 1e-14 * Math.max(1, Math.abs(x)));
  for (let i = 0; i < 200 && deltaCurve(sigma, eps, sensitivity) > delta; i++) eps += 1e-13 * Math.max(1, eps) * 2 ** i;
  return eps;
}

/**
 * Smallest noise stddev sigma for which the Gaussian mechanism is (epsilon, delta)-DP, by
 * root-finding on the exact curve (tighter than the classic sqrt(2 ln(1.25/delta)) Delta/eps,
 * and valid for every epsilon, not only epsilon < 1). The result never overshoots:
 * analyticGaussianDelta({ sigma: result, epsilon, sensitivity }) <= delta.
 * @param options.epsilon finite >= 0; options.delta in (0, 1); options.sensitivity finite > 0 (default 1).
 * @throws SecAggError `UNKNOWN_OPTION`, `INVALID_TYPE`, `OUT_OF_RANGE`, `NUMERICAL_FAILURE`.
 * @example
 * ```ts
 * analyticGaussianSigma({ epsilon: 1, delta: 1e-5 }); // ~3.73 (classic formula: 4.84)
 * ```
 */
export function analyticGaussianSigma(options: {
  epsilon: number;
  delta: number;
  sensitivity?: number;
}): number {
  const o = assertOptions<{ epsilon: unknown; delta: unknown; sensitivity?: unknown }>(options, 'options', [
    'epsilon',
    'delta',
    'sensitivity',
  ]);
  const epsilon = assertNumber(o.epsilon, 'options.epsilon', 0, Number.MAX_VALUE);
  const delta = assertNumber(o.delta, 'options.delta', 0, 1, { min: true, max: true });
  const sensitivity =
    o.sensitivity === undefined ? 1 : assertNumber(o.sensitivity, 'options.sensitivity', 0, Number.MAX_VALUE, { min: true });
  // Work with s = sigma / sensitivity (the curve depends on sigma/Delta only).
  const curve = (s: number): number => deltaCurve(s, epsilon, 1);
  let lo = 1;
  let hi = 1;
  while (curve(hi) > delta) {
    lo = hi;
    hi *= 2;
    if (hi > 1e150) throw new SecAggError('NUMERICAL_FAILURE', 'no finite sigma reaches this (epsilon, delta)');
  }
  if (hi === 1) {
    while (curve(lo) <= delta) {
      hi = lo;
      lo /= 2;
      if (lo < 1e-150) return hi * sensitivity;
    }
  }
  const g = (s: number): number => {
    const d = curve(s);
    return d === 0 ? -1e300 : Math.log(d) - Math.log(delta);
  };
  const { hi: s } = brentRoot(g, lo, hi, (x) => 1e-14 * x);
  let sigma = s * sensitivity;
  for (let i = 0; i < 200 && deltaCurve(sigma, epsilon, sensitivity) > delta; i++) sigma *= 1 + 1e-15 * 2 ** i;
  return sigma;
}

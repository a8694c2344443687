/**
 * Zero-concentrated DP (Bun and Steinke 2016) to and from approximate DP by the tight conversion
 * of Canonne, Kamath and Steinke 2020, Proposition 12: rho-zCDP (RDP alpha rho at every order)
 * implies (epsilon, delta)-DP with
 *   delta = inf_{alpha > 1} exp((alpha - 1)(alpha rho - epsilon) + alpha log(1 - 1/alpha)) / (alpha - 1),
 * equivalently epsilon = inf_{alpha > 1} alpha rho + log(1 - 1/alpha) - log(delta alpha) / (alpha - 1).
 * The infimum over alpha is a 1-D minimisation (scan in log(alpha - 1), golden-section refine).
 * @module
 */
import { SecAggError } from '../errors.js';
import { assertNumber } from '../_assert.js';
import { brentRoot, minimize1d } from './_solve.js';

/** alpha = 1 + e^t; t spans alpha - 1 in [1e-9, 1e12]. */
const T_LO = Math.log(1e-9);
const T_HI = Math.log(1e12);

function epsilonAt(rho: number, logDelta: number, t: number): number {
  const am1 = Math.exp(t);
  const a = 1 + am1;
  // log(1 - 1/alpha) = log((alpha - 1)/alpha) = t - log(alpha)
  return a * rho + (t - Math.log(a)) - (logDelta + Math.log(a)) / am1;
}

function logDeltaAt(rho: number, epsilon: number, t: number): number {
  const am1 = Math.exp(t);
  const a = 1 + am1;
  return am1 * (a * rho - epsilon) + a * (t - Math.log(a)) - t;
}

function epsilonFor(rho: number, delta: number): number {
  if (rho === 0 || delta >= 1) return 0;
  const logDelta = Math.log(delta);
  const best = minimize1d((t) => epsilonAt(rho, logDelta, t), T_LO, T_HI, 256).value;
  return Math.max(0, best);
}

function deltaFor(rho: number, epsilon: number): number {
  if (rho === 0) return 0;
  const best = minimize1d((t) => logDeltaAt(rho, epsilon, t), T_LO, T_HI, 256).value;
  return Math.min(1, Math.exp(best));
}

/**
 * Epsilon of a rho-zCDP mechanism at `delta` (CKS 2020 Prop. 12).
 * @param rho finite >= 0. @param delta in (0, 1].
 * @returns epsilon >= 0.
 * @throws SecAggError `INVALID_TYPE`, `OUT_OF_RANGE`.
 * @example
 * ```ts
 * zcdpToApproxDp(0.5, 1e-5); // 4.7284 (a Gaussian with noise multiplier 1; exact: 4.3772)
 * ```
 */
export function zcdpToApproxDp(rho: number, delta: number): number {
  assertNumber(rho, 'rho', 0, Number.MAX_VALUE);
  assertNumber(delta, 'delta', 0, 1, { min: true });
  return epsilonFor(rho, delta);
}

/**
 * Delta of a rho-zCDP mechanism at `epsilon` (CKS 2020 Prop. 12).
 * @param rho finite >= 0. @param epsilon finite >= 0.
 * @returns delta in [0, 1].
 * @throws SecAggError `INVALID_TYPE`, `OUT_OF_RANGE`.
 * @example
 * ```ts
 * zcdpDelta(0.5, 4); // 1.958e-4
 * ```
 */
export function zcdpDelta(rho: number, epsilon: number): number {
  assertNumber(rho, 'rho', 0, Number.MAX_VALUE);
  assertNumber(epsilon, 'epsilon', 0, Number.MAX_VALUE);
  return deltaFor(rho, epsilon);
}

/**
 * Largest rho such that rho-zCDP implies (epsilon, delta)-DP by CKS 2020 Prop. 12 (i.e. the
 * zCDP budget you may spend for a target (epsilon, delta)); the result satisfies
 * zcdpToApproxDp(result, delta) <= epsilon.
 * @param epsilon finite >= 0. @param delta in (0, 1).
 * @returns rho > 0.
 * @throws SecAggError `INVALID_TYPE`, `OUT_OF_RANGE`, `NUMERICAL_FAILURE`.
 * @example
 * ```ts
 * approxDpToZcdp(1, 1e-5); // 0.03056
 * ```
 */
export function approxDpToZcdp(epsilon: number, delta: number): number {
  assertNumber(epsilon, 'epsilon', 0, Number.MAX_VALUE);
  assertNumber(delta, 'delta', 0, 1, { min: true, max: true });
  const over = (rho: number): number => epsilonFor(rho, delta) - epsilon;
  let lo = 1;
  let hi = 1;
  if (over(1) > 0) {
    while (over(lo) > 0) {
      hi = lo;
      lo /= 4;
      if (lo < 1e-300) throw new SecAggError('NUMERICAL_FAILURE', 'no rho > 0 meets this (epsilon, delta)');
    }
  } else {
    while (over(hi) <= 0) {
      lo = hi;
      hi *= 4;
      if (hi > 1e300) throw new SecAggError('NUMERICAL_FAILURE', 'rho is unbounded for this (epsilon, delta)');
    }
  }
  // over(lo) <= 0 < over(hi): keep the feasible end.
  const { lo: rho } = brentRoot(over, lo, hi, (x) => 1e-13 * x);
  let r = rho;
  for (let i = 0; i < 200 && over(r) > 0; i++) r *= 1 - 1e-14 * 2 ** i;
  return r;
}

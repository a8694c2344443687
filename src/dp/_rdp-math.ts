/**
 * Per-order RDP formulas (pure functions, no validation: callers pass validated events).
 * Conventions follow dp_accounting's rdp_privacy_accountant.py so that numbers agree to ~1e-12.
 * @module
 */
import { logBinomial, logErfc, logSumExp } from './_special.js';

const LOG_HALF = Math.log(0.5);
const LOG_3 = Math.log(3);

/** Series steps for fractional orders before an order is declared non-convergent. */
export const MAX_FRAC_STEPS = 1000;

/** RDP of the Gaussian mechanism with noise multiplier `sigma` at `order`: alpha / (2 sigma^2). */
export function gaussianRdp(sigma: number, order: number): number {
  return order / (2 * sigma * sigma);
}

/**
 * log A_alpha for the Poisson-subsampled Gaussian at integer alpha (Mironov, Talwar, Zhang 2019):
 * A = sum_{i=0}^{alpha} C(alpha, i) (1-q)^(alpha-i) q^i exp((i^2 - i) / (2 sigma^2)), 0 < q < 1.
 * `scratch` must hold alpha + 1 numbers.
 */
export function logAInt(q: number, sigma: number, alpha: number, scratch: Float64Array): number {
  const logq = Math.log(q);
  const log1mq = Math.log1p(-q);
  const inv2s2 = 1 / (2 * sigma * sigma);
  const terms = scratch.subarray(0, alpha + 1);
  for (let i = 0; i <= alpha; i++) {
    terms[i] = logBinomial(alpha, i) + i * logq + (alpha - i) * log1mq + (i * i - i) * inv2s2;
  }
  return logSumExp(terms);
}

function logAdd(a: number, b: number): number {
  const lo = a < b ? a : b;
  const hi = a < b ? b : a;
  if (lo === Number.NEGATIVE_INFINITY) return hi;
  return Math.log1p(Math.exp(lo - hi)) + hi;
}

/**
 * log A_alpha at fractional alpha by the two-sided erfc series (MTZ 2019, Sec. 3.3), summed
 * until both halves decrease and their terms fall 30 nats below the total. Returns `NaN` when
 * the series does not converge within {@link MAX_FRAC_STEPS} terms (the caller drops the order).
 */
export function logAFrac(q: number, sigma: number, alpha: number): number {
  let logA0 = Number.NEGATIVE_INFINITY;
  let logA1 = Number.NEGATIVE_INFINITY;
  const z0 = sigma * sigma * Math.log(1 / q - 1) + 0.5;
  const logq = Math.log(q);
  const log1mq = Math.log1p(-q);
  const inv2s2 = 1 / (2 * sigma * sigma);
  const invSqrt2Sigma = 1 / (Math.SQRT2 * sigma);
  let lastS0 = Number.NEGATIVE_INFINITY;
  let lastS1 = Number.NEGATIVE_INFINITY;
  // log|C(alpha, i)| by the recurrence C(alpha, i+1) = C(alpha, i) (alpha - i) / (i + 1)
  // (alpha is not an integer here, so alpha - i never vanishes).
  let logCoef = 0;
  for (let i = 0; i < MAX_FRAC_STEPS; i++) {
    if (i > 0) logCoef += Math.log(Math.abs(alpha - i + 1)) - Math.log(i);
    const j = alpha - i;
    const logT0 = logCoef + i * logq + j * log1mq;
    const logT1 = logCoef + j * logq + i * log1mq;
    const logE0 = LOG_HALF + logErfc((i - z0) * invSqrt2Sigma);
    const logE1 = LOG_HALF + logErfc((z0 - j) * invSqrt2Sigma);
    const logS0 = logT0 + (i * i - i) * inv2s2 + logE0;
    const logS1 = logT1 + (j * j - j) * inv2s2 + logE1;
    if (Number.isNaN(logS0) || Number.isNaN(logS1)) return Number.NaN;
    logA0 = logAdd(logA0, logS0);
    logA1 = logAdd(logA1, logS1);
    const total = logAdd(logA0, logA1);
    if (logS0 < lastS0 && logS1 < lastS1 && Math.max(logS0, logS1) < total - 30) return total;
    lastS0 = logS0;
    lastS1 = logS1;
  }
  return Number.NaN;
}

/**
 * RDP at `order` of the Poisson-subsampled Gaussian (sampling rate q, noise multiplier sigma).
 * Returns `NaN` when the fractional-order series does not converge (order must be dropped).
 */
export function subsampledGaussianRdp(
  q: number,
  sigma: number,
  order: number,
  scratch: Float64Array,
): number {
  if (q === 0) return 0;
  if (q === 1) return gaussianRdp(sigma, order);
  if (sigma === Number.POSITIVE_INFINITY) return 0;
  if (Number.isInteger(order)) return logAInt(q, sigma, order, scratch) / (order - 1);
  // The fractional-order series uses |generalised binomial| coefficients (as dp_accounting): an
  // upper bound, loose near alpha = 1, where it can exceed the unsampled Gaussian's RDP, which
  // is itself a valid bound (subsampling never hurts): take the smaller.
  const r = logAFrac(q, sigma, order) / (order - 1);
  return Number.isNaN(r) ? r : Math.min(r, gaussianRdp(sigma, order));
}

/**
 * General Poisson-subsampling bound (Zhu and Wang 2019, Theorem 6), integer alpha >= 2, for any
 * mechanism with RDP curve eps(l) (`curve[l]` for l = 2..alpha), 0 < q < 1:
 * (1/(alpha-1)) log{ (1-q)^(alpha-1) (alpha q - q + 1) + C(alpha,2) q^2 (1-q)^(alpha-2) e^eps(2)
 *   + 3 sum_{l=3}^{alpha} C(alpha,l) (1-q)^(alpha-l) q^l e^((l-1) eps(l)) },
 * capped by eps(alpha) (subsampling never hurts, by quasi-convexity of the Renyi divergence).
 */
export function zhuWangRdp(q: number, alpha: number, curve: Float64Array, scratch: Float64Array): number {
  const base = curve[alpha] as number;
  if (q === 0) return 0;
  if (q === 1) return base;
  const logq = Math.log(q);
  const log1mq = Math.log1p(-q);
  const terms = scratch.subarray(0, alpha);
  terms[0] = (alpha - 1) * log1mq + Math.log1p((alpha - 1) * q);
  terms[1] = logBinomial(alpha, 2) + 2 * logq + (alpha - 2) * log1mq + (curve[2] as number);
  for (let l = 3; l <= alpha; l++) {
    terms[l - 1] = LOG_3 + logBinomial(alpha, l) + l * logq + (alpha - l) * log1mq + (l - 1) * (curve[l] as number);
  }
  const bound = logSumExp(terms) / (alpha - 1);
  return Number.isNaN(bound) ? base : Math.min(bound, base);
}

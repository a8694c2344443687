/**
 * RDP of fixed-size sampling without replacement under substitution (Wang, Balle,
 * Kasiviswanathan, "Subsampled Renyi Differential Privacy and Analytical Moments Accountant",
 * AISTATS 2019; arXiv 1808.00087). Pure functions, no validation (callers pass validated values).
 *
 * With sampling fraction gamma = m / N and the inner mechanism's RDP curve eps(j) under
 * substitution, for integer alpha >= 2:
 *
 *   A(alpha) = 1 + sum_{j=2}^{alpha} C(alpha, j) gamma^j B_j,   RDP(alpha) <= log A(alpha) / (alpha - 1)
 *
 * - general mechanism (their Theorem 9, with the pure-DP parameter eps(inf) unknown, i.e. the
 *   factor min{2, (e^{eps(inf)} - 1)^j} taken as 2):
 *   B_2 = min{4 (e^{eps(2)} - 1), 2 e^{eps(2)}},  B_j = 2 e^{(j-1) eps(j)} for j >= 3;
 * - Gaussian mechanism (the strengthened bound of their Theorem 27, the one dp_accounting uses
 *   for orders up to 256): B_j = min{4 sqrt(D(2 floor(j/2)) D(2 ceil(j/2))), 2 e^{(j-1) eps(j)}},
 *   with D(k) the k-th forward difference at 0 of i -> e^{(i-1) eps(i)}:
 *   D(k) = sum_{i=0}^{k} (-1)^{k-i} C(k, i) e^{i (i-1) / (2 s^2)} = E_{N(0,s^2)}[(L - 1)^k], where
 *   L is the Gaussian likelihood ratio; positive for even k.
 *
 * D(k) is an alternating sum whose terms can cancel by many orders of magnitude (large noise);
 * dp_accounting evaluates it in floating point as it is. Here every D(k) is replaced by an upper
 * bound that includes a bound on the rounding error, so cancellation can only make the result
 * looser (the 2 e^{(j-1) eps(j)} branch of the min then applies), never optimistic.
 *
 * Fractional orders interpolate the cumulant (alpha - 1) RDP(alpha), which is convex in alpha
 * (log of a moment generating function), between floor and ceil (their Corollary 10), with
 * log A(1) = 0. Every value is also capped by the unsampled curve eps(alpha): sampling never
 * hurts (joint convexity: the sampled pair is a mixture of pairs that differ in one record).
 * @module
 */
import { logAddExp, logBinomial, logSumExp } from './_special.js';

const LOG_2 = Math.LN2;
const LOG_4 = 2 * Math.LN2;
const EPS = 2 ** -52;

/** Orders up to which the Gaussian forward-difference bound is used (as dp_accounting). */
export const WOR_DIFFERENCE_MAX_ORDER = 256;

/** Integer orders above this are not evaluated (the bound costs O(alpha) per order). */
export const WOR_MAX_ORDER = 4096;

/** Binomial coefficients C(k, i), i = 0..k, each the double nearest the exact integer (k <= 256). */
const binomialRows = new Map<number, Float64Array>();

function binomialRow(k: number): Float64Array {
  let row = binomialRows.get(k);
  if (row === undefined) {
    row = new Float64Array(k + 1);
    let c = 1n;
    for (let i = 0; i <= k; i++) {
      row[i] = Number(c); // correctly rounded
      c = (c * BigInt(k - i)) / BigInt(i + 1);
    }
    binomialRows.set(k, row);
  }
  return row;
}

/**
 * log of an upper bound on D(k) for every even k in [2, maxK] (index k; NaN at odd k), for the
 * Gaussian with noise multiplier `sigma` (under the relation already applied): the alternating
 * sum with exactly rounded binomials, scaled by e^{-c k (k-1)}, plus a bound on its rounding
 * error (per term: the binomial's rounding, the exponent's absolute error, exp's own rounding;
 * then k + 1 additions).
 */
export function logForwardDifferenceBounds(sigma: number, maxK: number): Float64Array {
  const c = 1 / (2 * sigma * sigma);
  const out = new Float64Array(maxK + 1).fill(Number.NaN);
  for (let k = 2; k <= maxK; k += 2) {
    const binom = binomialRow(k);
    const top = c * k * (k - 1);
    let signed = 0;
    let absolute = 0;
    let worstRel = 0;
    for (let i = 0; i <= k; i++) {
      const e = c * i * (i - 1);
      const t = (binom[i] as number) * Math.exp(e - top);
      signed += (k - i) % 2 === 0 ? t : -t;
      absolute += t;
      const rel = 4 * EPS * (1 + e + top);
      if (rel > worstRel) worstRel = rel;
    }
    // Terms that underflowed to 0 are below 2^-1074 each (times at most C(k, i) < 2^255).
    const error = absolute * (worstRel + (k + 2) * EPS) + (k + 1) * 2 ** -800;
    out[k] = top + Math.log(Math.max(signed, 0) + error);
  }
  return out;
}

/**
 * log B_j for j = 2..maxOrder (index j) for the Gaussian with noise multiplier `sigma`, in the
 * two variants: `strong` (Theorem 27, valid at orders <= 256) and `general` (Theorem 9).
 */
export function gaussianWorTerms(sigma: number, maxOrder: number): { strong: Float64Array; general: Float64Array } {
  const c = 1 / (2 * sigma * sigma);
  const general = new Float64Array(maxOrder + 1);
  const strong = new Float64Array(Math.min(maxOrder, WOR_DIFFERENCE_MAX_ORDER) + 1);
  const eps2 = 2 * c;
  const term2 = Math.min(LOG_4 + Math.log(Math.expm1(eps2)), LOG_2 + eps2);
  general[2] = term2;
  for (let j = 3; j <= maxOrder; j++) general[j] = LOG_2 + c * j * (j - 1);
  if (strong.length > 2) {
    const diffs = logForwardDifferenceBounds(sigma, 2 * Math.ceil((strong.length - 1) / 2));
    diffs[2] = Math.log(Math.expm1(eps2)); // D(2) = e^{eps(2)} - 1 exactly
    strong[2] = term2;
    for (let j = 3; j < strong.length; j++) {
      const lo = diffs[2 * Math.floor(j / 2)] as number;
      const hi = diffs[2 * Math.ceil(j / 2)] as number;
      strong[j] = Math.min(LOG_4 + 0.5 * (lo + hi), general[j] as number);
    }
  }
  return { strong, general };
}

/**
 * log B_j for j = 2..maxOrder for any mechanism given its RDP at integer orders (`curve[j]`),
 * by Theorem 9.
 */
export function generalWorTerms(curve: Float64Array, maxOrder: number): Float64Array {
  const out = new Float64Array(maxOrder + 1);
  const e2 = curve[2] as number;
  out[2] = Math.min(LOG_4 + Math.log(Math.expm1(e2)), LOG_2 + e2);
  for (let j = 3; j <= maxOrder; j++) out[j] = LOG_2 + (j - 1) * (curve[j] as number);
  return out;
}

/**
 * RDP at each of `orders` from log A at integer orders (`logA(alpha)`, alpha >= 2), the cap
 * `cap(order)` (the unsampled curve) and the largest integer order evaluated: integer orders
 * directly, fractional ones by interpolating the cumulant between floor and ceil (log A(1) = 0).
 * Orders needing an integer above `maxOrder` get NaN (the caller drops them).
 */
export function worRdpAtOrders(
  orders: readonly number[],
  logA: (alpha: number) => number,
  cap: (order: number) => number,
  maxOrder: number,
): Float64Array {
  const cache = new Map<number, number>();
  const at = (alpha: number): number => {
    if (alpha <= 1) return 0;
    let v = cache.get(alpha);
    if (v === undefined) {
      v = logA(alpha);
      cache.set(alpha, v);
    }
    return v;
  };
  const out = new Float64Array(orders.length);
  orders.forEach((order, i) => {
    const hi = Math.ceil(order);
    if (hi > maxOrder) {
      out[i] = Number.NaN;
      return;
    }
    const lo = Math.floor(order);
    const t = order - lo;
    const cumulant = lo === hi ? at(lo) : (1 - t) * at(lo) + t * at(hi);
    const bound = cumulant / (order - 1);
    const c = cap(order);
    out[i] = Number.isNaN(bound) ? c : Math.min(bound, c);
  });
  return out;
}

/**
 * log A(alpha) = log(1 + sum_{j=2}^{alpha} C(alpha, j) gamma^j B_j) at integer alpha >= 2, given
 * log B_j in `terms` (index j). `scratch` must hold alpha numbers.
 */
export function logAWor(gamma: number, alpha: number, terms: Float64Array, scratch: Float64Array): number {
  const logGamma = Math.log(gamma);
  const t = scratch.subarray(0, alpha - 1);
  for (let j = 2; j <= alpha; j++) t[j - 2] = logBinomial(alpha, j) + j * logGamma + (terms[j] as number);
  return logAddExp(0, logSumExp(t));
}

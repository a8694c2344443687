/**
 * Special functions for the accountants, in double precision, written for accuracy in the tails
 * (everything that can under/overflow is computed in log space). Checked against mpmath values
 * in test/vectors/dp-special.json.
 * @module
 */

const LOG_PI = Math.log(Math.PI);
const LOG_2 = Math.LN2;
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** log(e^a + e^b), exact for -Infinity operands. */
export function logAddExp(a: number, b: number): number {
  if (a === Number.NEGATIVE_INFINITY) return b;
  if (b === Number.NEGATIVE_INFINITY) return a;
  if (a === Number.POSITIVE_INFINITY || b === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** log(sum_i e^{x_i}) over an array (or typed array); -Infinity for an empty list. */
export function logSumExp(xs: ArrayLike<number>): number {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    if (Number.isNaN(x)) return Number.NaN;
    if (x > max) max = x;
  }
  if (max === Number.NEGATIVE_INFINITY || max === Number.POSITIVE_INFINITY) return max;
  let sum = 0;
  for (let i = 0; i < xs.length; i++) sum += Math.exp((xs[i] as number) - max);
  return max + Math.log(sum);
}

/**
 * log(e^a - e^b) for a >= b (-Infinity when a === b); NaN when a < b.
 */
export function logSubExp(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b) || a < b) return Number.NaN;
  if (b === Number.NEGATIVE_INFINITY) return a;
  if (a === b) return Number.NEGATIVE_INFINITY;
  const d = b - a; // < 0
  // log(1 - e^d): log(-expm1(d)) near 0, log1p(-exp(d)) far from it (Maechler 2012).
  return a + (d > -LOG_2 ? Math.log(-Math.expm1(d)) : Math.log1p(-Math.exp(d)));
}

/** erf(x) for |x| < 2 by the all-positive series e^{-x^2} sum (2x^2)^n x / (1*3*...*(2n+1)). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
}

/**
 * log of the continued fraction K(x) = sqrt(pi) e^{x^2} erfc(x) for x >= 2 (Laplace's continued
 * fraction x + (1/2)/(x + 1/(x + (3/2)/(x + ...))), modified Lentz; <= 60 terms at x = 2).
 */
function logErfcxCf(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 1000; k++) {
    const a = k / 2;
    d = x + a * d;
    d = d === 0 ? 1 / tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return -Math.log(f);
}

/** erfc(x) for x >= 0 (no underflow protection: use {@link logErfc} in the tails). */
function erfcNonNeg(x: number): number {
  if (x < 2) return 1 - erfSeries(x);
  if (x > 30) return 0; // below the smallest subnormal
  return Math.exp(-x * x - 0.5 * LOG_PI + logErfcxCf(x));
}

/**
 * log(erfc(x)), accurate to a few ulps of erfc for every x (no underflow: the tail uses the
 * continued fraction, log erfc(x) = -x^2 - log(pi)/2 + log K(x)).
 */
export function logErfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  if (x < 0) return Math.log(2 - erfcNonNeg(-x));
  if (x < 2) return Math.log(erfcNonNeg(x));
  return -x * x - 0.5 * LOG_PI + logErfcxCf(x);
}

/** erfc(x) (underflows to 0 beyond x ~ 26.5). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfcNonNeg(-x);
  return erfcNonNeg(x);
}

/** Standard normal CDF Phi(x) = erfc(-x / sqrt 2) / 2. */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** log Phi(x), accurate far into the lower tail. */
export function logNormalCdf(x: number): number {
  return logErfc(-x / Math.SQRT2) - LOG_2;
}

/** sin(pi x) with exact argument reduction (x mod 2 is exact in binary floating point). */
function sinPi(x: number): number {
  let r = x % 2; // exact
  if (r > 1) r -= 2;
  else if (r < -1) r += 2;
  if (r === 0 || r === 1 || r === -1) return 0;
  // r in (-1, 1): fold to [-1/2, 1/2] using sin(pi r) = sin(pi (1 - r)).
  if (r > 0.5) r = 1 - r;
  else if (r < -0.5) r = -1 - r;
  return Math.sin(Math.PI * r);
}

/** Stirling series for log Gamma(x), x >= 15 (truncation error < 1e-19). */
function logGammaStirling(x: number): number {
  const inv = 1 / x;
  const inv2 = inv * inv;
  const series =
    inv *
    (1 / 12 +
      inv2 *
        (-1 / 360 +
          inv2 * (1 / 1260 + inv2 * (-1 / 1680 + inv2 * (1 / 1188 + inv2 * (-691 / 360360 + inv2 * (1 / 156)))))));
  return (x - 0.5) * Math.log(x) - x + HALF_LOG_2PI + series;
}

/**
 * log|Gamma(x)| (like scipy's gammaln): Stirling's series above 15, upward recurrence below,
 * reflection for x < 0.5. +Infinity at the poles (0, -1, -2, ...).
 */
export function logGamma(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return x;
  if (x < 0.5) {
    if (Number.isInteger(x)) return Number.POSITIVE_INFINITY;
    // Gamma(x) Gamma(1 - x) = pi / sin(pi x)
    return LOG_PI - Math.log(Math.abs(sinPi(x))) - logGamma(1 - x);
  }
  if (x === 1 || x === 2) return 0;
  if (x >= 15) return logGammaStirling(x);
  let prod = 1;
  let y = x;
  while (y < 15) {
    prod *= y;
    y += 1;
  }
  return logGammaStirling(y) - Math.log(prod);
}

/** Exact-ish table of log(n!) for n < 2048 (from logGamma). */
const LOG_FACT = (() => {
  const t = new Float64Array(2048);
  for (let n = 2; n < t.length; n++) t[n] = logGamma(n + 1);
  return t;
})();

/**
 * log|C(n, k)| = logGamma(n+1) - logGamma(k+1) - logGamma(n-k+1) (generalised binomial for real
 * n, like dp_accounting's `_log_comb`). Integer arguments below 2048 use a table.
 */
export function logBinomial(n: number, k: number): number {
  if (Number.isInteger(n) && Number.isInteger(k) && n >= 0 && k >= 0 && n < 2048) {
    if (k > n) return Number.NEGATIVE_INFINITY;
    return (LOG_FACT[n] as number) - (LOG_FACT[k] as number) - (LOG_FACT[n - k] as number);
  }
  const c = n - k + 1;
  if (c <= 0 && Number.isInteger(c)) return Number.NEGATIVE_INFINITY;
  return logGamma(n + 1) - logGamma(k + 1) - logGamma(c);
}

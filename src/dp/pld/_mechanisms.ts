/**
 * Pessimistic discretisation of the privacy loss distributions of the base mechanisms:
 * the (Poisson-subsampled) Gaussian and the (Poisson-subsampled) discrete Gaussian, for both
 * adjacency directions.
 *
 * Construction ("connect the dots", Doroshenko, Ghazi, Kamath, Kumar, Manurangsi, PETS 2022):
 * the outputs whose privacy loss lies in a grid interval (l_i, l_{i+1}] carry P-mass a and
 * Q-mass b; they are replaced by two atoms at the interval's ends, l_i with P-mass x and l_{i+1}
 * with P-mass a - x, where x = (b e^{l_{i+1}} - a) / (e^h - 1) keeps both the P- and the Q-mass.
 * Any pair whose likelihood ratio lies in [e^{l_i}, e^{l_{i+1}}] is a post-processing of that
 * two-atom pair, so the discrete PLD dominates the true one (delta(eps) never decreases) while
 * its delta curve interpolates the true one at the grid points: unlike rounding every loss up
 * ("pessimistic rounding"), the error does not grow linearly with the number of compositions.
 *
 * Tails: P-mass with loss above the top grid point goes to +Infinity, P-mass below the bottom
 * grid point is lumped into the bottom point (both pessimistic); the grid spans the losses
 * whose tails exceed BASE_TAIL.
 *
 * Directions (add/remove one record with probability q of being sampled; A = output law with
 * the record, B = without):
 * - remove: P = (1 - q) B + q A, Q = B;  - add: P = B, Q = (1 - q) B + q A.
 * Without subsampling (q = 1) both directions have the same PLD (Gaussian symmetry).
 * @module
 */
import { normalCdf } from '../_special.js';
import { GridTooLarge, truncateTails, type Pmf } from './_pmf.js';

/** Tail mass (per side) left outside a base mechanism's grid. */
export const BASE_TAIL = 1e-20;

/** Adjacency direction of a PLD. */
export type Direction = 'remove' | 'add';

/** Splits P-mass `a` whose Q-mass is `b` between grid indices k and k + 1 (loss (k+1) h). */
function splitInterval(
  probs: Float64Array,
  k: number,
  a: number,
  b: number,
  upperLoss: number,
  expm1h: number,
): void {
  if (!(a > 0)) return;
  // b e^{l_{k+1}} <= a e^h, computed in logs so that losses above ~709 nats cannot overflow
  // (b = 0 after underflow gives x = 0: all mass to the upper point, pessimistic).
  let x = (Math.exp(Math.log(b) + upperLoss) - a) / expm1h;
  if (!(x > 0)) x = 0;
  else if (x > a) x = a;
  probs[k] = (probs[k] as number) + x;
  probs[k + 1] = (probs[k + 1] as number) + (a - x);
}

// ---------------------------------------------------------------------------------------------
// Continuous Gaussian, sensitivity 1, noise sigma: A = N(1, sigma^2), B = N(0, sigma^2).
// With r(x) = A(x)/B(x) = e^{(2x - 1) / (2 sigma^2)}:
//   remove: L(x) = log(1 - q + q r(x)), increasing in x;   add: L(x) = -log(1 - q + q r(x)).
// L > eps  <=>  x > x_eps (remove), x < x_eps (add), with x_eps = sigma^2 log1p(expm1(+-eps)/q) + 1/2.

/** Threshold record: [x, Phi(x/s), Phi(-x/s), Phi((x-1)/s), Phi(-(x-1)/s)]. */
function setThreshold(t: Float64Array, x: number, sigma: number): void {
  const z0 = x / sigma;
  const z1 = (x - 1) / sigma;
  t[0] = x;
  t[1] = normalCdf(z0);
  t[2] = normalCdf(-z0);
  t[3] = normalCdf(z1);
  t[4] = normalCdf(-z1);
}

/** Mass of N(shift, sigma^2) between thresholds ta.x <= tb.x, from the side that is accurate. */
function between(ta: Float64Array, tb: Float64Array, c: 0 | 1): number {
  const shift = c;
  const xa = ta[0] as number;
  const xb = tb[0] as number;
  if (!(xb > xa)) return 0;
  let m: number;
  if (xb <= shift) m = (tb[1 + 2 * c] as number) - (ta[1 + 2 * c] as number);
  else if (xa >= shift) m = (ta[2 + 2 * c] as number) - (tb[2 + 2 * c] as number);
  else m = 1 - (ta[1 + 2 * c] as number) - (tb[2 + 2 * c] as number);
  return m > 0 ? m : 0;
}

const GL_MAX_WIDTH = 0.1;
const GL2_MAX_WIDTH = 1.5e-4;
const GL2_NODE = 1 / Math.sqrt(3);
const GL_NODES = [0.2386191860831969, 0.6612093864662645, 0.9324695142031521];
const GL_WEIGHTS = [0.467913934572691, 0.3607615730481386, 0.1713244923791704];
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Masses of N(0, sigma^2) and N(1, sigma^2) on [x, x + width] by 2- or 6-point Gauss-Legendre. */
function glMasses(x: number, width: number, sigma: number, out: Float64Array): void {
  const half = width / 2;
  const mid = x + half;
  const inv2var = 1 / (2 * sigma * sigma);
  let m0 = 0;
  let m1 = 0;
  if (width <= GL2_MAX_WIDTH * sigma) {
    // 2-point rule: relative error <= (w/sigma)^4 z^4 / 4320 < 1.2e-15 for w <= 1.5e-4 sigma, |z| < 10.
    const d = half * GL2_NODE;
    const y1 = mid - d;
    const y2 = mid + d;
    const scale2 = (half / sigma) * INV_SQRT_2PI;
    out[0] = scale2 * (Math.exp(-y1 * y1 * inv2var) + Math.exp(-y2 * y2 * inv2var));
    out[1] = scale2 * (Math.exp(-(y1 - 1) * (y1 - 1) * inv2var) + Math.exp(-(y2 - 1) * (y2 - 1) * inv2var));
    return;
  }
  for (let j = 0; j < 3; j++) {
    const d = half * (GL_NODES[j] as number);
    const w = GL_WEIGHTS[j] as number;
    const y1 = mid - d;
    const y2 = mid + d;
    m0 += w * (Math.exp(-y1 * y1 * inv2var) + Math.exp(-y2 * y2 * inv2var));
    m1 += w * (Math.exp(-(y1 - 1) * (y1 - 1) * inv2var) + Math.exp(-(y2 - 1) * (y2 - 1) * inv2var));
  }
  const scale = (half / sigma) * INV_SQRT_2PI;
  out[0] = m0 * scale;
  out[1] = m1 * scale;
}

/**
 * log((e^t - 1 + q) / q) for e^t > 1 - q (NaN otherwise), without overflow for large t:
 * log1p(expm1(t) / q) near 0, t - log q + log1p(-(1 - q) e^{-t}) above t = 1.
 */
function logRatio(t: number, q: number): number {
  if (t > 1) return t - Math.log(q) + Math.log1p(-(1 - q) * Math.exp(-t));
  const u = Math.expm1(t) / q;
  return u > -1 ? Math.log1p(u) : Number.NaN;
}

/** The x threshold of the event {L > eps}, or +-Infinity at the ends of the support. */
function gaussThreshold(eps: number, sigma: number, q: number, dir: Direction): number {
  if (dir === 'remove') {
    if (eps === Number.NEGATIVE_INFINITY) return eps;
    if (eps === Number.POSITIVE_INFINITY) return eps;
    const r = logRatio(eps, q);
    if (Number.isNaN(r)) return Number.NEGATIVE_INFINITY; // eps <= log(1 - q): every output
    return sigma * sigma * r + 0.5;
  }
  if (eps === Number.NEGATIVE_INFINITY) return Number.POSITIVE_INFINITY;
  if (eps === Number.POSITIVE_INFINITY) return Number.NEGATIVE_INFINITY;
  const r = logRatio(-eps, q);
  if (Number.isNaN(r)) return Number.NEGATIVE_INFINITY; // eps >= -log(1 - q): no output
  return sigma * sigma * r + 0.5;
}

/** P- and Q-mass of {e1 < L <= e2} (x interval between the two thresholds). */
function gaussMasses(
  ta: Float64Array,
  tb: Float64Array,
  q: number,
  dir: Direction,
): [number, number] {
  // remove: thresholds increase with eps; add: they decrease. Order them.
  const [lo, hi] = (ta[0] as number) <= (tb[0] as number) ? [ta, tb] : [tb, ta];
  const m0 = between(lo, hi, 0);
  const m1 = q === 0 ? 0 : between(lo, hi, 1);
  const mix = (1 - q) * m0 + q * m1;
  return dir === 'remove' ? [mix, m0] : [m0, mix];
}

function upperTailGauss(eps: number, sigma: number, q: number, dir: Direction, t1: Float64Array, t2: Float64Array): number {
  setThreshold(t1, gaussThreshold(eps, sigma, q, dir), sigma);
  setThreshold(t2, dir === 'remove' ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY, sigma);
  return gaussMasses(t1, t2, q, dir)[0];
}

function lowerTailGauss(eps: number, sigma: number, q: number, dir: Direction, t1: Float64Array, t2: Float64Array): number {
  setThreshold(t1, dir === 'remove' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY, sigma);
  setThreshold(t2, gaussThreshold(eps, sigma, q, dir), sigma);
  return gaussMasses(t1, t2, q, dir)[0];
}

/** Smallest-ish eps with f(eps) <= target for decreasing f (bisection to h / 8). */
function searchDown(f: (e: number) => number, target: number, start: number, h: number): number {
  let hi = Math.max(start, 1);
  let guard = 0;
  while (f(hi) > target && guard++ < 200) hi *= 2;
  let lo = Math.min(start, 0) - 1;
  guard = 0;
  while (f(lo) <= target && guard++ < 200) lo = lo * 2;
  for (let i = 0; i < 200 && hi - lo > h / 8; i++) {
    const mid = 0.5 * (lo + hi);
    if (f(mid) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Pessimistic (connect-the-dots) PLD of the Poisson-subsampled Gaussian mechanism with
 * sensitivity 1 and noise `sigma` (q = 1: no subsampling).
 */
export function gaussianPmf(sigma: number, q: number, dir: Direction, h: number, maxPoints: number): Pmf {
  const t1 = new Float64Array(5);
  const t2 = new Float64Array(5);
  const lossMin = dir === 'remove' ? Math.log1p(-q) : Number.NEGATIVE_INFINITY;
  const lossMax = dir === 'add' ? -Math.log1p(-q) : Number.POSITIVE_INFINITY;
  // Top of the grid: P(L > top) <= BASE_TAIL (or the top of the support).
  let top: number;
  if (Number.isFinite(lossMax)) top = lossMax;
  else top = searchDown((e) => upperTailGauss(e, sigma, q, dir, t1, t2), BASE_TAIL, 1, h);
  // Bottom: P(L <= bottom) <= BASE_TAIL (or the bottom of the support).
  let bottom: number;
  if (Number.isFinite(lossMin)) bottom = lossMin;
  else bottom = -searchDown((e) => lowerTailGauss(-e, sigma, q, dir, t1, t2), BASE_TAIL, 1, h);
  const kHi = Math.ceil(top / h);
  const kLo = Math.min(Math.floor(bottom / h), kHi);
  const size = kHi - kLo + 1;
  if (!(size <= maxPoints)) throw new GridTooLarge(size);
  const probs = new Float64Array(size);
  const expm1h = Math.expm1(h);
  // Lower tail lumped into the bottom point.
  probs[0] = lowerTailGauss(kLo * h, sigma, q, dir, t1, t2);
  // Narrow x-intervals (most of them) are integrated with 6-point Gauss-Legendre on the
  // densities (relative error < 1e-16, no cancellation); wide or infinite ones by CDF
  // differences from the accurate side.
  let ta = t1;
  let tb = t2;
  let xa = gaussThreshold(kLo * h, sigma, q, dir);
  let taValid = false;
  const masses = new Float64Array(2);
  for (let k = 0; k < size - 1; k++) {
    const upperLoss = (kLo + k + 1) * h;
    const xb = gaussThreshold(upperLoss, sigma, q, dir);
    let a: number;
    let b: number;
    const width = Math.abs(xb - xa);
    if (width <= GL_MAX_WIDTH * sigma) {
      glMasses(Math.min(xa, xb), width, sigma, masses);
      const m0 = masses[0] as number;
      const mix = (1 - q) * m0 + q * (masses[1] as number);
      if (dir === 'remove') [a, b] = [mix, m0];
      else [a, b] = [m0, mix];
      taValid = false;
    } else {
      if (!taValid) setThreshold(ta, xa, sigma);
      setThreshold(tb, xb, sigma);
      [a, b] = gaussMasses(ta, tb, q, dir);
      const swap = ta;
      ta = tb;
      tb = swap;
      taValid = true;
    }
    splitInterval(probs, k, a, b, upperLoss, expm1h);
    xa = xb;
  }
  const inf = upperTailGauss(kHi * h, sigma, q, dir, t1, t2);
  return truncateTails(probs, kLo, inf, h, 0);
}

// ---------------------------------------------------------------------------------------------
// Discrete Gaussian N_Z(0, sigma^2) on an integer query with integer sensitivity s:
// B(x) = e^{-x^2 / (2 sigma^2)} / Z, A(x) = B(x - s), l(x) = log A/B = (2 x s - s^2) / (2 sigma^2).

/** Most integer outcomes the discrete Gaussian discretisation walks through. */
export const MAX_DISCRETE_ATOMS = 50_000_000;

/** Half-width T (in sigmas) of the outcome range kept around each component. */
const DG_TAIL_SIGMAS = Math.sqrt(2 * Math.log(1e24));

/** Number of outcomes the discretisation of N_Z(0, sigma^2) with sensitivity s walks. */
export function discreteGaussianAtoms(sigma: number, s: number): number {
  return s + 2 * Math.ceil(sigma * DG_TAIL_SIGMAS) + 1;
}

function discreteGaussianNormaliser(sigma: number): number {
  // Poisson summation: Z = sigma sqrt(2 pi) (1 + 2 sum_k e^{-2 pi^2 sigma^2 k^2}); the
  // correction is below 1e-34 relative for sigma >= 2.
  if (sigma >= 2) return sigma * Math.sqrt(2 * Math.PI);
  let z = 1;
  for (let x = 1; x <= 200; x++) z += 2 * Math.exp((-x * x) / (2 * sigma * sigma));
  return z;
}

/**
 * PLD of the (Poisson-subsampled) discrete Gaussian with integer sensitivity `s`, every
 * outcome split between its two neighbouring grid losses (exact connect-the-dots for a
 * discrete mechanism).
 */
export function discreteGaussianPmf(
  sigma: number,
  s: number,
  q: number,
  dir: Direction,
  h: number,
  maxPoints: number,
): Pmf {
  const T = Math.ceil(sigma * DG_TAIL_SIGMAS);
  const Z = discreteGaussianNormaliser(sigma);
  const twoVar = 2 * sigma * sigma;
  const lossOf = (x: number): number => {
    const l = (2 * x * s - s * s) / twoVar;
    if (q === 1) return dir === 'remove' ? l : -l;
    // log(1 - q + q e^l), without overflow for large l.
    const v = l > 1 ? l + Math.log(q) + Math.log1p(((1 - q) / q) * Math.exp(-l)) : Math.log1p(q * Math.expm1(l));
    return dir === 'remove' ? v : -v;
  };
  const x0 = -T;
  const x1 = s + T;
  const l0 = lossOf(x0);
  const l1 = lossOf(x1);
  const kLo = Math.floor(Math.min(l0, l1) / h);
  const kHi = Math.ceil(Math.max(l0, l1) / h);
  const size = kHi - kLo + 1;
  if (!(size <= maxPoints)) throw new GridTooLarge(size);
  const probs = new Float64Array(size);
  const expm1h = Math.expm1(h);
  for (let x = x0; x <= x1; x++) {
    const bx = Math.exp((-x * x) / twoVar) / Z;
    const ax = Math.exp((-(x - s) * (x - s)) / twoVar) / Z;
    const p = dir === 'add' ? bx : q === 1 ? ax : (1 - q) * bx + q * ax;
    if (!(p > 0)) continue;
    const loss = lossOf(x);
    const pos = loss / h - kLo;
    let k = Math.floor(pos);
    if (k >= size - 1) k = size - 2;
    if (k < 0) k = 0;
    if (size === 1) {
      probs[0] = (probs[0] as number) + p;
      continue;
    }
    // Split p between losses (kLo+k) h and (kLo+k+1) h keeping P- and Q-mass: the share at the
    // lower point is p * expm1(l_{k+1} - loss) / expm1(h) (cancellation-free).
    const upperLoss = (kLo + k + 1) * h;
    let lower = (p * Math.expm1(upperLoss - loss)) / expm1h;
    if (!(lower > 0)) lower = 0;
    else if (lower > p) lower = p;
    probs[k] = (probs[k] as number) + lower;
    probs[k + 1] = (probs[k + 1] as number) + (p - lower);
  }
  // Outcomes beyond T sigmas of either centre: their P-mass is bounded by twice the Gaussian
  // sum tail, e^{-(T+1)^2/(2 sigma^2)} / (1 - e^{-(2T+1)/(2 sigma^2)}), counted at +Infinity.
  const tail =
    (2 * Math.exp(-((T + 1) * (T + 1)) / twoVar)) / (-Math.expm1(-(2 * T + 1) / twoVar)) / Z;
  return truncateTails(probs, kLo, Math.min(1, tail), h, BASE_TAIL);
}

// ---------------------------------------------------------------------------------------------
// Fixed-size sampling without replacement under substitution (see docs/dp-pld.md for the
// derivation). With (A, B) the symmetric pair of the unsampled mechanism and gamma = m / N, the
// privacy curve of every pair of neighbouring datasets is bounded, for eps >= 0, by that of the
// remove pair R = ((1 - gamma) B + gamma A, B) (Balle, Barthe, Gaboardi 2018), and the bound is
// attained, so by symmetry of substitution both orderings are bounded by R for eps >= 0 and,
// through H_a(P||Q) = 1 - a + a H_{1/a}(Q||P), by its mirror for eps < 0 (Zhu, Dong, Wang 2022
// treat subsampling piecewise in the same way). One pair W realises exactly that curve: its PLD
// equals R's on losses l > 0, carries e^{-l} times R's mass at l at the loss -l (the Q-law of
// R's loss, mirrored), and the remaining mass 1 - P_R(L > 0) - Q_R(L > 0) >= 0 at loss 0.

/**
 * The symmetrised PLD W from a (pessimistic) remove-direction PLD of R. Pessimism carries over:
 * W's curve is a monotone function of R's (for eps >= 0 equal, for eps < 0 through the identity
 * above), so a discretisation that dominates R yields one that dominates W.
 */
export function symmetrisePmf(remove: Pmf, maxPoints: number): Pmf {
  const { h, lo, probs, inf } = remove;
  const top = lo + probs.length - 1; // grid index of the largest finite loss
  if (top < 1) {
    // No finite positive loss: W is all at 0 except R's mass at infinity.
    return { h, lo: 0, probs: Float64Array.of(1 - inf), inf };
  }
  const size = 2 * top + 1;
  if (!(size <= maxPoints)) throw new GridTooLarge(size);
  const out = new Float64Array(size); // index j <-> loss (j - top) h
  let pPositive = 0;
  let qPositive = 0;
  for (let k = Math.max(1, lo); k <= top; k++) {
    const p = probs[k - lo] as number;
    if (!(p > 0)) continue;
    const q = p * Math.exp(-k * h); // the point's Q-mass
    out[top + k] = p;
    out[top - k] = q;
    pPositive += p;
    qPositive += q;
  }
  // Mass at loss 0 (clamped: round-off may take it a hair below zero when it is ~0).
  out[top] = Math.max(0, 1 - inf - pPositive - qPositive);
  return truncateTails(out, -top, inf, h, 0);
}

/**
 * Discretised privacy loss distributions (PLD) on a uniform grid, and the operations the
 * accountant needs: composition by FFT (pairwise and n-fold), tail truncation, and the
 * hockey-stick divergence delta(epsilon) and its inverse.
 *
 * A PMF here is the distribution of the privacy loss L = log(P(o) / Q(o)) for o ~ P, where
 * (P, Q) is a dominating pair of the mechanism (the output distributions on neighbouring
 * datasets): `probs[k]` is the P-mass at loss (lo + k) * h, and `inf` the P-mass at loss
 * +Infinity (outputs Q cannot produce, plus everything we gave up on pessimistically).
 * Then delta(epsilon) = inf + sum_k probs[k] * max(0, 1 - e^{epsilon - (lo + k) h}).
 *
 * Every operation here is pessimistic: it may move loss mass upwards (to a higher loss or to
 * +Infinity) but never downwards, so the reported delta(epsilon) and epsilon(delta) are never
 * below those of the exact (undiscretised) composition. Conventions follow Google's
 * dp_accounting (pld_pmf.py): truncated upper tails go to `inf`, truncated lower tails are
 * lumped into the lowest kept loss, tail_mass_truncation defaults to 1e-15.
 * @module
 */
import { inverseRealFft, nextPowerOfTwo, realFft } from './_fft.js';

/** A discretised PLD. Immutable by convention once built. */
export interface Pmf {
  /** Grid step (value discretisation interval), > 0. */
  readonly h: number;
  /** Grid index of probs[0]: its loss is lo * h. */
  readonly lo: number;
  /** P-mass at each grid loss, all >= 0. */
  readonly probs: Float64Array;
  /** P-mass at loss +Infinity, in [0, 1]. */
  readonly inf: number;
}

/** Thrown (internally) when a result would need more grid points than allowed. */
export class GridTooLarge extends Error {
  constructor(readonly points: number) {
    super(`grid of ${points} points exceeds the limit`);
  }
}

/**
 * What the FFT operations did, for callers that bound their numerical error (the PRV
 * accountant): one entry per FFT-based operation.
 */
export interface FftStats {
  readonly operations: { readonly fftSize: number; readonly count: number; readonly roundOff: number }[];
}

/** The PLD of a mechanism that reveals nothing: all mass at loss 0. */
export function identityPmf(h: number): Pmf {
  return { h, lo: 0, probs: Float64Array.of(1), inf: 0 };
}

/**
 * Truncates tails of total mass at most tau / 2 on each side: the upper tail goes to `inf`,
 * the lower tail is added to the lowest kept point (both pessimistic). Also trims exact zeros.
 */
export function truncateTails(probs: Float64Array, lo: number, inf: number, h: number, tau: number): Pmf {
  const n = probs.length;
  const half = tau / 2;
  let left = 0;
  let leftMass = 0;
  while (left < n - 1) {
    const p = probs[left] as number;
    if (leftMass + p > half) break;
    leftMass += p;
    left++;
  }
  let right = n - 1;
  let rightMass = 0;
  while (right > left) {
    const p = probs[right] as number;
    if (rightMass + p > half) break;
    rightMass += p;
    right--;
  }
  const out = probs.slice(left, right + 1);
  out[0] = (out[0] as number) + leftMass;
  return { h, lo: lo + left, probs: out, inf: Math.min(1, inf + rightMass) };
}

/**
 * After an FFT: negative round-off values are clamped to 0. Their total magnitude measures the
 * round-off noise floor, and is returned so the caller can add it to `inf` (an allowance for
 * the mass that round-off may have taken away from other entries).
 */
function clampNegatives(re: Float64Array, from: number, to: number): number {
  let clamped = 0;
  for (let i = from; i < to; i++) {
    const v = re[i] as number;
    if (v < 0) {
      clamped -= v;
      re[i] = 0;
    }
  }
  return clamped;
}

/** inf mass of the composition of two PLDs: 1 - (1 - a)(1 - b). */
function composeInf(a: number, b: number): number {
  return Math.min(1, a + b - a * b);
}

/**
 * Composition of two PLDs on the same grid: linear convolution by FFT (exact size, no
 * wrap-around), round-off clamped and accounted, then tails truncated at `tau`.
 */
export function convolve(a: Pmf, b: Pmf, tau: number, maxPoints: number, stats?: FftStats): Pmf {
  if (a.h !== b.h) throw new RangeError('convolve: grids differ');
  const m = a.probs.length + b.probs.length - 1;
  if (m > maxPoints) throw new GridTooLarge(m);
  const inf = composeInf(a.inf, b.inf);
  if (a.probs.length === 1 || b.probs.length === 1) {
    // One side is a single atom: a shift and a scale, no FFT.
    const [single, other] = a.probs.length === 1 ? [a, b] : [b, a];
    const s = single.probs[0] as number;
    const out = new Float64Array(other.probs.length);
    for (let i = 0; i < out.length; i++) out[i] = (other.probs[i] as number) * s;
    return truncateTails(out, a.lo + b.lo, inf, a.h, tau);
  }
  const n = Math.max(2, nextPowerOfTwo(m));
  const half = n / 2 + 1;
  const xa = new Float64Array(n);
  xa.set(a.probs);
  const ar = new Float64Array(half);
  const ai = new Float64Array(half);
  realFft(xa, ar, ai);
  xa.fill(0);
  xa.set(b.probs);
  const br = new Float64Array(half);
  const bi = new Float64Array(half);
  realFft(xa, br, bi);
  for (let k = 0; k < half; k++) {
    const xr = ar[k] as number;
    const xi = ai[k] as number;
    const yr = br[k] as number;
    const yi = bi[k] as number;
    ar[k] = xr * yr - xi * yi;
    ai[k] = xr * yi + xi * yr;
  }
  inverseRealFft(ar, ai, xa);
  const roundOff = clampNegatives(xa, 0, m);
  stats?.operations.push({ fftSize: n, count: 2, roundOff });
  return truncateTails(xa.subarray(0, m), a.lo + b.lo, composeInf(inf, roundOff), a.h, tau);
}

/**
 * An upper bound on log sum_k p_k e^{t (k - kRef)} over the finite part, for the Chernoff bounds,
 * with kRef the end of the array towards which the weights grow (t > 0: the top, t < 0: the
 * bottom), so every weight is at most 1. Weights come from a running product (one
 * multiplication per point instead of an exp); its relative error, at most (k + 2) ulps after k
 * steps, is covered by inflating the sum, and the scan stops once the remaining weights are
 * negligible (their total, at most the current weight, is added).
 */
function logMgf(probs: Float64Array, t: number, kRef: number): number {
  const m = probs.length;
  const ratio = Math.exp(-Math.abs(t));
  const down = kRef === m - 1;
  let s = 0;
  let w = 1;
  for (let i = 0; i < m; i++) {
    const p = probs[down ? m - 1 - i : i] as number;
    if (p > 0) s += p * w;
    w *= ratio;
    if (w < 1e-40 * s) {
      s += w;
      break;
    }
  }
  return Math.log(s * (1 + (m + 4) * 2 ** -52));
}

/** min over t of f(t) (NaN/Infinity-safe): ladder t = 2^j h, then golden section in log t. */
function minimiseOnLadder(f: (t: number) => number, h: number): number {
  const at = (j: number): number => {
    const v = f(2 ** j * h);
    return Number.isNaN(v) ? Number.POSITIVE_INFINITY : v;
  };
  let bestJ = -6;
  let best = at(bestJ);
  for (let j = -5; j <= 20; j++) {
    const v = at(j);
    if (v < best) {
      best = v;
      bestJ = j;
    }
  }
  if (!Number.isFinite(best)) return best;
  // Golden section on [bestJ - 1, bestJ + 1] (the objective is unimodal in practice; any t
  // gives a valid bound, so a imperfect search only costs width, never correctness).
  const g = (Math.sqrt(5) - 1) / 2;
  let a = bestJ - 1;
  let b = bestJ + 1;
  let c = b - g * (b - a);
  let d = a + g * (b - a);
  let fc = at(c);
  let fd = at(d);
  for (let i = 0; i < 12; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = at(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = at(d);
    }
  }
  return Math.min(best, fc, fd);
}

/**
 * Index range [lower, upper] (relative to count * lo) outside which the count-fold
 * composition has at most tau / 2 mass on each side, by Chernoff bounds
 * P(S >= x) <= MGF(t)^count e^{-t x} minimised over a ladder of t (as dp_accounting's
 * compute_self_convolve_bounds does). Also clipped to the trivially possible range.
 */
export function selfConvolveBounds(
  probs: Float64Array,
  count: number,
  tau: number,
  h: number,
): { lower: number; upper: number; lowerByBound: boolean; upperByBound: boolean } {
  const m = probs.length;
  const logHalfTau = Math.log(tau / 2);
  let upper = count * (m - 1);
  let lower = 0;
  let upperByBound = false;
  let lowerByBound = false;
  if (tau > 0) {
    // Both bounds are minimised over t on a coarse ladder (loss units 2^-6 .. 2^20, times h
    // for index units), then refined by golden-section search on log t around the best rung.
    const upperAt = (t: number): number => count * (m - 1) + (count * logMgf(probs, t, m - 1) - logHalfTau) / t;
    const lowerAt = (t: number): number => (-count * logMgf(probs, -t, 0) + logHalfTau) / t;
    const up = minimiseOnLadder((t) => upperAt(t), h);
    const low = minimiseOnLadder((t) => -lowerAt(t), h);
    if (Number.isFinite(up) && Math.ceil(up) < upper) {
      upper = Math.ceil(up);
      upperByBound = true;
    }
    if (Number.isFinite(low) && Math.floor(-low) > lower) {
      lower = Math.floor(-low);
      lowerByBound = true;
    }
  }
  if (lower > upper) lower = upper; // cannot happen for a true bound; guard the arithmetic
  return { lower, upper, lowerByBound, upperByBound };
}

/**
 * count-fold composition of a PLD with itself by one FFT, a pointwise complex power, and one
 * inverse FFT (never `count` sequential convolutions). The output window comes from Chernoff
 * bounds; mass beyond it (at most tau / 2 per side) is accounted pessimistically: the upper
 * bound is added to `inf` and the lower one to the lowest point.
 */
export function selfConvolve(a: Pmf, count: number, tau: number, maxPoints: number, stats?: FftStats): Pmf {
  if (count === 0) return identityPmf(a.h);
  if (count === 1) return a;
  const inf = a.inf === 0 ? 0 : -Math.expm1(count * Math.log1p(-a.inf));
  if (a.probs.length === 1) {
    const p = a.probs[0] as number;
    return { h: a.h, lo: a.lo * count, probs: Float64Array.of(p ** count), inf };
  }
  const { lower, upper, lowerByBound, upperByBound } = selfConvolveBounds(a.probs, count, tau, a.h);
  const width = upper - lower + 1;
  if (width > maxPoints) throw new GridTooLarge(width);
  const n = Math.max(2, nextPowerOfTwo(Math.max(width, a.probs.length)));
  const half = n / 2 + 1;
  const x = new Float64Array(n);
  x.set(a.probs);
  const re = new Float64Array(half);
  const im = new Float64Array(half);
  // Real input: the spectrum is Hermitian, so only bins 0..n/2 are transformed and powered.
  realFft(x, re, im);
  for (let k = 0; k < half; k++) {
    const xr = re[k] as number;
    const xi = im[k] as number;
    const r2 = xr * xr + xi * xi;
    // |z| <= 1: bins whose power is below 1e-300 are zero (and never reach subnormals).
    if (!(0.5 * count * Math.log(r2) > -690)) {
      re[k] = 0;
      im[k] = 0;
      continue;
    }
    // z^count by binary exponentiation: relative error ~ 4 log2(count) ulps, where
    // exp(count log z) would multiply the rounding error of arg z by count.
    let pr = 1;
    let pi = 0;
    let br = xr;
    let bi = xi;
    for (let e = count; ; ) {
      if (e % 2 === 1) {
        const t = pr * br - pi * bi;
        pi = pr * bi + pi * br;
        pr = t;
      }
      e = Math.floor(e / 2);
      if (e === 0) break;
      const t = br * br - bi * bi;
      bi = 2 * br * bi;
      br = t;
    }
    re[k] = pr;
    im[k] = pi;
  }
  inverseRealFft(re, im, x);
  const out = new Float64Array(width);
  let roundOff = 0;
  for (let r = 0; r < width; r++) {
    const v = x[(lower + r) % n] as number;
    if (v < 0) roundOff -= v;
    else out[r] = v;
  }
  stats?.operations.push({ fftSize: n, count, roundOff });
  if (lowerByBound) out[0] = (out[0] as number) + tau / 2;
  let infOut = composeInf(inf, roundOff);
  if (upperByBound) infOut = composeInf(infOut, tau / 2);
  return truncateTails(out, a.lo * count + lower, infOut, a.h, tau);
}

/**
 * Hockey-stick divergence delta(epsilon) = inf + sum_k p_k (1 - e^{epsilon - loss_k})^+ ,
 * summed from the largest loss down (small terms first).
 */
export function deltaForEpsilon(a: Pmf, epsilon: number): number {
  let sum = 0;
  for (let k = a.probs.length - 1; k >= 0; k--) {
    const loss = (a.lo + k) * a.h;
    if (loss <= epsilon) break;
    sum += (a.probs[k] as number) * -Math.expm1(epsilon - loss);
  }
  return Math.min(1, a.inf + sum);
}

/**
 * Smallest epsilon with delta(epsilon) <= delta (may be negative; -Infinity when every
 * epsilon works; +Infinity when inf > delta). delta(eps) is piecewise of the form
 * inf + A - e^eps B between grid losses, solved in closed form on the right piece.
 */
export function epsilonForDelta(a: Pmf, delta: number): number {
  if (a.inf > delta) return Number.POSITIVE_INFINITY;
  const { probs, lo, h } = a;
  const decay = Math.exp(-h);
  let mass = 0; // A_k = sum_{j >= k} p_j
  let scaled = 0; // B_k = sum_{j >= k} p_j e^{loss_k - loss_j}
  for (let k = probs.length - 1; k >= 0; k--) {
    const p = probs[k] as number;
    mass += p;
    scaled = p + scaled * decay;
    // On [loss_{k-1}, loss_k] (on (-Infinity, loss_0] for k = 0):
    // delta(eps) = inf + A_k - e^{eps - loss_k} B_k.
    const atLower = a.inf + mass - (k === 0 ? 0 : decay * scaled);
    if (atLower > delta) {
      const lossK = (lo + k) * h;
      return lossK + Math.log((a.inf + mass - delta) / scaled);
    }
  }
  return Number.NEGATIVE_INFINITY;
}

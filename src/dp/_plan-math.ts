/**
 * Internal: the arithmetic every DP plan is derived from, shared by the planners and by the
 * validation of a plan that arrived as plain data (which recomputes it). Pure functions of the
 * plan's primary fields and its scale; no validation here.
 *
 * Units: "integer units" are original units times `scale`. The modulus 2^bits holds centred
 * residues, so a sum is decodable when every coordinate stays within 2^(bits-1) - 1.
 * @module
 */
import { MAX_SKELLAM_LAMBDA } from './skellam.js';

/** Noise added by each client under distributed DP: discrete Gaussian or Skellam. */
export type DistributedMechanism = 'discreteGaussian' | 'skellam';
/** Flattening before quantisation: none, or the seeded randomised Hadamard transform. */
export type DpRotation = 'none' | 'hadamard';

export const MAX_DIMENSION: number = 2 ** 28;
export const MAX_CLIENTS: number = 2 ** 24;
export const DEFAULT_BETA: number = Math.exp(-0.5);
export const DEFAULT_WRAP_PROBABILITY: number = 2 ** -40;
/** Largest integer units per +-1 of the adaptive-clipping count element. */
export const MAX_COUNT_SCALE: number = 2 ** 16;
/** Sensitivities carry this relative margin upward, so float rounding never flatters them. */
const SENSITIVITY_MARGIN = 1 + 2 ** -40;
/** localSigma in events sits this hair below sqrt(variance), for the same reason. */
export const SIGMA_MARGIN: number = 1 - 2 ** -50;

/** What a plan is made of, before its scale is chosen. */
export interface PlanShape {
  /** 'distributed': each client adds noise; 'central': the server adds it to the sum. */
  readonly noise: 'distributed' | 'central';
  /** Sampler of the noise ('discreteGaussian' for central plans). */
  readonly mechanism: DistributedMechanism;
  readonly rotation: DpRotation;
  readonly clipNorm: number;
  readonly dimension: number;
  /** D: dimension padded to a power of two under rotation, else the dimension. */
  readonly paddedDimension: number;
  readonly clients: number;
  readonly minClients: number;
  readonly bits: number;
  readonly beta: number;
  readonly noiseMultiplier: number;
  readonly wrapProbability: number;
  readonly adaptive: AdaptiveShape | null;
}

export interface AdaptiveShape {
  readonly targetQuantile: number;
  readonly learningRate: number;
  readonly countStddev: number;
}

/** The value part of a plan at one scale. */
export interface ValueDerived {
  /** Per-client (distributed) or server (central) noise variance per coordinate, integer units^2. */
  readonly variance: number;
  /** Conditional rounding accepts a rounded vector whose squared L2 norm is at most this. */
  readonly bound: number;
  readonly l2: number;
  readonly l1: number;
  readonly sumBound: number;
  readonly fits: boolean;
}

/** The adaptive-clipping count element at one count scale. */
export interface CountDerived {
  readonly countScale: number;
  readonly variance: number;
  readonly sumBound: number;
  readonly fits: boolean;
}

/** Largest centred magnitude mod 2^bits. */
export function capacity(bits: number): number {
  return 2 ** (bits - 1) - 1;
}

/** Rounds v > 0 up to a dyadic with about 11 significant bits (an integer once v >= 1024). */
export function roundVarianceUp(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return v;
  const e = Math.floor(Math.log2(v)) - 10;
  const q = e >= 0 ? 1 : 2 ** e;
  return Math.ceil(v / q) * q;
}

/** Sampler range of a noise variance (integer units^2): [min, max]. */
export function varianceRange(shape: Pick<PlanShape, 'noise' | 'mechanism'>): { min: number; max: number } {
  if (shape.noise === 'central') return { min: 2 ** -20, max: 2 ** 52 };
  // KLS 2021 needs a local sigma >= 1/2; the Skellam sampler takes lambda in [2^-20, 2^24].
  return shape.mechanism === 'discreteGaussian' ? { min: 0.25, max: 2 ** 52 } : { min: 2 ** -19, max: 2 * MAX_SKELLAM_LAMBDA };
}

/**
 * Per-client sensitivity bounds after conditional randomized rounding (KLS 2021, Theorem 1 with
 * beta): at scaled clip cs and dimension d, the accepted squared norm `bound`, L2 and L1.
 */
export function roundingSensitivity(cs: number, d: number, beta: number): { bound: number; l2: number; l1: number } {
  const sd = Math.sqrt(d);
  const a = (cs + sd) * (cs + sd);
  const b = cs * cs + d / 4 + Math.sqrt(2 * Math.log(1 / beta)) * (cs + sd / 2);
  const bound = Math.min(a, b);
  const l2 = Math.sqrt(bound) * SENSITIVITY_MARGIN;
  return { bound, l2, l1: l1Of(l2, d) };
}

/** L1 bound of an integer vector with L2 norm <= l2 in dimension d: l2 * min(sqrt(d), l2). */
export function l1Of(l2: number, d: number): number {
  return l2 * Math.min(Math.sqrt(d), l2);
}

/** a with P(|sum of `clients` noises| >= a) <= p for one coordinate. */
export function noiseTail(mechanism: DistributedMechanism, clients: number, variance: number, p: number): number {
  const v = clients * variance;
  if (mechanism === 'discreteGaussian') {
    // The discrete Gaussian is sub-Gaussian with variance proxy sigma^2 (CKS 2020): sums too.
    return Math.sqrt(2 * v * Math.log(2 / p));
  }
  // The sum is Sk(v/2, v/2): log MGF = v (cosh t - 1); Chernoff exponent at t = asinh(a / v) is
  // a asinh(a / v) - sqrt(v^2 + a^2) + v. Smallest a with 2 exp(-exponent) <= p.
  const target = Math.log(2 / p);
  const exponent = (a: number): number => a * Math.asinh(a / v) - Math.sqrt(v * v + a * a) + v;
  let lo = 0;
  let hi = Math.max(1, Math.sqrt(2 * v * target));
  while (exponent(hi) < target) hi *= 2;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (exponent(mid) >= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Wrap probability spent on the rotated signal's tail and on each noisy coordinate's tail. */
function wrapBudget(shape: PlanShape): { signal: number; perCoordinate: number } {
  const p = shape.wrapProbability;
  const coordinates = shape.paddedDimension + (shape.adaptive === null ? 0 : 1);
  const signal = shape.rotation === 'hadamard' ? p / 2 : 0;
  return { signal, perCoordinate: (p - signal) / coordinates };
}

/** Raw (unrounded) noise variance the noise multiplier asks for at scaled clip cs. */
export function requiredVariance(shape: PlanShape, cs: number): number {
  const sd = shape.noiseMultiplier * cs;
  return shape.noise === 'central' ? sd * sd : (sd * sd) / shape.minClients;
}

/**
 * The value part at `scale`: noise variance, rounding bound, sensitivities (in dimension D), and
 * the bound on every coordinate of a sum of up to `clients` encodings:
 * signal + noise tail, where the signal is n * min(ceil(cs), floor(sqrt(bound))) (worst case),
 * or with rotation at most n cs sqrt(2 ln(2 D / p_s) / D) + n (sub-Gaussian over the signs, plus
 * one unit of rounding per client).
 */
export function deriveValue(shape: PlanShape, scale: number): ValueDerived {
  const D = shape.paddedDimension;
  const n = shape.clients;
  const cs = shape.clipNorm * scale;
  const variance = roundVarianceUp(requiredVariance(shape, cs));
  const { bound, l2, l1 } = roundingSensitivity(cs, D, shape.beta);
  const budget = wrapBudget(shape);
  let signal = n * Math.min(Math.ceil(cs), Math.floor(Math.sqrt(bound)));
  if (shape.rotation === 'hadamard') {
    const flat = n * cs * Math.sqrt((2 * Math.log((2 * D) / budget.signal)) / D);
    signal = Math.min(signal, Math.ceil(flat) + n);
  }
  const tail = shape.noise === 'central' ? 0 : Math.ceil(noiseTail(shape.mechanism, n, variance, budget.perCoordinate));
  const sumBound = signal + tail;
  const fits = Number.isFinite(sumBound) && sumBound <= capacity(shape.bits);
  return { variance, bound, l2, l1, sumBound, fits };
}

/** Raw noise variance of the count element: its sum's noise has stddev 2 countStddev countScale. */
export function requiredCountVariance(shape: PlanShape, countScale: number): number {
  const a = shape.adaptive as AdaptiveShape;
  const sd = 2 * a.countStddev * countScale;
  return shape.noise === 'central' ? sd * sd : (sd * sd) / shape.minClients;
}

/** The count element at `countScale`: each client sends +-countScale (plus noise). */
export function deriveCount(shape: PlanShape, countScale: number): CountDerived {
  const n = shape.clients;
  const variance = roundVarianceUp(requiredCountVariance(shape, countScale));
  const tail =
    shape.noise === 'central'
      ? 0
      : Math.ceil(noiseTail(shape.mechanism, n, variance, wrapBudget(shape).perCoordinate));
  const sumBound = n * countScale + tail;
  const range = varianceRange(shape);
  // In the sampler's range at both ends, as the value's variance (validateDpPlan refuses either).
  const fits =
    Number.isFinite(sumBound) && sumBound <= capacity(shape.bits) && variance >= range.min && variance <= range.max;
  return { countScale, variance, sumBound, fits };
}

/**
 * Count scale of a plan: 1 for central plans (the server's noise needs no integer grid); for
 * distributed plans the largest power of two up to 2^16 whose noisy count sum fits (a larger
 * scale only makes the local noise coarser-grained relative to its spread, which the KLS bound
 * rewards) with a variance in the sampler's range. Undefined when none fits.
 */
export function chooseCountScale(shape: PlanShape): CountDerived | undefined {
  if (shape.noise === 'central') {
    const c = deriveCount(shape, 1);
    return c.fits ? c : undefined;
  }
  for (let k = MAX_COUNT_SCALE; k >= 1; k /= 2) {
    const c = deriveCount(shape, k);
    if (c.fits) return c;
  }
  return undefined;
}

/**
 * Largest scale (to 11 significant bits) whose value part fits the modulus with a variance in
 * the sampler's range; 0 when none does. Feasibility is monotone in the scale: every bound grows
 * with it.
 */
export function searchScale(shape: PlanShape): number {
  const max = varianceRange(shape).max;
  const ok = (s: number): boolean => {
    const r = deriveValue(shape, s);
    return r.fits && r.variance <= max;
  };
  const n = shape.clients;
  const D = shape.paddedDimension;
  // Signal alone needs about n c s / (flattening) < 2^(bits-1): an upper end for the search.
  let hi = (2 ** shape.bits / (n * shape.clipNorm)) * Math.sqrt(D);
  if (!(hi > 0) || !Number.isFinite(hi)) hi = 1e300;
  let lo = 0;
  for (let i = 0; i < 200 && hi - lo > hi * 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  if (!(lo > 0) || !ok(lo)) return 0;
  const e = Math.floor(Math.log2(lo)) - 10;
  return Math.floor(lo / 2 ** e) * 2 ** e;
}

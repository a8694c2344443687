/**
 * Exact sampler for symmetric Skellam noise Sk(lambda, lambda) = Poisson(lambda) -
 * Poisson(lambda), variance 2 lambda (Agarwal, Kairouz, Liu 2021).
 *
 * Poisson(lambda) is sampled exactly, with every decision on fresh random bits in integer
 * arithmetic:
 * - lambda = m + f with m = floor(lambda) and f in [0, 1) (a JS number is an exact dyadic
 *   rational, so m and f are exact).
 * - Poisson(m), m >= 1, by rejection with an envelope whose every acceptance factor is a
 *   rational in [0, 1] (so the test is a product of exact Bernoulli(integer / integer) draws):
 *   with w ~ 2 sqrt(m), r_i = m / (m + i), l_i = (m - i + 1) / m, P0 = prod_{p<=w} r_p and
 *   Q0 = prod_{p<=min(w,m+1)} l_p, pick one of 1 + w + min(w, m + 1) slots uniformly: the mode, an upper
 *   offset p or a lower offset p; for an offset, a block count B ~ Geometric(P0) (Q0), giving
 *   k = m +- (B w + p); accept with probability prod_{i<=|k-m|} r_i (l_i) / P0^B times (1 - Q0)
 *   (1 - P0) for the other side (both factors for the mode). Every draw k then has probability
 *   proportional to m^k / k!. Expected cost O(sqrt(m)) Bernoulli draws, acceptance ~0.45.
 * - Poisson(f) = Binomial(Poisson(1), f) (Poisson thinning), Bernoulli(f) by comparing fresh bits
 *   with f's binary expansion (exact: doubling a double in [0, 1) and subtracting 1 are exact).
 *
 * Cost: O(sqrt(lambda)) exact Bernoulli draws (~2 random bits each) per Poisson draw, so Skellam
 * is slower than the discrete Gaussian (O(1) in sigma) at large variances: see the docs for
 * measured rates.
 * @module
 */
import { assertInteger, assertNumber, assertOptions } from '../_assert.js';
import { SecAggError } from '../errors.js';
import type { RandomBytes } from '../random.js';
import { _BitReader } from './_bits.js';
import { MAX_SAMPLE_COUNT, _int32Out, _rngOption } from './discrete-gaussian.js';

/** Largest supported Poisson mean lambda of each half of Sk(lambda, lambda). */
export const MAX_SKELLAM_LAMBDA: number = 2 ** 24;
/** Smallest supported lambda. */
export const MIN_SKELLAM_LAMBDA: number = 2 ** -20;

const INT32_MAX = 2 ** 31 - 1;

/** Bernoulli(prod_{p=1}^{w} m / (m + p)) = Bernoulli(P0): all w factors succeed. */
function upperBlock(bits: _BitReader, m: number, w: number): boolean {
  for (let p = 1; p <= w; p++) if (!bits.bernoulliRatio(m, m + p)) return false;
  return true;
}

/** Bernoulli(prod_{p=1}^{wl} (m - p + 1) / m) = Bernoulli(Q0). */
function lowerBlock(bits: _BitReader, m: number, wl: number): boolean {
  for (let p = 1; p <= wl; p++) if (!bits.bernoulliRatio(m - p + 1, m)) return false;
  return true;
}

/**
 * Exact Poisson(m) for an integer m >= 1 (see the module comment). Target weights relative to the
 * mode: T(m + j) = prod_{i=1}^{j} m / (m + i), T(m - j) = prod_{i=1}^{j} (m - i + 1) / m.
 * Proposal: uniform over 1 + w + wl slots (centre, w upper offsets, wl lower offsets), then a
 * block count B ~ Geometric(P0) (resp. Q0); every factor of the acceptance probability is a
 * rational in [0, 1], so q(k) * A(k) = (1 - P0)(1 - Q0) T(k) / (1 + w + wl) for every k.
 */
function poissonInteger(bits: _BitReader, m: number, w: number): number {
  // l_1 = 1 (Poisson has modes m - 1 and m), so the lower block needs wl >= 2; wl = m + 1 puts
  // l_{m+1} = 0 in Q0 (no k < 0), and then no full lower block is ever drawn.
  const wl = Math.min(w, m + 1);
  const slots = 1 + w + wl;
  for (;;) {
    const slot = bits.uniform(slots);
    if (slot === 0) {
      if (!upperBlock(bits, m, w) && !lowerBlock(bits, m, wl)) return m;
      continue;
    }
    if (slot <= w) {
      const p = slot;
      let blocks = 0;
      while (upperBlock(bits, m, w)) blocks++;
      let ok = true;
      // Full blocks: factors r_{bw+q} / r_q = (m + q) / (m + b w + q).
      for (let b = 1; b < blocks && ok; b++) {
        for (let q = 1; q <= w; q++) {
          if (!bits.bernoulliRatio(m + q, m + b * w + q)) {
            ok = false;
            break;
          }
        }
      }
      if (!ok) continue;
      const base = blocks * w;
      for (let q = 1; q <= p; q++) {
        if (!bits.bernoulliRatio(m, m + base + q)) {
          ok = false;
          break;
        }
      }
      if (!ok || lowerBlock(bits, m, wl)) continue;
      return m + base + p;
    }
    const p = slot - w;
    let blocks = 0;
    while (lowerBlock(bits, m, wl)) blocks++;
    let ok = true;
    // Full blocks: factors l_{b wl + q} / l_q = (m - b wl - q + 1) / (m - q + 1) (<= 0: reject).
    for (let b = 1; b < blocks && ok; b++) {
      for (let q = 1; q <= wl; q++) {
        if (!bits.bernoulliRatio(m - b * wl - q + 1, m - q + 1)) {
          ok = false;
          break;
        }
      }
    }
    if (!ok) continue;
    const base = blocks * wl;
    for (let q = 1; q <= p; q++) {
      if (!bits.bernoulliRatio(m - base - q + 1, m)) {
        ok = false;
        break;
      }
    }
    if (!ok || upperBlock(bits, m, w)) continue;
    return m - base - p;
  }
}

/** Block width for Poisson(m): about 2 sqrt(m) (acceptance ~0.45). */
function blockWidth(m: number): number {
  return Math.max(1, Math.ceil(2 * Math.sqrt(m)));
}

/** Bernoulli(f) for a double f in (0, 1), exactly (f's binary expansion vs fresh bits). */
function bernoulliDyadic(bits: _BitReader, f: number): boolean {
  let r = f;
  for (;;) {
    r *= 2;
    let p = 0;
    if (r >= 1) {
      p = 1;
      r -= 1;
    }
    if (bits.bit() !== p) return p === 1;
  }
}

/** Exact Poisson(lambda) for a finite lambda > 0 (internal). */
export function _drawPoisson(bits: _BitReader, lambda: number): number {
  const m = Math.floor(lambda);
  const f = lambda - m;
  let x = m >= 1 ? poissonInteger(bits, m, blockWidth(m)) : 0;
  if (f > 0) {
    const trials = poissonInteger(bits, 1, 2);
    for (let j = 0; j < trials; j++) if (bernoulliDyadic(bits, f)) x++;
  }
  return x;
}

/** One exact draw of Sk(lambda, lambda) (internal). */
export function _drawSkellam(bits: _BitReader, lambda: number): number {
  const z = _drawPoisson(bits, lambda) - _drawPoisson(bits, lambda);
  if (z > INT32_MAX || z < -INT32_MAX) {
    throw new SecAggError('NUMERICAL_FAILURE', 'a Skellam sample exceeded the int32 range');
  }
  return z;
}

/** lambda from a `lambda` or `variance` (= 2 lambda) option, validated (internal). */
export function _skellamLambda(lambda: unknown, variance: unknown, where: string): number {
  if ((lambda === undefined) === (variance === undefined)) {
    throw new SecAggError('INVALID_TYPE', `${where}: give exactly one of lambda and variance`);
  }
  if (lambda !== undefined) return assertNumber(lambda, `${where}.lambda`, MIN_SKELLAM_LAMBDA, MAX_SKELLAM_LAMBDA);
  const v = assertNumber(variance, `${where}.variance`, 2 * MIN_SKELLAM_LAMBDA, 2 * MAX_SKELLAM_LAMBDA);
  return v / 2; // exact: halving a double in this range is exact
}

/**
 * Draws `count` independent samples of symmetric Skellam noise Sk(lambda, lambda) (the
 * difference of two independent Poisson(lambda) draws; variance 2 lambda), exactly.
 *
 * @param options.lambda Poisson mean of each half, in [2^-20, 2^24] (exclusive with `variance`).
 * @param options.variance the Skellam variance 2 lambda (exclusive with `lambda`).
 * @param options.count number of samples, integer in [0, 2^30].
 * @param options.rng randomness (default: the platform CSPRNG).
 * @param options.out optional Int32Array of length `count` to fill.
 * @returns the samples (as `out` when given).
 * @throws {SecAggError} `INVALID_TYPE`, `OUT_OF_RANGE`, `UNKNOWN_OPTION`, `LENGTH_MISMATCH` for bad
 *   options.
 * @example
 * ```ts
 * const noise = sampleSkellam({ variance: 200, count: 1000 }); // lambda = 100
 * ```
 */
export function sampleSkellam(options: {
  lambda?: number;
  variance?: number;
  count: number;
  rng?: RandomBytes;
  out?: Int32Array;
}): Int32Array {
  const o = assertOptions<{
    lambda?: unknown;
    variance?: unknown;
    count?: unknown;
    rng?: unknown;
    out?: unknown;
  }>(options, 'options', ['lambda', 'variance', 'count', 'rng', 'out']);
  const lambda = _skellamLambda(o.lambda, o.variance, 'options');
  const count = assertInteger(o.count, 'options.count', 0, MAX_SAMPLE_COUNT);
  const rng = _rngOption(o.rng);
  const out = _int32Out(o.out, count);
  const bits = new _BitReader(rng);
  for (let i = 0; i < count; i++) out[i] = _drawSkellam(bits, lambda);
  return out;
}

/**
 * Exact sampler for symmetric Skellam noise Sk(lambda, lambda) = Poisson(lambda) -
 * Poisson(lambda), variance 2 lambda (Agarwal, Kairouz, Liu 2021).
 *
 * Poisson(lambda) is sampled exactly, with every decision on fresh random bits in integer
 * arithmetic:
 * - lambda = m + f with m = floor(lambda) and f in [0, 1) (a JS number is an exact dyadic
 *   rational, so m and f are exact).
 * - Poisson(m), m >= 1, by rejection from the negative binomial NB(m, 1/2) (number of 0 bits
 *   before the m-th 1 bit of a fair bit stream; read 32 bits at a time with popcount). The ratio
 *   Poisson(k) / NB(k) is proportional to prod_{i<k} 2m / (m + i), maximal at k = m, so k is
 *   accepted with probability prod_{i=m+1}^{k-1} 2m / (m + i) (k > m) or
 *   prod_{i=k}^{m-1} (m + i) / (2m) (k < m): a product of independent Bernoulli(rational).
 *   Acceptance rate ~ 1/sqrt(2) for large m (measured ~0.7).
 * - Poisson(f) = Binomial(Poisson(1), f) (Poisson thinning), Bernoulli(f) by comparing fresh bits
 *   with f's binary expansion (exact: doubling a double in [0, 1) and subtracting 1 are exact).
 *
 * Cost: O(lambda / 32) words of randomness and popcounts per Poisson draw (about 2 lambda random
 * bits), so the sampler is fast for lambda up to ~10^4 and usable to ~10^5 on 10^5-element
 * vectors; larger variances are better served by the distributed discrete Gaussian, whose
 * sampler is O(1) in sigma.
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

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Number of 0 bits before the m-th 1 bit (NB(m, 1/2)), m >= 1. */
function negativeBinomialHalf(bits: _BitReader, m: number): number {
  let need = m;
  let fails = 0;
  for (;;) {
    let w = bits.word32();
    const c = popcount(w);
    if (c < need) {
      need -= c;
      fails += 32 - c;
      continue;
    }
    for (;;) {
      if ((w & 1) === 1) {
        need--;
        if (need === 0) return fails;
      } else {
        fails++;
      }
      w >>>= 1;
    }
  }
}

/** Exact Poisson(m) for an integer m >= 1. */
function poissonInteger(bits: _BitReader, m: number): number {
  const twoM = 2 * m;
  for (;;) {
    const k = negativeBinomialHalf(bits, m);
    let ok = true;
    if (k > m) {
      for (let i = m + 1; i < k; i++) {
        if (!bits.bernoulliRatio(twoM, m + i)) {
          ok = false;
          break;
        }
      }
    } else {
      for (let i = k; i < m; i++) {
        if (!bits.bernoulliRatio(m + i, twoM)) {
          ok = false;
          break;
        }
      }
    }
    if (ok) return k;
  }
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
  let x = m >= 1 ? poissonInteger(bits, m) : 0;
  if (f > 0) {
    const trials = poissonInteger(bits, 1);
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

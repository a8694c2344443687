/**
 * Exact sampler for the discrete Gaussian N_Z(0, sigma^2) (Canonne, Kamath, Steinke, NeurIPS
 * 2020, Algorithm 3): t = floor(sigma) + 1; repeat Y ~ DiscreteLaplace(t) until
 * Bernoulli(exp(-(|Y| - sigma^2 / t)^2 / (2 sigma^2))); return Y.
 *
 * sigma^2 is held as an exact rational num / den (a JS number is an exact dyadic rational, so a
 * `variance` number is taken bit for bit, and a `sigma` number is squared exactly in BigInt).
 * The acceptance test is Bernoulli(exp(-a^2 / D)) with a = |Y| t den - num and
 * D = 2 num t^2 den, all integers: computed with safe-integer numbers when a^2 < 2^53 and
 * D <= 2^52 (true for sigma^2 with few fractional bits, e.g. an integer, up to sigma ~ 6000),
 * and in BigInt otherwise. Same distribution on both paths; only the speed differs.
 * @module
 */
import { assertInteger, assertNumber, assertOptions, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { cryptoRandomBytes, type RandomBytes } from '../random.js';
import { _BitReader, _exactRational } from './_bits.js';

/** Largest supported variance sigma^2 (sigma <= 2^26), in integer units squared. */
export const MAX_DISCRETE_GAUSSIAN_VARIANCE: number = 2 ** 52;
/** Smallest supported variance sigma^2. */
export const MIN_DISCRETE_GAUSSIAN_VARIANCE: number = 2 ** -20;
/** Largest `count` per call. */
export const MAX_SAMPLE_COUNT: number = 2 ** 30;

const SAFE = 2 ** 52;
const SQRT_SAFE = 94_906_265; // floor(sqrt(2^53)): a <= this gives a^2 < 2^53.
const INT32_MAX = 2 ** 31 - 1;

/** Precomputed constants of one discrete Gaussian (internal). */
export interface _DiscreteGaussianParams {
  readonly num: bigint;
  readonly den: bigint;
  readonly t: number;
  readonly tDen: bigint;
  readonly bigD: bigint;
  /** Number forms, valid when `fast`. */
  readonly numN: number;
  readonly tDenN: number;
  readonly dN: number;
  readonly fast: boolean;
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x;
}

/** Constants for N_Z(0, num / den). num, den > 0. */
export function _prepareDiscreteGaussian(num: bigint, den: bigint): _DiscreteGaussianParams {
  const t = isqrt(num / den) + 1n;
  const tDen = t * den;
  const bigD = 2n * num * t * t * den;
  const limit = BigInt(SAFE);
  const fast = num <= limit && tDen <= limit && bigD <= limit;
  return {
    num,
    den,
    t: Number(t),
    tDen,
    bigD,
    numN: fast ? Number(num) : 0,
    tDenN: fast ? Number(tDen) : 0,
    dN: fast ? Number(bigD) : 0,
    fast,
  };
}

/** The exact rational variance from a `sigma` or `variance` option (validated, internal). */
export function _varianceRational(
  sigma: unknown,
  variance: unknown,
  where: string,
): { num: bigint; den: bigint } {
  if ((sigma === undefined) === (variance === undefined)) {
    throw new SecAggError('INVALID_TYPE', `${where}: give exactly one of sigma and variance`);
  }
  let r: { num: bigint; den: bigint };
  if (sigma !== undefined) {
    assertNumber(sigma, `${where}.sigma`, Math.sqrt(MIN_DISCRETE_GAUSSIAN_VARIANCE), Math.sqrt(MAX_DISCRETE_GAUSSIAN_VARIANCE));
    const s = _exactRational(sigma as number);
    r = { num: s.num * s.num, den: s.den * s.den };
  } else {
    assertNumber(variance, `${where}.variance`, MIN_DISCRETE_GAUSSIAN_VARIANCE, MAX_DISCRETE_GAUSSIAN_VARIANCE);
    r = _exactRational(variance as number);
  }
  return r;
}

/** One exact draw from N_Z(0, sigma^2) (internal; the caller owns the reader). */
export function _drawDiscreteGaussian(bits: _BitReader, p: _DiscreteGaussianParams): number {
  for (;;) {
    const y = bits.discreteLaplace(p.t);
    const ay = y < 0 ? -y : y;
    let accept: boolean;
    if (p.fast && ay * p.tDenN <= SAFE) {
      const a = ay * p.tDenN - p.numN;
      const aa = a < 0 ? -a : a;
      if (aa <= SQRT_SAFE) accept = bits.bernoulliExp(aa * aa, p.dN);
      else {
        // a^2 needs more than 53 bits: split a^2 = g D + r in BigInt, then run on numbers
        // (r < D <= 2^52).
        const big = BigInt(aa);
        const sq = big * big;
        const g = sq / p.bigD;
        accept = bits.bernoulliExpSplit(Number(g), Number(sq - g * p.bigD), p.dN);
      }
    } else {
      const a = BigInt(ay) * p.tDen - p.num;
      accept = bits.bernoulliExpBig(a * a, p.bigD);
    }
    if (!accept) continue;
    if (ay > INT32_MAX) {
      // Probability below exp(-2^10) for every supported sigma; never silently wrapped.
      throw new SecAggError('NUMERICAL_FAILURE', 'a discrete Gaussian sample exceeded the int32 range');
    }
    return y;
  }
}

/**
 * Draws `count` independent samples of the discrete Gaussian N_Z(0, sigma^2), exactly: every
 * decision is made in integer arithmetic on fresh random bits (CKS 2020 Algorithm 3), with no
 * floating point in any sampling decision.
 *
 * Give the scale as exactly one of `sigma` (sigma, squared exactly) or `variance` (sigma^2).
 * A variance with few fractional bits (e.g. an integer, or a multiple of 1/64) keeps the sampler
 * on its fast safe-integer path; an arbitrary sigma (e.g. 1.3, whose square has ~104 fractional
 * bits) runs the same algorithm in BigInt, several times slower.
 *
 * @param options.sigma sigma in [2^-10, 2^26] (exclusive with `variance`).
 * @param options.variance sigma^2 in [2^-20, 2^52] (exclusive with `sigma`).
 * @param options.count number of samples, integer in [0, 2^30].
 * @param options.rng randomness (default: the platform CSPRNG). Read in 4 KiB chunks.
 * @param options.out optional Int32Array of length `count` to fill.
 * @returns the samples (as `out` when given).
 * @throws {SecAggError} `INVALID_TYPE`, `OUT_OF_RANGE`, `UNKNOWN_OPTION`, `LENGTH_MISMATCH` for bad
 *   options; `NUMERICAL_FAILURE` if a sample would leave the int32 range (probability below
 *   exp(-1000) at every supported sigma).
 * @example
 * ```ts
 * const noise = sampleDiscreteGaussian({ variance: 100, count: 1000 });
 * ```
 */
export function sampleDiscreteGaussian(options: {
  sigma?: number;
  variance?: number;
  count: number;
  rng?: RandomBytes;
  out?: Int32Array;
}): Int32Array {
  const o = assertOptions<{
    sigma?: unknown;
    variance?: unknown;
    count?: unknown;
    rng?: unknown;
    out?: unknown;
  }>(options, 'options', ['sigma', 'variance', 'count', 'rng', 'out']);
  const { num, den } = _varianceRational(o.sigma, o.variance, 'options');
  const count = assertInteger(o.count, 'options.count', 0, MAX_SAMPLE_COUNT);
  const rng = _rngOption(o.rng);
  const out = _int32Out(o.out, count);
  const params = _prepareDiscreteGaussian(num, den);
  const bits = new _BitReader(rng);
  for (let i = 0; i < count; i++) out[i] = _drawDiscreteGaussian(bits, params);
  return out;
}

/** Validates an optional rng option (internal). */
export function _rngOption(rng: unknown): RandomBytes {
  if (rng === undefined) return cryptoRandomBytes;
  if (typeof rng !== 'function') {
    throw new SecAggError('INVALID_TYPE', `options.rng must be a function, got ${describeType(rng)}`);
  }
  return rng as RandomBytes;
}

/** Validates an optional Int32Array output of the given length, or allocates one (internal). */
export function _int32Out(out: unknown, count: number): Int32Array {
  if (out === undefined) return new Int32Array(count);
  if (!(out instanceof Int32Array) || !ArrayBuffer.isView(out)) {
    throw new SecAggError('INVALID_TYPE', `options.out must be an Int32Array, got ${describeType(out)}`);
  }
  if (out.length !== count) {
    throw new SecAggError('LENGTH_MISMATCH', `options.out must have ${count} elements, got ${out.length}`);
  }
  return out;
}

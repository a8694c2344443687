/**
 * Internal: the kernels of a DP plan's client encoding and server decoding (typed arrays, no
 * per-element allocation). Every function takes a validated plan.
 * @module
 */
import { describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import type { RandomBytes } from '../random.js';
import { _BitReader, _exactRational } from './_bits.js';
import { _drawDiscreteGaussian, _prepareDiscreteGaussian } from './discrete-gaussian.js';
import type { DpPlan } from './dp-plan.js';
import { _rotationSigns } from './_rotation.js';
import { _drawSkellam } from './skellam.js';

const MAX_ROUNDING_ATTEMPTS = 1000;
/** Clipping target slightly inside c so that float error never leaves the norm above c. */
const CLIP_SHRINK = 1 - 2 ** -40;
/** A round value: at least 16 bytes (e.g. the 32-byte session id), at most 1024. */
const MIN_ROUND_BYTES = 16;
const MAX_ROUND_BYTES = 1024;

/** Draws integer noise of one variance, exactly. */
export type NoiseDraw = (bits: _BitReader) => number;

/** Exact noise sampler: N_Z(0, variance), or Sk(variance / 2, variance / 2). */
export function noiseSampler(mechanism: 'discreteGaussian' | 'skellam', variance: number): NoiseDraw {
  if (mechanism === 'skellam') {
    const lambda = variance / 2;
    return (bits) => _drawSkellam(bits, lambda);
  }
  const { num, den } = _exactRational(variance);
  const params = _prepareDiscreteGaussian(num, den);
  return (bits) => _drawDiscreteGaussian(bits, params);
}

/** The rotation signs of a round (validated round value), or null for an unrotated plan. */
export function signsFor(plan: DpPlan, round: unknown): Uint8Array | null {
  if (round !== undefined) {
    if (!(round instanceof Uint8Array) || !ArrayBuffer.isView(round)) {
      throw new SecAggError('INVALID_TYPE', `options.round must be a Uint8Array, got ${describeType(round)}`);
    }
    if (round.length < MIN_ROUND_BYTES || round.length > MAX_ROUND_BYTES) {
      throw new SecAggError('INVALID_LENGTH', `options.round must be ${MIN_ROUND_BYTES} to ${MAX_ROUND_BYTES} bytes, got ${round.length}`);
    }
  }
  if (plan.rotation !== 'hadamard') return null;
  if (round === undefined) {
    throw new SecAggError(
      'INVALID_TYPE',
      "options.round is required by a plan with rotation 'hadamard': the round's public value (e.g. the session id), never reused across rounds",
    );
  }
  return _rotationSigns(round as Uint8Array, plan.paddedDimension);
}

/**
 * L2 norm of a finite float vector, without overflow or underflow (scaled by the largest
 * magnitude). Throws NON_FINITE_VALUE on NaN or Infinity.
 */
export function l2Norm(values: Float32Array | Float64Array): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) throw new SecAggError('NON_FINITE_VALUE', `values[${i}] is not finite`);
    const a = v < 0 ? -v : v;
    if (a > max) max = a;
  }
  if (max === 0) return 0;
  let sq = 0;
  for (let i = 0; i < values.length; i++) {
    const v = (values[i] as number) / max;
    sq += v * v;
  }
  return max * Math.sqrt(sq);
}

/**
 * Clips `values` (norm `norm`) to the plan's L2 norm, multiplies by `weight` and the scale, into
 * a new Float64Array of D elements (zero-padded).
 */
export function clipAndScale(values: Float32Array | Float64Array, norm: number, weight: number, plan: DpPlan): Float64Array {
  const limit = plan.clipNorm * CLIP_SHRINK;
  const factor = (norm > limit ? limit / norm : 1) * weight * plan.scale;
  const out = new Float64Array(plan.paddedDimension);
  for (let i = 0; i < values.length; i++) out[i] = (values[i] as number) * factor;
  return out;
}

/**
 * Conditional randomized rounding (KLS 2021): each coordinate up with probability equal to its
 * fractional part (a 32-bit comparison), resampled until the squared norm is within the plan's
 * bound (checked exactly).
 */
export function conditionalRound(scaled: Float64Array, plan: DpPlan, bits: _BitReader): Int32Array {
  const n = scaled.length;
  const rounded = new Int32Array(n);
  const maxSq = Math.floor(plan.roundingNormSquaredBound);
  for (let attempt = 0; attempt < MAX_ROUNDING_ATTEMPTS; attempt++) {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      const x = scaled[i] as number;
      const f = Math.floor(x);
      const r = f + (bits.word32() < (x - f) * 4294967296 ? 1 : 0);
      rounded[i] = r;
      acc += r * r;
    }
    if (roundedWithin(rounded, acc, maxSq)) return rounded;
  }
  rounded.fill(0);
  throw new SecAggError('NUMERICAL_FAILURE', 'conditional randomized rounding did not succeed');
}

/** Squared norm of an integer vector <= maxSq, exactly (BigInt only near the boundary). */
function roundedWithin(rounded: Int32Array, approx: number, maxSq: number): boolean {
  if (approx < 2 ** 53 && maxSq < 2 ** 53) return approx <= maxSq; // integer sums below 2^53 are exact
  const slack = Math.max(approx, maxSq) * 2 ** -40;
  if (approx < maxSq - slack) return true;
  if (approx > maxSq + slack) return false;
  let exact = 0n;
  for (let i = 0; i < rounded.length; i++) {
    const r = BigInt(rounded[i] as number);
    exact += r * r;
  }
  return exact <= BigInt(maxSq);
}

/** Writes (value + noise) mod 2^bits into out[at]. */
export function wrapInto(out: Uint32Array, at: number, value: number, bitsWidth: number): void {
  const mask = bitsWidth === 32 ? 0xffffffff : 2 ** bitsWidth - 1;
  out[at] = ((value >>> 0) & mask) >>> 0;
}

/** The plan's bit reader over `rng`. */
export function bitReader(rng: RandomBytes): _BitReader {
  return new _BitReader(rng);
}

/**
 * Checks a sum of encodings (Uint32Array of plan.vectorLength elements, each < 2^bits) and returns
 * its centred residues, as a Float64Array of vectorLength integers.
 */
export function centredSum(sum: unknown, plan: DpPlan): Float64Array {
  if (!(sum instanceof Uint32Array) || !ArrayBuffer.isView(sum)) {
    throw new SecAggError('INVALID_TYPE', `sum must be a Uint32Array, got ${describeType(sum)}`);
  }
  if (sum.length !== plan.vectorLength) {
    throw new SecAggError('LENGTH_MISMATCH', `sum must have ${plan.vectorLength} elements, got ${sum.length}`);
  }
  const modulus = 2 ** plan.bits;
  const half = modulus / 2;
  const out = new Float64Array(sum.length);
  for (let i = 0; i < sum.length; i++) {
    const v = sum[i] as number;
    if (v >= modulus) throw new SecAggError('ELEMENT_OUT_OF_RANGE', `sum[${i}] is not below 2^${plan.bits}`);
    out[i] = v >= half ? v - modulus : v;
  }
  return out;
}

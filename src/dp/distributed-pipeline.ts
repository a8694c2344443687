/**
 * The client pipeline that goes in front of secure-aggregation masking, and the server's
 * inverse, for distributed DP (Kairouz, Liu, Steinke, ICML 2021; Agarwal, Kairouz, Liu,
 * NeurIPS 2021):
 *
 *   client: clip to L2 norm c -> scale by `scale` (integer units per original unit) ->
 *           conditional randomized rounding -> + exact discrete noise -> wrap mod 2^bits
 *   server: sum mod 2^bits (by secure aggregation) -> centered decode -> divide by `scale`.
 *
 * Privacy model: every client adds noise of local variance v = (z c scale)^2 / minClients per
 * coordinate, so that ANY `minClients` survivors (the protocol's threshold: it aborts below it)
 * together contribute noise of standard deviation z c (in original units), the promised level.
 * More survivors only add noise. The server never sees a noiseless sum, and no client learns the
 * sum before it is released. Random rotation (flattening, as in KLS 2021) is out of scope: the
 * modulus check below uses the worst case |coordinate| <= norm instead.
 * @module
 */
import { assertBits, assertInteger, assertNumber, assertOptions, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import type { RandomBytes } from '../random.js';
import { _BitReader, _exactRational } from './_bits.js';
import { _drawDiscreteGaussian, _prepareDiscreteGaussian, _rngOption } from './discrete-gaussian.js';
import {
  distributedDiscreteGaussianEvent,
  skellamEvent,
  type DistributedDiscreteGaussianEvent,
  type SkellamEvent,
} from './events.js';
import { _drawSkellam, MAX_SKELLAM_LAMBDA } from './skellam.js';

/** Noise added by each client: distributed discrete Gaussian (default) or Skellam. */
export type DistributedMechanism = 'discreteGaussian' | 'skellam';

/**
 * A validated, frozen plan shared by the clients and the server of one aggregation. Plans are
 * deterministic: the same options give the same plan on every party, so each party derives its
 * own; only plans returned by planDistributedNoise in this process are accepted (a deserialised
 * copy is refused). All "integer units" are original units times `scale`.
 */
export interface DistributedNoisePlan {
  readonly mechanism: DistributedMechanism;
  /** L2 clip norm c, original units. */
  readonly clipNorm: number;
  /** Vector dimension d. */
  readonly dimension: number;
  /** Largest number of client updates in one sum (all clients survive). */
  readonly clients: number;
  /** Protocol threshold: fewest clients whose noise is in a released sum. Privacy is for these. */
  readonly minClients: number;
  /** Modulus bit width: vectors are mod 2^bits. */
  readonly bits: number;
  /** Integer units per original unit (1 / gamma of KLS 2021). */
  readonly scale: number;
  /** Conditional-rounding bias parameter beta in (0, 1). */
  readonly beta: number;
  /** Requested noise multiplier z: noise stddev of minClients survivors / clipNorm. */
  readonly noiseMultiplier: number;
  /**
   * Per-client, per-coordinate noise variance in integer units squared: sigma^2 of N_Z(0, sigma^2)
   * or 2 lambda of Sk(lambda, lambda). Rounded UP (to ~11 significant bits) from (z c scale)^2 /
   * minClients so the sampler runs on exact small rationals.
   */
  readonly localVariance: number;
  /** Conditional rounding accepts a rounded vector only if its squared L2 norm is <= this. */
  readonly roundingNormSquaredBound: number;
  /** L2 sensitivity after scaling and rounding, integer units (KLS 2021 bound with beta). */
  readonly l2Sensitivity: number;
  /** L1 sensitivity: l2Sensitivity * min(sqrt(d), l2Sensitivity). */
  readonly l1Sensitivity: number;
  /** Bound used against wrapping: |any coordinate of the decoded sum| <= this, in integer units. */
  readonly sumMagnitudeBound: number;
  /**
   * Upper bound on the probability that ANY coordinate of one sum of up to `clients` updates
   * exceeds `sumMagnitudeBound` (and could wrap): union bound over coordinates of the noise tail.
   */
  readonly wrapProbability: number;
  /** The privacy event of ONE released sum, for an accountant (compose it over rounds). */
  readonly event: DistributedDiscreteGaussianEvent | SkellamEvent;
}

const PLANS = new WeakSet<object>();
const MAX_DIMENSION = 2 ** 28;
const MAX_CLIENTS = 2 ** 24;
const DEFAULT_BETA = Math.exp(-0.5);
const DEFAULT_WRAP_PROBABILITY = 2 ** -40;
const MAX_ROUNDING_ATTEMPTS = 1000;
/** Clipping target slightly inside c so that float error never leaves the norm above c. */
const CLIP_SHRINK = 1 - 2 ** -40;

/** Rounds v > 0 up to a dyadic with about 11 significant bits (an integer once v >= 1024). */
function roundVarianceUp(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return v;
  const e = Math.floor(Math.log2(v)) - 10;
  const q = e >= 0 ? 1 : 2 ** e;
  return Math.ceil(v / q) * q;
}

/** Per-client sensitivity bounds (KLS 2021) at scaled clip cs, dimension d (internal). */
export function _roundingSensitivity(cs: number, d: number, beta: number): { bound: number; l2: number; l1: number } {
  const sd = Math.sqrt(d);
  const a = (cs + sd) * (cs + sd);
  const b = cs * cs + d / 4 + Math.sqrt(2 * Math.log(1 / beta)) * (cs + sd / 2);
  const bound = Math.min(a, b);
  // A hair above sqrt(bound) covers the float rounding of the bound itself.
  const l2 = Math.sqrt(bound) * (1 + 2 ** -40);
  return { bound, l2, l1: l2 * Math.min(sd, l2) };
}

/** a with P(|sum noise| >= a) <= p for one coordinate (sub-Gaussian / Skellam Chernoff). */
function noiseTail(mechanism: DistributedMechanism, clients: number, localVariance: number, p: number): number {
  const v = clients * localVariance;
  if (mechanism === 'discreteGaussian') {
    // Discrete Gaussian is sub-Gaussian with variance proxy sigma^2 (CKS 2020): sums too.
    return Math.sqrt(2 * v * Math.log(2 / p));
  }
  // Sum is Sk(v/2, v/2): log MGF = v (cosh t - 1); Chernoff exponent at t = asinh(a / v):
  // a asinh(a / v) - sqrt(v^2 + a^2) + v. Find the smallest a with 2 exp(-exponent) <= p.
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

interface Derived {
  localVariance: number;
  bound: number;
  l2: number;
  l1: number;
  sumBound: number;
  fits: boolean;
}

function derive(
  mechanism: DistributedMechanism,
  c: number,
  d: number,
  n: number,
  t: number,
  bits: number,
  beta: number,
  z: number,
  p: number,
  scale: number,
): Derived {
  const cs = c * scale;
  const sd = z * cs;
  const localVariance = roundVarianceUp((sd * sd) / t);
  const { bound, l2, l1 } = _roundingSensitivity(cs, d, beta);
  // Per client, per coordinate: |x_i| <= cs before rounding, so |rounded| <= ceil(cs); and also
  // <= the accepted norm.
  const signal = Math.min(Math.ceil(cs), Math.floor(Math.sqrt(bound)));
  const tail = noiseTail(mechanism, n, localVariance, p / d);
  const sumBound = n * signal + Math.ceil(tail);
  const fits = Number.isFinite(sumBound) && sumBound <= 2 ** (bits - 1) - 1;
  return { localVariance, bound, l2, l1, sumBound, fits };
}

/**
 * Plans distributed noise for one secure-aggregation round: picks the scale (integer units per
 * original unit) from the modulus bit budget, the per-client noise, the rounding bound and the
 * sensitivities, and returns the privacy event to give to an accountant.
 *
 * Privacy holds when at least `minClients` (the protocol threshold) clients' noise is in the
 * released sum: each client's variance is calibrated so that `minClients` survivors alone reach
 * noise stddev `noiseMultiplier * clipNorm`; the event's `clients` is `minClients`. The
 * sensitivity includes the inflation from conditional randomized rounding (KLS 2021): it shrinks
 * as `scale` grows, so more bits mean better privacy at the same noise.
 *
 * Wrapping: the plan is refused unless, with probability at least 1 - `maxWrapProbability`
 * (union bound over the d coordinates of the noise tail; the signal part is a worst case), every
 * coordinate of a sum of up to `clients` updates stays in [-(2^(bits-1) - 1), 2^(bits-1) - 1],
 * which `decodeServerSum` maps back without ambiguity.
 *
 * To reach a target (epsilon, delta), search `noiseMultiplier` with the accountant's calibration,
 * building the event with this function (e.g. `makeEvent: (z) => planDistributedNoise({...,
 * noiseMultiplier: z}).event`), composed over rounds and subsampling as your training does.
 *
 * @param options.mechanism 'discreteGaussian' (default) or 'skellam'.
 * @param options.clipNorm c > 0, original units (finite).
 * @param options.dimension d, integer in [1, 2^28].
 * @param options.clients most clients in one sum, integer in [1, 2^24].
 * @param options.minClients the protocol threshold, integer in [1, clients].
 * @param options.bits modulus bit width, integer in 1..32.
 * @param options.noiseMultiplier z > 0: noise stddev of minClients survivors divided by clipNorm.
 * @param options.beta conditional-rounding parameter in (0, 1); default exp(-1/2) (KLS 2021).
 * @param options.scale integer units per original unit; default: the largest that cannot wrap
 *   (and keeps the local variance within the sampler's range: 2^52 for the discrete Gaussian,
 *   2^25 for Skellam). Note the Skellam sampler costs O(sqrt(variance)) per coordinate: at 32
 *   bits pass a smaller scale to trade a little rounding inflation for speed.
 * @param options.maxWrapProbability in (0, 2^-10]; default 2^-40.
 * @throws {SecAggError} `MODULUS_TOO_SMALL` when no scale (or not the given one) keeps the sum
 *   inside the modulus, or when the largest such scale leaves a discrete Gaussian local sigma
 *   below 1/2 (outside KLS 2021) or a Skellam lambda below 2^-20; `OUT_OF_RANGE` when a given
 *   scale puts the local variance beyond the sampler's range; `INVALID_BITS`, `INVALID_TYPE`,
 *   `OUT_OF_RANGE`, `UNKNOWN_OPTION` for bad options.
 * @example
 * ```ts
 * const plan = planDistributedNoise({ clipNorm: 1, dimension: 10_000, clients: 100,
 *   minClients: 80, bits: 32, noiseMultiplier: 1.0 });
 * accountant.compose(poissonSampledEvent(0.01, plan.event), 1000);
 * ```
 */
export function planDistributedNoise(options: {
  mechanism?: DistributedMechanism;
  clipNorm: number;
  dimension: number;
  clients: number;
  minClients: number;
  bits: number;
  noiseMultiplier: number;
  beta?: number;
  scale?: number;
  maxWrapProbability?: number;
}): DistributedNoisePlan {
  const o = assertOptions<Record<string, unknown>>(options, 'options', [
    'mechanism',
    'clipNorm',
    'dimension',
    'clients',
    'minClients',
    'bits',
    'noiseMultiplier',
    'beta',
    'scale',
    'maxWrapProbability',
  ]);
  const mechanism = o['mechanism'] ?? 'discreteGaussian';
  if (mechanism !== 'discreteGaussian' && mechanism !== 'skellam') {
    throw new SecAggError('INVALID_TYPE', `options.mechanism must be 'discreteGaussian' or 'skellam'`);
  }
  const c = assertNumber(o['clipNorm'], 'options.clipNorm', 0, 1e150, { min: true });
  const d = assertInteger(o['dimension'], 'options.dimension', 1, MAX_DIMENSION);
  const n = assertInteger(o['clients'], 'options.clients', 1, MAX_CLIENTS);
  const t = assertInteger(o['minClients'], 'options.minClients', 1, n);
  const bits = assertBits(o['bits'], 'options.bits');
  const z = assertNumber(o['noiseMultiplier'], 'options.noiseMultiplier', 0, 1e6, { min: true });
  const beta =
    o['beta'] === undefined ? DEFAULT_BETA : assertNumber(o['beta'], 'options.beta', 0, 1, { min: true, max: true });
  const p =
    o['maxWrapProbability'] === undefined
      ? DEFAULT_WRAP_PROBABILITY
      : assertNumber(o['maxWrapProbability'], 'options.maxWrapProbability', 0, 2 ** -10, { min: true });
  const at = (s: number): Derived => derive(mechanism, c, d, n, t, bits, beta, z, p, s);
  // Largest local variance the samplers take (2^52 for N_Z, 2 * 2^24 for Skellam).
  const maxVariance = mechanism === 'discreteGaussian' ? 2 ** 52 : 2 * MAX_SKELLAM_LAMBDA;

  let scale: number;
  if (o['scale'] !== undefined) {
    scale = assertNumber(o['scale'], 'options.scale', 0, 1e150, { min: true });
    const r0 = at(scale);
    if (r0.localVariance > maxVariance) {
      throw new SecAggError('OUT_OF_RANGE', `with scale ${scale} the local noise variance exceeds ${maxVariance}; lower the scale`);
    }
    if (!r0.fits) {
      throw new SecAggError(
        'MODULUS_TOO_SMALL',
        `with scale ${scale} a sum of ${n} updates could exceed ${bits} bits; lower the scale or add bits`,
      );
    }
  } else {
    // Signal alone needs n * ceil(c * scale) < 2^(bits-1): an upper end for the search.
    let hi = (2 ** (bits - 1)) / (n * c);
    if (!(hi > 0) || !Number.isFinite(hi)) hi = 1e150;
    let lo = 0;
    for (let i = 0; i < 200 && hi - lo > hi * 1e-12; i++) {
      const mid = (lo + hi) / 2;
      const r1 = at(mid);
      // Past the samplers' largest variance a bigger scale buys nothing anyway (the rounding
      // error is then ~1e-15 of the noise variance).
      if (r1.fits && r1.localVariance <= maxVariance) lo = mid;
      else hi = mid;
    }
    if (!(lo > 0) || !at(lo).fits) {
      throw new SecAggError(
        'MODULUS_TOO_SMALL',
        `no scale keeps a sum of ${n} noisy updates inside ${bits} bits; add bits or lower the noise`,
      );
    }
    // A scale with a short binary expansion (11 significant bits) keeps client arithmetic simple.
    const e = Math.floor(Math.log2(lo)) - 10;
    scale = Math.floor(lo / 2 ** e) * 2 ** e;
  }
  const r = at(scale);
  if (mechanism === 'discreteGaussian' && !(r.localVariance >= 0.25)) {
    throw new SecAggError(
      'MODULUS_TOO_SMALL',
      'the local discrete Gaussian sigma would be below 1/2 integer unit (outside KLS 2021); add bits or raise the scale',
    );
  }
  if (mechanism === 'skellam' && !(r.localVariance / 2 >= 2 ** -20)) {
    throw new SecAggError('MODULUS_TOO_SMALL', 'the local Skellam lambda would be below 2^-20; add bits or raise the scale');
  }
  const event =
    mechanism === 'discreteGaussian'
      ? distributedDiscreteGaussianEvent({
          clients: t,
          // A hair below the exact sqrt so float rounding never flatters the accounting.
          localSigma: Math.sqrt(r.localVariance) * (1 - 2 ** -50),
          l2Sensitivity: r.l2,
          l1Sensitivity: r.l1,
          dimension: d,
        })
      : skellamEvent({ clients: t, localVariance: r.localVariance, l2Sensitivity: r.l2, l1Sensitivity: r.l1 });
  const plan: DistributedNoisePlan = Object.freeze({
    mechanism,
    clipNorm: c,
    dimension: d,
    clients: n,
    minClients: t,
    bits,
    scale,
    beta,
    noiseMultiplier: z,
    localVariance: r.localVariance,
    roundingNormSquaredBound: r.bound,
    l2Sensitivity: r.l2,
    l1Sensitivity: r.l1,
    sumMagnitudeBound: r.sumBound,
    wrapProbability: p,
    event,
  });
  PLANS.add(plan);
  return plan;
}

function assertPlan(plan: unknown): DistributedNoisePlan {
  if (typeof plan !== 'object' || plan === null || !PLANS.has(plan)) {
    throw new SecAggError(
      'INVALID_TYPE',
      `plan must be a plan returned by planDistributedNoise, got ${describeType(plan)}`,
    );
  }
  return plan as DistributedNoisePlan;
}

/**
 * Client side: clips `values` to the plan's L2 norm, scales to integer units, rounds by
 * conditional randomized rounding (each coordinate up with probability equal to its fractional
 * part, resampled until the squared norm is within the plan's bound, as KLS 2021), adds exact
 * discrete noise (N_Z(0, localVariance) or Sk(lambda, lambda), lambda = localVariance / 2) and
 * wraps into [0, 2^bits). The result goes to secure-aggregation masking.
 *
 * Randomised rounding draws 32 random bits per coordinate (its bias, below 2^-32, only affects
 * utility: the sensitivity is enforced by the norm check). Noise draws are exact.
 *
 * @param values the update, Float32Array or Float64Array of length plan.dimension, finite.
 * @param plan from {@link planDistributedNoise}.
 * @param options.rng randomness for rounding and noise (default: the platform CSPRNG).
 * @returns a new Uint32Array of length d with entries < 2^bits.
 * @throws {SecAggError} `INVALID_TYPE` (not a float array, not a plan), `LENGTH_MISMATCH`,
 *   `NON_FINITE_VALUE`, `UNKNOWN_OPTION`; `NUMERICAL_FAILURE` if conditional rounding failed
 *   1000 times (probability below (1 - (1 - beta))^1000, i.e. never for sensible beta).
 * @example
 * ```ts
 * const encoded = encodeClientUpdate(gradient, plan); // Uint32Array mod 2^plan.bits
 * // ... then mask `encoded` with the secure-aggregation protocol as the client's input vector.
 * ```
 */
export function encodeClientUpdate(
  values: Float32Array | Float64Array,
  plan: DistributedNoisePlan,
  options?: { rng?: RandomBytes },
): Uint32Array {
  const p = assertPlan(plan);
  if (
    !((values instanceof Float32Array || values instanceof Float64Array) && ArrayBuffer.isView(values))
  ) {
    throw new SecAggError('INVALID_TYPE', `values must be a Float32Array or Float64Array, got ${describeType(values)}`);
  }
  const d = p.dimension;
  if (values.length !== d) {
    throw new SecAggError('LENGTH_MISMATCH', `values must have ${d} elements, got ${values.length}`);
  }
  const o = assertOptions<{ rng?: unknown }>(options, 'options', ['rng']);
  const rng = _rngOption(o.rng);

  // Clip (norm in float64; target slightly inside c) and scale.
  let sq = 0;
  for (let i = 0; i < d; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) throw new SecAggError('NON_FINITE_VALUE', `values[${i}] is not finite`);
    sq += v * v;
  }
  const norm = Math.sqrt(sq);
  const limit = p.clipNorm * CLIP_SHRINK;
  const factor = (norm > limit ? limit / norm : 1) * p.scale;
  const scaled = new Float64Array(d);
  for (let i = 0; i < d; i++) scaled[i] = (values[i] as number) * factor;

  // Conditional randomized rounding.
  const bits = new _BitReader(rng);
  const rounded = new Int32Array(d);
  const maxSq = Math.floor(p.roundingNormSquaredBound);
  let ok = false;
  for (let attempt = 0; attempt < MAX_ROUNDING_ATTEMPTS && !ok; attempt++) {
    let acc = 0;
    for (let i = 0; i < d; i++) {
      const x = scaled[i] as number;
      const f = Math.floor(x);
      const up = bits.word32() < (x - f) * 4294967296 ? 1 : 0;
      const r = f + up;
      rounded[i] = r;
      acc += r * r;
    }
    ok = roundedWithin(rounded, acc, maxSq);
  }
  if (!ok) throw new SecAggError('NUMERICAL_FAILURE', 'conditional randomized rounding did not succeed');

  // Exact discrete noise, then wrap.
  const out = new Uint32Array(d);
  const mask = p.bits === 32 ? 0xffffffff : 2 ** p.bits - 1;
  if (p.mechanism === 'discreteGaussian') {
    const { num, den } = _exactRational(p.localVariance);
    const params = _prepareDiscreteGaussian(num, den);
    for (let i = 0; i < d; i++) {
      const v = (rounded[i] as number) + _drawDiscreteGaussian(bits, params);
      out[i] = ((v >>> 0) & mask) >>> 0;
    }
  } else {
    const lambda = p.localVariance / 2;
    for (let i = 0; i < d; i++) {
      const v = (rounded[i] as number) + _drawSkellam(bits, lambda);
      out[i] = ((v >>> 0) & mask) >>> 0;
    }
  }
  scaled.fill(0);
  rounded.fill(0);
  return out;
}

/** Squared norm of integer vector <= maxSq, exactly (BigInt only near the boundary). */
function roundedWithin(rounded: Int32Array, approx: number, maxSq: number): boolean {
  if (approx < 2 ** 53 && maxSq < 2 ** 53) return approx <= maxSq; // exact: integer sums below 2^53
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

/**
 * Server side: decodes the unmasked sum (mod 2^bits) of `count` clients' encoded updates back to
 * original units: each entry is read as a centered residue in [-2^(bits-1), 2^(bits-1)) and
 * divided by plan.scale. The result is the noisy SUM; divide by `count` for the mean.
 *
 * @param sum Uint32Array of length plan.dimension, entries < 2^bits.
 * @param plan from {@link planDistributedNoise}.
 * @param options.count clients whose updates are in the sum, integer in [minClients, clients]:
 *   below minClients the promised privacy does not hold, so decoding is refused.
 * @throws {SecAggError} `INVALID_TYPE`, `LENGTH_MISMATCH`, `ELEMENT_OUT_OF_RANGE`,
 *   `OUT_OF_RANGE` (count), `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * const total = decodeServerSum(unmaskedSum, plan, { count: survivors.length });
 * ```
 */
export function decodeServerSum(sum: Uint32Array, plan: DistributedNoisePlan, options: { count: number }): Float64Array {
  const p = assertPlan(plan);
  if (!(sum instanceof Uint32Array) || !ArrayBuffer.isView(sum)) {
    throw new SecAggError('INVALID_TYPE', `sum must be a Uint32Array, got ${describeType(sum)}`);
  }
  if (sum.length !== p.dimension) {
    throw new SecAggError('LENGTH_MISMATCH', `sum must have ${p.dimension} elements, got ${sum.length}`);
  }
  const o = assertOptions<{ count?: unknown }>(options, 'options', ['count']);
  assertInteger(o.count, 'options.count', p.minClients, p.clients);
  const modulus = 2 ** p.bits;
  const half = modulus / 2;
  const out = new Float64Array(p.dimension);
  for (let i = 0; i < p.dimension; i++) {
    const v = sum[i] as number;
    if (v >= modulus) throw new SecAggError('ELEMENT_OUT_OF_RANGE', `sum[${i}] is not below 2^${p.bits}`);
    out[i] = (v >= half ? v - modulus : v) / p.scale;
  }
  return out;
}

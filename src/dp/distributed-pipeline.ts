/**
 * The client pipeline that goes in front of secure-aggregation masking, and the server's
 * inverse, for every DP plan (distributed: Kairouz, Liu, Steinke, ICML 2021; Agarwal, Kairouz,
 * Liu, NeurIPS 2021; central: McMahan et al., ICLR 2018):
 *
 *   client: clip to L2 norm c (times a weight <= 1) -> pad and rotate (optional, seeded
 *           randomised Hadamard) -> scale -> conditional randomized rounding -> + exact local
 *           noise (distributed) -> [+ the adaptive-clipping count element] -> wrap mod 2^bits
 *   server: sum mod 2^bits (secure aggregation) -> centred decode -> + exact noise (central)
 *           -> inverse rotation -> divide by the scale -> the model dimension.
 *
 * Privacy model of distributed noise: each client adds local variance v = (z c scale)^2 /
 * minClients per coordinate, so that ANY `minClients` survivors together contribute noise of
 * standard deviation z c (original units); more survivors only add noise. The server never sees
 * a noiseless sum. See docs/dp-distributed.md and docs/dp-mechanisms.md.
 * @module
 */
import { assertInteger, assertNumber, assertOptions, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import type { RandomBytes } from '../random.js';
import { _rngOption } from './discrete-gaussian.js';
import type { DistributedNoisePlan, DpPlan } from './dp-plan.js';
import { validateDpPlan } from './plan-validate.js';
import { bitReader, centredSum, clipAndScale, conditionalRound, l2Norm, noiseSampler, signsFor, wrapInto } from './_codec.js';
import { _parsePlannerOptions, _plan, type DpPlanOptionsCommon } from './_planner.js';
import { roundingSensitivity, type DistributedMechanism } from './_plan-math.js';
import { _rotateInPlace, _unrotateInPlace } from './_rotation.js';

export type { DistributedMechanism } from './_plan-math.js';
export type { DistributedNoisePlan } from './dp-plan.js';

/** Internal: per-client sensitivity bounds (KLS 2021) at scaled clip cs, dimension d. */
export const _roundingSensitivity: (cs: number, d: number, beta: number) => { bound: number; l2: number; l1: number } =
  roundingSensitivity;

/** Options of {@link planDistributedNoise}. */
export interface DistributedNoiseOptions extends DpPlanOptionsCommon {
  /** 'discreteGaussian' (default) or 'skellam'. */
  readonly mechanism?: DistributedMechanism;
  /** The protocol threshold: fewest clients whose noise is in a released sum, integer in [1, clients]. */
  readonly minClients: number;
}

/**
 * Plans distributed noise for secure-aggregation rounds: picks the scale (integer units per
 * original unit) from the modulus bit budget, the per-client noise, the rounding bound and the
 * sensitivities, optionally calibrates the noise multiplier for a target (epsilon, delta) over a
 * run, and returns a plain, versioned {@link DistributedNoisePlan}.
 *
 * Privacy holds when at least `minClients` clients' noise is in the released sum: their noise
 * alone has stddev `noiseMultiplier * clipNorm`. The sensitivity includes the inflation from
 * conditional randomized rounding (KLS 2021), which shrinks as `scale` grows. With
 * `rotation: 'hadamard'` the vector is padded to D = 2^ceil(log2 d) and flattened, so a sum's
 * coordinates are bounded by about n c sqrt(2 ln(2D/p) / D) instead of n c: several bits of
 * modulus saved, at the price of D - d padding elements.
 *
 * Wrapping: the plan is refused unless, with probability at least 1 - `maxWrapProbability`
 * (union bound over coordinates), every coordinate of a sum of up to `clients` encodings stays in
 * [-(2^(bits-1) - 1), 2^(bits-1) - 1].
 *
 * With `target` instead of `noiseMultiplier`, the noise multiplier is the smallest (to a relative
 * 1e-6) for which `target.rounds` rounds, each Poisson-sampled at `target.samplingRate`
 * (add/remove) or drawn as a fixed-size cohort of `clients` out of `target.populationSize`
 * (substitution, as a ledger with fixed-size sampling accounts it) and released with minClients
 * survivors, are (epsilon, delta)-DP under the RDP accountant, the rounding inflation at each
 * candidate's own scale included (as TFF's DistributedDpSumFactory planning, with a rigorous wrap
 * bound instead of its k-sigma heuristic). Plan for the sampling the rounds really use: a plan
 * calibrated with a Poisson `samplingRate` of m / N spends more than its target in a fixed-size
 * ledger (about 4.1 instead of 3 in test/dp/mechanisms.test.ts).
 *
 * @param options see {@link DistributedNoiseOptions}: clipNorm c in (0, 1e150], dimension in
 *   [1, 2^28], clients in [1, 2^24], minClients in [1, clients], bits in 1..32, noiseMultiplier in
 *   (0, 10^6] or target, beta in (0, 1) (default exp(-1/2)), scale (default: the largest that fits
 *   and keeps the local variance in the sampler's range: 2^52 discrete Gaussian, 2^25 Skellam),
 *   maxWrapProbability in (0, 2^-10] (default 2^-40), rotation, adaptiveClipping.
 * @throws {SecAggError} `MODULUS_TOO_SMALL` when no scale (or not the given one) keeps the sum
 *   inside the modulus, when the local discrete Gaussian sigma would fall below 1/2 (outside KLS
 *   2021), or when the count element does not fit; `OUT_OF_RANGE` when a given scale puts the
 *   variance beyond the sampler; `CALIBRATION_FAILED` when no noise reaches the target;
 *   `INVALID_BITS`, `INVALID_TYPE`, `OUT_OF_RANGE`, `UNKNOWN_OPTION` for bad options.
 * @example
 * ```ts
 * const plan = planDistributedNoise({ clipNorm: 1, dimension: 10_000, clients: 100,
 *   minClients: 80, bits: 20, rotation: 'hadamard',
 *   target: { epsilon: 3, delta: 1e-5, rounds: 1000, samplingRate: 0.01 } });
 * plan.vectorLength; // 16384: the length secure aggregation sums
 * ```
 */
export function planDistributedNoise(options: DistributedNoiseOptions): DistributedNoisePlan {
  return _plan(_parsePlannerOptions(options, 'distributed', ['mechanism'])) as DistributedNoisePlan;
}

/** Options of {@link encodeClientUpdate}. */
export interface EncodeClientUpdateOptions {
  /** Randomness for rounding and noise (default: the platform CSPRNG). */
  readonly rng?: RandomBytes;
  /** The round's public value, 16 to 1024 bytes (e.g. the session id); required with rotation. */
  readonly round?: Uint8Array;
  /**
   * Weight in [0, 1] (default 1) that multiplies the clipped update, so the sensitivity stays
   * the clip norm: DP-FedAvg's capped weight min(n_k / w_hat, 1) (McMahan et al. 2018).
   */
  readonly weight?: number;
}

/**
 * Client side: turns one client's float update into the vector it feeds to secure aggregation
 * under `plan`: clip to the plan's L2 norm (then times `weight`), pad and rotate (rotated
 * plans), scale to integer units, round by conditional randomized rounding (each coordinate up
 * with probability equal to its fractional part, resampled until the squared norm is within the
 * plan's bound, as KLS 2021), add exact local noise (distributed plans: N_Z(0, localVariance) or
 * Sk(lambda, lambda) with lambda = localVariance / 2), append the adaptive-clipping element
 * (+-countScale: + when the update's norm is at most the clip norm, plus its own noise) and wrap
 * into [0, 2^bits).
 *
 * @param values the update, Float32Array or Float64Array of plan.dimension finite elements.
 * @param plan any DP plan (plain data is validated first).
 * @param options see {@link EncodeClientUpdateOptions}.
 * @returns a new Uint32Array of plan.vectorLength elements below 2^plan.bits.
 * @throws {SecAggError} `INVALID_TYPE` (values, rng, round missing under rotation), `INVALID_PLAN`,
 *   `UNSUPPORTED_VERSION`, `LENGTH_MISMATCH`, `INVALID_LENGTH` (round), `NON_FINITE_VALUE`,
 *   `OUT_OF_RANGE` (weight), `UNKNOWN_OPTION`; `NUMERICAL_FAILURE` if conditional rounding failed
 *   1000 times (probability below beta^1000).
 * @example
 * ```ts
 * const encoded = encodeClientUpdate(gradient, plan, { round: sessionId });
 * // ... then mask `encoded` as the client's input vector (length plan.vectorLength, plan.bits).
 * ```
 */
export function encodeClientUpdate(
  values: Float32Array | Float64Array,
  plan: DpPlan,
  options?: EncodeClientUpdateOptions,
): Uint32Array {
  const p = validateDpPlan(plan);
  if (!((values instanceof Float32Array || values instanceof Float64Array) && ArrayBuffer.isView(values))) {
    throw new SecAggError('INVALID_TYPE', `values must be a Float32Array or Float64Array, got ${describeType(values)}`);
  }
  if (values.length !== p.dimension) {
    throw new SecAggError('LENGTH_MISMATCH', `values must have ${p.dimension} elements, got ${values.length}`);
  }
  const o = assertOptions<{ rng?: unknown; round?: unknown; weight?: unknown }>(options, 'options', ['rng', 'round', 'weight']);
  const rng = _rngOption(o.rng);
  const weight = o.weight === undefined ? 1 : assertNumber(o.weight, 'options.weight', 0, 1);
  const signs = signsFor(p, o.round);

  const norm = l2Norm(values);
  const scaled = clipAndScale(values, norm, weight, p);
  if (signs !== null) _rotateInPlace(scaled, signs);
  const bits = bitReader(rng);
  const rounded = conditionalRound(scaled, p, bits);
  scaled.fill(0);

  const D = p.paddedDimension;
  const out = new Uint32Array(p.vectorLength);
  if (p.kind === 'distributedNoise') {
    const draw = noiseSampler(p.mechanism, p.localVariance);
    for (let i = 0; i < D; i++) wrapInto(out, i, (rounded[i] as number) + draw(bits), p.bits);
  } else {
    for (let i = 0; i < D; i++) wrapInto(out, i, rounded[i] as number, p.bits);
  }
  rounded.fill(0);
  const a = p.adaptiveClipping;
  if (a !== null) {
    const sign = norm <= p.clipNorm ? 1 : -1;
    const noise = p.kind === 'distributedNoise' ? noiseSampler(p.mechanism, a.countVariance)(bits) : 0;
    wrapInto(out, D, sign * a.countScale + noise, p.bits);
  }
  return out;
}

/** Options of {@link decodeServerSum}. */
export interface DecodeServerSumOptions {
  /** Clients whose encodings are in the sum, integer in [plan.minClients, plan.clients]. */
  readonly count: number;
  /** The round's public value (as given to encodeClientUpdate); required with rotation. */
  readonly round?: Uint8Array;
  /** Randomness for the central noise (central plans; default: the platform CSPRNG). */
  readonly rng?: RandomBytes;
}

/**
 * Server side: decodes the unmasked sum (mod 2^bits) of `count` clients' encodings back to the
 * model dimension in original units: centred residues in [-2^(bits-1), 2^(bits-1)), plus exact
 * discrete Gaussian noise N_Z(0, noiseVariance) per coordinate for a central plan, inverse
 * rotation, divided by plan.scale. The result is the noisy SUM of the (weighted) clipped
 * updates: divide by `count` for the mean, or by a fixed expected total weight (DP-FedAvg).
 *
 * A central plan draws fresh noise on every call: each call is one release for the accountant
 * (decode once per round). Distributed decoding is deterministic.
 *
 * @param sum Uint32Array of plan.vectorLength elements below 2^bits.
 * @param plan any DP plan (plain data is validated first).
 * @param options see {@link DecodeServerSumOptions}; below minClients the promised privacy does
 *   not hold, so decoding is refused.
 * @returns a new Float64Array of plan.dimension elements.
 * @throws {SecAggError} `INVALID_TYPE`, `INVALID_PLAN`, `UNSUPPORTED_VERSION`, `LENGTH_MISMATCH`,
 *   `ELEMENT_OUT_OF_RANGE`, `OUT_OF_RANGE` (count), `INVALID_LENGTH` (round), `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * const total = decodeServerSum(unmaskedSum, plan, { count: survivors.length, round: sessionId });
 * ```
 */
export function decodeServerSum(sum: Uint32Array, plan: DpPlan, options: DecodeServerSumOptions): Float64Array {
  const p = validateDpPlan(plan);
  const s = centredSum(sum, p);
  if (options === undefined) throw new SecAggError('INVALID_TYPE', 'options must be an object with a count, got undefined');
  const o = assertOptions<{ count?: unknown; round?: unknown; rng?: unknown }>(options, 'options', ['count', 'round', 'rng']);
  assertInteger(o.count, 'options.count', p.minClients, p.clients);
  const rng = _rngOption(o.rng);
  const signs = signsFor(p, o.round);
  const D = p.paddedDimension;
  const values = s.length === D ? s : s.subarray(0, D);
  if (p.kind === 'centralGaussian') {
    const bits = bitReader(rng);
    const draw = noiseSampler('discreteGaussian', p.noiseVariance);
    for (let i = 0; i < D; i++) values[i] = (values[i] as number) + draw(bits);
  }
  if (signs !== null) _unrotateInPlace(values, signs);
  const out = new Float64Array(p.dimension);
  for (let i = 0; i < p.dimension; i++) out[i] = (values[i] as number) / p.scale;
  return out;
}

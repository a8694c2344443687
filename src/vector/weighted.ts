/**
 * Weighted aggregation (FedAvg). Client i with integer weight w_i (e.g. its example count)
 * sends, mod 2^bits:
 *
 *   [ round(w_i * clip(x_i) * scale) elementwise ..., w_i ]
 *
 * The server sums these vectors and gets S = sum_i w_i * clip(x_i) * scale (up to rounding)
 * and W = sum_i w_i exactly; the weighted mean is S / (scale * W). Weights are integers in
 * [1, maxWeight] so that W is exact; the planner checks wrap-around with the value bound at the
 * largest weight (maxLevel = levels * maxWeight, or ceil(clip * maxWeight * scale)) and with the
 * weight element itself. Scale fractional weights to integers before encoding.
 */
import { assertInteger } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { checkPlan, computePlan, perClientBound } from './_plan.js';
import {
  assertFloats,
  checkSum,
  decodeKernel,
  parseDequantizeOptions,
  parseQuantizeOptions,
  prepareFloatOut,
  prepareOut,
  quantizeKernel,
  type DequantizeOptions,
  type QuantizeOptions,
} from './_kernel.js';

/** Parameters of {@link planWeightedQuantization}. */
export interface WeightedQuantizationParams {
  /** Clipping bound c of the unweighted update: x is clipped to [-c, c]. Finite, > 0. */
  readonly clip: number;
  /** Modulus exponent, 1..32. */
  readonly bits: number;
  /** Largest number of clients whose vectors will be summed, integer >= 1. */
  readonly clients: number;
  /** Largest weight any client may use, integer >= 1 (weights are integers in [1, maxWeight]). */
  readonly maxWeight: number;
  /**
   * Levels per side at weight 1: x = clip with weight w maps to w * levels. Give `levels` or
   * `scale`, not both; with neither, the largest levels that cannot wrap is chosen.
   */
  readonly levels?: number;
  /** Integer units per unit of weighted input (w * x). Finite, > 0. */
  readonly scale?: number;
  /** Extra magnitude per client and value element (not the weight element), integer units. */
  readonly headroom?: number;
}

/** A frozen weighted quantisation plan; serialisable and re-validated wherever it is used. */
export interface WeightedQuantizationPlan {
  readonly kind: 'weighted';
  /** Modulus exponent. */
  readonly bits: number;
  /** Clipping bound of the unweighted update. */
  readonly clip: number;
  /** Integer units per unit of weighted input. */
  readonly scale: number;
  /** Largest number of clients whose sum the plan guarantees. */
  readonly clients: number;
  /** Largest weight a client may use. */
  readonly maxWeight: number;
  /** Every quantised value element q satisfies |q| <= maxLevel (the bound at maxWeight). */
  readonly maxLevel: number;
  /** Reserved extra magnitude per client and value element. */
  readonly headroom: number;
  /** clients * max(maxLevel + headroom, maxWeight) <= 2^(bits-1) - 1: no sum can wrap. */
  readonly maxAbsSum: number;
}

/** Result of {@link decodeWeightedMean}. */
export interface WeightedMean {
  /** The weighted mean of the clipped updates, one element per value element. */
  readonly mean: Float64Array;
  /** The exact sum of the clients' weights. */
  readonly totalWeight: number;
}

/**
 * Plans weighted quantisation so that no sum of `clients` encodings can wrap mod 2^bits.
 *
 * @returns a frozen {@link WeightedQuantizationPlan}.
 * @throws {SecAggError} `MODULUS_TOO_SMALL` (message names the bits that would fit), and
 *   `INVALID_TYPE`, `OUT_OF_RANGE`, `INVALID_BITS`, `UNKNOWN_OPTION` for bad parameters.
 * @example
 * ```ts
 * const plan = planWeightedQuantization({ clip: 1, bits: 32, clients: 100, maxWeight: 10_000, levels: 1000 });
 * plan.maxLevel;  // 10_000_000
 * plan.maxAbsSum; // 1_000_000_000 < 2^31
 * ```
 */
export function planWeightedQuantization(params: WeightedQuantizationParams): WeightedQuantizationPlan {
  const f = computePlan(params, true);
  return Object.freeze({
    kind: 'weighted',
    bits: f.bits,
    clip: f.clip,
    scale: f.scale,
    clients: f.clients,
    maxWeight: f.maxWeight,
    maxLevel: f.maxLevel,
    headroom: f.headroom,
    maxAbsSum: f.clients * perClientBound(f.maxLevel, f.headroom, f.maxWeight),
  });
}

/**
 * Encodes one client's update with its weight: `values.length + 1` elements, the first ones
 * round(weight * clip(x) * scale) mod 2^bits (stochastic rounding by default, as
 * {@link quantize}), the last one `weight`.
 *
 * @param values the unweighted update (e.g. the model delta); every element finite.
 * @param weight integer in [1, plan.maxWeight] (e.g. the client's example count).
 * @param plan from {@link planWeightedQuantization}.
 * @returns `options.out` (exactly values.length + 1 elements) or a new Uint32Array.
 * @throws {SecAggError} `NON_FINITE_VALUE`, `OUT_OF_RANGE` (weight), `INVALID_TYPE`,
 *   `LENGTH_MISMATCH`, `OVERLAPPING_BUFFERS`, `UNKNOWN_OPTION`, `MODULUS_TOO_SMALL` (bad plan).
 * @example
 * ```ts
 * const plan = planWeightedQuantization({ clip: 1, bits: 32, clients: 2, maxWeight: 100, levels: 1000 });
 * const a = encodeWeightedUpdate(Float64Array.of(0.5), 30, plan, { rounding: 'nearest' });
 * const b = encodeWeightedUpdate(Float64Array.of(-0.5), 10, plan, { rounding: 'nearest' });
 * decodeWeightedMean(sumVectors([a, b], 32), plan, { count: 2 });
 * // { mean: Float64Array [0.25], totalWeight: 40 }
 * ```
 */
export function encodeWeightedUpdate(
  values: Float32Array | Float64Array,
  weight: number,
  plan: WeightedQuantizationPlan,
  options?: QuantizeOptions,
): Uint32Array {
  assertFloats(values, 'values');
  const p = checkPlan(plan, true);
  assertInteger(weight, 'weight', 1, p.maxWeight);
  const opts = parseQuantizeOptions(options);
  const n = values.length;
  const out = prepareOut(opts.out, n + 1, values);
  quantizeKernel(values, p.clip, weight * p.scale, p.maxLevel, p.bits, opts, out, 'values');
  out[n] = weight;
  return out;
}

/**
 * Decodes the sum of `count` clients' weighted encodings into the weighted mean of their
 * clipped updates and the exact total weight. Per element, the mean is within
 * count / (scale * totalWeight) <= 1 / scale of the exact weighted mean of the clipped inputs.
 *
 * @param sum the modular sum, `d + 1` elements (the last one is the total weight).
 * @param plan the plan the clients used.
 * @param options `count` clients summed (1..plan.clients); optional `out` Float64Array of d.
 * @throws {SecAggError} `ELEMENT_OUT_OF_RANGE` (element >= 2^bits, a total weight outside
 *   [count, count * maxWeight], or a value no `count` clients can produce), `INVALID_LENGTH`
 *   (empty sum), `OUT_OF_RANGE` (count), `INVALID_TYPE`, `LENGTH_MISMATCH`, `UNKNOWN_OPTION`.
 * @example see {@link encodeWeightedUpdate}.
 */
export function decodeWeightedMean(
  sum: Uint32Array,
  plan: WeightedQuantizationPlan,
  options: DequantizeOptions,
): WeightedMean {
  const p = checkPlan(plan, true);
  const s = checkSum(sum, p.bits, 1);
  const { count, out } = parseDequantizeOptions(options, p.clients);
  const d = s.length - 1;
  const mean = prepareFloatOut(out, d, s);
  const totalWeight = s[d] as number; // count * maxWeight < 2^(bits-1): never a negative residue
  if (totalWeight < count || totalWeight > count * p.maxWeight) {
    throw new SecAggError(
      'ELEMENT_OUT_OF_RANGE',
      `the total weight (last element of sum) is outside [${count}, ${count} * maxWeight]: wrong count, plan, or a corrupted sum`,
    );
  }
  decodeKernel(s, d, p, count, mean);
  for (let i = 0; i < d; i++) mean[i] = (mean[i] as number) / totalWeight;
  return { mean, totalWeight };
}

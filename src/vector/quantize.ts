/**
 * Quantisation of float updates to vectors mod 2^bits, and decoding of their sum.
 *
 * Encoding: x is clipped to [-clip, clip], multiplied by `scale` and rounded to an integer q
 * with |q| <= maxLevel; q is stored as q mod 2^bits (negative q as 2^bits + q). The sum of
 * `count` clients' vectors is decoded in the centered range: a residue s >= 2^(bits-1) means
 * s - 2^bits; the result is divided by `scale`. The planner admits only settings where
 * clients * (maxLevel + headroom) <= 2^(bits-1) - 1, so the true integer sum always lies in the
 * centered range and decoding is exact.
 */
import { checkPlan, computePlan, perClientBound } from './_plan.js';
import {
  assertFloats,
  checkSum,
  decodeKernel,
  parseQuantizeOptions,
  parseDequantizeOptions,
  prepareFloatOut,
  prepareOut,
  quantizeKernel,
  type DequantizeOptions,
  type QuantizeOptions,
} from './_kernel.js';

export type { DequantizeOptions, QuantizeOptions } from './_kernel.js';

/** Parameters of {@link planQuantization}. */
export interface QuantizationParams {
  /** Clipping bound c: inputs are clipped to [-c, c]. Finite, > 0. */
  readonly clip: number;
  /** Modulus exponent, 1..32. */
  readonly bits: number;
  /** Largest number of clients whose vectors will be summed, integer >= 1. */
  readonly clients: number;
  /**
   * Integer levels per side: x = clip maps to `levels` (scale = levels / clip). Give `levels`
   * or `scale`, not both; with neither, the largest levels that cannot wrap is chosen.
   */
  readonly levels?: number;
  /** Integer units per unit of input (maxLevel = ceil(clip * scale)). Finite, > 0. */
  readonly scale?: number;
  /**
   * Extra magnitude per client and element, in integer units, reserved for something added
   * after quantisation (e.g. integer DP noise, bounded by the caller). Default 0.
   */
  readonly headroom?: number;
}

/** A frozen quantisation plan; serialisable (JSON) and re-validated wherever it is used. */
export interface QuantizationPlan {
  readonly kind: 'plain';
  /** Modulus exponent, 1..32 (never 1 in practice: one bit holds no signed sum). */
  readonly bits: number;
  /** Clipping bound c. */
  readonly clip: number;
  /** Integer units per unit of input; one quantisation step is 1 / scale. */
  readonly scale: number;
  /** Largest number of clients whose sum the plan guarantees. */
  readonly clients: number;
  /** Every quantised element q satisfies |q| <= maxLevel. */
  readonly maxLevel: number;
  /** Reserved extra magnitude per client and element (integer units). */
  readonly headroom: number;
  /**
   * Largest |sum| of `clients` vectors: clients * (maxLevel + headroom) <= 2^(bits-1) - 1, so
   * sums never wrap and decode exactly. In input units: maxAbsSum / scale.
   */
  readonly maxAbsSum: number;
}

/**
 * Plans quantisation so that the sum of `clients` quantised vectors can never wrap mod 2^bits.
 *
 * @returns a frozen {@link QuantizationPlan}.
 * @throws {SecAggError} `MODULUS_TOO_SMALL` when clients * (maxLevel + headroom) > 2^(bits-1) - 1;
 *   the message names the bits that would fit, the most clients that fit and the largest levels.
 *   `INVALID_TYPE`, `OUT_OF_RANGE`, `INVALID_BITS`, `UNKNOWN_OPTION` (unknown field, or both
 *   levels and scale) for bad parameters.
 * @example
 * ```ts
 * const plan = planQuantization({ clip: 1, bits: 32, clients: 1000, levels: 1 << 20 });
 * plan.scale;     // 1048576
 * plan.maxAbsSum; // 1048576000 < 2^31
 * planQuantization({ clip: 1, bits: 16, clients: 1000, levels: 1 << 20 }); // MODULUS_TOO_SMALL
 * ```
 */
export function planQuantization(params: QuantizationParams): QuantizationPlan {
  const f = computePlan(params, false);
  return Object.freeze({
    kind: 'plain',
    bits: f.bits,
    clip: f.clip,
    scale: f.scale,
    clients: f.clients,
    maxLevel: f.maxLevel,
    headroom: f.headroom,
    maxAbsSum: f.clients * perClientBound(f.maxLevel, f.headroom, 1),
  });
}

/**
 * Quantises one client's float update under `plan`: clip to [-clip, clip], multiply by scale,
 * round (unbiased stochastic rounding by default, drawing one 32-bit word per element from
 * `rng` in 64 KiB calls), clamp to [-maxLevel, maxLevel] (only reachable through the rounding
 * of levels / clip) and encode mod 2^bits.
 *
 * @param values the update; every element finite.
 * @param plan from {@link planQuantization} (or its JSON round trip).
 * @returns `options.out` or a new Uint32Array of `values.length` elements in [0, 2^bits).
 * @throws {SecAggError} `NON_FINITE_VALUE` (NaN / Infinity; `out` is then zero-filled),
 *   `INVALID_TYPE` (not a Float32Array / Float64Array, bad plan, bad rng or rng output),
 *   `LENGTH_MISMATCH` (out), `OVERLAPPING_BUFFERS`, `UNKNOWN_OPTION`, `OUT_OF_RANGE`,
 *   `MODULUS_TOO_SMALL` (a tampered plan that could wrap).
 * @example
 * ```ts
 * const plan = planQuantization({ clip: 1, bits: 16, clients: 4, levels: 100 });
 * quantize(Float64Array.of(0.5, -0.25, 3), plan, { rounding: 'nearest' });
 * // Uint32Array [50, 65511, 100]   (-25 is stored as 2^16 - 25; 3 is clipped to 1)
 * ```
 */
export function quantize(
  values: Float32Array | Float64Array,
  plan: QuantizationPlan,
  options?: QuantizeOptions,
): Uint32Array {
  assertFloats(values, 'values');
  const p = checkPlan(plan, false);
  const opts = parseQuantizeOptions(options);
  const out = prepareOut(opts.out, values.length, values);
  quantizeKernel(values, p.clip, p.scale, p.maxLevel, p.bits, opts, out, 'values');
  return out;
}

/**
 * Decodes the sum of `count` clients' quantised vectors to floats: residues >= 2^(bits-1) are
 * negative, and the integer sum is divided by scale. The result approximates the sum of the
 * clipped inputs within count steps (count / scale) per element, and is unbiased under
 * stochastic rounding.
 *
 * @param sum the modular sum, elements in [0, 2^bits).
 * @param plan the plan the clients used.
 * @throws {SecAggError} `ELEMENT_OUT_OF_RANGE` (an element >= 2^bits, or one whose decoded
 *   value exceeds count * (maxLevel + headroom): a wrong count, plan, or a corrupted sum),
 *   `OUT_OF_RANGE` (count outside 1..plan.clients), `INVALID_TYPE`, `LENGTH_MISMATCH`,
 *   `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * const plan = planQuantization({ clip: 1, bits: 16, clients: 4, levels: 100 });
 * const a = quantize(Float64Array.of(0.5, -0.25), plan, { rounding: 'nearest' });
 * const b = quantize(Float64Array.of(0.25, -0.5), plan, { rounding: 'nearest' });
 * dequantizeSum(sumVectors([a, b], plan.bits), plan, { count: 2 }); // Float64Array [0.75, -0.75]
 * ```
 */
export function dequantizeSum(
  sum: Uint32Array,
  plan: QuantizationPlan,
  options: DequantizeOptions,
): Float64Array {
  const p = checkPlan(plan, false);
  const s = checkSum(sum, p.bits, 0);
  const { count, out } = parseDequantizeOptions(options, p.clients);
  const result = prepareFloatOut(out, s.length, s);
  decodeKernel(s, s.length, p, count, result);
  return result;
}

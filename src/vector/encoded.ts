/**
 * The shape of what a quantisation plan encodes, for the protocol's vector spec: the plan owns
 * the modulus and the weighted encoding owns its extra element, so neither is stated twice.
 */
import { assertInteger } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { checkPlan } from './_plan.js';
import type { QuantizationPlan } from './quantize.js';
import type { WeightedQuantizationPlan } from './weighted.js';

/** The length and modulus of the vectors a plan encodes (a `VectorSpec` without its name). */
export interface EncodedVector {
  /** Elements of each encoded vector: the update's length, plus one (the weight) for a weighted plan. */
  readonly length: number;
  /** The plan's modulus exponent: every element is below 2^bits. */
  readonly bits: number;
}

/** Longest update: its encoding, weight included, fits a Uint32Array. */
const MAX_LENGTH = 2 ** 32 - 2;

/**
 * The vector that `quantize` (plain plan) or `encodeWeightedUpdate` (weighted plan) produces from
 * an update of `length` elements: `{ length, bits: plan.bits }`, or `{ length: length + 1, ... }`
 * for a weighted plan (its last element is the weight). Spread it into the protocol's vector spec
 * so that the bits and the weight element come from the plan alone: a 24-bit plan cannot meet a
 * 16-bit vector in round 2 (`ELEMENT_OUT_OF_RANGE`), and nobody counts the weight by hand.
 * (A `secagg/dp` plan states its own: `{ length: plan.vectorLength, bits: plan.bits }`;
 * `secagg/session` derives all of this from its spec.)
 *
 * @param plan from `planQuantization` or `planWeightedQuantization` (or its JSON round trip);
 *   validated like every use of a plan.
 * @param length the update's elements (before encoding), integer in [1, 2^32 - 2].
 * @returns a new object `{ length, bits }`.
 * @throws {SecAggError} `INVALID_TYPE` (not a plan, unknown kind, length not a number),
 *   `OUT_OF_RANGE` (length, or an inconsistent plan), `UNKNOWN_OPTION`, `INVALID_BITS`,
 *   `MODULUS_TOO_SMALL` (a tampered plan that could wrap).
 * @example
 * ```ts
 * import { encodedVector, planWeightedQuantization } from 'secagg/vector';
 * import { createSessionPolicy } from 'secagg/protocol';
 *
 * const plan = planWeightedQuantization({ clip: 1, bits: 32, clients: 100, maxWeight: 10_000 });
 * encodedVector(plan, 1000); // { length: 1001, bits: 32 }
 * const policy = createSessionPolicy({
 *   registry: { size: 100 }, corruptFraction: 0, dropoutFraction: 0.1, minClients: 50,
 *   vectors: [{ name: 'update', ...encodedVector(plan, 1000) }],
 * });
 * ```
 */
export function encodedVector(plan: QuantizationPlan | WeightedQuantizationPlan, length: number): EncodedVector {
  const kind: unknown = plan !== null && typeof plan === 'object' ? (plan as { kind?: unknown }).kind : undefined;
  if (kind !== 'plain' && kind !== 'weighted') {
    throw new SecAggError('INVALID_TYPE', 'plan must come from planQuantization or planWeightedQuantization (kind "plain" or "weighted")');
  }
  const weighted = kind === 'weighted';
  const { bits } = checkPlan(plan, weighted);
  const n = assertInteger(length, 'length', 1, MAX_LENGTH);
  return { length: n + (weighted ? 1 : 0), bits };
}

/**
 * Between a model's named tensors and the one vector a session sums: {@link flatten} and
 * {@link unflatten}, the client's encoding of its float update under the spec (quantisation,
 * the weight element, or the DP pipeline), and the server's decoding of the unmasked sum.
 */
import { describeType } from '../_assert.js';
import { decodeServerSum, encodeClientUpdate } from '../dp/index.js';
import { SecAggError } from '../errors.js';
import type { RandomBytes } from '../random.js';
import { decodeWeightedMean, dequantizeSum, encodeWeightedUpdate, quantize } from '../vector/index.js';
import { MAX_WEIGHT, quantizationPlan, updateVector, type SessionSpec } from './spec.js';

/** A model update: one float array per tensor, by name, or a list in the model's order. */
export type ModelUpdate = Readonly<Record<string, Float32Array | Float64Array>> | readonly (Float32Array | Float64Array)[];

function isFloats(value: unknown): value is Float32Array | Float64Array {
  return (value instanceof Float32Array || value instanceof Float64Array) && ArrayBuffer.isView(value);
}

/**
 * Flattens a model update into one Float64Array in the spec's tensor order (a copy: the caller
 * may reuse its arrays).
 *
 * @param update One Float32Array or Float64Array per tensor of `spec.model`: an object by name
 *   (no other names) or an array in the model's order.
 * @throws {SecAggError} `INVALID_TYPE` (not an object or array, a tensor that is not a float
 *   array), `UNKNOWN_OPTION` (a name the model does not have), `LENGTH_MISMATCH` (a tensor of
 *   another length, a list of another count).
 * @example
 * ```ts
 * const flat = flatten({ 'dense/kernel': kernel, 'dense/bias': bias }, spec);
 * ```
 */
export function flatten(update: ModelUpdate, spec: SessionSpec): Float64Array {
  const model = spec.model;
  let tensors: unknown[];
  if (Array.isArray(update)) {
    if (update.length !== model.length) throw new SecAggError('LENGTH_MISMATCH', `the update lists ${update.length} tensors, the model has ${model.length}`);
    tensors = Array.from(update as unknown[]);
  } else if (update !== null && typeof update === 'object' && !ArrayBuffer.isView(update)) {
    const names = new Set(model.map((t) => t.name));
    for (const key of Object.keys(update)) {
      if (!names.has(key)) throw new SecAggError('UNKNOWN_OPTION', `the update has a tensor "${key.slice(0, 64)}" that the model does not`);
    }
    tensors = model.map((t) => (update as Record<string, unknown>)[t.name]);
  } else {
    throw new SecAggError('INVALID_TYPE', `the update must be an object of float arrays by tensor name or an array of them, got ${describeType(update)}`);
  }
  const out = new Float64Array(model.reduce((a, t) => a + t.length, 0));
  let at = 0;
  model.forEach((t, i) => {
    const x = tensors[i];
    if (!isFloats(x)) throw new SecAggError('INVALID_TYPE', `tensor "${t.name}" must be a Float32Array or Float64Array, got ${describeType(x)}`);
    if (x.length !== t.length) throw new SecAggError('LENGTH_MISMATCH', `tensor "${t.name}" must have ${t.length} elements, got ${x.length}`);
    out.set(x, at);
    at += t.length;
  });
  return out;
}

/**
 * Cuts a flattened vector (the model's length) back into the spec's tensors (copies, by name).
 *
 * @throws {SecAggError} `INVALID_TYPE` for a vector that is not a Float32Array or Float64Array,
 *   `LENGTH_MISMATCH` for another length.
 * @example
 * ```ts
 * const { 'dense/bias': bias } = unflatten(flat, spec);
 * ```
 */
export function unflatten(vector: Float32Array | Float64Array, spec: SessionSpec): Record<string, Float64Array> {
  if (!isFloats(vector)) throw new SecAggError('INVALID_TYPE', `vector must be a Float32Array or Float64Array, got ${describeType(vector)}`);
  const total = spec.model.reduce((a, t) => a + t.length, 0);
  if (vector.length !== total) throw new SecAggError('LENGTH_MISMATCH', `vector must have the model's ${total} elements, got ${vector.length}`);
  const out: Record<string, Float64Array> = {};
  let at = 0;
  for (const t of spec.model) {
    out[t.name] = Float64Array.from(vector.subarray(at, at + t.length));
    at += t.length;
  }
  return out;
}

/** What the client hands to the session: a float update with its weight, or an encoded vector. */
export interface PreparedUpdate {
  readonly flat: Float64Array | null;
  readonly encoded: Uint32Array | null;
  readonly weight: number | undefined;
}

/**
 * Reads what `submit` was given (a copy): a model update, or an already-encoded vector of the
 * spec's length below 2^bits; `weight` checked against the aggregation. Internal.
 */
export function prepareUpdate(update: ModelUpdate | Uint32Array, weight: unknown, spec: SessionSpec): PreparedUpdate {
  const a = spec.aggregation;
  if (update instanceof Uint32Array && ArrayBuffer.isView(update)) {
    if (weight !== undefined) throw new SecAggError('INVALID_CONFIG', 'an encoded vector carries its weight already: give no weight with it');
    const v = updateVector(spec);
    const encoded = new Uint32Array(update);
    if (encoded.length !== v.length) throw new SecAggError('LENGTH_MISMATCH', `the encoded vector must have ${v.length} elements, got ${encoded.length}`);
    if (v.bits < 32) {
      const limit = 2 ** v.bits;
      for (let i = 0; i < encoded.length; i++) {
        if ((encoded[i] as number) >= limit) throw new SecAggError('ELEMENT_OUT_OF_RANGE', `the encoded vector's element ${i} is not below 2^${v.bits}`);
      }
    }
    return { flat: null, encoded, weight: undefined };
  }
  const flat = flatten(update as ModelUpdate, spec);
  if (weight !== undefined) {
    if (typeof weight !== 'number' || Number.isNaN(weight)) throw new SecAggError('INVALID_TYPE', `weight must be a number, got ${describeType(weight)}`);
    if (a.kind === 'dp') {
      if (!(weight >= 0 && weight <= 1)) {
        throw new SecAggError(
          'OUT_OF_RANGE',
          `under DP a weight is in [0, 1] (it scales the clipped update, so the sensitivity stays the clip norm: DP-FedAvg's min(n_k / w_hat, 1)); got ${weight}. ` +
            'An example count as weight would lie outside the noise: docs/dp-mechanisms.md, "Weighted FedAvg under DP"',
        );
      }
    } else if (a.kind === 'mean' && a.maxWeight !== null) {
      if (!Number.isInteger(weight) || weight < 1 || weight > a.maxWeight) throw new SecAggError('OUT_OF_RANGE', `weight must be an integer in 1..${a.maxWeight} (the spec's maxWeight), got ${weight}`);
    } else {
      throw new SecAggError('INVALID_CONFIG', `a weight needs a weighted spec (aggregation ${a.kind} with maxWeight up to ${MAX_WEIGHT}, or dp)`);
    }
  } else if (a.kind === 'mean' && a.maxWeight !== null) {
    throw new SecAggError('INVALID_CONFIG', 'the spec is a weighted mean: give the update its weight ({ weight })');
  }
  return { flat, encoded: null, weight: weight as number | undefined };
}

/**
 * The vector a client masks for its prepared update: quantised (stochastic rounding from `rng`),
 * with its weight element, or through the DP pipeline with the round's nonce as the rotation's
 * public value. Wipes the float copy. Internal.
 */
export function encodeUpdate(prepared: PreparedUpdate, spec: SessionSpec, nonce: Uint8Array, rng: RandomBytes | undefined): Uint32Array {
  if (prepared.encoded !== null) return prepared.encoded;
  const flat = prepared.flat as Float64Array;
  const a = spec.aggregation;
  const options = rng === undefined ? {} : { rng };
  try {
    if (a.kind === 'dp') {
      return encodeClientUpdate(flat, a.plan, { ...options, round: nonce, ...(prepared.weight === undefined ? {} : { weight: prepared.weight }) });
    }
    const q = quantizationPlan(spec);
    return q.weighted ? encodeWeightedUpdate(flat, prepared.weight as number, q.plan, options) : quantize(flat, q.plan, options);
  } finally {
    flat.fill(0);
  }
}

/** The server's release of a round: the decoded values per tensor, and the total weight of a weighted mean. */
export interface DecodedSum {
  readonly values: Record<string, Float64Array>;
  readonly totalWeight: number | null;
}

/**
 * Decodes the unmasked sum of `count` clients: the mean or sum per tensor, or the DP plan's
 * noisy sum (refused below its `minClients`: `TOO_FEW_SURVIVORS` is the caller's to report).
 * Internal.
 *
 * @throws {SecAggError} what the decoders throw for a sum no `count` honest clients can make
 *   (`ELEMENT_OUT_OF_RANGE`), `OUT_OF_RANGE` for a count below the DP plan's `minClients`.
 */
export function decodeSum(sum: Uint32Array, count: number, spec: SessionSpec, nonce: Uint8Array): DecodedSum {
  const a = spec.aggregation;
  if (a.kind === 'dp') return { values: unflatten(decodeServerSum(sum, a.plan, { count, round: nonce }), spec), totalWeight: null };
  const q = quantizationPlan(spec);
  if (q.weighted) {
    const { mean, totalWeight } = decodeWeightedMean(sum, q.plan, { count });
    return { values: unflatten(mean, spec), totalWeight };
  }
  const total = dequantizeSum(sum, q.plan, { count });
  if (a.kind === 'mean') for (let i = 0; i < total.length; i++) total[i] = (total[i] as number) / count;
  return { values: unflatten(total, spec), totalWeight: null };
}

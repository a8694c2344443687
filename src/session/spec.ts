/**
 * The session spec: what the server and every client hold from a trusted source (shipped with
 * the app, signed by the operator), never from the server: the protocol policy, the model's
 * tensors, and how their updates are aggregated (a quantised mean or sum, a weighted FedAvg
 * mean, or a differential-privacy plan). The one vector the protocol sums is derived from the
 * model and the aggregation, so its length (with the weight element) and its bits are stated
 * once, here.
 */
import { assertInteger, assertNumber, assertOptions, describeType } from '../_assert.js';
import { validateDpPlan, type DpPlan } from '../dp/index.js';
import { SecAggError } from '../errors.js';
import { countAtFraction, deriveGraph } from '../graph/index.js';
import {
  createSessionPolicy,
  MAX_CLIENTS,
  MAX_VECTOR_LENGTH,
  type SessionPolicy,
  type SessionPolicyInput,
  type VectorSpec,
} from '../protocol/index.js';
import { planQuantization, planWeightedQuantization, type QuantizationPlan, type WeightedQuantizationPlan } from '../vector/index.js';

/** The spec format version this build reads and writes. */
export const SPEC_VERSION = 1;
/** The name of the one vector a session sums (the flattened, encoded update). */
export const UPDATE_VECTOR = 'update';
/** Most tensors in a model. */
export const MAX_TENSORS = 4096;
/** Largest weight of a weighted mean (FedAvg example counts), 2^24. */
export const MAX_WEIGHT: number = 2 ** 24;

/** One float tensor of the model, flattened: `length` elements. */
export interface TensorSpec {
  /** 1..64 printable ASCII characters (0x21..0x7e), unique within the model. */
  readonly name: string;
  /** Elements, 1..2^28 (the whole model too: the sum of the lengths). */
  readonly length: number;
}

/**
 * How the updates are aggregated:
 * - `mean`: each element clipped to [-clip, clip], quantised (unbiased stochastic rounding) at
 *   `bits`; the server releases the mean. With `maxWeight`, the FedAvg weighted mean with
 *   integer weights in 1..maxWeight (the weight element is appended by the library).
 * - `sum`: the same quantisation; the server releases the sum.
 * - `dp`: the `secagg/dp` plan (distributed or central noise, clipping in L2); the server releases
 *   the noisy sum. Weights in [0, 1] scale the clipped update (DP-FedAvg's capped weights).
 */
export type Aggregation =
  | { readonly kind: 'mean'; readonly clip: number; readonly bits: number; readonly maxWeight: number | null }
  | { readonly kind: 'sum'; readonly clip: number; readonly bits: number }
  | { readonly kind: 'dp'; readonly plan: DpPlan };

/** Input of {@link createSessionSpec}'s `aggregation`: `maxWeight` may be left out. */
export type AggregationInput =
  | { readonly kind: 'mean'; readonly clip: number; readonly bits: number; readonly maxWeight?: number | null }
  | { readonly kind: 'sum'; readonly clip: number; readonly bits: number }
  | { readonly kind: 'dp'; readonly plan: DpPlan };

/**
 * A validated session spec (plain data; {@link createSessionSpec} makes one, `encodeSessionSpec`
 * gives its canonical bytes and `sessionSpecDigest` their SHA-256, which clients send so that a
 * server refuses a client holding another spec).
 */
export interface SessionSpec {
  readonly version: 1;
  /** The trusted protocol policy; its `vectors` are the one vector {@link UPDATE_VECTOR} the session sums. */
  readonly policy: SessionPolicy;
  /** The model's tensors, in the order they are flattened. */
  readonly model: readonly TensorSpec[];
  readonly aggregation: Aggregation;
  /** The largest cohort (policy.minClients..min(registry size, 65,535)): the quantisation is planned so that no sum of this many wraps. */
  readonly maxClients: number;
}

/** Input of {@link createSessionSpec}. */
export interface SessionSpecInput {
  /** The policy (as `createSessionPolicy` takes it); `vectors` may be left out (they are derived), or must equal the derived ones. */
  readonly policy: Omit<SessionPolicyInput, 'vectors'> & { readonly vectors?: readonly VectorSpec[] };
  readonly model: readonly TensorSpec[];
  readonly aggregation: AggregationInput;
  /** Default: min(registry size, 65,535), and at most the DP plan's `clients`. */
  readonly maxClients?: number;
  readonly version?: 1;
}

const NAME_PATTERN = /^[\x21-\x7e]{1,64}$/;

function invalid(message: string): SecAggError {
  return new SecAggError('INVALID_CONFIG', message);
}

/**
 * Validates a session spec and returns a normalised copy: the policy (with `vectors` set to the
 * one vector the session sums: the model's length, plus one weight element for a weighted mean,
 * or the DP plan's `vectorLength`, at the aggregation's bits), the model, the aggregation (a DP
 * plan re-validated) and `maxClients`. Run it on the spec you load, whatever its source; both
 * sides derive everything else from it (the quantisation plan, the frame limits).
 *
 * A DP plan is trusted data: it lives in the spec, never in what the server sends. It must
 * cover the model (`dimension` = the model's length) and the largest cohort (`clients` >=
 * `maxClients`), and its `minClients` (the survivors its noise is calibrated for) may not exceed
 * `policy.minClients`. With the complete graph the protocol never releases a sum of fewer than
 * t clients, and t only grows with the cohort: the plan's `minClients` may not exceed the
 * threshold at `policy.minClients` clients (a smaller one is allowed: it counts only clients you
 * trust to add their noise). SecAgg+ gives no such floor against an active server (docs/session.md).
 *
 * @throws {SecAggError} the errors of `createSessionPolicy`; `INVALID_TYPE`, `UNKNOWN_OPTION`,
 *   `OUT_OF_RANGE`, `INVALID_BITS` for bad fields; `INVALID_CONFIG` (tensor names, a model over
 *   2^28 elements, policy vectors other than the derived ones, a DP plan that does not fit the
 *   model, the cohorts or the threshold); `INVALID_PLAN` for a bad DP plan; `MODULUS_TOO_SMALL`
 *   when `bits` cannot hold a sum of `maxClients` updates; `NO_FEASIBLE_GRAPH` when the policy
 *   has no graph at `policy.minClients` clients.
 * @example
 * ```ts
 * const spec = createSessionSpec({
 *   policy: { registry: { size: 100 }, corruptFraction: 0.05, dropoutFraction: 0.1, minClients: 20 },
 *   model: [{ name: 'dense/kernel', length: 7840 }, { name: 'dense/bias', length: 10 }],
 *   aggregation: { kind: 'mean', clip: 0.5, bits: 24, maxWeight: 1000 },
 * });
 * ```
 */
export function createSessionSpec(input: SessionSpecInput): SessionSpec {
  if (input === null || typeof input !== 'object') throw new SecAggError('INVALID_TYPE', `spec must be an object, got ${describeType(input)}`);
  const o = assertOptions<Record<string, unknown>>(input, 'spec', ['version', 'policy', 'model', 'aggregation', 'maxClients']);
  if (o['version'] !== undefined && o['version'] !== SPEC_VERSION) throw new SecAggError('UNSUPPORTED_VERSION', `spec.version must be ${SPEC_VERSION}`);
  const model = readModel(o['model']);
  const total = model.reduce((a, t) => a + t.length, 0);
  const aggregation = readAggregation(o['aggregation']);
  const rawPolicy = o['policy'];
  if (rawPolicy === null || typeof rawPolicy !== 'object') throw new SecAggError('INVALID_TYPE', `spec.policy must be an object, got ${describeType(rawPolicy)}`);
  const { vectors: givenVectors, ...policyInput } = rawPolicy as SessionPolicyInput;
  const vector = vectorOf(aggregation, total);
  const policy = createSessionPolicy({ ...policyInput, vectors: [vector] });
  if (givenVectors !== undefined && JSON.stringify(createSessionPolicy({ ...policyInput, vectors: givenVectors }).vectors) !== JSON.stringify(policy.vectors)) {
    throw invalid(`spec.policy.vectors must be the one derived from the model and the aggregation: ${JSON.stringify(policy.vectors)} (leave them out)`);
  }
  const registrySize = 'size' in policy.registry ? policy.registry.size : policy.registry.verificationKeys.length;
  let limit = Math.min(registrySize, MAX_CLIENTS);
  if (aggregation.kind === 'dp') limit = Math.min(limit, aggregation.plan.clients);
  const maxClients = o['maxClients'] === undefined ? limit : assertInteger(o['maxClients'], 'spec.maxClients', 2, Math.min(registrySize, MAX_CLIENTS));
  if (maxClients < policy.minClients) throw invalid(`spec.maxClients (${maxClients}) is below policy.minClients (${policy.minClients})`);
  const spec: SessionSpec = { version: SPEC_VERSION, policy, model, aggregation, maxClients };
  thresholdAt(policy, policy.minClients); // a policy that cannot run its smallest round is refused here, not at the first round
  if (aggregation.kind === 'dp') checkDpPlan(spec, aggregation.plan, total);
  else quantizationPlan(spec); // refuses bits that cannot hold a sum of maxClients updates
  return spec;
}

function readModel(value: unknown): TensorSpec[] {
  if (!Array.isArray(value)) throw new SecAggError('INVALID_TYPE', `spec.model must be an array of tensors, got ${describeType(value)}`);
  if (value.length < 1 || value.length > MAX_TENSORS) throw invalid(`spec.model must list 1..${MAX_TENSORS} tensors, got ${value.length}`);
  const names = new Set<string>();
  let total = 0;
  const out = new Array<TensorSpec>(value.length);
  for (let i = 0; i < value.length; i++) {
    const entry: unknown = value[i];
    if (entry === null || typeof entry !== 'object') throw new SecAggError('INVALID_TYPE', `spec.model[${i}] must be an object`);
    const t = assertOptions<Record<string, unknown>>(entry, `spec.model[${i}]`, ['name', 'length']);
    const name = t['name'];
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) throw invalid(`spec.model[${i}].name must be 1..64 printable ASCII characters without spaces`);
    if (names.has(name)) throw invalid(`tensor name "${name}" is used twice`);
    names.add(name);
    const length = assertInteger(t['length'], `spec.model[${i}].length`, 1, MAX_VECTOR_LENGTH);
    total += length;
    out[i] = { name, length };
  }
  if (total > MAX_VECTOR_LENGTH - 1) throw invalid(`the model has ${total} elements; a session sums at most 2^28 - 1`);
  return out;
}

function readAggregation(value: unknown): Aggregation {
  if (value === null || typeof value !== 'object') throw new SecAggError('INVALID_TYPE', `spec.aggregation must be an object, got ${describeType(value)}`);
  const kind = (value as { kind?: unknown }).kind;
  if (kind === 'dp') {
    const a = assertOptions<Record<string, unknown>>(value, 'spec.aggregation', ['kind', 'plan']);
    return { kind: 'dp', plan: validateDpPlan(a['plan'] as DpPlan) };
  }
  if (kind !== 'mean' && kind !== 'sum') throw invalid(`spec.aggregation.kind must be "mean", "sum" or "dp"`);
  const a = assertOptions<Record<string, unknown>>(value, 'spec.aggregation', kind === 'mean' ? ['kind', 'clip', 'bits', 'maxWeight'] : ['kind', 'clip', 'bits']);
  const clip = assertNumber(a['clip'], 'spec.aggregation.clip', 0, 1e300, { min: true });
  const bits = a['bits'];
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 2 || bits > 32) {
    throw new SecAggError('INVALID_BITS', 'spec.aggregation.bits must be an integer in 2..32');
  }
  if (kind === 'sum') return { kind, clip, bits };
  const w = a['maxWeight'];
  const maxWeight = w === undefined || w === null ? null : assertInteger(w, 'spec.aggregation.maxWeight', 1, MAX_WEIGHT);
  return { kind, clip, bits, maxWeight };
}

/** The vector the session sums for an aggregation over `total` model elements. */
function vectorOf(a: Aggregation, total: number): VectorSpec {
  if (a.kind === 'dp') {
    if (a.plan.dimension !== total) throw invalid(`the DP plan's dimension (${a.plan.dimension}) must be the model's length (${total})`);
    return { name: UPDATE_VECTOR, length: a.plan.vectorLength, bits: a.plan.bits };
  }
  const weighted = a.kind === 'mean' && a.maxWeight !== null;
  return { name: UPDATE_VECTOR, length: total + (weighted ? 1 : 0), bits: a.bits };
}

/**
 * The threshold of a round of `clients` clients under `policy` (what `deriveSessionConfig`
 * computes), or the error that no graph exists.
 */
export function thresholdAt(policy: SessionPolicy, clients: number): number {
  const registrySize = 'size' in policy.registry ? policy.registry.size : policy.registry.verificationKeys.length;
  const corruptClients = policy.active ? Math.min(clients, countAtFraction(policy.corruptFraction, registrySize)) : countAtFraction(policy.corruptFraction, clients);
  return deriveGraph({
    clients,
    corruptClients,
    dropoutFraction: policy.dropoutFraction,
    adversary: policy.active ? 'semiMalicious' : 'semiHonest',
    policy: policy.graph,
    securityBits: policy.securityBits,
    correctnessBits: policy.correctnessBits,
  }).threshold;
}

function checkDpPlan(spec: SessionSpec, plan: DpPlan, total: number): void {
  const { policy, maxClients } = spec;
  if (plan.dimension !== total) throw invalid(`the DP plan's dimension (${plan.dimension}) must be the model's length (${total})`);
  if (plan.clients < maxClients) {
    throw invalid(`the DP plan covers sums of up to ${plan.clients} clients, the spec's cohorts up to ${maxClients}: plan for maxClients, or lower spec.maxClients`);
  }
  if (plan.minClients > policy.minClients) {
    throw invalid(`the DP plan's noise is calibrated for ${plan.minClients} survivors, but a round may have only policy.minClients = ${policy.minClients} clients`);
  }
  if (policy.graph === 'complete') {
    // The complete graph releases no sum of fewer than t clients, and t = n - dropouts grows
    // with n: the smallest cohort gives the smallest release.
    const t = thresholdAt(policy, policy.minClients);
    if (plan.minClients > t) {
      throw invalid(
        `the DP plan's noise is calibrated for ${plan.minClients} survivors, but a round of ${policy.minClients} clients may release a sum of ${t} ` +
          `(the threshold): plan with minClients <= ${t}, or raise policy.minClients`,
      );
    }
  }
}

/** A quantisation plan of a `mean` or `sum` spec. */
export type SpecQuantization = { readonly weighted: false; readonly plan: QuantizationPlan } | { readonly weighted: true; readonly plan: WeightedQuantizationPlan };

const plans = new WeakMap<SessionSpec, SpecQuantization>();

/**
 * The quantisation plan a `mean` or `sum` spec implies: `planQuantization` (or, with
 * `maxWeight`, `planWeightedQuantization`) at its clip and bits for sums of `maxClients`, with
 * the largest levels that cannot wrap. Deterministic: the server and the clients derive the same.
 * Internal.
 *
 * @throws {SecAggError} `MODULUS_TOO_SMALL`; `INVALID_CONFIG` for a `dp` spec.
 */
export function quantizationPlan(spec: SessionSpec): SpecQuantization {
  let q = plans.get(spec);
  if (q !== undefined) return q;
  const a = spec.aggregation;
  if (a.kind === 'dp') throw invalid('a DP spec has no quantisation plan: it encodes with its DP plan');
  const params = { clip: a.clip, bits: a.bits, clients: spec.maxClients };
  q =
    a.kind === 'mean' && a.maxWeight !== null
      ? { weighted: true, plan: planWeightedQuantization({ ...params, maxWeight: a.maxWeight }) }
      : { weighted: false, plan: planQuantization(params) };
  plans.set(spec, q);
  return q;
}

/** The vector spec the session sums. Internal. */
export function updateVector(spec: SessionSpec): VectorSpec {
  return spec.policy.vectors[0] as VectorSpec;
}

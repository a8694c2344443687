/**
 * secagg/vector: the aggregation core. Vectors of Z_(2^bits) (1 <= bits <= 32) as Uint32Array,
 * modular arithmetic on them, quantisation of float updates with a planner that refuses any
 * setting whose sum can wrap, and weighted (FedAvg) encoding; `encodedVector` gives the protocol's
 * vector spec from a plan. See docs/vector.md.
 * @module
 */
export {
  addInto,
  assertVectorInRange,
  negateInto,
  reduceInto,
  subtractInto,
  sumVectors,
  type ArithmeticOptions,
} from './arith.js';
export { ModularAccumulator } from './accumulator.js';
export { encodedVector, type EncodedVector } from './encoded.js';
export {
  dequantizeSum,
  planQuantization,
  quantize,
  type DequantizeOptions,
  type QuantizationParams,
  type QuantizationPlan,
  type QuantizeOptions,
} from './quantize.js';
export {
  decodeWeightedMean,
  encodeWeightedUpdate,
  planWeightedQuantization,
  type WeightedMean,
  type WeightedQuantizationParams,
  type WeightedQuantizationPlan,
} from './weighted.js';

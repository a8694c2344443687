/**
 * secagg: secure aggregation (Bonawitz et al. 2017, SecAgg+) with differential-privacy
 * accounting. The root entry re-exports the error type and randomness helpers; each area has
 * its own subpath (`secagg/vector`, `secagg/masking`, `secagg/shamir`, `secagg/protocol`,
 * `secagg/dp`, and the in-memory harness `secagg/simulate`) so bundles carry only what they use.
 * @module
 */
export { ErrorCode, SecAggError, isSecAggError } from './errors.js';
export { cryptoRandomBytes, deterministicRandomBytes, type RandomBytes } from './random.js';

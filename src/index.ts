/**
 * secagg: secure aggregation (Bonawitz et al. 2017, SecAgg+) with differential-privacy
 * accounting. The root entry re-exports the error type and randomness helpers; each area has
 * its own subpath (`secagg/vector`, `secagg/masking`, `secagg/shamir`, `secagg/protocol`,
 * `secagg/dp`, the in-memory harness `secagg/simulate`, and `secagg/testing` for tests) so bundles
 * carry only what they use. The deterministic stream for tests is in `secagg/testing`, not here.
 * @module
 */
export { ErrorCode, SecAggError, isSecAggError } from './errors.js';
export { cryptoRandomBytes, type RandomBytes } from './random.js';

/**
 * secagg/shamir: threshold secret sharing over GF(2^16) for up to 65,535 holders, participant
 * u's share at x = u, with batch reconstruction for the server and robust reconstruction
 * (correcting up to floor((N - t) / 2) wrong shares among N and naming their holders). Shamir
 * sharing hides the secret from fewer than `threshold` holders but gives no integrity:
 * authenticate shares in transit. See docs/shamir.md.
 * @module
 */
export { splitSecret, type Share, type SplitOptions } from './split.js';
export {
  combineShares,
  createCombiner,
  type Combiner,
  type CombineOptions,
  type CombinerOptions,
} from './combine.js';
export { SHARE_ENCODING_VERSION, decodeShare, encodeShare } from './encoding.js';
export {
  createRobustCombiner,
  type RobustCombineResult,
  type RobustCombiner,
  type RobustCombinerOptions,
} from './robust.js';

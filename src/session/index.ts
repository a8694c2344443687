/**
 * secagg/session: secure-aggregation rounds over a transport, in a few lines. The server
 * ({@link ServerSession}) admits clients by the identity their transport authenticated, forms
 * each round's cohort, drives the protocol with deadlines and dropouts, and releases the decoded
 * mean or sum; the client ({@link ClientSession}) joins rounds on the terms of the trusted spec,
 * answers each request once (a store keeps it so across crashes), and reports how each round
 * ended. Both hold the same {@link SessionSpec}: the protocol policy, the model's tensors and how
 * their updates are aggregated (quantised mean or sum, FedAvg weights, or a DP plan).
 *
 * The pure protocol (`secagg/protocol`) stays available for frameworks that drive rounds
 * themselves. See docs/session.md.
 * @module
 */
export {
  createSessionSpec,
  MAX_TENSORS,
  MAX_WEIGHT,
  SPEC_VERSION,
  UPDATE_VECTOR,
  type Aggregation,
  type AggregationInput,
  type SessionSpec,
  type SessionSpecInput,
  type TensorSpec,
} from './spec.js';
export { decodeSessionSpec, encodeSessionSpec, sessionSpecDigest } from './spec-codec.js';
export { flatten, unflatten, type ModelUpdate } from './update.js';
export { maxFrameBytes } from './limits.js';
export { ServerSession, type ServerDeadlines, type ServerSessionOptions } from './server.js';
export {
  ClientSession,
  type BeaconFetch,
  type ClientDeadlines,
  type ClientSessionOptions,
  type ClientStore,
  type SubmitOptions,
} from './client.js';
export { systemClock, type Clock, type TimerHandle } from './clock.js';
export {
  SessionCode,
  type AbortedRound,
  type ClientOutcome,
  type CompletedRound,
  type FrameCounts,
  type RoundResult,
  type SessionAbortCode,
  type SessionDrop,
  type SessionDropReason,
} from './types.js';

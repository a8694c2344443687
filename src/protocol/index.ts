/**
 * secagg/protocol: the secure aggregation protocol of Bonawitz et al. (CCS 2017) with the
 * SecAgg+ sparse graph of Bell et al. (CCS 2020), as pure state machines.
 *
 * - Trust: a {@link SessionPolicy} (what a client takes from its own source:
 *   {@link createSessionPolicy}, {@link encodeSessionPolicy} / {@link decodeSessionPolicy}) and
 *   the round's parameters the server chooses give the configuration
 *   ({@link deriveSessionConfig}); a client holds the server to it with {@link joinRound}.
 *   {@link encodeSessionConfig} / {@link decodeSessionConfig} carry a configuration.
 * - Low-level configuration: {@link createSessionConfig} (complete graph, Harary graph, or
 *   `auto`), with the same threshold rules.
 * - Client: {@link joinRound} or {@link createClient} (all randomness drawn here),
 *   {@link clientAdvertiseKeys}, then {@link clientReceive} for each server message (or the
 *   per-round steps), {@link clientAbort}.
 * - Server: {@link createServer}, {@link serverReceiveBytes} per client message off the wire
 *   (or {@link serverReceive} for a decoded one), {@link serverCloseRound} when the framework
 *   decides a round is over, {@link serverDropClient}, {@link serverAbort}.
 * - The unmasking on other threads or hosts: {@link serverCloseRoundAsync} with a
 *   {@link JobRunner} (`secagg/workers` has a worker pool), or {@link unmaskingPlan},
 *   {@link runUnmaskingJob} and {@link applyUnmaskingResults} by hand (docs/parallel.md).
 * - Masked inputs received by several processes: {@link serverPartialSum} in each,
 *   {@link serverReceivePartialSum} in the coordinator.
 * - Inspecting a state without stepping it: {@link isLive}, {@link pendingClients},
 *   {@link canUnmask}.
 * - Every step consumes the state it is given (`STATE_CONSUMED` if it is stepped again;
 *   `structuredClone` keeps a snapshot); a network message never throws.
 * - Wire: {@link encodeMessage}; {@link decodeClientMessage} (server side) and
 *   {@link decodeServerMessage} (client side), or the untyped {@link decodeMessage}.
 * - Whole sessions in memory: `secagg/simulate` (not re-exported here: it is built on this).
 *
 * States are plain structured-clone-able data; steps do no I/O and read no clock. See
 * docs/protocol.md for the byte-level specification and the security model.
 * @module
 */
export {
  clientAbort,
  clientAdvertiseKeys,
  clientConsistencyCheck,
  clientMaskedInput,
  clientReceive,
  clientShareKeys,
  clientUnmask,
  createClient,
  joinRound,
  type ClientInput,
  type ClientReceiveOptions,
  type CreateClientOptions,
  type JoinRefused,
  type JoinRoundOptions,
} from './client/index.js';
export type { ClientStepOptions, StepOptions } from './_common.js';
export { SHARE_CIPHERTEXT_BYTES } from './_kdf.js';
export { AbortCode, DropReason, StepNote } from './codes.js';
export {
  decodeClientMessage,
  decodeMessage,
  decodeServerMessage,
  encodeMessage,
  MessageType,
  WIRE_MAGIC,
  WIRE_VERSION,
} from './codec.js';
export { CONFIG_VERSION, decodeSessionConfig, encodeSessionConfig } from './config-codec.js';
export {
  createSessionConfig,
  MAX_BEACON_ROUND,
  MAX_CLIENTS,
  MAX_REGISTRY,
  MAX_VECTOR_LENGTH,
  MAX_VECTORS,
  type AutoGraphInput,
  type HararyGraphInput,
  type SessionConfigInput,
} from './config.js';
export { deriveSessionConfig, type RoundParameters } from './derive.js';
export { POLICY_VERSION, decodeSessionPolicy, encodeSessionPolicy, sessionPolicyDigest } from './policy-codec.js';
export { createSessionPolicy, type BeaconSource, type Registry, type SessionPolicy, type SessionPolicyInput } from './policy.js';
export type { CryptoBackend } from '../crypto/index.js';
export {
  countAtFraction,
  deriveGraph,
  findGraphParameters,
  type AdversaryClass,
  type DeriveGraphOptions,
  type GraphKind,
  type GraphParameterOptions,
  type GraphParameters,
  type GraphPolicy,
} from '../graph/index.js';
export {
  applyUnmaskingResults,
  createInlineRunner,
  createServer,
  runUnmaskingJob,
  serverAbort,
  serverCloseRound,
  serverCloseRoundAsync,
  serverDropClient,
  serverPartialSum,
  serverReceive,
  serverReceiveBytes,
  serverReceivePartialSum,
  unmaskingPlan,
  wipeUnmaskingJob,
  wipeUnmaskingResult,
  type CloseRoundAsyncOptions,
  type InlineRunnerOptions,
  type JobRunner,
  type JobRunOptions,
  type PartialSum,
  type ReceiveBytesOptions,
  type RunUnmaskingJobOptions,
  type UnmaskingDone,
  type UnmaskingDroppedClient,
  type UnmaskingFailure,
  type UnmaskingJob,
  type UnmaskingKeysJob,
  type UnmaskingKeysResult,
  type UnmaskingMasksJob,
  type UnmaskingMasksResult,
  type UnmaskingPlan,
  type UnmaskingPlanOptions,
  type UnmaskingResult,
  type UnmaskingShareSet,
  type UnmaskingStage,
} from './server/index.js';
export { canUnmask, isLive, pendingClients } from './inspect.js';
export type * from './types.js';

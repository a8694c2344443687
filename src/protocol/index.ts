/**
 * secagg/protocol: the secure aggregation protocol of Bonawitz et al. (CCS 2017) with the
 * SecAgg+ sparse graph of Bell et al. (CCS 2020), as pure state machines.
 *
 * - Configuration: {@link createSessionConfig} (complete graph, Harary graph, or `auto`
 *   through the SecAgg+ parameter finder {@link findGraphParameters}).
 * - Client: {@link createClient}, {@link clientAdvertiseKeys}, then {@link clientReceive} for
 *   each server message (or the per-round steps), {@link clientAbort}.
 * - Server: {@link createServer}, {@link serverReceiveBytes} per client message off the wire
 *   (or {@link serverReceive} for a decoded one),
 *   {@link serverCloseRound} when the framework decides a round is over, {@link serverDropClient},
 *   {@link serverAbort}. Server steps consume the state they are given (see server docs).
 * - The unmasking on other threads or hosts: {@link serverCloseRoundAsync} with a
 *   {@link JobRunner} (`secagg/workers` has a worker pool), or {@link unmaskingPlan},
 *   {@link runUnmaskingJob} and {@link applyUnmaskingResults} by hand (docs/parallel.md).
 * - Masked inputs received by several processes: {@link serverPartialSum} in each,
 *   {@link serverReceivePartialSum} in the coordinator.
 * - Wire: {@link encodeMessage} / {@link decodeMessage}.
 * - Whole sessions in memory: `secagg/simulate` (not re-exported here: it is built on this).
 *
 * States are plain structured-clone-able data; steps do no I/O and read no clock; randomness
 * comes from `options.rng`. See docs/protocol.md for the byte-level specification.
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
  type ClientInput,
  type ClientReceiveOptions,
  type CreateClientOptions,
} from './client/index.js';
export type { StepOptions } from './_common.js';
export { SHARE_CIPHERTEXT_BYTES } from './_kdf.js';
export { AbortCode, DropReason } from './codes.js';
export { decodeMessage, encodeMessage, MessageType, WIRE_MAGIC, WIRE_VERSION } from './codec.js';
export {
  createSessionConfig,
  MAX_CLIENTS,
  MAX_VECTOR_LENGTH,
  MAX_VECTORS,
  type SessionConfigInput,
} from './config.js';
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
export type * from './types.js';

/**
 * secagg/protocol: the secure aggregation protocol of Bonawitz et al. (CCS 2017) with the
 * SecAgg+ sparse graph of Bell et al. (CCS 2020), as pure state machines.
 *
 * - Configuration: {@link createSessionConfig} (complete graph, Harary graph, or `auto`
 *   through the SecAgg+ parameter finder {@link findGraphParameters}).
 * - Client: {@link createClient}, {@link clientAdvertiseKeys}, then {@link clientReceive} for
 *   each server message (or the per-round steps), {@link clientAbort}.
 * - Server: {@link createServer}, {@link serverReceive} per client message,
 *   {@link serverCloseRound} when the framework decides a round is over, {@link serverDropClient},
 *   {@link serverAbort}. Server steps consume the state they are given (see server docs).
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
export { createServer, serverAbort, serverCloseRound, serverDropClient, serverReceive } from './server/index.js';
export type * from './types.js';

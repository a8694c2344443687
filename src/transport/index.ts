/**
 * `secagg/transport`: the interface between the session layer and the network, and the helper
 * to write an adapter for a new medium. The adapters are subpaths of their own:
 * `secagg/transport/ws` (WebSocket server and client), `secagg/transport/port` (MessagePort:
 * worker_threads and Web Workers), `secagg/transport/memory` (in-process, for tests).
 * @module
 */
export { CloseCode, type CloseInfo, type Connection, type ConnectionStats, type ServerStats, type ServerTransport } from './types.js';
export {
  createConnection,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_FRAME_BYTES,
  MAX_FRAME_BYTES_LIMIT,
  type ConnectionController,
  type ConnectionLimits,
  type ConnectionMedium,
  type TransportConnection,
} from './connection.js';

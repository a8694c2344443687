/**
 * `secagg/transport/ws` for browsers (the `browser` export condition): the client over the
 * native WebSocket, without `ws`. The server exists in Node only.
 * @module
 */
import { SecAggError } from '../../errors.js';
import type { TransportConnection } from '../connection.js';
import { connectWith, type SocketRequest, type WebSocketClientOptions } from './client.js';
import type { WebSocketLike } from './_socket.js';
import type { WebSocketServerOptions, WebSocketServerTransport } from './server.js';

export type { WebSocketClientOptions, WebSocketTlsOptions } from './client.js';
export type { WebSocketServerOptions, WebSocketServerTransport } from './server.js';

function nativeSocket(request: SocketRequest): WebSocketLike {
  const WebSocketClass = (globalThis as { WebSocket?: new (url: string, protocols?: string[]) => WebSocketLike }).WebSocket;
  if (typeof WebSocketClass !== 'function') throw new SecAggError('UNSUPPORTED_ENVIRONMENT', 'no WebSocket in this environment');
  return new WebSocketClass(request.url, request.protocols);
}

/**
 * Connects to a WebSocket server with the native WebSocket. See the Node entry's
 * `connectWebSocket`; here `headers` and `tls` are refused (browsers cannot send headers and
 * use their own certificate store) and a frame over `maxFrameBytes` is refused once received.
 *
 * @throws {SecAggError} (rejects) as in Node, and `UNSUPPORTED_ENVIRONMENT` for `headers`,
 *   `tls`, or without a global WebSocket.
 * @example
 * ```ts
 * // The server's authenticate hook reads the token from the Sec-WebSocket-Protocol header.
 * const connection = await connectWebSocket('wss://aggregator.example/secagg', { protocols: ['secagg', 's3cret'] });
 * connection.onFrame = (frame) => console.log('from the server', frame.length);
 * ```
 */
export function connectWebSocket(url: string | URL, options?: WebSocketClientOptions): Promise<TransportConnection> {
  return connectWith(nativeSocket, url, options, false);
}

/**
 * The WebSocket server runs in Node only.
 *
 * @throws {SecAggError} (rejects) `UNSUPPORTED_ENVIRONMENT`, always.
 * @example
 * ```ts
 * await listenWebSocket(options); // rejects in a browser
 * ```
 */
export function listenWebSocket(options: WebSocketServerOptions): Promise<WebSocketServerTransport> {
  void options;
  return Promise.reject(new SecAggError('UNSUPPORTED_ENVIRONMENT', 'the WebSocket server of secagg/transport/ws runs in Node only'));
}

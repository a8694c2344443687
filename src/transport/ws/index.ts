/**
 * `secagg/transport/ws`: WebSocket transports. In Node: a server adapter over `ws` (on its own
 * port or attached to your http(s) server, with your `authenticate` hook) and a client over `ws`
 * (headers, and oversized frames refused from their header). In browsers (the `browser` export
 * condition, which bundlers pick): the same client over the native WebSocket, without `ws`.
 *
 * `ws` is an optional peer dependency of secagg: in Node, install it (`npm install ws`);
 * without it, importing this module throws `UNSUPPORTED_ENVIRONMENT` naming that command.
 * @module
 */
import type { TransportConnection } from '../connection.js';
import { wsModule, type WsModule } from './_ws.js';
import { connectWith, type SocketRequest, type WebSocketClientOptions } from './client.js';
import type { WebSocketLike } from './_socket.js';

export type { WebSocketClientOptions, WebSocketTlsOptions } from './client.js';
export { listenWebSocket, type WebSocketServerOptions, type WebSocketServerTransport } from './server.js';

function nodeSocket(ws: WsModule, request: SocketRequest): WebSocketLike {
  const options = {
    maxPayload: request.maxFrameBytes,
    perMessageDeflate: false,
    followRedirects: false,
    closeTimeout: request.closeTimeoutMs,
    ...(request.headers === undefined ? {} : { headers: request.headers }),
    ...request.tls, // ca, cert, key, passphrase, servername: verification stays on
  };
  return new ws.WebSocket(request.url, request.protocols, options) as unknown as WebSocketLike;
}

/**
 * Connects to a WebSocket server and resolves with the open connection. In Node it uses `ws`
 * (a frame over `maxFrameBytes` is refused from its header, `headers` are sent); in a browser,
 * the native WebSocket (a larger frame is refused once received: browsers cannot do better).
 * The connection's `identity` names the server: scheme, host and path of `url`, never its query.
 *
 * Backpressure: `bufferedAmount` is the WebSocket's; a send above `maxBufferedBytes` closes the
 * connection with `POLICY_VIOLATION`.
 *
 * @param url A `ws:` or `wss:` URL.
 * @param options {@link WebSocketClientOptions}: signal, subprotocols, headers and TLS (Node), limits.
 * @throws {SecAggError} (rejects) `INVALID_TYPE`, `UNKNOWN_OPTION`, `OUT_OF_RANGE` for bad
 *   arguments; `TRANSPORT_FAILED` when the server is unreachable or refuses (e.g. its
 *   authentication answered 401, or TLS verification failed); `ABORTED` when `signal` fires
 *   first; `UNSUPPORTED_ENVIRONMENT` for `headers` or `tls` in a browser, or when `ws` is not
 *   installed (Node).
 *
 * @example
 * ```ts
 * import { connectWebSocket } from 'secagg/transport/ws';
 * const connection = await connectWebSocket('wss://aggregator.example/secagg', {
 *   headers: { authorization: 'Bearer s3cret' },
 *   signal: AbortSignal.timeout(10_000),
 * });
 * connection.onFrame = (frame) => console.log('from the server', frame.length);
 * connection.send(new Uint8Array([1, 2, 3]));
 * connection.close();
 * ```
 */
export async function connectWebSocket(url: string | URL, options?: WebSocketClientOptions): Promise<TransportConnection> {
  const ws = await wsModule();
  return connectWith((request) => nodeSocket(ws, request), url, options, true);
}

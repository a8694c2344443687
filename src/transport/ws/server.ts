/**
 * Internal: the WebSocket server adapter (Node, over `ws`). It takes each HTTP upgrade,
 * asks the caller's `authenticate` hook who is connecting, refuses with an HTTP status before
 * any WebSocket exists when the answer is no, and otherwise hands a connection to the session.
 * `ws` refuses an oversized frame from its header (`maxPayload`), before reading the payload.
 */
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { assertInteger, assertOptions, describeType } from '../../_assert.js';
import { SecAggError } from '../../errors.js';
import { ConnectionHub, DEFAULT_MAX_PENDING_CONNECTIONS } from '../_hub.js';
import { abortedError, checkSignal } from '../_signal.js';
import { readLimits, type ConnectionController, type ConnectionLimits } from '../connection.js';
import { CloseCode, type Connection, type ServerStats, type ServerTransport } from '../types.js';
import { socketMedium, type WebSocketLike } from './_socket.js';
import { DEFAULT_CLOSE_TIMEOUT_MS } from './client.js';
import { wsModule, type WsModule } from './_ws.js';

/** Options of `listenWebSocket`. */
export interface WebSocketServerOptions extends ConnectionLimits {
  /**
   * Who is connecting: return the caller's identity (a string of 1..1024 characters, e.g. the
   * subject of a verified token, or of a client certificate with mTLS), or null to refuse (HTTP
   * 401). May be async; `signal` aborts when the socket goes away, the transport closes or
   * `authenticateTimeoutMs` passes. A hook that throws or returns another value refuses too
   * (HTTP 500, counted in `stats.authenticationErrors`). Check `request.headers.origin` here if
   * browsers on other sites must not connect with your users' cookies.
   */
  readonly authenticate: (request: IncomingMessage, context: { readonly signal: AbortSignal }) => string | null | undefined | Promise<string | null | undefined>;
  /** An http(s) server to attach to (its `upgrade` requests); it stays yours to listen and close. */
  readonly server?: HttpServer | HttpsServer;
  /** Or the port to listen on with a server of the adapter's own, 0..65535 (0: any free port). */
  readonly port?: number;
  /** With `port`: the address to listen on (default: every interface). */
  readonly host?: string;
  /** Only upgrades to this path (e.g. `'/secagg'`) are taken; others get HTTP 404 (default: any path). */
  readonly path?: string;
  /** Connections authenticating or waiting for `onConnection` before more are refused (HTTP 503), 0..2^31 - 1 (default 1024). */
  readonly maxPendingConnections?: number;
  /** How long `authenticate` may take, 1..2^31 - 1 ms (default 10,000); then HTTP 503. */
  readonly authenticateTimeoutMs?: number;
  /**
   * Ping every connection this often, 0..2^31 - 1 ms (default 30,000; 0: never); one that has not
   * answered the previous ping is closed with `ABNORMAL` (a peer gone without a FIN).
   */
  readonly heartbeatMs?: number;
  /** After a close from this side, how long the peer has to answer before the socket is torn down, 0..2^31 - 1 ms (default 2000). */
  readonly closeTimeoutMs?: number;
  /** Abandons listening: the promise rejects with `ABORTED`. */
  readonly signal?: AbortSignal;
}

/** The server transport of `listenWebSocket`. */
export interface WebSocketServerTransport extends ServerTransport {
  /** A snapshot of the counters over every connection and refused attempt. */
  readonly stats: ServerStats;
  /** The port the server listens on (its own or the attached one), or null when it does not listen. */
  readonly port: number | null;
}

const OPTIONS = [
  'authenticate', 'server', 'port', 'host', 'path', 'maxPendingConnections', 'authenticateTimeoutMs',
  'heartbeatMs', 'closeTimeoutMs', 'signal', 'maxFrameBytes', 'maxBufferedBytes',
] as const;
const STATUS: Record<number, string> = { 401: 'Unauthorized', 404: 'Not Found', 426: 'Upgrade Required', 500: 'Internal Server Error', 503: 'Service Unavailable' };
const MAX_MS = 2_147_483_647;
// Bytes a client may send before its handshake is answered (it should send none).
const MAX_EARLY_BYTES = 65_536;

/** Answers an upgrade request with an HTTP error and ends the socket. */
function refuse(socket: Duplex, status: number): void {
  if (socket.destroyed) return;
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${STATUS[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

function pathOf(url: string | undefined): string {
  try {
    return new URL(url ?? '/', 'http://localhost').pathname;
  } catch {
    return '';
  }
}

function checkServer(value: unknown): HttpServer | HttpsServer | undefined {
  if (value === undefined) return undefined;
  const s = value as HttpServer | null;
  if (s === null || typeof s !== 'object' || typeof s.on !== 'function' || typeof s.off !== 'function' || typeof s.listenerCount !== 'function' || typeof s.address !== 'function') {
    throw new SecAggError('INVALID_TYPE', `server must be an http or https server, got ${describeType(value)}`);
  }
  return s;
}

interface Settings {
  readonly authenticate: WebSocketServerOptions['authenticate'];
  readonly path: string | undefined;
  readonly maxPendingConnections: number;
  readonly authenticateTimeoutMs: number;
  readonly heartbeatMs: number;
  readonly closeTimeoutMs: number;
  readonly limits: { maxFrameBytes: number; maxBufferedBytes: number };
}

/** The options, copied and validated once. */
function readOptions(options: unknown): Settings & { attached: HttpServer | HttpsServer | undefined; port: number | undefined; host: string | undefined; signal: AbortSignal | undefined } {
  if (options === undefined) throw new SecAggError('INVALID_TYPE', 'options must be an object with authenticate and server or port');
  const o = assertOptions<WebSocketServerOptions>(options, 'options', OPTIONS);
  const {
    authenticate, server, port, host, path, maxPendingConnections = DEFAULT_MAX_PENDING_CONNECTIONS, authenticateTimeoutMs = 10_000,
    heartbeatMs = 30_000, closeTimeoutMs = DEFAULT_CLOSE_TIMEOUT_MS, signal, maxFrameBytes, maxBufferedBytes,
  } = o;
  if (typeof authenticate !== 'function') throw new SecAggError('INVALID_TYPE', `authenticate must be a function, got ${describeType(authenticate)}`);
  const attached = checkServer(server);
  if ((attached === undefined) === (port === undefined)) {
    throw new SecAggError('INVALID_TYPE', 'options must name either server (to attach to) or port (to listen on), not both');
  }
  if (port !== undefined) assertInteger(port, 'port', 0, 65_535);
  if (host !== undefined && (typeof host !== 'string' || attached !== undefined)) throw new SecAggError('INVALID_TYPE', 'host must be a string, given with port');
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) throw new SecAggError('INVALID_TYPE', "path must be a string starting with '/'");
  return {
    authenticate,
    attached,
    port,
    host,
    path,
    maxPendingConnections: assertInteger(maxPendingConnections, 'maxPendingConnections', 0, MAX_MS),
    authenticateTimeoutMs: assertInteger(authenticateTimeoutMs, 'authenticateTimeoutMs', 1, MAX_MS),
    heartbeatMs: assertInteger(heartbeatMs, 'heartbeatMs', 0, MAX_MS),
    closeTimeoutMs: assertInteger(closeTimeoutMs, 'closeTimeoutMs', 0, MAX_MS),
    signal: checkSignal(signal),
    limits: readLimits(maxFrameBytes, maxBufferedBytes),
  };
}

type RawSocket = InstanceType<WsModule['WebSocket']>;

/** One server: takes upgrades from `http`, authenticates them, and runs the connections. */
class WebSocketServerAdapter implements WebSocketServerTransport {
  readonly #settings: Settings;
  readonly #http: HttpServer | HttpsServer;
  readonly #own: boolean;
  readonly #wss: InstanceType<WsModule['WebSocketServer']>;
  readonly #hub: ConnectionHub;
  readonly #handshakes = new Set<AbortController>();
  readonly #live = new Map<ConnectionController, { socket: RawSocket; alive: boolean; closed: Promise<void> }>();
  readonly #onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => void this.#upgrade(request, socket, head);
  readonly #heartbeat: ReturnType<typeof setInterval> | null;
  #closing: Promise<void> | null = null;

  constructor(ws: WsModule, settings: Settings, http: HttpServer | HttpsServer, own: boolean) {
    this.#settings = settings;
    this.#http = http;
    this.#own = own;
    this.#hub = new ConnectionHub(settings.limits, settings.maxPendingConnections);
    const wsOptions = { noServer: true, maxPayload: settings.limits.maxFrameBytes, perMessageDeflate: false, clientTracking: false, closeTimeout: settings.closeTimeoutMs };
    this.#wss = new ws.WebSocketServer(wsOptions as ConstructorParameters<WsModule['WebSocketServer']>[0]);
    http.on('upgrade', this.#onUpgrade);
    this.#heartbeat = settings.heartbeatMs === 0 ? null : setInterval(() => this.#beat(), settings.heartbeatMs);
    this.#heartbeat?.unref();
  }

  get onConnection(): ((connection: Connection) => void) | null {
    return this.#hub.onConnection;
  }

  set onConnection(handler: ((connection: Connection) => void) | null) {
    this.#hub.onConnection = handler;
  }

  get stats(): ServerStats {
    return this.#hub.stats;
  }

  get port(): number | null {
    const address = this.#http.address();
    return address !== null && typeof address === 'object' ? address.port : null;
  }

  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const http = this.#http;
    http.off('upgrade', this.#onUpgrade);
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    for (const abort of this.#handshakes) abort.abort();
    const stopped = this.#own ? new Promise<void>((resolve) => http.close(() => resolve())) : Promise.resolve();
    if (this.#own) (http as HttpServer).closeIdleConnections();
    this.#hub.closeAll(); // GOING_AWAY to each; each socket is torn down after closeTimeoutMs at most
    await Promise.all([...this.#live.values()].map((entry) => entry.closed));
    if (this.#own) (http as HttpServer).closeAllConnections();
    await stopped;
    this.#wss.close();
  }

  /** Pings every connection; one that did not answer the previous ping is gone. */
  #beat(): void {
    for (const [controller, entry] of this.#live) {
      if (!entry.alive) {
        controller.end(CloseCode.ABNORMAL, 'no answer to ping');
        continue;
      }
      entry.alive = false;
      try {
        entry.socket.ping();
      } catch {
        // closing already
      }
    }
  }

  async #upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const ignore = (): void => {}; // a reset socket must not become an uncaught 'error'
    socket.on('error', ignore);
    const { path, maxPendingConnections } = this.#settings;
    const hub = this.#hub;
    if (path !== undefined && pathOf(request.url) !== path) {
      // Attached, another listener may take this path; alone, nobody will.
      if (this.#own || this.#http.listenerCount('upgrade') <= 1) refuse(socket, 404);
      return;
    }
    if (hub.closing || this.#handshakes.size + hub.pendingCount >= maxPendingConnections) {
      hub.refused++;
      return refuse(socket, 503);
    }
    const { identity, failed, aborted, early } = await this.#authenticate(request, socket);
    const valid = typeof identity === 'string' && identity.length > 0 && identity.length <= 1024;
    if (aborted || hub.closing) {
      hub.refused++;
      return refuse(socket, 503);
    }
    if (failed || (!valid && identity !== null && identity !== undefined)) {
      hub.refused++;
      hub.authenticationErrors++;
      return refuse(socket, 500);
    }
    if (!valid) {
      hub.refused++;
      return refuse(socket, 401);
    }
    socket.off('error', ignore);
    const received = early.length === 0 ? head : Buffer.concat([head, ...early]);
    this.#wss.handleUpgrade(request, socket, received, (upgraded) => this.#accept(upgraded, identity));
  }

  /** Runs the hook, bounded by its timeout, the socket's life and the server's. */
  async #authenticate(request: IncomingMessage, socket: Duplex): Promise<{ identity: unknown; failed: boolean; aborted: boolean; early: Buffer[] }> {
    const abort = new AbortController();
    this.#handshakes.add(abort);
    const gone = (): void => abort.abort();
    // Read while the hook thinks, so that a client that leaves is noticed (a paused socket never
    // reports its end). A client sends nothing before the 101; what it does send is kept, bounded.
    const early: Buffer[] = [];
    let earlyBytes = 0;
    const collect = (chunk: Buffer): void => {
      earlyBytes += chunk.length;
      if (earlyBytes > MAX_EARLY_BYTES) gone();
      else early.push(chunk);
    };
    socket.on('data', collect);
    socket.once('end', gone);
    socket.once('close', gone);
    socket.resume();
    const timer = setTimeout(gone, this.#settings.authenticateTimeoutMs);
    // A hook that ignores its signal is not waited for: the answer is given when the signal fires.
    const aborted = new Promise<null>((resolve) => abort.signal.addEventListener('abort', () => resolve(null), { once: true }));
    let identity: unknown;
    let failed = false;
    try {
      identity = await Promise.race([Promise.resolve().then(() => this.#settings.authenticate(request, { signal: abort.signal })), aborted]);
    } catch {
      failed = true;
    } finally {
      clearTimeout(timer);
      this.#handshakes.delete(abort);
      // Left flowing: `ws` adds its own 'data' listener in this same tick (handleUpgrade is
      // synchronous here), so nothing is emitted in between; a refused socket is ended anyway.
      socket.off('data', collect);
      socket.off('end', gone);
      socket.off('close', gone);
    }
    return { identity, failed, aborted: abort.signal.aborted, early };
  }

  #accept(socket: RawSocket, identity: string): void {
    const wiring = socketMedium(socket as unknown as WebSocketLike, this.#settings.closeTimeoutMs, false);
    const controller = this.#hub.open(identity, wiring.medium);
    wiring.listen(controller);
    const entry = { socket, alive: true, closed: wiring.closed };
    this.#live.set(controller, entry);
    socket.on('pong', () => {
      entry.alive = true;
    });
    void wiring.closed.then(() => this.#live.delete(controller));
  }
}

/**
 * A WebSocket server transport (Node): on a port of its own, or attached to your http(s) server.
 * Every connection is authenticated by your `authenticate` hook before it exists; frames are
 * binary only (text closes with `UNSUPPORTED_DATA`), and a frame over `maxFrameBytes` is refused
 * from its header, before its payload is read (`FRAME_TOO_LARGE`).
 *
 * Backpressure: `bufferedAmount` is what `ws` and the socket hold unsent; a send on a connection
 * above `maxBufferedBytes` closes it (`POLICY_VIOLATION`).
 *
 * @param options {@link WebSocketServerOptions}: `authenticate` and either `server` or `port` are required.
 * @returns The transport once it listens (at once when attached).
 * @throws {SecAggError} (rejects) `INVALID_TYPE`, `UNKNOWN_OPTION`, `OUT_OF_RANGE` for bad
 *   options; `TRANSPORT_FAILED` when the port cannot be listened on; `ABORTED`.
 *
 * @example
 * ```ts
 * import { listenWebSocket } from 'secagg/transport/ws';
 * const transport = await listenWebSocket({
 *   port: 8080,
 *   path: '/secagg',
 *   maxFrameBytes: 1 << 20,
 *   // Who is it? Here a fixed token; in practice a verified JWT's subject, or an mTLS certificate's.
 *   authenticate: (request) => (request.headers.authorization === 'Bearer s3cret' ? 'alice' : null),
 * });
 * transport.onConnection = (connection) => {
 *   connection.onFrame = (frame) => console.log(connection.identity, frame.length);
 * };
 * // ... later
 * await transport.close();
 * ```
 */
export async function listenWebSocket(options: WebSocketServerOptions): Promise<WebSocketServerTransport> {
  const settings = readOptions(options);
  const { attached, port, host, signal } = settings;
  if (signal?.aborted === true) throw abortedError(signal, 'listening');
  const ws = await wsModule();
  if ((signal?.aborted as boolean | undefined) === true) throw abortedError(signal as AbortSignal, 'listening'); // aborted while loading
  if (attached !== undefined) return new WebSocketServerAdapter(ws, settings, attached, false);
  const http = createServer((_request, response) => {
    response.writeHead(426, { connection: 'close', 'content-length': '0' }).end();
  });
  await listen(http, port as number, host, signal);
  return new WebSocketServerAdapter(ws, settings, http, true);
}

function listen(http: HttpServer | HttpsServer, port: number, host: string | undefined, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      http.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onError = (error: Error): void => {
      cleanup();
      const code = (error as { code?: unknown }).code;
      reject(new SecAggError('TRANSPORT_FAILED', `could not listen on ${host ?? '*'}:${port}${typeof code === 'string' ? ` (${code})` : ''}`, { cause: error }));
    };
    let aborted = false;
    const onAbort = (): void => {
      aborted = true;
      cleanup();
      http.close();
      reject(abortedError(signal as AbortSignal, 'listening'));
    };
    http.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    http.listen(port, host, () => {
      if (aborted) return void http.close(); // the address lookup finished after the abort
      cleanup();
      resolve();
    });
  });
}

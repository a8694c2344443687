/**
 * `secagg/transport/port`: connections over a MessagePort, for worker_threads and Web Workers
 * (both sides). Give each connection its own port (a `MessageChannel` per peer, one end
 * transferred to the worker): every message on it belongs to the connection, and anything that
 * is not a frame or a control message of this adapter is refused.
 *
 * On the port, a frame is an `ArrayBuffer` (transferred, never copied twice); control messages
 * are small arrays: `['close', code, reason]` and `['ack', bytes]`. Each receiver acknowledges
 * the bytes it took, so `bufferedAmount` is what the peer has not read yet (a MessagePort itself
 * queues without bound and cannot tell).
 * @module
 */
import { assertInteger, assertOptions, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import type { ConnectionMedium } from './_framed.js';
import { ConnectionHub, DEFAULT_MAX_PENDING_CONNECTIONS } from './_hub.js';
import { checkIdentity, openConnection, readLimits, type ConnectionController, type ConnectionLimits, type TransportConnection } from './connection.js';
import { CloseCode, type ServerStats, type ServerTransport } from './types.js';

/**
 * What the adapter needs of a port: `postMessage`, and either `addEventListener` (a
 * MessagePort of worker_threads or of the browser, a Web Worker, a worker's global scope) or
 * `on`/`off` (a worker_threads `Worker`). A MessagePort is started here and closed with the
 * connection; other endpoints are only let go (their listeners removed).
 */
export interface PortEndpoint {
  // Structural on purpose, so that Node's and the DOM's MessagePort and Worker types both fit
  // (`any` in the listeners: the DOM's and Node's overloads accept no narrower common type).
  /** Posts a message, transferring the listed buffers (both Node's and the DOM's ports have it). */
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  /** DOM ports and Workers (and Node's ports, which are EventTargets): listens for `message`, `close`. */
  addEventListener?(type: string, listener: (event: any) => void): void;
  /** Removes a listener added with `addEventListener`. */
  removeEventListener?(type: string, listener: (event: any) => void): void;
  /** Node's ports and `worker_threads` Workers (EventEmitters): listens for `message`, `close`, `exit`. */
  on?(event: string, listener: (...args: any[]) => void): unknown;
  /** Removes a listener added with `on`. */
  off?(event: string, listener: (...args: any[]) => void): unknown;
  /** DOM MessagePorts deliver nothing until started (Node's start on their first listener). */
  start?(): void;
  /** Closes the port (a Worker has `terminate` instead: close it yourself). */
  close?(): void;
}

/** Options of {@link openPort} and {@link PortServer.accept}. */
export interface PortOptions extends ConnectionLimits {
  /**
   * Who is at the other end, as the code that made the port knows it (the worker it started):
   * a string of 1..1024 characters. Required.
   */
  readonly identity: string;
}

/** Options of {@link createPortServer}. */
export interface PortServerOptions extends ConnectionLimits {
  /** Connections that may wait for `onConnection` before more are refused, 0..2^31 - 1 (default 1024). */
  readonly maxPendingConnections?: number;
}

/** The server of {@link createPortServer}. */
export interface PortServer extends ServerTransport {
  /** A snapshot of the counters over every connection. */
  readonly stats: ServerStats;
  /**
   * Takes one port as a new connection from `identity` (the limits are the server's), handed to
   * `onConnection`. After `close()`, the port is closed at once with `GOING_AWAY`.
   *
   * @throws {SecAggError} `INVALID_TYPE` / `INVALID_LENGTH` for a bad endpoint or identity.
   */
  accept(endpoint: PortEndpoint, identity: string): void;
}

type Listener = (...args: unknown[]) => void;

interface Attached {
  readonly endpoint: PortEndpoint;
  detach(): void;
}

function isMessagePort(endpoint: PortEndpoint): boolean {
  const MessagePortClass = (globalThis as { MessagePort?: abstract new () => unknown }).MessagePort;
  return typeof MessagePortClass === 'function' && endpoint instanceof MessagePortClass;
}

function checkEndpoint(value: unknown): PortEndpoint {
  const e = value as PortEndpoint | null;
  const usable =
    e !== null &&
    typeof e === 'object' &&
    typeof e.postMessage === 'function' &&
    ((typeof e.addEventListener === 'function' && typeof e.removeEventListener === 'function') || (typeof e.on === 'function' && typeof e.off === 'function'));
  if (!usable) {
    throw new SecAggError('INVALID_TYPE', `endpoint must be a MessagePort, a Worker or a worker's global scope (postMessage and addEventListener or on/off), got ${describeType(value)}`);
  }
  return e;
}

/** Listens on `endpoint`: messages to `onMessage`, a vanished peer to `onGone`. */
function attach(endpoint: PortEndpoint, onMessage: (data: unknown) => void, onBadMessage: () => void, onGone: () => void): Attached {
  const listeners: [string, Listener][] = [];
  if (typeof endpoint.addEventListener === 'function') {
    listeners.push(
      ['message', (event) => onMessage((event as { data?: unknown } | null)?.data)],
      ['messageerror', () => onBadMessage()],
      ['close', () => onGone()], // worker_threads; browsers that have it
    );
    for (const [type, listener] of listeners) endpoint.addEventListener(type, listener);
    endpoint.start?.();
  } else {
    listeners.push(['message', (data) => onMessage(data)], ['messageerror', () => onBadMessage()], ['exit', () => onGone()]);
    for (const [type, listener] of listeners) endpoint.on?.(type, listener);
  }
  const owned = isMessagePort(endpoint);
  return {
    endpoint,
    detach() {
      for (const [type, listener] of listeners) {
        if (typeof endpoint.removeEventListener === 'function') endpoint.removeEventListener(type, listener);
        else endpoint.off?.(type, listener);
      }
      // Closing releases the port (worker_threads keeps a listening port's thread alive). A Worker
      // or a global scope is not ours to end.
      if (owned) endpoint.close?.();
    },
  };
}

/**
 * Wires a controller to a port: frames and acknowledgements in, frames, acknowledgements and the
 * close out. Returns the medium to build the connection on, and the function that starts
 * listening once the controller exists.
 */
function portMedium(endpoint: PortEndpoint): { medium: ConnectionMedium; listen(controller: ConnectionController): void } {
  let unread = 0; // bytes sent that the peer has not acknowledged
  let attached: Attached | null = null;
  let detached = false;
  const post = (message: unknown, transfer: ArrayBuffer[] = []): void => {
    try {
      endpoint.postMessage(message, transfer);
    } catch {
      // A closed port throws in some environments; the connection reports its close regardless.
    }
  };
  const detach = (): void => {
    if (detached) return;
    detached = true;
    attached?.detach();
  };
  const medium: ConnectionMedium = {
    write(frame) {
      unread += frame.length;
      const buffer = frame.buffer; // exactly sized and ours: transferred, not copied
      post(buffer, [buffer]);
    },
    close(code, reason) {
      post(['close', code, reason]);
      detach();
    },
    bufferedAmount: () => unread,
  };
  const listen = (controller: ConnectionController): void => {
    const onMessage = (data: unknown): void => {
      if (controller.connection.closed) return;
      if (data instanceof ArrayBuffer || data instanceof Uint8Array) {
        const bytes = data.byteLength;
        controller.receive(data);
        if (!controller.connection.closed) post(['ack', bytes]);
        return;
      }
      if (Array.isArray(data)) {
        const [kind, a, b] = data as unknown[];
        if (kind === 'ack' && data.length === 2 && Number.isSafeInteger(a) && (a as number) >= 0) {
          unread = Math.max(0, unread - (a as number));
          return;
        }
        if (kind === 'close' && data.length === 3 && typeof a === 'number' && typeof b === 'string') {
          controller.closed(a, b);
          detach();
          return;
        }
      }
      controller.receive(data); // a string or another shape: refused as not binary
    };
    const onGone = (): void => {
      controller.closed(CloseCode.ABNORMAL, 'the port closed');
      detach();
    };
    attached = attach(endpoint, onMessage, () => controller.receive(undefined), onGone);
    if (detached) attached.detach(); // closed while being built (a server already closing)
  };
  return { medium, listen };
}

/**
 * Opens a connection over a port: the other side of the port runs `openPort` too (or
 * {@link PortServer.accept}). Nothing is exchanged to open it; frames sent before the other side
 * listens wait in the port.
 *
 * @param endpoint A MessagePort (worker_threads or browser), a Web Worker, a worker's global
 *   scope (`self`, `parentPort`) or a worker_threads `Worker`, used for this connection only.
 * @param options {@link PortOptions}: the peer's identity (required) and the frame limits.
 * @throws {SecAggError} `INVALID_TYPE` for a bad endpoint; `UNKNOWN_OPTION`, `INVALID_TYPE`,
 *   `INVALID_LENGTH`, `OUT_OF_RANGE` for bad options.
 *
 * @example
 * ```ts
 * import { MessageChannel, Worker } from 'node:worker_threads';
 * const { port1, port2 } = new MessageChannel();
 * const worker = new Worker('./client.js', { workerData: { port: port2 }, transferList: [port2] });
 * const connection = openPort(port1, { identity: 'worker-1' });
 * connection.onFrame = (frame) => console.log('from the worker', frame);
 * // in client.js: const server = openPort(workerData.port, { identity: 'main' });
 * ```
 */
export function openPort(endpoint: PortEndpoint, options: PortOptions): TransportConnection {
  const e = checkEndpoint(endpoint);
  if (options === undefined) throw new SecAggError('INVALID_TYPE', 'options must be an object with an identity');
  const o = assertOptions<PortOptions>(options, 'options', ['identity', 'maxFrameBytes', 'maxBufferedBytes']);
  const { identity, maxFrameBytes, maxBufferedBytes } = o;
  checkIdentity(identity);
  const limits = readLimits(maxFrameBytes, maxBufferedBytes);
  const { medium, listen } = portMedium(e);
  const controller = openConnection(identity, medium, limits);
  listen(controller);
  return controller.connection;
}

/**
 * A server transport over ports: each port given to `accept` becomes a connection handed to
 * `onConnection` (the clients run {@link openPort} on the other ends). For a session whose
 * clients live in workers.
 *
 * @param options {@link PortServerOptions}: the frame limits and the pending bound.
 * @throws {SecAggError} `UNKNOWN_OPTION`, `INVALID_TYPE`, `OUT_OF_RANGE` for bad options.
 *
 * @example
 * ```ts
 * import { MessageChannel, Worker } from 'node:worker_threads';
 * const server = createPortServer({ maxFrameBytes: 1 << 20 });
 * server.onConnection = (connection) => { connection.onFrame = (f) => connection.send(f); };
 * for (let i = 0; i < 4; i++) {
 *   const { port1, port2 } = new MessageChannel();
 *   new Worker('./client.js', { workerData: { port: port2 }, transferList: [port2] });
 *   server.accept(port1, `worker-${i}`); // client.js: openPort(workerData.port, { identity: 'server' })
 * }
 * // ... later
 * await server.close();
 * ```
 */
export function createPortServer(options?: PortServerOptions): PortServer {
  const o = assertOptions<PortServerOptions>(options, 'options', ['maxFrameBytes', 'maxBufferedBytes', 'maxPendingConnections']);
  const { maxFrameBytes, maxBufferedBytes, maxPendingConnections = DEFAULT_MAX_PENDING_CONNECTIONS } = o;
  const limits = readLimits(maxFrameBytes, maxBufferedBytes);
  assertInteger(maxPendingConnections, 'maxPendingConnections', 0, 2_147_483_647);
  const hub = new ConnectionHub(limits, maxPendingConnections);
  let closed: Promise<void> | null = null;
  return {
    get onConnection() {
      return hub.onConnection;
    },
    set onConnection(handler) {
      hub.onConnection = handler;
    },
    get stats() {
      return hub.stats;
    },
    accept(endpoint: PortEndpoint, identity: string): void {
      const e = checkEndpoint(endpoint);
      checkIdentity(identity);
      const { medium, listen } = portMedium(e);
      listen(hub.open(identity, medium));
    },
    close(): Promise<void> {
      if (closed === null) {
        hub.closeAll();
        closed = Promise.resolve();
      }
      return closed;
    },
  };
}

/**
 * Internal: `connectWebSocket` over a socket factory: `ws` in Node, the native WebSocket in
 * browsers. The entries (index.ts, browser.ts) supply the factory.
 */
import { assertInteger, assertOptions, describeType } from '../../_assert.js';
import { SecAggError } from '../../errors.js';
import { abortedError, checkSignal } from '../_signal.js';
import { openConnection, readLimits, type ConnectionLimits, type TransportConnection } from '../connection.js';
import { CloseCode } from '../types.js';
import { socketMedium, type WebSocketLike } from './_socket.js';

/** TLS settings of a `wss:` connection in Node. There is no way to turn verification off: give the CA. */
export interface WebSocketTlsOptions {
  /** Certificate authorities to trust instead of Node's bundled ones (PEM), e.g. a private CA. */
  readonly ca?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** The client's certificate chain (PEM), for servers that authenticate clients by mTLS. */
  readonly cert?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** The client's private key (PEM). */
  readonly key?: string | Uint8Array | readonly (string | Uint8Array)[];
  /** The key's passphrase. */
  readonly passphrase?: string;
  /** The name to verify the server's certificate against (default: the URL's host). */
  readonly servername?: string;
}

/** Options of `connectWebSocket`. */
export interface WebSocketClientOptions extends ConnectionLimits {
  /** Abandons the attempt: the promise rejects with `ABORTED` and the socket is closed. */
  readonly signal?: AbortSignal;
  /** Subprotocols to offer (a browser cannot send headers: a token can travel here). */
  readonly protocols?: string | readonly string[];
  /**
   * Extra HTTP headers of the handshake, e.g. `{ authorization: 'Bearer ...' }`. Node only: a
   * browser's WebSocket cannot send headers, and refuses this option.
   */
  readonly headers?: Readonly<Record<string, string>>;
  /** TLS settings for `wss:` (Node only; a browser uses its own certificate store and refuses this option). */
  readonly tls?: WebSocketTlsOptions;
  /**
   * After `close()`, how long the server has to answer the close handshake before the socket is
   * torn down, 0..2^31 - 1 ms (default 2000). Node only (a browser keeps its own).
   */
  readonly closeTimeoutMs?: number;
}

/** What a factory gets: the validated options it may need. */
export interface SocketRequest {
  readonly url: string;
  readonly protocols: string[];
  readonly headers: Record<string, string> | undefined;
  readonly tls: Record<string, unknown> | undefined;
  readonly maxFrameBytes: number;
  readonly closeTimeoutMs: number;
}

const OPTIONS = ['signal', 'protocols', 'headers', 'tls', 'closeTimeoutMs', 'maxFrameBytes', 'maxBufferedBytes'] as const;
const TLS_OPTIONS = ['ca', 'cert', 'key', 'passphrase', 'servername'] as const;
export const DEFAULT_CLOSE_TIMEOUT_MS = 2000;

/** The server a client reached, as its identity: scheme, host and path (never a query or credentials). */
function identityOf(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function parseUrl(value: unknown): URL {
  let url: URL;
  try {
    if (typeof value !== 'string' && !(value instanceof URL)) throw new TypeError();
    url = new URL(String(value));
  } catch {
    throw new SecAggError('INVALID_TYPE', `url must be a ws: or wss: URL (a string or a URL), got ${typeof value === 'string' ? 'an unparsable string' : describeType(value)}`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new SecAggError('INVALID_TYPE', `url must use ws: or wss:, got ${url.protocol}`);
  }
  return url;
}

function readProtocols(value: unknown): string[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? [value] : Array.isArray(value) ? [...(value as unknown[])] : null;
  if (list === null || !list.every((p) => typeof p === 'string' && p.length > 0)) {
    throw new SecAggError('INVALID_TYPE', 'protocols must be a non-empty string or an array of them');
  }
  return list as string[];
}

function readHeaders(value: unknown): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SecAggError('INVALID_TYPE', `headers must be an object of strings, got ${describeType(value)}`);
  }
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new SecAggError('INVALID_TYPE', `headers.${name} must be a string, got ${describeType(v)}`);
    out[name] = v;
  }
  return out;
}

function isPem(value: unknown): boolean {
  return typeof value === 'string' || (value instanceof Uint8Array && ArrayBuffer.isView(value));
}

/** The TLS settings, copied (arrays and byte strings too) and checked. */
function readTls(value: unknown): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  const o = assertOptions<Record<string, unknown>>(value, 'tls', TLS_OPTIONS);
  const out: Record<string, unknown> = {};
  for (const name of TLS_OPTIONS) {
    const v = o[name];
    if (v === undefined) continue;
    if (name === 'passphrase' || name === 'servername') {
      if (typeof v !== 'string') throw new SecAggError('INVALID_TYPE', `tls.${name} must be a string, got ${describeType(v)}`);
      out[name] = v;
    } else if (isPem(v)) out[name] = typeof v === 'string' ? v : new Uint8Array(v as Uint8Array);
    else if (Array.isArray(v) && v.every(isPem)) out[name] = v.map((x: string | Uint8Array) => (typeof x === 'string' ? x : new Uint8Array(x)));
    else throw new SecAggError('INVALID_TYPE', `tls.${name} must be PEM text or bytes, or an array of them, got ${describeType(v)}`);
  }
  return out;
}

/** The message of a connection failure: the medium's own words, short (never the URL's query). */
function failureText(failure: unknown): string {
  const message = (failure as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message.length > 0 ? `: ${message.slice(0, 200)}` : '';
}

/**
 * Connects with `factory` and resolves when the socket is open.
 *
 * @param nodeOnly False in browsers: `headers` and `tls` are refused with `UNSUPPORTED_ENVIRONMENT`.
 */
export async function connectWith(
  factory: (request: SocketRequest) => WebSocketLike,
  url: string | URL,
  options: WebSocketClientOptions | undefined,
  nodeOnly: boolean,
): Promise<TransportConnection> {
  const o = assertOptions<WebSocketClientOptions>(options, 'options', OPTIONS);
  const { signal: rawSignal, protocols, headers, tls, closeTimeoutMs = DEFAULT_CLOSE_TIMEOUT_MS, maxFrameBytes, maxBufferedBytes } = o;
  const target = parseUrl(url);
  const signal = checkSignal(rawSignal);
  const limits = readLimits(maxFrameBytes, maxBufferedBytes);
  const request: SocketRequest = {
    url: target.href,
    protocols: readProtocols(protocols),
    headers: readHeaders(headers),
    tls: readTls(tls),
    maxFrameBytes: limits.maxFrameBytes,
    closeTimeoutMs: assertInteger(closeTimeoutMs, 'closeTimeoutMs', 0, 2_147_483_647),
  };
  if (request.headers !== undefined && !nodeOnly) {
    throw new SecAggError('UNSUPPORTED_ENVIRONMENT', "a browser's WebSocket cannot send headers: pass a token in `protocols` (or the URL) instead");
  }
  if (request.tls !== undefined && !nodeOnly) {
    throw new SecAggError('UNSUPPORTED_ENVIRONMENT', "a browser's WebSocket takes no TLS settings: it uses the browser's certificate store");
  }
  const identity = identityOf(target);
  if (signal?.aborted === true) throw abortedError(signal, `connecting to ${identity}`);

  let socket: WebSocketLike;
  try {
    socket = factory(request);
  } catch (error) {
    throw new SecAggError('TRANSPORT_FAILED', `could not connect to ${identity}${failureText(error)}`, { cause: error });
  }
  const wiring = socketMedium(socket, request.closeTimeoutMs, !nodeOnly);
  const controller = openConnection(identity, wiring.medium, limits);
  wiring.listen(controller);

  return new Promise<TransportConnection>((resolve, reject) => {
    let failure: unknown;
    const handlers: [string, (event: never) => void][] = [];
    const cleanup = (): void => {
      for (const [type, handler] of handlers) socket.removeEventListener(type, handler);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      cleanup();
      controller.end(CloseCode.NORMAL, 'connection attempt aborted');
      reject(abortedError(signal as AbortSignal, `connecting to ${identity}`));
    };
    handlers.push(
      ['open', () => {
        cleanup();
        resolve(controller.connection);
      }],
      ['error', (event: { error?: unknown; message?: unknown }) => {
        failure = event.error ?? event;
      }],
      ['close', (event: { code?: unknown }) => {
        cleanup();
        const code = typeof event.code === 'number' ? ` (close code ${event.code})` : '';
        reject(new SecAggError('TRANSPORT_FAILED', `could not connect to ${identity}${failureText(failure)}${code}`, { cause: failure }));
      }],
    );
    for (const [type, handler] of handlers) socket.addEventListener(type, handler);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

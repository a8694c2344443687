/**
 * Internal: a WebSocket (the WHATWG interface, which the `ws` package implements too) as the
 * medium of a connection. Shared by the Node server, the Node client and the browser client.
 */
import type { ConnectionMedium } from '../_framed.js';
import type { ConnectionController } from '../connection.js';
import { CloseCode } from '../types.js';

/** What the adapter uses of a WebSocket: the browser's, or a `ws` WebSocket. */
export interface WebSocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: never) => void): void;
  removeEventListener(type: string, listener: (event: never) => void): void;
  /** `ws` only: destroys the socket without a close handshake. */
  terminate?(): void;
}

type Handler = (event: unknown) => void;

export interface SocketWiring {
  readonly medium: ConnectionMedium;
  /** Starts reporting the socket's messages, errors and close to `controller`. */
  listen(controller: ConnectionController): void;
  /** Settles when the socket has closed (after a close handshake, or torn down). */
  readonly closed: Promise<void>;
}

/**
 * @param closeTimeoutMs After a local close, how long the peer has to answer the close handshake
 *   before the socket is torn down (where the socket can be: `ws`; a browser has its own).
 * @param browserCodes Browsers only send 1000 or 3000..4999: another code is sent as 1000 (the
 *   connection still reports the real code locally).
 */
export function socketMedium(socket: WebSocketLike, closeTimeoutMs: number, browserCodes: boolean): SocketWiring {
  socket.binaryType = 'arraybuffer';
  let grace: ReturnType<typeof setTimeout> | null = null;
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  const on = (type: string, handler: Handler): void => socket.addEventListener(type, handler as (event: never) => void);
  const teardown = (): void => {
    try {
      socket.terminate?.();
    } catch {
      // already gone
    }
  };
  on('close', () => {
    if (grace !== null) clearTimeout(grace);
    grace = null;
    resolveClosed();
  });
  const medium: ConnectionMedium = {
    write: (frame) => socket.send(frame),
    bufferedAmount: () => socket.bufferedAmount,
    close(code, reason) {
      if (code === CloseCode.ABNORMAL && socket.terminate !== undefined) return teardown();
      const wireCode = browserCodes && code !== CloseCode.NORMAL && (code < 3000 || code > 4999) ? CloseCode.NORMAL : code;
      try {
        socket.close(code === CloseCode.ABNORMAL ? CloseCode.NORMAL : wireCode, reason);
      } catch {
        teardown();
      }
      if (socket.terminate !== undefined && grace === null) {
        // The peer has closeTimeoutMs to answer; then the socket goes (and with it any timer of
        // `ws` that would keep the process alive).
        grace = setTimeout(teardown, closeTimeoutMs);
        (grace as { unref?: () => void }).unref?.();
      }
    },
  };
  const listen = (controller: ConnectionController): void => {
    on('message', (event) => controller.receive((event as { data?: unknown }).data));
    on('error', (event) => {
      // `ws` names its refusals; a browser's error event says nothing (its close follows).
      const code = (event as { error?: { code?: unknown } }).error?.code;
      if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') controller.refuseOversized();
      else if (typeof code === 'string' && code.startsWith('WS_ERR_')) controller.end(CloseCode.PROTOCOL_ERROR, 'WebSocket protocol error');
    });
    on('close', (event) => {
      const { code, reason } = event as { code?: unknown; reason?: unknown };
      controller.closed(typeof code === 'number' ? code : undefined, typeof reason === 'string' ? reason : '');
    });
  };
  return { medium, listen, closed };
}

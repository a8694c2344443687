/**
 * The transport interface: what the session layer needs from a byte pipe, and nothing else. An
 * adapter for another medium (HTTP long-polling, gRPC streams, a message broker) implements
 * {@link Connection} for each authenticated peer and, on a server, {@link ServerTransport};
 * docs/session.md ("Transports") shows a complete one. {@link createConnection} does the parts
 * every adapter must get right (frame limits, close-once, buffering until a handler is set), so
 * an adapter only moves bytes.
 */

/**
 * Close codes reported in {@link CloseInfo}. They are the WebSocket codes (RFC 6455 §7.4.1),
 * used by every adapter so that a session reads one table: a code in 1000..1015 means what the
 * RFC says; 4000..4999 are the application's.
 *
 * @example
 * ```ts
 * connection.onClose = ({ code }) => {
 *   if (code === CloseCode.FRAME_TOO_LARGE) refused.tooLarge++;
 * };
 * ```
 */
export const CloseCode = {
  /** A normal close (either side called `close()`). */
  NORMAL: 1000,
  /** The server is shutting down (`ServerTransport.close()`). */
  GOING_AWAY: 1001,
  /** The peer broke the medium's own protocol (a malformed WebSocket frame, invalid UTF-8 in a text frame). */
  PROTOCOL_ERROR: 1002,
  /** A frame that is not binary (a text frame, or a message of another shape) was refused. */
  UNSUPPORTED_DATA: 1003,
  /** The pipe broke without a close handshake (socket destroyed, worker terminated, no pong). */
  ABNORMAL: 1006,
  /**
   * A local limit was reached: the peer did not read what was sent (`maxBufferedBytes`), or sent
   * frames before any handler was set beyond the queue's bound.
   */
  POLICY_VIOLATION: 1008,
  /** A frame over `maxFrameBytes` was refused (before it was read, where the medium allows). */
  FRAME_TOO_LARGE: 1009,
  /** A handler (`onFrame`, `onConnection`) threw, or the medium failed; see the reason. */
  INTERNAL_ERROR: 1011,
  /** The server could not take the connection now (too many waiting for `onConnection`). */
  TRY_AGAIN_LATER: 1013,
} as const;

/** One of the named codes in {@link CloseCode}. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** How a connection ended: given once to {@link Connection.onClose}. */
export interface CloseInfo {
  /**
   * A {@link CloseCode}, or an application code (4000..4999) given to `close()`. A code the peer
   * sent outside 1000..4999 is reported as `ABNORMAL` (1006).
   */
  readonly code: number;
  /**
   * A short text, at most 123 characters. When `local` is false it came from the peer: log it as
   * data, never branch on it.
   */
  readonly reason: string;
  /**
   * True when this side ended the connection: `close()` was called here, or this adapter refused
   * a frame or hit a limit. False when the peer closed it or the pipe broke.
   */
  readonly local: boolean;
}

/**
 * One authenticated, ordered, message-framed byte pipe to one peer. Frames are byte strings
 * delivered whole and in order, or not at all (a pipe that loses one closes). Every method is
 * safe to call at any time: after the connection closed, `send` drops the frame and `close`
 * does nothing.
 *
 * Handlers are properties, set by whoever drives the connection (the session). Frames and the
 * close that arrive before a handler is set wait for it (a few frames, bounded), so setting the
 * handlers after an `await` loses nothing. Handlers run one at a time, never re-entered from
 * `send` or `close`; an exception thrown by a handler closes the connection with
 * `INTERNAL_ERROR` and is rethrown on a fresh stack (an uncaught exception, as for an
 * EventTarget listener).
 *
 * @example
 * ```ts
 * connection.onFrame = (frame) => console.log(connection.identity, 'sent', frame.length, 'bytes');
 * connection.onClose = ({ code, local }) => console.log('closed', code, local ? 'here' : 'by peer');
 * connection.send(new Uint8Array([1, 2, 3]));
 * connection.close();
 * ```
 */
export interface Connection {
  /**
   * Who the transport authenticated: the peer's identity as the adapter established it (a
   * server adapter returns what its `authenticate` hook returned; a client names the server it
   * reached). The session trusts it; it never comes from a frame.
   */
  readonly identity: string;
  /** The largest frame this side accepts, in bytes; a larger one closes with `FRAME_TOO_LARGE`. */
  readonly maxFrameBytes: number;
  /**
   * Bytes given to `send` that the peer has not taken yet (0 when the medium cannot tell, and
   * after close). When it is above the adapter's `maxBufferedBytes`, the next `send` closes the
   * connection with `POLICY_VIOLATION` instead of queueing more: a session that wants to slow
   * down instead reads this before it sends.
   */
  readonly bufferedAmount: number;
  /** True once the connection closed (either side); `onClose` is then delivered, or about to be. */
  readonly closed: boolean;
  /**
   * Sends one binary frame. The bytes are copied before `send` returns, so the caller may reuse
   * the array. Returns false when the frame was dropped because the connection is closed (or
   * closed now because the peer did not read: see `bufferedAmount`).
   *
   * @throws {SecAggError} `INVALID_TYPE` when `frame` is not a Uint8Array (never because of the
   *   connection's state).
   */
  send(frame: Uint8Array): boolean;
  /**
   * Closes the connection: nothing more is sent or delivered, and `onClose` follows with
   * `local: true`. Does nothing when already closed.
   *
   * @param code `NORMAL` (1000, the default) or an application code in 3000..4999.
   * @param reason At most 123 UTF-8 bytes (the WebSocket limit); never put a secret in it.
   * @throws {SecAggError} `OUT_OF_RANGE` for another code, `INVALID_TYPE` for a code that is
   *   not a number or a reason that is not a string, `INVALID_LENGTH` for a longer reason.
   */
  close(code?: number, reason?: string): void;
  /** Called with each received frame, in order. The array is the receiver's own (not shared). */
  onFrame: ((frame: Uint8Array) => void) | null;
  /** Called once when the connection closed, after every frame received before it. */
  onClose: ((info: CloseInfo) => void) | null;
}

/**
 * The server side of a transport: hands each newly authenticated connection to the session.
 * Connections that arrive before `onConnection` is set wait for it (bounded); `close()` stops
 * accepting, closes every open connection with `GOING_AWAY`, releases what the adapter holds
 * (sockets, timers, ports) and resolves when that is done.
 *
 * @example
 * ```ts
 * transport.onConnection = (connection) => {
 *   connection.onFrame = (frame) => connection.send(frame); // echo
 * };
 * // ... later
 * await transport.close();
 * ```
 */
export interface ServerTransport {
  /** Called once for each new authenticated connection, in the order they were accepted. */
  onConnection: ((connection: Connection) => void) | null;
  /** Closes the transport and every connection it accepted. Calling it again returns the same promise. */
  close(): Promise<void>;
}

/** Counters of one connection, as the built-in adapters keep them (a snapshot). */
export interface ConnectionStats {
  /** Frames delivered (or queued for delivery) to `onFrame`, and their bytes. */
  readonly framesReceived: number;
  readonly bytesReceived: number;
  /** Frames handed to the medium by `send`, and their bytes. */
  readonly framesSent: number;
  readonly bytesSent: number;
  /** Frames `send` dropped: the connection was closed, or closed because the peer did not read. */
  readonly framesDropped: number;
  /** Frames refused for being over `maxFrameBytes` (the connection then closed). */
  readonly oversizedRefused: number;
  /** Frames refused for not being binary (the connection then closed). */
  readonly textRefused: number;
}

/** Counters of a server transport, over every connection it accepted (a snapshot). */
export interface ServerStats extends ConnectionStats {
  /** Connections handed to (or waiting for) `onConnection`. */
  readonly connectionsAccepted: number;
  /** Connections accepted and not closed yet. */
  readonly connectionsOpen: number;
  /**
   * Connection attempts turned away before a connection existed: refused by the `authenticate`
   * hook, or answered 503 (the hook too slow, the client gone, the server busy or closing).
   */
  readonly connectionsRefused: number;
  /** Of those, the attempts where the hook threw or returned something that is not an identity. */
  readonly authenticationErrors: number;
}

/**
 * `createConnection`: the {@link Connection} an adapter hands out, built around the adapter's
 * medium. Every built-in adapter uses it, and a user's adapter (HTTP long-polling, gRPC, a
 * broker) should too: it enforces the interface's promises (frame limit, close once, copies,
 * bounded queues, handlers one at a time), so the adapter only moves bytes.
 */
import { assertInteger, assertOptions, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { FramedConnection, type ConnectionMedium, type FramedHooks } from './_framed.js';
import type { Connection, ConnectionStats } from './types.js';

export type { ConnectionMedium } from './_framed.js';

/** Default `maxFrameBytes`: 16 MiB (a 4,000,000-element vector at 32 bits, with room to spare). */
export const DEFAULT_MAX_FRAME_BYTES = 16_777_216;
/** Default `maxBufferedBytes`: 64 MiB. */
export const DEFAULT_MAX_BUFFERED_BYTES = 67_108_864;
/** The largest `maxFrameBytes` an adapter takes: 2^31 - 1 bytes. */
export const MAX_FRAME_BYTES_LIMIT = 2_147_483_647;

/** The limits every adapter takes. */
export interface ConnectionLimits {
  /**
   * The largest frame this side accepts, 1..2^31 - 1 bytes (default 16 MiB). A larger frame is
   * refused, before it is read where the medium allows (a WebSocket server refuses it from the
   * frame header), and the connection closes with `FRAME_TOO_LARGE`. Take it from the session
   * config: the largest message the protocol can send in that session.
   */
  readonly maxFrameBytes?: number;
  /**
   * How many bytes may wait for the peer to take them, 0..2^53 - 1 (default 64 MiB). `send` on a
   * connection already above it closes the connection with `POLICY_VIOLATION` (a peer that does
   * not read must not grow an unbounded queue); one frame of any size fits when nothing waits.
   * The same bound applies to frames received before an `onFrame` handler is set.
   */
  readonly maxBufferedBytes?: number;
}

/** A {@link Connection} of a built-in adapter (or of {@link createConnection}), with its counters. */
export interface TransportConnection extends Connection {
  /** A snapshot of this connection's counters. */
  readonly stats: ConnectionStats;
}

/** What the adapter reports to the connection it created. Keep it private to the adapter. */
export interface ConnectionController {
  /** The connection to hand to the session (or to return from a `connect` function). */
  readonly connection: TransportConnection;
  /**
   * The medium delivered one message. An `ArrayBuffer` is taken as it is (pass one no one else
   * holds); a `Uint8Array` is copied; a larger one than `maxFrameBytes` is refused
   * (`FRAME_TOO_LARGE`), and anything else (a string, an object) is refused as not binary
   * (`UNSUPPORTED_DATA`); a refusal closes the connection. Ignored after close. Never throws.
   */
  receive(data: unknown): void;
  /**
   * The medium learnt that the next frame is over `maxFrameBytes` before reading it (a length
   * header, a Content-Length): refuses it and closes with `FRAME_TOO_LARGE`. Never throws.
   */
  refuseOversized(): void;
  /**
   * The medium closed from the other side or broke: `onClose` follows with `local: false`,
   * after the frames received before. A code outside 1000..4999 (or none: the pipe broke) is
   * reported as `ABNORMAL`. Ignored after close. Never throws.
   */
  closed(code?: number, reason?: string): void;
  /**
   * The adapter ends the connection for a reason of its own (a failed heartbeat, a server
   * shutting down): like `connection.close`, with any code in 1000..4999.
   *
   * @throws {SecAggError} `OUT_OF_RANGE` for a code outside 1000..4999, `INVALID_TYPE` for a
   *   reason that is not a string.
   */
  end(code: number, reason: string): void;
}

/** Internal: the limits of an adapter's options, validated (the caller passes its own copy). */
export function readLimits(maxFrameBytes: unknown, maxBufferedBytes: unknown): { maxFrameBytes: number; maxBufferedBytes: number } {
  return {
    maxFrameBytes: maxFrameBytes === undefined ? DEFAULT_MAX_FRAME_BYTES : assertInteger(maxFrameBytes, 'maxFrameBytes', 1, MAX_FRAME_BYTES_LIMIT),
    maxBufferedBytes:
      maxBufferedBytes === undefined ? DEFAULT_MAX_BUFFERED_BYTES : assertInteger(maxBufferedBytes, 'maxBufferedBytes', 0, Number.MAX_SAFE_INTEGER),
  };
}

/** Internal: an identity is a non-empty string of at most 1024 characters. */
export function checkIdentity(value: unknown, name = 'identity'): string {
  if (typeof value !== 'string') throw new SecAggError('INVALID_TYPE', `${name} must be a string, got ${describeType(value)}`);
  if (value.length === 0 || value.length > 1024) {
    throw new SecAggError('INVALID_LENGTH', `${name} must be 1..1024 characters long, got ${value.length}`);
  }
  return value;
}

/** Internal: the medium's methods, bound once (the object is not read again). */
function checkMedium(medium: unknown): ConnectionMedium {
  if (medium === null || typeof medium !== 'object') throw new SecAggError('INVALID_TYPE', `medium must be an object, got ${describeType(medium)}`);
  const { write, close, bufferedAmount } = medium as Record<string, unknown>;
  if (typeof write !== 'function' || typeof close !== 'function' || (bufferedAmount !== undefined && typeof bufferedAmount !== 'function')) {
    throw new SecAggError('INVALID_TYPE', 'medium must have write(frame) and close(code, reason) methods, and optionally bufferedAmount()');
  }
  const out: ConnectionMedium = {
    write: (frame) => void write.call(medium, frame),
    close: (code, reason) => void close.call(medium, code, reason),
  };
  if (bufferedAmount !== undefined) out.bufferedAmount = () => Number(bufferedAmount.call(medium));
  return out;
}

/** Internal: {@link createConnection} with a server's hooks. */
export function openConnection(identity: string, medium: ConnectionMedium, limits: { maxFrameBytes: number; maxBufferedBytes: number }, hooks?: FramedHooks): ConnectionController {
  const connection = new FramedConnection(identity, medium, limits.maxFrameBytes, limits.maxBufferedBytes, hooks);
  return {
    connection,
    receive: (data) => connection.receive(data),
    refuseOversized: () => connection.refuseOversized(),
    closed: (code, reason) => connection.closedByPeer(code, reason),
    end: (code, reason) => {
      assertInteger(code, 'code', 1000, 4999);
      if (typeof reason !== 'string') throw new SecAggError('INVALID_TYPE', `reason must be a string, got ${describeType(reason)}`);
      connection.end(code, reason);
    },
  };
}

/**
 * Creates a connection over an adapter's medium. The connection calls `medium` to send and to
 * close; the adapter reports what the medium does through the returned controller (`receive`
 * for each message, `closed` when the medium closes) and hands `controller.connection` to the
 * session.
 *
 * @param identity Who the adapter authenticated the peer as: a non-empty string of at most 1024
 *   characters.
 * @param medium How to write a frame, close the medium, and (optionally) read its backlog.
 * @param options {@link ConnectionLimits}.
 * @returns The controller; keep it in the adapter, give out only `controller.connection`.
 * @throws {SecAggError} `INVALID_TYPE` / `INVALID_LENGTH` for a bad identity or medium,
 *   `OUT_OF_RANGE` / `UNKNOWN_OPTION` for bad limits.
 *
 * @example
 * ```ts
 * // An adapter over a BroadcastChannel (any duplex message channel works the same way):
 * const channel = new BroadcastChannel('secagg-alice');
 * const controller = createConnection('alice', {
 *   write: (frame) => channel.postMessage(frame),
 *   close: () => channel.close(),
 * }, { maxFrameBytes: 1 << 20 });
 * channel.onmessage = (event) => controller.receive(event.data); // refuses oversized and non-binary
 * controller.connection.onFrame = (frame) => console.log('from alice', frame.length);
 * ```
 */
export function createConnection(identity: string, medium: ConnectionMedium, options?: ConnectionLimits): ConnectionController {
  const id = checkIdentity(identity);
  const m = checkMedium(medium);
  const o = assertOptions<ConnectionLimits>(options, 'options', ['maxFrameBytes', 'maxBufferedBytes']);
  return openConnection(id, m, readLimits(o.maxFrameBytes, o.maxBufferedBytes));
}

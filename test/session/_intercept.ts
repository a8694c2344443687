/**
 * A connection that passes everything through but hands each incoming frame to a filter first,
 * which delivers it to the session's handler (or not): how the real-network tests, the browser
 * test, the session bench and the steered memory connections of ./_helpers.ts make a client
 * leave, or hold a message, at a chosen frame. Outgoing frames can be steered too (`send`).
 */
import type { CloseInfo, Connection } from '../../src/transport/index.js';

/** What the filter is given: the frame, and the session's handler to deliver it to. */
export type IncomingFilter = (frame: Uint8Array, deliver: (frame: Uint8Array) => void) => void;

/** What else a wrapper may steer: the session's sends, and a hook run before its `onClose` handler. */
export interface InterceptOptions {
  readonly send?: (frame: Uint8Array) => boolean;
  readonly closing?: (info: CloseInfo) => void;
}

/** Wraps `inner`: incoming frames go through `filter`; sends and `onClose` handlers through `options` when given. */
export function interceptIncoming(inner: Connection, filter: IncomingFilter, options: InterceptOptions = {}): Connection {
  const { send = (frame: Uint8Array) => inner.send(frame), closing } = options;
  let handler: ((frame: Uint8Array) => void) | null = null;
  inner.onFrame = (frame) => filter(frame, (f) => handler?.(f));
  return {
    get identity() {
      return inner.identity;
    },
    get maxFrameBytes() {
      return inner.maxFrameBytes;
    },
    get bufferedAmount() {
      return inner.bufferedAmount;
    },
    get closed() {
      return inner.closed;
    },
    send,
    close: (code, reason) => inner.close(code, reason),
    get onFrame() {
      return handler;
    },
    set onFrame(h) {
      handler = h;
    },
    get onClose() {
      return inner.onClose;
    },
    set onClose(h) {
      inner.onClose = closing === undefined ? h : (info) => {
        closing(info);
        h?.(info);
      };
    },
  };
}

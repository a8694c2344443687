/**
 * A connection that passes everything through but hands each incoming frame to a filter first,
 * which delivers it to the session's handler (or not): how the real-network tests, the browser
 * test and the session bench make a client leave, or hold a message, at a chosen frame.
 */
import type { CloseInfo, Connection } from '../../src/transport/index.js';

/** What the filter is given: the frame, and the session's handler to deliver it to. */
export type IncomingFilter = (frame: Uint8Array, deliver: (frame: Uint8Array) => void) => void;

/** Wraps `inner`: incoming frames go through `filter`; `onClose` handlers through `closing` when given. */
export function interceptIncoming(inner: Connection, filter: IncomingFilter, closing?: (info: CloseInfo) => void): Connection {
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
    send: (frame) => inner.send(frame),
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

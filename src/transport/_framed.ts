/**
 * Internal: the one implementation of {@link Connection} behind every adapter. It owns what an
 * adapter must never get wrong: refusing oversized and non-binary frames, closing once, copying
 * bytes on the way in and out, bounding what waits for a handler or for a slow peer, and
 * delivering handlers one at a time. An adapter gives it a {@link ConnectionMedium} and feeds it
 * what the medium reports.
 */
import { assertBytes, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { CloseCode, type CloseInfo, type Connection, type ConnectionStats } from './types.js';

/** What an adapter provides: the medium's three operations. */
export interface ConnectionMedium {
  /**
   * Hands one frame to the medium. Called only while the connection is open, with an array the
   * medium may keep or transfer (a fresh copy, exactly sized: `frame.buffer` is its own).
   */
  write(frame: Uint8Array<ArrayBuffer>): void;
  /**
   * Closes the medium, telling the peer `code` and `reason` where it can. Called at most once,
   * after which nothing else is called. `code` is 1000..4999 (a {@link CloseCode}, or one the
   * user gave to `close()`).
   */
  close(code: number, reason: string): void;
  /** Bytes written and not yet taken by the peer; omit it if the medium cannot tell. */
  bufferedAmount?(): number;
}

/** Mutable counters; a connection adds to its own and to its server's. */
export type Counters = { -readonly [K in keyof ConnectionStats]: number };

/** Fresh zeroed counters. */
export function newCounters(): Counters {
  return {
    framesReceived: 0,
    bytesReceived: 0,
    framesSent: 0,
    bytesSent: 0,
    framesDropped: 0,
    oversizedRefused: 0,
    textRefused: 0,
  };
}

/** Internal wiring of a server adapter: shared counters and an end notice. */
export interface FramedHooks {
  readonly counters?: Counters;
  readonly onEnd?: () => void;
}

// More frames than this waiting for `onFrame` means nobody is reading: close.
const MAX_WAITING_FRAMES = 1024;
const MAX_REASON_CHARS = 123;
const MAX_REASON_BYTES = 123;
const utf8 = new TextEncoder();

/** Runs `error` as an uncaught exception on a fresh stack (what an EventTarget does with a throwing listener). */
function reportLater(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

function checkHandler<T>(value: T | null, name: string): T | null {
  if (value !== null && typeof value !== 'function') {
    throw new SecAggError('INVALID_TYPE', `${name} must be a function or null, got ${describeType(value)}`);
  }
  return value;
}

/** See the file comment. Adapters reach it through {@link createConnection}. */
export class FramedConnection implements Connection {
  readonly identity: string;
  readonly maxFrameBytes: number;
  readonly #maxBufferedBytes: number;
  readonly #medium: ConnectionMedium;
  readonly #own: Counters = newCounters();
  readonly #server: Counters | undefined;
  readonly #onEnd: (() => void) | undefined;
  #onFrame: ((frame: Uint8Array) => void) | null = null;
  #onClose: ((info: CloseInfo) => void) | null = null;
  #waiting: Uint8Array[] = [];
  #waitingBytes = 0;
  #closeInfo: CloseInfo | null = null;
  #closeDelivered = false;
  #delivering = false;
  #scheduled = false;

  constructor(identity: string, medium: ConnectionMedium, maxFrameBytes: number, maxBufferedBytes: number, hooks: FramedHooks = {}) {
    this.identity = identity;
    this.maxFrameBytes = maxFrameBytes;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#medium = medium;
    this.#server = hooks.counters;
    this.#onEnd = hooks.onEnd;
  }

  get onFrame(): ((frame: Uint8Array) => void) | null {
    return this.#onFrame;
  }

  set onFrame(handler: ((frame: Uint8Array) => void) | null) {
    this.#onFrame = checkHandler(handler, 'onFrame');
    this.#schedule();
  }

  get onClose(): ((info: CloseInfo) => void) | null {
    return this.#onClose;
  }

  set onClose(handler: ((info: CloseInfo) => void) | null) {
    this.#onClose = checkHandler(handler, 'onClose');
    this.#schedule();
  }

  get closed(): boolean {
    return this.#closeInfo !== null;
  }

  get bufferedAmount(): number {
    if (this.#closeInfo !== null) return 0;
    let amount = 0;
    try {
      amount = this.#medium.bufferedAmount?.() ?? 0;
    } catch {
      amount = 0;
    }
    return typeof amount === 'number' && amount > 0 ? amount : 0;
  }

  /** A snapshot of this connection's counters. */
  get stats(): ConnectionStats {
    return { ...this.#own };
  }

  send(frame: Uint8Array): boolean {
    assertBytes(frame, 'frame');
    if (this.#closeInfo !== null) {
      this.#count('framesDropped', 1);
      return false;
    }
    if (this.bufferedAmount > this.#maxBufferedBytes) {
      this.#count('framesDropped', 1);
      this.end(CloseCode.POLICY_VIOLATION, 'send buffer full: the peer is not reading');
      return false;
    }
    const copy = new Uint8Array(frame);
    try {
      this.#medium.write(copy);
    } catch {
      this.#count('framesDropped', 1);
      this.end(CloseCode.INTERNAL_ERROR, 'the medium refused a frame');
      return false;
    }
    this.#count('framesSent', 1);
    this.#count('bytesSent', copy.length);
    return true;
  }

  close(code: number = CloseCode.NORMAL, reason = ''): void {
    if (typeof code !== 'number') throw new SecAggError('INVALID_TYPE', `close code must be a number, got ${describeType(code)}`);
    if (!Number.isInteger(code) || !(code === CloseCode.NORMAL || (code >= 3000 && code <= 4999))) {
      throw new SecAggError('OUT_OF_RANGE', `close code must be 1000 or an integer in 3000..4999, got ${String(code)}`);
    }
    if (typeof reason !== 'string') throw new SecAggError('INVALID_TYPE', `close reason must be a string, got ${describeType(reason)}`);
    const bytes = utf8.encode(reason).length;
    if (bytes > MAX_REASON_BYTES) {
      throw new SecAggError('INVALID_LENGTH', `close reason must be at most ${MAX_REASON_BYTES} UTF-8 bytes, got ${bytes}`);
    }
    this.end(code, reason);
  }

  // ---- What the adapter reports (through the controller). ----

  /** The medium delivered `data`: a binary frame, or something that is refused. */
  receive(data: unknown): void {
    if (this.#closeInfo !== null) return;
    let frame: Uint8Array;
    if (data instanceof ArrayBuffer) {
      // The size first: an oversized frame is never wrapped, copied or queued.
      if (data.byteLength > this.maxFrameBytes) return this.refuseOversized();
      frame = new Uint8Array(data);
    } else if (data instanceof Uint8Array && ArrayBuffer.isView(data)) {
      if (data.length > this.maxFrameBytes) return this.refuseOversized();
      frame = new Uint8Array(data); // a copy: the medium's array may be pooled or reused
    } else {
      this.#count('textRefused', 1);
      return this.end(CloseCode.UNSUPPORTED_DATA, typeof data === 'string' ? 'text frames are refused' : 'only binary frames are accepted');
    }
    this.#count('framesReceived', 1);
    this.#count('bytesReceived', frame.length);
    if (this.#onFrame !== null && this.#waiting.length === 0 && !this.#delivering) {
      this.#call(this.#onFrame, frame);
      return;
    }
    this.#waiting.push(frame);
    this.#waitingBytes += frame.length;
    if (this.#waiting.length > MAX_WAITING_FRAMES || this.#waitingBytes > this.#maxBufferedBytes) {
      this.end(CloseCode.POLICY_VIOLATION, 'frames arrived faster than they were handled');
      return;
    }
    this.#schedule();
  }

  /** The medium saw a frame over the limit (before reading it, where it can): refuse and close. */
  refuseOversized(): void {
    if (this.#closeInfo !== null) return;
    this.#count('oversizedRefused', 1);
    this.end(CloseCode.FRAME_TOO_LARGE, `frame over ${this.maxFrameBytes} bytes`);
  }

  /** The medium closed from the other side, or broke. Frames received before still come first. */
  closedByPeer(code: unknown, reason: unknown): void {
    if (this.#closeInfo !== null) return;
    const valid = typeof code === 'number' && Number.isInteger(code) && code >= 1000 && code <= 4999;
    this.#closeInfo = {
      code: valid ? code : CloseCode.ABNORMAL,
      reason: typeof reason === 'string' ? reason.slice(0, MAX_REASON_CHARS) : '',
      local: false,
    };
    this.#ended();
  }

  /** This side ends the connection (any code in 1000..4999): the medium is closed, nothing more is delivered. */
  end(code: number, reason: string): void {
    if (this.#closeInfo !== null) return;
    this.#closeInfo = { code, reason: reason.slice(0, MAX_REASON_CHARS), local: true };
    this.#waiting = [];
    this.#waitingBytes = 0;
    try {
      this.#medium.close(code, this.#closeInfo.reason);
    } catch {
      // The medium is gone either way; the close is reported all the same.
    }
    this.#ended();
  }

  #ended(): void {
    try {
      this.#onEnd?.();
    } finally {
      this.#schedule();
    }
  }

  #count(key: keyof Counters, n: number): void {
    this.#own[key] += n;
    if (this.#server !== undefined) this.#server[key] += n;
  }

  #schedule(): void {
    if (this.#scheduled) return;
    const due = (this.#onFrame !== null && this.#waiting.length > 0) || (this.#closeInfo !== null && !this.#closeDelivered && this.#onClose !== null);
    if (!due) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.#deliver();
    });
  }

  #deliver(): void {
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      while (this.#onFrame !== null && this.#waiting.length > 0) {
        const frame = this.#waiting.shift() as Uint8Array;
        this.#waitingBytes -= frame.length;
        this.#call(this.#onFrame, frame);
      }
      const info = this.#closeInfo;
      if (info !== null && !this.#closeDelivered && this.#onClose !== null) {
        // A close with frames still waiting and no frame handler: those frames are never read.
        this.#closeDelivered = true;
        this.#waiting = [];
        this.#waitingBytes = 0;
        const handler = this.#onClose;
        try {
          handler(info);
        } catch (error) {
          reportLater(error);
        }
      }
    } finally {
      this.#delivering = false;
    }
  }

  #call(handler: (frame: Uint8Array) => void, frame: Uint8Array): void {
    const outer = this.#delivering;
    this.#delivering = true;
    try {
      handler(frame);
    } catch (error) {
      this.end(CloseCode.INTERNAL_ERROR, 'the frame handler threw');
      reportLater(error);
    } finally {
      this.#delivering = outer;
    }
  }
}

/**
 * createConnection: the one implementation of the Connection contract under every adapter (and
 * offered to users' adapters). A recording medium stands in for the network; the contract is
 * what is under test, the adapters have their own tests with real sockets, ports and workers.
 */
import { describe, expect, it } from 'vitest';
import { SecAggError } from '../../src/errors.js';
import {
  CloseCode,
  createConnection,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_FRAME_BYTES,
  type ConnectionMedium,
} from '../../src/transport/index.js';
import { expectSecAggError, notBytes, notNumbers } from '../_hostile.js';
import { bytes, fixture, record, runChild } from './_helpers.js';

function recordingMedium(buffered = 0): ConnectionMedium & { written: Uint8Array[]; closes: [number, string][]; buffered: number } {
  const m = {
    written: [] as Uint8Array[],
    closes: [] as [number, string][],
    buffered,
    write(frame: Uint8Array) {
      m.written.push(frame);
    },
    close(code: number, reason: string) {
      m.closes.push([code, reason]);
    },
    bufferedAmount: () => m.buffered,
  };
  return m;
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('createConnection: sending', () => {
  it('copies each frame before send returns, into an exactly sized buffer of its own', () => {
    const medium = recordingMedium();
    const { connection } = createConnection('alice', medium);
    const pool = new Uint8Array(16).fill(9);
    const frame = pool.subarray(4, 8);
    expect(connection.send(frame)).toBe(true);
    frame.fill(0);
    expect(medium.written[0]).toEqual(bytes(9, 9, 9, 9));
    expect(medium.written[0]?.buffer.byteLength).toBe(4);
    expect(connection.send(Buffer.from([1, 2]))).toBe(true);
    expect(Object.getPrototypeOf(medium.written[1])).toBe(Uint8Array.prototype);
    expect(connection.stats).toMatchObject({ framesSent: 2, bytesSent: 6 });
  });

  it('refuses a non-byte frame with INVALID_TYPE, whatever the state', () => {
    const { connection } = createConnection('alice', recordingMedium());
    for (const bad of notBytes) expectSecAggError(() => connection.send(bad as Uint8Array), 'INVALID_TYPE');
    connection.close();
    expectSecAggError(() => connection.send('x' as unknown as Uint8Array), 'INVALID_TYPE');
  });

  it('drops frames after close (false, counted), never throws for the state', () => {
    const medium = recordingMedium();
    const { connection } = createConnection('alice', medium);
    connection.close();
    expect(connection.send(bytes(1))).toBe(false);
    expect(medium.written).toHaveLength(0);
    expect(connection.stats.framesDropped).toBe(1);
    expect(connection.bufferedAmount).toBe(0);
  });

  it('closes with POLICY_VIOLATION when the peer does not read (buffer above maxBufferedBytes)', async () => {
    const medium = recordingMedium(0);
    const { connection } = createConnection('alice', medium, { maxBufferedBytes: 10 });
    const seen = record(connection);
    expect(connection.send(new Uint8Array(100))).toBe(true); // one frame of any size fits when nothing waits
    medium.buffered = 100;
    expect(connection.bufferedAmount).toBe(100);
    expect(connection.send(bytes(1))).toBe(false);
    expect(medium.closes).toEqual([[CloseCode.POLICY_VIOLATION, expect.any(String)]]);
    expect(await seen.closed).toMatchObject({ code: CloseCode.POLICY_VIOLATION, local: true });
    expect(connection.stats.framesDropped).toBe(1);
  });

  it('a medium that throws on write closes the connection with INTERNAL_ERROR instead of throwing', async () => {
    const medium = { write: () => { throw new Error('gone'); }, close: () => {} };
    const { connection } = createConnection('alice', medium);
    const seen = record(connection);
    expect(connection.send(bytes(1))).toBe(false);
    expect(await seen.closed).toMatchObject({ code: CloseCode.INTERNAL_ERROR, local: true });
  });
});

describe('createConnection: receiving', () => {
  it('delivers frames in order, as arrays of their own; an ArrayBuffer is taken as is', async () => {
    const { connection, receive } = createConnection('alice', recordingMedium());
    const seen = record(connection);
    const source = new Uint8Array([5, 6, 7, 8]);
    receive(source.subarray(1, 3));
    source.fill(0);
    const buffer = new Uint8Array([1, 2, 3]).buffer;
    receive(buffer);
    receive(new Uint8Array(0));
    const frames = await seen.next(3);
    expect(frames).toEqual([bytes(6, 7), bytes(1, 2, 3), bytes()]);
    expect(frames[0]?.buffer.byteLength).toBe(2);
    expect(frames[1]?.buffer).toBe(buffer);
    expect(connection.stats).toMatchObject({ framesReceived: 3, bytesReceived: 5 });
  });

  it('refuses a frame over maxFrameBytes (FRAME_TOO_LARGE, local) and delivers nothing after it', async () => {
    const medium = recordingMedium();
    const { connection, receive } = createConnection('alice', medium, { maxFrameBytes: 4 });
    const seen = record(connection);
    receive(new Uint8Array(4));
    receive(new ArrayBuffer(5));
    receive(new Uint8Array(1));
    expect(await seen.closed).toEqual({ code: CloseCode.FRAME_TOO_LARGE, reason: 'frame over 4 bytes', local: true });
    expect(seen.frames).toHaveLength(1);
    expect(medium.closes).toEqual([[CloseCode.FRAME_TOO_LARGE, 'frame over 4 bytes']]);
    expect(connection.stats).toMatchObject({ oversizedRefused: 1, framesReceived: 1 });
  });

  it('refuses text and any other non-binary message with UNSUPPORTED_DATA', async () => {
    for (const data of ['hello', { frame: [1] }, [1, 2], null, 7, new DataView(new ArrayBuffer(2)), new Uint16Array(2)]) {
      const { connection, receive } = createConnection('alice', recordingMedium());
      const seen = record(connection);
      receive(data);
      expect(await seen.closed).toMatchObject({ code: CloseCode.UNSUPPORTED_DATA, local: true });
      expect(seen.frames).toHaveLength(0);
      expect(connection.stats.textRefused).toBe(1);
    }
  });

  it('holds frames and the close that arrive before the handlers are set, in order', async () => {
    const { connection, receive, closed } = createConnection('alice', recordingMedium());
    receive(bytes(1));
    receive(bytes(2));
    closed(4001, 'done');
    await tick();
    const seen = record(connection);
    expect(await seen.closed).toEqual({ code: 4001, reason: 'done', local: false });
    expect(seen.frames).toEqual([bytes(1), bytes(2)]);
  });

  it('closes with POLICY_VIOLATION when frames pile up with no handler beyond maxBufferedBytes', async () => {
    const { connection, receive } = createConnection('alice', recordingMedium(), { maxBufferedBytes: 10 });
    for (let i = 0; i < 3; i++) receive(new Uint8Array(4));
    connection.onClose = null;
    const seen = record(connection);
    expect(await seen.closed).toMatchObject({ code: CloseCode.POLICY_VIOLATION, local: true });
    expect(seen.frames).toHaveLength(0);
  });

  it('a peer close reports what the peer said, bounded: a code outside 1000..4999 is ABNORMAL, a reason at most 123 characters', async () => {
    const cases: [unknown, unknown, number, string][] = [
      [1000, 'bye', 1000, 'bye'],
      [999, 'x', CloseCode.ABNORMAL, 'x'],
      [5000, 'x', CloseCode.ABNORMAL, 'x'],
      [undefined, undefined, CloseCode.ABNORMAL, ''],
      [1000.5, 42, CloseCode.ABNORMAL, ''],
      [4000, 'r'.repeat(500), 4000, 'r'.repeat(123)],
    ];
    for (const [code, reason, wantCode, wantReason] of cases) {
      const { connection, closed } = createConnection('alice', recordingMedium());
      const seen = record(connection);
      closed(code as number, reason as string);
      expect(await seen.closed).toEqual({ code: wantCode, reason: wantReason, local: false });
    }
  });
});

describe('createConnection: closing', () => {
  it('close() closes once: the medium once, onClose once, later closes from either side ignored', async () => {
    const medium = recordingMedium();
    const { connection, closed, receive } = createConnection('alice', medium);
    let calls = 0;
    connection.onClose = () => calls++;
    connection.close(4000, 'round over');
    expect(connection.closed).toBe(true);
    connection.close();
    closed(1000, 'late');
    receive(bytes(1));
    await tick();
    expect(calls).toBe(1);
    expect(medium.closes).toEqual([[4000, 'round over']]);
  });

  it('onClose is never called inside close() (handlers are not re-entered)', async () => {
    const { connection } = createConnection('alice', recordingMedium());
    let inside = false;
    let during: boolean | undefined;
    connection.onClose = () => (during = inside);
    inside = true;
    connection.close();
    inside = false;
    await tick();
    expect(during).toBe(false);
  });

  it('refuses codes a WebSocket may not send and reasons over 123 UTF-8 bytes', () => {
    const { connection } = createConnection('alice', recordingMedium());
    for (const code of [999, 1001, 1006, 1009, 2999, 5000, 1000.5, ...notNumbers.filter((v) => v !== undefined)]) {
      expectSecAggError(() => connection.close(code as number), typeof code === 'number' ? 'OUT_OF_RANGE' : 'INVALID_TYPE');
    }
    expectSecAggError(() => connection.close(1000, 7 as unknown as string), 'INVALID_TYPE');
    expectSecAggError(() => connection.close(1000, 'é'.repeat(62)), 'INVALID_LENGTH'); // 124 bytes
    connection.close(3000, 'é'.repeat(61) + 'x'); // 123 bytes
    expect(connection.closed).toBe(true);
  });

  it('a medium that throws on close still reports the close', async () => {
    const { connection } = createConnection('alice', { write: () => {}, close: () => { throw new Error('x'); } });
    const seen = record(connection);
    connection.close();
    expect(await seen.closed).toMatchObject({ code: 1000, local: true });
  });
});

describe('createConnection: arguments', () => {
  it('validates identity, medium, options and handlers with codes', () => {
    const medium = recordingMedium();
    for (const identity of [undefined, null, 5, {}]) expectSecAggError(() => createConnection(identity as string, medium), 'INVALID_TYPE');
    for (const identity of ['', 'x'.repeat(1025)]) expectSecAggError(() => createConnection(identity, medium), 'INVALID_LENGTH');
    for (const bad of [undefined, null, {}, { write: () => {} }, { write: 1, close: () => {} }, { write() {}, close() {}, bufferedAmount: 3 }]) {
      expectSecAggError(() => createConnection('a', bad as unknown as ConnectionMedium), 'INVALID_TYPE');
    }
    expectSecAggError(() => createConnection('a', medium, { maxFrame: 3 } as never), 'UNKNOWN_OPTION');
    for (const n of [0, -1, 1.5, 2 ** 31, Number.NaN]) expectSecAggError(() => createConnection('a', medium, { maxFrameBytes: n }), 'OUT_OF_RANGE');
    expectSecAggError(() => createConnection('a', medium, { maxBufferedBytes: -1 }), 'OUT_OF_RANGE');
    const { connection, end } = createConnection('a', medium);
    expect(connection.maxFrameBytes).toBe(DEFAULT_MAX_FRAME_BYTES);
    expect(DEFAULT_MAX_BUFFERED_BYTES).toBe(64 * 1024 * 1024);
    for (const handler of [5, 'f', {}]) {
      expectSecAggError(() => (connection.onFrame = handler as never), 'INVALID_TYPE');
      expectSecAggError(() => (connection.onClose = handler as never), 'INVALID_TYPE');
    }
    expectSecAggError(() => end(999, 'x'), 'OUT_OF_RANGE');
    expectSecAggError(() => end(1000, 5 as unknown as string), 'INVALID_TYPE');
  });

  it('a controller never throws for what the medium reports', () => {
    const { receive, closed, refuseOversized } = createConnection('a', recordingMedium());
    for (const data of [...notBytes, Symbol('x'), new SharedArrayBuffer(4)]) expect(() => receive(data)).not.toThrow();
    expect(() => closed(Number.NaN, {} as string)).not.toThrow();
    expect(() => refuseOversized()).not.toThrow();
  });

  it('a throwing onFrame closes the connection with INTERNAL_ERROR and surfaces as an uncaught exception', async () => {
    const out = await runChild(fixture('throwing-handler.ts'), { timeoutMs: 15_000 });
    expect(out.stdout).toContain('closed 1011 local');
    expect(out.stderr).toContain('handler bug 42');
    expect(out.code).not.toBe(0);
    expect(SecAggError).toBeDefined();
  }, 20_000);
});

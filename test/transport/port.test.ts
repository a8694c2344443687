/**
 * secagg/transport/port: both sides over a real worker_threads Worker (and a MessageChannel in
 * one thread), byte-exact frames, refusals, close in both directions, a terminated worker, and
 * the acknowledgements behind bufferedAmount.
 */
import { MessageChannel, type MessagePort as NodeMessagePort, type Worker as NodeWorker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { CloseCode } from '../../src/transport/index.js';
import { createPortServer, openPort, type PortEndpoint } from '../../src/transport/port.js';

// Compile-time: every endpoint the doc names fits PortEndpoint (typecheck fails otherwise).
export const endpointTypes: PortEndpoint[] = [
  null as unknown as NodeMessagePort,
  null as unknown as NodeWorker,
  null as unknown as globalThis.MessagePort, // the DOM's
  null as unknown as globalThis.Worker, // a Web Worker
];
import { expectSecAggError, notBytes } from '../_hostile.js';
import { bytes, fixture, pattern, record, sameBytes, tsWorker, within } from './_helpers.js';

function startWorker(maxFrameBytes?: number) {
  const { port1, port2 } = new MessageChannel();
  const worker = tsWorker(fixture('port-worker.ts'), { port: port2, maxFrameBytes }, [port2]);
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  return { port: port1, worker, exited };
}

describe('openPort across a real worker thread', () => {
  it('round-trips frames byte-exact (empty to 1 MiB) and the worker exits on its own after close', async () => {
    const { port, exited } = startWorker();
    const connection = openPort(port, { identity: 'worker-1' });
    expect(connection.identity).toBe('worker-1');
    const seen = record(connection);
    const frames = [bytes(), bytes(1), pattern(1000, 1), pattern(1 << 20, 2)];
    for (const f of frames) connection.send(f);
    const echoed = await within(seen.next(frames.length), 20_000, 'echoes');
    expect(echoed.map((f, i) => sameBytes(f, frames[i]?.slice().reverse()))).toEqual([true, true, true, true]);
    connection.send(Uint8Array.of(0xff, 4));
    const [, , , , who] = await within(seen.next(5), 5000, 'identity');
    expect(new TextDecoder().decode(who?.subarray(1))).toBe('main');
    connection.close(4001, 'main done');
    expect(await seen.closed).toEqual({ code: 4001, reason: 'main done', local: true });
    expect(await within(exited, 10_000, 'worker exit')).toBe(0);
  }, 30_000);

  it('the worker closing is reported with its code and reason (not local)', async () => {
    const { port, exited } = startWorker();
    const connection = openPort(port, { identity: 'w' });
    const seen = record(connection);
    connection.send(Uint8Array.of(0xff, 3));
    expect(await within(seen.closed, 10_000, 'close')).toEqual({ code: 4000, reason: 'worker done', local: false });
    expect(await within(exited, 10_000, 'worker exit')).toBe(0);
  }, 20_000);

  it('refuses an oversized frame from the worker (FRAME_TOO_LARGE) and the worker learns it', async () => {
    const { port, worker, exited } = startWorker();
    let workerSaid = '';
    worker.stdout?.on('data', (d: Buffer) => (workerSaid += d.toString()));
    const connection = openPort(port, { identity: 'w', maxFrameBytes: 4096 });
    const seen = record(connection);
    connection.send(Uint8Array.of(0xff, 1, 4)); // 4 KiB: fits
    connection.send(Uint8Array.of(0xff, 1, 5)); // 5 KiB: refused
    expect(await within(seen.closed, 10_000, 'close')).toMatchObject({ code: CloseCode.FRAME_TOO_LARGE, local: true });
    expect(seen.frames.map((f) => f.length)).toEqual([4096]);
    expect(connection.stats.oversizedRefused).toBe(1);
    expect(await within(exited, 10_000, 'worker exit')).toBe(0);
    expect(workerSaid).toContain('"code":1009');
  }, 20_000);

  it('refuses a text message on the port (UNSUPPORTED_DATA)', async () => {
    const { port, exited } = startWorker();
    const connection = openPort(port, { identity: 'w' });
    const seen = record(connection);
    connection.send(Uint8Array.of(0xff, 2));
    expect(await within(seen.closed, 10_000, 'close')).toMatchObject({ code: CloseCode.UNSUPPORTED_DATA, local: true });
    expect(connection.stats.textRefused).toBe(1);
    await within(exited, 10_000, 'worker exit');
  }, 20_000);

  it('a terminated worker is reported as an ABNORMAL close', async () => {
    const { port, worker } = startWorker();
    const connection = openPort(port, { identity: 'w' });
    const seen = record(connection);
    connection.send(bytes(1, 2));
    await within(seen.next(1), 10_000, 'echo');
    await worker.terminate();
    expect(await within(seen.closed, 10_000, 'close')).toMatchObject({ code: CloseCode.ABNORMAL, local: false });
  }, 20_000);
});

describe('openPort in one thread', () => {
  it('bufferedAmount counts bytes the peer has not acknowledged; a peer that does not read closes the sender', async () => {
    const { port1, port2 } = new MessageChannel();
    const a = openPort(port1, { identity: 'b', maxBufferedBytes: 1000 });
    const seenA = record(a);
    a.send(new Uint8Array(600));
    a.send(new Uint8Array(600));
    expect(a.bufferedAmount).toBe(1200);
    expect(a.send(bytes(1))).toBe(false); // nobody reads port2 yet
    expect(await seenA.closed).toMatchObject({ code: CloseCode.POLICY_VIOLATION, local: true });
    port2.close();

    const channel = new MessageChannel();
    const c = openPort(channel.port1, { identity: 'd' });
    const d = openPort(channel.port2, { identity: 'c' });
    const seenD = record(d);
    c.send(new Uint8Array(600));
    expect(c.bufferedAmount).toBe(600);
    await within(seenD.next(1), 5000, 'frame');
    await new Promise((r) => setTimeout(r, 20));
    expect(c.bufferedAmount).toBe(0);
    c.close();
    expect(await seenD.closed).toMatchObject({ code: 1000, local: false });
  });

  it('refuses malformed control messages as not binary', async () => {
    for (const message of [['ack', -1], ['ack', 1.5], ['close', '1000', 'x'], ['close', 1000], ['hello'], { kind: 'close' }, 42]) {
      const { port1, port2 } = new MessageChannel();
      const a = openPort(port1, { identity: 'b' });
      const seen = record(a);
      port2.postMessage(message);
      expect(await within(seen.closed, 5000, 'close')).toMatchObject({ code: CloseCode.UNSUPPORTED_DATA, local: true });
      port2.close();
    }
  });

  it('a port server accepts ports as connections and closes them all with GOING_AWAY', async () => {
    const server = createPortServer({ maxFrameBytes: 1024 });
    const clients = [0, 1, 2].map((i) => {
      const { port1, port2 } = new MessageChannel();
      server.accept(port1, `worker-${i}`);
      const connection = openPort(port2, { identity: 'server' });
      return { connection, seen: record(connection) };
    });
    const identities: string[] = [];
    server.onConnection = (connection) => {
      identities.push(connection.identity);
      connection.onFrame = (frame) => connection.send(frame);
    };
    for (const [i, c] of clients.entries()) c.connection.send(bytes(i));
    for (const [i, c] of clients.entries()) expect(await within(c.seen.next(1), 5000, 'echo')).toEqual([bytes(i)]);
    expect(identities).toEqual(['worker-0', 'worker-1', 'worker-2']);
    expect(server.stats).toMatchObject({ connectionsAccepted: 3, connectionsOpen: 3, framesReceived: 3, framesSent: 3 });
    await server.close();
    for (const c of clients) expect(await within(c.seen.closed, 5000, 'close')).toMatchObject({ code: CloseCode.GOING_AWAY, local: false });
    expect(server.stats.connectionsOpen).toBe(0);
    const late = new MessageChannel();
    server.accept(late.port1, 'late');
    const refused = record(openPort(late.port2, { identity: 'server' }));
    expect(await within(refused.closed, 5000, 'close')).toMatchObject({ code: CloseCode.GOING_AWAY });
  });

  it('validates endpoints, identities and options', () => {
    const { port1, port2 } = new MessageChannel();
    for (const bad of [...notBytes, {}, { postMessage() {} }]) expectSecAggError(() => openPort(bad as never, { identity: 'x' }), 'INVALID_TYPE');
    expectSecAggError(() => openPort(port1, undefined as never), 'INVALID_TYPE');
    expectSecAggError(() => openPort(port1, {} as never), 'INVALID_TYPE');
    expectSecAggError(() => openPort(port1, { identity: 'x', other: 1 } as never), 'UNKNOWN_OPTION');
    expectSecAggError(() => openPort(port1, { identity: 'x', maxFrameBytes: 0 }), 'OUT_OF_RANGE');
    const server = createPortServer();
    expectSecAggError(() => server.accept(port1, ''), 'INVALID_LENGTH');
    expectSecAggError(() => createPortServer({ identity: 'x' } as never), 'UNKNOWN_OPTION');
    port1.close();
    port2.close();
    void server.close();
  });
});

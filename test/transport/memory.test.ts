/** secagg/transport/memory: in-process links with the timing (and, on request, the faults) of a network. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryPair, createMemoryServer } from '../../src/transport/memory.js';
import { CloseCode, type Connection } from '../../src/transport/index.js';
import { expectSecAggError } from '../_hostile.js';
import { bytes, record, within } from './_helpers.js';

describe('createMemoryPair', () => {
  it('names each end by its peer; frames round-trip byte-exact, in order, never inside send', async () => {
    const [server, alice] = createMemoryPair({ left: 'server', right: 'alice' });
    expect(server.identity).toBe('alice');
    expect(alice.identity).toBe('server');
    server.onFrame = (frame) => server.send(frame.slice().reverse());
    const seen = record(alice);
    let delivered = false;
    alice.onFrame = (frame) => {
      delivered = true;
      seen.frames.push(frame);
    };
    alice.send(bytes(1, 2, 3));
    alice.send(bytes());
    expect(delivered).toBe(false);
    await within(new Promise<void>((r) => setTimeout(r, 20)), 1000, 'echo');
    expect(seen.frames).toEqual([bytes(3, 2, 1), bytes()]);
    alice.close();
  });

  it('property: any sequence of frames arrives byte-exact and in order, with any per-frame delays', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 12 }),
        fc.array(fc.nat(3), { minLength: 12, maxLength: 12 }),
        async (frames, delays) => {
          let i = 0;
          const [a, b] = createMemoryPair({ delayMs: () => delays[i++ % delays.length] as number });
          const seen = record(b);
          for (const f of frames) a.send(f);
          a.close(4000, 'end');
          const info = await within(seen.closed, 2000, 'close');
          expect(info).toEqual({ code: 4000, reason: 'end', local: false });
          expect(seen.frames).toEqual(frames);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('delays keep order: a frame never overtakes an earlier one; bufferedAmount counts what is in transit', async () => {
    const [a, b] = createMemoryPair({ delayMs: (frame) => (frame[0] === 1 ? 40 : 0) });
    const seen = record(b);
    a.send(bytes(1));
    a.send(bytes(2, 2));
    expect(a.bufferedAmount).toBe(3);
    const frames = await within(seen.next(2), 1000, 'frames');
    expect(frames).toEqual([bytes(1), bytes(2, 2)]);
    expect(a.bufferedAmount).toBe(0);
    a.close();
  });

  it('drop loses the frames it selects (a lossy test network)', async () => {
    const [a, b] = createMemoryPair({ drop: (frame, from) => from === 0 && frame[0] === 0 });
    const seen = record(b);
    const back = record(a);
    for (const v of [0, 1, 0, 2]) a.send(bytes(v));
    b.send(bytes(0));
    expect(await within(seen.next(2), 1000, 'frames')).toEqual([bytes(1), bytes(2)]);
    expect(await within(back.next(1), 1000, 'back')).toEqual([bytes(0)]);
    a.close();
  });

  it('sever() breaks the link: both ends close with ABNORMAL (not local), frames in transit are lost', async () => {
    const [a, b] = createMemoryPair({ delayMs: 50 });
    const seenA = record(a);
    const seenB = record(b);
    a.send(bytes(1));
    b.sever();
    expect(await seenA.closed).toEqual({ code: CloseCode.ABNORMAL, reason: 'link severed', local: false });
    expect(await seenB.closed).toEqual({ code: CloseCode.ABNORMAL, reason: 'link severed', local: false });
    expect(seenB.frames).toHaveLength(0);
    expect(a.send(bytes(1))).toBe(false);
  });

  it('an oversized frame is refused by the receiver (FRAME_TOO_LARGE, local there, remote at the sender)', async () => {
    const [a, b] = createMemoryPair({ maxFrameBytes: 8 });
    const seenA = record(a);
    const seenB = record(b);
    a.send(new Uint8Array(8));
    a.send(new Uint8Array(9));
    expect(await seenB.closed).toMatchObject({ code: CloseCode.FRAME_TOO_LARGE, local: true });
    expect(await seenA.closed).toMatchObject({ code: CloseCode.FRAME_TOO_LARGE, local: false });
    expect(seenB.frames).toHaveLength(1);
    expect(b.stats.oversizedRefused).toBe(1);
  });

  it('a sender whose peer lags beyond maxBufferedBytes closes with POLICY_VIOLATION', async () => {
    const [a, b] = createMemoryPair({ delayMs: 1000, maxBufferedBytes: 100 });
    const seenA = record(a);
    const seenB = record(b);
    expect(a.send(new Uint8Array(60))).toBe(true);
    expect(a.send(new Uint8Array(60))).toBe(true);
    expect(a.send(new Uint8Array(1))).toBe(false);
    expect(await seenA.closed).toMatchObject({ code: CloseCode.POLICY_VIOLATION, local: true });
    b.sever();
    await seenB.closed;
  });

  it('refuses bad options with codes', () => {
    expectSecAggError(() => createMemoryPair({ delay: 1 } as never), 'UNKNOWN_OPTION');
    expectSecAggError(() => createMemoryPair({ delayMs: -1 }), 'OUT_OF_RANGE');
    expectSecAggError(() => createMemoryPair({ delayMs: '1' as never }), 'INVALID_TYPE');
    expectSecAggError(() => createMemoryPair({ drop: true as never }), 'INVALID_TYPE');
    expectSecAggError(() => createMemoryPair({ left: '' }), 'INVALID_LENGTH');
    expectSecAggError(() => createMemoryPair({ maxFrameBytes: 0 }), 'OUT_OF_RANGE');
    expectSecAggError(() => createMemoryPair(null as never), 'INVALID_TYPE');
  });
});

describe('createMemoryServer', () => {
  it('hands each connection to onConnection with the client identity, holding early ones until it is set', async () => {
    const server = createMemoryServer({ identity: 'aggregator' });
    const alice = server.connect('alice');
    const bob = server.connect('bob');
    expect(alice.identity).toBe('aggregator');
    const seen: string[] = [];
    server.onConnection = (connection: Connection) => {
      seen.push(connection.identity);
      connection.onFrame = (frame) => connection.send(Uint8Array.of(frame.length));
    };
    const echoed = record(bob);
    bob.send(bytes(1, 2, 3));
    expect(await within(echoed.next(1), 1000, 'echo')).toEqual([bytes(3)]);
    expect(seen).toEqual(['alice', 'bob']);
    expect(server.stats).toMatchObject({ connectionsAccepted: 2, connectionsOpen: 2, framesReceived: 1, framesSent: 1 });
    alice.close();
    await new Promise((r) => setTimeout(r, 10));
    expect(server.stats.connectionsOpen).toBe(1);
    await server.close();
    expect(await echoed.closed).toEqual({ code: CloseCode.GOING_AWAY, reason: 'server closing', local: false });
    const late = record(server.connect('carol'));
    expect(await late.closed).toMatchObject({ code: CloseCode.GOING_AWAY });
    expect(server.close()).toBe(server.close());
  });

  it('refuses connections beyond maxPendingConnections while no handler is set (TRY_AGAIN_LATER)', async () => {
    const server = createMemoryServer({ maxPendingConnections: 1 });
    server.connect('a');
    const refused = record(server.connect('b'));
    expect(await refused.closed).toMatchObject({ code: CloseCode.TRY_AGAIN_LATER, local: false });
    expect(server.stats.connectionsAccepted).toBe(1);
    await server.close();
  });

  it('a throwing onConnection closes that connection with INTERNAL_ERROR (and surfaces the error)', async () => {
    const server = createMemoryServer();
    const errors: unknown[] = [];
    const original = globalThis.queueMicrotask;
    // Catch the rethrow on a fresh stack for this one test (it would otherwise fail the run).
    globalThis.queueMicrotask = (run) => original(() => { try { run(); } catch (e) { errors.push(e); } });
    try {
      server.onConnection = () => {
        throw new Error('bug');
      };
      const seen = record(server.connect('a'));
      expect(await seen.closed).toMatchObject({ code: CloseCode.INTERNAL_ERROR });
    } finally {
      globalThis.queueMicrotask = original;
    }
    expect(errors).toHaveLength(1);
    await server.close();
  });

  it('validates identities and options', () => {
    const server = createMemoryServer();
    expectSecAggError(() => server.connect('' as string), 'INVALID_LENGTH');
    expectSecAggError(() => server.connect(5 as never), 'INVALID_TYPE');
    expectSecAggError(() => (server.onConnection = 5 as never), 'INVALID_TYPE');
    expectSecAggError(() => createMemoryServer({ maxPendingConnections: -1 }), 'OUT_OF_RANGE');
    expectSecAggError(() => createMemoryServer({ left: 'x' } as never), 'UNKNOWN_OPTION');
    void server.close();
  });
});

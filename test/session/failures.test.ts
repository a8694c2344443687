/**
 * What the network does to a session round, in memory: connections closing at every round
 * boundary, a client that stops answering (deadlines on a fake clock), aborts reaching every
 * connected client, late, repeated and malformed frames, refusals, signals and close().
 */
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/session/_frames.js';
import { ClientSession, type ClientOutcome, type SessionSpec } from '../../src/session/index.js';
import { createMemoryPair, type MemoryConnection } from '../../src/transport/memory.js';
import { sumVectors } from '../../src/vector/index.js';
import { FakeClock, MessageByte, names, network, protocolType, settle, smallSpec } from './_helpers.js';

function encoded(spec: SessionSpec, i: number): Uint32Array {
  const v = spec.policy.vectors[0] as { length: number };
  return Uint32Array.from({ length: v.length }, (_, k) => (7 * (i + 1) + k) % 4096);
}

const sumSpec = (n: number): SessionSpec => smallSpec(n, { aggregation: { kind: 'sum', clip: 4, bits: 16 } });

describe('connections that close', () => {
  // The request whose arrival makes client 4 close its connection, and what that makes of it.
  const cases = [
    { request: 'offer', inSum: false },
    { request: 'advertisedKeys', inSum: false },
    { request: 'encryptedShares', inSum: false },
    { request: 'unmaskingRequest', inSum: true },
  ] as const;
  for (const { request, inSum } of cases) {
    it(`a client killed when ${request} arrives is dropped (CONNECTION_CLOSED); the sum is exact over the others${inSum ? ' and it' : ''}`, async () => {
      const spec = sumSpec(5);
      const net = network(spec, 5, { server: { cohort: { min: 5 } } });
      (net.hooks[4] as (typeof net.hooks)[number]).incoming = (frame) =>
        (request === 'offer' ? frame[3] === 2 : protocolType(frame) === MessageByte[request]) ? 'sever' : 'pass';
      try {
        const round = net.server.runRound();
        const outcomes = await Promise.all(net.clients.map((c, i) => c.submit(encoded(spec, i))));
        const result = await round;
        expect(result.outcome, JSON.stringify(result.abort)).toBe('completed');
        if (result.outcome !== 'completed') return;
        const ids = inSum ? [0, 1, 2, 3, 4] : [0, 1, 2, 3];
        expect(result.included).toEqual(ids.map((i) => `client-${i}`));
        expect(result.sum).toEqual(sumVectors(ids.map((i) => encoded(spec, i)), 16));
        const drop = { identity: 'client-4', reason: 'CONNECTION_CLOSED' };
        if (inSum) {
          expect(result.dropped).toEqual([]);
          expect(result.droppedAfterInput).toMatchObject([drop]);
        } else {
          expect(result.droppedAfterInput).toEqual([]);
          expect(result.dropped).toMatchObject([drop]);
        }
        expect(outcomes[4]).toMatchObject({ outcome: 'aborted', code: 'CONNECTION_CLOSED', inputSent: inSum });
        for (const o of outcomes.slice(0, 4)) expect(o.outcome).toBe('completed');
      } finally {
        await net.close();
      }
    });
  }

  it('a client that reconnects takes part in the next round', async () => {
    const spec = sumSpec(4);
    const net = network(spec, 4, { server: { cohort: { min: 4 } } });
    let killed = false;
    (net.hooks[3] as (typeof net.hooks)[number]).incoming = (frame) => (!killed && protocolType(frame) === MessageByte.advertisedKeys ? ((killed = true), 'sever') : 'pass');
    try {
      const first = net.server.runRound();
      const outcomes = await Promise.all(net.clients.map((c, i) => c.submit(encoded(spec, i))));
      expect((await first).outcome).toBe('completed');
      expect(outcomes[3]?.code).toBe('CONNECTION_CLOSED');
      const second = net.server.runRound();
      await Promise.all(net.clients.map((c, i) => c.submit(encoded(spec, i))));
      const result = await second;
      expect(result.outcome === 'completed' && result.included.length).toBe(4);
    } finally {
      await net.close();
    }
  });
});

describe('deadlines (a fake clock)', () => {
  it('a client that stops answering is dropped when the deadline passes, not before (NO_MESSAGE)', async () => {
    const spec = sumSpec(4);
    const clock = new FakeClock();
    const net = network(spec, 4, { server: { clock, cohort: { min: 4 }, deadlines: { round: 10_000, shareKeys: 30_000 } } });
    (net.hooks[2] as (typeof net.hooks)[number]).outgoing = (frame) => (protocolType(frame) === MessageByte.shareKeys ? 'drop' : 'pass');
    try {
      const round = net.server.runRound();
      let done = false;
      void round.then(() => (done = true));
      const outcomes = Promise.all(net.clients.map((c, i) => c.submit(encoded(spec, i))));
      await settle(60);
      expect(done).toBe(false);
      clock.advance(29_999);
      await settle(30);
      expect(done).toBe(false);
      clock.advance(1);
      const result = await round;
      expect(result.outcome).toBe('completed');
      if (result.outcome !== 'completed') return;
      expect(result.dropped).toMatchObject([{ identity: 'client-2', reason: 'NO_MESSAGE', round: 'shareKeys' }]);
      expect(result.sum).toEqual(sumVectors([0, 1, 3].map((i) => encoded(spec, i)), 16));
      const o = await outcomes;
      expect(o[2]).toMatchObject({ outcome: 'aborted', code: 'DROPPED', inputSent: false });
      expect(clock.pending).toBe(0);
    } finally {
      await net.close();
    }
  });

  it('extraSharesWait: once the unmasking has the shares it needs, the close comes that long after, however many more shares arrive', async () => {
    const spec = sumSpec(7);
    const clock = new FakeClock();
    const net = network(spec, 7, { server: { clock, cohort: { min: 7 }, extraSharesWait: 1_000, deadlines: { round: 60_000 } } });
    // Client 6 never answers the unmasking; client 5's answer is held back and delivered later.
    let held: Uint8Array | null = null;
    (net.hooks[6] as (typeof net.hooks)[number]).outgoing = (frame) => (protocolType(frame) === MessageByte.unmasking ? 'drop' : 'pass');
    (net.hooks[5] as (typeof net.hooks)[number]).outgoing = (frame) => {
      if (protocolType(frame) !== MessageByte.unmasking) return 'pass';
      held = Uint8Array.from(frame);
      return 'drop';
    };
    try {
      const round = net.server.runRound();
      let done = false;
      void round.then(() => (done = true));
      const outcomes = Promise.all(net.clients.map((c, i) => c.submit(encoded(spec, i))));
      while (held === null) await settle(2);
      await settle(30); // clients 0..4 answered: t of them suffice
      clock.advance(600);
      await settle(10);
      expect(done).toBe(false);
      (net.links[5] as (typeof net.links)[number]).extra(held as Uint8Array); // a share beyond t, 600 ms in
      await settle(30);
      clock.advance(399);
      await settle(10);
      expect(done).toBe(false);
      clock.advance(1); // 1,000 ms after the unmasking could close, not 1,000 ms after the last share
      const result = await round;
      expect(result.outcome).toBe('completed');
      if (result.outcome !== 'completed') return;
      expect(result.included).toEqual(names(7));
      expect(result.droppedAfterInput).toMatchObject([{ identity: 'client-6', reason: 'NO_MESSAGE', round: 'unmasking' }]);
      expect(result.sum).toEqual(sumVectors([0, 1, 2, 3, 4, 5, 6].map((i) => encoded(spec, i)), 16));
      await outcomes;
    } finally {
      await net.close();
    }
  });

  it('admission: no round before cohort.min are ready; then the admission deadline waits for more', async () => {
    const spec = sumSpec(5);
    const clock = new FakeClock();
    const net = network(spec, 5, { server: { clock, deadlines: { admission: 1_000 }, cohort: { min: 4 } } });
    try {
      const controller = new AbortController();
      const first = net.server.runRound({ signal: controller.signal });
      const outcomes = [0, 1, 2].map((i) => net.clients[i]?.submit(encoded(spec, i)));
      while (net.server.status.ready < 3) await settle(2);
      clock.advance(60_000);
      await settle(10);
      expect(net.server.status.round).toBeNull(); // three of min 4: it waits, whatever the time
      controller.abort();
      expect(await first).toMatchObject({ outcome: 'aborted', cohort: [], abort: { code: 'LOCAL_ABORT' } });
      expect(net.server.status.ready).toBe(3); // still ready for the next round
      const next = net.server.runRound();
      const late = net.clients[3]?.submit(encoded(spec, 3));
      while (net.server.status.ready < 4) await settle(2);
      await settle(10);
      clock.advance(999);
      await settle(10);
      expect(net.server.status.round).toBeNull(); // four of max 5: it waits up to the admission deadline
      clock.advance(1);
      const completed = await next;
      expect(completed.outcome === 'completed' && completed.included.length).toBe(4);
      await Promise.all([...outcomes, late]);
    } finally {
      await net.close();
    }
  });
});

describe('aborts reach every connected client', () => {
  it('too few masked inputs: TOO_FEW_CLIENTS, to the silent clients too', async () => {
    const spec = sumSpec(3);
    const net = network(spec, 3, { server: { cohort: { min: 3 }, deadlines: { round: 5_000, maskedInputCollection: 200 } } });
    for (const i of [1, 2]) (net.hooks[i] as (typeof net.hooks)[number]).outgoing = (frame) => (protocolType(frame) === MessageByte.maskedInput ? 'drop' : 'pass');
    try {
      const round = net.server.runRound();
      const outcomes = await Promise.all(net.clients.map((c, i) => c.submit(encoded(spec, i))));
      const result = await round;
      expect(result).toMatchObject({ outcome: 'aborted', abort: { code: 'TOO_FEW_CLIENTS' } });
      for (const o of outcomes) expect(o).toMatchObject({ outcome: 'aborted', code: 'SERVER_ABORTED', serverCode: 'TOO_FEW_CLIENTS' });
      expect(outcomes.map((o) => o.inputSent)).toEqual([true, true, true]); // sent, as far as each client knows
    } finally {
      await net.close();
    }
  });

  it('runRound aborted by its signal mid-round: LOCAL_ABORT for the server, SERVER_ABORTED at every client', async () => {
    const spec = sumSpec(3);
    const net = network(spec, 3);
    const controller = new AbortController();
    (net.hooks[0] as (typeof net.hooks)[number]).incoming = (frame) => {
      if (protocolType(frame) === MessageByte.encryptedShares) setTimeout(() => controller.abort(), 0);
      return 'pass';
    };
    for (const i of [0, 1, 2]) (net.hooks[i] as (typeof net.hooks)[number]).outgoing = (frame) => (protocolType(frame) === MessageByte.maskedInput ? 'drop' : 'pass');
    try {
      const round = net.server.runRound({ signal: controller.signal });
      const outcomes = await Promise.all(net.clients.map((c, i) => c.submit(encoded(spec, i))));
      expect(await round).toMatchObject({ outcome: 'aborted', abort: { code: 'LOCAL_ABORT' } });
      for (const o of outcomes) expect(o).toMatchObject({ outcome: 'aborted', code: 'SERVER_ABORTED', serverCode: 'LOCAL_ABORT' });
    } finally {
      await net.close();
    }
  });

  it('close() mid-round: the round resolves aborted, the clients are told, every timer is cleared', async () => {
    const spec = sumSpec(3);
    const clock = new FakeClock();
    const net = network(spec, 3, { server: { clock }, client: () => ({ clock }) });
    for (const i of [0, 1, 2]) (net.hooks[i] as (typeof net.hooks)[number]).outgoing = (frame) => (protocolType(frame) === MessageByte.shareKeys ? 'drop' : 'pass');
    try {
      const round = net.server.runRound();
      const outcomes = Promise.all(net.clients.map((c, i) => c.submit(encoded(spec, i))));
      while (net.server.status.round === null) await settle(2);
      await settle(40);
      await net.server.close();
      expect(await round).toMatchObject({ outcome: 'aborted', abort: { code: 'LOCAL_ABORT' } });
      for (const o of await outcomes) expect(['SERVER_ABORTED', 'CONNECTION_CLOSED']).toContain(o.code);
      await Promise.all(net.clients.map((c) => c.close()));
      expect(clock.pending).toBe(0);
      await expect(net.server.runRound()).rejects.toMatchObject({ code: 'ABORTED' });
      await expect(net.clients[0]?.submit(encoded(spec, 0))).rejects.toMatchObject({ code: 'ABORTED' });
    } finally {
      await net.close();
    }
  });
});

describe('late, repeated and malformed frames never throw', () => {
  it('repeats are counted as duplicates, frames of another round as late; the round completes', async () => {
    const spec = sumSpec(3);
    const net = network(spec, 3, { server: { cohort: { min: 3 } } });
    (net.hooks[1] as (typeof net.hooks)[number]).outgoing = (frame) => {
      if (frame[3] === 3) queueMicrotask(() => net.links[1]?.extra(frame)); // every protocol frame twice
      return 'pass';
    };
    (net.hooks[2] as (typeof net.hooks)[number]).outgoing = (frame) => {
      if (frame[3] === 3) {
        const late = Uint8Array.from(frame);
        late[7] = 99; // round 99
        queueMicrotask(() => net.links[2]?.extra(late));
      }
      return 'pass';
    };
    try {
      const round = net.server.runRound();
      const outcomes = await Promise.all(net.clients.map((c, i) => c.submit(encoded(spec, i))));
      const result = await round;
      expect(result.outcome).toBe('completed');
      expect(result.frames.duplicate).toBeGreaterThanOrEqual(3);
      expect(result.frames.late).toBeGreaterThanOrEqual(3);
      expect(outcomes.every((o: ClientOutcome) => o.outcome === 'completed')).toBe(true);
    } finally {
      await net.close();
    }
  });

  it('garbage from a cohort member drops it (MALFORMED_MESSAGE); a protocol message naming another sender too', async () => {
    const spec = sumSpec(6);
    const net = network(spec, 6, { server: { cohort: { min: 6 } } });
    (net.hooks[3] as (typeof net.hooks)[number]).outgoing = (frame) => {
      if (protocolType(frame) === MessageByte.shareKeys) {
        net.links[3]?.extra(Uint8Array.of(1, 2, 3));
        return 'drop';
      }
      return 'pass';
    };
    (net.hooks[4] as (typeof net.hooks)[number]).outgoing = (frame) => {
      if (protocolType(frame) !== MessageByte.shareKeys) return 'pass';
      const forged = Uint8Array.from(frame);
      forged[11] = 0; // the sender field (u16 after the type byte): id 1 -> another client
      forged[12] = 1;
      net.links[4]?.extra(forged);
      return 'drop';
    };
    try {
      const round = net.server.runRound();
      const outcomes = await Promise.all(net.clients.map((c, i) => c.submit(encoded(spec, i))));
      const result = await round;
      expect(result.outcome).toBe('completed');
      if (result.outcome !== 'completed') return;
      expect(result.dropped).toEqual([
        { identity: 'client-3', reason: 'MALFORMED_MESSAGE', round: 'shareKeys' },
        { identity: 'client-4', reason: 'MALFORMED_MESSAGE', round: 'shareKeys' },
      ]);
      expect(result.frames.malformed).toBe(1);
      expect(result.sum).toEqual(sumVectors([0, 1, 2, 5].map((i) => encoded(spec, i)), 16));
      expect(outcomes[3]?.code).toBe('DROPPED');
    } finally {
      await net.close();
    }
  });

  it('a frame that is not a session frame, or of the wrong direction, from a connection outside any round is ignored', async () => {
    const spec = sumSpec(3);
    const net = network(spec, 3);
    try {
      const stray = net.transport.connect('client-1');
      stray.send(Uint8Array.of(0x5a, 0x46, 1, 9));
      stray.send(encodeFrame({ kind: 'result', round: 1, included: 3, inSum: true }));
      await settle(10);
      expect(net.server.status.connected).toBe(1);
      stray.close();
    } finally {
      await net.close();
    }
  });
});

describe('refusals', () => {
  it('an identity outside the registry, and a client holding another spec, are turned away (REFUSED)', async () => {
    const spec = sumSpec(3);
    const other = smallSpec(3, { aggregation: { kind: 'sum', clip: 2, bits: 16 } });
    const net = network(spec, 3, { identity: (i) => (i === 0 ? 'mallory' : `client-${i}`) });
    const foreign = network(other, 3);
    try {
      expect(await net.clients[0]?.submit(encoded(spec, 0))).toMatchObject({ outcome: 'aborted', code: 'REFUSED' });
      // client-1 of the other spec connects to this server: refused when it says which spec it holds.
      const link = net.transport.connect('client-1');
      const seen: number[] = [];
      link.onClose = (info) => seen.push(info.code);
      link.send(encodeFrame({ kind: 'ready', ready: true, specDigest: new Uint8Array(32) }));
      await settle(10);
      expect(seen).toEqual([4002]);
    } finally {
      await net.close();
      await foreign.close();
    }
  });
});

describe('connecting', () => {
  it('a transport function that fails, or never settles, ends the submit (CONNECTION_CLOSED), within the offer deadline', async () => {
    const spec = sumSpec(3);
    const failing = new ClientSession({ spec, member: 0, transport: () => Promise.reject(new Error('refused')) });
    expect(await failing.submit(encoded(spec, 0))).toMatchObject({ outcome: 'aborted', code: 'CONNECTION_CLOSED' });
    await failing.close();

    const clock = new FakeClock();
    let late: MemoryConnection | null = null;
    let seen: AbortSignal | null = null;
    let open: (c: MemoryConnection) => void = () => undefined;
    const hanging = new ClientSession({
      spec,
      member: 0,
      clock,
      deadlines: { offer: 1_000 },
      transport: ({ signal }) => {
        seen = signal;
        return new Promise((resolve) => (open = resolve));
      },
    });
    const outcome = hanging.submit(encoded(spec, 0));
    await settle(5);
    clock.advance(1_000);
    expect(await outcome).toMatchObject({ outcome: 'aborted', code: 'CONNECTION_CLOSED' });
    expect((seen as AbortSignal | null)?.aborted).toBe(true);
    // It opens after all: the session closes it.
    const [a, b] = createMemoryPair();
    late = b;
    open(late);
    await settle(5);
    expect(late.closed).toBe(true);
    expect(a.closed).toBe(true);
    await hanging.close();
    expect(clock.pending).toBe(0);
  });
});


/**
 * Sessions over a real `ws` server on loopback (in this process; the processes-and-kills run is
 * .ci/steps/62-session-ws.sh), and a process that must exit by itself after close().
 */
import { describe, expect, it } from 'vitest';
import { ClientSession, ServerSession, type ClientOutcome } from '../../src/session/index.js';
import { connectWebSocket, listenWebSocket } from '../../src/transport/ws/index.js';
import { runChild } from '../transport/_helpers.js';
import { filled, smallSpec } from './_helpers.js';

describe('sessions over ws on loopback', () => {
  it('repeated rounds; a client whose connection drops mid-round is left out, then reconnects', async () => {
    const spec = smallSpec(4);
    const transport = await listenWebSocket({ port: 0, host: '127.0.0.1', authenticate: (r) => /^Bearer (client-\d)$/.exec(String(r.headers.authorization))?.[1] ?? null });
    const server = new ServerSession({ spec, identities: ['client-0', 'client-1', 'client-2', 'client-3'], transport, cohort: { min: 4 }, deadlines: { round: 5_000 } });
    const url = `ws://127.0.0.1:${transport.port}/`;
    const sockets: { close(): void }[] = [];
    const clients = [0, 1, 2, 3].map(
      (i) =>
        new ClientSession({
          spec,
          member: i,
          transport: async ({ signal }) => {
            const c = await connectWebSocket(url, { headers: { authorization: `Bearer client-${i}` }, signal });
            sockets[i] = c;
            return c;
          },
        }),
    );
    try {
      for (let r = 1; r <= 2; r++) {
        const round = server.runRound();
        const outcomes = clients.map((c, i) => c.submit({ w: filled(6, i / 10), b: filled(2, r) }));
        if (r === 1) {
          // Client 3's socket closes as soon as the round is offered.
          while (server.status.round === null) await new Promise((resolve) => setTimeout(resolve, 5));
          sockets[3]?.close();
        }
        const result = await round;
        const settled: ClientOutcome[] = await Promise.all(outcomes);
        expect(result.outcome, JSON.stringify(result.abort)).toBe('completed');
        if (result.outcome !== 'completed') return;
        if (r === 1) {
          expect(result.included).toEqual(['client-0', 'client-1', 'client-2']);
          expect(result.dropped).toMatchObject([{ identity: 'client-3', reason: 'CONNECTION_CLOSED' }]);
          expect(settled[3]?.code).toBe('CONNECTION_CLOSED');
          for (const v of result.values['w'] as Float64Array) expect(v).toBeCloseTo(0.1, 4);
        } else {
          expect(result.included).toHaveLength(4);
          for (const v of result.values['b'] as Float64Array) expect(v).toBeCloseTo(1, 4); // clipped to 1
        }
      }
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
    }
  });

  it('a process that ran a round and closed both sessions exits by itself', async () => {
    const run = await runChild('test/session/fixtures/exit.ts', { timeoutMs: 30_000 });
    expect(run.signal, run.stderr).toBeNull();
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim())).toEqual({ outcome: 'completed', waiting: 'LOCAL_ABORT' });
  }, 40_000);
});

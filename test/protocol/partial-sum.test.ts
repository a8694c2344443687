/**
 * Sharded ingest: ingest processes (here: copies of the server state) each receive their own
 * clients' masked inputs; their partial sums merged into the coordinator give the state an
 * unsharded server reaches, and the plain sums at the end. A partial that would count a client
 * twice, or a client not awaited, is refused whole before anything changes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clientAdvertiseKeys,
  clientReceive,
  createClient,
  createServer,
  createSessionConfig,
  encodeMessage,
  serverCloseRound,
  serverPartialSum,
  serverReceiveBytes,
  serverReceivePartialSum,
  type ClientInput,
  type ClientState,
  type PartialSum,
  type ServerLiveState,
  type ServerState,
  type SessionConfig,
} from '../../src/protocol/index.js';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import { expectSecAggError } from '../_hostile.js';
import { inputFor, plainSum, seed } from './_driver.js';

/**
 * An honest session in which the masked inputs are handed to `collect` (as bytes, by sender)
 * instead of the server; `collect` returns the server state that then closes the round.
 */
function session(config: SessionConfig, collect: (server: ServerState, inputs: Map<number, Uint8Array>) => ServerState): ServerState {
  const rng = deterministicRandomBytes(seed(31));
  const clients: ClientState[] = [];
  let server: ServerState = createServer(config);
  for (let id = 1; id <= config.clients; id++) {
    const step = clientAdvertiseKeys(createClient(config, { id, rng }));
    clients[id] = step.state;
    for (const m of step.outbox) server = serverReceiveBytes(server, encodeMessage(m, config), { from: id }).state;
  }
  for (;;) {
    const closed = serverCloseRound(server);
    server = closed.state;
    if (server.round === 'completed' || server.round === 'aborted') return server;
    const inputs = new Map<number, Uint8Array>();
    for (const out of closed.outbox) {
      for (const to of out.to) {
        const step = clientReceive(clients[to] as ClientState, out.message, { input: inputFor(config, to) as ClientInput });
        clients[to] = step.state;
        for (const m of step.outbox) {
          const bytes = encodeMessage(m, config);
          if (server.round === 'maskedInputCollection') inputs.set(to, bytes);
          else server = serverReceiveBytes(server, bytes, { from: to }).state;
        }
      }
    }
    if (server.round === 'maskedInputCollection') server = collect(server, inputs);
  }
}

/** Ingest processes: `shards` copies of the server, client `id` routed to copy `id % shards`. */
function sharded(shards: number, order: (n: number) => number[], garbageFrom = 0) {
  return (server: ServerState, inputs: Map<number, Uint8Array>): ServerState => {
    const ingests: ServerState[] = Array.from({ length: shards }, () => structuredClone(server));
    for (const [from, bytes] of inputs) {
      const k = from % shards;
      const sent = from === garbageFrom ? bytes.subarray(0, 10) : bytes;
      ingests[k] = serverReceiveBytes(ingests[k] as ServerState, sent, { from }).state;
    }
    const partials = ingests.map((s) => serverPartialSum(s));
    let coordinator = server;
    for (const k of order(shards)) coordinator = serverReceivePartialSum(coordinator, partials[k] as PartialSum).state;
    return coordinator;
  };
}

function direct(garbageFrom = 0) {
  return (server: ServerState, inputs: Map<number, Uint8Array>): ServerState => {
    let s = server;
    for (const [from, bytes] of inputs) s = serverReceiveBytes(s, from === garbageFrom ? bytes.subarray(0, 10) : bytes, { from }).state;
    return s;
  };
}

describe('sharded ingest: serverPartialSum and serverReceivePartialSum', () => {
  it('1 to 4 ingest processes, merged in any order: the unsharded server state and the plain sums', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 32 }), fc.integer({ min: 1, max: 60 }), fc.boolean(), (shards, bits, length, backwards) => {
        const config = createSessionConfig({ clients: 7, threshold: 4, nonce: seed(8), vectors: [{ name: 'x', length, bits }] });
        const order = (n: number): number[] => (backwards ? [...Array(n).keys()].reverse() : [...Array(n).keys()]);
        let mergedState: ServerState | null = null;
        let directState: ServerState | null = null;
        const end = session(config, (server, inputs) => (mergedState = sharded(shards, order, 5)(server, inputs)));
        session(config, (server, inputs) => (directState = direct(5)(server, inputs)));
        const m = mergedState as unknown as ServerLiveState;
        const d = directState as unknown as ServerLiveState;
        expect(m.accumulators).toEqual(d.accumulators);
        expect(m.received).toEqual(d.received);
        expect(m.members).toEqual(d.members);
        expect(m.drops).toEqual(d.drops);
        expect(end.round).toBe('completed');
        if (end.round !== 'completed') return;
        const included = [1, 2, 3, 4, 6, 7]; // client 5 sent garbage to its ingest: dropped there
        expect(end.result.included).toEqual(included);
        expect(end.result.sums['x']).toEqual(plainSum(config, included, 'x'));
      }),
      { numRuns: 12 },
    );
  });

  it('refuses a partial that counts a client twice or one not awaited, whole and without consuming the state', () => {
    const config = createSessionConfig({ clients: 6, threshold: 3, nonce: seed(9), vectors: [{ name: 'x', length: 10, bits: 12 }] });
    session(config, (server, inputs) => {
      const a = structuredClone(server);
      const b = structuredClone(server);
      let ia: ServerState = a;
      let ib: ServerState = b;
      for (const [from, bytes] of inputs) {
        if (from <= 3) ia = serverReceiveBytes(ia, bytes, { from }).state;
        if (from >= 3) ib = serverReceiveBytes(ib, bytes, { from }).state; // client 3 on both
      }
      const pa = serverPartialSum(ia);
      const pb = serverPartialSum(ib);
      let coordinator = serverReceivePartialSum(server, pa).state;
      expectSecAggError(() => serverReceivePartialSum(coordinator, pb), 'INVALID_PARTIAL_SUM');
      expectSecAggError(() => serverReceivePartialSum(coordinator, pa), 'INVALID_PARTIAL_SUM');
      const zero = [new Uint32Array(10)];
      const bad: [unknown, string][] = [
        [{ senders: [5, 4], sums: zero, drops: [] }, 'INVALID_PARTIAL_SUM'],
        [{ senders: [7], sums: zero, drops: [] }, 'INVALID_PARTIAL_SUM'],
        [{ senders: [4], sums: zero, drops: [{ id: 4, reason: 'MALFORMED_MESSAGE' }] }, 'INVALID_PARTIAL_SUM'],
        [{ senders: [4], sums: zero, drops: [{ id: 5, reason: 'NOT_A_REASON' }] }, 'INVALID_TYPE'],
        [{ senders: [4], sums: [new Uint32Array(9)], drops: [] }, 'LENGTH_MISMATCH'],
        [{ senders: [4], sums: [], drops: [] }, 'LENGTH_MISMATCH'],
        [{ senders: [4], sums: [new Uint32Array(10).fill(4096)], drops: [] }, 'ELEMENT_OUT_OF_RANGE'],
        [{ senders: [4], sums: [Array(10).fill(0)], drops: [] }, 'INVALID_TYPE'],
        [{ senders: [4], sums: zero }, 'INVALID_TYPE'],
        [null, 'INVALID_TYPE'],
      ];
      for (const [partial, code] of bad) expectSecAggError(() => serverReceivePartialSum(coordinator, partial as PartialSum), code as never);
      // Still usable: the honest rest of the inputs goes in.
      for (const [from, bytes] of inputs) if (from > 3) coordinator = serverReceiveBytes(coordinator, bytes, { from }).state;
      expect((coordinator as ServerLiveState).received.filter(Boolean).length).toBe(6);
      expectSecAggError(() => serverReceivePartialSum(server, pa), 'STATE_CONSUMED');
      expectSecAggError(() => serverPartialSum(ia), 'STATE_CONSUMED');
      return coordinator;
    });
    expectSecAggError(() => serverPartialSum(createServer(config)), 'WRONG_ROUND');
    expectSecAggError(() => serverReceivePartialSum(createServer(config), { senders: [], sums: [], drops: [] }), 'WRONG_ROUND');
  });
});

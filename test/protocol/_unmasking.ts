/**
 * Test helper: an honest session driven up to the close of its unmasking round, with clients
 * that stop in a given round, so that a test can close it in several ways (each on a
 * `structuredClone`) and compare.
 */
import fc from 'fast-check';
import {
  clientAdvertiseKeys,
  clientReceive,
  createClient,
  createServer,
  createSessionConfig,
  serverCloseRound,
  serverReceive,
  type ClientInput,
  type ClientMessage,
  type ClientState,
  type ServerState,
  type ServerStep,
  type SessionConfig,
  type VectorSpec,
} from '../../src/protocol/index.js';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import { expect } from 'vitest';
import { inputFor, plainSum, seed } from './_driver.js';

/**
 * The round in which a client stops: it sends nothing in that round or later. `shareKeys`: it
 * is not in U2 (no pairwise masks to remove); `maskedInputCollection`: it is in U2 but not U3,
 * the case whose pairwise masks the server removes; `unmasking`: a survivor that reveals nothing.
 */
export type StopRound = 'shareKeys' | 'maskedInputCollection' | 'unmasking';

export interface UnmaskingCase {
  readonly clients: number;
  readonly threshold?: number;
  readonly vectors: readonly VectorSpec[];
  /** SecAgg+ (Harary graph of this degree, threshold given) instead of the complete graph. */
  readonly harary?: { readonly degree: number };
  /** Client id -> the round in which it stops sending. */
  readonly stops?: ReadonlyMap<number, StopRound>;
  readonly seedByte?: number;
}

/**
 * The server state right before `serverCloseRound` ends the unmasking round (or the terminal
 * state, when an earlier close aborted), and the config.
 */
export function serverAtUnmaskingClose(c: UnmaskingCase): { config: SessionConfig; server: ServerState } {
  const n = c.clients;
  const config = createSessionConfig({
    clients: n,
    threshold: c.threshold ?? Math.max(2, Math.ceil((2 * n) / 3)),
    nonce: seed(c.seedByte ?? 7),
    vectors: c.vectors,
    ...(c.harary === undefined ? {} : { graph: { kind: 'harary' as const, degree: c.harary.degree, seed: seed(13) } }),
  });
  const rng = deterministicRandomBytes(seed(c.seedByte ?? 11));
  const stops = c.stops ?? new Map<number, StopRound>();
  const clients: ClientState[] = [];
  let server: ServerState = createServer(config);
  for (let id = 1; id <= n; id++) {
    const step = clientAdvertiseKeys(createClient(config, { id, rng }));
    clients[id] = step.state;
    for (const m of step.outbox) server = serverReceive(server, m).state;
  }
  for (;;) {
    const closed = serverCloseRound(server);
    server = closed.state;
    if (server.round === 'completed' || server.round === 'aborted') return { config, server };
    const round = server.round;
    const pending: ClientMessage[] = [];
    for (const out of closed.outbox) {
      for (const to of out.to) {
        const step = clientReceive(clients[to] as ClientState, out.message, { input: inputFor(config, to) as ClientInput });
        clients[to] = step.state;
        const stop = stops.get(to);
        const order: readonly string[] = ['shareKeys', 'maskedInputCollection', 'unmasking'];
        if (stop !== undefined && order.indexOf(stop) <= order.indexOf(round)) continue;
        pending.push(...step.outbox);
      }
    }
    for (const m of pending) server = serverReceive(server, m).state;
    if (round === 'unmasking') return { config, server };
  }
}

const BITS = [1, 5, 8, 12, 16, 20, 24, 31, 32];

/** A random session: graph, vectors of several widths, clients stopping at random rounds (about 1 in 5). */
export const unmaskingCase: fc.Arbitrary<UnmaskingCase> = fc
  .record({
    clients: fc.integer({ min: 4, max: 11 }),
    harary: fc.boolean(),
    vectors: fc.array(fc.record({ length: fc.integer({ min: 1, max: 150 }), bits: fc.constantFrom(...BITS) }), { minLength: 1, maxLength: 2 }),
    stops: fc.array(fc.constantFrom<StopRound | null>(...Array<null>(12).fill(null), 'shareKeys', 'maskedInputCollection', 'unmasking'), { minLength: 11, maxLength: 11 }),
    seedByte: fc.integer({ min: 1, max: 250 }),
  })
  .map(({ clients, harary, vectors, stops, seedByte }) => {
    const degree = clients % 2 === 0 ? clients - 2 : clients - 1; // even degree below n - 1
    const specs: VectorSpec[] = vectors.map((v, j) => ({ name: `v${j}`, ...v }));
    const map = new Map<number, StopRound>();
    stops.slice(0, clients).forEach((s, i) => s !== null && map.set(i + 1, s));
    return {
      clients,
      vectors: specs,
      seedByte,
      stops: map,
      ...(harary && degree >= 4 ? { harary: { degree }, threshold: Math.floor(degree / 2) + 1 } : {}),
    };
  });


/** A completed step's sums are the plain sums of the included clients' inputs (the one ground truth). */
export function expectPlainSums(config: SessionConfig, step: ServerStep): void {
  if (step.state.round !== 'completed') return;
  const { sums, included } = step.state.result;
  for (const spec of config.vectors) expect(sums[spec.name], spec.name).toEqual(plainSum(config, included, spec.name));
}

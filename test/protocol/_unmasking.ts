/**
 * Test helper: a session driven up to the close of its unmasking round, with clients that stop
 * in a given round and clients that reveal wrong shares, so that a test can close it in several
 * ways (each on a `structuredClone`) and compare.
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
  type ClientUnmaskingState,
  type ServerState,
  type ServerStep,
  type SessionConfig,
  type UnmaskingMessage,
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
  /** Client id -> the wrong shares it reveals in the unmasking round. */
  readonly lies?: ReadonlyMap<number, Lie>;
  readonly seedByte?: number;
}

/**
 * The wrong shares one client reveals: for the owners it picks (`every` one it holds, or those
 * whose bit is set in `pick`, bit i for its i-th owner), a random share or its own with one
 * element changed. Only owners with more than t holders are lied about: with exactly t a lie
 * cannot be detected (test/protocol/robust-unmasking.test.ts covers that case).
 */
export interface Lie {
  readonly owners: 'every' | { readonly pick: number };
  readonly mode: 'random' | 'one element';
}

/** A client session at its unmasking close (see {@link serverAtUnmaskingClose}). */
export interface AtUnmaskingClose {
  readonly config: SessionConfig;
  readonly server: ServerState;
  /** Clients that revealed at least one wrong share, ascending. */
  readonly liars: readonly number[];
}

/**
 * A session whose unmasking request went out: the server before any reveal, the reveals the
 * clients sent (not delivered), and whose shares each client holds (`owners[id]`, increasing,
 * aligned with its reveal's shares). `server` is terminal when an earlier close aborted.
 */
export interface AtUnmaskingReveal {
  readonly config: SessionConfig;
  readonly server: ServerState;
  readonly reveals: readonly UnmaskingMessage[];
  readonly owners: readonly (readonly number[])[];
  /** The session's deterministic randomness (for lies). */
  readonly rng: (n: number) => Uint8Array;
}

/**
 * Runs the session of `c` until its clients have sent their reveals (see {@link AtUnmaskingReveal});
 * `beforeClose` sees the server before each round's close (to clone and close it another way).
 */
export function atUnmaskingReveal(c: UnmaskingCase, beforeClose?: (server: ServerState) => void): AtUnmaskingReveal {
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
  const owners: (readonly number[])[] = [];
  for (;;) {
    beforeClose?.(server);
    const closed = serverCloseRound(server);
    server = closed.state;
    if (server.round === 'completed' || server.round === 'aborted') return { config, server, reveals: [], owners, rng };
    const round = server.round;
    const pending: ClientMessage[] = [];
    for (const out of closed.outbox) {
      for (const to of out.to) {
        const before = clients[to] as ClientState;
        if (round === 'unmasking') owners[to] = (before as ClientUnmaskingState).owners;
        const step = clientReceive(before, out.message, { input: inputFor(config, to) as ClientInput });
        clients[to] = step.state;
        const stop = stops.get(to);
        const order: readonly string[] = ['shareKeys', 'maskedInputCollection', 'unmasking'];
        if (stop !== undefined && order.indexOf(stop) <= order.indexOf(round)) continue;
        pending.push(...step.outbox);
      }
    }
    if (round === 'unmasking') return { config, server, reveals: pending as UnmaskingMessage[], owners, rng };
    for (const m of pending) server = serverReceive(server, m).state;
  }
}

/** The server after receiving these reveals (a clone of `at.server`; `at` stays usable). */
export function deliverReveals(at: AtUnmaskingReveal, reveals: readonly UnmaskingMessage[] = at.reveals): ServerState {
  let server = structuredClone(at.server);
  for (const m of reveals) server = serverReceive(server, m).state;
  return server;
}

/**
 * The server state right before `serverCloseRound` ends the unmasking round (or the terminal
 * state, when an earlier close aborted), the config, and who lied.
 */
export function serverAtUnmaskingClose(c: UnmaskingCase): AtUnmaskingClose {
  const at = atUnmaskingReveal(c);
  if (at.server.round !== 'unmasking') return { config: at.config, server: at.server, liars: [] };
  const reveals = at.reveals.slice();
  const liars = tell(reveals, at.owners, c.lies, at.config.threshold, at.rng);
  return { config: at.config, server: deliverReveals(at, reveals), liars };
}

/** Replaces the liars' unmasking messages in `pending` by their lies; returns who lied. */
function tell(pending: UnmaskingMessage[], owners: readonly (readonly number[])[], lies: ReadonlyMap<number, Lie> | undefined, t: number, rng: (n: number) => Uint8Array): number[] {
  if (lies === undefined || lies.size === 0) return [];
  const holders = new Map<number, number>();
  for (const m of pending) for (const o of owners[m.sender] ?? []) holders.set(o, (holders.get(o) ?? 0) + 1);
  const liars: number[] = [];
  pending.forEach((m, k) => {
    const lie = lies.get(m.sender);
    if (lie === undefined) return;
    const held = owners[m.sender] as readonly number[];
    const shares = m.shares.map((y, i) => {
      const owner = held[i] as number;
      const picked = lie.owners === 'every' || ((lie.owners.pick >>> (i % 30)) & 1) === 1;
      if (!picked || (holders.get(owner) ?? 0) <= t) return y;
      return lie.mode === 'random' ? wrongRandom(y, rng) : withOneElementChanged(y, rng);
    });
    if (shares.some((y, i) => y !== m.shares[i])) liars.push(m.sender);
    pending[k] = { ...m, shares };
  });
  return liars.sort((a, b) => a - b);
}

/** A random 32-byte share other than y. */
export function wrongRandom(y: Uint8Array, rng: (n: number) => Uint8Array): Uint8Array {
  const out = rng(32);
  if (out.every((b, i) => b === y[i])) out[0] = (out[0] as number) ^ 1;
  return out;
}

/** y with one of its 16 elements changed (a non-zero random difference). */
export function withOneElementChanged(y: Uint8Array, rng: (n: number) => Uint8Array): Uint8Array {
  const r = rng(3);
  const e = (r[0] as number) % 16;
  const out = Uint8Array.from(y);
  out[2 * e] = (out[2 * e] as number) ^ (r[1] as number);
  out[2 * e + 1] = (out[2 * e + 1] as number) ^ ((r[2] as number) | 1);
  return out;
}

const BITS = [1, 5, 8, 12, 16, 20, 24, 31, 32];

/** A random session: graph, vectors of several widths, clients stopping at random rounds (about 1 in 5). */
export const unmaskingCase: fc.Arbitrary<UnmaskingCase> = fc
  .record({
    clients: fc.integer({ min: 4, max: 11 }),
    // The complete graph's threshold as a fraction of n: lower ones leave room to correct liars.
    fraction: fc.constantFrom(1 / 3, 1 / 2, 2 / 3),
    harary: fc.boolean(),
    vectors: fc.array(fc.record({ length: fc.integer({ min: 1, max: 150 }), bits: fc.constantFrom(...BITS) }), { minLength: 1, maxLength: 2 }),
    stops: fc.array(fc.constantFrom<StopRound | null>(...Array<null>(12).fill(null), 'shareKeys', 'maskedInputCollection', 'unmasking'), { minLength: 11, maxLength: 11 }),
    lies: fc.oneof(
      fc.constant([]),
      fc.array(
        fc.record({
          id: fc.integer({ min: 1, max: 11 }),
          owners: fc.oneof(fc.constant<'every'>('every'), fc.record({ pick: fc.integer({ min: 1, max: 2 ** 30 - 1 }) })),
          mode: fc.constantFrom<Lie['mode']>('random', 'one element'),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    ),
    seedByte: fc.integer({ min: 1, max: 250 }),
  })
  .map(({ clients, fraction, harary, vectors, stops, lies, seedByte }) => {
    const degree = clients % 2 === 0 ? clients - 2 : clients - 1; // even degree below n - 1
    const specs: VectorSpec[] = vectors.map((v, j) => ({ name: `v${j}`, ...v }));
    const map = new Map<number, StopRound>();
    stops.slice(0, clients).forEach((s, i) => s !== null && map.set(i + 1, s));
    const liars = new Map<number, Lie>();
    for (const { id, owners, mode } of lies) if (id <= clients) liars.set(id, { owners, mode });
    return {
      clients,
      vectors: specs,
      seedByte,
      stops: map,
      lies: liars,
      ...(harary && degree >= 4 ? { harary: { degree }, threshold: Math.floor(degree / 2) + 1 } : { threshold: Math.max(2, Math.ceil(fraction * clients)) }),
    };
  });


/** A completed step's sums are the plain sums of the included clients' inputs (the one ground truth). */
export function expectPlainSums(config: SessionConfig, step: ServerStep): void {
  if (step.state.round !== 'completed') return;
  const { sums, included } = step.state.result;
  for (const spec of config.vectors) expect(sums[spec.name], spec.name).toEqual(plainSum(config, included, spec.name));
}

/** The clients a step's drops name by reconstruction (INCONSISTENT_SHARE), in record order. */
export function namedLiars(step: ServerStep): number[] {
  const liars = (drops: readonly { id: number; reason: string }[]): number[] => drops.filter((d) => d.reason === 'INCONSISTENT_SHARE').map((d) => d.id);
  if (step.state.round === 'completed') {
    // A liar revealed shares in the unmasking, so its masked input is in the sums: it is reported
    // once, in droppedAfterInput, never in drops.
    expect(liars(step.state.drops)).toEqual([]);
    return liars(step.state.droppedAfterInput);
  }
  return step.state.round === 'aborted' ? liars(step.state.drops) : [];
}

/**
 * What a close of a session with these liars may give (lies only about owners with more than t
 * holders, see {@link Lie}): completed with the plain sums and every liar named, or aborted with
 * RECONSTRUCTION_FAILED (too many liars for some owner) naming only liars.
 */
export function expectOutcome(config: SessionConfig, step: ServerStep, liars: readonly number[]): void {
  const named = namedLiars(step);
  if (step.state.round === 'completed') {
    expectPlainSums(config, step);
    expect(named).toEqual(liars);
  } else {
    for (const id of named) expect(liars).toContain(id);
    if (liars.length === 0) expect(named).toEqual([]);
  }
}

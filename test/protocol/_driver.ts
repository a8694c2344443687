/**
 * Test driver: runs an honest session step by step and records every party's state and every
 * server message per round, so tests can replay a client from any round with a tampered
 * message.
 *
 * The client helpers below (`newClient`, `advertise`, `receive`) also run against the code
 * before issue 14 (`LEGACY`: client steps took `rng`, configurations had no corrupt
 * assumption), so that the attack tests of test/protocol/attacks.test.ts can be run there to
 * show that they fail on it (check out the base commit's src/ and run that file).
 */
import { buildDirectory, directoryProof } from '../../src/protocol/_directory.js';
import { ed25519PublicKey } from '../../src/crypto/index.js';
import * as protocol from '../../src/protocol/index.js';
import {
  clientAdvertiseKeys,
  clientReceive,
  createClient,
  createServer,
  createSessionConfig,
  serverCloseRound,
  serverReceive,
  type AdvertisedKey,
  type AdvertisedKeysMessage,
  type ClientInput,
  type ClientMessage,
  type ClientState,
  type Round,
  type ServerMessage,
  type ServerState,
  type SessionConfig,
  type SessionConfigInput,
} from '../../src/protocol/index.js';
import type { RandomBytes } from '../../src/random.js';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import { simulatedInput } from '../../src/simulate/index.js';

export interface Trace {
  readonly config: SessionConfig;
  readonly signingKeys: Uint8Array[] | null;
  /**
   * clientStates[round][id]: a snapshot of the client's state when it receives that round's
   * server message (step a `structuredClone` of it: a stepped state is consumed).
   */
  readonly clientStates: Record<string, ClientState[]>;
  /** serverMessages[round][id]: the server message the client gets in that state. */
  readonly serverMessages: Record<string, ServerMessage[]>;
  /** clientMessages[i]: every client message, in order. */
  readonly clientMessages: ClientMessage[];
  readonly inputs: ClientInput[];
  readonly final: ServerState;
  readonly rngFor: (id: number) => RandomBytes;
}

export function seed(byte: number): Uint8Array {
  return new Uint8Array(32).fill(byte);
}

/** True when src/ is the code before issue 14 (see the file comment). */
export const LEGACY = !('joinRound' in protocol);

/** A client, its randomness drawn from `rng` (at creation; before issue 14, at each step). */
export function newClient(config: SessionConfig, id: number, signingKey: Uint8Array | null, rng: RandomBytes): ClientState {
  const signing = signingKey === null ? {} : { signingKey };
  if (LEGACY) {
    const state = createClient(config, { id, ...signing });
    legacyRngs.set(state.config, { ...(legacyRngs.get(state.config) ?? {}), [id]: rng });
    return state;
  }
  return createClient(config, { id, rng, ...signing });
}

const legacyRngs = new WeakMap<object, Record<number, RandomBytes>>();
function legacyRng(state: ClientState): { rng?: RandomBytes } {
  if (!LEGACY || !('config' in state)) return {};
  const rng = legacyRngs.get(state.config)?.[state.id];
  return rng === undefined ? {} : { rng };
}

/** clientAdvertiseKeys. */
export function advertise(state: ClientState): ReturnType<typeof clientAdvertiseKeys> {
  return clientAdvertiseKeys(state, legacyRng(state) as never);
}

/** clientReceive, with the input. */
export function receive(state: ClientState, message: unknown, input?: ClientInput): ReturnType<typeof clientReceive> {
  return clientReceive(state, message as ServerMessage, { ...legacyRng(state), ...(input === undefined ? {} : { input }) } as never);
}

export function makeConfig(
  n: number,
  t: number,
  extra: Partial<SessionConfigInput> & { active?: boolean } = {},
): { config: SessionConfig; signingKeys: Uint8Array[] | null } {
  const active = extra.active ?? false;
  const signingKeys = active ? Array.from({ length: n }, (_, i) => seed(100 + i)) : null;
  // Active configurations are set against no corrupt client unless the test says otherwise.
  const { corruptClients, corruptFraction, ...rest } = extra;
  const corrupt = LEGACY
    ? {}
    : corruptFraction !== undefined
      ? { corruptFraction }
      : corruptClients !== undefined || active
        ? { corruptClients: corruptClients ?? 0 }
        : {};
  const config = createSessionConfig({
    clients: n,
    threshold: t,
    nonce: seed(7),
    vectors: [{ name: 'x', length: 8, bits: 16 }],
    ...rest,
    ...corrupt,
    ...(signingKeys === null ? {} : { verificationKeys: signingKeys.map((k) => ed25519PublicKey(k)) }),
  });
  return { config, signingKeys };
}

export function inputFor(config: SessionConfig, id: number): ClientInput {
  return Object.fromEntries(config.vectors.map((v) => [v.name, simulatedInput(seed(9), id, v)]));
}

/** An honest session with no dropouts; records everything. */
export function honestTrace(
  n = 5,
  t = 3,
  extra: Partial<SessionConfigInput> & { active?: boolean } = {},
  silent: readonly number[] = [],
): Trace {
  const { config, signingKeys } = makeConfig(n, t, extra);
  const rngs = new Map<number, RandomBytes>();
  const rngFor = (id: number): RandomBytes => {
    let r = rngs.get(id);
    if (r === undefined) {
      r = deterministicRandomBytes(seed(id));
      rngs.set(id, r);
    }
    return r;
  };
  const clientStates: Record<string, ClientState[]> = {};
  const serverMessages: Record<string, ServerMessage[]> = {};
  const inputs: ClientInput[] = [];
  const clientMessages: ClientMessage[] = [];
  const clients: ClientState[] = [];
  let server: ServerState = createServer(config);
  for (let id = 1; id <= n; id++) {
    inputs[id] = inputFor(config, id);
    const c = newClient(config, id, signingKeys === null ? null : (signingKeys[id - 1] as Uint8Array), rngFor(id));
    const step = advertise(c);
    clients[id] = step.state;
    if (silent.includes(id)) continue;
    clientMessages.push(...step.outbox);
    for (const m of step.outbox) server = serverReceive(server, m).state;
  }
  for (;;) {
    const closed = serverCloseRound(server);
    server = closed.state;
    if (server.round === 'completed' || server.round === 'aborted') break;
    for (const out of closed.outbox) {
      for (const to of out.to) {
        const state = clients[to] as ClientState;
        // A snapshot: the state itself is consumed by the step below.
        (clientStates[state.round] ??= [])[to] = structuredClone(state);
        (serverMessages[state.round] ??= [])[to] = out.message;
        const step = receive(state, out.message, inputs[to] as ClientInput);
        clients[to] = step.state;
        clientMessages.push(...step.outbox);
        for (const m of step.outbox) server = serverReceive(server, m).state;
      }
    }
  }
  return { config, signingKeys, clientStates, serverMessages, clientMessages, inputs, final: server, rngFor };
}

/** Plain modular sum of the given clients' inputs for vector `name`. */
export function plainSum(config: SessionConfig, ids: readonly number[], name = 'x'): Uint32Array {
  const spec = config.vectors.find((v) => v.name === name);
  if (spec === undefined) throw new Error('no such vector');
  const out = new Uint32Array(spec.length);
  const mask = spec.bits === 32 ? 0xffffffff : 2 ** spec.bits - 1;
  for (const id of ids) {
    const x = inputFor(config, id)[name] as Uint32Array;
    for (let i = 0; i < out.length; i++) out[i] = (((out[i] as number) + (x[i] as number)) & mask) >>> 0;
  }
  return out;
}

/** The entries of a key broadcast (views into its blocks). */
export function keyEntries(m: AdvertisedKeysMessage): AdvertisedKey[] {
  return m.ids.map((id, i) => ({
    id,
    channelPublicKey: m.channelPublicKeys.subarray(32 * i, 32 * i + 32),
    maskingPublicKey: m.maskingPublicKeys.subarray(32 * i, 32 * i + 32),
    signature: m.signatures === null ? null : m.signatures.subarray(64 * i, 64 * i + 64),
  }));
}

/**
 * A complete-graph key message from entries (listed in the given order; signatures when the
 * first has one), with a key directory built from the same entries (as if they were U1) and
 * its proof for a recipient who knows every leaf of 1..clients: what an honest server would
 * send had these been the advertised keys.
 */
export function keysMessage(entries: readonly AdvertisedKey[], clients: number): AdvertisedKeysMessage {
  const signed = entries[0]?.signature != null;
  const join = (parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const byId = new Map(entries.map((e) => [e.id, e]));
  const directory = buildDirectory(clients, (id) => byId.get(id) ?? null, null);
  return {
    type: 'advertisedKeys',
    ids: entries.map((e) => e.id),
    channelPublicKeys: join(entries.map((e) => e.channelPublicKey)),
    maskingPublicKeys: join(entries.map((e) => e.maskingPublicKey)),
    signatures: signed ? join(entries.map((e) => e.signature as Uint8Array)) : null,
    proof: directoryProof(directory, Array.from({ length: clients }, (_, i) => i + 1)),
  };
}

export interface Prepared {
  config: SessionConfig;
  server: ServerState;
  clients: ClientState[];
  /** Honest messages of `round`, not yet given to the server (index id). */
  pending: ClientMessage[];
}

/**
 * Runs honest clients until the server collects `round` (returns before delivering it) or the
 * session ends (`round` 'completed'). `handled` sees every batch of messages once its receivers
 * have taken it: the clients' messages of a round, then each server outbox.
 */
export function prepare(
  config: SessionConfig,
  round: Round | 'completed',
  signingKeys: Uint8Array[] | null = null,
  handled: (messages: unknown) => void = () => {},
): Prepared {
  const n = config.clients;
  const rng = deterministicRandomBytes(seed(11));
  const clients: ClientState[] = [];
  let pending: ClientMessage[] = [];
  let server: ServerState = createServer(config);
  for (let id = 1; id <= n; id++) {
    const step = advertise(newClient(config, id, signingKeys === null ? null : (signingKeys[id - 1] as Uint8Array), rng));
    clients[id] = step.state;
    pending[id] = step.outbox[0] as ClientMessage;
  }
  while (server.round !== round && server.round !== 'aborted' && server.round !== 'completed') {
    for (const m of pending) if (m !== undefined) server = serverReceive(server, m).state;
    handled(pending);
    const closed = serverCloseRound(server);
    server = closed.state;
    pending = [];
    for (const out of closed.outbox) {
      for (const to of out.to) {
        const step = receive(clients[to] as ClientState, out.message, inputFor(config, to));
        clients[to] = step.state;
        pending[to] = step.outbox[0] as ClientMessage;
      }
    }
    handled(closed.outbox);
  }
  return { config, server, clients, pending };
}

export function deliverAll(p: Prepared, skip: readonly number[] = []): ServerState {
  let s = p.server;
  p.pending.forEach((m, id) => {
    if (m !== undefined && !skip.includes(id)) s = serverReceive(s, m).state;
  });
  return s;
}

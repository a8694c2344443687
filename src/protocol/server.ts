/**
 * The server's state machine. Steps are `(state, input, options?) => { state, outbox }` with no
 * I/O and no timers: the framework feeds client messages with {@link serverReceive} and decides
 * when a round ends with {@link serverCloseRound}.
 *
 * Ownership rule: every server step CONSUMES the state it is given. The returned state reuses
 * the given state's buffers (notably the running sums of masked inputs, O(vector length), which
 * are updated in place instead of being copied per message), so the old state object is dead:
 * passing it to any server step again throws `STATE_CONSUMED`. To keep a snapshot, call
 * `structuredClone(state)` before stepping; a clone owns its own buffers.
 */
import { SecAggError } from '../errors.js';
import { applyMasksInto, type MaskTerm } from '../masking/index.js';
import { createCombiner, type Combiner } from '../shamir/index.js';
import { copyAsBlock, equalBytes } from '../_bytes.js';
import { checkConfig, readStepOptions, type ResolvedOptions, type StepOptions } from './_common.js';
import { buildDirectory, directoryProof } from './_directory.js';
import {
  SHARE_BYTES,
  SHARE_CIPHERTEXT_BYTES,
  advertiseSignedBytes,
  computeSessionId,
  configDigest,
  consistencySignedBytes,
  maskKey,
  pairwiseMaskLabel,
  selfMaskLabel,
} from './_kdf.js';
import { indexOf, topology, withSelf, type Topology } from '../graph/index.js';
import { inRange, isBytes, isId, isObject, readBytesList, readVectors } from './_validate.js';
import type { AbortCode, DropReason } from './codes.js';
import { createX25519Agreement, ed25519Verify, isValidX25519PublicKey, x25519PublicKey } from '../crypto/index.js';
import type {
  AdvertisedKey,
  AdvertisedKeysMessage,
  ClientMessage,
  DropRecord,
  Outgoing,
  Round,
  ServerLiveState,
  ServerState,
  ServerStep,
  SessionConfig,
} from './types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
interface Live extends Mutable<ServerLiveState> {
  keys: (AdvertisedKey | null)[];
  received: boolean[];
  ciphertexts: (Uint8Array[] | null)[];
  accumulators: Uint32Array[];
  signatures: (Uint8Array | null)[];
  revealed: (Uint8Array[] | null)[];
  drops: DropRecord[];
  members: number[];
}

const consumed = new WeakSet<object>();

// Membership bitmaps of the (never mutated) round sets, memoised by array identity, so that
// filtering a neighbourhood costs O(k) instead of O(n).
const bitmaps = new WeakMap<readonly number[], Uint8Array>();
function bitmapOf(set: readonly number[], n: number): Uint8Array {
  let b = bitmaps.get(set);
  if (b === undefined || b.length !== n + 1) {
    b = new Uint8Array(n + 1);
    for (const id of set) b[id] = 1;
    bitmaps.set(set, b);
  }
  return b;
}

/** The ids of `list` (increasing) that are in `set`. `set` must never be mutated afterwards. */
function within(list: ArrayLike<number>, set: readonly number[], n: number): number[] {
  const b = bitmapOf(set, n);
  const out: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const id = list[i] as number;
    if (b[id] === 1) out.push(id);
  }
  return out;
}

const LIVE_ROUNDS: readonly Round[] = ['advertiseKeys', 'shareKeys', 'maskedInputCollection', 'consistencyCheck', 'unmasking'];

const EXPECTED_TYPE: Readonly<Record<string, ClientMessage['type']>> = {
  advertiseKeys: 'advertiseKeys',
  shareKeys: 'shareKeys',
  maskedInputCollection: 'maskedInput',
  consistencyCheck: 'consistencySignature',
  unmasking: 'unmasking',
};

/** Takes ownership of a live state (throws for consumed or terminal states). */
function take(state: ServerState, step: string): Live {
  if (state === null || typeof state !== 'object') {
    throw new SecAggError('INVALID_TYPE', `${step} needs a server state`);
  }
  if (consumed.has(state)) {
    throw new SecAggError(
      'STATE_CONSUMED',
      `${step} was given a server state that an earlier step consumed; structuredClone a state to keep it`,
    );
  }
  if (!LIVE_ROUNDS.includes(state.round)) {
    throw new SecAggError('WRONG_ROUND', `${step} cannot run in round "${String(state.round)}"`);
  }
  consumed.add(state);
  return { ...(state as ServerLiveState) } as Live;
}

/**
 * Creates a server in round `advertiseKeys`, expecting clients 1..config.clients.
 *
 * @throws {SecAggError} the configuration errors of `createSessionConfig`.
 * @example
 * ```ts
 * let server = createServer(config);
 * ```
 */
export function createServer(config: SessionConfig): ServerLiveState {
  const cfg = checkConfig(config);
  const n = cfg.clients;
  const members: number[] = [];
  for (let id = 1; id <= n; id++) members.push(id);
  return {
    round: 'advertiseKeys',
    config: cfg,
    sessionId: null,
    members,
    rounds: { u1: [], u2: [], u3: [], u4: [] },
    keys: new Array<AdvertisedKey | null>(n + 1).fill(null),
    received: new Array<boolean>(n + 1).fill(false),
    ciphertexts: [],
    accumulators: [],
    signatures: [],
    revealed: [],
    drops: [],
    ignored: 0,
  };
}

function removeMember(s: Live, id: number): void {
  const at = indexOf(s.members, id);
  if (at >= 0) s.members.splice(at, 1);
}

function drop(s: Live, id: number, reason: DropReason): void {
  if (indexOf(s.members, id) < 0) return;
  removeMember(s, id);
  s.drops.push({ id, reason, round: s.round });
  // Before U2 is fixed, a dropped client's contribution is withdrawn; later, accepted messages
  // (a masked input already in the sums, revealed shares) stay valid.
  if (s.round === 'advertiseKeys') {
    s.received[id] = false;
    s.keys[id] = null;
  } else if (s.round === 'shareKeys') {
    s.received[id] = false;
    s.ciphertexts[id] = null;
  }
}

/**
 * The session id for an outbox: a copy, so that no message shares memory with the state (a
 * transport may transfer or reuse a message's buffers). Messages of one outbox share it.
 */
function outgoingId(s: Live): Uint8Array {
  return Uint8Array.from(s.sessionId as Uint8Array);
}

function abortServer(s: Live, code: AbortCode, reason: string): ServerStep {
  const to = s.members.slice();
  return {
    state: { round: 'aborted', code, reason, atRound: s.round, drops: s.drops },
    outbox: to.length === 0 ? [] : [{ to, message: { type: 'abort', code } }],
  };
}

/**
 * Accepts one client message for the current round. Messages from unknown or already dropped
 * ids and repeats of an accepted message are ignored (counted in `ignored`); a message of the
 * wrong type or with invalid content drops its sender with a {@link DropReason}. A masked input
 * is added to the running sums at once (memory O(vector length)). Consumes `state`.
 *
 * @throws {SecAggError} `WRONG_ROUND` when the server completed or aborted, `STATE_CONSUMED`.
 * @example
 * ```ts
 * ({ state: server } = serverReceive(server, decodeClientMessage(bytes)));
 * ```
 */
export function serverReceive(state: ServerState, message: ClientMessage, options?: StepOptions): ServerStep {
  const o = readStepOptions(options);
  const s = take(state, 'serverReceive');
  const { config } = s;
  let type: unknown;
  let sender: unknown;
  try {
    if (!isObject(message)) {
      s.ignored++;
      return { state: s, outbox: [] };
    }
    type = message['type'];
    sender = message['sender'];
  } catch {
    s.ignored++;
    return { state: s, outbox: [] };
  }
  if (!isId(sender, config.clients) || indexOf(s.members, sender) < 0 || s.received[sender] === true) {
    s.ignored++;
    return { state: s, outbox: [] };
  }
  const id = sender;
  if (type !== EXPECTED_TYPE[s.round]) {
    drop(s, id, 'UNEXPECTED_MESSAGE');
    return { state: s, outbox: [] };
  }
  let reason: DropReason | null;
  try {
    reason = accept(s, id, message as unknown as Record<string, unknown>, o.backend);
  } catch {
    // Only a hostile object can throw in there (a getter, a Proxy): whatever it throws, even a
    // SecAggError, is its sender's fault, and the state (already taken) must stay usable.
    reason = 'MALFORMED_MESSAGE';
  }
  if (reason !== null) drop(s, id, reason);
  return { state: s, outbox: [] };
}

/** Validates and records one message; returns a drop reason or null. */
function accept(s: Live, id: number, m: Record<string, unknown>, backend: StepOptions['backend']): DropReason | null {
  const { config } = s;
  if (s.round === 'advertiseKeys') {
    const c: unknown = m['channelPublicKey'];
    const k: unknown = m['maskingPublicKey'];
    const sig: unknown = m['signature'];
    if (!isBytes(c, 32) || !isBytes(k, 32)) return 'MALFORMED_MESSAGE';
    if (config.active ? !isBytes(sig, 64) : sig !== null) return 'MALFORMED_MESSAGE';
    if (!isValidX25519PublicKey(c) || !isValidX25519PublicKey(k) || equalBytes(c, k)) return 'INVALID_PUBLIC_KEY';
    if (config.active) {
      const vk = config.verificationKeys?.[id - 1] as Uint8Array;
      const signed = advertiseSignedBytes(configDigest(config), id, c, k);
      if (!ed25519Verify(sig as Uint8Array, signed, vk, backend)) return 'INVALID_SIGNATURE';
    }
    s.keys[id] = {
      id,
      channelPublicKey: Uint8Array.from(c),
      maskingPublicKey: Uint8Array.from(k),
      signature: config.active ? Uint8Array.from(sig as Uint8Array) : null,
    };
    s.received[id] = true;
    return null;
  }
  const sid: unknown = m['sessionId'];
  if (!isBytes(sid, 32)) return 'MALFORMED_MESSAGE';
  if (!equalBytes(sid, s.sessionId as Uint8Array)) return 'SESSION_MISMATCH';
  const topo = topologyOf(s);
  switch (s.round) {
    case 'shareKeys': {
      const expected = within(topo.of(id), s.rounds.u1, config.clients).length;
      const cts = readBytesList(m['ciphertexts'], undefined, undefined);
      if (cts === null) return 'MALFORMED_MESSAGE';
      if (cts.length !== expected || cts.some((ct) => ct.length !== SHARE_CIPHERTEXT_BYTES)) return 'WRONG_RECIPIENTS';
      s.ciphertexts[id] = copyAsBlock(cts, SHARE_CIPHERTEXT_BYTES);
      s.received[id] = true;
      return null;
    }
    case 'maskedInputCollection': {
      const ys = readVectors(m['vectors'], config);
      if (ys === null) return 'INVALID_VECTOR';
      for (let j = 0; j < ys.length; j++) {
        if (!inRange(ys[j] as Uint32Array, (config.vectors[j] as { bits: number }).bits)) return 'INVALID_VECTOR';
      }
      for (let j = 0; j < ys.length; j++) {
        const acc = s.accumulators[j] as Uint32Array;
        const y = ys[j] as Uint32Array;
        const bits = (config.vectors[j] as { bits: number }).bits;
        if (bits === 32) {
          for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) + (y[i] as number);
        } else {
          const mask = 2 ** bits - 1;
          for (let i = 0; i < acc.length; i++) acc[i] = ((acc[i] as number) + (y[i] as number)) & mask;
        }
      }
      s.received[id] = true;
      return null;
    }
    case 'consistencyCheck': {
      const sig: unknown = m['signature'];
      if (!isBytes(sig, 64)) return 'MALFORMED_MESSAGE';
      const vk = config.verificationKeys?.[id - 1] as Uint8Array;
      if (!ed25519Verify(sig, consistencySignedBytes(s.sessionId as Uint8Array, s.rounds.u3), vk, backend)) {
        return 'INVALID_SIGNATURE';
      }
      s.signatures[id] = Uint8Array.from(sig);
      s.received[id] = true;
      return null;
    }
    case 'unmasking': {
      const expected = ownersOf(s, topo, id).length;
      const shares = readBytesList(m['shares'], undefined, undefined);
      if (shares === null) return 'MALFORMED_MESSAGE';
      if (shares.length !== expected || shares.some((x) => x.length !== SHARE_BYTES)) return 'WRONG_SHARES';
      s.revealed[id] = copyAsBlock(shares, SHARE_BYTES);
      s.received[id] = true;
      return null;
    }
    default:
      throw new SecAggError('WRONG_ROUND', `no messages are accepted in round ${s.round}`);
  }
}

// Topologies are rebuilt from the config (they are not part of the serialisable state).
const topologies = new WeakMap<SessionConfig, Topology>();
function topologyOf(s: { config: SessionConfig }): Topology {
  let t = topologies.get(s.config);
  if (t === undefined) {
    t = topology(s.config);
    topologies.set(s.config, t);
  }
  return t;
}

/** Whose shares client `w` holds: its neighbours in U2 and itself, increasing. */
function ownersOf(s: Live, topo: Topology, w: number): number[] {
  const list = within(topo.of(w), s.rounds.u2, s.config.clients);
  const at = list.findIndex((v) => v > w);
  if (at < 0) list.push(w);
  else list.splice(at, 0, w);
  return list;
}

/** Drops, until none is left, members with fewer than t - 1 neighbours among the members. */
function pruneIsolated(s: Live, topo: Topology): void {
  const t = s.config.threshold;
  const alive = new Uint8Array(s.config.clients + 1);
  for (const id of s.members) alive[id] = 1;
  let changed = true;
  while (changed) {
    changed = false;
    for (const u of s.members.slice()) {
      const nb = topo.of(u);
      let c = 1;
      for (let i = 0; i < nb.length; i++) c += alive[nb[i] as number] as number;
      if (c < t) {
        drop(s, u, 'TOO_FEW_NEIGHBOURS');
        alive[u] = 0;
        changed = true;
      }
    }
  }
}

function dropSilent(s: Live): void {
  for (const id of s.members.slice()) if (s.received[id] !== true) drop(s, id, 'NO_MESSAGE');
}

/**
 * Checks that unmasking can still succeed when shares come from `responders`: every survivor
 * needs t holders (neighbours or itself) among them, every dropped client with a surviving
 * neighbour t neighbours among them. Returns a reason or null.
 */
function unmaskable(s: Live, topo: Topology, survivors: readonly number[], responders: readonly number[]): string | null {
  const t = s.config.threshold;
  const n = s.config.clients;
  if (survivors.length === 0) return 'no client sent its masked input';
  const responding = new Uint8Array(n + 1);
  for (const id of responders) responding[id] = 1;
  const surviving = new Uint8Array(n + 1);
  for (const id of survivors) surviving[id] = 1;
  const count = (list: Uint32Array, map: Uint8Array): number => {
    let c = 0;
    for (let i = 0; i < list.length; i++) c += map[list[i] as number] as number;
    return c;
  };
  for (const u of survivors) {
    const c = count(topo.of(u), responding) + (responding[u] as number);
    if (c < t) return `client ${u}'s self mask has ${c} share holders left, threshold is ${t}`;
  }
  for (const v of s.rounds.u2) {
    if (surviving[v] === 1) continue;
    const nb = topo.of(v);
    if (count(nb, surviving) === 0) continue;
    const c = count(nb, responding);
    if (c < t) return `dropped client ${v}'s masking key has ${c} share holders left, threshold is ${t}`;
  }
  return null;
}

function resetReceived(s: Live): void {
  s.received = new Array<boolean>(s.config.clients + 1).fill(false);
}

/**
 * Ends the current round: clients that sent nothing are dropped (NO_MESSAGE), then the round's
 * threshold checks run (aborting with TOO_FEW_CLIENTS when the session can no longer succeed)
 * and the next round's messages are produced. Closing `unmasking` rebuilds the survivors'
 * self-mask seeds and the dropped clients' masking keys, removes their masks and completes
 * with the sums of the survivors' inputs. Consumes `state`.
 *
 * @throws {SecAggError} `WRONG_ROUND` when the server completed or aborted, `STATE_CONSUMED`.
 * @example
 * ```ts
 * const { state, outbox } = serverCloseRound(server); // outbox: messages for the clients
 * ```
 */
export function serverCloseRound(state: ServerState, options?: StepOptions): ServerStep {
  const o = readStepOptions(options);
  const s = take(state, 'serverCloseRound');
  const { config } = s;
  const topo = topologyOf(s);
  const t = config.threshold;
  switch (s.round) {
    case 'advertiseKeys': {
      dropSilent(s);
      // Equal keys across clients: drop every client involved.
      const owner = new Map<string, number>();
      const clash = new Set<number>();
      for (const id of s.members) {
        const k = s.keys[id] as AdvertisedKey;
        for (const pk of [k.channelPublicKey, k.maskingPublicKey]) {
          const key = String.fromCharCode.apply(null, pk as unknown as number[]);
          const other = owner.get(key);
          if (other !== undefined && other !== id) {
            clash.add(other);
            clash.add(id);
          } else owner.set(key, id);
        }
      }
      for (const id of clash) drop(s, id, 'DUPLICATE_PUBLIC_KEY');
      const advertised = s.members.length;
      pruneIsolated(s, topo);
      if (s.members.length < t) {
        return abortServer(s, 'TOO_FEW_CLIENTS', `${advertised} clients advertised valid keys, ${s.members.length} with enough neighbours; threshold is ${t}`);
      }
      const u1 = s.members.slice();
      const inU1 = bitmapOf(u1, config.clients);
      const directory = buildDirectory(config.clients, (id) => (inU1[id] === 1 ? (s.keys[id] as AdvertisedKey) : null));
      s.sessionId = computeSessionId(config, directory.root);
      s.rounds = { ...s.rounds, u1 };
      s.round = 'shareKeys';
      resetReceived(s);
      s.ciphertexts = new Array<Uint8Array[] | null>(config.clients + 1).fill(null);
      // Each client gets its neighbourhood's keys (in the complete graph the same message for
      // everyone) and the proof linking them to the root.
      const keysFor = (known: number[]): AdvertisedKeysMessage => {
        const ids = known.filter((id) => inU1[id] === 1);
        const channelPublicKeys = new Uint8Array(32 * ids.length);
        const maskingPublicKeys = new Uint8Array(32 * ids.length);
        const signatures = config.active ? new Uint8Array(64 * ids.length) : null;
        ids.forEach((id, i) => {
          const k = s.keys[id] as AdvertisedKey;
          channelPublicKeys.set(k.channelPublicKey, 32 * i);
          maskingPublicKeys.set(k.maskingPublicKey, 32 * i);
          if (signatures !== null) signatures.set(k.signature as Uint8Array, 64 * i);
        });
        return { type: 'advertisedKeys', ids, channelPublicKeys, maskingPublicKeys, signatures, proof: directoryProof(directory, known) };
      };
      const outbox: Outgoing[] =
        config.graph.kind === 'complete'
          ? [{ to: u1.slice(), message: keysFor(withSelf(topo.of(1), 1)) }]
          : u1.map((u) => ({ to: [u], message: keysFor(withSelf(topo.of(u), u)) }));
      return { state: s, outbox };
    }
    case 'shareKeys': {
      dropSilent(s);
      const shared = s.members.length;
      pruneIsolated(s, topo);
      if (s.members.length < t) {
        return abortServer(s, 'TOO_FEW_CLIENTS', `${shared} clients shared keys, ${s.members.length} with enough neighbours; threshold is ${t}`);
      }
      const u2 = s.members.slice();
      const sessionId = outgoingId(s);
      const outbox: Outgoing[] = [];
      // recipients of sender w: its neighbours in U1, increasing (the order of its ciphertexts)
      const recipients = new Map<number, number[]>();
      for (const v of u2) {
        const senders = within(topo.of(v), u2, config.clients);
        const ciphertexts = senders.map((w) => {
          let r = recipients.get(w);
          if (r === undefined) {
            r = within(topo.of(w), s.rounds.u1, config.clients);
            recipients.set(w, r);
          }
          return (s.ciphertexts[w] as Uint8Array[])[indexOf(r, v)] as Uint8Array;
        });
        outbox.push({ to: [v], message: { type: 'encryptedShares', recipient: v, sessionId, senders, ciphertexts } });
      }
      s.rounds = { ...s.rounds, u2 };
      s.ciphertexts = [];
      s.accumulators = config.vectors.map((v) => new Uint32Array(v.length));
      s.round = 'maskedInputCollection';
      resetReceived(s);
      return { state: s, outbox };
    }
    case 'maskedInputCollection': {
      const u3: number[] = [];
      for (const id of s.rounds.u2) if (s.received[id] === true) u3.push(id);
      dropSilent(s);
      const problem = unmaskable(s, topo, u3, s.members);
      if (problem !== null) return abortServer(s, 'TOO_FEW_CLIENTS', problem);
      s.rounds = { ...s.rounds, u3 };
      const sessionId = outgoingId(s);
      resetReceived(s);
      const to = s.members.slice();
      if (config.active) {
        s.round = 'consistencyCheck';
        s.signatures = new Array<Uint8Array | null>(config.clients + 1).fill(null);
        return { state: s, outbox: [{ to, message: { type: 'consistencyRequest', sessionId, survivors: u3.slice() } }] };
      }
      s.round = 'unmasking';
      s.revealed = new Array<Uint8Array[] | null>(config.clients + 1).fill(null);
      const dropped = s.rounds.u2.filter((id) => indexOf(u3, id) < 0);
      return {
        state: s,
        outbox: [
          { to, message: { type: 'unmaskingRequest', sessionId, survivors: u3.slice(), dropped, signers: [], signatures: [] } },
        ],
      };
    }
    case 'consistencyCheck': {
      dropSilent(s);
      const u4 = s.members.slice();
      const problem = unmaskable(s, topo, s.rounds.u3, u4);
      if (problem !== null) return abortServer(s, 'TOO_FEW_CLIENTS', problem);
      s.rounds = { ...s.rounds, u4 };
      const sessionId = outgoingId(s);
      const survivors = s.rounds.u3.slice();
      const dropped = s.rounds.u2.filter((id) => indexOf(survivors, id) < 0);
      const outbox: Outgoing[] = u4.map((u) => {
        const signers = within(topo.of(u), u4, config.clients);
        const signatures = signers.map((v) => s.signatures[v] as Uint8Array);
        return { to: [u], message: { type: 'unmaskingRequest', sessionId, survivors, dropped, signers, signatures } };
      });
      s.round = 'unmasking';
      s.signatures = [];
      s.revealed = new Array<Uint8Array[] | null>(config.clients + 1).fill(null);
      resetReceived(s);
      return { state: s, outbox };
    }
    case 'unmasking':
      return finish(s, topo, o);
    default:
      throw new SecAggError('WRONG_ROUND', `serverCloseRound cannot run in round "${s.round}"`);
  }
}

/** Zeroes the mask keys (derived from rebuilt secrets) once they are no longer needed. */
function wipe(terms: readonly MaskTerm[][]): void {
  for (const list of terms) for (const t of list) (t.key as Uint8Array).fill(0);
}

function finish(s: Live, topo: Topology, o: ResolvedOptions): ServerStep {
  const { backend, rng } = o;
  const { config } = s;
  const t = config.threshold;
  const u3 = s.rounds.u3;
  const u5: number[] = [];
  for (let id = 1; id <= config.clients; id++) if (s.revealed[id] != null) u5.push(id);
  dropSilent(s);
  const problem = unmaskable(s, topo, u3, u5);
  if (problem !== null) return abortServer(s, 'TOO_FEW_CLIENTS', problem);
  const sessionId = s.sessionId as Uint8Array;
  const combiners = new Map<string, Combiner>();
  const ownerLists = new Map<number, number[]>();
  const shareOf = (holder: number, owner: number): Uint8Array => {
    let owners = ownerLists.get(holder);
    if (owners === undefined) {
      owners = ownersOf(s, topo, holder);
      ownerLists.set(holder, owners);
    }
    return (s.revealed[holder] as Uint8Array[])[indexOf(owners, owner)] as Uint8Array;
  };
  // One share beyond the threshold, when there is one, checks the others: a client that
  // revealed a wrong share makes the round abort (RECONSTRUCTION_FAILED) instead of silently
  // corrupting the sum with a wrong self mask. With exactly t shares nothing can be checked.
  const rebuild = (owner: number, holders: number[]): Uint8Array => {
    const xs = holders.slice(0, t + 1);
    const key = xs.join(',');
    let c = combiners.get(key);
    if (c === undefined) {
      c = createCombiner(xs, { threshold: t, rng });
      combiners.set(key, c);
    }
    return c.combine(xs.map((x) => ({ x, y: shareOf(x, owner) })));
  };
  const maskOptions = backend === undefined ? {} : { backend };
  const sums = s.accumulators;
  // The masks to remove, per vector; applied in one streaming pass each once all are known.
  const terms: MaskTerm[][] = config.vectors.map(() => []);
  try {
    // Survivors: remove their self masks.
    for (const u of u3) {
      const neighbours = within(topo.of(u), u5, config.clients);
      const b = rebuild(u, indexOf(u5, u) >= 0 ? withSelf(neighbours, u) : neighbours);
      config.vectors.forEach((spec, j) => {
        (terms[j] as MaskTerm[]).push({ key: maskKey(b, sessionId, selfMaskLabel(spec.name), backend), sign: -1 });
      });
      b.fill(0); // rebuilt secrets, like the mask keys, are wiped once used (as the clients do)
    }
    // Dropped clients in U2 \ U3: remove the pairwise masks their surviving neighbours added.
    for (const v of s.rounds.u2) {
      if (indexOf(u3, v) >= 0) continue;
      const alive = within(topo.of(v), u3, config.clients);
      if (alive.length === 0) continue;
      const sk = rebuild(v, within(topo.of(v), u5, config.clients));
      const vKeys = s.keys[v] as AdvertisedKey;
      if (!equalBytes(x25519PublicKey(sk, backend), vKeys.maskingPublicKey)) {
        sk.fill(0);
        wipe(terms);
        return abortServer(s, 'RECONSTRUCTION_FAILED', `client ${v}'s rebuilt masking key does not match its public key`);
      }
      const agreement = createX25519Agreement(sk, backend);
      for (const u of alive) {
        const shared = agreement.sharedSecret((s.keys[u] as AdvertisedKey).maskingPublicKey);
        config.vectors.forEach((spec, j) => {
          const key = maskKey(shared, sessionId, pairwiseMaskLabel(u, v, spec.name), backend);
          // u added +PRG(s_uv) when u < v and -PRG(s_uv) when u > v: undo it.
          (terms[j] as MaskTerm[]).push({ key, sign: u < v ? -1 : 1 });
        });
        shared.fill(0);
      }
      sk.fill(0);
    }
    config.vectors.forEach((spec, j) => {
      applyMasksInto(sums[j] as Uint32Array, terms[j] as MaskTerm[], { bits: spec.bits, ...maskOptions });
    });
  } catch (error) {
    wipe(terms);
    if (error instanceof SecAggError && error.code !== 'WRONG_ROUND') {
      return abortServer(s, 'RECONSTRUCTION_FAILED', `secrets could not be rebuilt (${error.code})`);
    }
    throw error;
  }
  wipe(terms);
  const result: Record<string, Uint32Array> = {};
  config.vectors.forEach((spec, j) => {
    result[spec.name] = sums[j] as Uint32Array;
  });
  return {
    state: { round: 'completed', config, sessionId, result: { sums: result, included: u3.slice() }, drops: s.drops },
    outbox: [],
  };
}

/**
 * Drops a client on the caller's behalf (reason DROPPED_BY_CALLER), e.g. when its connection
 * closed. A masked input already accepted stays in the sums (the client counts as a survivor).
 * Unknown or already dropped ids are ignored. Consumes `state`.
 *
 * @throws {SecAggError} `WRONG_ROUND` when completed or aborted, `STATE_CONSUMED`,
 *   `OUT_OF_RANGE` / `INVALID_TYPE` for a bad id.
 * @example
 * ```ts
 * ({ state: server } = serverDropClient(server, 17));
 * ```
 */
export function serverDropClient(state: ServerState, id: number): ServerStep {
  if (state !== null && typeof state === 'object' && !consumed.has(state) && LIVE_ROUNDS.includes(state.round)) {
    const n = (state as ServerLiveState).config.clients;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > n) {
      throw new SecAggError('OUT_OF_RANGE', `id must be an integer in [1, ${n}]`);
    }
  }
  const s = take(state, 'serverDropClient');
  drop(s, id, 'DROPPED_BY_CALLER');
  return { state: s, outbox: [] };
}

/**
 * Aborts the session locally (LOCAL_ABORT); the outbox tells the remaining clients.
 * Consumes `state`.
 *
 * @throws {SecAggError} `WRONG_ROUND` when completed or aborted, `STATE_CONSUMED`.
 * @example
 * ```ts
 * const { state, outbox } = serverAbort(server, 'deadline passed');
 * ```
 */
export function serverAbort(state: ServerState, reason = 'aborted by the caller'): ServerStep {
  if (typeof reason !== 'string') throw new SecAggError('INVALID_TYPE', 'reason must be a string');
  const s = take(state, 'serverAbort');
  return abortServer(s, 'LOCAL_ABORT', reason);
}

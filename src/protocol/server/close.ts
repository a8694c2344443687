/**
 * The server's round closes: the framework decides that a round is over, the server drops the
 * clients that sent nothing, checks that the session can still succeed, and produces the next
 * round's messages (closing `unmasking` is ./finish.ts).
 */
import { bytesKey } from '../../_bytes.js';
import { SecAggError } from '../../errors.js';
import { directoryPositions, indexOf, withSelf, type Topology } from '../../graph/index.js';
import { readStepOptions, type ResolvedOptions, type StepOptions } from '../_common.js';
import { directoryPieces, directoryProofInto } from '../_directory.js';
import { computeSessionId } from '../_kdf.js';
import { runPieces, type Pieces } from '../_pieces.js';
import type { AdvertisedKey, AdvertisedKeysMessage, Outgoing, ServerState, ServerStep } from '../types.js';
import { abortServer, drop, dropSilent, outgoingId, resetReceived, take, type Live } from './_live.js';
import { bitmapOf, pruneIsolated, topologyOf, unmaskable, within } from './_sets.js';
import { finish } from './finish.js';

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
  return runPieces(closePieces(take(state, 'serverCloseRound'), o));
}

/**
 * {@link serverCloseRound} on a taken state, in pieces of about one client's work (internal: the
 * async close pauses between them). The unmasking close is one piece here: the async close plans
 * it as jobs instead.
 */
export function* closePieces(s: Live, o: ResolvedOptions): Pieces<ServerStep> {
  const topo = topologyOf(s);
  switch (s.round) {
    case 'advertiseKeys':
      return yield* closeAdvertiseKeys(s, topo);
    case 'shareKeys':
      return yield* closeShareKeys(s, topo);
    case 'maskedInputCollection':
      return yield* closeMaskedInput(s, topo);
    case 'consistencyCheck':
      return yield* closeConsistencyCheck(s, topo);
    case 'unmasking':
      return finish(s, topo, o);
    default:
      throw new SecAggError('WRONG_ROUND', `serverCloseRound cannot run in round "${s.round}"`);
  }
}

/**
 * Round 0 closes: clients with clashing keys are dropped, U1 is fixed, the session id is
 * computed over the key directory, and each client gets its neighbourhood's keys with the proof.
 */
function* closeAdvertiseKeys(s: Live, topo: Topology): Pieces<ServerStep> {
  const present = s.members.slice(); // told of an abort, even if this close drops them
  const { config } = s;
  const t = config.threshold;
  dropSilent(s);
  // Equal keys across clients: drop every client involved.
  const owner = new Map<string, number>();
  const clash = new Set<number>();
  for (const id of s.members) {
    const k = s.keys[id] as AdvertisedKey;
    for (const pk of [k.channelPublicKey, k.maskingPublicKey]) {
      const key = bytesKey(pk);
      const other = owner.get(key);
      if (other !== undefined && other !== id) {
        clash.add(other);
        clash.add(id);
      } else owner.set(key, id);
    }
  }
  for (const id of clash) drop(s, id, 'DUPLICATE_PUBLIC_KEY');
  const advertised = s.members.length;
  yield* pruneIsolated(s, topo);
  if (s.members.length < t) {
    return abortServer(s, 'TOO_FEW_CLIENTS', `${advertised} clients advertised valid keys, ${s.members.length} with enough neighbours; threshold is ${t}`, present);
  }
  const u1 = s.members.slice();
  const inU1 = bitmapOf(u1, config.clients);
  const directory = yield* directoryPieces(config.clients, (id) => (inU1[id] === 1 ? (s.keys[id] as AdvertisedKey) : null), directoryPositions(config));
  s.sessionId = computeSessionId(config, directory.root);
  s.rounds = { ...s.rounds, u1 };
  s.round = 'shareKeys';
  resetReceived(s);
  s.ciphertexts = new Array<Uint8Array[] | null>(config.clients + 1).fill(null);
  // Each client gets its neighbourhood's keys (in the complete graph the same message for
  // everyone) and the proof linking them to the root. The keys are gathered once into tables of
  // 32-bit words, and each message copies words from them: a TypedArray.set per 32-byte key
  // cost ~200 ns, 0.2 s of this close at 10,000 clients with 34 neighbours each.
  const tables = keyTables(s, u1, config.active);
  yield;
  // A message's four byte fields are views of one buffer (one allocation per message, not four),
  // the proof written into it first.
  const keysFor = (known: number[]): AdvertisedKeysMessage => {
    const ids = known.filter((id) => inU1[id] === 1);
    const m = ids.length;
    const signatureWords = tables.signature === null ? 0 : 16 * m;
    const proofAt = 16 * m + signatureWords;
    const words = directoryProofInto(directory, known, (hashes) => new Uint32Array(proofAt + 8 * hashes), proofAt);
    gatherWords(tables.channel, 8, ids, words, 0);
    gatherWords(tables.masking, 8, ids, words, 8 * m);
    if (tables.signature !== null) gatherWords(tables.signature, 16, ids, words, 16 * m);
    const bytes = new Uint8Array(words.buffer);
    return {
      type: 'advertisedKeys',
      ids,
      channelPublicKeys: bytes.subarray(0, 32 * m),
      maskingPublicKeys: bytes.subarray(32 * m, 64 * m),
      signatures: tables.signature === null ? null : bytes.subarray(64 * m, 128 * m),
      proof: bytes.subarray(4 * proofAt),
    };
  };
  if (config.graph.kind === 'complete') return { state: s, outbox: [{ to: u1.slice(), message: keysFor(withSelf(topo.of(1), 1)) }] };
  const outbox: Outgoing[] = [];
  for (const u of u1) {
    outbox.push({ to: [u], message: keysFor(withSelf(topo.of(u), u)) });
    yield;
  }
  return { state: s, outbox };
}

/** The advertised keys of `members`, as rows of 32-bit words indexed by client id. */
function keyTables(s: Live, members: readonly number[], active: boolean): { channel: Uint32Array; masking: Uint32Array; signature: Uint32Array | null } {
  const rows = s.config.clients + 1;
  const channel = new Uint32Array(8 * rows);
  const masking = new Uint32Array(8 * rows);
  const signature = active ? new Uint32Array(16 * rows) : null;
  const channelBytes = new Uint8Array(channel.buffer);
  const maskingBytes = new Uint8Array(masking.buffer);
  const signatureBytes = signature === null ? null : new Uint8Array(signature.buffer);
  for (const id of members) {
    const k = s.keys[id] as AdvertisedKey;
    channelBytes.set(k.channelPublicKey, 32 * id);
    maskingBytes.set(k.maskingPublicKey, 32 * id);
    if (signatureBytes !== null) signatureBytes.set(k.signature as Uint8Array, 64 * id);
  }
  return { channel, masking, signature };
}

/** Copies the rows of `ids` (each `words` long) from `table`, in order, into `out` from word `at` (a word copy keeps the bytes). */
function gatherWords(table: Uint32Array, words: number, ids: readonly number[], out: Uint32Array, at: number): void {
  for (let i = 0; i < ids.length; i++) {
    const from = words * (ids[i] as number);
    const to = at + words * i;
    for (let w = 0; w < words; w++) out[to + w] = table[from + w] as number;
  }
}

/** Round 1 closes: U2 is fixed and each client gets the shares its neighbours sealed for it. */
function* closeShareKeys(s: Live, topo: Topology): Pieces<ServerStep> {
  const present = s.members.slice(); // told of an abort, even if this close drops them
  const { config } = s;
  const t = config.threshold;
  dropSilent(s);
  const shared = s.members.length;
  yield* pruneIsolated(s, topo);
  if (s.members.length < t) {
    return abortServer(s, 'TOO_FEW_CLIENTS', `${shared} clients shared keys, ${s.members.length} with enough neighbours; threshold is ${t}`, present);
  }
  const u2 = s.members.slice();
  const sessionId = outgoingId(s);
  const outbox: Outgoing[] = [];
  const n = config.clients;
  const u1 = s.rounds.u1;
  // Where sender w put recipient v's ciphertext: w sealed one per neighbour in U1, increasing.
  // In the complete graph that is U1 without w, so v's place in U1, one less when w comes before
  // v (an array lookup: a server of 500 clients makes 250,000 of them, on its event loop).
  const complete = config.graph.kind === 'complete';
  const place = new Int32Array(n + 1);
  if (complete) u1.forEach((id, i) => (place[id] = i));
  const recipients: (number[] | undefined)[] = [];
  for (const v of u2) {
    const senders = complete ? u2.filter((w) => w !== v) : within(topo.of(v), u2, n);
    const ciphertexts = new Array<Uint8Array>(senders.length);
    for (let i = 0; i < senders.length; i++) {
      const w = senders[i] as number;
      let at: number;
      if (complete) at = (place[v] as number) - (w < v ? 1 : 0);
      else at = indexOf((recipients[w] ??= within(topo.of(w), u1, n)), v);
      ciphertexts[i] = (s.ciphertexts[w] as Uint8Array[])[at] as Uint8Array;
    }
    outbox.push({ to: [v], message: { type: 'encryptedShares', recipient: v, sessionId, senders, ciphertexts } });
    yield;
  }
  s.rounds = { ...s.rounds, u2 };
  s.ciphertexts = [];
  s.accumulators = config.vectors.map((v) => new Uint32Array(v.length));
  s.round = 'maskedInputCollection';
  resetReceived(s);
  return { state: s, outbox };
}

/**
 * Round 2 closes: U3 (who sent a masked input) is fixed; the active variant asks the members to
 * sign it, the passive one asks for the shares at once.
 */
function* closeMaskedInput(s: Live, topo: Topology): Pieces<ServerStep> {
  const present = s.members.slice(); // told of an abort, even if this close drops them
  const { config } = s;
  const u3: number[] = [];
  for (const id of s.rounds.u2) if (s.received[id] === true) u3.push(id);
  dropSilent(s);
  const problem = yield* unmaskable(s, topo, u3, s.members);
  if (problem !== null) return abortServer(s, 'TOO_FEW_CLIENTS', problem, present);
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

/** Round 3 closes (active variant): U4 is fixed; each member gets its neighbours' signatures. */
function* closeConsistencyCheck(s: Live, topo: Topology): Pieces<ServerStep> {
  const present = s.members.slice(); // told of an abort, even if this close drops them
  const { config } = s;
  dropSilent(s);
  const u4 = s.members.slice();
  const problem = yield* unmaskable(s, topo, s.rounds.u3, u4);
  if (problem !== null) return abortServer(s, 'TOO_FEW_CLIENTS', problem, present);
  s.rounds = { ...s.rounds, u4 };
  const sessionId = outgoingId(s);
  const survivors = s.rounds.u3.slice();
  const dropped = s.rounds.u2.filter((id) => indexOf(survivors, id) < 0);
  const outbox: Outgoing[] = [];
  for (const u of u4) {
    const signers = within(topo.of(u), u4, config.clients);
    const signatures = signers.map((v) => s.signatures[v] as Uint8Array);
    outbox.push({ to: [u], message: { type: 'unmaskingRequest', sessionId, survivors, dropped, signers, signatures } });
    yield;
  }
  s.round = 'unmasking';
  s.signatures = [];
  s.revealed = new Array<Uint8Array[] | null>(config.clients + 1).fill(null);
  resetReceived(s);
  return { state: s, outbox };
}

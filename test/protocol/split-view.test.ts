/**
 * The active variant's threshold rule at its boundary, for the complete graph and for SecAgg+
 * (Harary) graphs, with both routes to a client's input (docs/protocol-graph.md, "Why the
 * semi-malicious threshold is 2t > k + 2 + t1"), run through the public API with corrupt
 * clients that give the server everything: the split view of the victim's holders (route 1),
 * and the relay of t - 1 senders whose keys the others reveal (route 2). Each case runs the
 * attack at the smallest threshold the rule allows for the real number of corrupt holders,
 * where nothing the server tries works, and below it, where something does: so the rule is
 * neither loose nor vacuous (the harness does unmask a client below it).
 *
 * A threshold below the rule is reached through the public API the way it happens in a
 * deployment: the configuration assumes fewer corrupt clients than there are.
 */
import { describe, expect, it } from 'vitest';
import { createX25519Agreement } from '../../src/crypto/index.js';
import { buildGraph } from '../../src/graph/graph.js';
import { applyMasksInto, type MaskTerm } from '../../src/masking/index.js';
import { maskKey, pairwiseMaskLabel, selfMaskLabel } from '../../src/protocol/_kdf.js';
import type {
  ClientConsistencyState,
  ClientState,
  EncryptedSharesMessage,
  MaskedInputMessage,
  ServerLiveState,
  SessionConfig,
  UnmaskingMessage,
} from '../../src/protocol/index.js';
import { combineShares } from '../../src/shamir/index.js';
import { expectSecAggError } from '../_hostile.js';
import { deliverAll, honestTrace, inputFor, makeConfig, prepare, receive, seed, type Trace } from './_driver.js';

/** The Harary graph of the SecAgg+ cases: degree 6, a seed stated to come from a beacon. */
const graph = { kind: 'harary' as const, degree: 6, seed: seed(5), seedSource: 'beacon' as const };

/** The clients at the given ring offsets from `victim` in {@link graph} on n clients. */
function corruptAround(victim: number, offsets: readonly number[], n: number): number[] {
  const ring = buildGraph({ kind: 'harary', degree: graph.degree, seed: graph.seed, clients: n } as never);
  const pos = ring.positionOfId?.[victim] as number;
  return offsets.map((d) => ring.idAtPosition?.[(pos + d + n) % n] as number);
}

interface Outcome {
  /** The split (honest holders told the victim dropped) that unmasked the victim, if any. */
  readonly unmaskedWith: readonly number[] | null;
  /** Splits tried. */
  readonly tried: number;
}

/**
 * The server's best effort: for every split of the victim's honest holders (the victim itself
 * always in B, told it survived; S told it dropped), it shows B the survivor set with the
 * victim and S the set without it; every other honest client joins the side of its nearest
 * holder on the ring (all on B's side in the complete graph), corrupt clients sign both sets
 * and hand over both shares they hold. The attack succeeds when the victim's input comes out
 * exactly.
 */
function splitView(config: SessionConfig, signingKeys: Uint8Array[], victim: number, corrupt: readonly number[]): Outcome {
  const p = prepare(config, 'maskedInputCollection', signingKeys);
  const server = deliverAll(p) as ServerLiveState;
  const sessionId = Uint8Array.from(server.sessionId as Uint8Array);
  const n = config.clients;
  const everyone = Array.from({ length: n }, (_, i) => i + 1);
  const states = p.clients as ClientConsistencyState[];
  const victimState = states[victim] as ClientConsistencyState;
  const holders = victimState.owners; // the victim's neighbours and itself, increasing
  const at = (id: number): number => (states[id] as ClientConsistencyState).owners.indexOf(victim);
  const honestHolders = holders.filter((v) => v !== victim && !corrupt.includes(v));
  const graph = buildGraph(config.graph.kind === 'complete' ? { kind: 'complete', clients: n } as never : { ...config.graph, clients: n } as never);
  const sideOfOthers = (id: number, s: ReadonlySet<number>): 'B' | 'S' => {
    if (graph.positionOfId === null) return 'B';
    // The nearest honest holder on the ring (the first found on a tie).
    const pos = graph.positionOfId;
    const offset = (v: number): number => {
      const d = ((pos[v] as number) - (pos[id] as number) + n) % n;
      return Math.min(d, n - d);
    };
    const nearest = honestHolders.reduce((a, b) => (offset(b) < offset(a) ? b : a));
    return s.has(nearest) ? 'S' : 'B';
  };
  const masked = (p.pending[victim] as MaskedInputMessage).vectors[0] as Uint32Array;
  const t = config.threshold;
  let tried = 0;
  for (let mask = 0; mask < 2 ** honestHolders.length; mask++) {
    tried++;
    const sSide = new Set(honestHolders.filter((_, i) => (mask >> i) & 1));
    const side = (id: number): 'B' | 'S' =>
      id === victim ? 'B' : holders.includes(id) ? (sSide.has(id) ? 'S' : 'B') : sideOfOthers(id, sSide);
    const honest = everyone.filter((id) => !corrupt.includes(id));
    const view = (group: 'B' | 'S'): { x: number; y: Uint8Array }[] => {
      const survivors = group === 'B' ? everyone : everyone.filter((v) => v !== victim);
      const dropped = everyone.filter((v) => !survivors.includes(v));
      const signed = new Map<number, { state: ClientState | null; signature: Uint8Array }>();
      for (const id of everyone) {
        if (!survivors.includes(id)) continue;
        const isCorrupt = corrupt.includes(id);
        if (!isCorrupt && side(id) !== group) continue;
        // A corrupt client signs whatever it is asked to (the server steps a copy of its state per set).
        const step = receive(structuredClone(states[id] as ClientState), { type: 'consistencyRequest', sessionId, survivors });
        const out = step.outbox[0];
        if (out?.type === 'consistencySignature') signed.set(id, { state: isCorrupt ? null : step.state, signature: out.signature });
      }
      const signers = [...signed.keys()].sort((a, b) => a - b);
      const request = { type: 'unmaskingRequest', sessionId, survivors, dropped, signers, signatures: signers.map((v) => signed.get(v)?.signature as Uint8Array) };
      const shares: { x: number; y: Uint8Array }[] = [];
      for (const id of honest) {
        const entry = signed.get(id);
        if (entry === undefined || entry.state === null || !holders.includes(id)) continue;
        const answer = receive(entry.state, request).outbox[0] as UnmaskingMessage | undefined;
        if (answer?.type === 'unmasking') shares.push({ x: id, y: answer.shares[at(id)] as Uint8Array });
      }
      return shares;
    };
    const corruptHolders = corrupt.filter((id) => holders.includes(id));
    const held = (id: number, which: 'selfMaskShares' | 'maskingKeyShares'): { x: number; y: Uint8Array } =>
      ({ x: id, y: (states[id] as ClientConsistencyState)[which][at(id)] as Uint8Array });
    const bShares = [...view('B'), ...corruptHolders.map((id) => held(id, 'selfMaskShares'))];
    const sShares = [...view('S'), ...corruptHolders.map((id) => held(id, 'maskingKeyShares'))];
    if (bShares.length < t || sShares.length < t) continue;
    const selfSeed = combineShares(bShares.slice(0, t), { threshold: t });
    const agreement = createX25519Agreement(combineShares(sShares.slice(0, t), { threshold: t }));
    const x = Uint32Array.from(masked);
    const terms: MaskTerm[] = [{ key: maskKey(selfSeed, sessionId, selfMaskLabel('x')), sign: -1 }];
    for (const v of holders) {
      if (v === victim) continue;
      const shared = agreement.sharedSecret(server.keys[v]?.maskingPublicKey as Uint8Array);
      terms.push({ key: maskKey(shared, sessionId, pairwiseMaskLabel(victim, v, 'x')), sign: victim < v ? -1 : 1 });
    }
    applyMasksInto(x, terms, { bits: config.vectors[0]?.bits as number });
    if (x.every((v, i) => v === (inputFor(config, victim)['x'] as Uint32Array)[i])) return { unmaskedWith: [...sSide], tried };
  }
  return { unmaskedWith: null, tried };
}

describe('split view at the boundary of the active threshold rule', () => {
  it('complete graph, 7 clients, one corrupt: t = 4 (rule for none corrupt) is broken, t = 5 (2t > n + 1) holds', () => {
    const victim = 7;
    const corrupt = [6];
    const low = makeConfig(7, 4, { active: true, corruptClients: 0 });
    const broken = splitView(low.config, low.signingKeys as Uint8Array[], victim, corrupt);
    expect(broken.unmaskedWith).not.toBeNull();
    // The rule for the real corrupt count refuses t = 4, names 5, and t = 5 holds against every split.
    expect(expectSecAggError(() => makeConfig(7, 4, { active: true, corruptClients: 1 }), 'THRESHOLD_TOO_LOW').message).toMatch(/smallest valid threshold is 5/);
    const valid = makeConfig(7, 5, { active: true, corruptClients: 1 });
    expect(splitView(valid.config, valid.signingKeys as Uint8Array[], victim, corrupt)).toEqual({ unmaskedWith: null, tried: 2 ** 5 });
  });

  it('Harary graph (k = 6), three corrupt neighbours: t = 5 (the rule for none) is broken, t = 6 (2t > k + 2 + t1) holds', () => {
    const n = 20;
    const victim = 1;
    const corrupt = corruptAround(victim, [-3, -2, 3], n);
    const low = makeConfig(n, 5, { active: true, corruptClients: 0, graph });
    expect(splitView(low.config, low.signingKeys as Uint8Array[], victim, corrupt).unmaskedWith).not.toBeNull();
    expect(expectSecAggError(() => makeConfig(n, 5, { active: true, corruptClients: 3, graph }), 'THRESHOLD_TOO_LOW').message).toMatch(/smallest valid threshold is 6/);
    const valid = makeConfig(n, 6, { active: true, corruptClients: 3, graph });
    expect(splitView(valid.config, valid.signingKeys as Uint8Array[], victim, corrupt)).toEqual({ unmaskedWith: null, tried: 2 ** 3 });
  });
});


/**
 * The second route (docs/protocol-graph.md): leave the victim's masking key alone. The server
 * relays to the victim the shares of only some senders R (at least t - 1), so that its masked
 * input carries pairwise masks with R alone; it never asks the victim or R's honest members
 * anything again, and tells every other client that the victim survived and R's honest
 * members dropped. Those reveal their share of the victim's self-mask seed and of each honest
 * sender's masking key, which with the corrupt ones' keys remove every mask. Tries every such
 * R among the victim's neighbours.
 */
function relayRoute(trace: Trace, victim: number, corrupt: readonly number[], victimReveals = false): Outcome {
  const { config } = trace;
  const n = config.clients;
  const t = config.threshold;
  const everyone = Array.from({ length: n }, (_, i) => i + 1);
  const stateIn = (round: string, id: number): ClientState => structuredClone(trace.clientStates[round]?.[id] as ClientState);
  const before = stateIn('maskedInputCollection', victim) as ClientState & { peers: readonly number[]; keys: { maskingPublicKey: Uint8Array } };
  const relay = trace.serverMessages['maskedInputCollection']?.[victim] as EncryptedSharesMessage;
  const sessionId = (trace.serverMessages['consistencyCheck']?.[1] as { sessionId: Uint8Array }).sessionId;
  const neighbours = before.peers;
  const consistency = (id: number): ClientConsistencyState => trace.clientStates['consistencyCheck']?.[id] as ClientConsistencyState;
  let tried = 0;
  for (let mask = 1; mask < 2 ** neighbours.length; mask++) {
    const senders = neighbours.filter((_, i) => (mask >> i) & 1);
    if (senders.length + 1 < t) continue;
    tried++;
    const keep = relay.senders.map((v, i) => (senders.includes(v) ? i : -1)).filter((i) => i >= 0);
    const sub = { ...relay, senders: keep.map((i) => relay.senders[i] as number), ciphertexts: keep.map((i) => relay.ciphertexts[i] as Uint8Array) };
    const masked = receive(stateIn('maskedInputCollection', victim), sub, trace.inputs[victim]).outbox[0] as MaskedInputMessage | undefined;
    if (masked?.type !== 'maskedInput') continue;
    // Honest senders are told dropped (their masking keys get revealed); a corrupt sender's key
    // is the server's anyway, so it stays a survivor and signs.
    const dropped = senders.filter((v) => !corrupt.includes(v));
    const survivors = everyone.filter((v) => !dropped.includes(v));
    const group = survivors.filter((v) => v !== victim);
    const signed = new Map<number, { state: ClientState; signature: Uint8Array }>();
    for (const id of group) {
      const step = receive(stateIn('consistencyCheck', id), { type: 'consistencyRequest', sessionId, survivors });
      const out = step.outbox[0];
      if (out?.type === 'consistencySignature') signed.set(id, { state: step.state, signature: out.signature });
    }
    const signers = [...signed.keys()];
    const request = { type: 'unmaskingRequest', sessionId, survivors, dropped, signers, signatures: signers.map((v) => signed.get(v)?.signature as Uint8Array) };
    const shares = new Map<number, { x: number; y: Uint8Array }[]>(); // owner -> shares of its b (victim) or s (senders)
    const add = (owner: number, x: number, y: Uint8Array): void => void (shares.get(owner) ?? shares.set(owner, []).get(owner))?.push({ x, y });
    for (const id of everyone) {
      if (id === victim) continue;
      const owners = consistency(id).owners;
      if (corrupt.includes(id)) {
        // A corrupt client hands over what it holds, wherever the server seats it.
        const s = consistency(id);
        owners.forEach((o, i) => add(o, id, (o === victim ? s.selfMaskShares[i] : s.maskingKeyShares[i]) as Uint8Array));
        continue;
      }
      if (!group.includes(id)) continue;
      const entry = signed.get(id);
      const answer = entry === undefined ? undefined : (receive(entry.state, request).outbox[0] as UnmaskingMessage | undefined);
      if (answer?.type === 'unmasking') owners.forEach((o, i) => add(o, id, answer.shares[i] as Uint8Array));
    }
    if (victimReveals) {
      // The victim and its relay's senders sign a set of their own: the victim, the senders, and
      // clients outside its neighbourhood (a set may name only neighbours whose shares it holds).
      const own = everyone.filter((v) => v === victim || senders.includes(v) || !neighbours.includes(v));
      const ownSigned = new Map<number, { state: ClientState; signature: Uint8Array }>();
      for (const id of [victim, ...senders]) {
        const state = id === victim ? (receive(stateIn('maskedInputCollection', victim), sub, trace.inputs[victim]).state) : stateIn('consistencyCheck', id);
        const step = receive(state, { type: 'consistencyRequest', sessionId, survivors: own });
        const out = step.outbox[0];
        if (out?.type === 'consistencySignature') ownSigned.set(id, { state: step.state, signature: out.signature });
      }
      const ownSigners = [...ownSigned.keys()].sort((a, b) => a - b);
      const entry = ownSigned.get(victim);
      const answer = entry === undefined ? undefined : (receive(entry.state, {
        type: 'unmaskingRequest', sessionId, survivors: own, dropped: [], signers: ownSigners,
        signatures: ownSigners.map((v) => ownSigned.get(v)?.signature as Uint8Array),
      }).outbox[0] as UnmaskingMessage | undefined);
      if (answer?.type === 'unmasking') add(victim, victim, answer.shares[[victim, ...senders].sort((a, b) => a - b).indexOf(victim)] as Uint8Array);
    }
    const rebuilt = (owner: number): Uint8Array | null => {
      const list = shares.get(owner) ?? [];
      return list.length < t ? null : combineShares(list.slice(0, t), { threshold: t });
    };
    const selfSeed = rebuilt(victim);
    if (selfSeed === null) continue;
    const terms: MaskTerm[] = [{ key: maskKey(selfSeed, sessionId, selfMaskLabel('x')), sign: -1 }];
    let complete = true;
    for (const u of senders) {
      const key = corrupt.includes(u) ? (stateIn('shareKeys', u) as ClientState & { keys: { maskingPrivateKey: Uint8Array } }).keys.maskingPrivateKey : rebuilt(u);
      if (key === null) {
        complete = false;
        break;
      }
      const shared = createX25519Agreement(key).sharedSecret(before.keys.maskingPublicKey);
      terms.push({ key: maskKey(shared, sessionId, pairwiseMaskLabel(victim, u, 'x')), sign: victim < u ? -1 : 1 });
    }
    if (!complete) continue;
    const x = Uint32Array.from(masked.vectors[0] as Uint32Array);
    applyMasksInto(x, terms, { bits: config.vectors[0]?.bits as number });
    if (x.every((v, i) => v === (trace.inputs[victim]?.['x'] as Uint32Array)[i])) return { unmaskedWith: senders, tried };
  }
  return { unmaskedWith: null, tried };
}

describe('the second route at the boundary: the victim masks with t - 1 senders only, whose keys the others reveal', () => {
  it('complete graph, 7 clients, one corrupt: t = 4 broken, t = 5 holds against every relay', () => {
    const corrupt = [6];
    for (const victimReveals of [false, true]) {
      expect(relayRoute(honestTrace(7, 4, { active: true, corruptClients: 0 }), 7, corrupt, victimReveals).unmaskedWith).not.toBeNull();
      const held = relayRoute(honestTrace(7, 5, { active: true, corruptClients: 1 }), 7, corrupt, victimReveals);
      expect(held).toEqual({ unmaskedWith: null, tried: 15 + 6 + 1 }); // every relay of at least t - 1 = 4 of the 6 others
    }
  });

  it('Harary graph (k = 6): with the victim revealing its own share, 2t <= k + 2 + c suffices, one share more than the first route needs', () => {
    const n = 20;
    const victim = 1;
    // Nobody corrupt: t = 4 met the rule 2t > k + 1 + t1 used before, and fell to this route
    // (the victim's relay of 3 senders signs the victim's set; everyone else, told the senders
    // dropped, reveals their keys and 3 more shares of the victim's seed). Now it is refused.
    expect(expectSecAggError(() => makeConfig(n, 4, { active: true, corruptClients: 0, graph }), 'THRESHOLD_TOO_LOW').message).toMatch(/smallest valid threshold is 5/);
    expect(relayRoute(honestTrace(n, 5, { active: true, corruptClients: 0, graph }), victim, [], true).unmaskedWith).toBeNull();
    // Two corrupt neighbours against a configuration that assumes none: t = 5 broken; the rule for
    // two (t1 = 2) asks t = 6, which holds against every relay, with or without the victim's share.
    const corrupt = corruptAround(victim, [-3, 1], n);
    expect(relayRoute(honestTrace(n, 5, { active: true, corruptClients: 0, graph }), victim, corrupt, true).unmaskedWith).not.toBeNull();
    expect(expectSecAggError(() => makeConfig(n, 5, { active: true, corruptClients: 2, graph }), 'THRESHOLD_TOO_LOW').message).toMatch(/smallest valid threshold is 6/);
    for (const victimReveals of [false, true]) {
      expect(relayRoute(honestTrace(n, 6, { active: true, corruptClients: 2, graph }), victim, corrupt, victimReveals).unmaskedWith).toBeNull();
    }
  });

  it('Harary graph (k = 8), nobody corrupt: t = 5 (the rule used before) is refused', () => {
    // On the code before, relayRoute(honestTrace(24, 5, ...), 1, [], true) unmasked client 1
    // with the relay [4, 8, 22, 24] (107th relay tried); at t = 6 none of 93 relays did.
    const g8 = { kind: 'harary' as const, degree: 8, seed: seed(6), seedSource: 'beacon' as const };
    expect(expectSecAggError(() => makeConfig(24, 5, { active: true, corruptClients: 0, graph: g8 }), 'THRESHOLD_TOO_LOW').message).toMatch(/smallest valid threshold is 6/);
  });
});

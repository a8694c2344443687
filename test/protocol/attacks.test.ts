/**
 * The attacks of issue 14 that the protocol core can stop, each run through the public API as
 * an integrator (or a hostile peer) would run it. Every test here failed on the code before
 * the fix (base commit 32ae307); the closing note of issue 14 lists what each printed there.
 */
import { describe, expect, it } from 'vitest';
import { createX25519Agreement } from '../../src/crypto/index.js';
import { SecAggError } from '../../src/errors.js';
import { applyMasksInto, type MaskTerm } from '../../src/masking/index.js';
import { maskKey, pairwiseMaskLabel, selfMaskLabel } from '../../src/protocol/_kdf.js';
import { combineShares } from '../../src/shamir/index.js';
import {
  clientAbort,
  clientReceive,
  createSessionConfig,
  serverCloseRound,
  serverDropClient,
  serverReceive,
  type ClientState,
  type ClientStep,
  type ConsistencyRequestMessage,
  type EncryptedSharesMessage,
  type MaskedInputMessage,
  type ServerLiveState,
  type ServerState,
  type UnmaskingMessage,
  type AdvertiseKeysMessage,
  type AdvertisedKeysMessage,
  type ClientMessage,
  type ConsistencySignatureMessage,
  type UnmaskingRequestMessage,
} from '../../src/protocol/index.js';
import { deliverAll, honestTrace, inputFor, makeConfig, prepare, receive, seed, type Trace } from './_driver.js';

/**
 * A genuine Uint8Array holding `real` whose iterator yields `shown`: a check that reads its
 * elements sees `real`, a copy made with `Uint8Array.from` (which iterates) gets `shown`.
 */
function twoFaced(real: Uint8Array, shown: Uint8Array): Uint8Array {
  const bytes = Uint8Array.from(real);
  Object.defineProperty(bytes, Symbol.iterator, {
    value: function* iterate(): Generator<number> {
      yield* Array.from({ length: shown.length }, (_, i) => shown[i] as number);
    },
  });
  return bytes;
}

describe('copy, then check, then store: what is kept is what was checked', () => {
  it('the server relays the key signature it verified, not a second read of it', () => {
    const { config, signingKeys } = makeConfig(5, 3, { active: true });
    const p = prepare(config, 'advertiseKeys', signingKeys);
    const m2 = p.pending[2] as AdvertiseKeysMessage;
    const real = Uint8Array.from(m2.signature as Uint8Array);
    p.pending[2] = { ...m2, signature: twoFaced(real, new Uint8Array(64)) };
    const closed = serverCloseRound(deliverAll(p));
    expect(closed.state.drops).toEqual([]);
    const keys = closed.outbox[0]?.message as AdvertisedKeysMessage;
    const at = keys.ids.indexOf(2);
    expect(keys.signatures?.subarray(64 * at, 64 * at + 64)).toEqual(real);
  });

  it('the server relays the consistency signature it verified, not a second read of it', () => {
    const { config, signingKeys } = makeConfig(5, 3, { active: true });
    const p = prepare(config, 'consistencyCheck', signingKeys);
    const m2 = p.pending[2] as ConsistencySignatureMessage;
    const real = Uint8Array.from(m2.signature);
    p.pending[2] = { ...m2, signature: twoFaced(real, new Uint8Array(64)) };
    const closed = serverCloseRound(deliverAll(p));
    expect(closed.state.round).toBe('unmasking');
    const request = closed.outbox.find((o) => o.to.includes(1))?.message as UnmaskingRequestMessage;
    expect(request.signatures[request.signers.indexOf(2)]).toEqual(real);
  });

  it('the server keeps the public keys it validated (a small-order key cannot slip in after the check)', () => {
    const p = prepare(makeConfig(5, 3).config, 'advertiseKeys');
    const m2 = p.pending[2] as AdvertiseKeysMessage;
    const real = Uint8Array.from(m2.channelPublicKey);
    p.pending[2] = { ...m2, channelPublicKey: twoFaced(real, new Uint8Array(32)) } as ClientMessage;
    const closed = serverCloseRound(deliverAll(p));
    const keys = closed.outbox[0]?.message as AdvertisedKeysMessage;
    const at = keys.ids.indexOf(2);
    expect(keys.channelPublicKeys.subarray(32 * at, 32 * at + 32)).toEqual(real);
  });

  it('a configuration keeps the nonce and keys it checked (never another length or other bytes)', () => {
    const nonce = seed(7);
    const key = seed(8);
    const config = createSessionConfig({
      clients: 3,
      threshold: 3,
      vectors: [{ name: 'x', length: 4, bits: 8 }],
      nonce: twoFaced(nonce, new Uint8Array(31)),
      graph: { kind: 'harary', degree: 2, seed: twoFaced(key, new Uint8Array(5)) },
    });
    expect(config.nonce).toEqual(nonce);
    expect(config.graph.kind === 'harary' ? config.graph.seed : null).toEqual(key);
  });
});

describe('every abort reaches every client still in the session', () => {
  /** The clients the abort of `closed` goes to, and that each of them aborts on it. */
  function abortedClients(closed: { outbox: readonly { to: readonly number[]; message: { type: string } }[] }, clients: ClientState[]): number[] {
    const to = closed.outbox.filter((o) => o.message.type === 'abort').flatMap((o) => [...o.to]);
    for (const id of to) {
      const state = clients[id] as ClientState;
      if (state.round === 'advertiseKeys') continue; // never advertised: nothing to step
      const step = clientReceive(structuredClone(state), closed.outbox.find((o) => o.to.includes(id))?.message as never, {});
      expect(step.state.round === 'aborted' && step.state.code).toBe('SERVER_ABORTED');
    }
    return to.sort((a, b) => a - b);
  }

  it('advertiseKeys closes with too few keys: the abort goes to the advertisers the close left isolated, and to the silent', () => {
    const p = prepare(makeConfig(5, 3).config, 'advertiseKeys');
    let server: ServerState = p.server;
    for (const id of [1, 2]) server = serverReceive(server, p.pending[id] as ClientMessage).state;
    const closed = serverCloseRound(server);
    expect(closed.state.round === 'aborted' && closed.state.code).toBe('TOO_FEW_CLIENTS');
    expect(abortedClients(closed, p.clients)).toEqual([1, 2, 3, 4, 5]);
  });

  it('shareKeys closes with too few shares: every client that advertised hears of it', () => {
    const p = prepare(makeConfig(5, 3).config, 'shareKeys');
    let server: ServerState = p.server;
    for (const id of [1, 2]) server = serverReceive(server, p.pending[id] as ClientMessage).state;
    const closed = serverCloseRound(server);
    expect(closed.state.round === 'aborted' && closed.state.code).toBe('TOO_FEW_CLIENTS');
    expect(abortedClients(closed, p.clients)).toEqual([1, 2, 3, 4, 5]);
  });
});

/** What a second, different answer of one round would have sent: null when none was sent. */
function secondAnswer(step: () => ClientStep): { outbox: unknown[]; code: string | null } | 'STATE_CONSUMED' {
  try {
    const r = step();
    return { outbox: [...r.outbox], code: r.state.round === 'aborted' ? r.state.code : (r.note ?? null) };
  } catch (error) {
    if (error instanceof SecAggError && error.code === 'STATE_CONSUMED') return 'STATE_CONSUMED';
    throw error;
  }
}

/** A snapshot of client `id`'s state in `round` of a trace (the trace's own copy stays intact). */
function snapshot(trace: Trace, round: string, id: number): ClientState {
  return structuredClone(trace.clientStates[round]?.[id] as ClientState);
}

describe('a client answers each round once (in-process re-stepping)', () => {
  const passive = honestTrace(5, 3);
  const active = honestTrace(5, 3, { active: true });

  it('unmasking twice, with a peer moved from survivors to dropped, never reveals both of its shares', () => {
    const state = snapshot(passive, 'unmasking', 1);
    const request = passive.serverMessages['unmasking']?.[1] as UnmaskingRequestMessage;
    const first = receive(state, request);
    expect((first.outbox[0] as UnmaskingMessage).shares).toHaveLength(5); // b-share of peer 2 among them
    const moved = { ...request, survivors: [1, 3, 4, 5], dropped: [2] }; // now asks for peer 2's key share
    // The same state again: consumed. The state the first answer returned: finished.
    expect(secondAnswer(() => receive(state, moved))).toBe('STATE_CONSUMED');
    expect(secondAnswer(() => receive(first.state, moved))).toEqual({ outbox: [], code: 'LATE_MESSAGE' });
  });

  it('a shallow copy of a state (spread, Object.assign) is consumed with it: unmasking twice through one never reveals both shares', () => {
    // A shallow copy shares every secret buffer and the record of what the state answered with
    // the state it copies: it is the same state, not a snapshot (structuredClone makes those).
    const request = passive.serverMessages['unmasking']?.[1] as UnmaskingRequestMessage;
    const moved = { ...request, survivors: [1, 3, 4, 5], dropped: [2] };
    for (const copy of [(s: ClientState): ClientState => ({ ...s }), (s: ClientState): ClientState => Object.assign({}, s)]) {
      const state = snapshot(passive, 'unmasking', 1);
      const kept = copy(state);
      expect((receive(state, request).outbox[0] as UnmaskingMessage).shares).toHaveLength(5);
      // Before the fix: a second unmasking message, with peer 2's masking-key share beside the
      // self-mask share the first one revealed.
      expect(secondAnswer(() => receive(kept, moved))).toBe('STATE_CONSUMED');
      // And the other way round: stepping the copy consumes the original.
      const other = snapshot(passive, 'unmasking', 1);
      receive(copy(other), request);
      expect(secondAnswer(() => receive(other, moved))).toBe('STATE_CONSUMED');
    }
  });

  it('masking again with one sender fewer in the relay never sends a second vector under the same masks', () => {
    const state = snapshot(passive, 'maskedInputCollection', 1);
    const relay = passive.serverMessages['maskedInputCollection']?.[1] as EncryptedSharesMessage;
    const input = passive.inputs[1];
    const first = receive(state, relay, input);
    expect(first.outbox[0]?.type).toBe('maskedInput');
    const fewer = { ...relay, senders: relay.senders.slice(1), ciphertexts: relay.ciphertexts.slice(1) };
    expect(secondAnswer(() => receive(state, fewer, input))).toBe('STATE_CONSUMED');
    expect(secondAnswer(() => receive(first.state, fewer, input))).toEqual({ outbox: [], code: 'CONFLICTING_REQUEST' });
  });

  it('the same relay with another input never gets a second vector either', () => {
    const state = snapshot(passive, 'maskedInputCollection', 1);
    const relay = passive.serverMessages['maskedInputCollection']?.[1] as EncryptedSharesMessage;
    const first = receive(state, relay, passive.inputs[1]);
    const other = { x: (passive.inputs[1]?.['x'] as Uint32Array).map((v) => (v + 1) & 0xffff) };
    expect(secondAnswer(() => receive(first.state, relay, passive.inputs[1]))).toEqual({ outbox: [], code: 'DUPLICATE_REQUEST' });
    expect(secondAnswer(() => receive(first.state, relay, other))).toEqual({ outbox: [], code: 'CONFLICTING_REQUEST' });
  });

  it('consistencyCheck twice never signs a second survivor set', () => {
    const state = snapshot(active, 'consistencyCheck', 1);
    const request = active.serverMessages['consistencyCheck']?.[1] as ConsistencyRequestMessage;
    const first = receive(state, request);
    expect(first.outbox[0]?.type).toBe('consistencySignature');
    const smaller = { ...request, survivors: [1, 2, 3, 4] };
    expect(secondAnswer(() => receive(state, smaller))).toBe('STATE_CONSUMED');
    expect(secondAnswer(() => receive(first.state, smaller))).toEqual({ outbox: [], code: 'CONFLICTING_REQUEST' });
  });

  it('shareKeys twice never seals two different plaintexts under one channel key and the zero nonce', () => {
    const state = snapshot(passive, 'shareKeys', 1);
    const keys = passive.serverMessages['shareKeys']?.[1] as AdvertisedKeysMessage;
    // A replay of a snapshot (outside what the core can stop) gives the very same ciphertexts...
    const a = receive(structuredClone(state), keys).outbox[0] as Extract<ClientMessage, { type: 'shareKeys' }>;
    const b = receive(structuredClone(state), keys).outbox[0] as Extract<ClientMessage, { type: 'shareKeys' }>;
    expect(b.ciphertexts).toEqual(a.ciphertexts);
    // ...and the state itself answers once.
    receive(state, keys);
    expect(secondAnswer(() => receive(state, keys))).toBe('STATE_CONSUMED');
  });
});

/**
 * The split-view attack on the active variant (issue 14, section 1): all n clients honest, the
 * server shows group A the survivor set with the victim and group B the set without it. Each
 * group sees valid signatures from its own members only; A reveals the victim's self-mask seed
 * shares, B its masking-key shares, and with t of each the server rebuilds both secrets and
 * strips the victim's masks. Returns the victim's input when the attack works, else why not.
 */
function splitView(n: number, t: number, groupA: readonly number[], groupB: readonly number[], victim: number): { input: string | null; why: string } {
  let made: ReturnType<typeof makeConfig>;
  try {
    made = makeConfig(n, t, { active: true });
  } catch (error) {
    return { input: null, why: error instanceof SecAggError ? error.code : String(error) };
  }
  const { config, signingKeys } = made;
  const p = prepare(config, 'maskedInputCollection', signingKeys);
  const server = deliverAll(p) as ServerLiveState;
  const sessionId = Uint8Array.from(server.sessionId as Uint8Array);
  const keys = server.keys;
  const masked = (p.pending[victim] as MaskedInputMessage).vectors[0] as Uint32Array;
  const everyone = Array.from({ length: n }, (_, i) => i + 1);
  const view = (group: readonly number[], survivors: number[]): Map<number, UnmaskingMessage | string> => {
    const dropped = everyone.filter((v) => !survivors.includes(v));
    const signed = new Map<number, { state: ClientState; signature: Uint8Array }>();
    for (const id of group) {
      const step = receive(p.clients[id] as ClientState, { type: 'consistencyRequest', sessionId, survivors });
      const out = step.outbox[0];
      if (out?.type === 'consistencySignature') signed.set(id, { state: step.state, signature: out.signature });
    }
    const signers = [...signed.keys()];
    const answers = new Map<number, UnmaskingMessage | string>();
    for (const [id, { state }] of signed) {
      const request = { type: 'unmaskingRequest', sessionId, survivors, dropped, signers, signatures: signers.map((v) => signed.get(v)?.signature as Uint8Array) };
      const step = receive(state, request);
      answers.set(id, step.outbox[0]?.type === 'unmasking' ? (step.outbox[0] as UnmaskingMessage) : step.state.round === 'aborted' ? step.state.code : 'silent');
    }
    return answers;
  };
  const a = view(groupA, everyone); // the victim survived: reveal its self-mask seed shares
  const b = view(groupB, everyone.filter((v) => v !== victim)); // the victim dropped: reveal its masking-key shares
  const shareOf = (answers: Map<number, UnmaskingMessage | string>): { x: number; y: Uint8Array }[] =>
    [...answers].flatMap(([id, m]) => (typeof m === 'string' ? [] : [{ x: id, y: m.shares[victim - 1] as Uint8Array }]));
  const bShares = shareOf(a);
  const sShares = shareOf(b);
  if (bShares.length < t || sShares.length < t) {
    return { input: null, why: [...a.values(), ...b.values()].find((m) => typeof m === 'string') ?? 'too few shares' };
  }
  const selfSeed = combineShares(bShares.slice(0, t), { threshold: t });
  const maskingKey = combineShares(sShares.slice(0, t), { threshold: t });
  const agreement = createX25519Agreement(maskingKey);
  const x = Uint32Array.from(masked);
  const bits = config.vectors[0]?.bits as number;
  const terms: MaskTerm[] = [{ key: maskKey(selfSeed, sessionId, selfMaskLabel('x')), sign: -1 }];
  for (const v of everyone) {
    if (v === victim) continue;
    const shared = agreement.sharedSecret(keys[v]?.maskingPublicKey as Uint8Array);
    terms.push({ key: maskKey(shared, sessionId, pairwiseMaskLabel(victim, v, 'x')), sign: victim < v ? -1 : 1 });
  }
  applyMasksInto(x, terms, { bits });
  const exact = x.every((v, i) => v === (inputFor(config, victim)['x'] as Uint32Array)[i]);
  return { input: exact ? "the victim's exact input" : 'wrong bytes', why: 'unmasked' };
}

describe('the active variant\'s threshold rule (split view, all clients honest)', () => {
  it('n = 7, t = 3: the server cannot unmask a client by showing two groups two survivor sets', () => {
    const r = splitView(7, 3, [1, 2, 3], [4, 5, 6], 7);
    // Before issue 14 this printed "expected 'the victim's exact input' to be null".
    expect(r.input).toBeNull();
    expect(r.why).toBe('THRESHOLD_TOO_LOW'); // t = 3 is refused: 2t > n + corrupt needs t >= 4
  });

  it('n = 7, t = 4 (the smallest valid threshold): the same attack aborts at the smaller group', () => {
    const r = splitView(7, 4, [1, 2, 3, 7], [4, 5, 6], 7);
    expect(r.input).toBeNull();
    expect(r.why).toBe('TOO_FEW_PEERS');
  });
});

describe('a message from the network never throws, even to a finished party', () => {
  it('a late message to a completed or aborted server is noted, not thrown', () => {
    const p = prepare(makeConfig(5, 3).config, 'unmasking');
    const late = p.pending[1] as ClientMessage;
    const completed = serverCloseRound(deliverAll(p)).state;
    expect(completed.round).toBe('completed');
    const aborted = serverCloseRound(prepare(makeConfig(5, 3).config, 'advertiseKeys').server).state;
    expect(aborted.round).toBe('aborted');
    for (const s of [completed, aborted]) {
      let result: unknown;
      try {
        result = serverReceive(s, late);
      } catch (error) {
        result = error instanceof SecAggError ? `threw ${error.code}` : error;
      }
      expect(result).toEqual({ state: s, outbox: [], note: 'LATE_MESSAGE' });
    }
  });

  it('a late undecodable message, or a closed connection, after the end: dropping its sender is noted, not thrown', () => {
    // The README example drops the sender of bytes that do not decode (or name someone else).
    const completed = serverCloseRound(deliverAll(prepare(makeConfig(5, 3).config, 'unmasking'))).state;
    const aborted = serverCloseRound(prepare(makeConfig(5, 3).config, 'advertiseKeys').server).state;
    for (const s of [completed, aborted]) {
      let result: unknown;
      try {
        result = serverDropClient(s, 2);
      } catch (error) {
        result = error instanceof SecAggError ? `threw ${error.code}` : error; // before the fix: threw WRONG_ROUND
      }
      expect(result).toEqual({ state: s, outbox: [], note: 'LATE_MESSAGE' });
    }
  });

  it('late undecodable bytes to a finished client: aborting it, as the README example does, is noted, not thrown', () => {
    const trace = honestTrace(5, 3);
    const request = trace.serverMessages['unmasking']?.[1] as UnmaskingRequestMessage;
    const completed = receive(snapshot(trace, 'unmasking', 1), request).state;
    const aborted = receive(snapshot(trace, 'unmasking', 1), { type: 'abort', code: 'LOCAL_ABORT' }).state;
    for (const s of [completed, aborted]) {
      let result: unknown;
      try {
        result = clientAbort(s, 'undecodable server message');
      } catch (error) {
        result = error instanceof SecAggError ? `threw ${error.code}` : error; // before the fix: threw WRONG_ROUND
      }
      expect(result).toEqual({ state: s, outbox: [], note: 'LATE_MESSAGE' });
    }
  });

  it('a late message to a completed or aborted client is noted, not thrown', () => {
    const trace = honestTrace(5, 3);
    const request = trace.serverMessages['unmasking']?.[1] as UnmaskingRequestMessage;
    const completed = receive(snapshot(trace, 'unmasking', 1), request).state;
    const aborted = receive(snapshot(trace, 'unmasking', 1), { type: 'abort', code: 'LOCAL_ABORT' }).state;
    for (const [s, late] of [[completed, { ...request, dropped: [2], survivors: [1, 3, 4, 5] }], [aborted, request]] as const) {
      let result: unknown;
      try {
        result = receive(s, late);
      } catch (error) {
        result = error instanceof SecAggError ? `threw ${error.code}` : error;
      }
      expect(result).toEqual({ state: s, outbox: [], note: 'LATE_MESSAGE' });
    }
  });
});

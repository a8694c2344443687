/**
 * Every client check is a coded abort: each test replays a client from an honest trace with one
 * tampered server message and asserts the abort code (and that nothing is sent).
 */
import { describe, expect, it } from 'vitest';
import { AEAD_NONCE, channelKeys, consistencySignedBytes, shareAad, sharePlaintext } from '../../src/protocol/_kdf.js';
import { aeadSeal, ed25519Sign, x25519SharedSecret } from '../../src/crypto/index.js';
import {
  clientAbort,
  clientAdvertiseKeys,
  clientConsistencyCheck,
  clientMaskedInput,
  clientReceive,
  clientShareKeys,
  clientUnmask,
  createClient,
  type AbortCode,
  type AdvertisedKeysMessage,
  type ClientInput,
  type ClientState,
  type ClientStep,
  type ConsistencyRequestMessage,
  type EncryptedSharesMessage,
  type ServerMessage,
  type UnmaskingRequestMessage,
} from '../../src/protocol/index.js';
import { expectSecAggError } from '../_hostile.js';
import { honestTrace, keyEntries, keysMessage, type Trace } from './_driver.js';

const passive = honestTrace(5, 3);
const active = honestTrace(5, 3, { active: true });
const withSilent = honestTrace(5, 3, {}, [5]); // client 5 never advertises
const activeSilent = honestTrace(5, 3, { active: true }, [5]);

/** Steps a snapshot of client `id`'s state of `round` (a stepped state is consumed). */
function stateOf(trace: Trace, round: string, id: number): ClientState {
  return structuredClone(trace.clientStates[round]?.[id] as ClientState);
}

function run(trace: Trace, round: string, id: number, message: unknown): ClientStep {
  return clientReceive(stateOf(trace, round, id), message as ServerMessage, { input: trace.inputs[id] as ClientInput });
}

function expectAbort(step: ClientStep, code: AbortCode): void {
  expect(step.state.round).toBe('aborted');
  if (step.state.round === 'aborted') expect(step.state.code).toBe(code);
  expect(step.outbox).toEqual([]);
  // Aborted states keep no secrets.
  expect(Object.keys(step.state).sort()).toEqual(['atRound', 'code', 'id', 'reason', 'round']);
}

function msg<T>(trace: Trace, round: string, id: number): T {
  return structuredClone(trace.serverMessages[round]?.[id]) as T;
}

const flip = (b: Uint8Array, at = 0): Uint8Array => {
  const c = Uint8Array.from(b);
  c[at] = (c[at] as number) ^ 1;
  return c;
};

describe('client checks in shareKeys (advertised keys)', () => {
  const keysMsg = (t: Trace = passive): AdvertisedKeysMessage => msg<AdvertisedKeysMessage>(t, 'shareKeys', 1);
  const entriesOf = (t: Trace = passive) => keyEntries(keysMsg(t)).map((e) => ({ ...e }));

  it('honest broadcast passes', () => {
    expect(run(passive, 'shareKeys', 1, keysMsg()).state.round).toBe('maskedInputCollection');
  });
  it('TOO_FEW_PEERS when fewer than t - 1 neighbours advertised', () => {
    expectAbort(run(passive, 'shareKeys', 1, keysMessage(entriesOf().slice(0, 2), 5)), 'TOO_FEW_PEERS');
  });
  it('INVALID_PUBLIC_KEY for a small-order key', () => {
    const keys = entriesOf().map((k) => (k.id === 2 ? { ...k, maskingPublicKey: new Uint8Array(32) } : k));
    expectAbort(run(passive, 'shareKeys', 1, keysMessage(keys, 5)), 'INVALID_PUBLIC_KEY');
  });
  it('INVALID_PUBLIC_KEY for a non-canonical key (high bit set)', () => {
    const keys = entriesOf().map((k) => {
      if (k.id !== 3) return k;
      const c = Uint8Array.from(k.channelPublicKey);
      c[31] = (c[31] as number) | 0x80;
      return { ...k, channelPublicKey: c };
    });
    expectAbort(run(passive, 'shareKeys', 1, keysMessage(keys, 5)), 'INVALID_PUBLIC_KEY');
  });
  it('DUPLICATE_PUBLIC_KEY when two clients advertise the same key', () => {
    const all = entriesOf();
    const k2 = all[1];
    const keys = all.map((k) => (k.id === 3 && k2 !== undefined ? { ...k, channelPublicKey: k2.channelPublicKey } : k));
    expectAbort(run(passive, 'shareKeys', 1, keysMessage(keys, 5)), 'DUPLICATE_PUBLIC_KEY');
  });
  it('DUPLICATE_PUBLIC_KEY when one client uses one key for both purposes', () => {
    const keys = entriesOf().map((k) => (k.id === 4 ? { ...k, maskingPublicKey: k.channelPublicKey } : k));
    expectAbort(run(passive, 'shareKeys', 1, keysMessage(keys, 5)), 'DUPLICATE_PUBLIC_KEY');
  });
  it('OWN_KEYS_ALTERED when its keys are missing or changed', () => {
    const all = entriesOf();
    expectAbort(run(passive, 'shareKeys', 1, keysMessage(all.filter((k) => k.id !== 1), 5)), 'OWN_KEYS_ALTERED');
    const other = all[1]?.maskingPublicKey as Uint8Array;
    const keys = all.map((k) => (k.id === 1 ? { ...k, maskingPublicKey: flip(other, 5) } : k));
    expectAbort(run(passive, 'shareKeys', 1, keysMessage(keys, 5)), 'OWN_KEYS_ALTERED');
  });
  it('MALFORMED_MESSAGE for unsorted ids, short keys, stray signatures, hostile objects', () => {
    const m = keysMsg();
    expectAbort(run(passive, 'shareKeys', 1, keysMessage(entriesOf().reverse(), 5)), 'MALFORMED_MESSAGE');
    expectAbort(run(passive, 'shareKeys', 1, { ...m, channelPublicKeys: m.channelPublicKeys.subarray(1) }), 'MALFORMED_MESSAGE');
    expectAbort(run(passive, 'shareKeys', 1, { ...m, signatures: new Uint8Array(64 * m.ids.length) }), 'MALFORMED_MESSAGE');
    expectAbort(run(passive, 'shareKeys', 1, { ...m, ids: [...m.ids, 6] }), 'MALFORMED_MESSAGE');
    expectAbort(run(passive, 'shareKeys', 1, null), 'MALFORMED_MESSAGE');
    const trap = new Proxy({}, { get: () => { throw new Error('trap'); } });
    expectAbort(run(passive, 'shareKeys', 1, trap), 'MALFORMED_MESSAGE');
    expectAbort(run(passive, 'shareKeys', 1, { ...m, ids: trap }), 'MALFORMED_MESSAGE');
  });
  it('MALFORMED_MESSAGE for a key directory proof one hash short or long, or not whole hashes', () => {
    const m = keysMsg();
    expect(m.proof.length).toBe(64); // 5 clients in 8 leaves: leaf 6 and the node over 7, 8
    expectAbort(run(passive, 'shareKeys', 1, { ...m, proof: m.proof.subarray(32) }), 'MALFORMED_MESSAGE');
    expectAbort(run(passive, 'shareKeys', 1, { ...m, proof: new Uint8Array([...m.proof, ...m.proof.subarray(0, 32)]) }), 'MALFORMED_MESSAGE');
    expectAbort(run(passive, 'shareKeys', 1, { ...m, proof: m.proof.subarray(1) }), 'MALFORMED_MESSAGE');
    expectAbort(run(passive, 'shareKeys', 1, { ...m, proof: null }), 'MALFORMED_MESSAGE');
  });
  it('a changed proof hash gives another session id, so the server drops the client (SESSION_MISMATCH)', () => {
    const m = keysMsg();
    const step = run(passive, 'shareKeys', 1, { ...m, proof: flip(m.proof, 40) });
    const honest = passive.clientStates['maskedInputCollection']?.[1] as ClientState;
    expect(step.state.round).toBe('maskedInputCollection');
    if (step.state.round === 'maskedInputCollection' && honest.round === 'maskedInputCollection') {
      expect(step.state.sessionId).not.toEqual(honest.sessionId);
    }
  });
  it('MALFORMED_MESSAGE when the server lists a client outside the neighbourhood (SecAgg+)', () => {
    const sparse = honestTrace(16, 3, { graph: { kind: 'harary', degree: 4, seed: new Uint8Array(32).fill(40) } });
    const m = msg<AdvertisedKeysMessage>(sparse, 'shareKeys', 1);
    const stranger = [...Array(16).keys()].map((i) => i + 1).find((v) => v !== 1 && !m.ids.includes(v)) as number;
    const entries = keyEntries(m);
    const other = keyEntries(msg<AdvertisedKeysMessage>(sparse, 'shareKeys', stranger)).find((e) => e.id === stranger);
    const listed = keysMessage([...entries, other as (typeof entries)[number]].sort((a, b) => a.id - b.id), 16);
    expectAbort(run(sparse, 'shareKeys', 1, { ...listed, proof: m.proof }), 'MALFORMED_MESSAGE');
  });
  it('UNEXPECTED_MESSAGE for a message of another round', () => {
    expectAbort(run(passive, 'shareKeys', 1, msg(passive, 'unmasking', 1)), 'UNEXPECTED_MESSAGE');
  });
  it('SERVER_ABORTED on an abort message', () => {
    expectAbort(run(passive, 'shareKeys', 1, { type: 'abort', code: 'TOO_FEW_CLIENTS' }), 'SERVER_ABORTED');
  });
  it('INVALID_SIGNATURE (active) when the server swaps in another key', () => {
    const all = entriesOf(active);
    const fresh = all[3]?.maskingPublicKey as Uint8Array; // a valid point, but not the one client 2 signed
    const keys = all.map((k) => (k.id === 2 ? { ...k, maskingPublicKey: Uint8Array.from(fresh).reverse().fill(9, 0, 1) } : k));
    const step = run(active, 'shareKeys', 1, keysMessage(keys, 5));
    expect(step.state.round).toBe('aborted');
    if (step.state.round === 'aborted') expect(['INVALID_SIGNATURE', 'INVALID_PUBLIC_KEY']).toContain(step.state.code);
    const sigBad = all.map((k) => (k.id === 2 ? { ...k, signature: flip(k.signature as Uint8Array, 3) } : k));
    expectAbort(run(active, 'shareKeys', 1, keysMessage(sigBad, 5)), 'INVALID_SIGNATURE');
  });
});

describe('client checks in maskedInputCollection (encrypted shares)', () => {
  const sharesMsg = (t: Trace = passive, id = 1): EncryptedSharesMessage => msg<EncryptedSharesMessage>(t, 'maskedInputCollection', id);

  it('honest relay passes', () => {
    expect(run(passive, 'maskedInputCollection', 1, sharesMsg()).state.round).toBe('unmasking');
  });
  it('SESSION_MISMATCH for another session id', () => {
    const m = sharesMsg();
    expectAbort(run(passive, 'maskedInputCollection', 1, { ...m, sessionId: flip(m.sessionId) }), 'SESSION_MISMATCH');
  });
  it('UNEXPECTED_MESSAGE for shares addressed to another client', () => {
    expectAbort(run(passive, 'maskedInputCollection', 1, sharesMsg(passive, 2)), 'UNEXPECTED_MESSAGE');
  });
  it('TOO_FEW_PEERS when fewer than t - 1 neighbours sent shares', () => {
    const m = sharesMsg();
    expectAbort(
      run(passive, 'maskedInputCollection', 1, { ...m, senders: m.senders.slice(0, 1), ciphertexts: m.ciphertexts.slice(0, 1) }),
      'TOO_FEW_PEERS',
    );
  });
  it('INCONSISTENT_SETS for shares from a client that never advertised', () => {
    const m = sharesMsg(withSilent);
    const forged = { ...m, senders: [...m.senders, 5], ciphertexts: [...m.ciphertexts, m.ciphertexts[0] as Uint8Array] };
    expectAbort(run(withSilent, 'maskedInputCollection', 1, forged), 'INCONSISTENT_SETS');
  });
  it('SHARE_DECRYPTION_FAILED for a tampered ciphertext or swapped senders', () => {
    const m = sharesMsg();
    const cts = m.ciphertexts.map((c, i) => (i === 1 ? flip(c, 10) : c));
    expectAbort(run(passive, 'maskedInputCollection', 1, { ...m, ciphertexts: cts }), 'SHARE_DECRYPTION_FAILED');
    const swapped = [m.ciphertexts[1], m.ciphertexts[0], ...m.ciphertexts.slice(2)] as Uint8Array[];
    expectAbort(run(passive, 'maskedInputCollection', 1, { ...m, ciphertexts: swapped }), 'SHARE_DECRYPTION_FAILED');
  });
  it('SHARE_MISADDRESSED for a valid ciphertext whose plaintext names another sender', () => {
    const m = sharesMsg();
    const c2 = passive.clientStates['maskedInputCollection']?.[2] as Extract<ClientState, { round: 'maskedInputCollection' }>;
    const c1 = passive.clientStates['maskedInputCollection']?.[1] as Extract<ClientState, { round: 'maskedInputCollection' }>;
    const shared = x25519SharedSecret(c2.keys.channelPrivateKey, c1.keys.channelPublicKey);
    const [key] = channelKeys(shared, m.sessionId, 2, 1);
    const pt = sharePlaintext(3, 1, new Uint8Array(32), new Uint8Array(32));
    const forged = aeadSeal(key, AEAD_NONCE, pt, shareAad(m.sessionId, 2, 1));
    const cts = m.ciphertexts.map((c, i) => (m.senders[i] === 2 ? forged : c));
    expectAbort(run(passive, 'maskedInputCollection', 1, { ...m, ciphertexts: cts }), 'SHARE_MISADDRESSED');
  });
  it('MALFORMED_MESSAGE for a ciphertext of the wrong length or a count mismatch', () => {
    const m = sharesMsg();
    expectAbort(run(passive, 'maskedInputCollection', 1, { ...m, ciphertexts: m.ciphertexts.slice(1) }), 'MALFORMED_MESSAGE');
    const cts = m.ciphertexts.map((c, i) => (i === 0 ? c.subarray(1) : c));
    expectAbort(run(passive, 'maskedInputCollection', 1, { ...m, ciphertexts: cts }), 'MALFORMED_MESSAGE');
  });
  it('a bad local input throws (it is the caller\'s error, not the network\'s)', () => {
    const state = stateOf(passive, 'maskedInputCollection', 1);
    const m = sharesMsg();
    expectSecAggError(() => clientMaskedInput(state, m, { x: new Uint32Array(7) }), 'LENGTH_MISMATCH');
    expectSecAggError(() => clientMaskedInput(state, m, { x: new Uint32Array(8).fill(70000) }), 'ELEMENT_OUT_OF_RANGE');
    expectSecAggError(() => clientMaskedInput(state, m, { y: new Uint32Array(8) } as ClientInput), 'UNKNOWN_OPTION');
    expectSecAggError(() => clientMaskedInput(state, m, { x: new Float64Array(8) } as unknown as ClientInput), 'INVALID_TYPE');
    expectSecAggError(() => clientReceive(state, m), 'INVALID_TYPE');
  });
});

describe('hostile message types in every round abort the client, never throw', () => {
  const trap = new Proxy({}, { get: () => { throw new Error('trap'); } });
  const rounds: [Trace, string][] = [
    [passive, 'shareKeys'],
    [passive, 'maskedInputCollection'],
    [active, 'consistencyCheck'],
    [passive, 'unmasking'],
  ];
  for (const [trace, round] of rounds) {
    it(round, () => {
      const weird = [Object.create(null), { toString: () => { throw new Error('toString'); } }, Symbol('t'), 7];
      for (const type of weird) expectAbort(run(trace, round, 1, { type }), 'UNEXPECTED_MESSAGE');
      expectAbort(run(trace, round, 1, trap), 'MALFORMED_MESSAGE');
      // Without options.input too (clientReceive reads the type to decide whether it needs one).
      expectAbort(clientReceive(stateOf(trace, round, 1), trap as ServerMessage), 'MALFORMED_MESSAGE');
    });
  }
});

describe('client messages own their memory', () => {
  it('a kept state gives the same messages again after the caller overwrote the first ones', () => {
    for (const [trace, round] of [[passive, 'shareKeys'], [passive, 'maskedInputCollection'], [active, 'consistencyCheck'], [passive, 'unmasking']] as const) {
      const message = msg<ServerMessage>(trace, round, 1);
      const step = (): ClientStep => clientReceive(stateOf(trace, round, 1), message, { input: trace.inputs[1] as ClientInput });
      const first = step().outbox[0] as unknown as Record<string, unknown>;
      const copy = structuredClone(first);
      for (const v of Object.values(first)) {
        if (v instanceof Uint8Array || v instanceof Uint32Array) v.fill(0xa5);
        if (Array.isArray(v)) for (const x of v) if (x instanceof Uint8Array || x instanceof Uint32Array) x.fill(0xa5);
      }
      // The same state (a snapshot of it): the same message again (steps are deterministic).
      expect(step().outbox[0]).toEqual(copy);
    }
  });
});

describe('client checks in consistencyCheck (active)', () => {
  const req = (t: Trace = active): ConsistencyRequestMessage => msg<ConsistencyRequestMessage>(t, 'consistencyCheck', 1);

  it('honest request passes', () => {
    expect(run(active, 'consistencyCheck', 1, req()).state.round).toBe('unmasking');
  });
  it('INCONSISTENT_SETS when this client is not a survivor', () => {
    expectAbort(run(active, 'consistencyCheck', 1, { ...req(), survivors: [2, 3, 4, 5] }), 'INCONSISTENT_SETS');
  });
  it('INCONSISTENT_SETS when a survivor never shared keys with this client', () => {
    expectAbort(run(activeSilent, 'consistencyCheck', 1, { ...req(activeSilent), survivors: [1, 2, 3, 4, 5] }), 'INCONSISTENT_SETS');
  });
  it('TOO_FEW_PEERS when fewer than t survive', () => {
    expectAbort(run(active, 'consistencyCheck', 1, { ...req(), survivors: [1, 2] }), 'TOO_FEW_PEERS');
  });
  it('SESSION_MISMATCH and MALFORMED_MESSAGE', () => {
    expectAbort(run(active, 'consistencyCheck', 1, { ...req(), sessionId: flip(req().sessionId) }), 'SESSION_MISMATCH');
    expectAbort(run(active, 'consistencyCheck', 1, { ...req(), survivors: [3, 1, 2] }), 'MALFORMED_MESSAGE');
  });
});

describe('client checks in unmasking', () => {
  const req = (t: Trace = passive, id = 1): UnmaskingRequestMessage => msg<UnmaskingRequestMessage>(t, 'unmasking', id);

  it('honest request passes and reveals one share per peer', () => {
    const step = run(passive, 'unmasking', 1, req());
    expect(step.state.round).toBe('completed');
    expect(step.outbox[0]?.type).toBe('unmasking');
    if (step.outbox[0]?.type === 'unmasking') expect(step.outbox[0].shares.length).toBe(5);
  });
  it('INCONSISTENT_SETS when a peer is both survivor and dropped (never reveal both shares)', () => {
    expectAbort(run(passive, 'unmasking', 1, { ...req(), dropped: [2] }), 'INCONSISTENT_SETS');
  });
  it('INCONSISTENT_SETS when this client is listed as dropped or missing', () => {
    expectAbort(run(passive, 'unmasking', 1, { ...req(), survivors: [2, 3, 4, 5], dropped: [1] }), 'INCONSISTENT_SETS');
    expectAbort(run(passive, 'unmasking', 1, { ...req(), survivors: [2, 3, 4, 5] }), 'INCONSISTENT_SETS');
  });
  it('INCONSISTENT_SETS when a held peer is neither survivor nor dropped', () => {
    expectAbort(run(passive, 'unmasking', 1, { ...req(), survivors: [1, 2, 3, 4] }), 'INCONSISTENT_SETS');
  });
  it('INCONSISTENT_SETS when a listed peer is not from the previous round', () => {
    expectAbort(run(withSilent, 'unmasking', 1, { ...req(withSilent), dropped: [5] }), 'INCONSISTENT_SETS');
  });
  it('TOO_FEW_PEERS when fewer than t survive', () => {
    expectAbort(run(passive, 'unmasking', 1, { ...req(), survivors: [1, 2], dropped: [3, 4, 5] }), 'TOO_FEW_PEERS');
  });
  it('MALFORMED_MESSAGE for an id above the cohort in any list (ids up to 65535 encode)', () => {
    expectAbort(run(passive, 'unmasking', 1, { ...req(), survivors: [1, 2, 3, 4, 5, 6] }), 'MALFORMED_MESSAGE');
    expectAbort(run(passive, 'unmasking', 1, { ...req(), dropped: [65_535] }), 'MALFORMED_MESSAGE');
    const m = msg<EncryptedSharesMessage>(passive, 'maskedInputCollection', 1);
    const senders = [...m.senders.slice(0, -1), 6];
    expectAbort(run(passive, 'maskedInputCollection', 1, { ...m, senders }), 'MALFORMED_MESSAGE');
  });
  it('MALFORMED_MESSAGE for signatures in the passive variant', () => {
    expectAbort(run(passive, 'unmasking', 1, { ...req(), signers: [2], signatures: [new Uint8Array(64)] }), 'MALFORMED_MESSAGE');
  });
  it('active: INCONSISTENT_SETS when the survivors differ from the signed set', () => {
    const m = req(active);
    expectAbort(run(active, 'unmasking', 1, { ...m, survivors: [1, 2, 3, 4], dropped: [5] }), 'INCONSISTENT_SETS');
  });
  it('active: INVALID_SIGNATURE for a bad consistency signature', () => {
    const m = req(active);
    const signatures = m.signatures.map((s, i) => (i === 0 ? flip(s, 1) : s));
    expectAbort(run(active, 'unmasking', 1, { ...m, signatures }), 'INVALID_SIGNATURE');
  });
  it('active: TOO_FEW_PEERS when too few neighbours signed', () => {
    const m = req(active);
    expectAbort(run(active, 'unmasking', 1, { ...m, signers: m.signers.slice(0, 1), signatures: m.signatures.slice(0, 1) }), 'TOO_FEW_PEERS');
  });
  it('active: a server showing different clients different survivor sets is detected', () => {
    // Client 2 is told U3 = {1..4} (client 5 "dropped") and signs it; client 1 is told {1..5}.
    const m1 = req(active, 1);
    const state2 = stateOf(active, 'consistencyCheck', 2);
    const forged = { ...msg<ConsistencyRequestMessage>(active, 'consistencyCheck', 2), survivors: [1, 2, 3, 4] };
    const step2 = clientConsistencyCheck(state2, forged);
    expect(step2.state.round).toBe('unmasking');
    const sig2 = step2.outbox[0]?.type === 'consistencySignature' ? step2.outbox[0].signature : new Uint8Array(64);
    // The server relays client 2's signature (over another set) to client 1.
    const signatures = m1.signers.map((v, i) => (v === 2 ? sig2 : (m1.signatures[i] as Uint8Array)));
    expectAbort(run(active, 'unmasking', 1, { ...m1, signatures }), 'INVALID_SIGNATURE');
    // And client 2, shown {1..5} at unmasking, refuses too.
    const m2 = req(active, 2);
    const r2 = clientUnmask(step2.state, m2);
    expectAbort(r2, 'INCONSISTENT_SETS');
  });
  it('a forged consistency signature by the server (no signing key) fails', () => {
    const m = req(active);
    const wrongKey = ed25519Sign(new Uint8Array(32).fill(1), consistencySignedBytes(m.sessionId, m.survivors));
    expectAbort(run(active, 'unmasking', 1, { ...m, signatures: m.signatures.map(() => wrongKey) }), 'INVALID_SIGNATURE');
  });
});

describe('messages in the right round, once', () => {
  it('a message of a later round aborts with UNEXPECTED_MESSAGE', () => {
    expectAbort(run(passive, 'shareKeys', 1, msg(passive, 'unmasking', 1)), 'UNEXPECTED_MESSAGE');
    expectAbort(run(passive, 'maskedInputCollection', 1, msg(passive, 'unmasking', 1)), 'UNEXPECTED_MESSAGE');
  });
  it('a repeat of an answered request is a DUPLICATE_REQUEST note: the state is returned unconsumed', () => {
    const state = stateOf(passive, 'unmasking', 1);
    const step = clientReceive(state, msg(passive, 'maskedInputCollection', 1), { input: passive.inputs[1] as ClientInput });
    expect(step).toEqual({ state, outbox: [], note: 'DUPLICATE_REQUEST' });
    expect(step.state).toBe(state);
    expect(clientReceive(state, msg(passive, 'shareKeys', 1)).note).toBe('DUPLICATE_REQUEST');
    expect(clientReceive(state, msg(passive, 'unmasking', 1)).state.round).toBe('completed'); // still usable
  });
  it('another request of an answered round (or the same relay with another input) is CONFLICTING_REQUEST', () => {
    const other = msg<EncryptedSharesMessage>(passive, 'maskedInputCollection', 1);
    expectAbort(run(passive, 'unmasking', 1, { ...other, senders: other.senders.slice(1), ciphertexts: other.ciphertexts.slice(1) }), 'CONFLICTING_REQUEST');
    const x = Uint32Array.from(passive.inputs[1]?.['x'] as Uint32Array);
    x[0] = ((x[0] as number) + 1) & 0xffff;
    expectAbort(clientReceive(stateOf(passive, 'unmasking', 1), other, { input: { x } }), 'CONFLICTING_REQUEST');
    expectAbort(run(passive, 'maskedInputCollection', 1, msg(withSilent, 'shareKeys', 1)), 'CONFLICTING_REQUEST'); // keys without client 5's
  });
});

describe('illegal calls throw WRONG_ROUND; finished clients take late messages with a note', () => {
  const config = passive.config;
  const fresh = (): ClientState => createClient(config, { id: 1 });
  const completed = (): ClientState => run(passive, 'unmasking', 1, msg(passive, 'unmasking', 1)).state;
  const abortedState = (): ClientState => clientAbort(fresh()).state;
  const live: [string, () => ClientState][] = [
    ['advertiseKeys', fresh],
    ['shareKeys', () => stateOf(passive, 'shareKeys', 1)],
    ['maskedInputCollection', () => stateOf(passive, 'maskedInputCollection', 1)],
    ['unmasking', () => stateOf(passive, 'unmasking', 1)],
    ['consistencyCheck', () => stateOf(active, 'consistencyCheck', 1)],
  ];
  const m = { type: 'abort', code: 'LOCAL_ABORT' } as ServerMessage;
  const input = passive.inputs[1] as ClientInput;
  const calls: [string, (s: ClientState) => ClientStep][] = [
    ['advertiseKeys', (s) => clientAdvertiseKeys(s)],
    ['shareKeys', (s) => clientShareKeys(s, m)],
    ['maskedInputCollection', (s) => clientMaskedInput(s, m, input)],
    ['consistencyCheck', (s) => clientConsistencyCheck(s, m)],
    ['unmasking', (s) => clientUnmask(s, m)],
  ];
  for (const [round, make] of live) {
    for (const [step, call] of calls) {
      if (step === round) continue;
      it(`${step} step in state ${round}`, () => expectSecAggError(() => call(make()), 'WRONG_ROUND'));
    }
  }
  it('every step that takes a message returns a completed or aborted client unchanged (LATE_MESSAGE)', () => {
    for (const make of [completed, abortedState]) {
      for (const [step, call] of calls) {
        if (step === 'advertiseKeys') continue;
        const state = make();
        expect(call(state), step).toEqual({ state, outbox: [], note: 'LATE_MESSAGE' });
      }
      const state = make();
      const other = { ...msg<UnmaskingRequestMessage>(passive, 'unmasking', 1), survivors: [1, 2, 3, 4], dropped: [5] };
      expect(clientReceive(state, other)).toEqual({ state, outbox: [], note: 'LATE_MESSAGE' });
    }
  });
  it('a completed client takes a repeat of its unmasking request as DUPLICATE_REQUEST, anything else as LATE_MESSAGE', () => {
    const state = completed();
    expect(clientReceive(state, msg(passive, 'unmasking', 1)).note).toBe('DUPLICATE_REQUEST');
    expect(clientReceive(state, { ...msg<UnmaskingRequestMessage>(passive, 'unmasking', 1), dropped: [5] }).note).toBe('LATE_MESSAGE');
  });
  it('a server message before the client advertised aborts it (never throws)', () => {
    expectAbort(clientReceive(fresh(), m), 'SERVER_ABORTED');
    expectAbort(clientReceive(fresh(), msg(passive, 'shareKeys', 1)), 'UNEXPECTED_MESSAGE');
  });
  it('clientAbort in completed and aborted: a note, the state unchanged', () => {
    for (const s of [completed(), abortedState()]) expect(clientAbort(s)).toEqual({ state: s, outbox: [], note: 'LATE_MESSAGE' });
  });
  it('hostile states and options', () => {
    expectSecAggError(() => clientAdvertiseKeys(null as unknown as ClientState), 'WRONG_ROUND');
    expectSecAggError(() => clientAdvertiseKeys(fresh(), { rng: () => new Uint8Array(32) } as never), 'UNKNOWN_OPTION');
    expectSecAggError(() => clientAdvertiseKeys(fresh(), { seed: 1 } as never), 'UNKNOWN_OPTION');
    expectSecAggError(() => clientAdvertiseKeys(fresh(), { backend: 'gpu' } as never), 'INVALID_TYPE');
    expectSecAggError(() => createClient(config, { id: 1, rng: 5 } as never), 'INVALID_TYPE');
    expectSecAggError(() => createClient(config, { id: 1, rng: () => new Uint8Array(31) }), 'INVALID_LENGTH');
  });
});

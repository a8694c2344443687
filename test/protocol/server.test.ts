import { describe, expect, it } from 'vitest';
import { ed25519PublicKey } from '../../src/crypto/index.js';
import {
  clientReceive,
  createClient,
  createServer,
  createSessionConfig,
  serverAbort,
  serverCloseRound,
  serverDropClient,
  serverReceive,
  type ClientMessage,
  type ClientState,
  type ServerLiveState,
  type ServerState,
  type SessionConfig,
} from '../../src/protocol/index.js';
import { SecAggError } from '../../src/errors.js';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import { expectSecAggError, notCounts } from '../_hostile.js';
import { deliverAll, makeConfig, plainSum, prepare, seed } from './_driver.js';

function dropsOf(s: ServerState): [number, string][] {
  return s.drops.map((d) => [d.id, d.reason]);
}

const config5 = makeConfig(5, 3).config;

describe('server drop reasons', () => {
  it('advertiseKeys: MALFORMED_MESSAGE, INVALID_PUBLIC_KEY, UNEXPECTED_MESSAGE, NO_MESSAGE, DROPPED_BY_CALLER', () => {
    const p = prepare(makeConfig(8, 2).config, 'advertiseKeys');
    const m = (id: number): Extract<ClientMessage, { type: 'advertiseKeys' }> =>
      p.pending[id] as Extract<ClientMessage, { type: 'advertiseKeys' }>;
    let s = p.server;
    s = serverReceive(s, { ...m(1), channelPublicKey: new Uint8Array(31) }).state;
    s = serverReceive(s, { ...m(2), maskingPublicKey: new Uint8Array(32) }).state;
    s = serverReceive(s, { ...m(3), type: 'shareKeys' } as unknown as ClientMessage).state;
    s = serverReceive(s, { ...m(4), maskingPublicKey: m(4).channelPublicKey }).state;
    for (const id of [5, 6, 7]) s = serverReceive(s, m(id)).state;
    s = serverDropClient(s, 7).state;
    const closed = serverCloseRound(s);
    expect(dropsOf(closed.state)).toEqual([
      [1, 'MALFORMED_MESSAGE'],
      [2, 'INVALID_PUBLIC_KEY'],
      [3, 'UNEXPECTED_MESSAGE'],
      [4, 'INVALID_PUBLIC_KEY'],
      [7, 'DROPPED_BY_CALLER'],
      [8, 'NO_MESSAGE'],
    ]);
    expect(closed.state.round).toBe('shareKeys');
    expect(closed.outbox[0]?.to).toEqual([5, 6]);
  });

  it('advertiseKeys: DUPLICATE_PUBLIC_KEY drops both clients', () => {
    const p = prepare(makeConfig(6, 3).config, 'advertiseKeys');
    const m2 = p.pending[2] as Extract<ClientMessage, { type: 'advertiseKeys' }>;
    p.pending[3] = { ...(p.pending[3] as Extract<ClientMessage, { type: 'advertiseKeys' }>), channelPublicKey: m2.channelPublicKey };
    const closed = serverCloseRound(deliverAll(p));
    expect(dropsOf(closed.state)).toEqual([
      [2, 'DUPLICATE_PUBLIC_KEY'],
      [3, 'DUPLICATE_PUBLIC_KEY'],
    ]);
  });

  it('advertiseKeys (active): INVALID_SIGNATURE', () => {
    const { config, signingKeys } = makeConfig(5, 3, { active: true });
    const p = prepare(config, 'advertiseKeys', signingKeys);
    const m1 = p.pending[1] as Extract<ClientMessage, { type: 'advertiseKeys' }>;
    const sig = Uint8Array.from(m1.signature as Uint8Array);
    sig[0] = (sig[0] as number) ^ 1;
    p.pending[1] = { ...m1, signature: sig };
    const closed = serverCloseRound(deliverAll(p));
    expect(dropsOf(closed.state)).toEqual([[1, 'INVALID_SIGNATURE']]);
  });

  it('ignores repeats, unknown and dropped senders', () => {
    const p = prepare(config5, 'advertiseKeys');
    let s = serverReceive(p.server, p.pending[1] as ClientMessage).state;
    s = serverReceive(s, p.pending[1] as ClientMessage).state; // repeat
    s = serverReceive(s, { ...(p.pending[2] as ClientMessage), sender: 9 } as ClientMessage).state; // unknown
    s = serverReceive(s, null as unknown as ClientMessage).state;
    s = serverDropClient(s, 3).state;
    s = serverReceive(s, p.pending[3] as ClientMessage).state; // dropped
    expect((s as ServerLiveState).ignored).toBe(4);
    expect(dropsOf(s)).toEqual([[3, 'DROPPED_BY_CALLER']]);
  });

  it('shareKeys: SESSION_MISMATCH, WRONG_RECIPIENTS, MALFORMED_MESSAGE', () => {
    const p = prepare(makeConfig(7, 3).config, 'shareKeys');
    const m = (id: number): Extract<ClientMessage, { type: 'shareKeys' }> => p.pending[id] as Extract<ClientMessage, { type: 'shareKeys' }>;
    const sid = Uint8Array.from(m(1).sessionId);
    sid[0] = (sid[0] as number) ^ 1;
    p.pending[1] = { ...m(1), sessionId: sid };
    p.pending[2] = { ...m(2), ciphertexts: m(2).ciphertexts.slice(1) };
    p.pending[3] = { ...m(3), ciphertexts: m(3).ciphertexts.map((c) => c.subarray(1)) };
    p.pending[4] = { ...m(4), ciphertexts: 'x' as unknown as Uint8Array[] };
    const closed = serverCloseRound(deliverAll(p));
    expect(dropsOf(closed.state)).toEqual([
      [1, 'SESSION_MISMATCH'],
      [2, 'WRONG_RECIPIENTS'],
      [3, 'WRONG_RECIPIENTS'],
      [4, 'MALFORMED_MESSAGE'],
    ]);
    expect(closed.state.round).toBe('maskedInputCollection');
  });

  it('maskedInputCollection: INVALID_VECTOR for wrong lengths and out-of-range elements', () => {
    const p = prepare(makeConfig(6, 3).config, 'maskedInputCollection');
    const m = (id: number): Extract<ClientMessage, { type: 'maskedInput' }> => p.pending[id] as Extract<ClientMessage, { type: 'maskedInput' }>;
    p.pending[1] = { ...m(1), vectors: [new Uint32Array(7)] };
    p.pending[2] = { ...m(2), vectors: [new Uint32Array(8).fill(1 << 16)] };
    p.pending[3] = { ...m(3), vectors: [] };
    const closed = serverCloseRound(deliverAll(p));
    expect(dropsOf(closed.state)).toEqual([
      [1, 'INVALID_VECTOR'],
      [2, 'INVALID_VECTOR'],
      [3, 'INVALID_VECTOR'],
    ]);
  });

  it('unmasking: WRONG_SHARES; the session still completes with the others', () => {
    const p = prepare(makeConfig(6, 3).config, 'unmasking');
    const m1 = p.pending[1] as Extract<ClientMessage, { type: 'unmasking' }>;
    p.pending[1] = { ...m1, shares: m1.shares.slice(1) };
    const closed = serverCloseRound(deliverAll(p));
    expect(closed.state.round).toBe('completed');
    if (closed.state.round === 'completed') {
      expect(closed.state.result.sums['x']).toEqual(plainSum(p.config, [1, 2, 3, 4, 5, 6]));
      // In the sum, so reported once, as dropped after its input (not among the drops).
      expect(closed.state.drops).toEqual([]);
      expect(closed.state.droppedAfterInput).toEqual([{ id: 1, reason: 'WRONG_SHARES', round: 'unmasking' }]);
      expect(closed.state.result.included).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('unmasking: a corrupted masking-key share is caught (RECONSTRUCTION_FAILED)', () => {
    const cfg = makeConfig(5, 3).config;
    // Client 5 dropped after sharing keys: rebuild its masking key from corrupted shares.
    const p2 = prepare(cfg, 'maskedInputCollection');
    let s = deliverAll(p2, [5]);
    let closed = serverCloseRound(s);
    s = closed.state;
    const clients = p2.clients;
    const pending: ClientMessage[] = [];
    for (const out of closed.outbox) for (const to of out.to) {
      const step = clientReceive(clients[to] as ClientState, out.message);
      pending[to] = step.outbox[0] as ClientMessage;
    }
    for (const id of [1, 2, 3, 4]) {
      const m = pending[id] as Extract<ClientMessage, { type: 'unmasking' }>;
      const shares = m.shares.map((x, i) => (i === m.shares.length - 1 ? x.map((b) => b ^ 0x5a) : x));
      s = serverReceive(s, { ...m, shares }).state;
    }
    closed = serverCloseRound(s);
    expect(closed.state.round).toBe('aborted');
    if (closed.state.round === 'aborted') expect(closed.state.code).toBe('RECONSTRUCTION_FAILED');
  });

  it('unmasking: one wrong share never yields a wrong sum; with 6 holders and t = 3 it is corrected and its holder named (INCONSISTENT_SHARE)', () => {
    // Before issue 18 the first t + 1 = 4 holders' 24 corrupted shares each aborted the round.
    const p = prepare(makeConfig(6, 3).config, 'unmasking');
    const want = plainSum(p.config, [1, 2, 3, 4, 5, 6]);
    let corrected = 0;
    for (let holder = 1; holder <= 6; holder++) {
      const m = p.pending[holder] as Extract<ClientMessage, { type: 'unmasking' }>;
      for (let i = 0; i < m.shares.length; i++) {
        const shares = m.shares.map((x, j) => (j === i ? x.map((b, k) => (k === 3 ? b ^ 1 : b)) : x));
        let s: ServerState = structuredClone(p.server);
        p.pending.forEach((msg, id) => {
          if (msg !== undefined) s = serverReceive(s, id === holder ? { ...m, shares } : msg).state;
        });
        const closed = serverCloseRound(s, { rng: deterministicRandomBytes(seed(12)) });
        expect(closed.state.round).toBe('completed');
        if (closed.state.round !== 'completed') continue;
        expect(closed.state.result.sums['x']).toEqual(want);
        expect(dropsOf(closed.state)).toEqual([]); // the liar's input is in the sum: reported once, below
        expect(closed.state.droppedAfterInput.map((d) => [d.id, d.reason])).toEqual([[holder, 'INCONSISTENT_SHARE']]);
        corrected++;
      }
    }
    expect(corrected).toBe(36);
  });

  it('a message whose getter throws (even a SecAggError) drops its sender; the state stays usable', () => {
    const p = prepare(makeConfig(6, 3).config, 'shareKeys');
    const m1 = p.pending[1] as Extract<ClientMessage, { type: 'shareKeys' }>;
    p.pending[1] = Object.defineProperty({ ...m1 }, 'ciphertexts', {
      get: () => {
        throw new SecAggError('WRONG_ROUND', 'from a getter');
      },
    });
    const closed = serverCloseRound(deliverAll(p));
    expect(dropsOf(closed.state)).toEqual([[1, 'MALFORMED_MESSAGE']]);
    expect(closed.state.round).toBe('maskedInputCollection');
  });

  it('a vector that lies about its length is refused (INVALID_VECTOR), and the sum of the others is exact', () => {
    const p = prepare(makeConfig(6, 3).config, 'maskedInputCollection');
    const m1 = p.pending[1] as Extract<ClientMessage, { type: 'maskedInput' }>;
    const short = Object.defineProperty(new Uint32Array(1), 'length', { value: 8 });
    const bytes = Object.defineProperty(Uint8Array.from(m1.sessionId.subarray(0, 31)), 'length', { value: 32 });
    p.pending[1] = { ...m1, vectors: [short] };
    const m2 = p.pending[2] as Extract<ClientMessage, { type: 'maskedInput' }>;
    p.pending[2] = { ...m2, sessionId: bytes };
    const closed = serverCloseRound(deliverAll(p));
    expect(dropsOf(closed.state)).toEqual([
      [1, 'INVALID_VECTOR'],
      [2, 'MALFORMED_MESSAGE'],
    ]);
    let s = closed.state;
    for (const out of closed.outbox) {
      for (const to of out.to) s = serverReceive(s, clientReceive(p.clients[to] as ClientState, out.message).outbox[0] as ClientMessage).state;
    }
    s = serverCloseRound(s).state;
    expect(s.round).toBe('completed');
    if (s.round === 'completed') expect(s.result.sums['x']).toEqual(plainSum(p.config, [3, 4, 5, 6]));
  });

  it('consistencyCheck (active): INVALID_SIGNATURE', () => {
    const { config, signingKeys } = makeConfig(6, 4, { active: true });
    const p = prepare(config, 'consistencyCheck', signingKeys);
    const m = p.pending[2] as Extract<ClientMessage, { type: 'consistencySignature' }>;
    p.pending[2] = { ...m, signature: new Uint8Array(64).fill(3) };
    const closed = serverCloseRound(deliverAll(p));
    expect(dropsOf(closed.state)).toEqual([[2, 'INVALID_SIGNATURE']]);
    expect(closed.state.round).toBe('unmasking');
  });

  it('TOO_FEW_NEIGHBOURS in a sparse graph, and a coded abort with abort messages when below threshold', () => {
    const config = createSessionConfig({
      clients: 10,
      threshold: 3,
      graph: { kind: 'harary', degree: 2, seed: seed(1) },
      nonce: seed(2),
      vectors: [{ name: 'x', length: 4, bits: 8 }],
    });
    const p = prepare(config, 'advertiseKeys');
    // Drop one client: its two ring neighbours are left with 1 neighbour each (t - 1 = 2 needed),
    // and the pruning cascades around the ring.
    const closed = serverCloseRound(deliverAll(p, [1]));
    expect(closed.state.drops.some((d) => d.reason === 'TOO_FEW_NEIGHBOURS')).toBe(true);
    expect(closed.state.round).toBe('aborted');
    if (closed.state.round === 'aborted') expect(closed.state.code).toBe('TOO_FEW_CLIENTS');
  });

  it('abort tells the remaining clients', () => {
    const p = prepare(config5, 'shareKeys');
    const r = serverAbort(deliverAll(p), 'deadline');
    expect(r.state.round).toBe('aborted');
    expect(r.outbox).toEqual([{ to: [1, 2, 3, 4, 5], message: { type: 'abort', code: 'LOCAL_ABORT' } }]);
    const client = clientReceive(p.clients[1] as ClientState, r.outbox[0]?.message as never);
    expect(client.state.round).toBe('aborted');
    if (client.state.round === 'aborted') expect(client.state.code).toBe('SERVER_ABORTED');
  });
});

describe('server state ownership and serialisation', () => {
  it('a step consumes its state: reuse throws STATE_CONSUMED, buffers are reused, clones are independent', () => {
    const p = prepare(config5, 'maskedInputCollection');
    const before = p.server as ServerLiveState;
    const snapshot = structuredClone(before);
    const r = serverReceive(before, p.pending[1] as ClientMessage);
    expect((r.state as ServerLiveState).accumulators[0]).toBe(before.accumulators[0]); // no copy
    expectSecAggError(() => serverReceive(before, p.pending[2] as ClientMessage), 'STATE_CONSUMED');
    expectSecAggError(() => serverCloseRound(before), 'STATE_CONSUMED');
    expectSecAggError(() => serverDropClient(before, 2), 'STATE_CONSUMED');
    expectSecAggError(() => serverAbort(before), 'STATE_CONSUMED');
    // A frozen state (it cannot take the mark a step puts on what it consumed) is consumed too.
    const frozen = Object.freeze(structuredClone(snapshot));
    serverReceive(frozen, p.pending[1] as ClientMessage);
    expectSecAggError(() => serverReceive(frozen, p.pending[2] as ClientMessage), 'STATE_CONSUMED');
    expect(Object.keys(frozen)).toEqual(Object.keys(snapshot));
    expect(Object.keys(before)).toEqual(Object.keys(snapshot)); // the mark is not an enumerable key
    // The snapshot still holds the empty sums and can continue on its own.
    expect(Array.from(snapshot.accumulators[0] as Uint32Array).every((v) => v === 0)).toBe(true);
    let s: ServerState = snapshot;
    for (const m of p.pending) if (m !== undefined) s = serverReceive(s, m).state;
    expect(serverCloseRound(s).state.round).toBe('unmasking');
  });

  it('no message shares memory with a state, sent or received (server and clients): a transport may overwrite, reuse or transfer every buffer', () => {
    const vandalise = (v: unknown): void => {
      if (v instanceof Uint8Array) v.fill(0xa5);
      else if (Array.isArray(v)) {
        for (const x of v) vandalise(x);
        if (v.every((x) => typeof x === 'number')) v.fill(0);
      } else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) vandalise(x);
    };
    for (const extra of [{ active: true }, { graph: { kind: 'harary' as const, degree: 4, seed: seed(3) } }]) {
      const { config, signingKeys } = makeConfig(8, 'active' in extra ? 5 : 4, extra); // active: 2t > n
      // Every message is vandalised once its receivers took it (those of one outbox together:
      // they may share buffers with each other).
      const { server } = prepare(config, 'completed', signingKeys, vandalise);
      expect(server.round).toBe('completed');
      if (server.round === 'completed') expect(server.result.sums['x']).toEqual(plainSum(config, [1, 2, 3, 4, 5, 6, 7, 8]));
    }
  });

  it('every state survives structuredClone in the middle of a session', () => {
    const p = prepare(config5, 'maskedInputCollection');
    let server: ServerState = structuredClone(deliverAll(p));
    const clients = p.clients.map((c) => structuredClone(c));
    let closed = serverCloseRound(server);
    server = structuredClone(closed.state);
    const pending: ClientMessage[] = [];
    for (const out of closed.outbox) for (const to of out.to) {
      const step = clientReceive(structuredClone(clients[to] as ClientState), structuredClone(out.message));
      pending[to] = structuredClone(step.outbox[0] as ClientMessage);
    }
    for (const m of pending) if (m !== undefined) server = serverReceive(server, m).state;
    closed = serverCloseRound(structuredClone(server));
    expect(closed.state.round).toBe('completed');
    if (closed.state.round === 'completed') expect(closed.state.result.sums['x']).toEqual(plainSum(config5, [1, 2, 3, 4, 5]));
  });

  it('completed and aborted states take a late message (or a late drop) with a note, and refuse every other step (WRONG_ROUND)', () => {
    const done = serverAbort(createServer(config5)).state;
    const p = prepare(config5, 'unmasking');
    const completed = serverCloseRound(deliverAll(p)).state;
    for (const s of [done, completed]) {
      expect(serverReceive(s, p.pending[1] as ClientMessage)).toEqual({ state: s, outbox: [], note: 'LATE_MESSAGE' });
      expect(serverReceive(s, null as unknown as ClientMessage).note).toBe('LATE_MESSAGE');
      expectSecAggError(() => serverCloseRound(s), 'WRONG_ROUND');
      expect(serverDropClient(s, 1)).toEqual({ state: s, outbox: [], note: 'LATE_MESSAGE' }); // a connection closing after the end
      expectSecAggError(() => serverAbort(s), 'WRONG_ROUND');
    }
  });

  it('messages of another round drop their sender (UNEXPECTED_MESSAGE) in every round', () => {
    for (const round of ['shareKeys', 'maskedInputCollection', 'unmasking'] as const) {
      const p = prepare(config5, round);
      const wrong = { type: 'advertiseKeys', sender: 1, channelPublicKey: new Uint8Array(32), maskingPublicKey: new Uint8Array(32), signature: null } as ClientMessage;
      const s = serverReceive(p.server, wrong).state;
      expect(dropsOf(s)).toEqual([[1, 'UNEXPECTED_MESSAGE']]);
    }
  });

  it('hostile arguments', () => {
    expectSecAggError(() => createServer(null as unknown as SessionConfig), 'INVALID_TYPE');
    expectSecAggError(() => createServer({ ...config5, version: 1 } as unknown as SessionConfig), 'UNSUPPORTED_VERSION');
    expectSecAggError(() => serverReceive(null as unknown as ServerState, null as unknown as ClientMessage), 'INVALID_TYPE');
    for (const bad of notCounts) expectSecAggError(() => serverDropClient(createServer(config5), bad as number));
    expectSecAggError(() => serverDropClient(createServer(config5), 6), 'OUT_OF_RANGE');
  });
});

describe('configuration', () => {
  const base = { clients: 5, threshold: 3, nonce: seed(1), vectors: [{ name: 'x', length: 4, bits: 8 }] };
  it('rejects inconsistent configurations with coded errors', () => {
    expectSecAggError(() => createSessionConfig({ ...base, threshold: 6 }), 'INVALID_CONFIG');
    expectSecAggError(() => createSessionConfig({ ...base, threshold: 1 }), 'INVALID_CONFIG');
    expectSecAggError(() => createSessionConfig({ ...base, threshold: undefined }), 'INVALID_CONFIG');
    expectSecAggError(() => createSessionConfig({ ...base, clients: 1 }), 'OUT_OF_RANGE');
    expectSecAggError(() => createSessionConfig({ ...base, clients: 65_536 }), 'OUT_OF_RANGE');
    expectSecAggError(() => createSessionConfig({ ...base, nonce: new Uint8Array(31) }), 'INVALID_LENGTH');
    expectSecAggError(() => createSessionConfig({ ...base, vectors: [] }), 'INVALID_CONFIG');
    expectSecAggError(() => createSessionConfig({ ...base, vectors: [{ name: 'a b', length: 1, bits: 8 }] }), 'INVALID_CONFIG');
    expectSecAggError(
      () => createSessionConfig({ ...base, vectors: [{ name: 'a', length: 1, bits: 8 }, { name: 'a', length: 2, bits: 8 }] }),
      'INVALID_CONFIG',
    );
    expectSecAggError(() => createSessionConfig({ ...base, vectors: [{ name: 'a', length: 1, bits: 33 }] }), 'INVALID_BITS');
    expectSecAggError(() => createSessionConfig({ ...base, vectors: [{ name: 'a', length: 0, bits: 8 }] }), 'OUT_OF_RANGE');
    expectSecAggError(() => createSessionConfig({ ...base, graph: { kind: 'harary', degree: 3, seed: seed(1) } }), 'INVALID_CONFIG');
    expectSecAggError(() => createSessionConfig({ ...base, graph: { kind: 'ring' } as never }), 'INVALID_CONFIG');
    expectSecAggError(() => createSessionConfig({ ...base, active: true }), 'INVALID_CONFIG');
    expectSecAggError(() => createSessionConfig({ ...base, verificationKeys: [] }), 'INVALID_CONFIG');
    expectSecAggError(() => createSessionConfig({ ...base, extra: 1 } as never), 'UNKNOWN_OPTION');
    for (const bad of notCounts) expectSecAggError(() => createSessionConfig({ ...base, clients: bad as number }));
  });
  it('auto graph: SecAgg+ parameters from the finder', () => {
    const c = createSessionConfig({
      clients: 1000,
      nonce: seed(1),
      vectors: [{ name: 'x', length: 4, bits: 8 }],
      graph: { kind: 'auto', corruptFraction: 0.05, dropoutFraction: 0.05, seed: seed(2) },
    });
    expect(c.graph.kind === 'harary' ? [c.graph.degree, c.threshold] : null).toEqual([30, 17]);
  });
  it('createClient checks its id and the active signing key', () => {
    const { config, signingKeys } = makeConfig(4, 3, { active: true });
    expectSecAggError(() => createClient(config, { id: 1 }), 'INVALID_CONFIG');
    expectSecAggError(() => createClient(config, { id: 1, signingKey: signingKeys?.[1] as Uint8Array }), 'INVALID_CONFIG');
    expectSecAggError(() => createClient(config5, { id: 6 }), 'OUT_OF_RANGE');
    expectSecAggError(() => createClient(config5, { id: 1, signingKey: seed(1) }), 'INVALID_CONFIG');
    for (const bad of notCounts) expectSecAggError(() => createClient(config5, { id: bad as number }));
    expect(ed25519PublicKey(signingKeys?.[0] as Uint8Array)).toEqual(config.verificationKeys?.[0]);
  });
});

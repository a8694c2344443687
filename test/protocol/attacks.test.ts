/**
 * The attacks of issue 14 that the protocol core can stop, each run through the public API as
 * an integrator (or a hostile peer) would run it. Every test here failed on the code before
 * the fix (base commit 32ae307); the closing note of issue 14 lists what each printed there.
 */
import { describe, expect, it } from 'vitest';
import {
  clientReceive,
  createSessionConfig,
  serverCloseRound,
  serverReceive,
  type ClientState,
  type ServerState,
  type AdvertiseKeysMessage,
  type AdvertisedKeysMessage,
  type ClientMessage,
  type ConsistencySignatureMessage,
  type UnmaskingRequestMessage,
} from '../../src/protocol/index.js';
import { deliverAll, makeConfig, prepare, seed } from './_driver.js';

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

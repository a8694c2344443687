/**
 * serverReceiveBytes: bytes off the wire, checked against the authenticated sender. A masked
 * input takes the fused path (packed vectors added straight into the sums); every other message
 * goes through decodeMessage and serverReceive. Whole sessions through it give the plain sums at
 * every bit width; hostile bytes drop (or are ignored), never throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clientAdvertiseKeys,
  clientReceive,
  createClient,
  createServer,
  createSessionConfig,
  decodeMessage,
  encodeMessage,
  serverCloseRound,
  serverReceive,
  serverReceiveBytes,
  type ClientInput,
  type ClientMessage,
  type ClientState,
  type ServerLiveState,
  type ServerState,
  type SessionConfig,
} from '../../src/protocol/index.js';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import { expectSecAggError } from '../_hostile.js';
import { inputFor, plainSum, seed } from './_driver.js';

/** Runs a session whose every client message reaches the server as bytes; returns the end state. */
function sessionThroughBytes(config: SessionConfig, deliver: (server: ServerState, bytes: Uint8Array, from: number) => ServerState): ServerState {
  const rng = deterministicRandomBytes(seed(21));
  const clients: ClientState[] = [];
  let server: ServerState = createServer(config);
  for (let id = 1; id <= config.clients; id++) {
    const step = clientAdvertiseKeys(createClient(config, { id, rng }));
    clients[id] = step.state;
    for (const m of step.outbox) server = deliver(server, encodeMessage(m, config), id);
  }
  for (;;) {
    const closed = serverCloseRound(server);
    server = closed.state;
    if (server.round === 'completed' || server.round === 'aborted') return server;
    for (const out of closed.outbox) {
      for (const to of out.to) {
        const step = clientReceive(clients[to] as ClientState, out.message, { input: inputFor(config, to) as ClientInput });
        clients[to] = step.state;
        for (const m of step.outbox) server = deliver(server, encodeMessage(m, config), to);
      }
    }
  }
}

const bytesPath = (server: ServerState, bytes: Uint8Array, from: number): ServerState => serverReceiveBytes(server, bytes, { from }).state;

describe('serverReceiveBytes', () => {
  it('whole sessions through bytes give the plain sums, at every bit width and odd lengths', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 32 }), (bits, length, bits2) => {
        const config = createSessionConfig({
          clients: 5,
          threshold: 3,
          nonce: seed(3),
          vectors: [{ name: 'x', length, bits }, { name: 'y', length: 3, bits: bits2 }],
        });
        const end = sessionThroughBytes(config, bytesPath);
        expect(end.round).toBe('completed');
        if (end.round !== 'completed') return;
        expect(end.result.sums['x']).toEqual(plainSum(config, [1, 2, 3, 4, 5], 'x'));
        expect(end.result.sums['y']).toEqual(plainSum(config, [1, 2, 3, 4, 5], 'y'));
      }),
      { numRuns: 20 },
    );
  });

  it('keeps copies, not views of the bytes: overwriting each message after it is received changes no relayed ciphertext, share or sum', () => {
    // The decoded lists of ciphertexts and shares are kept without a second copy; this holds only
    // while the decoder copies them out of the bytes.
    const config = createSessionConfig({ clients: 5, threshold: 3, nonce: seed(7), vectors: [{ name: 'x', length: 9, bits: 12 }] });
    const end = sessionThroughBytes(config, (server, bytes, from) => {
      const next = serverReceiveBytes(server, bytes, { from }).state;
      bytes.fill(0xa5);
      return next;
    });
    expect(end.round).toBe('completed');
    if (end.round !== 'completed') return;
    expect(end.result.sums['x']).toEqual(plainSum(config, [1, 2, 3, 4, 5], 'x'));
  });

  it('a masked input gives the state serverReceive gives for the decoded message', () => {
    for (const bits of [8, 12, 16, 24, 32]) {
      const config = createSessionConfig({ clients: 4, threshold: 3, nonce: seed(4), vectors: [{ name: 'x', length: 5000, bits }] });
      const viaBytes: ServerState[] = [];
      const viaMessages: ServerState[] = [];
      sessionThroughBytes(config, (server, bytes, from) => {
        if (server.round === 'maskedInputCollection') {
          viaMessages.push(serverReceive(structuredClone(server), decodeFor(config, bytes)).state);
          const next = serverReceiveBytes(server, bytes, { from }).state;
          viaBytes.push(structuredClone(next));
          return next;
        }
        return bytesPath(server, bytes, from);
      });
      expect(viaBytes.length).toBe(4);
      expect(viaBytes).toEqual(viaMessages);
    }
  });

  it('drops a sender whose bytes do not decode, name another sender or carry another session id; ignores the unheard-of', () => {
    const config = createSessionConfig({ clients: 6, threshold: 3, nonce: seed(5), vectors: [{ name: 'x', length: 40, bits: 20 }] });
    let captured: { server: ServerState; messages: Map<number, Uint8Array> } | null = null;
    sessionThroughBytes(config, (server, bytes, from) => {
      if (server.round === 'maskedInputCollection') {
        captured ??= { server: structuredClone(server), messages: new Map() };
        captured.messages.set(from, bytes);
      }
      return bytesPath(server, bytes, from);
    });
    const { server, messages } = captured as unknown as { server: ServerState; messages: Map<number, Uint8Array> };
    const m = (id: number): Uint8Array => Uint8Array.from(messages.get(id) as Uint8Array);
    let s = server;
    const receive = (bytes: Uint8Array, from: number): void => {
      s = serverReceiveBytes(s, bytes, { from }).state;
    };
    receive(m(1).subarray(0, 50), 1); // truncated
    receive(m(3), 2); // names sender 3, from 2
    const otherSession = m(3);
    otherSession[6] = (otherSession[6] as number) ^ 1; // a session id byte (after magic, version, type, u16 sender)
    receive(otherSession, 3);
    const wrongWidth = encodeMessage({ type: 'maskedInput', sender: 4, sessionId: (s as ServerLiveState).sessionId as Uint8Array, vectors: [new Uint32Array(40)] }, { ...config, vectors: [{ name: 'x', length: 40, bits: 21 }] });
    receive(wrongWidth, 4);
    receive(m(5), 5);
    receive(m(5), 5); // a repeat: ignored
    receive(new Uint8Array([1, 2, 3]), 6); // garbage
    receive(m(6), 6); // dropped already: ignored
    const live = s as ServerLiveState;
    expect(live.drops.map((d) => [d.id, d.reason])).toEqual([
      [1, 'MALFORMED_MESSAGE'],
      [2, 'MALFORMED_MESSAGE'],
      [3, 'SESSION_MISMATCH'],
      [4, 'MALFORMED_MESSAGE'],
      [6, 'MALFORMED_MESSAGE'],
    ]);
    expect(live.ignored).toBe(2);
    expect(live.received[5]).toBe(true);
    expect(live.accumulators[0]).toEqual((decodeFor(config, m(5)) as Extract<ClientMessage, { type: 'maskedInput' }>).vectors[0]);
  });

  it('other rounds: decoded and stepped as serverReceive, the sender checked', () => {
    const config = createSessionConfig({ clients: 4, threshold: 3, nonce: seed(6), vectors: [{ name: 'x', length: 4, bits: 8 }] });
    const rng = deterministicRandomBytes(seed(22));
    let server: ServerState = createServer(config);
    const adv = (id: number): Uint8Array => encodeMessage(clientAdvertiseKeys(createClient(config, { id, rng })).outbox[0] as ClientMessage, config);
    server = serverReceiveBytes(server, adv(1), { from: 1 }).state;
    server = serverReceiveBytes(server, adv(2), { from: 3 }).state;
    server = serverReceiveBytes(server, new Uint8Array(0), { from: 4 }).state;
    const live = server as ServerLiveState;
    expect(live.received.slice(1)).toEqual([true, false, false, false]);
    expect(live.drops.map((d) => [d.id, d.reason])).toEqual([[3, 'MALFORMED_MESSAGE'], [4, 'MALFORMED_MESSAGE']]);
  });

  it('refuses bad arguments (the caller’s, not the network’s)', () => {
    const config = createSessionConfig({ clients: 4, threshold: 3, nonce: seed(6), vectors: [{ name: 'x', length: 4, bits: 8 }] });
    for (const [bytes, options, code] of [
      [new Uint8Array(3), undefined, 'INVALID_TYPE'],
      [new Uint8Array(3), {}, 'INVALID_TYPE'],
      [new Uint8Array(3), { from: 0 }, 'OUT_OF_RANGE'],
      [new Uint8Array(3), { from: 5 }, 'OUT_OF_RANGE'],
      [new Uint8Array(3), { from: 1.5 }, 'OUT_OF_RANGE'],
      [new Uint8Array(3), { from: 1, sender: 1 }, 'UNKNOWN_OPTION'],
      // Only the object's own enumerable fields are options (as Object.keys checked them).
      [new Uint8Array(3), Object.create({ from: 1 }), 'INVALID_TYPE'],
      [new Uint8Array(3), Object.defineProperty({}, 'from', { value: 1, enumerable: false }), 'INVALID_TYPE'],
      [[1, 2, 3], { from: 1 }, 'INVALID_TYPE'],
      [new DataView(new ArrayBuffer(3)), { from: 1 }, 'INVALID_TYPE'],
    ] as const) {
      const server = createServer(config);
      expectSecAggError(() => serverReceiveBytes(server, bytes as unknown as Uint8Array, options as never), code);
      expect(serverCloseRound(server).state.round).toBe('aborted'); // the refusal did not consume it
    }
  });
});

function decodeFor(config: SessionConfig, bytes: Uint8Array): ClientMessage {
  return decodeMessage(bytes, config) as ClientMessage;
}

/**
 * Client linearity (issue 14, section 2): all of a client's randomness is drawn when it is
 * created, every step is a deterministic function of (state, message, input), and a state is
 * used once.
 */
import { describe, expect, it } from 'vitest';
import {
  clientAdvertiseKeys,
  clientReceive,
  createClient,
  encodeMessage,
  type ClientInput,
  type ClientMessage,
  type ClientState,
  type ServerMessage,
} from '../../src/protocol/index.js';
import { expectSecAggError } from '../_hostile.js';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import { honestTrace, seed, type Trace } from './_driver.js';

const traces: [string, Trace][] = [
  ['passive, complete', honestTrace(5, 3)],
  ['active, complete', honestTrace(5, 4, { active: true })],
  ['passive, Harary', honestTrace(12, 3, { graph: { kind: 'harary', degree: 4, seed: seed(40) } })],
];

const bytesOf = (outbox: readonly ClientMessage[], trace: Trace): string[] =>
  outbox.map((m) => Buffer.from(encodeMessage(m, trace.config)).toString('hex'));

describe('every client step is deterministic: a step replayed on a structuredClone gives the same bytes', () => {
  for (const [name, trace] of traces) {
    it(name, () => {
      let steps = 0;
      for (const [round, states] of Object.entries(trace.clientStates)) {
        states.forEach((state, id) => {
          if (state === undefined) return;
          const message = trace.serverMessages[round]?.[id] as ServerMessage;
          const input = trace.inputs[id] as ClientInput;
          const a = clientReceive(structuredClone(state), message, { input });
          const b = clientReceive(structuredClone(state), structuredClone(message), { input: structuredClone(input) });
          expect(a.outbox.length, `${round} ${id}`).toBe(1);
          expect(bytesOf(b.outbox, trace), `${round} ${id}`).toEqual(bytesOf(a.outbox, trace));
          steps++;
        });
      }
      // And round 0: advertising from a snapshot of a created client.
      const created = createClient(trace.config, {
        id: 1,
        rng: deterministicRandomBytes(seed(1)),
        ...(trace.signingKeys === null ? {} : { signingKey: trace.signingKeys[0] as Uint8Array }),
      });
      expect(bytesOf(clientAdvertiseKeys(structuredClone(created)).outbox, trace)).toEqual(bytesOf(clientAdvertiseKeys(created).outbox, trace));
      expect(steps).toBeGreaterThan(trace.config.clients * 2);
    });
  }
});

describe('randomness is drawn at creation only', () => {
  it('createClient draws 128 bytes (two key pairs, b_u, the share seed); no step calls the CSPRNG', () => {
    const trace = traces[1]?.[1] as Trace;
    let drawn = 0;
    const rng = (n: number): Uint8Array => {
      drawn += n;
      return deterministicRandomBytes(seed(3))(n);
    };
    const state = createClient(trace.config, { id: 2, rng, signingKey: trace.signingKeys?.[1] as Uint8Array });
    expect(drawn).toBe(128);
    const webCrypto = globalThis.crypto;
    const original = webCrypto.getRandomValues.bind(webCrypto);
    let calls = 0;
    webCrypto.getRandomValues = (<T extends ArrayBufferView | null>(array: T): T => {
      calls++;
      return original(array as never) as T;
    }) as typeof webCrypto.getRandomValues;
    let stepped = 0;
    try {
      clientAdvertiseKeys(state);
      for (const round of ['shareKeys', 'maskedInputCollection', 'consistencyCheck', 'unmasking']) {
        const snapshot = structuredClone(trace.clientStates[round]?.[2] as ClientState);
        const step = clientReceive(snapshot, trace.serverMessages[round]?.[2] as ServerMessage, { input: trace.inputs[2] as ClientInput });
        expect(step.outbox).toHaveLength(1);
        stepped++;
      }
    } finally {
      webCrypto.getRandomValues = original as typeof webCrypto.getRandomValues;
    }
    expect(stepped).toBe(4);
    expect(calls).toBe(0);
  });

  it('client steps take no rng option', () => {
    const trace = traces[0]?.[1] as Trace;
    const state = createClient(trace.config, { id: 1 });
    expectSecAggError(() => clientAdvertiseKeys(state, { rng: deterministicRandomBytes(seed(1)) } as never), 'UNKNOWN_OPTION');
    const later = structuredClone(trace.clientStates['shareKeys']?.[1] as ClientState);
    expectSecAggError(() => clientReceive(later, trace.serverMessages['shareKeys']?.[1] as ServerMessage, { rng: () => new Uint8Array(32) } as never), 'UNKNOWN_OPTION');
  });
});

describe('a stepped client state is consumed', () => {
  it('every step, and clientAbort, consumes; notes and terminal states do not', () => {
    const trace = traces[0]?.[1] as Trace;
    const created = createClient(trace.config, { id: 1 });
    clientAdvertiseKeys(created);
    expectSecAggError(() => clientAdvertiseKeys(created), 'STATE_CONSUMED');
    for (const round of ['shareKeys', 'maskedInputCollection', 'unmasking']) {
      const state = structuredClone(trace.clientStates[round]?.[1] as ClientState);
      const message = trace.serverMessages[round]?.[1] as ServerMessage;
      const next = clientReceive(state, message, { input: trace.inputs[1] as ClientInput });
      expectSecAggError(() => clientReceive(state, message, { input: trace.inputs[1] as ClientInput }), 'STATE_CONSUMED');
      // A repeat given to the returned state is a note, and leaves it usable.
      const again = clientReceive(next.state, message, { input: trace.inputs[1] as ClientInput });
      expect(again.note).toBe('DUPLICATE_REQUEST');
      expect(again.state).toBe(next.state);
    }
    const aborting = structuredClone(trace.clientStates['shareKeys']?.[1] as ClientState);
    const aborted = clientReceive(aborting, { type: 'abort', code: 'TOO_FEW_CLIENTS' });
    expectSecAggError(() => clientReceive(aborting, { type: 'abort', code: 'TOO_FEW_CLIENTS' }), 'STATE_CONSUMED');
    expect(clientReceive(aborted.state, { type: 'abort', code: 'TOO_FEW_CLIENTS' }).note).toBe('LATE_MESSAGE');
    expect(clientReceive(aborted.state, { type: 'abort', code: 'TOO_FEW_CLIENTS' }).note).toBe('LATE_MESSAGE');
  });
});

/** isLive, pendingClients and canUnmask: what a driver reads off a state without stepping it. */
import { describe, expect, it } from 'vitest';
import {
  canUnmask,
  createSessionConfig,
  isLive,
  pendingClients,
  serverCloseRound,
  serverReceive,
  type ClientState,
  type ServerState,
} from '../../src/protocol/index.js';
import { expectSecAggError } from '../_hostile.js';
import { honestTrace, makeConfig, prepare, seed } from './_driver.js';

describe('inspecting states', () => {
  it('isLive: live rounds true, completed and aborted false, non-states refused', () => {
    const trace = honestTrace(5, 3);
    expect(trace.final.round).toBe('completed');
    expect(isLive(trace.final)).toBe(false);
    for (const states of Object.values(trace.clientStates)) for (const s of states) if (s !== undefined) expect(isLive(s)).toBe(true);
    const aborted: ClientState = { round: 'aborted', id: 1, code: 'LOCAL_ABORT', reason: '', atRound: 'shareKeys' };
    expect(isLive(aborted)).toBe(false);
    for (const bad of [null, undefined, 3, {}, { round: 'nope' }]) expectSecAggError(() => isLive(bad as ServerState), 'INVALID_TYPE');
  });

  it('pendingClients: the members not heard this round, shrinking as messages arrive', () => {
    const { config } = makeConfig(5, 3);
    const p = prepare(config, 'maskedInputCollection');
    let s: ServerState = p.server;
    expect(pendingClients(s)).toEqual([1, 2, 3, 4, 5]);
    s = serverReceive(s, p.pending[2] as never).state;
    s = serverReceive(s, p.pending[4] as never).state;
    expect(pendingClients(s)).toEqual([1, 3, 5]);
    for (const id of [1, 3, 5]) s = serverReceive(s, p.pending[id] as never).state;
    expect(pendingClients(s)).toEqual([]);
    const closed = serverCloseRound(s).state;
    expect(pendingClients(closed)).toEqual([1, 2, 3, 4, 5]); // the next round waits for everyone again
    expectSecAggError(() => pendingClients(null as never), 'INVALID_TYPE');
  });

  it('canUnmask: false before t answers, true from t, in the complete graph and in a Harary graph', () => {
    for (const graph of ['complete', 'harary'] as const) {
      const n = graph === 'complete' ? 5 : 12;
      const config =
        graph === 'complete'
          ? makeConfig(5, 3).config
          : createSessionConfig({ clients: n, threshold: 3, graph: { kind: 'harary', degree: 4, seed: seed(3) }, nonce: seed(7), vectors: [{ name: 'x', length: 8, bits: 16 }] });
      const p = prepare(config, 'unmasking');
      let s: ServerState = p.server;
      expect(canUnmask(s)).toBe(false);
      const answered: number[] = [];
      let first = 0;
      for (let id = 1; id <= n; id++) {
        s = serverReceive(s, p.pending[id] as never).state;
        answered.push(id);
        if (first === 0 && canUnmask(s)) first = id;
      }
      expect(canUnmask(s)).toBe(true);
      // With exactly the answers at which it turned true, the close completes.
      const q = prepare(config, 'unmasking');
      let r: ServerState = q.server;
      for (let id = 1; id <= first; id++) r = serverReceive(r, q.pending[id] as never).state;
      expect(canUnmask(r)).toBe(true);
      expect(serverCloseRound(r).state.round).toBe('completed');
      // One answer fewer, and it would abort.
      const u = prepare(config, 'unmasking');
      let v: ServerState = u.server;
      for (let id = 1; id < first; id++) v = serverReceive(v, u.pending[id] as never).state;
      expect(canUnmask(v)).toBe(false);
      expect(serverCloseRound(v).state.round).toBe('aborted');
      if (graph === 'complete') expect(first).toBe(3);
    }
    expect(canUnmask(honestTrace(5, 3).final)).toBe(false);
  });
});

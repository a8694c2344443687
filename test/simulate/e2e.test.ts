import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SecAggError } from '../../src/errors.js';
import { simulateSession, type DropoutRound } from '../../src/simulate/index.js';
import { expectSecAggError, notBytes, notCounts } from '../_hostile.js';
import { honestTrace, plainSum, seed } from '../protocol/_driver.js';

const ROUNDS: DropoutRound[] = ['advertiseKeys', 'shareKeys', 'maskedInputCollection', 'consistencyCheck', 'unmasking'];

describe('end to end', () => {
  it('an honest session sums every input exactly', () => {
    const trace = honestTrace(5, 3);
    expect(trace.final.round).toBe('completed');
    if (trace.final.round !== 'completed') return;
    expect(trace.final.result.included).toEqual([1, 2, 3, 4, 5]);
    expect(trace.final.result.sums['x']).toEqual(plainSum(trace.config, [1, 2, 3, 4, 5]));
  });

  for (const active of [false, true]) {
    for (const round of ROUNDS) {
      if (!active && round === 'consistencyCheck') continue;
      it(`dropouts at ${round} (${active ? 'active' : 'passive'}): exact sum of the survivors`, () => {
        const r = simulateSession({
          clients: 7,
          threshold: 4,
          length: 33,
          bits: 13,
          active,
          dropouts: { [round]: [2, 6] },
          seed: seed(3),
        });
        expect(r.outcome).toBe('completed');
        expect(r.match).toBe(true);
        const survivors = round === 'unmasking' || round === 'consistencyCheck' ? [1, 2, 3, 4, 5, 6, 7] : [1, 3, 4, 5, 7];
        expect(r.included).toEqual(survivors);
        expect(r.clientAborts).toEqual([]);
      });
    }
  }

  it('dropouts at every round in one session, two vectors with different widths', () => {
    const r = simulateSession({
      clients: 20,
      threshold: 11, // active: 2t > n
      vectors: [
        { name: 'weights', length: 100, bits: 24 },
        { name: 'count', length: 1, bits: 32 },
      ],
      active: true,
      dropouts: { advertiseKeys: [1], shareKeys: [5], maskedInputCollection: [7, 8], consistencyCheck: [9], unmasking: [12] },
      seed: seed(4),
    });
    expect(r.outcome).toBe('completed');
    expect(r.match).toBe(true);
    expect(r.included).toEqual([2, 3, 4, 6, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(r.drops.map((d) => [d.id, d.round, d.reason])).toEqual([
      [1, 'advertiseKeys', 'NO_MESSAGE'],
      [5, 'shareKeys', 'NO_MESSAGE'],
      [7, 'maskedInputCollection', 'NO_MESSAGE'],
      [8, 'maskedInputCollection', 'NO_MESSAGE'],
    ]);
    // Dropped after their masked input: reported once, under the name that says they are in the sum.
    expect(r.droppedAfterInput.map((d) => [d.id, d.round, d.reason])).toEqual([
      [9, 'consistencyCheck', 'NO_MESSAGE'],
      [12, 'unmasking', 'NO_MESSAGE'],
    ]);
  });

  it('SecAgg+ (Harary graph from the parameter finder) with dropouts', () => {
    const r = simulateSession({ clients: 80, length: 50, bits: 20, graph: 'harary', dropout: 0.1, seed: seed(5) });
    expect(r.config.graph.kind).toBe('harary');
    expect(r.outcome).toBe('completed');
    expect(r.match).toBe(true);
    expect(r.drops.length).toBeGreaterThan(0);
  });

  it('SecAgg+ active variant', () => {
    const r = simulateSession({ clients: 80, length: 20, bits: 16, graph: 'harary', active: true, dropout: 0.05, seed: seed(6) });
    expect(r.config.graph.kind).toBe('harary');
    expect(r.outcome).toBe('completed');
    expect(r.match).toBe(true);
  });

  it('SecAgg+ on a small cohort is the complete graph with t = n - dropouts (a sparse graph saves nothing there)', () => {
    const r = simulateSession({ clients: 8, length: 20, bits: 16, graph: 'harary', dropoutFraction: 0.05, seed: seed(6) });
    expect(r.config.graph.kind).toBe('complete');
    expect(r.config.threshold).toBe(7); // 8 - ceil(0.4)
    expect(r.match).toBe(true);
  });

  it('a coded abort when too few survive', () => {
    const r = simulateSession({ clients: 6, threshold: 4, length: 4, dropouts: { maskedInputCollection: [1, 2, 3] }, seed: seed(8) });
    expect(r.outcome).toBe('aborted');
    expect(r.abort?.code).toBe('TOO_FEW_CLIENTS');
  });

  it('random dropout schedules: exact sum iff every round keeps t clients, else TOO_FEW_CLIENTS', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 7 }).chain((n) =>
          fc.record({
            n: fc.constant(n),
            active: fc.boolean(),
            // The active variant needs 2t > n (no client assumed corrupt).
            u: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
            length: fc.integer({ min: 1, max: 12 }),
            bits: fc.integer({ min: 1, max: 32 }),
            stops: fc.array(fc.integer({ min: 0, max: 7 }), { minLength: n, maxLength: n }),
          }),
        ),
        ({ n, u, active, length, bits, stops }) => {
          const least = active ? Math.floor(n / 2) + 1 : 2;
          const t = least + Math.floor(u * (n - least + 1));
          const rounds = ROUNDS.filter((r) => active || r !== 'consistencyCheck');
          const dropouts: Partial<Record<DropoutRound, number[]>> = {};
          const stopIndex: number[] = [];
          stops.forEach((s, i) => {
            const r = rounds[s];
            stopIndex[i + 1] = r === undefined ? rounds.length : s;
            if (r !== undefined) (dropouts[r] ??= []).push(i + 1);
          });
          const report = simulateSession({ clients: n, threshold: t, active, length, bits, dropouts, seed: seed(n + t), encode: false });
          // Clients still sending in round k: those stopping later than k.
          const alive = (k: number): number[] => {
            const out: number[] = [];
            for (let id = 1; id <= n; id++) if ((stopIndex[id] as number) > k) out.push(id);
            return out;
          };
          const ok = rounds.every((_, k) => alive(k).length >= t);
          if (ok) {
            expect(report.outcome).toBe('completed');
            expect(report.match).toBe(true);
            expect(report.included).toEqual(alive(rounds.indexOf('maskedInputCollection')));
          } else {
            expect(report.outcome).toBe('aborted');
            expect(report.abort?.code).toBe('TOO_FEW_CLIENTS');
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('simulateSession rejects hostile options with coded errors', () => {
    for (const bad of notCounts) expectSecAggError(() => simulateSession({ clients: bad as number }));
    for (const bad of notBytes) if (bad !== undefined) expectSecAggError(() => simulateSession({ clients: 3, seed: bad as Uint8Array }));
    expectSecAggError(() => simulateSession({ clients: 3, dropout: 1.5 }), 'OUT_OF_RANGE');
    expectSecAggError(() => simulateSession({ clients: 3, dropouts: { later: [1] } as never }), 'UNKNOWN_OPTION');
    expectSecAggError(() => simulateSession({ clients: 3, dropouts: { shareKeys: [4] } }), 'OUT_OF_RANGE');
    expectSecAggError(() => simulateSession({ clients: 3, onRound: 5 as never }), 'INVALID_TYPE');
    expectSecAggError(() => simulateSession({ clients: 3, colour: 'red' } as never), 'UNKNOWN_OPTION');
    expectSecAggError(() => simulateSession(undefined as never), 'INVALID_TYPE');
    // Options that would be silently ignored, or mean nothing, are refused.
    expectSecAggError(() => simulateSession({ clients: 3, graph: 'foo' as never }), 'INVALID_TYPE');
    expectSecAggError(() => simulateSession({ clients: 20, graph: 'harary', threshold: 3 }), 'INVALID_CONFIG');
    expectSecAggError(() => simulateSession({ clients: 20, corruptFraction: 0.1 }), 'INVALID_CONFIG');
    expectSecAggError(() => simulateSession({ clients: 3, dropouts: { consistencyCheck: [3] } }), 'INVALID_CONFIG');
    expectSecAggError(() => simulateSession({ clients: 3, dropouts: { shareKeys: [2], unmasking: [2] } }), 'INVALID_CONFIG');
    // The SecAgg+ graph is planned for the injected dropout; refusals say so, and only then.
    const messageOf = (f: () => unknown): string => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(SecAggError);
        return (error as Error).message;
      }
      return expect.unreachable() as never;
    };
    expect(messageOf(() => simulateSession({ clients: 50, graph: 'harary', dropout: 1 }))).toContain('every client dropping');
    expect(messageOf(() => simulateSession({ clients: 50, graph: 'harary', dropout: 0.5, corruptFraction: 0.6 }))).toContain('dropoutFraction 0.5 (from the injected dropout)');
    expect(messageOf(() => simulateSession({ clients: 50, graph: 'harary', corruptFraction: 1 }))).not.toContain('injected');
  });

  it('an explicit dropout schedule drops each listed client in its round', () => {
    const report = simulateSession({ clients: 6, active: true, dropouts: { consistencyCheck: [3], unmasking: [5] } });
    expect(report.drops).toEqual([]);
    expect(report.droppedAfterInput.map((d) => [d.id, d.round])).toEqual([
      [3, 'consistencyCheck'],
      [5, 'unmasking'],
    ]);
    expect(report.included).toEqual([1, 2, 3, 4, 5, 6]);
    expect(report.match).toBe(true);
  });
});

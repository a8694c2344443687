/**
 * The graph and threshold rules (issue 14 §1 and "small cohorts"; docs/protocol-graph.md, "Rules").
 * Google's own rules (internal, _google.ts) still reproduce its published table and the
 * independent Python vectors exactly; the public functions use the sound rules, checked against
 * an independent Python reading in exact arithmetic (test/vectors/protocol-graph-sound.py).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findGraphParametersGoogle } from '../../src/graph/_google.js';
import { corruptNeighbourBound, googleCounts, logGamma } from '../../src/graph/_params.js';
import {
  type AdversaryClass,
  countAtFraction,
  deriveGraph,
  findGraphParameters,
  type GraphParameters,
  type GraphPolicy,
  minimumThreshold,
} from '../../src/graph/index.js';
import { expectSecAggError, notCounts, notNumbers } from '../_hostile.js';
import params from '../vectors/protocol-graph-params.json' with { type: 'json' };
import sound from '../vectors/protocol-graph-sound.json' with { type: 'json' };

type Row = { clients: number; corruptFraction: number; dropoutFraction: number; adversary: string };
const fractions = (v: Row) => ({
  clients: v.clients,
  corruptFraction: v.corruptFraction,
  dropoutFraction: v.dropoutFraction,
  adversary: v.adversary as AdversaryClass,
});
/** [kind, degree, threshold], or ['none'] for NO_FEASIBLE_GRAPH. */
function outcome(f: () => GraphParameters): unknown[] {
  try {
    const r = f();
    return [r.kind, r.degree, r.threshold];
  } catch (e) {
    expect((e as { code?: string }).code).toBe('NO_FEASIBLE_GRAPH');
    return ['none'];
  }
}
/** The sound corrupt-neighbour bound t1 for (n, c, k). */
const t1Sound = (clients: number, corrupt: number, k: number): number =>
  corruptNeighbourBound({ clients, corrupt, dropouts: 0, survivors: clients, semiMalicious: true, securityBits: 40, correctnessBits: 20, rule: 'sound' }, k);

describe("Google's rules (internal): the search arithmetic reproduces Google's numbers", () => {
  it("Google's published table exactly (88 rows, degree and threshold)", () => {
    expect(params.google.length).toBe(88);
    for (const v of params.google) {
      expect(findGraphParametersGoogle(fractions(v)), JSON.stringify(v)).toEqual({ kind: v.kind, degree: v.degree, threshold: v.threshold });
    }
  });

  it('an independent Python implementation (C lgamma) on 400 random configurations', () => {
    expect(params.crossCheck.length).toBe(400);
    for (const v of params.crossCheck) {
      expect(outcome(() => findGraphParametersGoogle(fractions(v))), JSON.stringify(v)).toEqual(
        v.kind === 'none' ? ['none'] : [v.kind, v.degree, v.threshold],
      );
    }
  });

  it("Google's complete-graph fallback and infeasible cases", () => {
    for (const v of params.complete) {
      expect(findGraphParametersGoogle(fractions(v)), JSON.stringify(v)).toEqual({ kind: 'complete', degree: v.degree, threshold: v.threshold });
    }
    for (const v of params.infeasible) expect(outcome(() => findGraphParametersGoogle(fractions(v)))).toEqual(['none']);
  });

  it('logGamma agrees with known values', () => {
    expect(logGamma(1)).toBeCloseTo(0, 14);
    expect(logGamma(2)).toBeCloseTo(0, 14);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14);
    // log(10!) and log(170!) (mpmath: loggamma(171) = 706.5730622457873...)
    expect(logGamma(11)).toBeCloseTo(Math.log(3628800), 12);
    expect(Math.abs(logGamma(171) - 706.5730622457874) / 706.57).toBeLessThan(1e-15);
  });
});

describe('the semi-malicious margin (split view on a Harary neighbourhood)', () => {
  // Split view on victim v: k + 1 holders (k neighbours and v), c corrupt. Honest holders told
  // "v survived" (B, v among them) reveal b-shares, those told "v dropped" (S) key shares; the
  // server needs c + |B| >= t and c + |S| >= t with |B| + |S| <= k + 1 - c: possible iff
  // 2t <= k + 1 + c. The second route (docs/protocol-graph.md: the victim masks with a relay of
  // t - 1 senders, signs with them and reveals its own b-share; everyone else reveals b_v and the
  // senders' keys) needs 2t <= k + 2 + c (test/protocol/split-view.test.ts runs both). The bound
  // c <= t1 holds except with probability 2^-41 / n.
  const splitViewWorks = (k: number, t: number, c: number): boolean => 2 * t <= k + 1 + c;
  const relayRouteWorks = (k: number, t: number, c: number): boolean => 2 * t <= k + 2 + c;

  it("Google's rule fails at c = t1 on every reference row: split view when t1 is odd, the second route when it is even", () => {
    let odd = 0;
    let even = 0;
    for (const v of params.google.filter((r) => r.adversary === 'semiMalicious' && r.kind === 'harary')) {
      const { corrupt } = googleCounts(v.clients, v.corruptFraction, v.dropoutFraction);
      const t1 = corruptNeighbourBound(
        { clients: v.clients, corrupt, dropouts: 0, survivors: v.clients, semiMalicious: true, securityBits: 40, correctnessBits: 20, rule: 'google' },
        v.degree,
      );
      if (v.degree < 4 || corrupt === 0) continue;
      expect(splitViewWorks(v.degree, v.threshold, t1), JSON.stringify(v)).toBe(t1 % 2 === 1);
      expect(relayRouteWorks(v.degree, v.threshold, t1), JSON.stringify(v)).toBe(true);
      if (t1 % 2 === 1) odd += 1;
      else even += 1;
    }
    expect(odd).toBeGreaterThanOrEqual(5);
    expect(even).toBeGreaterThanOrEqual(5);
  });

  it('the sound rule lets neither route succeed at c <= t1 (every semi-malicious Harary result)', () => {
    const rows = [
      ...params.google.map((v) => ({ ...fractions(v) })),
      ...sound.finder.map((r) => ({ clients: r[0] as number, corruptFraction: r[1] as number, dropoutFraction: r[2] as number, adversary: r[3] as AdversaryClass })),
    ].filter((r) => r.adversary === 'semiMalicious');
    let checked = 0;
    for (const r of rows) {
      const p = outcome(() => findGraphParameters(r));
      if (p[0] !== 'harary') continue;
      const [, k, t] = p as [string, number, number];
      const t1 = t1Sound(r.clients, countAtFraction(r.corruptFraction, r.clients), k);
      expect(splitViewWorks(k, t, t1), JSON.stringify(r)).toBe(false);
      expect(relayRouteWorks(k, t, t1), JSON.stringify(r)).toBe(false);
      expect(2 * t).toBeGreaterThan(k + 2 + t1);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(50);
  });
});

describe('findGraphParameters and deriveGraph: the sound rules', () => {
  it('agree with the exact Python reading: n = 3..100 at 5%/5%, 300 random finder inputs, 150 registry-sized deriveGraph inputs', () => {
    expect([sound.table.length, sound.finder.length, sound.derive.length]).toEqual([196, 300, 150]);
    for (const r of sound.table) {
      const [n, adversary] = r as [number, AdversaryClass];
      expect(outcome(() => findGraphParameters({ clients: n, corruptFraction: 0.05, dropoutFraction: 0.05, adversary })), JSON.stringify(r)).toEqual(r.slice(2));
    }
    for (const r of sound.finder) {
      const [clients, corruptFraction, dropoutFraction, adversary] = r as [number, number, number, AdversaryClass];
      expect(outcome(() => findGraphParameters({ clients, corruptFraction, dropoutFraction, adversary })), JSON.stringify(r)).toEqual(r.slice(4));
    }
    for (const r of sound.derive) {
      const [clients, corruptClients, dropoutFraction, adversary, policy] = r as [number, number, number, AdversaryClass, GraphPolicy];
      expect(outcome(() => deriveGraph({ clients, corruptClients, dropoutFraction, adversary, policy })), JSON.stringify(r)).toEqual(r.slice(5));
    }
  });

  it('the issue examples: 1,000 and 10,000 clients at 5%/5%; a registry of 1,100 costs degree', () => {
    const p = (clients: number, adversary: AdversaryClass) => findGraphParameters({ clients, corruptFraction: 0.05, dropoutFraction: 0.05, adversary });
    expect(p(1000, 'semiHonest')).toEqual({ kind: 'harary', degree: 30, threshold: 17 });
    expect(p(1000, 'semiMalicious')).toEqual({ kind: 'harary', degree: 54, threshold: 39 });
    expect(p(10_000, 'semiHonest')).toEqual({ kind: 'harary', degree: 34, threshold: 20 });
    expect(p(10_000, 'semiMalicious')).toEqual({ kind: 'harary', degree: 66, threshold: 47 });
    const registry = deriveGraph({ clients: 1000, corruptClients: countAtFraction(0.05, 1100), dropoutFraction: 0.05, adversary: 'semiMalicious', policy: 'secaggplus' });
    expect(registry).toEqual({ kind: 'harary', degree: 58, threshold: 42 });
  });

  it('small cohorts no longer get a ring with t = 2 and no corrupt client (the issue: 4, 8, 12, 20, 30 clients)', () => {
    // Google's rules, as the issue found them.
    for (const n of [4, 8, 12]) {
      expect(findGraphParametersGoogle({ clients: n, corruptFraction: 0.05, dropoutFraction: 0.05, adversary: 'semiHonest' })).toEqual({ kind: 'harary', degree: 2, threshold: 2 });
    }
    const at = (clients: number, adversary: AdversaryClass) => findGraphParameters({ clients, corruptFraction: 0.05, dropoutFraction: 0.05, adversary });
    expect(at(4, 'semiHonest')).toEqual({ kind: 'complete', degree: 3, threshold: 3 });
    expect(at(8, 'semiHonest')).toEqual({ kind: 'complete', degree: 7, threshold: 7 });
    expect(at(8, 'semiMalicious')).toEqual({ kind: 'complete', degree: 7, threshold: 7 });
    expect(at(12, 'semiMalicious')).toEqual({ kind: 'complete', degree: 11, threshold: 11 });
    // 12 clients, semi-honest: 5% of 12 is one corrupt client; k = 4, t = 2 > 1 corrupt holder.
    expect(at(12, 'semiHonest')).toEqual({ kind: 'harary', degree: 4, threshold: 2 });
    expect(at(30, 'semiHonest')).toEqual({ kind: 'harary', degree: 6, threshold: 3 });
    expectSecAggError(() => at(3, 'semiMalicious'), 'NO_FEASIBLE_GRAPH');
  });

  it('every result meets the security rule and the liveness rule (n = 2..400, fractions 0..40%)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 400 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.constantFrom<AdversaryClass>('semiHonest', 'semiMalicious'),
        fc.constantFrom<GraphPolicy>('complete', 'secaggplus'),
        (n, g, dp, adversary, policy) => {
          const corruptClients = countAtFraction(g / 100, n);
          const d = countAtFraction(dp / 100, n);
          let r: GraphParameters;
          try {
            r = deriveGraph({ clients: n, corruptClients, dropoutFraction: dp / 100, adversary, policy });
          } catch (e) {
            expect((e as { code?: string }).code).toBe('NO_FEASIBLE_GRAPH');
            // Infeasible only when the complete graph is insecure.
            expect(n - d).toBeLessThan(minimumThreshold({ kind: 'complete', clients: n, corruptClients, adversary }));
            return;
          }
          expect(r.threshold).toBeGreaterThanOrEqual(2);
          expect(r.threshold).toBeLessThanOrEqual(r.degree + 1);
          const minimum = minimumThreshold(
            r.kind === 'harary' ? { kind: 'harary', clients: n, degree: r.degree, corruptClients, adversary } : { kind: 'complete', clients: n, corruptClients, adversary },
          );
          expect(r.threshold).toBeGreaterThanOrEqual(minimum);
          if (r.kind === 'complete') {
            expect(r).toEqual({ kind: 'complete', degree: n - 1, threshold: n - d });
          } else {
            expect(policy).toBe('secaggplus');
            expect(r.threshold).toBe(minimum); // the least secure t
            expect(r.degree % 2).toBe(0);
            // A Harary graph that does not halve the neighbourhood only when the complete graph is insecure.
            if (2 * (r.degree + 1) > n) expect(n - d).toBeLessThan(minimumThreshold({ kind: 'complete', clients: n, corruptClients, adversary }));
          }
        },
      ),
      { numRuns: 200, seed: 14 },
    );
  });

  it("policy 'complete' always gives the complete graph with t = n - d", () => {
    expect(deriveGraph({ clients: 1000, corruptClients: 50, dropoutFraction: 0.05, adversary: 'semiMalicious', policy: 'complete' })).toEqual({
      kind: 'complete',
      degree: 999,
      threshold: 950,
    });
    // 2t > n + c: t = 7 - 1 = 6, 12 > 7 + 4 = 11; with c = 5, 12 > 12 fails.
    expect(deriveGraph({ clients: 7, corruptClients: 4, dropoutFraction: 0.1, adversary: 'semiMalicious', policy: 'complete' }).threshold).toBe(6);
    const e = expectSecAggError(
      () => deriveGraph({ clients: 7, corruptClients: 5, dropoutFraction: 0.1, adversary: 'semiMalicious', policy: 'complete' }),
      'NO_FEASIBLE_GRAPH',
    );
    expect(e.message).toMatch(/n - d = 6 is below 7/);
  });

  it('the active corrupt count can be the whole cohort (a registry much larger than the cohort)', () => {
    expectSecAggError(() => deriveGraph({ clients: 20, corruptClients: 20, dropoutFraction: 0, adversary: 'semiMalicious', policy: 'secaggplus' }), 'NO_FEASIBLE_GRAPH');
    expect(deriveGraph({ clients: 20, corruptClients: 19, dropoutFraction: 0, adversary: 'semiHonest', policy: 'secaggplus' })).toEqual({ kind: 'complete', degree: 19, threshold: 20 });
  });

  it('security and correctness bits: more bits, larger degree', () => {
    const base = { clients: 1000, corruptFraction: 0.05, dropoutFraction: 0.05, adversary: 'semiHonest' as const };
    const d40 = findGraphParameters(base).degree;
    expect(findGraphParameters({ ...base, securityBits: 40, correctnessBits: 20 }).degree).toBe(d40);
    expect(findGraphParameters({ ...base, securityBits: 80 }).degree).toBeGreaterThan(d40);
    expect(findGraphParameters({ ...base, correctnessBits: 40 }).degree).toBeGreaterThanOrEqual(d40);
    expect(findGraphParameters({ ...base, securityBits: 20 }).degree).toBeLessThanOrEqual(d40);
  });

  it('the adversary defaults as createSessionConfig infers it: from active, semi-honest without it', () => {
    const base = { clients: 1000, corruptFraction: 0.05, dropoutFraction: 0.05 };
    expect(findGraphParameters(base)).toEqual(findGraphParameters({ ...base, adversary: 'semiHonest' }));
    expect(findGraphParameters({ ...base, active: false })).toEqual(findGraphParameters({ ...base, adversary: 'semiHonest' }));
    expect(findGraphParameters({ ...base, active: true })).toEqual({ kind: 'harary', degree: 54, threshold: 39 });
    expect(findGraphParameters({ ...base, active: true, adversary: 'semiMalicious' })).toEqual({ kind: 'harary', degree: 54, threshold: 39 });
    expectSecAggError(() => findGraphParameters({ ...base, active: true, adversary: 'semiHonest' }), 'INVALID_CONFIG');
    expectSecAggError(() => findGraphParameters({ ...base, active: 'yes' as never }), 'INVALID_TYPE');
  });
});

describe('countAtFraction: rounded up, never down', () => {
  it('known answers', () => {
    expect(countAtFraction(0.05, 12)).toBe(1);
    expect(countAtFraction(0.05, 20)).toBe(1);
    expect(countAtFraction(0.05, 21)).toBe(2);
    expect(countAtFraction(0.07, 100)).toBe(7); // the double 0.07 is above 7/100: not 8
    expect(countAtFraction(0.07, 1_000_000_000)).toBe(70_000_000);
    expect(countAtFraction(0.1, 3)).toBe(1);
    expect(countAtFraction(0, 5)).toBe(0);
    expect(countAtFraction(1, 5)).toBe(5);
    expect(countAtFraction(0.05, 0)).toBe(0);
    expect(countAtFraction(0.05, 1100)).toBe(55);
  });
  it('is ceil(fraction * total) for decimal fractions (checked exactly on 0.001 steps)', () => {
    for (let permille = 0; permille <= 1000; permille += 7) {
      for (const total of [1, 12, 99, 1000, 65_535, 1_234_567]) {
        expect(countAtFraction(permille / 1000, total)).toBe(Math.floor((permille * total + 999) / 1000));
      }
    }
  });
  it('hostile inputs', () => {
    for (const bad of [...notNumbers, -0.01, 1.01]) expectSecAggError(() => countAtFraction(bad as number, 10));
    for (const bad of [...notCounts, 2 ** 32]) expectSecAggError(() => countAtFraction(0.1, bad as number));
  });
});

describe('minimumThreshold', () => {
  it('complete graph: c + 1, or floor((n + c) / 2) + 1 (the issue: 7 clients, t = 3 broken, t = 4 safe)', () => {
    expect(minimumThreshold({ kind: 'complete', clients: 7, corruptClients: 0, adversary: 'semiMalicious' })).toBe(4);
    expect(minimumThreshold({ kind: 'complete', clients: 7, degree: 6, corruptClients: 1, adversary: 'semiMalicious' })).toBe(5);
    expect(minimumThreshold({ kind: 'complete', clients: 7, corruptClients: 0, adversary: 'semiHonest' })).toBe(2);
    expect(minimumThreshold({ kind: 'complete', clients: 7, corruptClients: 3, adversary: 'semiHonest' })).toBe(4);
    expect(minimumThreshold({ kind: 'complete', clients: 7, corruptClients: 7, adversary: 'semiHonest' })).toBe(8); // above n: none
  });
  it('Harary: t1 + 1, or the least t with 2t > k + 2 + t1 (2t > k + 2 when nobody is corrupt)', () => {
    expect(minimumThreshold({ kind: 'harary', clients: 1000, degree: 52, corruptClients: 50, adversary: 'semiMalicious' })).toBe(38);
    expect(minimumThreshold({ kind: 'harary', clients: 1000, degree: 52, corruptClients: 0, adversary: 'semiMalicious' })).toBe(28);
    expect(minimumThreshold({ kind: 'harary', clients: 1000, degree: 30, corruptClients: 50, adversary: 'semiHonest' })).toBe(17);
    expect(minimumThreshold({ kind: 'harary', clients: 1000, degree: 30, corruptClients: 0, adversary: 'semiHonest' })).toBe(2);
    expect(minimumThreshold({ kind: 'harary', clients: 1000, degree: 30, corruptClients: 50, adversary: 'semiHonest', securityBits: 80 })).toBeGreaterThan(17);
  });
  it('hostile inputs', () => {
    const ok = { kind: 'harary', clients: 100, degree: 10, corruptClients: 5, adversary: 'semiHonest' } as const;
    expectSecAggError(() => minimumThreshold(undefined as never), 'INVALID_TYPE');
    expectSecAggError(() => minimumThreshold(null as never), 'INVALID_TYPE');
    expectSecAggError(() => minimumThreshold({ ...ok, extra: 1 } as never), 'UNKNOWN_OPTION');
    for (const bad of ['ring', undefined, 1]) expectSecAggError(() => minimumThreshold({ ...ok, kind: bad as never }), 'INVALID_CONFIG');
    for (const bad of ['active', undefined]) expectSecAggError(() => minimumThreshold({ ...ok, adversary: bad as never }), 'INVALID_CONFIG');
    for (const bad of [...notCounts, 0, 1, 65_536]) expectSecAggError(() => minimumThreshold({ ...ok, clients: bad as number }));
    for (const bad of [...notCounts, 101]) expectSecAggError(() => minimumThreshold({ ...ok, corruptClients: bad as number }));
    for (const bad of [...notCounts, 0, 99, 100]) expectSecAggError(() => minimumThreshold({ ...ok, degree: bad as number }));
    expectSecAggError(() => minimumThreshold({ ...ok, degree: 11 }), 'INVALID_CONFIG');
    expectSecAggError(() => minimumThreshold({ ...ok, clients: 3, degree: 2, corruptClients: 0 }), 'OUT_OF_RANGE');
    expectSecAggError(() => minimumThreshold({ ...ok, kind: 'complete', degree: 10 }), 'INVALID_CONFIG');
    expectSecAggError(() => minimumThreshold({ ...ok, kind: 'complete', degree: undefined, securityBits: 40 }), 'INVALID_CONFIG');
    for (const bad of [0, 129, 1.5, '40']) expectSecAggError(() => minimumThreshold({ ...ok, securityBits: bad as number }));
  });
});

describe('hostile inputs', () => {
  it('findGraphParameters', () => {
    const ok = { clients: 100, corruptFraction: 0.05, dropoutFraction: 0.05, adversary: 'semiHonest' as const };
    expectSecAggError(() => findGraphParameters(undefined as never), 'INVALID_TYPE');
    expectSecAggError(() => findGraphParameters(null as never), 'INVALID_TYPE');
    expectSecAggError(() => findGraphParameters([] as never), 'INVALID_TYPE');
    expectSecAggError(() => findGraphParameters({ ...ok, clinets: 3 } as never), 'UNKNOWN_OPTION');
    for (const bad of notCounts) expectSecAggError(() => findGraphParameters({ ...ok, clients: bad as number }));
    for (const bad of [0, 1_000_001]) expectSecAggError(() => findGraphParameters({ ...ok, clients: bad }), 'OUT_OF_RANGE');
    expectSecAggError(() => findGraphParameters({ ...ok, clients: 1 }), 'NO_FEASIBLE_GRAPH');
    for (const bad of [...notNumbers, -0.1, 1, 1.5]) {
      expectSecAggError(() => findGraphParameters({ ...ok, corruptFraction: bad as number }));
      expectSecAggError(() => findGraphParameters({ ...ok, dropoutFraction: bad as number }));
    }
    for (const bad of ['active', 'SEMI_HONEST', 1, null]) {
      expectSecAggError(() => findGraphParameters({ ...ok, adversary: bad as never }), 'INVALID_CONFIG');
    }
    for (const bad of [0, 129, 1.5, Number.NaN, '40']) {
      expectSecAggError(() => findGraphParameters({ ...ok, securityBits: bad as number }));
      expectSecAggError(() => findGraphParameters({ ...ok, correctnessBits: bad as number }));
    }
  });

  it('deriveGraph', () => {
    const ok = { clients: 100, corruptClients: 5, dropoutFraction: 0.05, adversary: 'semiHonest', policy: 'secaggplus' } as const;
    expect(deriveGraph(ok)).toEqual({ kind: 'harary', degree: 12, threshold: 6 });
    expectSecAggError(() => deriveGraph(undefined as never), 'INVALID_TYPE');
    expectSecAggError(() => deriveGraph('x' as never), 'INVALID_TYPE');
    expectSecAggError(() => deriveGraph({ ...ok, corruptFraction: 0.05 } as never), 'UNKNOWN_OPTION');
    for (const bad of [...notCounts, 0, 1, 65_536]) expectSecAggError(() => deriveGraph({ ...ok, clients: bad as number }));
    for (const bad of [...notCounts, 101]) expectSecAggError(() => deriveGraph({ ...ok, corruptClients: bad as number }));
    for (const bad of [...notNumbers, -0.1, 1]) expectSecAggError(() => deriveGraph({ ...ok, dropoutFraction: bad as number }));
    for (const bad of ['auto', 'harary', undefined, null, 1]) expectSecAggError(() => deriveGraph({ ...ok, policy: bad as never }), 'INVALID_CONFIG');
    for (const bad of ['active', undefined]) expectSecAggError(() => deriveGraph({ ...ok, adversary: bad as never }), 'INVALID_CONFIG');
    for (const bad of [0, 129, 1.5]) expectSecAggError(() => deriveGraph({ ...ok, securityBits: bad }), 'OUT_OF_RANGE');
    for (const bad of [0, 65, 1.5]) expectSecAggError(() => deriveGraph({ ...ok, correctnessBits: bad }), 'OUT_OF_RANGE');
  });
});

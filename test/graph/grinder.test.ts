/**
 * The graph grinder (issue 14 §3; docs/protocol-graph.md "Graph randomness"). A server that
 * colludes with some clients wants them seated around an honest victim: with more than t1 of
 * them among the victim's k neighbours, the finder's 2^-40 bound is void, and at
 * 2t - k - 1 = t1 + 1 (here) the split view of the active variant unmasks the victim.
 *
 * - Today's rule (the config carries a seed the server picks, and the server maps identities to
 *   ids): the first try seats all 50 colluders around the victim.
 * - A seed hashed from the key-directory root: every re-keying is a fresh draw; the budget here
 *   already moves the tail, and the numbers extrapolate to t1 + 1 at about 2^41.5 tries.
 * - The beacon derivation: the server's choices (cohort, nonce, keys) do not move the labelling,
 *   the round must be fresh, and over many fresh values no honest client gets more than t1.
 * grinder.slow.test.ts runs the root grinder and the fresh values with 2^16 tries.
 */
import { describe, expect, it } from 'vitest';
import { beaconRoundIsFresh, beaconRoundTime, buildHararyGraph, graphSeedFromBeacon, neighboursOf } from '../../src/graph/index.js';
import {
  BEACON,
  N,
  POLICY_DIGEST,
  beaconParameters,
  beaconValue,
  corruptFlags,
  grind,
  hypergeometricTail,
  seedUnder,
  sha256,
  todaysParameters,
  u32,
  utf8,
  worstVictim,
} from './_grinder.js';

describe('graph grinder', () => {
  it("today's rule: a server that picks the seed and maps identities to ids seats all 50 colluders around the victim at the first try", () => {
    const { degree, threshold, t1 } = todaysParameters();
    expect([degree, threshold, t1]).toEqual([52, 37, 20]);
    const graph = buildHararyGraph({ clients: N, degree, seed: seedUnder('server', 0) });
    // The server gives the victim id 1 and its 50 colluders the ids of id 1's neighbours.
    const colluders = Array.from(neighboursOf(graph, 1)).slice(0, 50);
    const w = worstVictim(graph, corruptFlags(N, colluders));
    expect(w).toEqual({ victim: 1, colluders: 50 });
    expect(w.colluders).toBeGreaterThan(t1);
    // Split view needs 2t <= k + 1 + c: 74 <= 103. The colluders alone even hold t = 37 shares.
    expect(2 * threshold).toBeLessThanOrEqual(degree + 1 + w.colluders);
    expect(w.colluders).toBeGreaterThanOrEqual(threshold);
  });

  it('a seed hashed from the key-directory root is grindable: each re-keying is a fresh labelling (2^11 tries)', () => {
    const { degree, t1 } = todaysParameters();
    const corrupt = corruptFlags(N, Array.from({ length: 50 }, (_, i) => 951 + i));
    const one = grind({ clients: N, degree, corrupt, budget: 1, seedOf: (i) => seedUnder('directoryRoot', i) });
    const ground = grind({ clients: N, degree, corrupt, budget: 2 ** 11, seedOf: (i) => seedUnder('directoryRoot', i) });
    expect(ground.distinctSeeds).toBe(2 ** 11);
    expect(ground.best).toBeGreaterThanOrEqual(11);
    expect(ground.best).toBeGreaterThan(one.best);
    expect(ground.best).toBeLessThanOrEqual(t1); // 2^11 tries are not enough ...
    // ... but the tail is the hypergeometric one: P[some honest client has >= x colluders] is
    // about 950 P[X >= x], X ~ H(999, 50, 52), so reaching t1 + 1 = 21 takes about 2^41.5 tries
    // (each one hash and one shuffle: hours on a cluster, and colluders re-key for free).
    const log2Tries = (x: number) => -Math.log2(950 * hypergeometricTail(N - 1, 50, degree, x));
    expect(log2Tries(ground.best)).toBeLessThan(14);
    expect(log2Tries(t1 + 1)).toBeGreaterThan(41);
    expect(log2Tries(t1 + 1)).toBeLessThan(42);
  });

  it("the beacon derivation: 2^10 sets of server choices (cohort, nonce, keys) give one labelling; today's rule and the root hash give a new one per choice", () => {
    const { degree } = beaconParameters();
    const corrupt = corruptFlags(N, Array.from({ length: 55 }, (_, i) => 2 + i));
    const budget = 2 ** 10;
    const beacon = grind({ clients: N, degree, corrupt, budget, seedOf: (i) => seedUnder('beacon', i) });
    expect(beacon.distinctSeeds).toBe(1);
    expect(beacon.attempt).toBe(0); // no attempt did better than the first: there was nothing to choose
    expect(grind({ clients: N, degree, corrupt, budget: 64, seedOf: (i) => seedUnder('server', i) }).distinctSeeds).toBe(64);
    expect(grind({ clients: N, degree, corrupt, budget: 64, seedOf: (i) => seedUnder('directoryRoot', i) }).distinctSeeds).toBe(64);
  });

  it('the beacon round must be fresh: every round whose value the server could know when it sends the offer is refused', () => {
    const now = 1_800_000_000;
    let refused = 0;
    for (let round = 1; beaconRoundTime(BEACON, round) <= now + BEACON.maxClockSkew; round += 100_003) {
      // The value exists (the server can grind the cohort against it): the client refuses the round.
      if (beaconRoundTime(BEACON, round) <= now) expect(() => beaconValue(round, now)).not.toThrow();
      expect(beaconRoundIsFresh(BEACON, round, now)).toBe(false);
      refused += 1;
    }
    expect(refused).toBeGreaterThan(300);
    const first = Math.floor((now + BEACON.maxClockSkew - BEACON.genesisTime) / BEACON.period) + 2;
    expect(beaconRoundIsFresh(BEACON, first, now)).toBe(true);
    expect(beaconRoundIsFresh(BEACON, first - 1, now)).toBe(false);
    expect(() => beaconValue(first, now)).toThrow(/not published/);
  });

  it('over 2^11 fresh beacon values no honest client has more than t1 colluders among its neighbours (55 colluders packed into the cohort)', () => {
    const { degree, threshold, t1, corrupt: c } = beaconParameters();
    expect([degree, threshold, c]).toEqual([58, 42, 55]);
    // The server's best pre-beacon choice is no better than any other: colluders at ids 2..56,
    // next to the victim's id 1 (ids do not predict ring positions).
    const corrupt = corruptFlags(N, Array.from({ length: c }, (_, i) => 2 + i));
    const r = grind({ clients: N, degree, corrupt, budget: 2 ** 11, seedOf: (i) => graphSeedFromBeacon(sha256(utf8('fresh value'), u32(i)), POLICY_DIGEST) });
    expect(r.distinctSeeds).toBe(2 ** 11);
    expect(r.best).toBeLessThanOrEqual(t1);
    expect(2 * threshold).toBeGreaterThan(degree + 2 + r.best); // split view never possible
  });
});

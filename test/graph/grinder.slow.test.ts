/**
 * The graph grinder at the budget, 2^16 tries (npm run test:slow; grinder.test.ts runs
 * 2^11 in npm test). See grinder.test.ts for the scenario.
 */
import { describe, expect, it } from 'vitest';
import { graphSeedFromBeacon } from '../../src/graph/index.js';
import {
  N,
  POLICY_DIGEST,
  beaconParameters,
  corruptFlags,
  grind,
  hypergeometricTail,
  seedUnder,
  sha256,
  todaysParameters,
  u32,
  utf8,
} from './_grinder.js';

const BUDGET = 2 ** 16;

describe('graph grinder, 2^16 tries', () => {
  it('a seed hashed from the key-directory root: 2^16 re-keyings seat 14 colluders around one victim (a fair draw: about 8)', () => {
    const { degree, t1 } = todaysParameters();
    const corrupt = corruptFlags(N, Array.from({ length: 50 }, (_, i) => 951 + i));
    const r = grind({ clients: N, degree, corrupt, budget: BUDGET, seedOf: (i) => seedUnder('directoryRoot', i) });
    expect(r.distinctSeeds).toBe(BUDGET);
    expect(r.best).toBeGreaterThanOrEqual(13);
    expect(r.best).toBeLessThanOrEqual(t1);
    // log2 of the expected tries to reach what 2^16 reached, and t1 + 1.
    const log2Tries = (x: number) => -Math.log2(950 * hypergeometricTail(N - 1, 50, degree, x));
    expect(log2Tries(r.best)).toBeLessThan(17);
    expect(log2Tries(t1 + 1)).toBeGreaterThan(41);
  });

  it('2^16 fresh beacon values: no honest client ever has more than t1 colluders among its neighbours', () => {
    const { degree, threshold, t1, corrupt: c } = beaconParameters();
    const corrupt = corruptFlags(N, Array.from({ length: c }, (_, i) => 2 + i));
    const r = grind({ clients: N, degree, corrupt, budget: BUDGET, seedOf: (i) => graphSeedFromBeacon(sha256(utf8('fresh value'), u32(i)), POLICY_DIGEST) });
    expect(r.distinctSeeds).toBe(BUDGET);
    expect(r.tries).toBe(BUDGET);
    expect(r.best).toBeLessThanOrEqual(t1);
    expect(2 * threshold).toBeGreaterThan(degree + 2 + r.best);
  });

  it('2^16 sets of server choices under the beacon rule: one seed, hence one labelling', () => {
    const seeds = new Set<string>();
    for (let i = 0; i < BUDGET; i++) seeds.add(Buffer.from(seedUnder('beacon', i)).toString('hex'));
    expect(seeds.size).toBe(1);
  });
});

/** Large cohorts (run by `npm run test:slow`): correctness at the sizes secagg targets. */
import { describe, expect, it } from 'vitest';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import { combineShares, createCombiner, splitSecret, type Share } from '../../src/shamir/index.js';
import { expectSecAggError } from '../_hostile.js';

describe('shamir at 10,000 holders', () => {
  it('splits among 10,000 with t = 5,001 and reconstructs from scattered survivors', () => {
    const rng = deterministicRandomBytes(new Uint8Array(32).fill(77));
    const n = 10_000;
    const t = 5_001;
    const secrets = [rng(32), rng(33)];
    const all = secrets.map((s) => splitSecret(s, { threshold: t, holders: n, rng }));
    // Survivors: every holder whose id is not 3 mod 7, shuffled deterministically.
    const alive = Array.from({ length: n }, (_, i) => i).filter((i) => i % 7 !== 3);
    const order = rng(4 * alive.length);
    for (let i = alive.length - 1; i > 0; i--) {
      const j = (((order[4 * i] as number) << 16) | ((order[4 * i + 1] as number) << 8) | (order[4 * i + 2] as number)) % (i + 1);
      [alive[i], alive[j]] = [alive[j] as number, alive[i] as number];
    }
    const chosen = alive.slice(0, t);
    const combiner = createCombiner(chosen.map((i) => i + 1), { threshold: t });
    secrets.forEach((secret, s) => {
      const shares = chosen.map((i) => (all[s] as Share[])[i] as Share);
      expect(combineShares(shares, { threshold: t })).toEqual(secret);
      expect(combiner.combine(shares)).toEqual(secret);
    });
    // A combiner over 6,000 survivors checks the extras; a swapped share is caught.
    const wide = alive.slice(0, 6_000);
    const checker = createCombiner(wide.map((i) => i + 1), { threshold: t, rng });
    const shares = wide.map((i) => (all[0] as Share[])[i] as Share);
    expect(checker.combine(shares)).toEqual(secrets[0]);
    const swapped = [...shares];
    swapped[5_500] = (all[1] as Share[])[wide[5_500] as number] as Share;
    expectSecAggError(() => checker.combine(swapped), 'MISMATCHED_SHARES'); // payload lengths differ
    const corrupted = shares.map((sh) => ({ x: sh.x, y: Uint8Array.from(sh.y) }));
    const victim = (corrupted[5_999] as { y: Uint8Array }).y;
    victim[3] = (victim[3] as number) ^ 0x80;
    expectSecAggError(() => checker.combine(corrupted), 'MISMATCHED_SHARES');
  });
});

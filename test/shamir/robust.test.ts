/**
 * Robust reconstruction (src/shamir/robust.ts): known answers from an independent
 * Berlekamp-Welch decoder, the combiner's round semantics, and properties over random and
 * adversarial corruptions. The bound: with N usable shares at threshold t, e = floor((N - t) / 2).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import { combineShares, createCombiner, createRobustCombiner, splitSecret, type Share } from '../../src/shamir/index.js';
import { gfMul } from '../../src/shamir/_gf.js';
import { expectSecAggError } from '../_hostile.js';
import { corrupt, robustProperties } from './_robust-helpers.js';

interface RobustCase {
  name: string;
  threshold: number;
  secretLength: number;
  secret: string;
  shares: { x: number; y: string }[];
  expected: { secret: string; liars: number[] } | { refused: true };
}

const vectors = JSON.parse(
  readFileSync(new URL('../vectors/shamir-robust.json', import.meta.url), 'utf8'),
) as { provenance: string; cases: RobustCase[] };

const seed = (byte: number): Uint8Array => new Uint8Array(32).fill(byte);

describe('robust reconstruction: known answers (test/vectors/shamir-robust.json)', () => {
  it('has provenance and covers refusals and decodings', () => {
    expect(vectors.provenance).toMatch(/shamir-robust-gen\.py/);
    expect(vectors.cases.filter((c) => 'refused' in c.expected).length).toBeGreaterThanOrEqual(3);
    expect(vectors.cases.filter((c) => !('refused' in c.expected)).length).toBeGreaterThanOrEqual(6);
  });

  for (const c of vectors.cases) {
    it(c.name, () => {
      const shares: Share[] = c.shares.map((s) => ({ x: s.x, y: hexToBytes(s.y) }));
      // Any order of the shares gives the same answer.
      for (const order of [shares, [...shares].reverse()]) {
        const robust = createRobustCombiner({ threshold: c.threshold, secretLength: c.secretLength, rng: deterministicRandomBytes(seed(5)) });
        if ('refused' in c.expected) {
          expectSecAggError(() => robust.combine(order), 'TOO_MANY_ERRORS');
          expect(robust.liars).toEqual([]); // a refused call changes nothing
        } else {
          const result = robust.combine(order);
          expect(bytesToHex(result.secret)).toBe(c.expected.secret);
          expect(result.liars).toEqual(c.expected.liars);
          expect(result.correctable).toBe((shares.length - c.threshold) >> 1);
          expect(robust.liars).toEqual(c.expected.liars);
        }
      }
    });
  }

  it('the framing coalition (N - t even) really decodes to the colluders\u2019 secret: no decoder can tell', () => {
    const c = vectors.cases.find((v) => v.name.includes('N - t even')) as RobustCase;
    expect(c.expected).toEqual({ secret: 'deadbeef', liars: [3, 4] });
    expect(c.secret).not.toBe('deadbeef');
  });
});

describe('robust combiner: round semantics', () => {
  it('the doc example (createRobustCombiner) runs as written', () => {
    const seed = deterministicRandomBytes(new Uint8Array(32).fill(4))(32);
    const robust = createRobustCombiner({ threshold: 3, secretLength: 32 });
    const shares = splitSecret(seed, { threshold: 3, holders: 7 });
    const bad = { x: 4, y: new Uint8Array(32) }; // holder 4 lies
    const { secret, liars } = robust.combine([...shares.slice(0, 3), bad, ...shares.slice(4)]);
    expect(secret).toEqual(seed);
    expect(liars).toEqual([4]);
    expect(robust.combine(shares.slice(0, 3)).liars).toEqual([]);
  });


  const rng = deterministicRandomBytes(seed(11));
  const t = 4;
  const holders = Array.from({ length: 11 }, (_, i) => i + 1); // N = 11, e = 3

  it('honest shares: the secret, no liars, correctable = floor((N - t) / 2); N = t: nothing checked', () => {
    const secret = rng(32);
    const shares = splitSecret(secret, { threshold: t, holders, rng });
    const robust = createRobustCombiner({ threshold: t, secretLength: 32, rng });
    expect(robust.combine(shares)).toEqual({ secret, liars: [], correctable: 3 });
    expect(robust.combine(shares.slice(0, t))).toEqual({ secret, liars: [], correctable: 0 });
    expect(robust.combine(shares.slice(0, t + 1)).correctable).toBe(0);
  });

  it('where today\u2019s combiners abort (one wrong share among t + 1) or go wrong (exactly t), it corrects', () => {
    const secret = rng(32);
    const shares = splitSecret(secret, { threshold: t, holders, rng });
    const bad = corrupt(shares, [2], 'one element', rng);
    const firstT1 = bad.slice(0, t + 1);
    expectSecAggError(() => createCombiner(firstT1.map((s) => s.x), { threshold: t }).combine(firstT1), 'MISMATCHED_SHARES');
    expect(combineShares(bad.slice(0, t), { threshold: t })).not.toEqual(secret);
    expect(createRobustCombiner({ threshold: t, secretLength: 32, rng }).combine(bad)).toEqual({ secret, liars: [2], correctable: 3 });
  });

  it('a liar found once is ignored for the rest of the round, and frees decoding capacity', () => {
    const robust = createRobustCombiner({ threshold: t, secretLength: 32, rng });
    const secrets = [rng(32), rng(32), rng(32)];
    const all = secrets.map((s) => splitSecret(s, { threshold: t, holders, rng }));
    // Secret 0: holders 2 and 7 lie (2 <= e = 3).
    const first = robust.combine(corrupt(all[0] as Share[], [2, 7], 'random', rng));
    expect(first.secret).toEqual(secrets[0]);
    expect(first.liars).toEqual([2, 7]);
    expect(robust.liars).toEqual([2, 7]);
    expect(robust.excluded).toEqual([2, 7]);
    // Secret 1: 2 and 7 send correct shares now but are ignored: N = 9, e = 2; three new liars
    // would exceed it, two are corrected.
    const second = robust.combine(corrupt(all[1] as Share[], [1, 5], 'random', rng));
    expect(second).toEqual({ secret: secrets[1], liars: [1, 5], correctable: 2 });
    // Secret 2: 4 excluded holders, N = 7, e = 1: one more liar is corrected, two are refused.
    expect(robust.combine(corrupt(all[2] as Share[], [9], 'one element', rng))).toEqual({ secret: secrets[2], liars: [9], correctable: 1 });
    expectSecAggError(() => robust.combine(corrupt(all[2] as Share[], [3, 4], 'random', rng)), 'TOO_MANY_ERRORS');
    expect(robust.liars).toEqual([1, 2, 5, 7, 9]);
  });

  it('checks are drawn once per set of holders and renewed after every catch (docs/shamir.md, per round)', () => {
    // The per-round bound (l + 1) 2^-32 rests on this: one draw of 4 (N - t) bytes per set of
    // holders, reused while nobody is caught, and a fresh set (fresh checks) after each catch.
    const draws: number[] = [];
    const counting = (n: number): Uint8Array => {
      draws.push(n);
      return rng(n);
    };
    const robust = createRobustCombiner({ threshold: t, secretLength: 32, rng: counting });
    const checkDraws = (): number[] => draws.filter((n) => n !== 32); // 32 bytes: the decoder's combination
    for (let i = 0; i < 20; i++) robust.combine(splitSecret(rng(32), { threshold: t, holders, rng }));
    expect(checkDraws()).toEqual([4 * (11 - t)]);
    const secret = rng(32);
    const caught = robust.combine(corrupt(splitSecret(secret, { threshold: t, holders, rng }), [3], 'random', rng));
    expect(caught.liars).toEqual([3]);
    expect(checkDraws()).toEqual([4 * (11 - t), 4 * (10 - t)]); // the set without holder 3
    for (let i = 0; i < 20; i++) robust.combine(splitSecret(rng(32), { threshold: t, holders, rng }));
    expect(checkDraws()).toEqual([4 * (11 - t), 4 * (10 - t)]);
  });

  it('excluded holders (option and exclude()) are erasures: skipped, and not counted in N', () => {
    const secret = rng(32);
    const shares = splitSecret(secret, { threshold: t, holders, rng });
    const robust = createRobustCombiner({ threshold: t, secretLength: 32, rng, excluded: [11, 11] });
    expect(robust.excluded).toEqual([11]);
    robust.exclude([10]);
    expect(robust.excluded).toEqual([10, 11]);
    expect(robust.liars).toEqual([]);
    // Holders 10 and 11 send garbage: ignored, not named, N = 9.
    const bad = corrupt(shares, [10, 11, 3], 'random', rng);
    expect(robust.combine(bad)).toEqual({ secret, liars: [3], correctable: 2 });
    // Excluding down to fewer than t usable shares is TOO_FEW_SHARES.
    robust.exclude([1, 2, 4, 5, 6]);
    expectSecAggError(() => robust.combine(shares), 'TOO_FEW_SHARES');
  });

  it('excludeLiars: false: each call decodes every share it is given; liars are named, not skipped', () => {
    const secrets = [rng(32), rng(32)];
    const all = secrets.map((s) => splitSecret(s, { threshold: t, holders, rng }));
    const robust = createRobustCombiner({ threshold: t, secretLength: 32, rng, excludeLiars: false, excluded: [11] });
    expect(robust.combine(corrupt(all[0] as Share[], [2, 7], 'random', rng))).toEqual({ secret: secrets[0], liars: [2, 7], correctable: 3 });
    expect(robust.liars).toEqual([2, 7]);
    expect(robust.excluded).toEqual([11]); // only the caller's
    // Holders 2 and 7 are used again: honest now, N = 10; lying again, they are named again.
    expect(robust.combine(all[1] as Share[])).toEqual({ secret: secrets[1], liars: [], correctable: 3 });
    expect(robust.combine(corrupt(all[1] as Share[], [2, 7, 9], 'one element', rng))).toEqual({ secret: secrets[1], liars: [2, 7, 9], correctable: 3 });
    expect(robust.liars).toEqual([2, 7, 9]);
    expectSecAggError(() => createRobustCombiner({ threshold: t, secretLength: 32, excludeLiars: 0 as never }), 'INVALID_TYPE');
  });

  it('e + 1 colluders need only their own shares to present another sharing (N - t even): no dealer, no honest share', () => {
    // g = f + h with h(x) = prod_{j in S} (x + j) for t - 1 honest ids S (public): each colluder adds
    // h(x) to its own share. g agrees with S and the colluders, t - 1 + e + 1 = N - e shares: the
    // decoder returns g's secret (f(0) + h(0)) and names the e other honest holders.
    const n = 11; // t = 5: N - t = 6, e = 3
    const secret = rng(32);
    const shares = splitSecret(secret, { threshold: 5, holders: n, rng });
    const S = [5, 6, 7, 8];
    const colluders = [1, 2, 3, 4];
    const h = (x: number): number => S.reduce((acc, j) => gfMul(acc, x ^ j), 1);
    const lied = shares.map((sh) => {
      if (!colluders.includes(sh.x)) return sh;
      const y = Uint8Array.from(sh.y);
      for (let e = 0; e < 16; e++) {
        const v = (((y[2 * e] as number) << 8) | (y[2 * e + 1] as number)) ^ h(sh.x);
        y[2 * e] = v >>> 8;
        y[2 * e + 1] = v & 0xff;
      }
      return { x: sh.x, y };
    });
    const out = createRobustCombiner({ threshold: 5, secretLength: 32, rng }).combine(lied);
    expect(out.liars).toEqual([9, 10, 11]);
    const shifted = Uint8Array.from(secret);
    for (let e = 0; e < 16; e++) {
      const v = (((shifted[2 * e] as number) << 8) | (shifted[2 * e + 1] as number)) ^ h(0);
      shifted[2 * e] = v >>> 8;
      shifted[2 * e + 1] = v & 0xff;
    }
    expect(out.secret).toEqual(shifted);
  });

  it('malformed payloads (wrong length, non-zero odd marker) are liars, treated as erasures', () => {
    const secret = rng(31);
    const shares = splitSecret(secret, { threshold: t, holders, rng }); // 33-byte payloads
    const robust = createRobustCombiner({ threshold: t, secretLength: 31, rng });
    const bad = shares.map((s) => ({ x: s.x, y: Uint8Array.from(s.y) }));
    (bad[0] as { y: Uint8Array }).y[32] = 1; // marker
    bad[1] = { x: 2, y: new Uint8Array(32) }; // a 32-byte payload
    bad[2] = { x: 3, y: new Uint8Array(0) };
    const wrongValue = (bad[3] as { y: Uint8Array }).y;
    wrongValue[0] = (wrongValue[0] as number) ^ 1;
    // 3 erasures + 1 error: N = 8 well-formed, e = 2 >= 1.
    expect(robust.combine(bad)).toEqual({ secret, liars: [1, 2, 3, 4], correctable: 2 });
    // Malformed shares leaving fewer than t well-formed ones: refused.
    const few = createRobustCombiner({ threshold: t, secretLength: 31, rng });
    const mostlyBad = shares.slice(0, 5).map((s, i) => (i < 2 ? { x: s.x, y: new Uint8Array(4) } : s));
    expectSecAggError(() => few.combine(mostlyBad), 'TOO_MANY_ERRORS');
  });

  it('shares that agree on a sharing with non-zero padding: MISMATCHED_SHARES', () => {
    // A dealer that shared 0x0001 as a 1-byte secret's element (padding byte 1).
    const shares = splitSecret(Uint8Array.of(0, 1), { threshold: 2, holders: 5, rng });
    const padded = shares.map((s) => ({ x: s.x, y: Uint8Array.of(s.y[0] as number, s.y[1] as number, 0) }));
    expectSecAggError(() => createRobustCombiner({ threshold: 2, secretLength: 1, rng }).combine(padded), 'MISMATCHED_SHARES');
  });

  it('a combiner reused over the same holders (past its table-building point) catches a late liar', () => {
    const robust = createRobustCombiner({ threshold: t, secretLength: 32, rng });
    for (let call = 0; call < 20; call++) {
      const secret = rng(32);
      const shares = splitSecret(secret, { threshold: t, holders, rng });
      const liars = call === 15 ? [6] : [];
      expect(robust.combine(corrupt(shares, liars, 'one element', rng))).toEqual({ secret, liars, correctable: (holders.length - (call > 15 ? 1 : 0) - t) >> 1 });
    }
  });

  it('a random combination that cancels an error: the second phase decodes element by element', () => {
    // The decoder draws 2m = 32 bytes for its combination; the checks draw 4 (N - t) bytes
    // (28 and 20 here), so a scripted rng can zero the combination's coefficient of element 3.
    const inner = deterministicRandomBytes(seed(12));
    const scripted = (zeroAll: boolean) => (length: number): Uint8Array => {
      const out = inner(length);
      if (length === 32) {
        if (zeroAll) out.fill(0);
        else out.fill(0, 6, 8); // element 3's coefficient
      }
      return out;
    };
    const secret = rng(32);
    const shares = splitSecret(secret, { threshold: t, holders, rng });
    const bad = shares.map((s) => ({ x: s.x, y: Uint8Array.from(s.y) }));
    const first = (bad[0] as { y: Uint8Array }).y;
    first[7] = (first[7] as number) ^ 0x40; // holder 1: element 3 only (cancelled in phase 1)
    (bad[5] as { y: Uint8Array }).y.fill(9); // holder 6: every element (found in phase 1)
    expect(createRobustCombiner({ threshold: t, secretLength: 32, rng: scripted(false) }).combine(bad)).toEqual({ secret, liars: [1, 6], correctable: 3 });
    // Every coefficient zero: phase 1 sees a codeword; phase 2 finds both.
    expect(createRobustCombiner({ threshold: t, secretLength: 32, rng: scripted(true) }).combine(bad)).toEqual({ secret, liars: [1, 6], correctable: 3 });
  });

  it('checks with zero weights (g_A = 1, g_B = 0) still catch and correct, before and after the tables', () => {
    // Every check draw (4 (N - t) bytes, never 32 here) gives g_A = 1 and g_B = 0; the decoder's
    // 32-byte draw is random.
    const inner = deterministicRandomBytes(seed(13));
    const special = (length: number): Uint8Array => {
      if (length === 32) return inner(length);
      const out = new Uint8Array(length);
      out[1] = 1;
      return out;
    };
    const robust = createRobustCombiner({ threshold: t, secretLength: 32, rng: special });
    for (let call = 0; call < 12; call++) {
      const secret = rng(32);
      const shares = splitSecret(secret, { threshold: t, holders, rng });
      const liars = call === 10 ? [3] : [];
      expect(robust.combine(corrupt(shares, liars, 'one element', rng)).secret).toEqual(secret);
    }
    expect(robust.liars).toEqual([3]);
  });

  it('an all-zero rng makes the checks blind (documented: only as good as the rng)', () => {
    const secret = rng(32);
    const shares = splitSecret(secret, { threshold: t, holders, rng });
    const blind = createRobustCombiner({ threshold: t, secretLength: 32, rng: (n) => new Uint8Array(n) });
    const bad = corrupt(shares, [1], 'random', rng); // holder 1 enters the interpolation at 0
    expect(blind.combine(bad).secret).not.toEqual(secret);
    expect(createRobustCombiner({ threshold: t, secretLength: 32 }).combine(bad).secret).toEqual(secret);
  });
});

describe('robust combiner: hostile inputs', () => {
  const shares = splitSecret(new Uint8Array(32).fill(3), { threshold: 2, holders: 4 });

  it('rejects bad options', () => {
    const make = (o: unknown) => () => createRobustCombiner(o as never);
    expectSecAggError(make(undefined), 'INVALID_TYPE');
    expectSecAggError(make(null), 'INVALID_TYPE');
    expectSecAggError(make({ threshold: 2 }), 'INVALID_TYPE');
    expectSecAggError(make({ threshold: 1, secretLength: 32 }), 'INVALID_THRESHOLD');
    expectSecAggError(make({ threshold: 2, secretLength: 0 }), 'OUT_OF_RANGE');
    expectSecAggError(make({ threshold: 2, secretLength: 65536 }), 'OUT_OF_RANGE');
    expectSecAggError(make({ threshold: 2, secretLength: 1.5 }), 'OUT_OF_RANGE');
    expectSecAggError(make({ threshold: 2, secretLength: 32, rng: 3 }), 'INVALID_TYPE');
    expectSecAggError(make({ threshold: 2, secretLength: 32, excluded: 3 }), 'INVALID_TYPE');
    expectSecAggError(make({ threshold: 2, secretLength: 32, excluded: [0] }), 'INVALID_SHARE_INDEX');
    expectSecAggError(make({ threshold: 2, secretLength: 32, excluded: ['1'] }), 'INVALID_TYPE');
    expectSecAggError(make({ threshold: 2, secretLength: 32, treshold: 2 }), 'UNKNOWN_OPTION');
    const robust = createRobustCombiner({ threshold: 2, secretLength: 32 });
    expectSecAggError(() => robust.exclude([65536]), 'INVALID_SHARE_INDEX');
    expectSecAggError(() => robust.exclude('1' as never), 'INVALID_TYPE');
    expectSecAggError(() => createRobustCombiner({ threshold: 2, secretLength: 32, rng: (n) => new Uint8Array(n + 1) }).combine(shares), 'INVALID_LENGTH');
  });

  it('rejects bad share lists (caller bugs throw; wrong payloads are liars)', () => {
    const robust = createRobustCombiner({ threshold: 2, secretLength: 32 });
    for (const v of [undefined, null, 3, 'abc', { length: 2 }]) expectSecAggError(() => robust.combine(v as never), 'INVALID_TYPE');
    for (const v of [null, 3, 'share']) expectSecAggError(() => robust.combine([shares[0], v] as never), 'INVALID_TYPE');
    for (const x of [0, -1, 65536, 1.5, Number.NaN]) {
      expectSecAggError(() => robust.combine([shares[0] as Share, { x, y: new Uint8Array(32) }]), 'INVALID_SHARE_INDEX');
    }
    expectSecAggError(() => robust.combine([shares[0] as Share, { x: 2, y: [1, 2] as never }]), 'INVALID_TYPE');
    expectSecAggError(() => robust.combine([shares[0], shares[1], shares[0]] as Share[]), 'DUPLICATE_SHARE');
    expectSecAggError(() => robust.combine([shares[0]] as Share[]), 'TOO_FEW_SHARES');
    expectSecAggError(() => robust.combine([]), 'TOO_FEW_SHARES');
    // No state changed by any of these.
    expect(robust.combine(shares).liars).toEqual([]);
  });

  it('errors never carry share bytes', () => {
    const bad = corrupt(shares, [1, 2], 'random', deterministicRandomBytes(seed(1)));
    const e = expectSecAggError(() => createRobustCombiner({ threshold: 2, secretLength: 32 }).combine(bad), 'TOO_MANY_ERRORS');
    for (const s of [...shares, ...bad]) expect(e.message).not.toContain(bytesToHex(s.y).slice(0, 8));
  });
});

describe('robust combiner: properties', () => {
  robustProperties(40, 100);
  robustProperties(600, 3, 300);
});

describe('robust combiner: strategies are what they say', () => {
  it('coalition shares lie on one polynomial of degree below t; one-element corruptions touch one element', () => {
    const rng = deterministicRandomBytes(seed(2));
    const secret = rng(32);
    const shares = splitSecret(secret, { threshold: 3, holders: 9, rng });
    const liars = [2, 5, 8];
    const coalition = corrupt(shares, liars, 'coalition', rng, 3).filter((s) => liars.includes(s.x));
    const other = combineShares(coalition, { threshold: 3 }); // exact check: one sharing
    expect(other).not.toEqual(secret);
    const one = corrupt(shares, liars, 'one element', rng);
    for (const x of liars) {
      const a = (shares[x - 1] as Share).y;
      const b = (one[x - 1] as Share).y;
      const changed = new Set<number>();
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) changed.add(i >> 1);
      expect(changed.size).toBe(1);
    }
    const spread = corrupt(shares, liars, 'spread', rng);
    liars.forEach((x, i) => {
      const a = (shares[x - 1] as Share).y;
      const b = (spread[x - 1] as Share).y;
      expect([...a.keys()].filter((k) => a[k] !== b[k]).every((k) => k >> 1 === i)).toBe(true);
    });
  });
});


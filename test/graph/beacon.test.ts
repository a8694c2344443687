/**
 * Where a Harary seed comes from (issue 14 §3, docs/protocol-graph.md "Graph randomness"): the
 * beacon schedule check and the two seed derivations, with known answers from an independent
 * Python HKDF (test/vectors/protocol-graph-seed.py) and OpenSSL (node:crypto), and hostile inputs.
 */
import { hkdfSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BeaconSource,
  GRAPH_SEED_INFO,
  MAX_BEACON_ROUND,
  MAX_BEACON_TIME,
  beaconRoundIsFresh,
  beaconRoundTime,
  createBeaconSource,
  graphSeedFromBeacon,
  graphSeedFromNonce,
} from '../../src/graph/index.js';
import { expectSecAggError, notBytes, notCounts, notNumbers } from '../_hostile.js';
import vectors from '../vectors/protocol-graph-seed.json' with { type: 'json' };

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
// drand's quicknet chain: genesis 1692803367, a round every 3 s.
const quicknet: BeaconSource = { name: 'drand-quicknet', genesisTime: 1_692_803_367, period: 3, maxClockSkew: 5 };
const digest = hex(vectors.beacon[0]!.policyDigest);

describe('beacon schedule', () => {
  it('round R is scheduled at genesisTime + (R - 1) * period', () => {
    expect(beaconRoundTime(quicknet, 1)).toBe(1_692_803_367);
    expect(beaconRoundTime(quicknet, 11)).toBe(1_692_803_397);
    expect(beaconRoundTime(quicknet, MAX_BEACON_ROUND)).toBe(1_692_803_367 + (2 ** 32 - 2) * 3);
    expect(beaconRoundTime({ ...quicknet, period: 86_400, genesisTime: 0xffff_ffff }, MAX_BEACON_ROUND)).toBe(0xffff_ffff + (2 ** 32 - 2) * 86_400);
  });

  it('fresh iff scheduled strictly after offerReceivedAt + maxClockSkew', () => {
    const at = 1_700_000_000.25; // when the offer arrived (client clock)
    // Scheduled times: round R at 1692803367 + 3 (R - 1). at + skew = 1700000005.25.
    // (1700000005.25 - 1692803367) / 3 = 2398879.4..., so round 2398881 (at 1700000007) is the first fresh one.
    const firstFresh = 2_398_881;
    expect(beaconRoundTime(quicknet, firstFresh)).toBeGreaterThan(at + 5);
    expect(beaconRoundTime(quicknet, firstFresh - 1)).toBeLessThanOrEqual(at + 5);
    expect(beaconRoundIsFresh(quicknet, firstFresh, at)).toBe(true);
    expect(beaconRoundIsFresh(quicknet, firstFresh - 1, at)).toBe(false);
    expect(beaconRoundIsFresh(quicknet, 1, at)).toBe(false); // long published
    expect(beaconRoundIsFresh(quicknet, MAX_BEACON_ROUND, at)).toBe(true);
    // Exactly at offer time + skew is not fresh (the value may be out when the server sent the offer).
    const r = 1000;
    const t = beaconRoundTime(quicknet, r);
    expect(beaconRoundIsFresh(quicknet, r, t - 5)).toBe(false);
    expect(beaconRoundIsFresh(quicknet, r, t - 5.001)).toBe(true);
    expect(beaconRoundIsFresh({ ...quicknet, maxClockSkew: 0 }, r, t)).toBe(false);
    expect(beaconRoundIsFresh({ ...quicknet, maxClockSkew: 0 }, r, t - 0.001)).toBe(true);
  });

  it('property: fresh exactly when the scheduled time exceeds the offer time plus the skew', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff_ffff }),
        fc.integer({ min: 1, max: 86_400 }),
        fc.integer({ min: 0, max: 3_600 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 2 ** 33, noNaN: true }),
        (genesisTime, period, maxClockSkew, round, at) => {
          const source = { name: 'b', genesisTime, period, maxClockSkew };
          expect(beaconRoundIsFresh(source, round, at)).toBe(genesisTime + (round - 1) * period > at + maxClockSkew);
        },
      ),
      { numRuns: 200, seed: 14 },
    );
  });

  it('createBeaconSource returns a frozen copy of what it checked, each field read once', () => {
    const s = createBeaconSource(quicknet);
    expect(s).toEqual(quicknet);
    expect(s).not.toBe(quicknet);
    expect(Object.isFrozen(s)).toBe(true);
    // A source whose fields change between reads: the copy keeps the first (validated) values.
    let reads = 0;
    const shifty = {
      name: 'x',
      genesisTime: 0,
      maxClockSkew: 0,
      get period(): number {
        reads += 1;
        return reads === 1 ? 3 : 0;
      },
    };
    expect(createBeaconSource(shifty).period).toBe(3);
    expect(reads).toBe(1);
  });

  it('hostile sources, rounds and times', () => {
    expectSecAggError(() => createBeaconSource(undefined as never), 'INVALID_TYPE');
    for (const bad of [null, 'drand', 3, [], () => 1]) expectSecAggError(() => createBeaconSource(bad as never), 'INVALID_TYPE');
    expectSecAggError(() => createBeaconSource({ ...quicknet, url: 'https://x' } as never), 'UNKNOWN_OPTION');
    for (const bad of ['', 'has space', 'é', 'x'.repeat(129), 'tab\t', undefined, null, 3, ['a']]) {
      expectSecAggError(() => createBeaconSource({ ...quicknet, name: bad as string }), 'INVALID_CONFIG');
    }
    expect(createBeaconSource({ ...quicknet, name: 'x'.repeat(128) }).name.length).toBe(128);
    for (const bad of [...notCounts, 2 ** 32]) expectSecAggError(() => createBeaconSource({ ...quicknet, genesisTime: bad as number }));
    for (const bad of [...notCounts, 0, 86_401]) expectSecAggError(() => createBeaconSource({ ...quicknet, period: bad as number }));
    for (const bad of [...notCounts, 3_601]) expectSecAggError(() => createBeaconSource({ ...quicknet, maxClockSkew: bad as number }));
    for (const bad of [...notCounts, 0, 2 ** 32]) {
      expectSecAggError(() => beaconRoundTime(quicknet, bad as number));
      expectSecAggError(() => beaconRoundIsFresh(quicknet, bad as number, 1_700_000_000));
    }
    expectSecAggError(() => beaconRoundTime({ ...quicknet, period: 0 }, 1), 'OUT_OF_RANGE');
    expectSecAggError(() => beaconRoundIsFresh({ ...quicknet, name: '' }, 1, 0), 'INVALID_CONFIG');
    for (const bad of [...notNumbers, -1, -0.001, MAX_BEACON_TIME + 1]) {
      expectSecAggError(() => beaconRoundIsFresh(quicknet, 2, bad as number));
    }
    // Milliseconds instead of seconds: refused, not silently "stale".
    expectSecAggError(() => beaconRoundIsFresh(quicknet, 2, 1_700_000_000_000), 'OUT_OF_RANGE');
  });
});

describe('graph seeds', () => {
  it('known answers: Python HKDF and OpenSSL agree', () => {
    for (const v of vectors.beacon) {
      const seed = graphSeedFromBeacon(hex(v.beaconValue), hex(v.policyDigest));
      expect(toHex(seed)).toBe(v.seed);
      const openssl = new Uint8Array(hkdfSync('sha256', hex(v.beaconValue), hex(v.policyDigest), GRAPH_SEED_INFO, 32));
      expect(seed).toEqual(openssl);
    }
    for (const v of vectors.nonce) {
      const seed = graphSeedFromNonce(hex(v.nonce));
      expect(toHex(seed)).toBe(v.seed);
      expect(seed).toEqual(new Uint8Array(hkdfSync('sha256', hex(v.nonce), new Uint8Array(0), GRAPH_SEED_INFO, 32)));
    }
  });

  it('a beacon seed depends on the value and the policy, and never equals the nonce seed of the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (value, other) => {
        const seed = graphSeedFromBeacon(value, digest);
        expect(graphSeedFromBeacon(Uint8Array.from(value), Uint8Array.from(digest))).toEqual(seed);
        expect(graphSeedFromNonce(value)).not.toEqual(seed);
        if (Buffer.compare(value, other) !== 0) expect(graphSeedFromBeacon(other, digest)).not.toEqual(seed);
        const otherDigest = Uint8Array.from(digest);
        otherDigest[0]! ^= 1;
        expect(graphSeedFromBeacon(value, otherDigest)).not.toEqual(seed);
      }),
      { numRuns: 50, seed: 14 },
    );
  });

  it('the inputs are copied: changing them afterwards changes nothing', () => {
    const value = new Uint8Array(32).fill(7);
    const d = Uint8Array.from(digest);
    const seed = graphSeedFromBeacon(value, d);
    value.fill(8);
    d.fill(9);
    expect(graphSeedFromBeacon(new Uint8Array(32).fill(7), digest)).toEqual(seed);
  });

  it('hostile inputs', () => {
    const value = new Uint8Array(32).fill(1);
    for (const bad of notBytes) {
      expectSecAggError(() => graphSeedFromBeacon(bad as Uint8Array, digest), 'INVALID_TYPE');
      expectSecAggError(() => graphSeedFromBeacon(value, bad as Uint8Array), 'INVALID_TYPE');
      expectSecAggError(() => graphSeedFromNonce(bad as Uint8Array), 'INVALID_TYPE');
    }
    for (const length of [0, 15, 1025]) expectSecAggError(() => graphSeedFromBeacon(new Uint8Array(length), digest), 'INVALID_LENGTH');
    for (const length of [0, 31, 33]) {
      expectSecAggError(() => graphSeedFromBeacon(value, new Uint8Array(length).fill(1)), 'INVALID_LENGTH');
      expectSecAggError(() => graphSeedFromNonce(new Uint8Array(length)), 'INVALID_LENGTH');
    }
    expectSecAggError(() => graphSeedFromBeacon(value, new Uint8Array(32)), 'INVALID_CONFIG');
    expect(graphSeedFromBeacon(new Uint8Array(16), digest).length).toBe(32);
    expect(graphSeedFromBeacon(new Uint8Array(1024), digest).length).toBe(32);
  });
});

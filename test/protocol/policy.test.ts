/**
 * The trusted policy and the per-round configuration (issue 14, section 1): validation and
 * codecs (with hostile input), the derivation and its corrupt-count rule, and joinRound, which
 * holds the server to the policy.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ed25519PublicKey } from '../../src/crypto/index.js';
import { SecAggError } from '../../src/errors.js';
import {
  clientAdvertiseKeys,
  clientReceive,
  createServer,
  createSessionConfig,
  createSessionPolicy,
  decodeSessionConfig,
  decodeSessionPolicy,
  deriveSessionConfig,
  encodeSessionConfig,
  encodeSessionPolicy,
  joinRound,
  serverCloseRound,
  serverReceive,
  sessionPolicyDigest,
  type ClientMessage,
  type ClientState,
  type SessionConfig,
  type SessionPolicy,
  type SessionPolicyInput,
} from '../../src/protocol/index.js';
import { validateConfig } from '../../src/protocol/config.js';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import { expectSecAggError, notBytes, notNumbers } from '../_hostile.js';
import { inputFor, plainSum, seed } from './_driver.js';

const vectors = [{ name: 'x', length: 8, bits: 16 }];
const signingKeys = Array.from({ length: 40 }, (_, i) => seed(100 + i));
const verificationKeys = signingKeys.map((k) => ed25519PublicKey(k));
const beacon = { name: 'drand-quicknet', genesisTime: 1_692_803_367, period: 3, maxClockSkew: 5 };

const passivePolicy: SessionPolicyInput = { registry: { size: 50 }, vectors, corruptFraction: 0.05, dropoutFraction: 0.1, minClients: 5 };
const activePolicy: SessionPolicyInput = {
  registry: { verificationKeys }, vectors, active: true, corruptFraction: 0.05, dropoutFraction: 0.1, minClients: 5,
};
const cohort = [2, 3, 5, 7, 11, 13];

describe('createSessionPolicy', () => {
  it('fills in the defaults and returns a copy', () => {
    const p = createSessionPolicy(passivePolicy);
    expect(p).toEqual({
      version: 2, registry: { size: 50 }, vectors, active: false, graph: 'complete', corruptFraction: 0.05,
      dropoutFraction: 0.1, minClients: 5, beacon: null, securityBits: 40, correctnessBits: 20,
    });
    const a = createSessionPolicy(activePolicy);
    expect('verificationKeys' in a.registry && a.registry.verificationKeys[0]).not.toBe(verificationKeys[0]);
    expect(createSessionPolicy(a)).toEqual(a);
  });

  it('refuses what does not fit, with coded errors', () => {
    const bad: [Partial<SessionPolicyInput> & Record<string, unknown>, string][] = [
      [{ registry: { size: 50, verificationKeys } } as never, 'INVALID_CONFIG'],
      [{ registry: {} } as never, 'INVALID_CONFIG'],
      [{ registry: { verificationKeys } }, 'INVALID_CONFIG'], // keys in a passive policy
      [{ registry: { size: 1 } }, 'OUT_OF_RANGE'],
      [{ registry: { size: 2 ** 24 + 1 } }, 'OUT_OF_RANGE'],
      [{ corruptFraction: 1 }, 'OUT_OF_RANGE'],
      [{ dropoutFraction: -0.1 }, 'OUT_OF_RANGE'],
      [{ minClients: 1 }, 'OUT_OF_RANGE'],
      [{ minClients: 51 }, 'OUT_OF_RANGE'],
      [{ graph: 'ring' as never }, 'INVALID_CONFIG'],
      [{ version: 1 as never }, 'UNSUPPORTED_VERSION'],
      [{ securityBits: 0 }, 'OUT_OF_RANGE'],
      [{ beacon: { ...beacon, period: 0 } }, 'OUT_OF_RANGE'],
      [{ beacon: { ...beacon, name: 'with space' } }, 'INVALID_CONFIG'],
      [{ beacon: { ...beacon, maxClockSkew: Number.NaN } }, 'OUT_OF_RANGE'],
      // What the beacon schedule cannot use (before the fix, accepted here and thrown by joinRound).
      [{ beacon: { ...beacon, maxClockSkew: 2.5 } }, 'OUT_OF_RANGE'],
      [{ beacon: { ...beacon, genesisTime: 2 ** 33 } }, 'OUT_OF_RANGE'],
      [{ beacon: { ...beacon, extra: 1 } as never }, 'UNKNOWN_OPTION'],
      [{ colour: 'red' }, 'UNKNOWN_OPTION'],
      [{ vectors: [] }, 'INVALID_CONFIG'],
    ];
    for (const [change, code] of bad) expectSecAggError(() => createSessionPolicy({ ...passivePolicy, ...change } as SessionPolicyInput), code as never);
    expectSecAggError(() => createSessionPolicy({ ...activePolicy, registry: { size: 40 } }), 'INVALID_CONFIG');
    expectSecAggError(() => createSessionPolicy({ ...activePolicy, registry: { verificationKeys: [...verificationKeys, verificationKeys[3] as Uint8Array] } }), 'INVALID_CONFIG');
    expectSecAggError(() => createSessionPolicy({ ...activePolicy, graph: 'secaggplus' }), 'INVALID_CONFIG'); // no beacon
    expect(createSessionPolicy({ ...activePolicy, graph: 'secaggplus', beacon }).beacon).toEqual(beacon);
    for (const bad of notBytes) {
      if (bad === undefined) continue;
      expectSecAggError(() => createSessionPolicy({ ...activePolicy, registry: { verificationKeys: [bad as Uint8Array, ...verificationKeys] } }));
    }
    for (const bad of notNumbers) expectSecAggError(() => createSessionPolicy({ ...passivePolicy, corruptFraction: bad as number }));
    for (const bad of [null, 1, 'x', [], new Proxy({}, { get: () => 1 })]) expectSecAggError(() => createSessionPolicy(bad as never));
  });
});

describe('policy codec', () => {
  const policies = [passivePolicy, activePolicy, { ...activePolicy, graph: 'secaggplus' as const, beacon, securityBits: 64 }].map(createSessionPolicy);

  it('round-trips, canonically, and the digest covers every field', () => {
    const digests = new Set<string>();
    for (const p of policies) {
      const bytes = encodeSessionPolicy(p);
      expect(decodeSessionPolicy(bytes)).toEqual(p);
      expect(encodeSessionPolicy(decodeSessionPolicy(bytes))).toEqual(bytes);
      digests.add(Buffer.from(sessionPolicyDigest(p)).toString('hex'));
    }
    const base = createSessionPolicy(passivePolicy);
    for (const change of [{ corruptFraction: 0.06 }, { dropoutFraction: 0.2 }, { minClients: 6 }, { registry: { size: 51 } }, { graph: 'secaggplus' }, { correctnessBits: 21 }, { beacon }, { vectors: [{ name: 'x', length: 9, bits: 16 }] }]) {
      digests.add(Buffer.from(sessionPolicyDigest({ ...base, ...change } as SessionPolicy)).toString('hex'));
    }
    expect(digests.size).toBe(3 + 8);
  });

  it('refuses other encodings of the same policy (-0, flags) and other versions', () => {
    const bytes = encodeSessionPolicy(createSessionPolicy({ ...passivePolicy, corruptFraction: 0 }));
    const negativeZero = Uint8Array.from(bytes);
    negativeZero[5] = 0x80; // the sign bit of corruptFraction (f64 at offset 5)
    expectSecAggError(() => decodeSessionPolicy(negativeZero), 'MALFORMED_ENCODING');
    const flag = Uint8Array.from(bytes);
    flag[3] = 2; // active flag
    expectSecAggError(() => decodeSessionPolicy(flag), 'MALFORMED_ENCODING');
    const version = Uint8Array.from(bytes);
    version[2] = 1;
    expectSecAggError(() => decodeSessionPolicy(version), 'UNSUPPORTED_VERSION');
    expectSecAggError(() => decodeSessionPolicy(bytes.subarray(0, bytes.length - 1)), 'MALFORMED_ENCODING');
    expectSecAggError(() => decodeSessionPolicy(Uint8Array.of(...bytes, 0)), 'MALFORMED_ENCODING');
    for (const bad of notBytes) expectSecAggError(() => decodeSessionPolicy(bad as Uint8Array), 'INVALID_TYPE');
  });

  it('hostile bytes: random and mutated policies decode or fail with a SecAggError', () => {
    const encoded = policies.map((p) => encodeSessionPolicy(p));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: encoded.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 200 }),
        (which, edits, cut, random) => {
          const bytes = Uint8Array.from(encoded[which] as Uint8Array);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          for (const b of [bytes, bytes.subarray(0, cut % (bytes.length + 1)), random, Uint8Array.of(0x5a, 0x50, 2, ...random)]) {
            try {
              const p = decodeSessionPolicy(b);
              expect(encodeSessionPolicy(p)).toEqual(b); // whatever decodes is canonical
            } catch (error) {
              expect(error).toBeInstanceOf(SecAggError);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('deriveSessionConfig', () => {
  it('passive: c = ceil(corruptFraction n), t = n - ceil(dropoutFraction n), ids in registry order', () => {
    const config = deriveSessionConfig(createSessionPolicy(passivePolicy), { cohort, nonce: seed(1), beaconRound: null });
    expect(config).toMatchObject({ version: 2, clients: 6, corruptClients: 1, threshold: 5, cohort, registrySize: 50, beaconRound: null });
    expect(config.graph.kind).toBe('complete');
    expect(config.policyDigest).toEqual(sessionPolicyDigest(createSessionPolicy(passivePolicy)));
    expect(config.verificationKeys).toBeNull();
  });

  it('active: the server may pack the registry\'s corrupt clients into the cohort, so c = min(n, ceil(corruptFraction * registry))', () => {
    const config = deriveSessionConfig(createSessionPolicy(activePolicy), { cohort, nonce: seed(1), beaconRound: null });
    expect(config.corruptClients).toBe(2); // ceil(0.05 * 40), not ceil(0.05 * 6) = 1
    expect(2 * config.threshold).toBeGreaterThan(config.clients + config.corruptClients);
    expect(config.verificationKeys).toEqual(cohort.map((i) => verificationKeys[i]));
    // A large registry and a small cohort: no threshold is secure and live at once.
    expectSecAggError(() => deriveSessionConfig(createSessionPolicy({ ...activePolicy, corruptFraction: 0.2 }), { cohort, nonce: seed(1), beaconRound: null }), 'NO_FEASIBLE_GRAPH');
  });

  it('every securityBits a policy accepts derives a SecAgg+ round (a configuration\'s own check assumes at least 40)', () => {
    const big = Array.from({ length: 1000 }, (_, i) => i);
    for (const securityBits of [1, 20, 39, 40, 64, 128]) {
      let policy: SessionPolicy;
      try {
        policy = createSessionPolicy({ ...passivePolicy, registry: { size: 1000 }, graph: 'secaggplus', corruptFraction: 0.05, dropoutFraction: 0.05, securityBits });
      } catch (error) {
        expect(securityBits).toBeLessThan(40);
        expect(error instanceof SecAggError && error.code).toBe('OUT_OF_RANGE');
        continue;
      }
      // Before the fix, 1..39 were accepted here and every derivation threw THRESHOLD_TOO_LOW.
      expect(deriveSessionConfig(policy, { cohort: big, nonce: seed(1), beaconRound: null }).graph.kind).toBe('harary');
    }
  });

  it('refuses cohorts the policy does not allow, and beacon rounds against the policy', () => {
    const p = createSessionPolicy(passivePolicy);
    const round = { cohort, nonce: seed(1), beaconRound: null };
    expectSecAggError(() => deriveSessionConfig(p, { ...round, cohort: [1, 2, 3, 4] }), 'INVALID_CONFIG'); // below minClients
    expectSecAggError(() => deriveSessionConfig(p, { ...round, cohort: [1, 2, 3, 4, 4, 5] }), 'INVALID_CONFIG');
    expectSecAggError(() => deriveSessionConfig(p, { ...round, cohort: [1, 2, 3, 4, 5, 50] }), 'INVALID_CONFIG');
    expectSecAggError(() => deriveSessionConfig(p, { ...round, cohort: [1, 2, 3, 4, 5, 6.5] }), 'INVALID_CONFIG');
    expectSecAggError(() => deriveSessionConfig(p, { ...round, beaconRound: 7 }), 'INVALID_CONFIG');
    expectSecAggError(() => deriveSessionConfig(p, { ...round, nonce: seed(1).subarray(1) }), 'INVALID_LENGTH');
    expectSecAggError(() => deriveSessionConfig(p, { ...round, extra: 1 } as never), 'UNKNOWN_OPTION');
    const withBeacon = createSessionPolicy({ ...passivePolicy, beacon });
    expectSecAggError(() => deriveSessionConfig(withBeacon, round), 'INVALID_CONFIG');
    for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 53]) expectSecAggError(() => deriveSessionConfig(withBeacon, { ...round, beaconRound: bad }));
  });

  it('SecAgg+: the passive seed comes from the nonce; the active one from the beacon value alone', () => {
    const big = Array.from({ length: 70 }, (_, i) => i);
    const passive = createSessionPolicy({ ...passivePolicy, registry: { size: 100 }, graph: 'secaggplus', dropoutFraction: 0.05 });
    const a = deriveSessionConfig(passive, { cohort: big, nonce: seed(1), beaconRound: null });
    const b = deriveSessionConfig(passive, { cohort: big, nonce: seed(2), beaconRound: null });
    expect(a.graph.kind).toBe('harary');
    expect(a.graph.kind === 'harary' && b.graph.kind === 'harary' && a.graph.seed).not.toEqual(b.graph.kind === 'harary' && b.graph.seed);
    const keys = Array.from({ length: 100 }, (_, i) => ed25519PublicKey(seed(i + 1)));
    const active = createSessionPolicy({ ...activePolicy, registry: { verificationKeys: keys }, graph: 'secaggplus', beacon, dropoutFraction: 0.05, corruptFraction: 0.01 });
    const round = { cohort: big, nonce: seed(1), beaconRound: 1000 };
    expectSecAggError(() => deriveSessionConfig(active, round), 'INVALID_CONFIG'); // the beacon value is missing
    const c = deriveSessionConfig(active, round, seed(9));
    const d = deriveSessionConfig(active, { ...round, nonce: seed(2), cohort: big.map((i) => i + 30) }, seed(9));
    expect(c.graph.kind).toBe('harary');
    // The server's choices (nonce, cohort) leave the labelling alone: it is a function of the beacon value.
    expect(c.graph.kind === 'harary' && c.graph.seed).toEqual(d.graph.kind === 'harary' && d.graph.seed);
    expect(deriveSessionConfig(active, round, seed(10)).graph).not.toEqual(c.graph);
    expectSecAggError(() => deriveSessionConfig(active, round, new Uint8Array(8)), 'INVALID_LENGTH');
  });
});

describe('session config codec', () => {
  const configs = [
    deriveSessionConfig(createSessionPolicy(passivePolicy), { cohort, nonce: seed(1), beaconRound: null }),
    deriveSessionConfig(createSessionPolicy(activePolicy), { cohort, nonce: seed(2), beaconRound: null }),
    deriveSessionConfig(createSessionPolicy({ ...passivePolicy, beacon, graph: 'secaggplus', registry: { size: 200 } }), {
      cohort: Array.from({ length: 80 }, (_, i) => 2 * i), nonce: seed(3), beaconRound: 2 ** 32 - 1,
    }),
  ];

  it('round-trips every field, canonically', () => {
    for (const c of configs) {
      const bytes = encodeSessionConfig(c);
      expect(decodeSessionConfig(bytes)).toEqual(c);
      expect(encodeSessionConfig(decodeSessionConfig(bytes))).toEqual(bytes);
    }
  });

  it('refuses malformed, non-canonical and invalid configurations with coded errors', () => {
    const bytes = encodeSessionConfig(configs[0] as SessionConfig);
    const edit = (at: number, value: number): Uint8Array => {
      const b = Uint8Array.from(bytes);
      b[at] = value;
      return b;
    };
    expectSecAggError(() => decodeSessionConfig(edit(2, 1)), 'UNSUPPORTED_VERSION');
    expectSecAggError(() => decodeSessionConfig(edit(0, 0x5b)), 'MALFORMED_ENCODING');
    expectSecAggError(() => decodeSessionConfig(edit(14, 5)), 'THRESHOLD_TOO_LOW'); // 5 corrupt clients: t = 5 is too low
    expectSecAggError(() => decodeSessionConfig(edit(10, 1)), 'INVALID_CONFIG'); // t = 1
    expectSecAggError(() => decodeSessionConfig(edit(19, 7)), 'MALFORMED_ENCODING'); // complete graph with a degree
    expectSecAggError(() => decodeSessionConfig(bytes.subarray(0, bytes.length - 1)), 'MALFORMED_ENCODING');
    expectSecAggError(() => decodeSessionConfig(Uint8Array.of(...bytes, 0)), 'MALFORMED_ENCODING');
    for (const bad of notBytes) expectSecAggError(() => decodeSessionConfig(bad as Uint8Array), 'INVALID_TYPE');
  });

  it('hostile bytes: random and mutated configurations decode or fail with a SecAggError', () => {
    const encoded = configs.map((c) => encodeSessionConfig(c));
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: encoded.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 300 }),
        (which, edits, cut, random) => {
          const bytes = Uint8Array.from(encoded[which] as Uint8Array);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          for (const b of [bytes, bytes.subarray(0, cut % (bytes.length + 1)), random, Uint8Array.of(0x5a, 0x43, 2, ...random)]) {
            try {
              expect(encodeSessionConfig(decodeSessionConfig(b))).toEqual(b);
            } catch (error) {
              expect(error).toBeInstanceOf(SecAggError);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('joinRound: a client holds the server to its policy', () => {
  const policy = createSessionPolicy(activePolicy);
  const honest = deriveSessionConfig(policy, { cohort, nonce: seed(4), beaconRound: null });
  const join = (config: unknown, member = 5): ClientState =>
    joinRound(policy, config as SessionConfig, { member, signingKey: signingKeys[member] as Uint8Array, rng: deterministicRandomBytes(seed(member)) });
  const refusal = (state: ClientState): string => (state.round === 'aborted' ? `${state.code}: ${state.reason}` : state.round);

  it('joins the configuration the policy gives, with its place in the cohort as its id', () => {
    const state = join(structuredClone(honest));
    expect(state.round).toBe('advertiseKeys');
    expect(state.round === 'advertiseKeys' && state.id).toBe(3); // registry entry 5 is the third of the cohort
  });

  it('refuses, naming the first field that differs, any configuration the policy does not give', () => {
    const tampered: [Partial<SessionConfig>, RegExp][] = [
      [{ threshold: honest.threshold + 1 }, /^UNTRUSTED_CONFIG: .*threshold/],
      [{ corruptClients: 0, threshold: 4 }, /^UNTRUSTED_CONFIG: .*threshold/],
      [{ corruptClients: 1 }, /^UNTRUSTED_CONFIG: .*corruptClients/],
      [{ vectors: [{ name: 'x', length: 9, bits: 16 }] }, /^UNTRUSTED_CONFIG: .*vectors/],
      [{ policyDigest: seed(1) }, /^UNTRUSTED_CONFIG: .*policyDigest/],
      [{ registrySize: 41 }, /^UNTRUSTED_CONFIG: .*registrySize/],
      [{ verificationKeys: honest.verificationKeys?.map((k, i) => (i === 1 ? (verificationKeys[30] as Uint8Array) : k)) ?? null }, /^UNTRUSTED_CONFIG: .*verificationKeys/],
      [{ threshold: 2 }, /^UNTRUSTED_CONFIG: the configuration is invalid \(THRESHOLD_TOO_LOW\)/],
      [{ cohort: [2, 3, 4, 7, 11, 13] }, /^UNTRUSTED_CONFIG: registry entry 5 is not in this round's cohort/],
    ];
    for (const [change, reason] of tampered) expect(refusal(join({ ...structuredClone(honest), ...change }))).toMatch(reason);
    // A cohort the policy refuses (below minClients), even if the server keeps the rest consistent.
    const small = { ...structuredClone(honest), clients: 4, cohort: [2, 3, 5, 7], verificationKeys: [2, 3, 5, 7].map((i) => verificationKeys[i] as Uint8Array), threshold: 4, corruptClients: 2 };
    expect(refusal(join(small))).toMatch(/^UNTRUSTED_CONFIG: the round cannot be derived from the policy \(INVALID_CONFIG\)/);
  });

  it('never throws on a hostile configuration', () => {
    const trap = new Proxy({}, { get: () => { throw new Error('trap'); } });
    for (const bad of [null, 1, 'x', {}, trap, { ...honest, version: 1 }, { ...honest, cohort: trap }, { ...honest, nonce: 'abc' }]) {
      expect(refusal(join(bad))).toMatch(/^UNTRUSTED_CONFIG/);
    }
  });

  it('checks the beacon round is published after the offer plus the clock skew', () => {
    const keys = Array.from({ length: 100 }, (_, i) => ed25519PublicKey(seed(i + 1)));
    const p = createSessionPolicy({ ...activePolicy, registry: { verificationKeys: keys }, graph: 'secaggplus', beacon, dropoutFraction: 0.05, corruptFraction: 0.01 });
    const big = Array.from({ length: 70 }, (_, i) => i);
    const roundTime = (r: number): number => beacon.genesisTime + (r - 1) * beacon.period;
    const config = deriveSessionConfig(p, { cohort: big, nonce: seed(1), beaconRound: 1000 }, seed(9));
    const joinAt = (offerReceivedAt: number, beaconValue = seed(9)): ClientState =>
      joinRound(p, config, { member: 0, signingKey: seed(1), beaconValue, offerReceivedAt, rng: deterministicRandomBytes(seed(1)) });
    expect(joinAt(roundTime(1000) - beacon.maxClockSkew - 1).round).toBe('advertiseKeys');
    expect(refusal(joinAt(roundTime(1000) - beacon.maxClockSkew))).toMatch(/^UNTRUSTED_CONFIG: beacon round 1000 is published at/);
    expect(refusal(joinAt(roundTime(1000) + 60))).toMatch(/^UNTRUSTED_CONFIG: beacon round 1000/);
    // Another beacon value (the server's choice, say) gives another graph: refused.
    expect(refusal(joinAt(roundTime(1000) - 60, seed(10)))).toMatch(/^UNTRUSTED_CONFIG: .*graph\.seed/);
    expectSecAggError(() => joinRound(p, config, { member: 0, signingKey: seed(1) }), 'INVALID_CONFIG'); // no beacon value or offer time
  });

  it('fuzzing the encoded configuration: whatever joinRound accepts is byte for byte the derivation from the round parameters it carries', () => {
    const keys = Array.from({ length: 100 }, (_, i) => ed25519PublicKey(seed(i + 1)));
    const p = createSessionPolicy({ ...activePolicy, registry: { verificationKeys: keys }, graph: 'secaggplus', beacon, dropoutFraction: 0.05, corruptFraction: 0.01 });
    const round = { cohort: Array.from({ length: 70 }, (_, i) => i + (i >= 35 ? 10 : 0)), nonce: seed(1), beaconRound: 1000 };
    const honestBytes = encodeSessionConfig(deriveSessionConfig(p, round, seed(9)));
    expect(deriveSessionConfig(p, round, seed(9)).graph.kind).toBe('harary');
    const options = { member: 3, signingKey: seed(4), beaconValue: seed(9), offerReceivedAt: beacon.genesisTime, rng: deterministicRandomBytes(seed(4)) };
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 3 }), (edits) => {
        const bytes = Uint8Array.from(honestBytes);
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        let received: SessionConfig;
        try {
          received = decodeSessionConfig(bytes);
        } catch {
          return; // refused before joinRound
        }
        const state = joinRound(p, received, options); // never throws on a received configuration
        if (state.round === 'aborted') {
          expect(state.code).toBe('UNTRUSTED_CONFIG');
          return;
        }
        accepted++;
        expect(state.round === 'advertiseKeys' && encodeSessionConfig(state.config)).toEqual(bytes);
        const own = deriveSessionConfig(p, { cohort: received.cohort, nonce: received.nonce, beaconRound: received.beaconRound }, seed(9));
        expect(state.round === 'advertiseKeys' && state.config).toEqual(own);
      }),
      { numRuns: 150, seed: 14 },
    );
    expect(accepted).toBeGreaterThan(0); // edits of the nonce (the server's choice) are accepted
  });

  it('an offer time in the wrong unit is refused: before the beacon\'s genesis (every published round would look fresh) or in milliseconds', () => {
    const p = createSessionPolicy({ ...activePolicy, beacon });
    const config = deriveSessionConfig(p, { cohort, nonce: seed(4), beaconRound: 1000 }); // published in 2023
    const join = (offerReceivedAt: number): ClientState =>
      joinRound(p, config, { member: 5, signingKey: signingKeys[5] as Uint8Array, beaconValue: seed(9), offerReceivedAt });
    // performance.now() / 1000, Date.now() / 1e6, Date.now(): before the fix the first two joined a round long published.
    for (const wrong of [12_345.6, 1_700_000, 1_700_000_000_000]) expectSecAggError(() => join(wrong), 'OUT_OF_RANGE');
    expect(refusal(join(1_700_000_000))).toMatch(/^UNTRUSTED_CONFIG: beacon round 1000 is published at/); // a real clock: stale
    expect(join(beacon.genesisTime).round).toBe('advertiseKeys');
  });

  it('a beacon round beyond the schedule (above 2^32 - 1) is refused, never thrown, and never derived', () => {
    const p = createSessionPolicy({ ...activePolicy, beacon });
    const at = 1_700_000_000;
    for (const beaconRound of [2 ** 32, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]) {
      // A server's configuration naming that round, consistent in every other field.
      const config = { ...deriveSessionConfig(p, { cohort, nonce: seed(4), beaconRound: 2 ** 32 - 1 }), beaconRound };
      let result: string;
      try {
        result = refusal(joinRound(p, config, { member: 5, signingKey: signingKeys[5] as Uint8Array, beaconValue: seed(9), offerReceivedAt: at }));
      } catch (error) {
        result = `threw ${error instanceof SecAggError ? error.code : String(error)}`; // before the fix: threw OUT_OF_RANGE
      }
      expect(result).toMatch(/^UNTRUSTED_CONFIG/);
      expectSecAggError(() => deriveSessionConfig(p, { cohort, nonce: seed(4), beaconRound }), 'OUT_OF_RANGE');
    }
    expect(joinRound(p, deriveSessionConfig(p, { cohort, nonce: seed(4), beaconRound: 2 ** 32 - 1 }), {
      member: 5, signingKey: signingKeys[5] as Uint8Array, beaconValue: seed(9), offerReceivedAt: at,
    }).round).toBe('advertiseKeys');
  });

  it('local mistakes throw: a bad policy, options, or signing key', () => {
    expectSecAggError(() => joinRound({ ...policy, corruptFraction: 2 }, honest, { member: 5, signingKey: signingKeys[5] as Uint8Array }), 'OUT_OF_RANGE');
    expectSecAggError(() => joinRound(policy, honest, { member: 40 }), 'OUT_OF_RANGE');
    expectSecAggError(() => joinRound(policy, honest, { member: 5, colour: 1 } as never), 'UNKNOWN_OPTION');
    expectSecAggError(() => joinRound(policy, honest, { member: 5, signingKey: signingKeys[6] as Uint8Array }), 'INVALID_CONFIG');
  });

  it('a whole active round: the server derives the configuration, every client joins and checks it', () => {
    const server0 = createServer(honest);
    let server = server0 as ReturnType<typeof createServer> | ReturnType<typeof serverCloseRound>['state'];
    const clients: ClientState[] = [];
    cohort.forEach((member, i) => {
      const state = joinRound(policy, decodeSessionConfig(encodeSessionConfig(honest)), { member, signingKey: signingKeys[member] as Uint8Array });
      const step = clientAdvertiseKeys(state);
      clients[i + 1] = step.state;
      server = serverReceive(server, step.outbox[0] as ClientMessage).state;
    });
    while (server.round !== 'completed' && server.round !== 'aborted') {
      const closed = serverCloseRound(server);
      server = closed.state;
      for (const { to, message } of closed.outbox) {
        for (const id of to) {
          const step = clientReceive(clients[id] as ClientState, message, { input: inputFor(honest, id) });
          clients[id] = step.state;
          for (const m of step.outbox) server = serverReceive(server, m).state;
        }
      }
    }
    expect(server.round).toBe('completed');
    if (server.round === 'completed') expect(server.result.sums['x']).toEqual(plainSum(honest, [1, 2, 3, 4, 5, 6]));
  });
});

describe('createSessionConfig applies the threshold rules (the low-level path)', () => {
  const base = { clients: 7, nonce: seed(1), vectors };
  const keys = Array.from({ length: 7 }, (_, i) => ed25519PublicKey(seed(i + 1)));

  it('active, complete graph: 2t > n + corrupt, and the refusal names the smallest valid t', () => {
    const error = expectSecAggError(() => createSessionConfig({ ...base, threshold: 3, active: true, corruptClients: 0, verificationKeys: keys }), 'THRESHOLD_TOO_LOW');
    expect(error.message).toMatch(/smallest valid threshold is 4/);
    expect(createSessionConfig({ ...base, threshold: 4, active: true, corruptClients: 0, verificationKeys: keys }).corruptClients).toBe(0);
    expect(expectSecAggError(() => createSessionConfig({ ...base, threshold: 4, active: true, corruptClients: 2, verificationKeys: keys }), 'THRESHOLD_TOO_LOW').message).toMatch(/smallest valid threshold is 5/);
    expect(createSessionConfig({ ...base, threshold: 5, active: true, corruptFraction: 0.2, verificationKeys: keys }).corruptClients).toBe(2); // ceil(1.4)
    expect(expectSecAggError(() => createSessionConfig({ ...base, threshold: 7, active: true, corruptClients: 7, verificationKeys: keys }), 'THRESHOLD_TOO_LOW').message).toMatch(/no threshold up to 7 is valid/);
  });

  it('the active variant needs its corrupt assumption, given once', () => {
    expectSecAggError(() => createSessionConfig({ ...base, threshold: 5, active: true, verificationKeys: keys }), 'INVALID_CONFIG');
    expectSecAggError(() => createSessionConfig({ ...base, threshold: 5, active: true, corruptClients: 1, corruptFraction: 0.1, verificationKeys: keys }), 'INVALID_CONFIG');
    for (const bad of [-1, 8, 1.5, Number.NaN]) expectSecAggError(() => createSessionConfig({ ...base, threshold: 5, active: true, corruptClients: bad, verificationKeys: keys }));
  });

  it('passive: t > corrupt; without an assumption, the config records the t - 1 its threshold tolerates', () => {
    expectSecAggError(() => createSessionConfig({ ...base, threshold: 3, corruptClients: 3 }), 'THRESHOLD_TOO_LOW');
    expect(createSessionConfig({ ...base, threshold: 3 }).corruptClients).toBe(2);
  });

  it('active SecAgg+: 2t > k + 2 (+ corrupt neighbours), and the labelling must come from a beacon (stated by the caller)', () => {
    const n = 20;
    const more = Array.from({ length: n }, (_, i) => ed25519PublicKey(seed(i + 1)));
    const harary = { kind: 'harary' as const, degree: 6, seed: seed(5) };
    const config = { ...base, clients: n, active: true, corruptClients: 0, verificationKeys: more };
    expectSecAggError(() => createSessionConfig({ ...config, threshold: 5, graph: harary }), 'INVALID_CONFIG'); // no seedSource
    expectSecAggError(() => createSessionConfig({ ...config, threshold: 4, graph: { ...harary, seedSource: 'beacon' } }), 'THRESHOLD_TOO_LOW'); // 8 <= 8
    expect(createSessionConfig({ ...config, threshold: 5, graph: { ...harary, seedSource: 'beacon' } }).graph).toEqual(harary);
    expectSecAggError(() => createSessionConfig({ ...config, threshold: 5, graph: { ...harary, seedSource: 'server' as never } }), 'INVALID_CONFIG');
  });

  it('auto derives like a policy: small cohorts (a Harary graph only when 2(k + 1) <= n) get the complete graph with t = n - dropouts, counted up', () => {
    const small = createSessionConfig({ ...base, clients: 8, graph: { kind: 'auto', corruptFraction: 0.05, dropoutFraction: 0.05, seed: seed(2) } });
    expect(small.graph.kind).toBe('complete');
    expect(small.threshold).toBe(7); // 8 - ceil(0.4)
    expect(small.corruptClients).toBe(1); // ceil(0.4): a fraction is counted up, never down
    expectSecAggError(() => createSessionConfig({ ...base, graph: { kind: 'auto', corruptFraction: 0.05, dropoutFraction: 0.05, seed: seed(2) }, corruptClients: 1 }), 'INVALID_CONFIG');
  });
});

describe('validation copies an array once, then checks the copy', () => {
  /** An array whose length grows after `honest` reads, as a hostile Proxy can make it. */
  function growing<T>(items: T[], extra: T[], honest: number): T[] {
    let reads = 0;
    return new Proxy(items, {
      get(target, key, receiver) {
        if (key === 'length') return ++reads > honest ? items.length + extra.length : items.length;
        const i = typeof key === 'string' ? Number(key) : Number.NaN;
        return Number.isInteger(i) && i >= items.length ? extra[i - items.length] : Reflect.get(target, key, receiver);
      },
    });
  }
  const many = Array.from({ length: 300 }, (_, i) => ({ name: `v${i}`, length: 1, bits: 8 }));

  it('a checked cohort is frozen and shared by the configurations read from it; any other array is copied and checked', () => {
    const base = deriveSessionConfig(createSessionPolicy(passivePolicy), { cohort, nonce: seed(1), beaconRound: null });
    expect(Object.isFrozen(base.cohort)).toBe(true);
    expect(validateConfig(base).cohort).toBe(base.cohort); // no copy: it cannot change
    const own = cohort.slice();
    const read = validateConfig({ ...base, cohort: own });
    expect(read.cohort).not.toBe(own);
    own[0] = 1; // the caller's array stays the caller's
    expect(read.cohort).toEqual(cohort);
    // A frozen array the module did not check is checked like any other.
    expectSecAggError(() => validateConfig({ ...base, cohort: Object.freeze([3, 2, 5, 7, 11, 13]) }), 'INVALID_CONFIG');
    // The shared cohort is still held to the configuration's registry.
    expectSecAggError(() => validateConfig({ ...base, registrySize: 13 }), 'INVALID_CONFIG');
  });


  it('a configuration keeps at most 64 vectors and n keys, whatever a second read of the array says', () => {
    const base = createSessionConfig({ clients: 5, threshold: 4, nonce: seed(1), vectors, active: true, corruptClients: 0, verificationKeys: verificationKeys.slice(0, 5) });
    for (let honest = 1; honest <= 4; honest++) {
      for (const change of [{ vectors: growing([...vectors], many, honest) }, { verificationKeys: growing(verificationKeys.slice(0, 5), [seed(9)], honest) }]) {
        let kept: SessionConfig | string;
        try {
          kept = validateConfig({ ...base, ...change });
        } catch (error) {
          kept = error instanceof SecAggError ? error.code : String(error);
        }
        // Before the fix: a configuration of 301 vectors (the check had read 1).
        if (typeof kept !== 'string') {
          expect(kept.vectors.length).toBeLessThanOrEqual(64);
          expect(kept.verificationKeys).toHaveLength(5);
        }
      }
      const policy = (() => {
        try {
          return createSessionPolicy({ ...passivePolicy, vectors: growing([...vectors], many, honest) });
        } catch {
          return null;
        }
      })();
      if (policy !== null) expect(policy.vectors.length).toBeLessThanOrEqual(64);
    }
  });
});

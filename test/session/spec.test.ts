/** The session spec: validation, the derived vector, the DP plan's rules, canonical bytes, flatten/unflatten. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planCentralGaussian, planDistributedNoise } from '../../src/dp/index.js';
import { SecAggError } from '../../src/errors.js';
import {
  createSessionSpec,
  decodeSessionSpec,
  encodeSessionSpec,
  flatten,
  sessionSpecDigest,
  unflatten,
  type SessionSpecInput,
} from '../../src/session/index.js';
import { expectSecAggError, notBytes, notCounts } from '../_hostile.js';

const policy = { registry: { size: 10 }, corruptFraction: 0, dropoutFraction: 0.2, minClients: 5 } as const;
const model = [
  { name: 'dense/kernel', length: 6 },
  { name: 'dense/bias', length: 2 },
];
const base: SessionSpecInput = { policy, model, aggregation: { kind: 'mean', clip: 1, bits: 24 } };
const plan = (minClients: number, clients = 10) => planDistributedNoise({ clipNorm: 1, dimension: 8, clients, minClients, bits: 24, noiseMultiplier: 0.5 });

describe('createSessionSpec', () => {
  it('derives the one vector the session sums: the model length (+1 weight element), at the aggregation bits', () => {
    expect(createSessionSpec(base)).toMatchObject({ version: 1, maxClients: 10, policy: { vectors: [{ name: 'update', length: 8, bits: 24 }] } });
    const weighted = createSessionSpec({ ...base, aggregation: { kind: 'mean', clip: 1, bits: 32, maxWeight: 500 } });
    expect(weighted.policy.vectors).toEqual([{ name: 'update', length: 9, bits: 32 }]);
    expect(weighted.aggregation).toEqual({ kind: 'mean', clip: 1, bits: 32, maxWeight: 500 });
    const dp = createSessionSpec({ ...base, aggregation: { kind: 'dp', plan: plan(4) } });
    expect(dp.policy.vectors).toEqual([{ name: 'update', length: 8, bits: 24 }]);
    // A spec is its own input (JSON or structuredClone of one validates to an equal spec).
    const spec = createSessionSpec(base);
    expect(createSessionSpec(structuredClone(spec))).toEqual(spec);
    expect(createSessionSpec(JSON.parse(JSON.stringify(dp)))).toEqual(dp);
  });

  it('bits are stated once: policy vectors other than the derived ones are refused', () => {
    expectSecAggError(() => createSessionSpec({ ...base, policy: { ...policy, vectors: [{ name: 'update', length: 8, bits: 16 }] } }), 'INVALID_CONFIG');
    expectSecAggError(() => createSessionSpec({ ...base, policy: { ...policy, vectors: [{ name: 'update', length: 9, bits: 24 }] } }), 'INVALID_CONFIG');
  });

  it('refuses bad models, aggregations and cohort sizes with codes', () => {
    const bad: [Partial<SessionSpecInput>, string][] = [
      [{ model: [] }, 'INVALID_CONFIG'],
      [{ model: [{ name: 'a b', length: 1 }] }, 'INVALID_CONFIG'],
      [{ model: [{ name: 'a', length: 1 }, { name: 'a', length: 2 }] }, 'INVALID_CONFIG'],
      [{ model: [{ name: 'a', length: 0 }] }, 'OUT_OF_RANGE'],
      [{ model: [{ name: 'a', length: 2 ** 27 }, { name: 'b', length: 2 ** 27 }] }, 'INVALID_CONFIG'],
      [{ model: [{ name: 'a', length: 1, shape: [1] } as never] }, 'UNKNOWN_OPTION'],
      [{ model: 'x' as never }, 'INVALID_TYPE'],
      [{ aggregation: { kind: 'median' } as never }, 'INVALID_CONFIG'],
      [{ aggregation: { kind: 'mean', clip: 0, bits: 24 } }, 'OUT_OF_RANGE'],
      [{ aggregation: { kind: 'mean', clip: Number.NaN, bits: 24 } }, 'OUT_OF_RANGE'],
      [{ aggregation: { kind: 'mean', clip: 1, bits: 1 } }, 'INVALID_BITS'],
      [{ aggregation: { kind: 'mean', clip: 1, bits: 33 } }, 'INVALID_BITS'],
      [{ aggregation: { kind: 'mean', clip: 1, bits: 24, maxWeight: 0 } }, 'OUT_OF_RANGE'],
      [{ aggregation: { kind: 'sum', clip: 1, bits: 24, maxWeight: 3 } as never }, 'UNKNOWN_OPTION'],
      [{ aggregation: { kind: 'mean', clip: 1, bits: 4 } }, 'MODULUS_TOO_SMALL'],
      [{ aggregation: { kind: 'dp', plan: { kind: 'distributedNoise' } as never } }, 'INVALID_PLAN'],
      [{ maxClients: 4 }, 'INVALID_CONFIG'],
      [{ maxClients: 11 }, 'OUT_OF_RANGE'],
      [{ version: 2 as never }, 'UNSUPPORTED_VERSION'],
      [{ policy: { ...policy, minClients: 3, dropoutFraction: 0.5 } }, 'NO_FEASIBLE_GRAPH'],
      [{ extra: 1 } as never, 'UNKNOWN_OPTION'],
    ];
    for (const [change, code] of bad) expectSecAggError(() => createSessionSpec({ ...base, ...change } as SessionSpecInput), code as never);
    for (const n of notCounts) if (n !== undefined) expectSecAggError(() => createSessionSpec({ ...base, maxClients: n as number }));
    expectSecAggError(() => createSessionSpec(null as never), 'INVALID_TYPE');
  });

  it('a DP plan is trusted data: it must cover the model and the cohorts, and its survivors the smallest release', () => {
    expect(createSessionSpec({ ...base, aggregation: { kind: 'dp', plan: plan(4) } }).maxClients).toBe(10);
    expect(createSessionSpec({ ...base, aggregation: { kind: 'dp', plan: plan(4, 8) } }).maxClients).toBe(8); // default: the plan's clients
    // The complete graph at 5 clients (minClients) has t = 5 - 1 = 4: a plan for 5 survivors is refused.
    expectSecAggError(() => createSessionSpec({ ...base, aggregation: { kind: 'dp', plan: plan(5) } }), 'INVALID_CONFIG');
    // Fewer survivors than t is allowed: it counts only the clients you trust to add their noise.
    expect(createSessionSpec({ ...base, aggregation: { kind: 'dp', plan: plan(2) } })).toBeTruthy();
    // Above policy.minClients: never, whatever the graph.
    expectSecAggError(() => createSessionSpec({ ...base, policy: { ...policy, graph: 'secaggplus' }, aggregation: { kind: 'dp', plan: plan(6) } }), 'INVALID_CONFIG');
    // SecAgg+ gives no threshold floor against an active server: a plan above t is allowed (docs say what holds).
    expect(createSessionSpec({ ...base, policy: { ...policy, graph: 'secaggplus' }, aggregation: { kind: 'dp', plan: plan(5) } })).toBeTruthy();
    const otherDimension = planDistributedNoise({ clipNorm: 1, dimension: 9, clients: 10, minClients: 4, bits: 24, noiseMultiplier: 0.5 });
    expectSecAggError(() => createSessionSpec({ ...base, aggregation: { kind: 'dp', plan: otherDimension } }), 'INVALID_CONFIG');
    expectSecAggError(() => createSessionSpec({ ...base, maxClients: 10, aggregation: { kind: 'dp', plan: plan(4, 8) } }), 'INVALID_CONFIG');
    const central = planCentralGaussian({ clipNorm: 1, dimension: 8, clients: 10, bits: 24, noiseMultiplier: 1 });
    expect(createSessionSpec({ ...base, aggregation: { kind: 'dp', plan: central } }).aggregation.kind).toBe('dp');
    // A tampered plan (less noise than its multiplier needs) never enters a spec.
    const tampered = { ...JSON.parse(JSON.stringify(plan(4))), localVariance: 1 };
    expectSecAggError(() => createSessionSpec({ ...base, aggregation: { kind: 'dp', plan: tampered } }), 'INVALID_PLAN');
  });
});

describe('encodeSessionSpec / decodeSessionSpec', () => {
  const specs = [
    createSessionSpec(base),
    createSessionSpec({ ...base, aggregation: { kind: 'mean', clip: 0.5, bits: 32, maxWeight: 1000 }, maxClients: 7 }),
    createSessionSpec({ ...base, aggregation: { kind: 'sum', clip: 3, bits: 20 } }),
    createSessionSpec({ ...base, aggregation: { kind: 'dp', plan: plan(4) } }),
  ];

  it('round-trips byte for byte; the digest follows the bytes', () => {
    const digests = new Set<string>();
    for (const spec of specs) {
      const bytes = encodeSessionSpec(spec);
      expect(bytes.subarray(0, 3)).toEqual(Uint8Array.of(0x5a, 0x53, 1));
      const back = decodeSessionSpec(bytes);
      expect(back).toEqual(spec);
      expect(encodeSessionSpec(back)).toEqual(bytes);
      digests.add(Buffer.from(sessionSpecDigest(spec)).toString('hex'));
    }
    expect(digests.size).toBe(specs.length);
  });

  it('refuses non-bytes, other versions, truncation, trailing bytes and non-canonical encodings', () => {
    for (const bad of notBytes) expectSecAggError(() => decodeSessionSpec(bad as Uint8Array), 'INVALID_TYPE');
    const bytes = encodeSessionSpec(specs[1] as (typeof specs)[number]);
    const version = Uint8Array.from(bytes);
    version[2] = 2;
    expectSecAggError(() => decodeSessionSpec(version), 'UNSUPPORTED_VERSION');
    for (let cut = 0; cut < bytes.length; cut += 7) expectSecAggError(() => decodeSessionSpec(bytes.subarray(0, cut)));
    expectSecAggError(() => decodeSessionSpec(Uint8Array.of(...bytes, 0)), 'MALFORMED_ENCODING');
    // maxWeight 0 reads as unweighted, which no longer matches the policy's vector (one element fewer).
    const zeroed = Uint8Array.from(bytes);
    zeroed.fill(0, bytes.length - 4);
    expectSecAggError(() => decodeSessionSpec(zeroed), 'INVALID_CONFIG');
  });

  it('hostile bytes: mutated specs decode to a valid spec or fail with a SecAggError', () => {
    const all = specs.map((s) => encodeSessionSpec(s));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: all.length - 1 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (which, edits) => {
        const bytes = Uint8Array.from(all[which] as Uint8Array);
        for (const [at, value] of edits) bytes[at % bytes.length] = value;
        try {
          const spec = decodeSessionSpec(bytes);
          expect(encodeSessionSpec(spec)).toEqual(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(SecAggError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('flatten / unflatten', () => {
  const spec = createSessionSpec(base);

  it('in model order, from names or a list, and back', () => {
    const kernel = Float32Array.of(1, 2, 3, 4, 5, 6);
    const bias = Float64Array.of(-1, -2);
    const flat = flatten({ 'dense/bias': bias, 'dense/kernel': kernel }, spec);
    expect(Array.from(flat)).toEqual([1, 2, 3, 4, 5, 6, -1, -2]);
    expect(flatten([kernel, bias], spec)).toEqual(flat);
    const back = unflatten(flat, spec);
    expect(Object.keys(back)).toEqual(['dense/kernel', 'dense/bias']);
    expect(Array.from(back['dense/bias'] as Float64Array)).toEqual([-1, -2]);
    kernel[0] = 99; // copies: the caller may reuse its arrays
    expect(flat[0]).toBe(1);
  });

  it('refuses missing, extra, mistyped and mis-sized tensors', () => {
    const kernel = new Float32Array(6);
    const bias = new Float32Array(2);
    expectSecAggError(() => flatten({ 'dense/kernel': kernel }, spec), 'INVALID_TYPE');
    expectSecAggError(() => flatten({ 'dense/kernel': kernel, 'dense/bias': bias, extra: bias }, spec), 'UNKNOWN_OPTION');
    expectSecAggError(() => flatten({ 'dense/kernel': new Uint32Array(6) as never, 'dense/bias': bias }, spec), 'INVALID_TYPE');
    expectSecAggError(() => flatten({ 'dense/kernel': new Float32Array(5), 'dense/bias': bias }, spec), 'LENGTH_MISMATCH');
    expectSecAggError(() => flatten([kernel], spec), 'LENGTH_MISMATCH');
    for (const bad of [null, undefined, 3, 'x', kernel]) expectSecAggError(() => flatten(bad as never, spec), 'INVALID_TYPE');
    expectSecAggError(() => unflatten(new Float64Array(7), spec), 'LENGTH_MISMATCH');
    expectSecAggError(() => unflatten([1, 2] as never, spec), 'INVALID_TYPE');
  });
});

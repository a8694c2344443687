import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  _roundingSensitivity,
  decodeServerSum,
  encodeClientUpdate,
  planDistributedNoise,
  type DistributedNoisePlan,
} from '../../src/dp/distributed-pipeline.js';
import { distributedDiscreteGaussianRdp, skellamRdp } from '../../src/dp/distributed-rdp.js';
import type { DistributedDiscreteGaussianEvent, SkellamEvent } from '../../src/dp/events.js';
import type { RandomBytes } from '../../src/random.js';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import { expectSecAggError, notCounts, notNumbers } from '../_hostile.js';

const vectors = JSON.parse(
  readFileSync(new URL('../vectors/dp-distributed-rdp.json', import.meta.url), 'utf8'),
) as { sensitivity: { scaledClip: number; dimension: number; beta: number; normSquaredBound: number; l2: number; l1: number }[] };

function seed(byte: number): RandomBytes {
  return deterministicRandomBytes(new Uint8Array(32).fill(byte));
}

const base = { clipNorm: 1, dimension: 1000, clients: 20, minClients: 15, bits: 24, noiseMultiplier: 1 } as const;

/** n clients encode, the "secure aggregation" sums mod 2^bits, the server decodes. */
function roundTrip(plan: DistributedNoisePlan, inputs: Float64Array[], rng: RandomBytes): Float64Array {
  const mask = plan.bits === 32 ? 0xffffffff : 2 ** plan.bits - 1;
  const acc = new Uint32Array(plan.dimension);
  for (const x of inputs) {
    const y = encodeClientUpdate(x, plan, { rng });
    for (let i = 0; i < acc.length; i++) acc[i] = ((acc[i]! + y[i]!) & mask) >>> 0;
  }
  return decodeServerSum(acc, plan, { count: inputs.length });
}

describe('rounding sensitivity (KLS 2021) known answers', () => {
  for (const v of vectors.sensitivity) {
    it(`c=${v.scaledClip} d=${v.dimension} beta=${v.beta}`, () => {
      const s = _roundingSensitivity(v.scaledClip, v.dimension, v.beta);
      expect(Math.abs(s.bound - v.normSquaredBound) / v.normSquaredBound).toBeLessThan(1e-12);
      // l2, l1 carry a 2^-40 relative safety margin upward
      expect(s.l2 / v.l2 - 1).toBeGreaterThanOrEqual(0);
      expect(s.l2 / v.l2 - 1).toBeLessThan(1e-11);
      expect(Math.abs(s.l1 / v.l1 - 1)).toBeLessThan(1e-11);
    });
  }
});

describe('planDistributedNoise', () => {
  it('calibrates for the threshold: minClients survivors give noise z * c', () => {
    const plan = planDistributedNoise(base);
    expect(Object.isFrozen(plan)).toBe(true);
    const survivorsStd = Math.sqrt(plan.minClients * plan.localVariance) / plan.scale;
    expect(survivorsStd).toBeGreaterThanOrEqual(1 * 1);
    expect(survivorsStd).toBeLessThan(1.001);
    const e = plan.event as DistributedDiscreteGaussianEvent;
    expect(e.kind).toBe('distributedDiscreteGaussian');
    expect(e.clients).toBe(15);
    expect(e.dimension).toBe(1000);
    expect(e.l2Sensitivity).toBe(plan.l2Sensitivity);
    expect(plan.l2Sensitivity).toBeGreaterThan(plan.scale); // rounding inflates the sensitivity
    expect(plan.sumMagnitudeBound).toBeLessThanOrEqual(2 ** 23 - 1);
    // more survivors than the threshold only add noise: the event is for the threshold
    expect(distributedDiscreteGaussianRdp(e, 8)).toBeGreaterThan(0);
  });

  it('is deterministic (every party derives the same plan)', () => {
    const a = planDistributedNoise(base);
    const b = planDistributedNoise({ ...base });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('more bits: larger scale, smaller sensitivity inflation, better privacy', () => {
    const rdp = (bits: number) => {
      const p = planDistributedNoise({ ...base, bits });
      return { p, r: distributedDiscreteGaussianRdp(p.event as DistributedDiscreteGaussianEvent, 8) };
    };
    const lo = rdp(16);
    const hi = rdp(24);
    expect(hi.p.scale).toBeGreaterThan(lo.p.scale);
    expect(hi.p.l2Sensitivity / hi.p.scale).toBeLessThan(lo.p.l2Sensitivity / lo.p.scale);
    expect(hi.r).toBeLessThan(lo.r);
  });

  it('Skellam plans give a Skellam event with mu = minClients * localVariance', () => {
    const plan = planDistributedNoise({ ...base, mechanism: 'skellam', bits: 16 });
    const e = plan.event as SkellamEvent;
    expect(e.kind).toBe('skellam');
    expect(e.clients).toBe(15);
    expect(e.localVariance).toBe(plan.localVariance);
    expect(skellamRdp(e, 8)).toBeGreaterThan(0);
  });

  it('refuses settings that would wrap (MODULUS_TOO_SMALL)', () => {
    expectSecAggError(() => planDistributedNoise({ ...base, bits: 4 }), 'MODULUS_TOO_SMALL');
    expectSecAggError(() => planDistributedNoise({ ...base, clients: 5000, minClients: 10, bits: 12 }), 'MODULUS_TOO_SMALL');
    const ok = planDistributedNoise(base);
    expectSecAggError(() => planDistributedNoise({ ...base, scale: ok.scale * 2 }), 'MODULUS_TOO_SMALL');
    expect(planDistributedNoise({ ...base, scale: ok.scale / 2 }).scale).toBe(ok.scale / 2);
  });

  it('the wrap check holds at its tail probability: maxWrapProbability tightens the bound', () => {
    const loose = planDistributedNoise({ ...base, maxWrapProbability: 2 ** -10 });
    const tight = planDistributedNoise({ ...base, maxWrapProbability: 1e-30 });
    expect(tight.scale).toBeLessThan(loose.scale);
    expect(tight.wrapProbability).toBe(1e-30);
  });

  it('hostile options', () => {
    expectSecAggError(() => planDistributedNoise(undefined as never));
    expectSecAggError(() => planDistributedNoise({ ...base, typo: 1 } as never), 'UNKNOWN_OPTION');
    expectSecAggError(() => planDistributedNoise({ ...base, mechanism: 'gaussian' as never }), 'INVALID_TYPE');
    for (const v of notNumbers) {
      for (const key of ['clipNorm', 'dimension', 'clients', 'minClients', 'noiseMultiplier', 'beta', 'scale', 'maxWrapProbability']) {
        if (v === undefined && !['clipNorm', 'dimension', 'clients', 'minClients', 'noiseMultiplier'].includes(key)) continue;
        expectSecAggError(() => planDistributedNoise({ ...base, [key]: v }));
      }
      expectSecAggError(() => planDistributedNoise({ ...base, bits: v as number }), 'INVALID_BITS');
    }
    for (const c of notCounts) {
      expectSecAggError(() => planDistributedNoise({ ...base, dimension: c as number }));
      expectSecAggError(() => planDistributedNoise({ ...base, clients: c as number }));
    }
    expectSecAggError(() => planDistributedNoise({ ...base, minClients: 21 }), 'OUT_OF_RANGE');
    expectSecAggError(() => planDistributedNoise({ ...base, minClients: 0 }), 'OUT_OF_RANGE');
    expectSecAggError(() => planDistributedNoise({ ...base, beta: 1 }), 'OUT_OF_RANGE');
    expectSecAggError(() => planDistributedNoise({ ...base, beta: 0 }), 'OUT_OF_RANGE');
    expectSecAggError(() => planDistributedNoise({ ...base, clipNorm: 0 }), 'OUT_OF_RANGE');
    expectSecAggError(() => planDistributedNoise({ ...base, noiseMultiplier: -1 }), 'OUT_OF_RANGE');
    expectSecAggError(() => planDistributedNoise({ ...base, bits: 33 }), 'INVALID_BITS');
  });
});

describe('encodeClientUpdate / decodeServerSum end to end', () => {
  for (const mechanism of ['discreteGaussian', 'skellam'] as const) {
    it(`${mechanism}: decoded sum = true sum + noise of the predicted size`, () => {
      const plan = planDistributedNoise({ ...base, mechanism, bits: mechanism === 'skellam' ? 16 : 24 });
      const n = 20;
      const d = plan.dimension;
      const inputs: Float64Array[] = [];
      const truth = new Float64Array(d);
      for (let c = 0; c < n; c++) {
        const x = new Float64Array(d);
        for (let i = 0; i < d; i++) x[i] = Math.sin(3 * i + c) / Math.sqrt(d); // norm < 1: no clipping
        for (let i = 0; i < d; i++) truth[i]! += x[i]!;
        inputs.push(x);
      }
      const out = roundTrip(plan, inputs, seed(mechanism === 'skellam' ? 2 : 1));
      let se = 0;
      let mean = 0;
      for (let i = 0; i < d; i++) {
        se += (out[i]! - truth[i]!) ** 2;
        mean += out[i]! - truth[i]!;
      }
      // Noise variance n * v plus rounding variance <= n / 4, in integer units.
      const predicted = Math.sqrt(n * plan.localVariance + n / 4) / plan.scale;
      const rms = Math.sqrt(se / d);
      expect(rms).toBeGreaterThan(0.9 * Math.sqrt(n * plan.localVariance) / plan.scale);
      expect(rms).toBeLessThan(1.1 * predicted);
      expect(Math.abs(mean / d)).toBeLessThan((5 * predicted) / Math.sqrt(d));
    });
  }

  it('worst case (whole clip norm on one coordinate, all clients) does not wrap', () => {
    const plan = planDistributedNoise({ ...base, dimension: 50, clients: 30, minClients: 30, bits: 12 });
    const inputs = Array.from({ length: 30 }, () => {
      const x = new Float64Array(50);
      x[0] = -5; // clipped to -1
      return x;
    });
    const out = roundTrip(plan, inputs, seed(3));
    const noiseStd = Math.sqrt(30 * plan.localVariance) / plan.scale;
    expect(Math.abs(out[0]! + 30)).toBeLessThan(6 * noiseStd + 30 / plan.scale);
  });

  it('clips to the plan norm (property: one client, decoded norm <= c + noise)', () => {
    const plan = planDistributedNoise({ clipNorm: 2, dimension: 8, clients: 1, minClients: 1, bits: 32, noiseMultiplier: 0.01 });
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 255 }), (xs, s) => {
        const x = Float64Array.from(xs);
        const y = encodeClientUpdate(x, plan, { rng: seed(s) });
        for (const v of y) expect(v).toBeLessThan(2 ** 32);
        const out = decodeServerSum(y, plan, { count: 1 });
        let sq = 0;
        for (const v of out) sq += v * v;
        expect(Math.sqrt(sq)).toBeLessThan(2 + 10 * 0.02 * Math.sqrt(8) + Math.sqrt(8) / plan.scale);
      }),
      { numRuns: 50 },
    );
  });

  it('Float32Array inputs and the same seed give the same encoding', () => {
    const plan = planDistributedNoise(base);
    const x = new Float32Array(1000).fill(0.01);
    expect(encodeClientUpdate(x, plan, { rng: seed(5) })).toEqual(encodeClientUpdate(Float64Array.from(x), plan, { rng: seed(5) }));
  });

  it('hostile inputs', () => {
    const plan = planDistributedNoise(base);
    const x = new Float64Array(1000);
    // A plain copy is plain data: validated and accepted (it used to be refused), same encoding.
    expect(encodeClientUpdate(x, { ...plan }, { rng: seed(9) })).toEqual(encodeClientUpdate(x, plan, { rng: seed(9) }));
    expectSecAggError(() => encodeClientUpdate(x, { ...plan, localVariance: plan.localVariance / 2 }), 'INVALID_PLAN');
    expectSecAggError(() => encodeClientUpdate(x, null as never), 'INVALID_TYPE');
    expectSecAggError(() => encodeClientUpdate(new Float64Array(999), plan), 'LENGTH_MISMATCH');
    expectSecAggError(() => encodeClientUpdate(new Int32Array(1000) as never, plan), 'INVALID_TYPE');
    expectSecAggError(() => encodeClientUpdate([0, 1] as never, plan), 'INVALID_TYPE');
    const bad = new Float64Array(1000);
    bad[7] = Number.NaN;
    expectSecAggError(() => encodeClientUpdate(bad, plan), 'NON_FINITE_VALUE');
    bad[7] = Infinity;
    expectSecAggError(() => encodeClientUpdate(bad, plan), 'NON_FINITE_VALUE');
    expectSecAggError(() => encodeClientUpdate(x, plan, { rnd: seed(1) } as never), 'UNKNOWN_OPTION');
    const sum = new Uint32Array(1000);
    expectSecAggError(() => decodeServerSum(sum, plan, { count: 14 }), 'OUT_OF_RANGE'); // below minClients
    expectSecAggError(() => decodeServerSum(sum, plan, { count: 21 }), 'OUT_OF_RANGE');
    expectSecAggError(() => decodeServerSum(sum, plan, {} as never), 'INVALID_TYPE');
    expectSecAggError(() => decodeServerSum(sum, plan, undefined as never));
    expectSecAggError(() => decodeServerSum(new Uint32Array(3), plan, { count: 15 }), 'LENGTH_MISMATCH');
    expectSecAggError(() => decodeServerSum(new Int32Array(1000) as never, plan, { count: 15 }), 'INVALID_TYPE');
    const big = new Uint32Array(1000);
    big[3] = 2 ** 24;
    expectSecAggError(() => decodeServerSum(big, plan, { count: 15 }), 'ELEMENT_OUT_OF_RANGE');
    expect(decodeServerSum(sum, plan, { count: 15 })).toEqual(new Float64Array(1000));
  });
});

describe('planner + accountant (integration with src/dp/rdp.ts and calibrate.ts)', () => {
  it('calibrates the noise multiplier for (epsilon, delta) over sampled rounds, scale and rounding included', async () => {
    const { RdpAccountant, calibrateNoiseMultiplier, sampledWithoutReplacementEvent, selfComposedEvent } = await import('../../src/dp/index.js');
    const opts = { clipNorm: 1, dimension: 10_000, clients: 100, minClients: 80, bits: 32 } as const;
    // Fixed-size cohorts of 100 out of 10,000 clients, under substitution (distributed noise
    // cannot be Poisson-sampled: see test/dp/events.test.ts).
    const accountant = (): InstanceType<typeof RdpAccountant> => new RdpAccountant({ neighboringRelation: 'replaceOne' });
    const makeEvent = (z: number) =>
      selfComposedEvent(sampledWithoutReplacementEvent(10_000, 100, planDistributedNoise({ ...opts, noiseMultiplier: z }).event), 1000);
    const z = calibrateNoiseMultiplier({ targetEpsilon: 3, targetDelta: 1e-5, makeEvent, accountant, lowerBound: 0.3, upperBound: 40 });
    const eps = accountant().compose(makeEvent(z)).getEpsilon(1e-5);
    expect(eps).toBeLessThanOrEqual(3);
    expect(eps).toBeGreaterThan(2.9);
    // fewer bits: bigger rounding inflation, so more noise is needed for the same budget
    const z16 = calibrateNoiseMultiplier({
      targetEpsilon: 3,
      targetDelta: 1e-5,
      makeEvent: (zz: number) =>
        selfComposedEvent(sampledWithoutReplacementEvent(10_000, 100, planDistributedNoise({ ...opts, bits: 20, noiseMultiplier: zz }).event), 1000),
      accountant,
      lowerBound: 0.3,
      upperBound: 40,
    });
    expect(z16).toBeGreaterThan(z);
  });
});

describe('planner: sampler range', () => {
  it('auto scale keeps the local variance within the sampler range; a given scale beyond it is refused', () => {
    const sk = planDistributedNoise({ mechanism: 'skellam', clipNorm: 1, dimension: 10, clients: 1, minClients: 1, bits: 32, noiseMultiplier: 1 });
    expect(sk.localVariance).toBeLessThanOrEqual(2 ** 25);
    expectSecAggError(
      () => planDistributedNoise({ mechanism: 'skellam', clipNorm: 1, dimension: 10, clients: 1, minClients: 1, bits: 32, noiseMultiplier: 1, scale: 2 ** 14 }),
      'OUT_OF_RANGE',
    );
    const dg = planDistributedNoise({ clipNorm: 1, dimension: 10, clients: 1, minClients: 1, bits: 32, noiseMultiplier: 1 });
    expect(dg.localVariance).toBeLessThanOrEqual(2 ** 52);
  });
});

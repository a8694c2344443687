import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DP_PLAN_VERSION,
  RdpAccountant,
  decodeServerSum,
  dpEventForRound,
  encodeClientUpdate,
  planCentralGaussian,
  planDistributedNoise,
  validateDpPlan,
  type DpPlan,
} from '../../src/dp/index.js';
import { planWeightedQuantization } from '../../src/vector/index.js';
import type { RandomBytes } from '../../src/random.js';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import { expectSecAggError } from '../_hostile.js';

function seed(byte: number): RandomBytes {
  return deterministicRandomBytes(new Uint8Array(32).fill(byte));
}
const ROUND = new Uint8Array(32).fill(0xab);
const base = { clipNorm: 1, dimension: 300, clients: 20, minClients: 15, bits: 24, noiseMultiplier: 1 } as const;

/** One plan of every kind and option that changes the plan's shape. */
const PLANS: readonly [string, () => DpPlan][] = [
  ['distributed discrete Gaussian', () => planDistributedNoise(base)],
  ['distributed discrete Gaussian, rotated', () => planDistributedNoise({ ...base, rotation: 'hadamard' })],
  ['distributed Skellam, rotated, adaptive', () =>
    planDistributedNoise({ ...base, mechanism: 'skellam', bits: 14, rotation: 'hadamard', adaptiveClipping: {} })],
  ['distributed discrete Gaussian, adaptive', () =>
    planDistributedNoise({ ...base, adaptiveClipping: { targetQuantile: 0.7, learningRate: 0.1, countStddev: 2 } })],
  ['central Gaussian', () => planCentralGaussian({ clipNorm: 2, dimension: 300, clients: 20, bits: 32, noiseMultiplier: 1.2 })],
  ['central Gaussian, rotated, adaptive', () =>
    planCentralGaussian({ ...base, bits: 32, minClients: 5, rotation: 'hadamard', adaptiveClipping: {} })],
];

/** A real worker_threads worker that echoes every message back (two structured clones). */
let echo: Worker;
beforeAll(() => {
  echo = new Worker(
    "const { parentPort } = require('node:worker_threads'); parentPort.on('message', (m) => parentPort.postMessage(m));",
    { eval: true },
  );
});
afterAll(async () => {
  await echo.terminate();
});
function throughWorker(value: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    echo.once('message', resolve);
    echo.once('error', reject);
    echo.postMessage(value);
  });
}

function encodeSum(plan: DpPlan, rngByte: number): Uint32Array {
  const x = Float64Array.from({ length: plan.dimension }, (_, i) => Math.cos(i) / 20);
  return encodeClientUpdate(x, plan, { rng: seed(rngByte), round: ROUND });
}

describe('DP plans are plain, versioned data', () => {
  for (const [name, make] of PLANS) {
    it(`${name}: survives JSON, structuredClone and a worker's postMessage, and validates to the same plan`, async () => {
      const plan = make();
      expect(plan.version).toBe(DP_PLAN_VERSION);
      expect(Object.isFrozen(plan)).toBe(true);
      if (plan.adaptiveClipping !== null) expect(Object.isFrozen(plan.adaptiveClipping)).toBe(true);
      expect(Object.isFrozen(plan.event)).toBe(true);
      const json = JSON.stringify(plan);
      const copies = [JSON.parse(json) as unknown, structuredClone(plan) as unknown, await throughWorker(plan)];
      for (const copy of copies) {
        expect(copy).not.toBe(plan);
        const valid = validateDpPlan(copy);
        expect(JSON.stringify(valid)).toBe(json);
        expect(Object.isFrozen(valid)).toBe(true);
        expect(validateDpPlan(valid)).toBe(valid); // validated once, trusted after
        // Same encoding from the copy and from the original, given the same randomness.
        expect(encodeClientUpdate(Float64Array.from({ length: plan.dimension }, (_, i) => Math.cos(i) / 20), copy as DpPlan, {
          rng: seed(3),
          round: ROUND,
        })).toEqual(encodeSum(plan, 3));
        expect(dpEventForRound(copy as DpPlan, { survivors: plan.clients })).toEqual(dpEventForRound(plan, { survivors: plan.clients }));
      }
    });
  }

  it('the plan sizes the secure-aggregation vector: vectorLength and bits', () => {
    const rotated = planDistributedNoise({ ...base, rotation: 'hadamard', adaptiveClipping: {} });
    expect(rotated.paddedDimension).toBe(512);
    expect(rotated.vectorLength).toBe(513);
    expect(encodeSum(rotated, 1).length).toBe(513);
    const plain = planDistributedNoise(base);
    expect(plain.vectorLength).toBe(300);
    expect(decodeServerSum(encodeSum(rotated, 1), rotated, { count: 15, round: ROUND }).length).toBe(300);
  });
});

describe('dpEventForRound: the event of one release with the survivors actually summed', () => {
  it('distributed: clients = survivors; more survivors, less epsilon; minClients gives plan.event', () => {
    const plan = planDistributedNoise(base);
    expect(dpEventForRound(plan, { survivors: 15 })).toEqual(plan.event);
    const eps = (s: number): number => new RdpAccountant().compose(dpEventForRound(plan, { survivors: s })).getEpsilon(1e-5);
    expect(eps(20)).toBeLessThan(eps(15));
    expect(eps(10)).toBeGreaterThan(eps(15)); // a weaker release is reported as it was
    expect(dpEventForRound(plan, { survivors: 17 })).toMatchObject({ kind: 'distributedDiscreteGaussian', clients: 17, dimension: 300 });
  });

  it('central: independent of survivors; adaptive: the update event composed with the count event', () => {
    const central = planCentralGaussian({ clipNorm: 1, dimension: 10, clients: 10, bits: 32, noiseMultiplier: 2 });
    expect(dpEventForRound(central, { survivors: 3 })).toEqual(dpEventForRound(central, { survivors: 10 }));
    expect(central.event).toMatchObject({ kind: 'discreteGaussian', sensitivity: central.l2Sensitivity });
    const adaptive = planDistributedNoise({ ...base, rotation: 'hadamard', adaptiveClipping: {} });
    const e = dpEventForRound(adaptive, { survivors: 18 });
    expect(e.kind).toBe('composed');
    const parts = (e as { events: readonly { kind: string; clients?: number; dimension?: number; l2Sensitivity?: number }[] }).events;
    expect(parts[0]).toMatchObject({ kind: 'distributedDiscreteGaussian', clients: 18, dimension: 512 });
    expect(parts[1]).toMatchObject({ kind: 'distributedDiscreteGaussian', clients: 18, dimension: 1, l2Sensitivity: adaptive.adaptiveClipping!.countScale });
    const without = planDistributedNoise({ ...base, rotation: 'hadamard' });
    const epsOf = (x: DpPlan): number => new RdpAccountant().compose(dpEventForRound(x, { survivors: 18 })).getEpsilon(1e-5);
    expect(epsOf(adaptive)).toBeGreaterThan(epsOf(without)); // the count costs privacy too
  });

  it('refuses bad survivors and options', () => {
    const plan = planDistributedNoise(base);
    expectSecAggError(() => dpEventForRound(plan, { survivors: 21 }), 'OUT_OF_RANGE');
    expectSecAggError(() => dpEventForRound(plan, { survivors: 0 }), 'OUT_OF_RANGE');
    expectSecAggError(() => dpEventForRound(plan, { survivors: 2.5 }), 'OUT_OF_RANGE');
    expectSecAggError(() => dpEventForRound(plan, { survivors: '3' as never }), 'INVALID_TYPE');
    expectSecAggError(() => dpEventForRound(plan, { survivors: 3, extra: 1 } as never), 'UNKNOWN_OPTION');
    expectSecAggError(() => dpEventForRound(plan, null as never), 'INVALID_TYPE');
    expectSecAggError(() => dpEventForRound({ ...plan, clients: 'x' } as never, { survivors: 3 }), 'INVALID_PLAN');
  });
});

describe('hostile plans are refused with a code, never used', () => {
  const plan = planDistributedNoise({ ...base, rotation: 'hadamard', adaptiveClipping: {} });
  const json = (): Record<string, unknown> => JSON.parse(JSON.stringify(plan)) as Record<string, unknown>;
  const x = new Float64Array(base.dimension);
  const refuse = (p: unknown, code: 'INVALID_PLAN' | 'UNSUPPORTED_VERSION' | 'INVALID_TYPE' = 'INVALID_PLAN'): void => {
    expectSecAggError(() => validateDpPlan(p), code);
    expectSecAggError(() => encodeClientUpdate(x, p as DpPlan, { round: ROUND }), code);
    expectSecAggError(() => decodeServerSum(new Uint32Array(plan.vectorLength), p as DpPlan, { count: 15, round: ROUND }), code);
    expectSecAggError(() => dpEventForRound(p as DpPlan, { survivors: 15 }), code);
  };

  it('wrong types, NaN, Infinity, missing or extra fields, for every field', () => {
    for (const key of Object.keys(json())) {
      for (const bad of [undefined, null, 'x', Number.NaN, Number.POSITIVE_INFINITY, -1, {}, [1]]) {
        const p = json();
        if (bad === undefined) delete p[key];
        else p[key] = bad;
        refuse(p); // (adaptiveClipping: null makes vectorLength disagree)
      }
    }
    for (const key of Object.keys(json()['adaptiveClipping'] as object)) {
      for (const bad of ['x', null, -1, 1e300, {}]) {
        const p = json();
        (p['adaptiveClipping'] as Record<string, unknown>)[key] = bad;
        refuse(p);
      }
    }
    refuse({ ...json(), extra: 1 });
    refuse({ ...json(), adaptiveClipping: { ...(json()['adaptiveClipping'] as object), extra: 1 } });
    refuse(JSON.parse(`{"__proto__": {"polluted": 1}, ${JSON.stringify(json()).slice(1)}`) as unknown);
  });

  it('unknown kind or version; not an object', () => {
    refuse({ ...json(), kind: 'laplace' });
    refuse({ ...json(), kind: 'weighted' });
    refuse(planWeightedQuantization({ clip: 1, bits: 32, clients: 2, maxWeight: 10, levels: 100 })); // a FedAvg weighted plan is no DP plan
    refuse({ ...json(), version: 2 }, 'UNSUPPORTED_VERSION');
    refuse({ ...json(), version: '1' });
    refuse({ ...json(), version: 1.5 });
    for (const bad of [null, undefined, 3, 'plan', [json()]]) refuse(bad, 'INVALID_TYPE');
  });

  it('a noise variance below what the noise multiplier needs (or a noise multiplier raised over it)', () => {
    refuse({ ...json(), localVariance: plan.localVariance / 2 });
    refuse({ ...json(), localVariance: plan.localVariance * (1 - 2 ** -30) });
    refuse({ ...json(), noiseMultiplier: plan.noiseMultiplier * 1.5 });
    refuse({ ...json(), minClients: 5 }); // each client's share would be too small for 5 survivors
    const adaptive = json()['adaptiveClipping'] as Record<string, number>;
    refuse({ ...json(), adaptiveClipping: { ...adaptive, countVariance: adaptive['countVariance']! / 2 } });
    refuse({ ...json(), adaptiveClipping: { ...adaptive, countStddev: adaptive['countStddev']! * 2 } });
    const central = planCentralGaussian({ clipNorm: 1, dimension: 10, clients: 10, bits: 32, noiseMultiplier: 2 });
    const c = JSON.parse(JSON.stringify(central)) as Record<string, unknown>;
    expectSecAggError(() => validateDpPlan({ ...c, noiseVariance: central.noiseVariance / 4 }), 'INVALID_PLAN');
  });

  it('inconsistent scale, bits, rounding bound, sensitivities, sizes, rotation or event', () => {
    refuse({ ...json(), scale: plan.scale * 4 }); // could wrap at these bits
    refuse({ ...json(), bits: plan.bits - 3 });
    refuse({ ...json(), scale: plan.scale / 2 }); // variance and bounds no longer match
    refuse({ ...json(), roundingNormSquaredBound: plan.roundingNormSquaredBound * 1.01 });
    refuse({ ...json(), l2Sensitivity: plan.l2Sensitivity * 0.9 });
    refuse({ ...json(), l1Sensitivity: plan.l1Sensitivity * 0.9 });
    refuse({ ...json(), sumMagnitudeBound: 2 ** 30 });
    refuse({ ...json(), paddedDimension: 300 });
    refuse({ ...json(), vectorLength: 512 });
    refuse({ ...json(), rotation: 'none' });
    refuse({ ...json(), beta: 1 });
    refuse({ ...json(), clients: 2 ** 25 });
    refuse({ ...json(), mechanism: 'gaussian' });
    const event = json()['event'] as { events: Record<string, unknown>[] };
    refuse({ ...json(), event: { ...event, events: [{ ...event.events[0], clients: 20 }, event.events[1]] } });
    refuse({ ...json(), event: { ...event, events: [{ ...event.events[0], localSigma: 1e9 }, event.events[1]] } });
    refuse({ ...json(), event: event.events[0] });
    refuse({ ...json(), event: null });
  });

  it('getters that throw or change their answer: read once into a copy, or refused', () => {
    let reads = 0;
    const shifty = json();
    const good = shifty['localVariance'];
    Object.defineProperty(shifty, 'localVariance', {
      enumerable: true,
      get: () => (reads++ === 0 ? good : 1e-3),
    });
    const valid = validateDpPlan(shifty);
    expect(valid.kind === 'distributedNoise' && valid.localVariance).toBe(good);
    expect(reads).toBe(1);
    const throwing = json();
    Object.defineProperty(throwing, 'scale', { enumerable: true, get: () => { throw new Error('boom'); } });
    refuse(throwing);
    refuse(new Proxy(json(), { ownKeys: () => { throw new Error('boom'); } }));
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RandomBytes } from '../../src/random.js';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import {
  ModularAccumulator,
  decodeWeightedMean,
  encodeWeightedUpdate,
  planQuantization,
  planWeightedQuantization,
  quantize,
  sumVectors,
  type WeightedQuantizationPlan,
} from '../../src/vector/index.js';
import { expectSecAggError } from '../_hostile.js';
import kat from '../vectors/vector-quantize.json' with { type: 'json' };

const seeded = (byte: number): RandomBytes => deterministicRandomBytes(new Uint8Array(32).fill(byte));
const clipOf = (x: number, c: number): number => Math.min(c, Math.max(-c, x));

describe('known answers (vector-quantize.json, weighted, nearest rounding)', () => {
  for (const c of kat.weighted) {
    it(`clip ${c.params.clip}, bits ${c.params.bits}, maxWeight ${c.params.maxWeight}`, () => {
      const plan = planWeightedQuantization(c.params);
      expect(plan.maxLevel).toBe(c.params.levels * c.params.maxWeight);
      const enc = c.updates.map((u, i) =>
        encodeWeightedUpdate(Float64Array.from(u), c.weights[i] as number, plan, { rounding: 'nearest' }),
      );
      expect(enc.map((e) => [...e])).toEqual(c.encoded);
      const sum = sumVectors(enc, plan.bits);
      expect([...sum]).toEqual(c.sum);
      const { mean, totalWeight } = decodeWeightedMean(sum, plan, { count: enc.length });
      expect(totalWeight).toBe(c.totalWeight);
      expect([...mean]).toEqual(c.mean);
    });
  }

  it('the documented example', () => {
    const plan = planWeightedQuantization({ clip: 1, bits: 32, clients: 2, maxWeight: 100, levels: 1000 });
    const a = encodeWeightedUpdate(Float64Array.of(0.5), 30, plan, { rounding: 'nearest' });
    const b = encodeWeightedUpdate(Float64Array.of(-0.5), 10, plan, { rounding: 'nearest' });
    expect([...a]).toEqual([15_000, 30]);
    const r = decodeWeightedMean(sumVectors([a, b], 32), plan, { count: 2 });
    expect([...r.mean]).toEqual([0.25]);
    expect(r.totalWeight).toBe(40);
  });
});

describe('weighted mean', () => {
  const setting = fc
    .record({
      clip: fc.double({ min: 1e-3, max: 100, noNaN: true }),
      bits: fc.integer({ min: 12, max: 32 }),
      maxWeight: fc.integer({ min: 1, max: 10_000 }),
      d: fc.integer({ min: 0, max: 12 }),
      count: fc.integer({ min: 1, max: 8 }),
      seed: fc.integer({ min: 0, max: 255 }),
      f32: fc.boolean(),
    })
    .filter((r) => r.count * r.maxWeight <= 2 ** (r.bits - 1) - 1)
    .chain((r) =>
      fc.record({
        r: fc.constant(r),
        updates: fc.array(
          fc.array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), { minLength: r.d, maxLength: r.d }),
          { minLength: r.count, maxLength: r.count },
        ),
        weights: fc.array(fc.integer({ min: 1, max: r.maxWeight }), { minLength: r.count, maxLength: r.count }),
      }),
    );

  it('is within count / (scale * totalWeight) <= one step of the exact weighted mean of the clipped inputs', () => {
    fc.assert(
      fc.property(setting, ({ r, updates, weights }) => {
        const plan = planWeightedQuantization({ clip: r.clip, bits: r.bits, clients: r.count, maxWeight: r.maxWeight });
        const Ctor = r.f32 ? Float32Array : Float64Array;
        const xs = updates.map((u) => Ctor.from(u.map((x) => x * r.clip)));
        const acc = new ModularAccumulator(r.d + 1, r.bits);
        const rng = seeded(r.seed);
        xs.forEach((x, i) => acc.add(encodeWeightedUpdate(x, weights[i] as number, plan, { rng })));
        const { mean, totalWeight } = decodeWeightedMean(acc.snapshot(), plan, { count: r.count });
        const W = weights.reduce((a, b) => a + b, 0);
        expect(totalWeight).toBe(W);
        const tolerance = r.count / (plan.scale * W);
        expect(tolerance).toBeLessThanOrEqual((1 + 1e-12) / plan.scale);
        for (let j = 0; j < r.d; j++) {
          const exact = xs.reduce((s, x, i) => s + (weights[i] as number) * clipOf(x[j] as number, r.clip), 0) / W;
          expect(Math.abs((mean[j] as number) - exact)).toBeLessThan(tolerance * (1 + 1e-9) + 1e-12 * r.clip);
        }
      }),
    );
  });

  it('weights really weigh: two clients, one with 3x the weight', () => {
    const plan = planWeightedQuantization({ clip: 1, bits: 32, clients: 2, maxWeight: 3, levels: 1 << 20 });
    const a = encodeWeightedUpdate(Float64Array.of(1, 0), 3, plan, { rng: seeded(1) });
    const b = encodeWeightedUpdate(Float64Array.of(0, 1), 1, plan, { rng: seeded(2) });
    const { mean } = decodeWeightedMean(sumVectors([a, b], 32), plan, { count: 2 });
    expect(mean[0]).toBeCloseTo(0.75, 5);
    expect(mean[1]).toBeCloseTo(0.25, 5);
  });
});

describe('the weighted planner accounts for the largest weight', () => {
  it('every admitted client at maxWeight with extreme inputs sums and decodes without wrapping', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 32 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
        (bits, clients, maxWeight, clip, levels) => {
          let plan: WeightedQuantizationPlan;
          try {
            plan = planWeightedQuantization({ clip, bits, clients, maxWeight, ...(levels === undefined ? {} : { levels }) });
          } catch (error) {
            const e = expectSecAggError(() => {
              throw error;
            }, 'MODULUS_TOO_SMALL');
            expect(e.code).toBe('MODULUS_TOO_SMALL');
            return;
          }
          const cap = 2n ** BigInt(bits - 1) - 1n;
          expect(BigInt(clients) * BigInt(Math.max(plan.maxLevel, maxWeight))).toBeLessThanOrEqual(cap);
          const x = Float64Array.of(clip, -clip, 5 * clip);
          for (const rounding of ['nearest', 'stochastic'] as const) {
            const enc = encodeWeightedUpdate(x, maxWeight, plan, {
              rounding,
              rng: (n) => new Uint8Array(n), // always round up: the worst case
            });
            const m = 2n ** BigInt(bits);
            const half = 2 ** (bits - 1);
            // The sum of `clients` copies, computed exactly then reduced.
            const sum = Uint32Array.from(enc, (r) => {
              const s = BigInt(r >= half ? r - 2 ** bits : r) * BigInt(clients);
              return Number(((s % m) + m) % m);
            });
            const { mean, totalWeight } = decodeWeightedMean(sum, plan, { count: clients });
            expect(totalWeight).toBe(clients * maxWeight);
            expect(Math.abs((mean[0] as number) - clip)).toBeLessThanOrEqual(1 / plan.scale);
            expect(Math.abs((mean[1] as number) + clip)).toBeLessThanOrEqual(1 / plan.scale);
            expect(Math.abs((mean[2] as number) - clip)).toBeLessThanOrEqual(1 / plan.scale);
          }
        },
      ),
    );
  });

  it('refuses settings whose weight sum or weighted values can wrap', () => {
    // Values: clients * levels * maxWeight = 4 * 10 * 1000 = 40000 > 32767.
    expectSecAggError(
      () => planWeightedQuantization({ clip: 1, bits: 16, clients: 4, maxWeight: 1000, levels: 10 }),
      'MODULUS_TOO_SMALL',
    );
    expect(planWeightedQuantization({ clip: 1, bits: 16, clients: 4, maxWeight: 1000, levels: 8 }).maxAbsSum).toBe(32_000);
    // Unweighted, the same levels would fit: the weight is what makes it wrap.
    planQuantization({ clip: 1, bits: 16, clients: 4, levels: 10 });
    expectSecAggError(() => planWeightedQuantization({ clip: 1, bits: 8, clients: 2, maxWeight: 64 }), 'MODULUS_TOO_SMALL');
    // A tiny scale: the value bound is small but the weight element still needs clients * maxWeight.
    expectSecAggError(
      () => planWeightedQuantization({ clip: 1, bits: 8, clients: 2, maxWeight: 64, scale: 1e-6 }),
      'MODULUS_TOO_SMALL',
    );
    expect(planWeightedQuantization({ clip: 1, bits: 8, clients: 2, maxWeight: 63, scale: 1e-6 }).maxAbsSum).toBe(126);
  });
});

describe('input checks', () => {
  const plan = planWeightedQuantization({ clip: 1, bits: 16, clients: 4, maxWeight: 10, levels: 100 });
  const x = Float64Array.of(0.5, -0.5);

  it('weights are integers in [1, maxWeight]', () => {
    for (const w of [0, 11, 1.5, -1]) expectSecAggError(() => encodeWeightedUpdate(x, w, plan), 'OUT_OF_RANGE');
    expect(encodeWeightedUpdate(x, 10, plan, { rounding: 'nearest' })[2]).toBe(10);
  });

  it('plain and weighted plans are not interchangeable', () => {
    const plain = planQuantization({ clip: 1, bits: 16, clients: 4, levels: 100 });
    expectSecAggError(() => encodeWeightedUpdate(x, 1, plain as unknown as WeightedQuantizationPlan), 'INVALID_TYPE');
    expectSecAggError(() => quantize(x, plan as never), 'INVALID_TYPE');
    const copy = JSON.parse(JSON.stringify(plan)) as WeightedQuantizationPlan;
    expect(encodeWeightedUpdate(x, 3, copy, { rounding: 'nearest' })).toEqual(
      encodeWeightedUpdate(x, 3, plan, { rounding: 'nearest' }),
    );
    expectSecAggError(() => encodeWeightedUpdate(x, 1, { ...plan, maxWeight: 10_000 }), 'MODULUS_TOO_SMALL');
    expectSecAggError(() => encodeWeightedUpdate(x, 1, { ...plan, maxWeight: 100 }), 'OUT_OF_RANGE'); // grid past maxLevel
  });

  it('decodeWeightedMean refuses impossible totals', () => {
    expectSecAggError(() => decodeWeightedMean(Uint32Array.of(0, 1), plan, { count: 2 }), 'ELEMENT_OUT_OF_RANGE');
    expectSecAggError(() => decodeWeightedMean(Uint32Array.of(0, 21), plan, { count: 2 }), 'ELEMENT_OUT_OF_RANGE');
    expectSecAggError(() => decodeWeightedMean(Uint32Array.of(2001, 20), plan, { count: 2 }), 'ELEMENT_OUT_OF_RANGE');
    expectSecAggError(() => decodeWeightedMean(new Uint32Array(0), plan, { count: 1 }), 'INVALID_LENGTH');
    expectSecAggError(() => decodeWeightedMean(Uint32Array.of(0, 5), plan, { count: 5 }), 'OUT_OF_RANGE');
    const r = decodeWeightedMean(Uint32Array.of(2000, 2 ** 16 - 2000, 20), plan, { count: 2 });
    expect([...r.mean]).toEqual([1, -1]);
    expect(decodeWeightedMean(Uint32Array.of(3), plan, { count: 1 }).mean).toHaveLength(0);
  });

  it('NaN / Infinity, out length and overlap', () => {
    expectSecAggError(() => encodeWeightedUpdate(Float32Array.of(Number.NaN), 1, plan), 'NON_FINITE_VALUE');
    expectSecAggError(() => encodeWeightedUpdate(x, 1, plan, { out: new Uint32Array(2) }), 'LENGTH_MISMATCH');
    const out = new Uint32Array(3);
    expect(encodeWeightedUpdate(x, 2, plan, { out, rounding: 'nearest' })).toBe(out);
    const f = new Float32Array(4);
    expectSecAggError(
      () => encodeWeightedUpdate(f.subarray(0, 2), 1, plan, { out: new Uint32Array(f.buffer, 4, 3) }),
      'OVERLAPPING_BUFFERS',
    );
    const mean = new Float64Array(2);
    expect(decodeWeightedMean(Uint32Array.of(0, 0, 2), plan, { count: 2, out: mean }).mean).toBe(mean);
    expectSecAggError(
      () => decodeWeightedMean(Uint32Array.of(0, 0, 2), plan, { count: 2, out: new Float64Array(3) }),
      'LENGTH_MISMATCH',
    );
  });
});

describe('doc comment examples', () => {
  it('planners', () => {
    const p = planQuantization({ clip: 1, bits: 32, clients: 1000, levels: 1 << 20 });
    expect(p.scale).toBe(1_048_576);
    expect(p.maxAbsSum).toBe(1_048_576_000);
    expectSecAggError(() => planQuantization({ clip: 1, bits: 16, clients: 1000, levels: 1 << 20 }), 'MODULUS_TOO_SMALL');
    const w = planWeightedQuantization({ clip: 1, bits: 32, clients: 100, maxWeight: 10_000, levels: 1000 });
    expect(w.maxLevel).toBe(10_000_000);
    expect(w.maxAbsSum).toBe(1_000_000_000);
  });
});

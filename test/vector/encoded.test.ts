/**
 * encodedVector: the protocol's vector spec from a quantisation plan, so that the bits and the
 * weighted encoding's extra element are stated once (issue 16's papercut "bits stated twice").
 */
import { describe, expect, it } from 'vitest';
import { createSessionPolicy } from '../../src/protocol/index.js';
import { simulateSession } from '../../src/simulate/index.js';
import {
  decodeWeightedMean,
  encodeWeightedUpdate,
  encodedVector,
  planQuantization,
  planWeightedQuantization,
  quantize,
} from '../../src/vector/index.js';
import { expectSecAggError } from '../_hostile.js';

describe('encodedVector', () => {
  it('a plain plan: the update length and the plan bits; a weighted plan: one more element', () => {
    const plain = planQuantization({ clip: 1, bits: 24, clients: 100 });
    const weighted = planWeightedQuantization({ clip: 1, bits: 32, clients: 100, maxWeight: 10_000 });
    expect(encodedVector(plain, 1000)).toEqual({ length: 1000, bits: 24 });
    expect(encodedVector(weighted, 1000)).toEqual({ length: 1001, bits: 32 });
    expect(encodedVector(JSON.parse(JSON.stringify(weighted)) as typeof weighted, 1)).toEqual({ length: 2, bits: 32 });
    expect(encodedVector(structuredClone(plain), 2 ** 32 - 2)).toEqual({ length: 2 ** 32 - 2, bits: 24 });
    // What the encoders produce has exactly that shape.
    const values = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    expect(quantize(values, plain).length).toBe(encodedVector(plain, 1000).length);
    expect(encodeWeightedUpdate(values, 7, weighted).length).toBe(encodedVector(weighted, 1000).length);
  });

  it('the doc example: a policy whose vector comes from the plan', () => {
    const plan = planWeightedQuantization({ clip: 1, bits: 32, clients: 100, maxWeight: 10_000 });
    const policy = createSessionPolicy({
      registry: { size: 100 }, corruptFraction: 0, dropoutFraction: 0.1, minClients: 50,
      vectors: [{ name: 'update', ...encodedVector(plan, 1000) }],
    });
    expect(policy.vectors).toEqual([{ name: 'update', length: 1001, bits: 32 }]);
  });

  it('a round whose vector comes from a 24-bit weighted plan sums and decodes (no bits stated twice)', () => {
    const plan = planWeightedQuantization({ clip: 1, bits: 24, clients: 6, maxWeight: 100 });
    const updates = Array.from({ length: 6 }, (_, c) => Float64Array.from({ length: 50 }, (_, i) => ((c + 1) * (i + 1)) / 400 - 0.3));
    const weights = [1, 2, 3, 4, 5, 100];
    const encoded = updates.map((u, c) => encodeWeightedUpdate(u, weights[c] as number, plan, { rounding: 'nearest' }));
    const report = simulateSession({ clients: 6, vectors: [{ name: 'update', ...encodedVector(plan, 50) }], inputs: (id) => ({ update: encoded[id - 1] as Uint32Array }) });
    expect(report.outcome).toBe('completed');
    expect(report.match).toBe(true);
    const { mean, totalWeight } = decodeWeightedMean(report.sums?.['update'] as Uint32Array, plan, { count: 6 });
    expect(totalWeight).toBe(115);
    for (let i = 0; i < 50; i++) {
      const exact = updates.reduce((s, u, c) => s + (weights[c] as number) * (u[i] as number), 0) / 115;
      expect(Math.abs((mean[i] as number) - exact)).toBeLessThan(1 / plan.scale);
    }
  });

  it('refuses what is not a plan, a tampered plan, and a bad length', () => {
    const plan = planQuantization({ clip: 1, bits: 16, clients: 10 });
    for (const bad of [null, undefined, 3, 'plain', {}, { kind: 'dp', bits: 16 }, [plan]]) {
      expectSecAggError(() => encodedVector(bad as never, 10), 'INVALID_TYPE');
    }
    expectSecAggError(() => encodedVector({ ...plan, bits: 8 }, 10), 'MODULUS_TOO_SMALL');
    expectSecAggError(() => encodedVector({ ...plan, bits: 40 }, 10), 'INVALID_BITS');
    expectSecAggError(() => encodedVector({ ...plan, maxAbsSum: plan.maxAbsSum + 1 }, 10), 'OUT_OF_RANGE');
    expectSecAggError(() => encodedVector({ ...plan, extra: 1 } as never, 10), 'UNKNOWN_OPTION');
    expectSecAggError(() => encodedVector({ ...plan, kind: 'weighted' } as never, 10));
    for (const length of [0, -1, 1.5, NaN, Infinity, 2 ** 32 - 1]) expectSecAggError(() => encodedVector(plan, length), 'OUT_OF_RANGE');
    expectSecAggError(() => encodedVector(plan, '10' as never), 'INVALID_TYPE');
  });
});

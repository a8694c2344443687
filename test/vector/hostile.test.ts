/** Hostile inputs at every export of secagg/vector: each must be a SecAggError, never a crash. */
import { describe, expect, it } from 'vitest';
import {
  ModularAccumulator,
  addInto,
  assertVectorInRange,
  decodeWeightedMean,
  dequantizeSum,
  encodeWeightedUpdate,
  negateInto,
  planQuantization,
  planWeightedQuantization,
  quantize,
  reduceInto,
  subtractInto,
  sumVectors,
} from '../../src/vector/index.js';
import * as vector from '../../src/vector/index.js';
import { expectSecAggError, notBytes, notCounts, notNumbers } from '../_hostile.js';

const fakeU32 = { length: 2, byteLength: 8, buffer: new ArrayBuffer(8), 0: 1, 1: 2 };
Object.setPrototypeOf(fakeU32, Uint32Array.prototype);
const fakeF64 = { length: 2, byteLength: 16, buffer: new ArrayBuffer(16), 0: 1, 1: 2 };
Object.setPrototypeOf(fakeF64, Float64Array.prototype);

/** Values that are not a Uint32Array vector. */
const notVectors: readonly unknown[] = [
  ...notBytes,
  new Uint8Array(8),
  new Int32Array(2),
  new Float32Array(2),
  [1, 2],
  fakeU32,
];
/** Values that are not a Float32Array / Float64Array update. */
const notFloats: readonly unknown[] = [
  ...notBytes,
  new Uint32Array(2),
  new Int32Array(2),
  [0.5, 0.25],
  fakeF64,
];
const badBits: readonly unknown[] = [...notNumbers, 0, 33, 1.5, -1, 2 ** 32];
/** Values that are not an options object, or options with wrong fields. */
const badOptions: readonly unknown[] = [
  null,
  0,
  'x',
  [],
  [1],
  { chek: true },
  { check: 1 },
  { check: 'yes' },
  new Proxy({}, { get: () => 1 }),
];

const u = (...a: number[]): Uint32Array => Uint32Array.from(a);
const plan = planQuantization({ clip: 1, bits: 16, clients: 4, levels: 100 });
const wplan = planWeightedQuantization({ clip: 1, bits: 16, clients: 4, maxWeight: 10, levels: 100 });
const x = Float64Array.of(0.5, -0.5);

describe('every export is covered', () => {
  it('the list below names every runtime export', () => {
    expect(Object.keys(vector).sort()).toEqual(
      [
        'ModularAccumulator',
        'addInto',
        'assertVectorInRange',
        'decodeWeightedMean',
        'dequantizeSum',
        'encodeWeightedUpdate',
        'encodedVector',
        'negateInto',
        'planQuantization',
        'planWeightedQuantization',
        'quantize',
        'reduceInto',
        'subtractInto',
        'sumVectors',
      ].sort(),
    );
  });
});

describe('arithmetic', () => {
  it('addInto / subtractInto', () => {
    for (const f of [addInto, subtractInto]) {
      for (const v of notVectors) {
        expectSecAggError(() => f(v as Uint32Array, u(1, 2), 8), 'INVALID_TYPE');
        expectSecAggError(() => f(u(1, 2), v as Uint32Array, 8), 'INVALID_TYPE');
      }
      for (const b of badBits) expectSecAggError(() => f(u(1), u(1), b as number), 'INVALID_BITS');
      for (const o of badOptions) expectSecAggError(() => f(u(1), u(1), 8, o as never));
    }
  });

  it('negateInto / reduceInto / assertVectorInRange', () => {
    for (const v of notVectors) {
      expectSecAggError(() => negateInto(v as Uint32Array, 8), 'INVALID_TYPE');
      expectSecAggError(() => reduceInto(v as Uint32Array, 8), 'INVALID_TYPE');
      expectSecAggError(() => assertVectorInRange(v as Uint32Array, 8), 'INVALID_TYPE');
    }
    for (const b of badBits) {
      expectSecAggError(() => negateInto(u(1), b as number), 'INVALID_BITS');
      expectSecAggError(() => reduceInto(u(1), b as number), 'INVALID_BITS');
      expectSecAggError(() => assertVectorInRange(u(1), b as number), 'INVALID_BITS');
    }
    for (const o of badOptions) expectSecAggError(() => negateInto(u(1), 8, o as never));
    for (const name of [1, null, {}, Symbol('n')]) {
      expectSecAggError(() => assertVectorInRange(u(1), 8, name as string), 'INVALID_TYPE');
    }
  });

  it('sumVectors', () => {
    for (const v of [...notVectors.filter((z) => !Array.isArray(z)), 'ab']) {
      expectSecAggError(() => sumVectors(v as Uint32Array[], 8));
    }
    for (const v of notVectors) {
      expectSecAggError(() => sumVectors([u(1, 2), v as Uint32Array], 8), 'INVALID_TYPE');
      expectSecAggError(() => sumVectors([v as Uint32Array], 8), 'INVALID_TYPE');
      if (v !== undefined) expectSecAggError(() => sumVectors([u(1, 2)], 8, v as Uint32Array), 'INVALID_TYPE');
    }
    // A sparse array (hole) is not a vector.
    expectSecAggError(() => sumVectors([u(1), , u(2)] as Uint32Array[], 8), 'INVALID_TYPE');
    for (const b of badBits) expectSecAggError(() => sumVectors([u(1)], b as number), 'INVALID_BITS');
  });

  it('ModularAccumulator', () => {
    for (const n of [...notCounts, 2 ** 31]) expectSecAggError(() => new ModularAccumulator(n as number, 8));
    for (const b of badBits) expectSecAggError(() => new ModularAccumulator(2, b as number), 'INVALID_BITS');
    const acc = new ModularAccumulator(2, 8);
    for (const v of notVectors) {
      expectSecAggError(() => acc.add(v as Uint32Array), 'INVALID_TYPE');
      expectSecAggError(() => acc.subtract(v as Uint32Array), 'INVALID_TYPE');
      expectSecAggError(() => acc.merge(v as unknown as ModularAccumulator), 'INVALID_TYPE');
    }
    expect(acc.count).toBe(0);
    expect([...acc.snapshot()]).toEqual([0, 0]);
  });
});

describe('planners', () => {
  const base = { clip: 1, bits: 16, clients: 4, levels: 100 };
  const wbase = { ...base, maxWeight: 10 };
  const badFields: Record<string, readonly unknown[]> = {
    clip: [...notNumbers, 0, -1, -0],
    bits: badBits,
    clients: [...notCounts, 0, 2 ** 32 + 1],
    levels: [...notCounts.filter((v) => v !== undefined), 0],
    scale: [...notNumbers.filter((v) => v !== undefined), 0, -1],
    headroom: [...notCounts.filter((v) => v !== undefined)],
    maxWeight: [...notCounts, 0],
  };

  it('planQuantization / planWeightedQuantization: every field', () => {
    for (const [field, values] of Object.entries(badFields)) {
      for (const v of values) {
        const withScale = field === 'scale' ? { levels: undefined } : {};
        if (field !== 'maxWeight') {
          expectSecAggError(() => planQuantization({ ...base, ...withScale, [field]: v } as never));
        }
        expectSecAggError(() => planWeightedQuantization({ ...wbase, ...withScale, [field]: v } as never));
      }
    }
  });

  it('non-objects, unknown fields, levels and scale together', () => {
    for (const p of [...notBytes, ...notNumbers, 'x']) {
      expectSecAggError(() => planQuantization(p as never));
      expectSecAggError(() => planWeightedQuantization(p as never));
    }
    expectSecAggError(() => planQuantization({ ...base, maxWeight: 3 } as never), 'UNKNOWN_OPTION');
    expectSecAggError(() => planQuantization({ ...base, clips: 1 } as never), 'UNKNOWN_OPTION');
    expectSecAggError(() => planQuantization({ ...base, scale: 100 }), 'UNKNOWN_OPTION');
    expectSecAggError(() => planWeightedQuantization({ ...wbase, scale: 100 }), 'UNKNOWN_OPTION');
  });
});

describe('quantize / dequantizeSum', () => {
  it('values, plan, options', () => {
    for (const v of notFloats) expectSecAggError(() => quantize(v as Float64Array, plan), 'INVALID_TYPE');
    for (const p of [...notBytes, ...notNumbers, {}, { ...plan, kind: 'other' }]) {
      expectSecAggError(() => quantize(x, p as never));
    }
    const badQuantizeOptions: unknown[] = [
      null,
      0,
      'x',
      [],
      { round: 'nearest' },
      { rounding: 'floor' },
      { rounding: 1 },
      { rng: 1 },
      { rng: 'crypto' },
      { rng: () => 'bytes' },
      { rng: () => new Uint8Array(3) },
      { rng: (n: number) => new Uint16Array(n / 2) },
      { rng: (n: number) => new Uint8Array(n + 1) },
      ...notVectors.filter((v) => v !== undefined).map((out) => ({ out })),
      { out: new Uint32Array(3) },
      new Proxy({}, { get: () => 1 }),
    ];
    for (const o of badQuantizeOptions) expectSecAggError(() => quantize(x, plan, o as never));
  });

  it('dequantizeSum: sum, plan, options', () => {
    for (const s of notVectors) expectSecAggError(() => dequantizeSum(s as Uint32Array, plan, { count: 1 }), 'INVALID_TYPE');
    for (const p of [...notBytes, ...notNumbers, wplan]) {
      expectSecAggError(() => dequantizeSum(u(1), p as never, { count: 1 }));
    }
    const badDequantizeOptions: unknown[] = [
      undefined,
      null,
      {},
      [],
      'x',
      ...notCounts.map((count) => ({ count })),
      { count: 0 },
      { count: 5 },
      { count: 1, extra: 1 },
      { count: 1, out: new Float32Array(1) },
      { count: 1, out: [0] },
      { count: 1, out: new Float64Array(2) },
      new Proxy({}, { get: () => 1 }),
    ];
    for (const o of badDequantizeOptions) expectSecAggError(() => dequantizeSum(u(1), plan, o as never));
  });
});

describe('encodeWeightedUpdate / decodeWeightedMean', () => {
  it('values, weight, plan, options', () => {
    for (const v of notFloats) expectSecAggError(() => encodeWeightedUpdate(v as Float64Array, 1, wplan), 'INVALID_TYPE');
    for (const w of [...notCounts, 0, 11]) expectSecAggError(() => encodeWeightedUpdate(x, w as number, wplan));
    for (const p of [...notBytes, ...notNumbers, plan]) expectSecAggError(() => encodeWeightedUpdate(x, 1, p as never));
    for (const o of [null, 'x', [], { rounding: 'up' }, { rng: 2 }, { out: new Uint32Array(2) }, { out: [0, 0, 0] }]) {
      expectSecAggError(() => encodeWeightedUpdate(x, 1, wplan, o as never));
    }
  });

  it('decodeWeightedMean: sum, plan, options', () => {
    for (const s of notVectors) expectSecAggError(() => decodeWeightedMean(s as Uint32Array, wplan, { count: 1 }), 'INVALID_TYPE');
    for (const p of [...notBytes, ...notNumbers, plan]) {
      expectSecAggError(() => decodeWeightedMean(u(0, 1), p as never, { count: 1 }));
    }
    for (const o of [undefined, null, {}, ...notCounts.map((count) => ({ count })), { count: 1, out: new Float64Array(2) }]) {
      expectSecAggError(() => decodeWeightedMean(u(0, 1), wplan, o as never));
    }
  });
});

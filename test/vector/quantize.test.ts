import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RandomBytes } from '../../src/random.js';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import {
  dequantizeSum,
  planQuantization,
  quantize,
  sumVectors,
  type QuantizationPlan,
} from '../../src/vector/index.js';
import { expectSecAggError } from '../_hostile.js';
import kat from '../vectors/vector-quantize.json' with { type: 'json' };

const seeded = (byte: number): RandomBytes => deterministicRandomBytes(new Uint8Array(32).fill(byte));
const constantRng =
  (byte: number): RandomBytes =>
  (n) =>
    new Uint8Array(n).fill(byte);

/** Signed integer behind a residue known to be within +-bound (< 2^(bits-1)). */
function signed(residue: number, bits: number): number {
  return residue >= 2 ** (bits - 1) ? residue - 2 ** bits : residue;
}

const clipOf = (x: number, c: number): number => Math.min(c, Math.max(-c, x));

describe('known answers (vector-quantize.json, nearest rounding)', () => {
  for (const c of kat.plain) {
    it(`clip ${c.params.clip}, bits ${c.params.bits}, levels ${c.params.levels}`, () => {
      const plan = planQuantization(c.params);
      expect(plan.scale).toBe(c.scale);
      expect(plan.maxLevel).toBe(c.params.levels);
      const q = quantize(Float64Array.from(c.values), plan, { rounding: 'nearest' });
      expect([...q]).toEqual(c.quantized);
      const s = sumVectors([q, q.slice().reverse()], plan.bits);
      expect([...s]).toEqual(c.sumOfTwo);
      expect([...dequantizeSum(s, plan, { count: 2 })]).toEqual(c.dequantizedSumOfTwo);
    });
  }

  it('the documented example', () => {
    const plan = planQuantization({ clip: 1, bits: 16, clients: 4, levels: 100 });
    expect([...quantize(Float64Array.of(0.5, -0.25, 3), plan, { rounding: 'nearest' })]).toEqual([
      50,
      2 ** 16 - 25,
      100,
    ]);
  });

  it('stochastic rounding direction: r < frac * 2^32 rounds up', () => {
    const plan = planQuantization({ clip: 1, bits: 16, clients: 1, levels: 100 });
    const x = Float64Array.of(0.123, -0.123, 0.5, 0.25); // 0.5 and 0.25 scale to exact integers
    // All-zero words: every non-integer rounds up; all-ones words: every value rounds down.
    expect([...quantize(x, plan, { rng: constantRng(0) })].map((r) => signed(r, 16))).toEqual([13, -12, 50, 25]);
    expect([...quantize(x, plan, { rng: constantRng(255) })].map((r) => signed(r, 16))).toEqual([12, -13, 50, 25]);
  });
});

/** A plan with random admissible parameters and its float inputs. */
const planAndValues = fc
  .record({
    clip: fc.double({ min: 1e-4, max: 1e4, noNaN: true }),
    bits: fc.integer({ min: 2, max: 32 }),
    clients: fc.integer({ min: 1, max: 1000 }),
    f: fc.double({ min: 0, max: 1, noNaN: true }),
    f32: fc.boolean(),
    raw: fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { maxLength: 50 }),
  })
  .filter((r) => 2 ** (r.bits - 1) - 1 >= r.clients)
  .map((r) => {
    const maxLevels = Math.floor((2 ** (r.bits - 1) - 1) / r.clients);
    const levels = Math.max(1, Math.floor(r.f * maxLevels));
    const plan = planQuantization({ clip: r.clip, bits: r.bits, clients: r.clients, levels });
    const values = (r.f32 ? Float32Array : Float64Array).from(r.raw.map((x) => x * r.clip));
    return { plan, values };
  });

describe('rounding rules, exactly', () => {
  // clip 2^30 and scale 1: y = x, so each rule can be checked against its definition.
  const plan = planQuantization({ clip: 2 ** 30, bits: 32, clients: 1, scale: 1 });
  const tricky = [0.5, -0.5, 1.5, -1.5, 2.5, 0.49999999999999994, -0.49999999999999994, 3, -3, 0, -0, 1e-300, -1e-300];
  const yArb = fc.oneof(
    fc.double({ min: -(2 ** 30), max: 2 ** 30, noNaN: true }),
    fc.double({ min: -4, max: 4, noNaN: true }),
    fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((k) => k + 0.5),
    fc.constantFrom(...tricky),
  );
  it('nearest is Math.round (half toward +infinity)', () => {
    fc.assert(
      fc.property(fc.array(yArb, { minLength: 1, maxLength: 20 }), (ys) => {
        const q = quantize(Float64Array.from(ys), plan, { rounding: 'nearest' });
        ys.forEach((y, i) => expect(signed(q[i] as number, 32)).toBe(Math.round(y) + 0));
      }),
    );
  });
  it('stochastic rounds up exactly when the word is below frac * 2^32', () => {
    fc.assert(
      fc.property(fc.array(yArb, { minLength: 1, maxLength: 20 }), fc.nat({ max: 0xffffffff }), (ys, word) => {
        const rng: RandomBytes = (n) => new Uint8Array(new Uint32Array(n / 4).fill(word).buffer);
        const q = quantize(Float64Array.from(ys), plan, { rng });
        ys.forEach((y, i) => {
          const f = Math.floor(y);
          expect(signed(q[i] as number, 32)).toBe((word < (y - f) * 2 ** 32 ? f + 1 : f) + 0);
        });
      }),
    );
  });
});

describe('quantisation error is below one step', () => {
  it('per element, for nearest (<= 1/2 step) and stochastic (< 1 step)', () => {
    fc.assert(
      fc.property(planAndValues, fc.integer({ min: 0, max: 255 }), ({ plan, values }, seed) => {
        const stochastic = quantize(values, plan, { rng: seeded(seed) });
        const nearest = quantize(values, plan, { rounding: 'nearest' });
        const ds = dequantizeSum(stochastic, plan, { count: 1 });
        const dn = dequantizeSum(nearest, plan, { count: 1 });
        const step = 1 / plan.scale;
        for (let i = 0; i < values.length; i++) {
          const v = clipOf(values[i] as number, plan.clip);
          const y = v * plan.scale; // the kernel's exact pre-rounding value
          const qs = signed(stochastic[i] as number, plan.bits);
          const qn = signed(nearest[i] as number, plan.bits);
          expect(qs === Math.floor(y) || qs === Math.ceil(y)).toBe(true);
          expect(Math.abs(qn - y)).toBeLessThanOrEqual(0.5);
          expect(Math.abs(qs)).toBeLessThanOrEqual(plan.maxLevel);
          expect(Math.abs((ds[i] as number) - v)).toBeLessThan(step * (1 + 1e-9));
          expect(Math.abs((dn[i] as number) - v)).toBeLessThanOrEqual(step * (0.5 + 1e-9));
        }
      }),
    );
  });
});

describe('stochastic rounding is unbiased', () => {
  // Each element rounds up with probability p = frac(y) (up to 2^-32), so the mean of N rounded
  // copies of y has standard deviation sqrt(p (1 - p) / N). Tolerance: 6 sigma (+ 2^-32 bias).
  const N = 100_000;
  const plan = planQuantization({ clip: 1, bits: 24, clients: 1, levels: 1000 });
  for (const x of [0.1233, -0.4567, 0.0005, 0.999_9, -0.000_001, 1 / 3]) {
    it(`x = ${x}`, () => {
      const y = x * plan.scale;
      const p = y - Math.floor(y);
      const q = quantize(new Float64Array(N).fill(x), plan, { rng: seeded(42) });
      let total = 0;
      for (let i = 0; i < N; i++) total += signed(q[i] as number, plan.bits);
      const mean = total / N;
      const sigma = Math.sqrt((p * (1 - p)) / N);
      expect(Math.abs(mean - y)).toBeLessThanOrEqual(6 * sigma + 2 ** -32 + 1e-12);
      // The test can fail: a rounding that ignores the randomness is off by p or 1 - p.
      expect(Math.min(p, 1 - p)).toBeGreaterThan(6 * sigma);
    });
  }
});

describe('randomness use', () => {
  it('draws 4 bytes per element in 64 KiB calls; nearest draws nothing', () => {
    const calls: number[] = [];
    const base = seeded(1);
    const rng: RandomBytes = (n) => {
      calls.push(n);
      return base(n);
    };
    const plan = planQuantization({ clip: 1, bits: 32, clients: 1 });
    quantize(new Float32Array(40_000).fill(0.3), plan, { rng });
    expect(calls).toEqual([65_536, 65_536, 4 * (40_000 - 2 * 16_384)]);
    calls.length = 0;
    quantize(new Float32Array(10).fill(0.3), plan, { rng, rounding: 'nearest' });
    expect(calls).toEqual([]);
  });

  it('reads the rng bytes as little-endian words, whatever their alignment', () => {
    const plan = planQuantization({ clip: 1, bits: 16, clients: 1, levels: 100 });
    const x = new Float64Array(1000).map((_, i) => Math.sin(i));
    const aligned = quantize(x, plan, { rng: seeded(9) });
    const inner = seeded(9);
    const misaligned: RandomBytes = (n) => {
      const big = new Uint8Array(n + 1);
      big.set(inner(n), 1);
      return big.subarray(1);
    };
    expect(quantize(x, plan, { rng: misaligned })).toEqual(aligned);
    // Word 0 = bytes [0x00, 0x00, 0x00, 0x80] little-endian = 2^31: rounds up iff frac > 1/2.
    const le: RandomBytes = (n) => new Uint8Array(n).map((_, i) => (i % 4 === 3 ? 0x80 : 0));
    expect([...quantize(Float64Array.of(0.004, 0.006), plan, { rng: le })]).toEqual([0, 1]);
  });

  it('is deterministic for a deterministic rng', () => {
    const plan = planQuantization({ clip: 2, bits: 20, clients: 3 });
    const x = Float32Array.from({ length: 100 }, (_, i) => Math.cos(i) * 2.5);
    expect(quantize(x, plan, { rng: seeded(3) })).toEqual(quantize(x, plan, { rng: seeded(3) }));
  });
});

describe('the planner never admits a setting that wraps', () => {
  const paramsArb = fc.record(
    {
      clip: fc.oneof(fc.double({ min: 1e-6, max: 1e6, noNaN: true }), fc.constantFrom(1, 0.1, 8)),
      // Biased towards admissible settings; the wide ranges also exercise refusals.
      bits: fc.oneof(fc.integer({ min: 1, max: 32 }), fc.integer({ min: 20, max: 32 })),
      clients: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 2 ** 32 })),
      levels: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 2 ** 20 }), fc.integer({ min: 1, max: 2 ** 32 })),
      scale: fc.oneof(fc.double({ min: 1e-3, max: 10, noNaN: true }), fc.double({ min: 1e-3, max: 1e9, noNaN: true })),
      headroom: fc.integer({ min: 0, max: 1000 }),
      mode: fc.constantFrom('levels', 'scale', 'default'),
    },
    { requiredKeys: ['clip', 'bits', 'clients', 'levels', 'scale', 'mode'] },
  );

  it('max-magnitude inputs from every admitted client sum and decode exactly', () => {
    fc.assert(
      fc.property(paramsArb, (r) => {
        const params = {
          clip: r.clip,
          bits: r.bits,
          clients: r.clients,
          ...(r.headroom === undefined ? {} : { headroom: r.headroom }),
          ...(r.mode === 'levels' ? { levels: r.levels } : r.mode === 'scale' ? { scale: r.scale } : {}),
        };
        let plan: QuantizationPlan;
        try {
          plan = planQuantization(params);
        } catch (error) {
          const e = expectSecAggError(() => {
            throw error;
          });
          expect(['MODULUS_TOO_SMALL', 'OUT_OF_RANGE']).toContain(e.code);
          return;
        }
        const { bits, clients, maxLevel, headroom } = plan;
        const cap = 2n ** BigInt(bits - 1) - 1n;
        expect(BigInt(clients) * BigInt(maxLevel + headroom)).toBeLessThanOrEqual(cap);
        const extremes = Float64Array.of(r.clip, -r.clip, 10 * r.clip, -Number.MAX_VALUE, r.clip * (1 - 1e-12));
        for (const q of [
          quantize(extremes, plan, { rng: constantRng(0) }), // always rounds up (away on +)
          quantize(extremes, plan, { rng: constantRng(255) }), // always rounds down
          quantize(extremes, plan, { rounding: 'nearest' }),
        ]) {
          for (let i = 0; i < q.length; i++) {
            const s = signed(q[i] as number, bits);
            expect(Math.abs(s)).toBeLessThanOrEqual(maxLevel);
            // Every client sends this extreme, plus the reserved headroom in the same direction.
            const perClient = s + Math.sign(s || 1) * headroom;
            const total = BigInt(clients) * BigInt(perClient);
            const m = 2n ** BigInt(bits);
            const residue = Number(((total % m) + m) % m);
            const decoded = dequantizeSum(Uint32Array.of(residue), plan, { count: clients });
            expect(decoded[0]).toBe(Number(total) / plan.scale);
          }
          if (clients <= 50) {
            // Literal modular sum of `clients` copies.
            const sum = sumVectors(Array.from({ length: clients }, () => q), bits);
            const d = dequantizeSum(sum, plan, { count: clients });
            for (let i = 0; i < q.length; i++) {
              expect(d[i]).toBe((clients * signed(q[i] as number, bits)) / plan.scale);
            }
          }
        }
      }),
    );
  });

  it('the default levels is the largest that fits, and one more level is refused', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 32 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 0, max: 100 }),
        (bits, clients, headroom) => {
          const cap = 2 ** (bits - 1) - 1;
          const best = Math.floor(cap / clients) - headroom;
          if (best < 1) {
            expectSecAggError(() => planQuantization({ clip: 1, bits, clients, headroom }), 'MODULUS_TOO_SMALL');
            return;
          }
          const plan = planQuantization({ clip: 1, bits, clients, headroom });
          expect(plan.maxLevel).toBe(best);
          expect(plan.maxAbsSum).toBe(clients * (best + headroom));
          expectSecAggError(
            () => planQuantization({ clip: 1, bits, clients, headroom, levels: best + 1 }),
            'MODULUS_TOO_SMALL',
          );
        },
      ),
    );
  });

  it('refuses with MODULUS_TOO_SMALL at the exact boundary', () => {
    // 2^15 - 1 = 32767 = 7 * 31 * 151.
    expect(planQuantization({ clip: 1, bits: 16, clients: 7, levels: 31 * 151 }).maxAbsSum).toBe(32767);
    expectSecAggError(() => planQuantization({ clip: 1, bits: 16, clients: 7, levels: 31 * 151 + 1 }), 'MODULUS_TOO_SMALL');
    expectSecAggError(() => planQuantization({ clip: 1, bits: 16, clients: 8, levels: 31 * 151 }), 'MODULUS_TOO_SMALL');
    expectSecAggError(() => planQuantization({ clip: 1, bits: 1, clients: 1 }), 'MODULUS_TOO_SMALL');
    expectSecAggError(() => planQuantization({ clip: 1, bits: 32, clients: 1, scale: 1e300 }), 'MODULUS_TOO_SMALL');
    // scale: maxLevel = ceil(clip * scale).
    expect(planQuantization({ clip: 0.5, bits: 8, clients: 1, scale: 3 }).maxLevel).toBe(2);
  });
});

describe('plans', () => {
  const plan = planQuantization({ clip: 1, bits: 16, clients: 4, levels: 100 });

  it('are frozen and survive a JSON round trip', () => {
    expect(Object.isFrozen(plan)).toBe(true);
    const copy = JSON.parse(JSON.stringify(plan)) as QuantizationPlan;
    const x = Float64Array.of(0.5, -0.3);
    expect(quantize(x, copy, { rounding: 'nearest' })).toEqual(quantize(x, plan, { rounding: 'nearest' }));
  });

  it('tampered plans are refused', () => {
    const x = Float64Array.of(0.5);
    const q = (p: unknown): unknown => quantize(x, p as QuantizationPlan);
    expectSecAggError(() => q({ ...plan, maxLevel: 10_000, maxAbsSum: 40_000 }), 'MODULUS_TOO_SMALL');
    expectSecAggError(() => q({ ...plan, clients: 400 }), 'MODULUS_TOO_SMALL');
    expectSecAggError(() => q({ ...plan, maxAbsSum: 1 }), 'OUT_OF_RANGE');
    expectSecAggError(() => q({ ...plan, scale: 1000 }), 'OUT_OF_RANGE');
    expectSecAggError(() => q({ ...plan, maxLevel: 1.5 }), 'OUT_OF_RANGE');
    expectSecAggError(() => q({ ...plan, extra: 1 }), 'UNKNOWN_OPTION');
    expectSecAggError(() => q({ ...plan, kind: 'weighted' }), 'INVALID_TYPE');
    expectSecAggError(() => q({ ...plan, bits: 33 }), 'INVALID_BITS');
  });
});

describe('input checks', () => {
  const plan = planQuantization({ clip: 1, bits: 16, clients: 4, levels: 100 });

  it('NaN and Infinity are refused and out is zero-filled', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      for (const Ctor of [Float32Array, Float64Array]) {
        const out = new Uint32Array(3).fill(9);
        expectSecAggError(() => quantize(Ctor.of(0.5, 0.25, bad), plan, { out }), 'NON_FINITE_VALUE');
        expect([...out]).toEqual([0, 0, 0]);
        expectSecAggError(() => quantize(Ctor.of(bad), plan, { rounding: 'nearest' }), 'NON_FINITE_VALUE');
      }
    }
  });

  it('out: exact length, reused, never overlapping the input', () => {
    const out = new Uint32Array(2);
    expect(quantize(Float64Array.of(0.1, 0.2), plan, { out, rounding: 'nearest' })).toBe(out);
    expect([...out]).toEqual([10, 20]);
    expectSecAggError(() => quantize(Float64Array.of(0.1), plan, { out }), 'LENGTH_MISMATCH');
    const f = new Float32Array(4);
    expectSecAggError(() => quantize(f, plan, { out: new Uint32Array(f.buffer) }), 'OVERLAPPING_BUFFERS');
    const s = Uint32Array.of(10, 20);
    expectSecAggError(
      () => dequantizeSum(s, plan, { count: 1, out: new Float64Array(s.buffer, 0, 1) }),
      'LENGTH_MISMATCH',
    );
    const shared = new ArrayBuffer(32);
    expectSecAggError(
      () => dequantizeSum(new Uint32Array(shared, 0, 2), plan, { count: 1, out: new Float64Array(shared, 0, 2) }),
      'OVERLAPPING_BUFFERS',
    );
    const fout = new Float64Array(2);
    expect(dequantizeSum(s, plan, { count: 1, out: fout })).toBe(fout);
    expect([...fout]).toEqual([0.1, 0.2]);
  });

  it('dequantizeSum refuses sums that no count clients can produce', () => {
    expectSecAggError(() => dequantizeSum(Uint32Array.of(201), plan, { count: 2 }), 'ELEMENT_OUT_OF_RANGE');
    expectSecAggError(() => dequantizeSum(Uint32Array.of(2 ** 16 - 201), plan, { count: 2 }), 'ELEMENT_OUT_OF_RANGE');
    expect([...dequantizeSum(Uint32Array.of(200, 2 ** 16 - 200), plan, { count: 2 })]).toEqual([2, -2]);
    expectSecAggError(() => dequantizeSum(Uint32Array.of(2 ** 16), plan, { count: 2 }), 'ELEMENT_OUT_OF_RANGE');
    expectSecAggError(() => dequantizeSum(Uint32Array.of(0), plan, { count: 5 }), 'OUT_OF_RANGE');
    expectSecAggError(() => dequantizeSum(Uint32Array.of(0), plan, { count: 0 }), 'OUT_OF_RANGE');
  });

  it('headroom is reserved in the plan and accepted by the decoder', () => {
    const p = planQuantization({ clip: 1, bits: 16, clients: 4, levels: 100, headroom: 50 });
    expect(p.maxAbsSum).toBe(600);
    expect([...dequantizeSum(Uint32Array.of(600), p, { count: 4 })]).toEqual([6]);
    expectSecAggError(() => dequantizeSum(Uint32Array.of(601), p, { count: 4 }), 'ELEMENT_OUT_OF_RANGE');
    expectSecAggError(() => planQuantization({ clip: 1, bits: 16, clients: 4, levels: 8000, headroom: 192 }), 'MODULUS_TOO_SMALL');
  });
});

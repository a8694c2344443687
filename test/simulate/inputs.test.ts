/**
 * simulateSession's `inputs` option: the caller's vectors are summed (function or Map), copied
 * once before the session, and checked against the configuration with coded errors.
 */
import { describe, expect, it } from 'vitest';
import { simulateSession } from '../../src/simulate/index.js';
import { expectSecAggError } from '../_hostile.js';
import { seed } from '../protocol/_driver.js';

const N = 6;
const LENGTH = 17;
const BITS = 12;

/** Client id's vector: element i is (id * 100 + i * 37) mod 2^12. */
function vectorOf(id: number): Uint32Array {
  return Uint32Array.from({ length: LENGTH }, (_, i) => (id * 100 + i * 37) % 2 ** BITS);
}

function plainSum(ids: readonly number[]): Uint32Array {
  const out = new Uint32Array(LENGTH);
  for (const id of ids) {
    const x = vectorOf(id);
    for (let i = 0; i < LENGTH; i++) out[i] = ((out[i] as number) + (x[i] as number)) % 2 ** BITS;
  }
  return out;
}

const base = { clients: N, threshold: 3, length: LENGTH, bits: BITS, seed: seed(9) };

describe('simulateSession inputs', () => {
  it('a function of the id: the sum of the survivors given vectors', () => {
    const r = simulateSession({ ...base, inputs: (id) => ({ x: vectorOf(id) }), dropouts: { maskedInputCollection: [2], unmasking: [5] } });
    expect(r.outcome).toBe('completed');
    expect(r.included).toEqual([1, 3, 4, 5, 6]);
    expect(r.sums?.['x']).toEqual(plainSum([1, 3, 4, 5, 6]));
    expect(r.match).toBe(true);
  });

  it('a Map from id to vectors, several vectors', () => {
    const inputs = new Map(
      Array.from({ length: N }, (_, i) => [i + 1, { x: vectorOf(i + 1), n: Uint32Array.of(i + 1) }] as const),
    );
    const r = simulateSession({
      ...base,
      vectors: [{ name: 'x', length: LENGTH, bits: BITS }, { name: 'n', length: 1, bits: 32 }],
      inputs,
      dropouts: { shareKeys: [4] },
    });
    expect(r.included).toEqual([1, 2, 3, 5, 6]);
    expect(r.sums?.['x']).toEqual(plainSum([1, 2, 3, 5, 6]));
    expect(r.sums?.['n']).toEqual(Uint32Array.of(17));
    expect(r.match).toBe(true);
  });

  it('copies every vector when it is read: a reused buffer is each client its own value', () => {
    // Without the copy, every client would hold the last value written (6) and the sum would be 36.
    const shared = new Uint32Array(LENGTH);
    const r = simulateSession({ ...base, inputs: (id) => ({ x: shared.fill(id) }) });
    expect(r.sums?.['x']).toEqual(new Uint32Array(LENGTH).fill(21));
    expect(r.match).toBe(true);
  });

  it('the simulated inputs stay the default: same transcript without the option', () => {
    const a = simulateSession(base);
    const b = simulateSession({ ...base, inputs: undefined });
    expect(a.match).toBe(true);
    expect(b.transcriptHash).toEqual(a.transcriptHash);
  });

  it('refuses bad inputs with coded errors, before any round', () => {
    const ok = (id: number) => ({ x: vectorOf(id) });
    expectSecAggError(() => simulateSession({ ...base, inputs: 'x' as never }), 'INVALID_TYPE');
    expectSecAggError(() => simulateSession({ ...base, inputs: [vectorOf(1)] as never }), 'INVALID_TYPE');
    expectSecAggError(() => simulateSession({ ...base, inputs: { 1: { x: vectorOf(1) } } as never }), 'INVALID_TYPE');
    expectSecAggError(() => simulateSession({ ...base, inputs: (id) => (id === 4 ? (undefined as never) : ok(id)) }), 'INVALID_TYPE');
    expectSecAggError(() => simulateSession({ ...base, inputs: new Map([[1, ok(1)]]) }), 'INVALID_TYPE');
    expectSecAggError(() => simulateSession({ ...base, inputs: new Map([[0, ok(1)]]) }), 'OUT_OF_RANGE');
    expectSecAggError(() => simulateSession({ ...base, inputs: new Map([[N + 1, ok(1)]]) }), 'OUT_OF_RANGE');
    expectSecAggError(() => simulateSession({ ...base, inputs: () => ({ x: new Int32Array(LENGTH) as never }) }), 'INVALID_TYPE');
    expectSecAggError(() => simulateSession({ ...base, inputs: () => ({ y: vectorOf(1) }) }), 'UNKNOWN_OPTION');
    expectSecAggError(() => simulateSession({ ...base, inputs: () => ({}) }), 'INVALID_TYPE');
    expectSecAggError(() => simulateSession({ ...base, inputs: () => ({ x: new Uint32Array(LENGTH + 1) }) }), 'LENGTH_MISMATCH');
    const tooBig = vectorOf(1);
    tooBig[3] = 2 ** BITS;
    const e = expectSecAggError(() => simulateSession({ ...base, inputs: () => ({ x: tooBig }) }), 'ELEMENT_OUT_OF_RANGE');
    expect(e.message).toContain('x[3]');
    // The caller's own error passes through unchanged.
    expect(() => simulateSession({ ...base, inputs: () => { throw new RangeError('mine'); } })).toThrow('mine');
  });

  it('a fake Uint32Array (Proxy) is refused; a subclass with a lying length is read by its storage', () => {
    const proxy = new Proxy(vectorOf(1), {});
    expectSecAggError(() => simulateSession({ ...base, inputs: () => ({ x: proxy }) }), 'INVALID_TYPE');
    class Liar extends Uint32Array {
      override get length(): number {
        return LENGTH;
      }
    }
    const liar = new Liar(LENGTH + 3);
    expectSecAggError(() => simulateSession({ ...base, inputs: () => ({ x: liar }) }), 'LENGTH_MISMATCH');
  });
});

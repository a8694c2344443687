import { expect } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import type { MaskBackend } from '../../src/masking/index.js';

export const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

export function readVectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), 'utf8')) as T;
}

export const BACKENDS: readonly MaskBackend[] = ['native', 'portable'];

/** Fast equality for big Uint32Arrays (vitest's toEqual walks them slowly); names the first difference. */
export function expectSameWords(actual: Uint32Array, expected: Uint32Array): void {
  expect(actual).toBeInstanceOf(Uint32Array);
  expect(actual.length).toBe(expected.length);
  let first = -1;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      first = i;
      break;
    }
  }
  expect(first, `first differing element: ${first}`).toBe(-1);
}

/** Index of the first element not below 2^bits, or -1. */
export function firstOutOfRange(v: Uint32Array, bits: number): number {
  const limit = 2 ** bits;
  for (let i = 0; i < v.length; i++) if ((v[i] as number) >= limit) return i;
  return -1;
}

/**
 * numRuns for an expensive property: `fraction` of the global setting (100 in `npm test`, 1000
 * under `npm run test:slow`), so the slow suite still explores ten times more.
 */
export function runs(fraction: number): number {
  return Math.max(10, Math.round((fc.readConfigureGlobal().numRuns ?? 100) * fraction));
}

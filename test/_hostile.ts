/**
 * Hostile inputs thrown at every public function: each must be rejected with a SecAggError
 * (never a TypeError from deep inside, never an `undefined` crash, never a silent wrong answer).
 */
import { expect } from 'vitest';
import { SecAggError, type ErrorCode } from '../src/errors.js';

const fakeBytes = { length: 32, byteLength: 32, buffer: new ArrayBuffer(32), 0: 1, 1: 2 };
Object.setPrototypeOf(fakeBytes, Uint8Array.prototype);

/** Values that are not byte strings, though some look like one. */
export const notBytes: readonly unknown[] = [
  undefined,
  null,
  0,
  'abcd',
  [1, 2, 3],
  new ArrayBuffer(32),
  new DataView(new ArrayBuffer(32)),
  new Uint16Array(16),
  new Int8Array(32),
  { length: 32 },
  fakeBytes,
  new Proxy({}, { get: () => 1 }),
];

/** Values that are not usable numbers (counts, lengths, thresholds, bits). */
export const notNumbers: readonly unknown[] = [
  undefined,
  null,
  '3',
  3n,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  {},
  [3],
];

/** Numbers that are not non-negative safe integers. */
export const notCounts: readonly unknown[] = [...notNumbers, -1, 1.5, 2 ** 53, -0.5];

/** Asserts that `fn` throws a SecAggError with the given code (or any code when omitted). */
export function expectSecAggError(fn: () => unknown, code?: ErrorCode): SecAggError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a SecAggError to be thrown').toBeInstanceOf(SecAggError);
  if (code !== undefined) expect((thrown as SecAggError).code).toBe(code);
  return thrown as SecAggError;
}

/** Argument checks shared by split, combine and encoding (internal). */
import { assertBytes, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { MAX_X } from './_layout.js';

/** An x-coordinate (participant id): an integer in 1..65535. */
export function checkX(value: unknown, name: string): number {
  if (typeof value !== 'number') {
    throw new SecAggError('INVALID_TYPE', `${name} must be a number, got ${describeType(value)}`);
  }
  if (!Number.isInteger(value) || value < 1 || value > MAX_X) {
    throw new SecAggError(
      'INVALID_SHARE_INDEX',
      `${name} must be an integer in 1..${MAX_X} (x = 0 would be the secret), got ${String(value)}`,
    );
  }
  return value;
}

/** A threshold: an integer in 2..max. */
export function checkThreshold(value: unknown, max: number): number {
  if (typeof value !== 'number') {
    throw new SecAggError('INVALID_TYPE', `threshold must be a number, got ${describeType(value)}`);
  }
  if (!Number.isInteger(value) || value < 2 || value > max) {
    throw new SecAggError(
      'INVALID_THRESHOLD',
      `threshold must be an integer in 2..${max}, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Reads a list of distinct x-coordinates into a fresh array (each element read once).
 * @throws INVALID_TYPE, INVALID_LENGTH (empty), INVALID_SHARE_INDEX, DUPLICATE_SHARE.
 */
export function readXs(value: unknown, name: string): number[] {
  if (!Array.isArray(value)) {
    throw new SecAggError('INVALID_TYPE', `${name} must be an array, got ${describeType(value)}`);
  }
  const length = value.length;
  if (length === 0) throw new SecAggError('INVALID_LENGTH', `${name} must not be empty`);
  if (length > MAX_X) {
    throw new SecAggError('INVALID_LENGTH', `${name} has ${length} entries; at most ${MAX_X} distinct x exist`);
  }
  const xs = new Array<number>(length);
  for (let i = 0; i < length; i++) xs[i] = checkX(value[i] as unknown, `${name}[${i}]`);
  checkDistinct(xs, name);
  return xs;
}

/** @throws DUPLICATE_SHARE when two x-coordinates are equal. */
export function checkDistinct(xs: readonly number[], name: string): void {
  const duplicate = (x: number): never => {
    throw new SecAggError('DUPLICATE_SHARE', `${name}: x = ${x} appears more than once`);
  };
  if (xs.length <= 32) {
    // Small lists (the common case for thresholds of a few): no 64 KiB bitmap per call.
    for (let i = 1; i < xs.length; i++) {
      for (let j = 0; j < i; j++) if (xs[i] === xs[j]) duplicate(xs[i] as number);
    }
    return;
  }
  const seen = new Uint8Array(MAX_X + 1);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    if (seen[x] !== 0) duplicate(x);
    seen[x] = 1;
  }
}

/** Reads one share's fields once. @throws INVALID_TYPE, INVALID_SHARE_INDEX. */
export function readShare(value: unknown, name: string): { x: number; y: Uint8Array } {
  if (value === null || typeof value !== 'object') {
    throw new SecAggError('INVALID_TYPE', `${name} must be a Share object, got ${describeType(value)}`);
  }
  const { x, y } = value as { x?: unknown; y?: unknown };
  return { x: checkX(x, `${name}.x`), y: assertBytes(y, `${name}.y`) };
}

/** The shares argument: a genuine array. */
export function checkArray(value: unknown, name: string): readonly unknown[] {
  if (!Array.isArray(value)) {
    throw new SecAggError('INVALID_TYPE', `${name} must be an array, got ${describeType(value)}`);
  }
  return value as readonly unknown[];
}

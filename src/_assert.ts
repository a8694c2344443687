/**
 * Internal argument checks shared by every module. Each returns its (validated) input so it can
 * be used inline, and names the argument in its message. Messages never echo argument contents:
 * only types, lengths and ranges, so that a secret passed in the wrong place never lands in a log.
 */
import { SecAggError } from './errors.js';

/** A short, secret-free description of a value's type for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' ? name : 'object';
}

/**
 * A genuine Uint8Array (not a DataView, a Buffer subclass is fine), optionally of an exact length.
 * `ArrayBuffer.isView` + tag check rejects objects that only pretend to be typed arrays.
 */
export function assertBytes(value: unknown, name: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array) || !ArrayBuffer.isView(value)) {
    throw new SecAggError('INVALID_TYPE', `${name} must be a Uint8Array, got ${describeType(value)}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new SecAggError(
      'INVALID_LENGTH',
      `${name} must be ${length} bytes long, got ${value.length}`,
    );
  }
  return value;
}

/**
 * A copy of a genuine Uint8Array, made BEFORE any check: the length (optionally exact) is
 * checked on the copy, and the copy is what the caller keeps. `new Uint8Array(view)` reads the
 * view's own bytes and length, never an iterator or a `length` the object defines for itself
 * (which `Uint8Array.from` and a getter would consult), so an object cannot show one value to
 * a check and another to the store.
 */
export function copyBytes(value: unknown, name: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array) || !ArrayBuffer.isView(value)) {
    throw new SecAggError('INVALID_TYPE', `${name} must be a Uint8Array, got ${describeType(value)}`);
  }
  let copy: Uint8Array;
  try {
    copy = new Uint8Array(value);
  } catch {
    throw new SecAggError('INVALID_TYPE', `${name} must be a readable Uint8Array (its buffer is detached)`);
  }
  if (length !== undefined && copy.length !== length) {
    copy.fill(0);
    throw new SecAggError('INVALID_LENGTH', `${name} must be ${length} bytes long, got ${copy.length}`);
  }
  return copy;
}

/** A genuine Uint32Array, optionally of an exact length. */
export function assertUint32Array(value: unknown, name: string, length?: number): Uint32Array {
  if (!(value instanceof Uint32Array) || !ArrayBuffer.isView(value)) {
    throw new SecAggError('INVALID_TYPE', `${name} must be a Uint32Array, got ${describeType(value)}`);
  }
  if (length !== undefined && value.length !== length) {
    throw new SecAggError(
      'LENGTH_MISMATCH',
      `${name} must have ${length} elements, got ${value.length}`,
    );
  }
  return value;
}

/** An integer in [min, max] (inclusive). Rejects NaN, Infinity, non-numbers and fractions. */
export function assertInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number') {
    throw new SecAggError('INVALID_TYPE', `${name} must be a number, got ${describeType(value)}`);
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SecAggError(
      'OUT_OF_RANGE',
      `${name} must be an integer in [${min}, ${max}], got ${String(value)}`,
    );
  }
  return value;
}

/**
 * A finite number in the given range. `open` makes the lower and/or upper bound exclusive,
 * e.g. a sampling rate in (0, 1].
 */
export function assertNumber(
  value: unknown,
  name: string,
  min: number,
  max: number,
  open: { min?: boolean; max?: boolean } = {},
): number {
  if (typeof value !== 'number') {
    throw new SecAggError('INVALID_TYPE', `${name} must be a number, got ${describeType(value)}`);
  }
  const belowMin = open.min === true ? !(value > min) : !(value >= min);
  const aboveMax = open.max === true ? !(value < max) : !(value <= max);
  if (Number.isNaN(value) || belowMin || aboveMax) {
    const lo = open.min === true ? '(' : '[';
    const hi = open.max === true ? ')' : ']';
    throw new SecAggError(
      'OUT_OF_RANGE',
      `${name} must be a number in ${lo}${min}, ${max}${hi}, got ${String(value)}`,
    );
  }
  return value;
}

/** `bits` for vectors mod 2^bits: an integer in 1..32. */
export function assertBits(value: unknown, name = 'bits'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 32) {
    throw new SecAggError(
      'INVALID_BITS',
      `${name} must be an integer in 1..32, got ${typeof value === 'number' ? String(value) : describeType(value)}`,
    );
  }
  return value;
}

/** A plain options object (or undefined), with no keys outside `allowed` (catches typos). */
export function assertOptions<T extends object>(
  value: unknown,
  name: string,
  allowed: readonly string[],
): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new SecAggError('INVALID_TYPE', `${name} must be an object, got ${describeType(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new SecAggError(
        'UNKNOWN_OPTION',
        `${name} has an unknown field "${key}"; allowed: ${allowed.join(', ')}`,
      );
    }
  }
  return value as T;
}

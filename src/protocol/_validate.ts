/**
 * Shape checks for messages from the network (internal). They return booleans / null and never
 * throw on hostile objects; callers wrap them in try/catch anyway (a Proxy's getter may throw).
 */
import type { SessionConfig } from './types.js';

/** %TypedArray%.prototype.length: the real length, whatever `length` an object defines itself. */
const intrinsicLength = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype) as object, 'length')
  ?.get as (this: ArrayBufferView) => number;

/**
 * A genuine typed array whose `length` is its real length: an own or inherited `length` that
 * lies would make later loops read past the end (undefined, then NaN in the sums).
 */
function honestLength(v: ArrayBufferView & { length: number }): number | null {
  const real = intrinsicLength.call(v);
  return v.length === real ? real : null;
}

export function isBytes(v: unknown, length?: number): v is Uint8Array {
  if (!(v instanceof Uint8Array) || !ArrayBuffer.isView(v)) return false;
  const real = honestLength(v);
  return real !== null && (length === undefined || real === length);
}

/**
 * A copy of `v` when it is a genuine Uint8Array (of `length` bytes, checked on the copy); else
 * null. Copy first, then check the copy and keep exactly that: nothing a hostile object does
 * between two reads (a getter, an iterator, another thread writing a shared buffer) can make
 * the bytes kept differ from the bytes checked.
 */
export function copyOf(v: unknown, length?: number): Uint8Array | null {
  if (!(v instanceof Uint8Array) || !ArrayBuffer.isView(v)) return null;
  let copy: Uint8Array;
  try {
    copy = new Uint8Array(v);
  } catch {
    return null; // a detached buffer
  }
  return length === undefined || copy.length === length ? copy : null;
}

/**
 * Copies of the entries of `v`, one block for all (a server keeps hundreds of thousands of
 * them): 'malformed' unless `v` is an array of genuine Uint8Arrays, 'size' when one of them is
 * not `size` bytes long. Lengths are read from the arrays themselves, and each entry is copied
 * with the length that was checked.
 */
export function copyBlock(v: unknown, size: number): Uint8Array[] | 'malformed' | 'size' {
  if (!Array.isArray(v)) return 'malformed';
  const n = v.length;
  const entries = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) {
    const b: unknown = v[i];
    if (!(b instanceof Uint8Array) || !ArrayBuffer.isView(b)) return 'malformed';
    entries[i] = b;
  }
  const block = new Uint8Array(size * n);
  const out = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) {
    const b = entries[i] as Uint8Array;
    if (intrinsicLength.call(b) !== size) return 'size';
    block.set(b, size * i); // no user code runs between the length read and the copy
    out[i] = block.subarray(size * i, size * (i + 1));
  }
  return out;
}

/**
 * {@link copyBlock} for a list this library decoded itself (internal): entries already private,
 * so they are only checked ('malformed' unless an array of Uint8Arrays, 'size' unless each is
 * `size` bytes), and the list is kept as it is.
 */
export function checkBlock(v: unknown, size: number): Uint8Array[] | 'malformed' | 'size' {
  if (!Array.isArray(v)) return 'malformed';
  for (const b of v as unknown[]) {
    if (!(b instanceof Uint8Array)) return 'malformed';
    if (b.length !== size) return 'size';
  }
  return v as Uint8Array[];
}

/**
 * How a received message's `type` reads in an abort reason: the string itself (cut to 40
 * characters), else its `typeof` (which cannot throw, unlike String() or a getter).
 */
export function typeLabel(type: unknown): string {
  return typeof type === 'string' ? type.slice(0, 40) : typeof type;
}

export function isId(v: unknown, n: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= n;
}

/** A copy of `v` when it is an array of `count` byte strings of `length` bytes; else null. */
export function readBytesList(v: unknown, count: number | undefined, length: number | undefined): Uint8Array[] | null {
  if (!Array.isArray(v)) return null;
  if (count !== undefined && v.length !== count) return null;
  const out = new Array<Uint8Array>(v.length);
  for (let i = 0; i < v.length; i++) {
    const b: unknown = v[i];
    if (!isBytes(b, length)) return null;
    out[i] = b;
  }
  return out;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Copies of masked vectors in configuration order, with the right lengths (checked on the
 * copies); else null. The range is checked by the caller, on the copies.
 */
export function copyVectors(v: unknown, config: SessionConfig): Uint32Array[] | null {
  if (!Array.isArray(v) || v.length !== config.vectors.length) return null;
  const out = new Array<Uint32Array>(v.length);
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    const spec = config.vectors[i];
    if (!(x instanceof Uint32Array) || !ArrayBuffer.isView(x) || spec === undefined) return null;
    let copy: Uint32Array;
    try {
      copy = new Uint32Array(x);
    } catch {
      return null;
    }
    if (copy.length !== spec.length) return null;
    out[i] = copy;
  }
  return out;
}

/** True when every element is below 2^bits. */
export function inRange(x: Uint32Array, bits: number): boolean {
  if (bits === 32) return true;
  const limit = 2 ** bits;
  let max = 0;
  for (let i = 0; i < x.length; i++) {
    const e = x[i] as number;
    if (e > max) max = e;
  }
  return max < limit;
}

/** Sorted-list intersection count. */
export function intersectCount(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let i = 0;
  let j = 0;
  let c = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      c++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return c;
}

/** Sorted-list intersection. */
export function intersect(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as number;
    const y = b[j] as number;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

/** Membership bitmap over ids 0..n. */
export function bitmap(ids: readonly number[], n: number): Uint8Array {
  const m = new Uint8Array(n + 1);
  for (const id of ids) m[id] = 1;
  return m;
}

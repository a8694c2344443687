/**
 * Byte-string helpers shared by the areas (internal): a tiny big-endian writer and reader (the
 * reader throws MALFORMED_ENCODING only), concatenation, comparison and copies.
 */
import { SecAggError } from './errors.js';

export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private at = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(Math.max(16, capacity));
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.at++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.at, v);
    this.at += 2;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.at, v);
    this.at += 4;
  }

  /** An IEEE 754 double, big-endian (-0 is written as 0: one encoding per value). */
  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.at, v === 0 ? 0 : v);
    this.at += 8;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  /** Reserves n bytes and returns a view to fill in place. */
  reserve(n: number): Uint8Array {
    this.ensure(n);
    const view = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return view;
  }

  get length(): number {
    return this.at;
  }

  /**
   * The bytes written, in a buffer of their own (the writer is done with: every caller finishes
   * once). A writer sized exactly hands over its buffer; otherwise the bytes are copied out.
   */
  finish(): Uint8Array {
    return this.at === this.buf.length ? this.buf : this.buf.slice(0, this.at);
  }
}

export class ByteReader {
  private at = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number, what: string): void {
    if (this.at + n > this.buf.length) {
      throw new SecAggError('MALFORMED_ENCODING', `message truncated while reading ${what}`);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.at++] as number;
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.at);
    this.at += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.at);
    this.at += 4;
    return v;
  }

  /** An IEEE 754 double, big-endian. */
  f64(what: string): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.at);
    this.at += 8;
    return v;
  }

  /** A copy of the next n bytes. */
  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.buf.slice(this.at, this.at + n);
    this.at += n;
    return out;
  }

  /** A view (no copy) of the next n bytes. */
  view_(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  get remaining(): number {
    return this.buf.length - this.at;
  }

  end(): void {
    if (this.at !== this.buf.length) {
      throw new SecAggError('MALFORMED_ENCODING', `${this.buf.length - this.at} trailing bytes after the message`);
    }
  }
}

/**
 * Copies entries of `size` bytes into one new block and returns views into it: one allocation
 * per list rather than one per entry (a server holds hundreds of thousands of ciphertexts and
 * shares, each a separate buffer for the garbage collector), and memory of its own.
 */
export function copyAsBlock(entries: readonly Uint8Array[], size: number): Uint8Array[] {
  const block = new Uint8Array(size * entries.length);
  entries.forEach((e, i) => block.set(e, size * i));
  return entries.map((_, i) => block.subarray(size * i, size * (i + 1)));
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * The bytes as a string of char codes 0..255: a Map key for byte strings (keys, public keys),
 * cheaper than hex or base64 and one-to-one.
 */
export function bytesKey(b: Uint8Array): string {
  return String.fromCharCode.apply(null, b as unknown as number[]);
}

export function u32be(v: number): Uint8Array {
  // Byte stores, not a DataView: this runs several times per pair of clients, and a DataView
  // allocation costs more than the rest of the call.
  return Uint8Array.of(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

/** Equal length and contents; no early exit on the first difference. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}

const encoder = new TextEncoder();
export function ascii(s: string): Uint8Array {
  return encoder.encode(s);
}

/** True when every byte is zero, without an early exit. */
export function isAllZero(bytes: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < bytes.length; i++) acc |= bytes[i] as number;
  return acc === 0;
}

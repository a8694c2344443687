/**
 * The hot path: stream the keystream of each mask key through a cache-sized chunk and combine it
 * with a Uint32Array (set, add or subtract mod 2^bits), so a mask is never materialised. The
 * combining runs in the WebAssembly SIMD kernels of ./_simd.ts where they load, else in the JS
 * loops below. Elements are `width` = ceil(bits / 8) keystream bytes each (./_spec.ts).
 * Arguments are trusted here (validated in ./index.ts).
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import type { MaskBackend, NativeCrypto } from './_backends.js';
import { nativeCrypto } from './_backends.js';
import { ensureBytes, simdKernels, type Fold, type SimdKernels, type Width } from './_simd.js';
import { BLOCK_BYTES, elementWidth } from './_spec.js';

/** How keystream elements combine with the target: set, add or subtract mod 2^bits. */
export type Op = typeof SET | typeof ADD | typeof SUB;
/** target[i] = mask[i] */
export const SET = 0;
/** target[i] = target[i] + mask[i] mod 2^bits */
export const ADD = 1;
/** target[i] = target[i] - mask[i] mod 2^bits */
export const SUB = 2;

/** One mask in a sum of masks: its key and how it combines with the target. */
export interface StreamTerm {
  readonly key: Uint8Array;
  readonly op: Op;
}

/** Keystream bytes per chunk: 64 KiB stays in L2 and amortises per-call costs. */
export const CHUNK_BYTES = 65_536;
/**
 * Room for one chunk of keystream: a chunk may start up to 63 bytes into its first block, the
 * portable backend rounds its end up to a whole block, and the SIMD loads read up to 12 bytes
 * past the last element.
 */
const KS_BYTES = CHUNK_BYTES + 512; // and whole 4-block groups for the SIMD ChaCha20

/** Elements per chunk: a multiple of 64, so that a chunk's bytes are whole blocks. */
function chunkElements(width: Width): number {
  return Math.floor(CHUNK_BYTES / (BLOCK_BYTES * width)) * BLOCK_BYTES;
}

const LITTLE_ENDIAN = /* @__PURE__ */ new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
const NONCE = /* @__PURE__ */ new Uint8Array(12);

// Shared scratch (JS is single-threaded and nothing here yields). `zeros` is only ever read: it
// is the cipher input, so the output is the bare keystream.
let zeros: Uint8Array | undefined;
let scratch: Uint8Array | undefined;

function zeroChunk(): Uint8Array {
  return (zeros ??= new Uint8Array(KS_BYTES));
}

/**
 * A position in one mask's keystream. `next(count, out)` writes the bytes of the next `count`
 * elements to `out` (a view of at least KS_BYTES) and returns where the first of them starts.
 */
interface Keystream {
  next(count: number, out: Uint8Array): number;
}

/**
 * The SIMD ChaCha20 and where it works: the key is copied to `memory[keyAt..]` when a stream
 * opens, and `next` writes its keystream at `memory[chunkAt..]` (the `out` it is given).
 */
interface SimdChacha {
  readonly chacha20: NonNullable<SimdKernels['chacha20']>;
  readonly memory: Uint8Array;
  readonly keyAt: number;
  readonly chunkAt: number;
}

function openKeystream(backend: MaskBackend, key: Uint8Array, firstElement: number, width: Width, simd: SimdChacha | null): Keystream {
  let position = width * firstElement; // byte offset in the stream
  if (backend === 'native') {
    // One cipher object streams on; it starts at the block holding `position` (RFC 8439 state
    // words 12..15 = counter || nonce: OpenSSL takes them as one 16-byte IV).
    const block = Math.floor(position / BLOCK_BYTES);
    let skip = position - block * BLOCK_BYTES;
    const cipher = (nativeCrypto() as NativeCrypto).createCipheriv('chacha20', key, counterIv(block));
    const zero = zeroChunk();
    return {
      next(count, out) {
        const at = skip;
        out.set(cipher.update(zero.subarray(0, skip + width * count)));
        skip = 0;
        return at;
      },
    };
  }
  // Portable: whole blocks around the bytes, from a block counter, on each call; by the SIMD
  // ChaCha20 of ./_simd.ts (four blocks at a time, ~5x @noble/ciphers) where it runs, else by
  // @noble/ciphers.
  if (simd !== null) simd.memory.set(key, simd.keyAt);
  return {
    next(count, out) {
      const block = Math.floor(position / BLOCK_BYTES);
      const start = block * BLOCK_BYTES;
      const end = Math.ceil((position + width * count) / BLOCK_BYTES) * BLOCK_BYTES;
      if (simd !== null) simd.chacha20(simd.keyAt, block | 0, simd.chunkAt, Math.ceil((end - start) / (4 * BLOCK_BYTES)));
      else chacha20(key, NONCE, zeroChunk().subarray(0, end - start), out.subarray(0, end - start), block);
      const at = position - start;
      position += width * count;
      return at;
    },
  };
}

/** RFC 8439 state words 12..15 = counter || nonce, as OpenSSL's 16-byte IV. */
function counterIv(block: number): Uint8Array {
  const iv = new Uint8Array(16);
  iv[0] = block & 0xff;
  iv[1] = (block >>> 8) & 0xff;
  iv[2] = (block >>> 16) & 0xff;
  iv[3] = (block >>> 24) & 0xff;
  return iv;
}

/**
 * Combines mask elements [offset, offset + target.length) of the stream under `key` into
 * `target`, mod 2^bits.
 */
export function streamInto(
  target: Uint32Array,
  key: Uint8Array,
  offset: number,
  bits: number,
  op: Op,
  backend: MaskBackend,
): void {
  streamTermsInto(target, [{ key, op }], offset, bits, backend);
}

/**
 * Combines several masks into `target`, in order, each over elements [offset, offset +
 * target.length) of its own stream. With the SIMD kernels the target is processed in spans that
 * stay in cache while every term's keystream is folded into them; without, term by term.
 */
export function streamTermsInto(
  target: Uint32Array,
  terms: readonly StreamTerm[],
  offset: number,
  bits: number,
  backend: MaskBackend,
): void {
  if (target.length === 0 || terms.length === 0) return;
  const width = elementWidth(bits);
  const mask = (2 ** bits - 1) | 0; // -1 for 32 bits: the Uint32Array store wraps mod 2^32
  const kernels = simdKernels();
  if (kernels !== null) streamSimd(kernels, target, terms, offset, width, mask, backend);
  else for (const term of terms) streamJs(target, term, offset, width, mask, backend);
}

/** Elements of the target held in WebAssembly memory at a time (1 MiB: stays in L2). */
export const SPAN_WORDS = 262_144;
// Layout of the kernels' memory: the key of the SIMD ChaCha20, the keystream chunk, the target
// span.
const KEY_AT = 0;
const KS_AT = 64;
const SPAN_AT = KS_AT + KS_BYTES;

const FOLD_KIND = ['set', 'add', 'sub'] as const;

function streamSimd(
  k: SimdKernels,
  target: Uint32Array,
  terms: readonly StreamTerm[],
  offset: number,
  width: Width,
  mask: number,
  backend: MaskBackend,
): void {
  const n = target.length;
  const spanWords = Math.min(n, SPAN_WORDS);
  const buffer = ensureBytes(k, SPAN_AT + 4 * spanWords);
  const memory = new Uint8Array(buffer);
  const ks = memory.subarray(KS_AT, KS_AT + KS_BYTES);
  const chacha: SimdChacha | null =
    k.chacha20 === null ? null : { chacha20: k.chacha20, memory, keyAt: KEY_AT, chunkAt: KS_AT };
  const perChunk = chunkElements(width);
  const folds = terms.map(({ op }) => k.fold[FOLD_KIND[op]][width - 1] as Fold);
  const overwrites = (terms[0] as StreamTerm).op === SET;
  let ksUsed = 0;
  try {
    for (let start = 0; start < n; start += spanWords) {
      const length = Math.min(spanWords, n - start);
      const span = new Uint32Array(buffer, SPAN_AT, length);
      if (!overwrites) span.set(target.subarray(start, start + length));
      for (let j = 0; j < terms.length; j++) {
        const stream = openKeystream(backend, (terms[j] as StreamTerm).key, offset + start, width, chacha);
        const fold = folds[j] as Fold;
        for (let done = 0; done < length; ) {
          const count = Math.min(perChunk, length - done);
          const at = stream.next(count, ks);
          ksUsed = Math.max(ksUsed, at + width * count + 8 * BLOCK_BYTES); // with whole 4-block groups
          fold(SPAN_AT + 4 * done, KS_AT + at, count);
          done += count;
        }
      }
      if (mask !== -1) k.reduce(SPAN_AT, length, mask);
      target.set(span, start);
    }
  } finally {
    // Neither keystream nor the (secret) target may linger in module memory.
    memory.fill(0, KEY_AT, KEY_AT + 32);
    ks.fill(0, 0, Math.min(ksUsed, KS_BYTES));
    memory.fill(0, SPAN_AT, SPAN_AT + 4 * spanWords);
  }
}

/** The same without WebAssembly: keystream into an aligned scratch chunk, JS loops. */
function streamJs(target: Uint32Array, term: StreamTerm, offset: number, width: Width, mask: number, backend: MaskBackend): void {
  const buf = (scratch ??= new Uint8Array(KS_BYTES));
  const words = new Uint32Array(buf.buffer, 0, buf.length >>> 2);
  const stream = openKeystream(backend, term.key, offset, width, null);
  const perChunk = chunkElements(width);
  const n = target.length;
  try {
    for (let done = 0; done < n; ) {
      const count = Math.min(perChunk, n - done);
      const at = stream.next(count, buf);
      if (width === 4) {
        // `at` is a multiple of 4 here: whole words.
        const from = at >>> 2;
        if (!LITTLE_ENDIAN) byteSwap32(words, from, count);
        combineWords(term.op, target, done, words, from, count, mask);
      } else {
        combineBytes(term.op, target, done, buf, at, count, width, mask);
      }
      done += count;
    }
  } finally {
    buf.fill(0); // do not leave mask keystream in module memory
  }
}

/** Reverses the bytes of words[from, from + count) (big-endian hosts only). */
export function byteSwap32(words: Uint32Array, from: number, count: number): void {
  for (let i = from, end = from + count; i < end; i++) {
    const w = words[i] as number;
    words[i] = ((w & 0xff) << 24) | ((w & 0xff00) << 8) | ((w >>> 8) & 0xff00) | (w >>> 24);
  }
}

/** target[at + i] (op)= ks[from + i] & mask for i < count (4-byte elements). */
function combineWords(op: Op, t: Uint32Array, at: number, ks: Uint32Array, from: number, count: number, mask: number): void {
  // One small monomorphic loop per operation (the form V8 optimises best, measured).
  if (op === ADD) for (let i = 0; i < count; i++) t[at + i] = ((t[at + i] as number) + (ks[from + i] as number)) & mask;
  else if (op === SUB) for (let i = 0; i < count; i++) t[at + i] = ((t[at + i] as number) - (ks[from + i] as number)) & mask;
  else for (let i = 0; i < count; i++) t[at + i] = (ks[from + i] as number) & mask;
}

/** The same for 1- to 3-byte elements, read little-endian from bytes at `p`. */
function combineBytes(op: Op, t: Uint32Array, at: number, ks: Uint8Array, p: number, count: number, width: number, mask: number): void {
  for (let i = 0; i < count; i++, p += width) {
    let v = ks[p] as number;
    if (width > 1) v |= (ks[p + 1] as number) << 8;
    if (width > 2) v |= (ks[p + 2] as number) << 16;
    const x = t[at + i] as number;
    t[at + i] = (op === ADD ? x + v : op === SUB ? x - v : v) & mask;
  }
}

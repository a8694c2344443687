/**
 * The hot path: stream the keystream of each mask key through a cache-sized chunk and combine it
 * with a Uint32Array (set, add or subtract mod 2^bits), so a mask is never materialised. The
 * combining runs in the WebAssembly SIMD kernels of ./_simd.ts where they load, else in the JS
 * loops below. Arguments are trusted here (validated in ./index.ts).
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import type { MaskBackend, NativeCrypto } from './_backends.js';
import { nativeCrypto } from './_backends.js';
import { ensureBytes, simdKernels, type SimdKernels } from './_simd.js';
import { BLOCK_WORDS } from './_spec.js';

/** How keystream elements combine with the target: set, add or subtract mod 2^bits. */
export type Op = typeof SET | typeof ADD | typeof SUB;
/** target[i] = mask[i] */
export const SET = 0;
/** target[i] = target[i] + mask[i] mod 2^bits */
export const ADD = 1;
/** target[i] = target[i] - mask[i] mod 2^bits */
export const SUB = 2;

/** Keystream bytes per chunk: 64 KiB stays in L2 and amortises per-call costs. */
export const CHUNK_BYTES = 65_536;
const CHUNK_WORDS = CHUNK_BYTES / 4;

const LITTLE_ENDIAN = /* @__PURE__ */ new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
const NONCE = /* @__PURE__ */ new Uint8Array(12);

// Shared scratch (JS is single-threaded and nothing here yields). `zeros` is only ever read: it
// is the cipher input, so the output is the bare keystream.
let zeros: Uint8Array | undefined;
let scratch: Uint8Array | undefined;
let scratch32: Uint32Array | undefined;

function zeroChunk(): Uint8Array {
  return (zeros ??= new Uint8Array(CHUNK_BYTES));
}

/** One mask in a sum of masks: its key and how it combines with the target. */
export interface StreamTerm {
  readonly key: Uint8Array;
  readonly op: Op;
}

/**
 * Combines mask elements [offset, offset + target.length) of the stream under `key` into
 * `target`. `mask` is 2^bits - 1 as an int32 (-1 for 32 bits).
 */
export function streamInto(
  target: Uint32Array,
  key: Uint8Array,
  offset: number,
  mask: number,
  op: Op,
  backend: MaskBackend,
): void {
  streamTermsInto(target, [{ key, op }], offset, mask, backend);
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
  mask: number,
  backend: MaskBackend,
): void {
  if (target.length === 0 || terms.length === 0) return;
  const kernels = simdKernels();
  if (kernels !== null) {
    streamSimd(kernels, target, terms, offset, mask, backend);
    return;
  }
  for (const { key, op } of terms) {
    const firstBlock = Math.floor(offset / BLOCK_WORDS);
    const skip = offset - firstBlock * BLOCK_WORDS;
    if (backend === 'native') streamNative(nativeCrypto() as NativeCrypto, target, key, firstBlock, skip, mask, op);
    else streamPortable(target, key, firstBlock, skip, mask, op);
  }
}

/** Elements of the target held in WebAssembly memory at a time (1 MiB: stays in L2). */
export const SPAN_WORDS = 262_144;
// Layout of the kernels' memory: keystream chunk, then the target span (each with the slack
// of one 64-byte block for a first chunk that starts mid-block).
const KS_AT = 0;
const SPAN_AT = CHUNK_BYTES + 64;

function streamSimd(
  k: SimdKernels,
  target: Uint32Array,
  terms: readonly StreamTerm[],
  offset: number,
  mask: number,
  backend: MaskBackend,
): void {
  const n = target.length;
  const spanWords = Math.min(n, SPAN_WORDS);
  const buffer = ensureBytes(k, SPAN_AT + 4 * spanWords);
  const memory = new Uint8Array(buffer);
  const native = backend === 'native' ? (nativeCrypto() as NativeCrypto) : null;
  const zero = zeroChunk();
  const folds = terms.map(({ op }) => (op === ADD ? k.add : op === SUB ? k.sub : k.set));
  const overwrites = (terms[0] as StreamTerm).op === SET;
  let ksUsed = 0;
  try {
    for (let start = 0; start < n; start += spanWords) {
      const length = Math.min(spanWords, n - start);
      const span = new Uint32Array(buffer, SPAN_AT, length);
      if (!overwrites) span.set(target.subarray(start, start + length));
      for (let j = 0; j < terms.length; j++) {
        const key = (terms[j] as StreamTerm).key;
        const fold = folds[j] as SimdKernels['add'];
        const at = offset + start;
        let block = Math.floor(at / BLOCK_WORDS);
        let skip = at - block * BLOCK_WORDS;
        const cipher = native === null ? null : native.createCipheriv('chacha20', key, counterIv(block));
        for (let done = 0; done < length; ) {
          const count = Math.min(CHUNK_WORDS - skip, length - done);
          const bytes = (skip + count) * 4;
          const input = bytes === CHUNK_BYTES ? zero : zero.subarray(0, bytes);
          if (cipher !== null) memory.set(cipher.update(input), KS_AT);
          else chacha20(key, NONCE, input, memory.subarray(KS_AT, KS_AT + bytes), block);
          if (bytes > ksUsed) ksUsed = bytes;
          fold(SPAN_AT + 4 * done, KS_AT + 4 * skip, count, mask);
          done += count;
          block += CHUNK_WORDS / BLOCK_WORDS;
          skip = 0;
        }
      }
      target.set(span, start);
    }
  } finally {
    // Neither keystream nor the (secret) target may linger in module memory.
    memory.fill(0, KS_AT, KS_AT + ksUsed);
    memory.fill(0, SPAN_AT, SPAN_AT + 4 * spanWords);
  }
}

/** RFC 8439 state words 12..15 = counter || nonce: OpenSSL takes them as one 16-byte IV. */
function counterIv(block: number): Uint8Array {
  const iv = new Uint8Array(16);
  iv[0] = block & 0xff;
  iv[1] = (block >>> 8) & 0xff;
  iv[2] = (block >>> 16) & 0xff;
  iv[3] = (block >>> 24) & 0xff;
  return iv;
}

function streamPortable(
  target: Uint32Array,
  key: Uint8Array,
  block: number,
  skip: number,
  mask: number,
  op: Op,
): void {
  const zero = zeroChunk();
  const buf = (scratch ??= new Uint8Array(CHUNK_BYTES));
  const words = (scratch32 ??= new Uint32Array(buf.buffer));
  const n = target.length;
  let done = 0;
  try {
    while (done < n) {
      const count = Math.min(CHUNK_WORDS - skip, n - done);
      const bytes = (skip + count) * 4;
      if (bytes === CHUNK_BYTES) chacha20(key, NONCE, zero, buf, block);
      else chacha20(key, NONCE, zero.subarray(0, bytes), buf.subarray(0, bytes), block);
      const ks = skip === 0 ? words : words.subarray(skip, skip + count);
      if (!LITTLE_ENDIAN) byteSwap32(ks, 0, count);
      combine(op, target, done, ks, count, mask);
      done += count;
      block += CHUNK_WORDS / BLOCK_WORDS;
      skip = 0;
    }
  } finally {
    buf.fill(0); // do not leave mask keystream in module memory
  }
}

function streamNative(
  native: NativeCrypto,
  target: Uint32Array,
  key: Uint8Array,
  block: number,
  skip: number,
  mask: number,
  op: Op,
): void {
  const cipher = native.createCipheriv('chacha20', key, counterIv(block));
  const zero = zeroChunk();
  const n = target.length;
  let done = 0;
  let copied = false;
  try {
    while (done < n) {
      const count = Math.min(CHUNK_WORDS - skip, n - done);
      const bytes = (skip + count) * 4;
      // update() returns a fresh buffer; reading it in place beats copying into a reused one.
      let out = cipher.update(bytes === CHUNK_BYTES ? zero : zero.subarray(0, bytes));
      if ((out.byteOffset & 3) !== 0) {
        out = copyAligned(out);
        copied = true;
      }
      const words = new Uint32Array(out.buffer, out.byteOffset + skip * 4, count);
      if (!LITTLE_ENDIAN) byteSwap32(words, 0, count);
      combine(op, target, done, words, count, mask);
      done += count;
      skip = 0;
    }
  } finally {
    if (copied) scratch?.fill(0);
  }
}

/** Copies an unaligned native output chunk into the (4-byte aligned) scratch buffer. */
function copyAligned(bytes: Uint8Array): Uint8Array {
  const buf = (scratch ??= new Uint8Array(CHUNK_BYTES));
  buf.set(bytes);
  return buf.subarray(0, bytes.length);
}

/** Reverses the bytes of words[from, from + count) (big-endian hosts only). */
export function byteSwap32(words: Uint32Array, from: number, count: number): void {
  for (let i = from, end = from + count; i < end; i++) {
    const w = words[i] as number;
    words[i] = ((w & 0xff) << 24) | ((w & 0xff00) << 8) | ((w >>> 8) & 0xff00) | (w >>> 24);
  }
}

/** target[at + i] (op)= ks[i] & mask for i < count. */
function combine(op: Op, target: Uint32Array, at: number, ks: Uint32Array, count: number, mask: number): void {
  if (op === ADD) addChunk(target, at, ks, count, mask);
  else if (op === SUB) subChunk(target, at, ks, count, mask);
  else setChunk(target, at, ks, count, mask);
}

// One small monomorphic loop per operation, the keystream indexed from 0 (the form V8 optimises
// best, measured). `& mask` reduces mod 2^bits; for 32 bits mask is -1 and the Uint32Array store
// wraps mod 2^32.
function addChunk(t: Uint32Array, at: number, ks: Uint32Array, count: number, mask: number): void {
  for (let i = 0; i < count; i++) t[at + i] = ((t[at + i] as number) + (ks[i] as number)) & mask;
}

function subChunk(t: Uint32Array, at: number, ks: Uint32Array, count: number, mask: number): void {
  for (let i = 0; i < count; i++) t[at + i] = ((t[at + i] as number) - (ks[i] as number)) & mask;
}

function setChunk(t: Uint32Array, at: number, ks: Uint32Array, count: number, mask: number): void {
  for (let i = 0; i < count; i++) t[at + i] = (ks[i] as number) & mask;
}

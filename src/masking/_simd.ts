/**
 * WebAssembly SIMD kernels that fold mask elements into an accumulator: add, subtract or set,
 * then reduce mod 2^bits, four 32-bit lanes per instruction. V8 runs the equivalent JS element
 * loop at ~1.1 ns per element on our 2-core EPYC; this kernel, including the copy of the
 * keystream into WebAssembly memory, at ~0.2 ns (bench/masking.ts). Internal to secagg.
 *
 * The kernels are written in WebAssembly text, by hand and commented, in ./wasm/folds.wat (the
 * folds and `reduce`) and ./wasm/chacha20.wat (ChaCha20, RFC 8439, four blocks at a time, for
 * the portable backend's keystream: ~5x @noble/ciphers here, and still 2x slower than
 * node:crypto's OpenSSL, which keeps the native backend). Those files are the source of truth
 * and say what each function computes; `npm run build:wasm` assembles them (wabt, a dev
 * dependency) into ./_simd-module.ts, whose bytes this file loads, and CI checks that the
 * committed bytes are their assembly. Each module is under the 4 KB that browsers compile
 * synchronously on a page's main thread.
 *
 * In short: a mask element takes `width` = ceil(bits / 8) keystream bytes (little-endian; see
 * ./_spec.ts); `fold[kind][width - 1](acc, ks, count)` combines `count` of them into the 32-bit
 * words at `acc`, mod 2^32, leaving bytes beyond an element's width above bit 8 * width >= bits,
 * where carries and borrows cannot reach the low bits; one `reduce(acc, count, 2^bits - 1)`
 * after the last fold removes them (mod 2^bits divides mod 2^32), so a sum of many masks is
 * reduced once, not once per mask. Loads read up to 12 bytes past the last element: callers
 * leave that much room. WebAssembly memory is little-endian, the order of the keystream's
 * elements, so the kernels are only used on little-endian hosts, where JS typed arrays share
 * that order.
 *
 * Unavailable (null) where WebAssembly or its SIMD proposal is missing (or `atob`, which decodes
 * the bytes), where a content policy forbids compiling it, or if the self-test against a scalar loop fails; callers then use their
 * JS loops (and noble's keystream when only the ChaCha20 module fails, or fails its self-test
 * against noble on load).
 */

import { chacha20 } from '@noble/ciphers/chacha.js';
import { CHACHA20_WASM, FOLDS_WASM } from './_simd-module.js';

/** Which fold: acc = acc + ks, acc = acc - ks, acc = ks (mod 2^32, before `reduce`). */
export type FoldKind = 'add' | 'sub' | 'set';

/**
 * A fold over `count` elements at byte pointers `acc` and `ks` of the module's memory, mod 2^32
 * (the caller reduces mod 2^bits afterwards).
 */
export type Fold = (acc: number, ks: number, count: number) => void;

/** acc[i] &= mask for the `count` 32-bit words at byte pointer `acc`. */
export type Reduce = (acc: number, count: number, mask: number) => void;

/** Keystream bytes per element, 1..4. */
export type Width = 1 | 2 | 3 | 4;

/** The instantiated kernels and their memory. */
export interface SimdKernels {
  /** `fold[kind][width - 1]`. */
  readonly fold: Readonly<Record<FoldKind, readonly [Fold, Fold, Fold, Fold]>>;
  /** Reduces folded words mod 2^bits. */
  readonly reduce: Reduce;
  /**
   * ChaCha20 keystream (RFC 8439 §2.3, all-zero nonce): `groups` x 4 blocks, block counters
   * `counter`, `counter + 1`, ... (mod 2^32), under the 32-byte key at `key`, written from
   * `out`. Byte pointers into the module's memory. Null where its module could not load.
   */
  readonly chacha20: ((key: number, counter: number, out: number, groups: number) => void) | null;
  /** The module's memory (64 KiB pages); views must be re-made after {@link ensureBytes}. */
  readonly memory: WebAssembly.Memory;
}

const KINDS: readonly FoldKind[] = ['add', 'sub', 'set'];
const WIDTHS: readonly Width[] = [1, 2, 3, 4];

/** The export of the fold `kind` at `width` (folds.wat: add1..add4, sub1..sub4, set1..set4). */
const exportName = (kind: FoldKind, width: Width): string => `${kind}${width}`;

/** Bytes of a base64 string (atob: in every browser, worker, Node >= 16, Deno and Bun). */
function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The folds' module (./wasm/folds.wat): a function (i32 i32 i32) -> () per kind and width,
 * `reduce`, and its memory.
 */
export function moduleBytes(): Uint8Array<ArrayBuffer> {
  return fromBase64(FOLDS_WASM);
}

/**
 * The ChaCha20 module (./wasm/chacha20.wat): `chacha20` (i32 i32 i32 i32) -> (), on the folds'
 * memory (imported as m.memory). A module of its own so that each stays under the 4 KB a
 * browser's main thread may compile synchronously, and the folds load even where this one does
 * not.
 */
export function chachaModuleBytes(): Uint8Array<ArrayBuffer> {
  return fromBase64(CHACHA20_WASM);
}

// ---- instantiation, memory management, self-test ----

const PAGE = 65_536;
let loaded: SimdKernels | null | undefined;

function littleEndian(): boolean {
  return new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
}

function instantiate(): SimdKernels | null {
  const wasm = (globalThis as { WebAssembly?: typeof WebAssembly }).WebAssembly;
  if (wasm === undefined || !littleEndian()) return null;
  const bytes = moduleBytes();
  if (!wasm.validate(bytes)) return null; // no SIMD in this engine
  const exports = new wasm.Instance(new wasm.Module(bytes)).exports as Record<string, unknown>;
  const pick = (kind: FoldKind): [Fold, Fold, Fold, Fold] =>
    WIDTHS.map((w) => exports[exportName(kind, w)] as Fold) as [Fold, Fold, Fold, Fold];
  const memory = exports['memory'] as WebAssembly.Memory;
  const folds: SimdKernels = {
    fold: { add: pick('add'), sub: pick('sub'), set: pick('set') },
    reduce: exports['reduce'] as Reduce,
    chacha20: null,
    memory,
  };
  if (!selfTest(folds)) return null;
  let chacha: SimdKernels['chacha20'] = null;
  try {
    const instance = new wasm.Instance(new wasm.Module(chachaModuleBytes()), { m: { memory } });
    chacha = instance.exports['chacha20'] as NonNullable<SimdKernels['chacha20']>;
  } catch {
    chacha = null; // the folds still serve; the portable keystream comes from @noble/ciphers
  }
  const kernels: SimdKernels = { ...folds, chacha20: chacha };
  return chacha === null || chachaSelfTest(kernels) ? kernels : folds;
}

/**
 * Every fold at every width, each followed by `reduce`, at a length that runs both loops of
 * each, against a scalar loop.
 */
function selfTest(k: SimdKernels): boolean {
  const n = 37;
  const mem = new Uint8Array(k.memory.buffer, 0, 4 * n + 4 * n + 16);
  const acc = new Uint32Array(k.memory.buffer, 0, n);
  for (const kind of KINDS) {
    for (const width of WIDTHS) {
      const mask = 2 ** (8 * width - 3) - 1; // bits = 8 * width - 3, in the range of this width
      for (let i = 0; i < mem.length; i++) mem[i] = (Math.imul(i + 1, 0x9e37_79b9) >>> 24) ^ kind.length;
      const want = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        let v = 0;
        for (let j = 0; j < width; j++) v += (mem[4 * n + width * i + j] as number) * 2 ** (8 * j);
        const a = acc[i] as number;
        want[i] = (kind === 'add' ? a + v : kind === 'sub' ? a - v : v) & mask;
      }
      (k.fold[kind][width - 1] as Fold)(0, 4 * n, n);
      k.reduce(0, n, mask);
      for (let i = 0; i < n; i++) if (acc[i] !== want[i]) return false;
    }
  }
  mem.fill(0);
  return true;
}

/**
 * ChaCha20 against @noble/ciphers: 8 blocks under a patterned key, starting 6 blocks below the
 * counter's wrap (so every lane position and a carry into the next group are exercised).
 */
function chachaSelfTest(k: SimdKernels): boolean {
  if (k.chacha20 === null) return false;
  const mem = new Uint8Array(k.memory.buffer, 0, 32 + 512);
  for (let i = 0; i < 32; i++) mem[i] = (7 * i + 3) & 0xff;
  const key = mem.slice(0, 32);
  const counter = 2 ** 32 - 9;
  k.chacha20(0, counter | 0, 32, 2);
  const want = chacha20(key, new Uint8Array(12), new Uint8Array(512), undefined, counter);
  let same = true;
  for (let i = 0; i < 512; i++) if (mem[32 + i] !== want[i]) same = false;
  mem.fill(0);
  key.fill(0);
  return same;
}

/** The kernels, or null where they cannot run. Instantiated once, on first use. */
export function simdKernels(): SimdKernels | null {
  if (loaded === undefined) {
    try {
      loaded = instantiate();
    } catch {
      loaded = null; // e.g. a content security policy without 'wasm-unsafe-eval'
    }
  }
  return loaded;
}

/**
 * Tests only: force the JS loops (null), the folds with @noble/ciphers' keystream
 * ('without-chacha20', as where the ChaCha20 module cannot load) or detect again (undefined).
 */
export function _setSimdKernelsForTests(value: null | undefined | 'without-chacha20'): void {
  if (value === 'without-chacha20') {
    const k = instantiate();
    loaded = k === null ? null : { ...k, chacha20: null };
  } else {
    loaded = value;
  }
}

/** Grows the kernels' memory to at least `bytes`; returns its (possibly new) buffer. */
export function ensureBytes(k: SimdKernels, bytes: number): ArrayBuffer {
  const have = k.memory.buffer.byteLength;
  if (have < bytes) k.memory.grow(Math.ceil((bytes - have) / PAGE));
  return k.memory.buffer;
}

/**
 * WebAssembly SIMD kernels that fold mask elements into an accumulator: add, subtract or set,
 * then reduce mod 2^bits, four 32-bit lanes per instruction. V8 runs the equivalent JS element
 * loop at ~1.1 ns per element on our 2-core EPYC; this kernel, including the copy of the
 * keystream into WebAssembly memory, at ~0.2 ns (bench/masking.ts). Internal to secagg.
 *
 * A mask element takes `width` = ceil(bits / 8) keystream bytes (little-endian; see
 * ./_spec.ts). The folds' module (3 KB) is assembled below from its opcodes, so there is no
 * binary blob to trust: for each operation and width 1..4 it has a function
 *
 *   fold(acc, ks, count):   // byte pointers into the module's memory, count in elements
 *     while count >= 16: 4 x { v = v128.load(ks + 4 * width * lane); if width < 4, shuffle
 *                              bytes [k*width, k*width + 4) into lane k (i8x16.swizzle);
 *                              acc = acc OP v }; ks += 16 * width, acc += 64
 *     while count > 0:   acc[i] = acc[i] OP i32.load(ks); ks += width, acc += 4
 *
 * with OP = i32 add (`add`), sub (`sub`), or `acc = v` (`set`), all mod 2^32, and one more,
 * `reduce(acc, count, mask)`: acc[i] &= mask. Folds leave bytes beyond an element's `width`
 * above bit 8 * width >= bits, where the carries and borrows of later folds cannot reach the
 * low bits; one `reduce` after the last fold removes them (mod 2^bits divides mod 2^32), so
 * a sum of many masks is reduced once, not once per mask. Loads read up to 12 bytes past the
 * last element: callers leave that much room. WebAssembly memory is little-endian, the order
 * of the keystream's elements, so the kernels are only used on little-endian hosts, where JS
 * typed arrays share that order.
 *
 * A second module (2.5 KB, on the same memory) is ChaCha20 (RFC 8439) four blocks at a time,
 * for the portable backend's keystream: ~5x @noble/ciphers here, and still 2x slower than
 * node:crypto's OpenSSL, which keeps the native backend. It is checked against noble on load.
 *
 * Unavailable (null) where WebAssembly or its SIMD proposal is missing, where a content policy
 * forbids compiling it, or if the self-test against a scalar loop fails; callers then use their
 * JS loops (and noble's keystream when only the ChaCha20 module fails). Each module is under the
 * 4 KB that browsers compile synchronously on a page's main thread.
 */

import { chacha20 } from '@noble/ciphers/chacha.js';

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

// ---- a minimal assembler: just the encodings this module needs (WebAssembly core spec §5) ----

function leb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 for i32.const (only small non-negative constants are used here). */
function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

function name(text: string): number[] {
  const bytes = Array.from(text, (c) => c.charCodeAt(0));
  return [...leb(bytes.length), ...bytes];
}

function vec(items: number[][]): number[] {
  return [...leb(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...leb(body.length), ...body];
}

const I32 = 0x7f;
const V128 = 0x7b;
const localGet = (i: number): number[] => [0x20, i];
const localSet = (i: number): number[] => [0x21, i];
const i32Const = (n: number): number[] => [0x41, ...sleb(n)];
const I32_ADD = [0x6a];
const I32_SUB = [0x6b];
const I32_AND = [0x71];
const I32_LT_U = [0x49];
const I32_EQZ = [0x45];
const i32Load = [0x28, 2, 0]; // align 2^2, offset 0
const i32Store = [0x36, 2, 0];
const v128Load = (offset: number): number[] => [0xfd, 0x00, 4, ...leb(offset)]; // align 2^4
const v128Store = (offset: number): number[] => [0xfd, 0x0b, 4, ...leb(offset)];
const I32X4_SPLAT = [0xfd, 0x11];
const V128_AND = [0xfd, 0x4e];
const I32X4_ADD = [0xfd, ...leb(0xae)];
const I32X4_SUB = [0xfd, ...leb(0xb1)];
const I8X16_SWIZZLE = [0xfd, 0x0e];
const V128_XOR = [0xfd, 0x51];
const V128_OR = [0xfd, 0x50];
const I32X4_SHL = [0xfd, ...leb(0xab)];
const I32X4_SHR_U = [0xfd, ...leb(0xad)];
const i8x16Shuffle = (lanes: readonly number[]): number[] => [0xfd, 0x0d, ...lanes];
const localTee = (i: number): number[] => [0x22, i];
const v128Const = (bytes: readonly number[]): number[] => [0xfd, 0x0c, ...bytes];
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = [0x0b];
const brIf = (depth: number): number[] => [0x0d, depth];
const br = (depth: number): number[] => [0x0c, depth];

// Fold parameters: 0 acc pointer, 1 keystream pointer, 2 count (elements).
const ACC = 0;
const KS = 1;
const COUNT = 2;

const advance = (local: number, by: number, op: number[]): number[] => [
  ...localGet(local),
  ...i32Const(by),
  ...op,
  ...localSet(local),
];

/** Lane k of a 16-byte load gets bytes [k * width, k * width + 4). */
function lanePattern(width: Width): number[] {
  const out: number[] = [];
  for (let k = 0; k < 4; k++) for (let j = 0; j < 4; j++) out.push(k * width + j);
  return out;
}

/** `while (!exit) { body }`: a block around a loop that leaves it when `exit` is true. */
const loopUntil = (exit: number[], body: number[]): number[] => [...BLOCK, ...LOOP, ...exit, ...brIf(1), ...body, ...br(0), ...END, ...END];

/** The exit test of a kernel loop: fewer than `atLeast` elements left in local `count`. */
const remains = (count: number, atLeast: number): number[] =>
  atLeast === 1 ? [...localGet(count), ...I32_EQZ] : [...localGet(count), ...i32Const(atLeast), ...I32_LT_U];

function foldBody(kind: FoldKind, width: Width): number[] {
  const vectorOp = kind === 'add' ? I32X4_ADD : I32X4_SUB;
  const scalarOp = kind === 'add' ? I32_ADD : I32_SUB;
  const load = (k: number): number[] => [
    ...localGet(KS),
    ...v128Load(4 * width * k),
    // (V8 compiles i8x16.shuffle of the load with itself to a slower sequence: measured.)
    ...(width === 4 ? [] : [...v128Const(lanePattern(width)), ...I8X16_SWIZZLE]),
  ];
  const lane = (k: number): number[] => [
    ...localGet(ACC),
    ...(kind === 'set' ? load(k) : [...localGet(ACC), ...v128Load(16 * k), ...load(k), ...vectorOp]),
    ...v128Store(16 * k),
  ];
  const scalar = [
    ...localGet(ACC),
    ...(kind === 'set' ? [...localGet(KS), ...i32Load] : [...localGet(ACC), ...i32Load, ...localGet(KS), ...i32Load, ...scalarOp]),
    ...i32Store,
  ];
  const code = [
    // 16 elements (four vectors) per iteration, then the remaining 0..15 one by one
    ...loopUntil(remains(COUNT, 16), [
      ...lane(0),
      ...lane(1),
      ...lane(2),
      ...lane(3),
      ...advance(ACC, 64, I32_ADD),
      ...advance(KS, 16 * width, I32_ADD),
      ...advance(COUNT, 16, I32_SUB),
    ]),
    ...loopUntil(remains(COUNT, 1), [
      ...scalar,
      ...advance(ACC, 4, I32_ADD),
      ...advance(KS, width, I32_ADD),
      ...advance(COUNT, 1, I32_SUB),
    ]),
    ...END,
  ];
  return [...leb(1 + code.length), 0, ...code]; // no locals
}

// Reduce parameters: 0 acc pointer, 1 count (words), 2 mask; local 3: mask x4.
const R_ACC = 0;
const R_COUNT = 1;
const R_MASK = 2;
const R_MASK4 = 3;

function reduceBody(): number[] {
  const code = [
    ...localGet(R_MASK),
    ...I32X4_SPLAT,
    ...localSet(R_MASK4),
    ...loopUntil(remains(R_COUNT, 4), [
      ...localGet(R_ACC),
      ...localGet(R_ACC),
      ...v128Load(0),
      ...localGet(R_MASK4),
      ...V128_AND,
      ...v128Store(0),
      ...advance(R_ACC, 16, I32_ADD),
      ...advance(R_COUNT, 4, I32_SUB),
    ]),
    ...loopUntil(remains(R_COUNT, 1), [
      ...localGet(R_ACC),
      ...localGet(R_ACC),
      ...i32Load,
      ...localGet(R_MASK),
      ...I32_AND,
      ...i32Store,
      ...advance(R_ACC, 4, I32_ADD),
      ...advance(R_COUNT, 1, I32_SUB),
    ]),
    ...END,
  ];
  const locals = vec([[1, V128]]);
  return [...leb(locals.length + code.length), ...locals, ...code];
}

const exportName = (kind: FoldKind, width: Width): string => `${kind}${width}`;

// ---- ChaCha20, four blocks at a time -------------------------------------------------------
// Vertical layout: local x_i holds state word i of four consecutive blocks (one per lane), so a
// round is plain lane-wise arithmetic; rotations by 16 and 8 are byte shuffles, by 12 and 7
// shift-or. The result is transposed back to block order while it is stored.

// Parameters: 0 key pointer, 1 counter, 2 out pointer, 3 groups. Locals (v128): 4..19 the
// working state x0..x15, 20 a temporary, 21..36 the input state (21 + 12: the counters); 37 (i32)
// the round counter.
const CH_KEY = 0;
const CH_COUNTER = 1;
const CH_OUT = 2;
const CH_GROUPS = 3;
const cx = (i: number): number => 4 + i;
const CH_T = 20;
const cin = (i: number): number => 21 + i;
const CH_ROUNDS = 37; // i32: double rounds left
const ROTL16 = [2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13];
const ROTL8 = [3, 0, 1, 2, 7, 4, 5, 6, 11, 8, 9, 10, 15, 12, 13, 14];
/** RFC 8439 §2.3: "expand 32-byte k". */
const SIGMA = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

const rotlShuffle = (lanes: readonly number[]): number[] => [...localSet(CH_T), ...localGet(CH_T), ...localGet(CH_T), ...i8x16Shuffle(lanes)];
const rotlShift = (n: number): number[] => [
  ...localSet(CH_T),
  ...localGet(CH_T),
  ...i32Const(n),
  ...I32X4_SHL,
  ...localGet(CH_T),
  ...i32Const(32 - n),
  ...I32X4_SHR_U,
  ...V128_OR,
];

/** RFC 8439 §2.1 quarter round on state words a, b, c, d. */
function quarterRound(a: number, b: number, c: number, d: number): number[] {
  const step = (x: number, y: number, z: number, rotate: number[]): number[] => [
    // x += y; z ^= x; z <<<= r
    ...localGet(cx(x)), ...localGet(cx(y)), ...I32X4_ADD, ...localTee(cx(x)),
    ...localGet(cx(z)), ...V128_XOR, ...rotate, ...localSet(cx(z)),
  ];
  return [
    ...step(a, b, d, rotlShuffle(ROTL16)),
    ...step(c, d, b, rotlShift(12)),
    ...step(a, b, d, rotlShuffle(ROTL8)),
    ...step(c, d, b, rotlShift(7)),
  ];
}

function chachaBody(): number[] {
  const code: number[] = [];
  // Input state: constants, key words (each broadcast to the four lanes), counters, zero nonce.
  for (let i = 0; i < 4; i++) code.push(...i32Const(SIGMA[i] as number), ...I32X4_SPLAT, ...localSet(cin(i)));
  for (let i = 0; i < 8; i++) code.push(...localGet(CH_KEY), 0x28, 2, ...leb(4 * i), ...I32X4_SPLAT, ...localSet(cin(4 + i)));
  code.push(...localGet(CH_COUNTER), ...I32X4_SPLAT, ...v128Const([0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0]), ...I32X4_ADD, ...localSet(cin(12)));
  for (let i = 13; i < 16; i++) code.push(...v128Const(new Array<number>(16).fill(0)), ...localSet(cin(i)));
  code.push(...BLOCK, ...LOOP, ...localGet(CH_GROUPS), ...I32_EQZ, ...brIf(1));
  for (let i = 0; i < 16; i++) code.push(...localGet(cin(i)), ...localSet(cx(i)));
  // 10 double rounds, as a loop (unrolled, the module would pass the 4 KB that browsers compile
  // synchronously on a page's main thread).
  code.push(...i32Const(10), ...localSet(CH_ROUNDS), ...LOOP);
  code.push(...quarterRound(0, 4, 8, 12), ...quarterRound(1, 5, 9, 13), ...quarterRound(2, 6, 10, 14), ...quarterRound(3, 7, 11, 15));
  code.push(...quarterRound(0, 5, 10, 15), ...quarterRound(1, 6, 11, 12), ...quarterRound(2, 7, 8, 13), ...quarterRound(3, 4, 9, 14));
  code.push(...localGet(CH_ROUNDS), ...i32Const(1), ...I32_SUB, ...localTee(CH_ROUNDS), ...brIf(0), ...END);
  for (let i = 0; i < 16; i++) code.push(...localGet(cx(i)), ...localGet(cin(i)), ...I32X4_ADD, ...localSet(cx(i)));
  // Store: words j..j+3 of the four blocks, a 4x4 transpose of x_j..x_j+3.
  const lo32 = [0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23];
  const hi32 = [8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31];
  const lo64 = [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23];
  const hi64 = [8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31];
  const pair = (x: number, y: number, lanes: readonly number[]): number[] => [...localGet(x), ...localGet(y), ...i8x16Shuffle(lanes)];
  for (let j = 0; j < 16; j += 4) {
    code.push(...pair(cx(j), cx(j + 1), lo32), ...localSet(CH_T)); // a0 b0 a1 b1
    code.push(...pair(cx(j), cx(j + 1), hi32), ...localSet(cx(j))); // a2 b2 a3 b3
    code.push(...pair(cx(j + 2), cx(j + 3), lo32), ...localSet(cx(j + 1))); // c0 d0 c1 d1
    code.push(...pair(cx(j + 2), cx(j + 3), hi32), ...localSet(cx(j + 2))); // c2 d2 c3 d3
    code.push(...localGet(CH_OUT), ...pair(CH_T, cx(j + 1), lo64), ...v128Store(4 * j)); // block 0
    code.push(...localGet(CH_OUT), ...pair(CH_T, cx(j + 1), hi64), ...v128Store(64 + 4 * j)); // block 1
    code.push(...localGet(CH_OUT), ...pair(cx(j), cx(j + 2), lo64), ...v128Store(128 + 4 * j)); // block 2
    code.push(...localGet(CH_OUT), ...pair(cx(j), cx(j + 2), hi64), ...v128Store(192 + 4 * j)); // block 3
  }
  code.push(...localGet(cin(12)), ...i32Const(4), ...I32X4_SPLAT, ...I32X4_ADD, ...localSet(cin(12)));
  code.push(...advance(CH_OUT, 256, I32_ADD), ...advance(CH_GROUPS, 1, I32_SUB), ...br(0), ...END, ...END);
  code.push(...END);
  const locals = vec([
    [33, V128],
    [1, I32],
  ]);
  return [...leb(locals.length + code.length), ...locals, ...code];
}

/** The folds' module: a function (i32 i32 i32) -> () per kind and width, `reduce`, memory. */
export function moduleBytes(): Uint8Array<ArrayBuffer> {
  const fns = KINDS.flatMap((kind) => WIDTHS.map((width) => ({ kind, width })));
  const exports = [...fns.map((f, i) => [...name(exportName(f.kind, f.width)), 0x00, i]), [...name('reduce'), 0x00, fns.length]];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, vec([[0x60, 3, I32, I32, I32, 0]])), // types
    ...section(3, vec([...fns.map(() => [0]), [0]])), // functions
    ...section(5, vec([[0x00, 1]])), // memory: min 1 page, no max
    ...section(7, vec([...exports, [...name('memory'), 0x02, 0]])),
    ...section(10, vec([...fns.map((f) => foldBody(f.kind, f.width)), reduceBody()])), // code
  ]);
}

/**
 * The ChaCha20 module: `chacha20` (i32 i32 i32 i32) -> (), on the folds' memory (imported as
 * m.memory). A module of its own so that each stays under the 4 KB a browser's main thread may
 * compile synchronously, and the folds load even where this one does not.
 */
export function chachaModuleBytes(): Uint8Array<ArrayBuffer> {
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, 4, I32, I32, I32, I32, 0]])),
    ...section(2, vec([[...name('m'), ...name('memory'), 0x02, 0x00, 1]])), // import memory, min 1 page
    ...section(3, vec([[0]])),
    ...section(7, vec([[...name('chacha20'), 0x00, 0]])),
    ...section(10, vec([chachaBody()])),
  ]);
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

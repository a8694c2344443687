/**
 * WebAssembly SIMD kernels that fold mask elements into an accumulator: add, subtract or set,
 * then reduce mod 2^bits, four 32-bit lanes per instruction. V8 runs the equivalent JS element
 * loop at ~1.1 ns per element on our 2-core EPYC; this kernel, including the copy of the
 * keystream into WebAssembly memory, at ~0.2 ns (bench/masking.ts). Internal to secagg.
 *
 * A mask element takes `width` = ceil(bits / 8) keystream bytes (little-endian; see
 * ./_spec.ts). The module (~3 KB) is assembled below from its opcodes, so there is no binary
 * blob to trust: for each operation and width 1..4 it has a function
 *
 *   fold(acc, ks, count, mask):   // byte pointers into the module's memory, count in elements
 *     while count >= 16: 4 x { v = v128.load(ks + 4 * width * lane); if width < 4, shuffle
 *                              bytes [k*width, k*width + 4) into lane k (i8x16.swizzle);
 *                              acc = (acc OP v) & mask }; ks += 16 * width, acc += 64
 *     while count > 0:   acc[i] = (acc[i] OP i32.load(ks)) & mask; ks += width, acc += 4
 *
 * with OP = i32 add (`add`), sub (`sub`), or `acc = v & mask` (`set`). Bytes beyond an
 * element's `width` land above bit 8 * width >= bits, so `& mask` removes them, after the add
 * or subtract (whose low bits they cannot reach). Loads read up to 12 bytes past the last
 * element: callers leave that much room. WebAssembly memory is little-endian, the order of the
 * keystream's elements, so the kernels are only used on little-endian hosts, where JS typed
 * arrays share that order.
 *
 * Unavailable (null) where WebAssembly or its SIMD proposal is missing, where a content policy
 * forbids compiling it, or if the self-test against a scalar loop fails; callers then use their
 * JS loops. Synchronous compilation is allowed for modules this small everywhere, including a
 * browser's main thread.
 */

/** Which fold: acc = acc + ks, acc = acc - ks, acc = ks (each & mask). */
export type FoldKind = 'add' | 'sub' | 'set';

/** A fold over `count` elements at byte pointers `acc` and `ks` of the module's memory. */
export type Fold = (acc: number, ks: number, count: number, mask: number) => void;

/** Keystream bytes per element, 1..4. */
export type Width = 1 | 2 | 3 | 4;

/** The instantiated kernels and their memory. */
export interface SimdKernels {
  /** `fold[kind][width - 1]`. */
  readonly fold: Readonly<Record<FoldKind, readonly [Fold, Fold, Fold, Fold]>>;
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
const v128Const = (bytes: readonly number[]): number[] => [0xfd, 0x0c, ...bytes];
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = [0x0b];
const brIf = (depth: number): number[] => [0x0d, depth];
const br = (depth: number): number[] => [0x0c, depth];

// Parameters: 0 acc pointer, 1 keystream pointer, 2 count (elements), 3 mask; local 4: mask x4.
const ACC = 0;
const KS = 1;
const COUNT = 2;
const MASK = 3;
const MASK4 = 4;

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

function foldBody(kind: FoldKind, width: Width): number[] {
  const vectorOp = kind === 'add' ? I32X4_ADD : I32X4_SUB;
  const scalarOp = kind === 'add' ? I32_ADD : I32_SUB;
  const load = (k: number): number[] => [
    ...localGet(KS),
    ...v128Load(4 * width * k),
    ...(width === 4 ? [] : [...v128Const(lanePattern(width)), ...I8X16_SWIZZLE]),
  ];
  const lane = (k: number): number[] => [
    ...localGet(ACC),
    ...(kind === 'set' ? load(k) : [...localGet(ACC), ...v128Load(16 * k), ...load(k), ...vectorOp]),
    ...localGet(MASK4),
    ...V128_AND,
    ...v128Store(16 * k),
  ];
  const scalar = [
    ...localGet(ACC),
    ...(kind === 'set'
      ? [...localGet(KS), ...i32Load]
      : [...localGet(ACC), ...i32Load, ...localGet(KS), ...i32Load, ...scalarOp]),
    ...localGet(MASK),
    ...I32_AND,
    ...i32Store,
  ];
  const code = [
    ...localGet(MASK),
    ...I32X4_SPLAT,
    ...localSet(MASK4),
    // 16 elements (four vectors) per iteration
    ...BLOCK,
    ...LOOP,
    ...localGet(COUNT),
    ...i32Const(16),
    ...I32_LT_U,
    ...brIf(1),
    ...lane(0),
    ...lane(1),
    ...lane(2),
    ...lane(3),
    ...advance(ACC, 64, I32_ADD),
    ...advance(KS, 16 * width, I32_ADD),
    ...advance(COUNT, 16, I32_SUB),
    ...br(0),
    ...END,
    ...END,
    // the remaining 0..15 elements one by one
    ...BLOCK,
    ...LOOP,
    ...localGet(COUNT),
    ...I32_EQZ,
    ...brIf(1),
    ...scalar,
    ...advance(ACC, 4, I32_ADD),
    ...advance(KS, width, I32_ADD),
    ...advance(COUNT, 1, I32_SUB),
    ...br(0),
    ...END,
    ...END,
    ...END,
  ];
  const locals = vec([[1, V128]]);
  return [...leb(locals.length + code.length), ...locals, ...code];
}

const exportName = (kind: FoldKind, width: Width): string => `${kind}${width}`;

/** The module's bytes: a function (i32 i32 i32 i32) -> () per kind and width, one memory. */
export function moduleBytes(): Uint8Array<ArrayBuffer> {
  const fns = KINDS.flatMap((kind) => WIDTHS.map((width) => ({ kind, width })));
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, vec([[0x60, 4, I32, I32, I32, I32, 0]])), // types
    ...section(3, vec(fns.map(() => [0]))), // functions
    ...section(5, vec([[0x00, 1]])), // memory: min 1 page, no max
    ...section(7, vec([...fns.map((f, i) => [...name(exportName(f.kind, f.width)), 0x00, i]), [...name('memory'), 0x02, 0]])),
    ...section(10, vec(fns.map((f) => foldBody(f.kind, f.width)))), // code
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
  const kernels: SimdKernels = {
    fold: { add: pick('add'), sub: pick('sub'), set: pick('set') },
    memory: exports['memory'] as WebAssembly.Memory,
  };
  return selfTest(kernels) ? kernels : null;
}

/** Every fold at every width, at a length that runs both loops, against a scalar loop. */
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
      (k.fold[kind][width - 1] as Fold)(0, 4 * n, n, mask);
      for (let i = 0; i < n; i++) if (acc[i] !== want[i]) return false;
    }
  }
  mem.fill(0);
  return true;
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

/** Tests only: force the JS loops (null) or detect again (undefined). */
export function _setSimdKernelsForTests(value: null | undefined): void {
  loaded = value;
}

/** Grows the kernels' memory to at least `bytes`; returns its (possibly new) buffer. */
export function ensureBytes(k: SimdKernels, bytes: number): ArrayBuffer {
  const have = k.memory.buffer.byteLength;
  if (have < bytes) k.memory.grow(Math.ceil((bytes - have) / PAGE));
  return k.memory.buffer;
}

/**
 * WebAssembly SIMD kernels that fold keystream words into an accumulator: add, subtract or set,
 * then reduce mod 2^bits, four 32-bit lanes per instruction. V8 runs the equivalent JS element
 * loop at ~1.1 ns per element on our 2-core EPYC; this kernel, including the copy of the
 * keystream into WebAssembly memory, at ~0.2 ns (bench/masking.ts). Internal to secagg.
 *
 * The module (~300 bytes) is assembled below from its opcodes, so there is no binary blob to
 * trust: each function is
 *
 *   fold(acc, ks, count, mask):   // byte pointers into the module's memory, count in elements
 *     while count >= 16: 4 x v128 { acc[i] = (acc[i] OP ks[i]) & mask }; advance 64 bytes
 *     while count > 0:   acc[i] = (acc[i] OP ks[i]) & mask (i32);         advance 4 bytes
 *
 * with OP = i32 add (`add`), sub (`sub`), or `acc[i] = ks[i] & mask` (`set`). WebAssembly
 * memory is little-endian, which is the keystream's element order (RFC 8439 words), so the
 * kernels are only used on little-endian hosts, where JS typed arrays share that order.
 *
 * Unavailable (null) where WebAssembly or its SIMD proposal is missing, where a content policy
 * forbids compiling it, or if the self-test against a scalar loop fails; callers then use their
 * JS loops. Synchronous compilation is allowed for modules this small everywhere, including a
 * browser's main thread.
 */

/** Which fold: acc = acc + ks, acc = acc - ks, acc = ks (each & mask). */
export type FoldKind = 'add' | 'sub' | 'set';

/** The instantiated kernels and their memory. */
export interface SimdKernels {
  readonly add: (acc: number, ks: number, count: number, mask: number) => void;
  readonly sub: (acc: number, ks: number, count: number, mask: number) => void;
  readonly set: (acc: number, ks: number, count: number, mask: number) => void;
  /** The module's memory (64 KiB pages); views must be re-made after {@link ensureBytes}. */
  readonly memory: WebAssembly.Memory;
}

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

function foldBody(kind: FoldKind): number[] {
  const vectorOp = kind === 'add' ? I32X4_ADD : I32X4_SUB;
  const scalarOp = kind === 'add' ? I32_ADD : I32_SUB;
  const lane = (offset: number): number[] => [
    ...localGet(ACC),
    ...(kind === 'set'
      ? [...localGet(KS), ...v128Load(offset)]
      : [...localGet(ACC), ...v128Load(offset), ...localGet(KS), ...v128Load(offset), ...vectorOp]),
    ...localGet(MASK4),
    ...V128_AND,
    ...v128Store(offset),
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
    ...lane(16),
    ...lane(32),
    ...lane(48),
    ...advance(ACC, 64, I32_ADD),
    ...advance(KS, 64, I32_ADD),
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
    ...advance(KS, 4, I32_ADD),
    ...advance(COUNT, 1, I32_SUB),
    ...br(0),
    ...END,
    ...END,
    ...END,
  ];
  const locals = vec([[1, V128]]);
  return [...leb(locals.length + code.length), ...locals, ...code];
}

/** The module's bytes: three functions of type (i32 i32 i32 i32) -> (), one exported memory. */
export function moduleBytes(): Uint8Array<ArrayBuffer> {
  const kinds: FoldKind[] = ['add', 'sub', 'set'];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
    ...section(1, vec([[0x60, 4, I32, I32, I32, I32, 0]])), // types
    ...section(3, vec(kinds.map(() => [0]))), // functions
    ...section(5, vec([[0x00, 1]])), // memory: min 1 page, no max
    ...section(7, vec([...kinds.map((k, i) => [...name(k), 0x00, i]), [...name('memory'), 0x02, 0]])),
    ...section(10, vec(kinds.map(foldBody))), // code
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
  const exports = new wasm.Instance(new wasm.Module(bytes)).exports as unknown as SimdKernels;
  return selfTest(exports) ? exports : null;
}

/** Every fold, at 16-element and odd lengths, against a scalar loop. */
function selfTest(k: SimdKernels): boolean {
  const n = 37;
  const mask = 0x00ff_ffff;
  const mem = new Uint32Array(k.memory.buffer, 0, 2 * n);
  for (const kind of ['add', 'sub', 'set'] as const) {
    const want = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const a = (Math.imul(i + 1, 0x9e37_79b9) ^ 0x5bd1_e995) >>> 0;
      const b = Math.imul(i + 7, 0x85eb_ca6b) >>> 0;
      mem[i] = a;
      mem[n + i] = b;
      want[i] = (kind === 'add' ? a + b : kind === 'sub' ? a - b : b) & mask;
    }
    k[kind](0, 4 * n, n, mask);
    for (let i = 0; i < n; i++) if (mem[i] !== want[i]) return false;
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

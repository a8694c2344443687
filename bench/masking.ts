/**
 * bench/masking.ts (`npx tsx bench/masking.ts`): mask PRG throughput.
 *  1. raw ChaCha20 keystream MB/s per backend (native streamed through one cipher in 64 KiB
 *     chunks, and in one 4 MiB update; portable into a reused 64 KiB buffer);
 *  2. expand-and-add of a 1M-element mask per backend beside a hand-written reference loop
 *     measured in the same run (keystream chunk, then add), with the ratio (bar: >= 0.9);
 *  3. native / portable speed-up (issue 3 bar >= 5x, set against the noble keystream);
 *  4. many masks into one vector: applyMasksInto against one addMaskInto per mask, per width;
 *  5. the WebAssembly SIMD fold kernels alone (keystream already in module memory) against a
 *     plain JS loop, per element width;
 *  6. per-call costs (key derivation, a 16-element addMaskInto).
 *
 * The machine is shared, so every comparison is interleaved (the cases of one table take turns,
 * order rotated every round), and ratios are medians of per-round paired ratios, in wall time
 * and in process CPU time (which leaves out the time this process waits for a core). Ratios
 * are the figures to read; absolute speeds depend on the load (printed in the header).
 * BENCH_SECONDS (default 1) sets the time per table.
 */
import { createCipheriv } from 'node:crypto';
import { loadavg } from 'node:os';
import { chacha20 } from '@noble/ciphers/chacha.js';
import {
  addMaskInto,
  applyMasksInto,
  availableMaskBackends,
  deriveMaskKey,
  expandMask,
  subtractMaskInto,
  type MaskBackend,
} from '../src/masking/index.js';
import { ensureBytes, simdKernels, type Fold } from '../src/masking/_simd.js';
import { deterministicRandomBytes } from '../src/random.js';
import { machine, measure, printJson, printTable, type Row } from './_harness.js';

const rng = deterministicRandomBytes(new Uint8Array(32).fill(42));
const seed = rng(32);
const sessionId = rng(32);
const label = 'bench';
const key = deriveMaskKey(seed, sessionId, label);
const CHUNK = 65_536;
const ELEMENTS = 1 << 20; // 1M elements = 4 MiB of keystream
const BITS = 32;
const zero = new Uint8Array(CHUNK);
const nonce = new Uint8Array(12);
const minSeconds = Number(process.env['BENCH_SECONDS'] ?? 1);

interface Timing {
  /** Median wall seconds per call. */
  readonly wall: number;
  /** Median process CPU seconds per call. */
  readonly cpu: number;
  /** Median over rounds of (first function's wall time / this one's) in the same round. */
  readonly wallVsFirst: number;
  /** The same with CPU times. */
  readonly cpuVsFirst: number;
  readonly runs: number;
}

/**
 * Runs the functions in turn (rotating the order every round) for at least `minSeconds` and 15
 * rounds, after 3 warm-up rounds; returns the median wall and CPU time of each.
 */
function interleaved(fns: readonly (() => unknown)[]): Timing[] {
  for (let i = 0; i < 3; i++) for (const f of fns) f();
  const wall: number[][] = fns.map(() => []);
  const cpu: number[][] = fns.map(() => []);
  const start = performance.now();
  for (let round = 0; round < 15 || performance.now() - start < minSeconds * 1000; round++) {
    for (let k = 0; k < fns.length; k++) {
      const i = (k + round) % fns.length;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      (fns[i] as () => unknown)();
      const t1 = performance.now();
      const c1 = process.cpuUsage(c0);
      (wall[i] as number[]).push((t1 - t0) / 1e3);
      (cpu[i] as number[]).push((c1.user + c1.system) / 1e6);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1] as number;
  // Paired ratios: each round's runs are back to back, so they share that moment's load.
  const paired = (series: number[][], i: number): number =>
    median((series[0] as number[]).map((first, r) => first / ((series[i] as number[])[r] as number)));
  return fns.map((_, i) => ({
    wall: median(wall[i] as number[]),
    cpu: median(cpu[i] as number[]),
    wallVsFirst: paired(wall, i),
    cpuVsFirst: paired(cpu, i),
    runs: (wall[i] as number[]).length,
  }));
}

const fmtRatio = (r: number): string => r.toFixed(3);

console.log(`# masking on ${machine()}; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);

// ---------------------------------------------------------------- raw keystream ----------
const rawBytes = ELEMENTS * 4;
const bigZero = new Uint8Array(rawBytes);
const reused = new Uint8Array(CHUNK);
const backends = availableMaskBackends();
const raw: [string, () => void][] = [
  [
    'noble (the portable fallback), 64 KiB chunks',
    () => {
      for (let at = 0, block = 0; at < rawBytes; at += CHUNK, block += CHUNK / 64) {
        chacha20(key, nonce, zero, reused, block);
      }
    },
  ],
];
if (backends.includes('native')) {
  raw.push([
    'native, 64 KiB chunks',
    () => {
      const c = createCipheriv('chacha20', key, new Uint8Array(16));
      for (let at = 0; at < rawBytes; at += CHUNK) c.update(zero);
    },
  ]);
  raw.push(['native, one 4 MiB update', () => createCipheriv('chacha20', key, new Uint8Array(16)).update(bigZero)]);
}
{
  const t = interleaved(raw.map(([, f]) => f));
  const rows: Row[] = raw.map(([name], i) => {
    const m = t[i] as Timing;
    printJson({
      bench: 'masking', case: `keystream ${name}`, bytes: rawBytes, seconds: m.wall, cpuSeconds: m.cpu,
      mbPerSecond: rawBytes / m.wall / 1e6, mbPerCpuSecond: rawBytes / m.cpu / 1e6,
    });
    return {
      case: name,
      'MB/s (wall)': Math.round(rawBytes / m.wall / 1e6),
      'MB/s (cpu)': Math.round(rawBytes / m.cpu / 1e6),
      'vs portable (wall)': `${m.wallVsFirst.toFixed(2)}x`,
      'vs portable (cpu)': `${m.cpuVsFirst.toFixed(2)}x`,
      runs: m.runs,
    };
  });
  printTable('Raw ChaCha20 keystream, 4 MiB per call', rows);
}

// ------------------------------------------------------------ expand-and-add -------------
const target = new Uint32Array(ELEMENTS);
const mask = (2 ** BITS - 1) | 0;

/** The reference loops: keystream for one 64 KiB chunk, then add it; nothing else. */
const reference: Record<MaskBackend, () => void> = {
  native: () => {
    const c = createCipheriv('chacha20', key, new Uint8Array(16));
    const words = CHUNK / 4;
    for (let at = 0; at < ELEMENTS; at += words) {
      const ks = c.update(zero);
      const w = new Uint32Array(ks.buffer, ks.byteOffset, words);
      for (let i = 0; i < words; i++) target[at + i] = ((target[at + i] as number) + (w[i] as number)) & mask;
    }
  },
  portable: () => {
    const w = new Uint32Array(reused.buffer);
    const words = CHUNK / 4;
    for (let at = 0, block = 0; at < ELEMENTS; at += words, block += CHUNK / 64) {
      chacha20(key, nonce, zero, reused, block);
      for (let i = 0; i < words; i++) target[at + i] = ((target[at + i] as number) + (w[i] as number)) & mask;
    }
  },
};

{
  const rows: Row[] = [];
  for (const backend of backends) {
    const cases: [string, () => void][] = [
      ['addMaskInto (seed)', () => addMaskInto(target, { seed, sessionId, label, bits: BITS, backend })],
      ['addMaskInto (key)', () => addMaskInto(target, { key, bits: BITS, backend })],
      ['subtractMaskInto (key)', () => subtractMaskInto(target, { key, bits: BITS, backend })],
      ['addMaskInto (key, offset 7)', () => addMaskInto(target, { key, bits: BITS, offset: 7, backend })],
      ['addMaskInto (key, 16 bits)', () => addMaskInto(target, { key, bits: 16, backend })],
      ['expandMask (new array)', () => expandMask({ key, bits: BITS, length: ELEMENTS, backend })],
    ];
    for (const [name, fn] of cases) {
      const [ref, m] = interleaved([reference[backend], fn]) as [Timing, Timing];
      rows.push({
        backend,
        case: name,
        'ms (wall)': m.wall * 1e3,
        'ref ms (wall)': ref.wall * 1e3,
        'M el/s (cpu)': Math.round(ELEMENTS / m.cpu / 1e6),
        'ref M el/s (cpu)': Math.round(ELEMENTS / ref.cpu / 1e6),
        'vs ref (wall)': fmtRatio(m.wallVsFirst),
        'vs ref (cpu)': fmtRatio(m.cpuVsFirst),
        runs: m.runs,
      });
      printJson({
        bench: 'masking', case: `expand-and-add ${backend} ${name}`, elements: ELEMENTS,
        seconds: m.wall, cpuSeconds: m.cpu, referenceSeconds: ref.wall, referenceCpuSeconds: ref.cpu,
        elementsPerSecond: ELEMENTS / m.wall, elementsPerCpuSecond: ELEMENTS / m.cpu,
        vsReference: m.wallVsFirst, vsReferenceCpu: m.cpuVsFirst,
      });
    }
  }
  printTable(
    `Expand-and-add, ${ELEMENTS.toLocaleString('en-US')} elements mod 2^${BITS}, each case interleaved with its backend's reference loop (bar: vs ref >= 0.9)`,
    rows,
  );
}

if (backends.includes('native')) {
  const pairs: [string, () => void, () => void][] = [
    [
      'addMaskInto (seed), 1M elements',
      () => addMaskInto(target, { seed, sessionId, label, bits: BITS, backend: 'portable' }),
      () => addMaskInto(target, { seed, sessionId, label, bits: BITS, backend: 'native' }),
    ],
    [
      'expandMask (key), 1M elements',
      () => expandMask({ key, bits: BITS, length: ELEMENTS, backend: 'portable' }),
      () => expandMask({ key, bits: BITS, length: ELEMENTS, backend: 'native' }),
    ],
  ];
  const rows: Row[] = [];
  for (const [name, portableFn, nativeFn] of pairs) {
    const [p, n] = interleaved([portableFn, nativeFn]) as [Timing, Timing];
    rows.push({
      case: name,
      'native ms (wall)': n.wall * 1e3,
      'portable ms (wall)': p.wall * 1e3,
      'speedup (wall)': `${n.wallVsFirst.toFixed(2)}x`,
      'speedup (cpu)': `${n.cpuVsFirst.toFixed(2)}x`,
      runs: n.runs,
    });
    printJson({
      bench: 'masking', case: `native vs portable ${name}`, nativeSeconds: n.wall, portableSeconds: p.wall,
      speedup: n.wallVsFirst, speedupCpu: n.cpuVsFirst,
    });
  }
  printTable('Native vs portable, interleaved (issue 3 bar, >= 5x, set when portable was noble; portable now runs the SIMD ChaCha20)', rows);
}

// ------------------------------------------------------------- many masks, one vector ----
// A protocol client adds one pairwise mask per neighbour; a server removes many. applyMasksInto
// folds every term into a cached span of the target; the baseline is one addMaskInto per term.
{
  const terms = Array.from({ length: 64 }, (_, i) => ({ key: rng(32), sign: i % 2 === 0 ? (1 as const) : (-1 as const) }));
  const vector = new Uint32Array(100_000);
  const rows: Row[] = [];
  for (const backend of backends) {
    for (const bits of [16, 24, 32]) {
      const oneByOne = (): void => {
        for (const t of terms) {
          if (t.sign === 1) addMaskInto(vector, { key: t.key, bits, backend });
          else subtractMaskInto(vector, { key: t.key, bits, backend });
        }
      };
      const [base, m] = interleaved([oneByOne, () => applyMasksInto(vector, terms, { bits, backend })]) as [Timing, Timing];
      const elements = terms.length * vector.length;
      rows.push({
        backend,
        bits,
        'ns / element (wall)': (m.wall * 1e9) / elements,
        'one call per mask, ns / element': (base.wall * 1e9) / elements,
        'speedup (wall)': `${m.wallVsFirst.toFixed(2)}x`,
        'speedup (cpu)': `${m.cpuVsFirst.toFixed(2)}x`,
        runs: m.runs,
      });
      printJson({
        bench: 'masking', case: `applyMasksInto ${backend} ${bits} bits`, masks: terms.length, elements: vector.length,
        seconds: m.wall, baselineSeconds: base.wall, speedup: m.wallVsFirst, speedupCpu: m.cpuVsFirst,
      });
    }
  }
  printTable('64 masks into one 100,000-element vector: applyMasksInto vs one addMaskInto per mask', rows);
}

// ------------------------------------------------------------- fold kernels alone ---------
// The WebAssembly SIMD folds without the keystream (already in module memory), against a plain
// JS subtract loop over the same 100,000 elements, interleaved: what folding costs per element
// and mask at each element width, apart from making the keystream.
{
  const k = simdKernels();
  if (k === null) {
    console.log('\n## Fold kernels alone: WebAssembly SIMD unavailable here, skipped');
  } else {
    const n = 100_000;
    const ksAt = 64;
    const accAt = ksAt + 4 * n + 64;
    ensureBytes(k, accAt + 4 * n);
    const jsAcc = new Uint32Array(n);
    const jsKs = new Uint32Array(n).fill(0x9e3779b9);
    const plain = (): void => {
      for (let i = 0; i < n; i++) jsAcc[i] = ((jsAcc[i] as number) - (jsKs[i] as number)) & 0xffffff;
    };
    const rows: Row[] = [];
    const folds = ([1, 2, 3, 4] as const).map((width) => (): void => {
      (k.fold.sub[width - 1] as Fold)(accAt, ksAt, n);
      k.reduce(accAt, n, 2 ** (8 * width) - 1);
    });
    const t = interleaved([plain, ...folds]);
    const base = t[0] as Timing;
    rows.push({ case: 'JS subtract loop mod 2^24', 'ns / element (wall)': (base.wall / n) * 1e9, 'speedup (wall)': '1x' });
    folds.forEach((_, i) => {
      const m = t[i + 1] as Timing;
      rows.push({ case: `SIMD fold, ${i + 1} byte(s) per element, + reduce`, 'ns / element (wall)': (m.wall / n) * 1e9, 'speedup (wall)': `${fmtRatio(m.wallVsFirst)}x` });
      printJson({ bench: 'masking', case: `fold width ${i + 1}`, elements: n, nsPerElement: (m.wall / n) * 1e9, baselineNs: (base.wall / n) * 1e9, speedup: m.wallVsFirst });
    });
    new Uint8Array(k.memory.buffer).fill(0, 0, accAt + 4 * n);
    printTable('Fold kernels alone (100,000 elements, keystream already in WebAssembly memory)', rows);
  }
}

// ---------------------------------------------------------------- per-call costs ---------
{
  const small = new Uint32Array(16);
  const rows: Row[] = [];
  const perCall: [string, () => void][] = [
    ['deriveMaskKey', () => deriveMaskKey(seed, sessionId, label)],
    ...backends.flatMap((backend): [string, () => void][] => [
      [`addMaskInto 16 elements (seed), ${backend}`, () => addMaskInto(small, { seed, sessionId, label, bits: BITS, backend })],
      [`addMaskInto 16 elements (key), ${backend}`, () => addMaskInto(small, { key, bits: BITS, backend })],
    ]),
  ];
  for (const [name, fn] of perCall) {
    const batch = (): void => {
      for (let i = 0; i < 100; i++) fn();
    };
    const m = measure(batch, { minSeconds: minSeconds / 4 });
    const us = (m.seconds / 100) * 1e6;
    rows.push({ case: name, 'us / call (wall)': us });
    printJson({ bench: 'masking', case: `per-call ${name}`, microseconds: us });
  }
  printTable('Per-call costs', rows);
}

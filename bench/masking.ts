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
 * are the figures to read; absolute speeds depend on the load (printed in the header). Every
 * figure is the median over the rounds with its min-max range.
 * BENCH_SECONDS (default 1) sets the time per table. `--smoke`: 64K elements, one round (CI).
 * `--chart`: expand-and-add throughput per backend beside the reference loop, and the paired
 * ratios, as SVG in docs/charts/ (bench/README.md).
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
import { deterministicRandomBytes } from '../src/testing/index.js';
import {
  bar,
  benchOptions,
  chartFooter,
  interleaved,
  machine,
  mapSummary,
  measure,
  printJson,
  printTable,
  stats,
  type Row,
  type Summary,
  type Timing,
} from './_harness.js';
import { barChart, writeChart, type Bar } from './_chart.js';

const rng = deterministicRandomBytes(new Uint8Array(32).fill(42));
const seed = rng(32);
const sessionId = rng(32);
const label = 'bench';
const key = deriveMaskKey(seed, sessionId, label);
const CHUNK = 65_536;
const bench = benchOptions();
const ELEMENTS = bench.smoke ? 1 << 16 : 1 << 20; // 1M elements = 4 MiB of keystream
const BITS = 32;
const zero = new Uint8Array(CHUNK);
const nonce = new Uint8Array(12);
const minSeconds = Number(process.env['BENCH_SECONDS'] ?? 1);

const interleavedFor = (fns: readonly (() => unknown)[]): Timing[] => interleaved(fns, { minSeconds });
/** Elements (or bytes) per second, in millions, from seconds per call. */
const millionsPerSecond = (count: number, s: Summary): Summary => mapSummary(s, (t) => count / t / 1e6);

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
  const t = interleavedFor(raw.map(([, f]) => f));
  const rows: Row[] = raw.map(([name], i) => {
    const m = t[i] as Timing;
    printJson({
      bench: 'masking', case: `keystream ${name}`, bytes: rawBytes, ...stats(m.wall), seconds: m.wall.median, cpuSeconds: m.cpu.median,
      mbPerSecond: rawBytes / m.wall.median / 1e6, mbPerCpuSecond: rawBytes / m.cpu.median / 1e6, cpu: m.cpu,
    });
    return {
      case: name,
      'MB/s (wall)': millionsPerSecond(rawBytes, m.wall),
      'MB/s (cpu)': Math.round(rawBytes / m.cpu.median / 1e6),
      'vs portable (wall)': m.wallVsFirst,
      'vs portable (cpu)': m.cpuVsFirst.median,
      runs: m.runs,
    };
  });
  printTable(`Raw ChaCha20 keystream, ${rawBytes / 1024 / 1024} MiB per call; median (min-max) over rounds; vs portable: paired ratios`, rows);
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

/** Per backend: its reference loop's timing (first pairing), and each case's timing and ratio. */
const expandResults: { backend: MaskBackend; reference: Timing; cases: { name: string; m: Timing }[] }[] = [];
{
  const rows: Row[] = [];
  for (const backend of backends) {
    const result = { backend, reference: undefined as unknown as Timing, cases: [] as { name: string; m: Timing }[] };
    expandResults.push(result);
    const cases: [string, () => void][] = [
      ['addMaskInto (seed)', () => addMaskInto(target, { seed, sessionId, label, bits: BITS, backend })],
      ['addMaskInto (key)', () => addMaskInto(target, { key, bits: BITS, backend })],
      ['subtractMaskInto (key)', () => subtractMaskInto(target, { key, bits: BITS, backend })],
      ['addMaskInto (key, offset 7)', () => addMaskInto(target, { key, bits: BITS, offset: 7, backend })],
      ['addMaskInto (key, 16 bits)', () => addMaskInto(target, { key, bits: 16, backend })],
      ['expandMask (new array)', () => expandMask({ key, bits: BITS, length: ELEMENTS, backend })],
    ];
    for (const [name, fn] of cases) {
      const [ref, m] = interleavedFor([reference[backend], fn]) as [Timing, Timing];
      result.reference ??= ref;
      result.cases.push({ name, m });
      rows.push({
        backend,
        case: name,
        'ms (wall)': mapSummary(m.wall, (t) => t * 1e3),
        'ref ms (wall)': ref.wall.median * 1e3,
        'M el/s (cpu)': Math.round(ELEMENTS / m.cpu.median / 1e6),
        'ref M el/s (cpu)': Math.round(ELEMENTS / ref.cpu.median / 1e6),
        'vs ref (wall)': m.wallVsFirst,
        'vs ref (cpu)': m.cpuVsFirst.median,
        runs: m.runs,
      });
      printJson({
        bench: 'masking', case: `expand-and-add ${backend} ${name}`, elements: ELEMENTS, ...stats(m.wall),
        seconds: m.wall.median, cpuSeconds: m.cpu.median, referenceSeconds: ref.wall.median, referenceCpuSeconds: ref.cpu.median,
        elementsPerSecond: ELEMENTS / m.wall.median, elementsPerCpuSecond: ELEMENTS / m.cpu.median,
        vsReference: m.wallVsFirst.median, vsReferenceCpu: m.cpuVsFirst.median, ranges: { cpu: m.cpu, vsReference: m.wallVsFirst, vsReferenceCpu: m.cpuVsFirst },
      });
    }
  }
  printTable(
    `Expand-and-add, ${ELEMENTS.toLocaleString('en-US')} elements mod 2^${BITS}, each case interleaved with its backend's reference loop; median (min-max) over rounds (bar: vs ref >= 0.9)`,
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
    const [p, n] = interleavedFor([portableFn, nativeFn]) as [Timing, Timing];
    rows.push({
      case: name,
      'native ms (wall)': n.wall.median * 1e3,
      'portable ms (wall)': p.wall.median * 1e3,
      'speedup (wall)': n.wallVsFirst,
      'speedup (cpu)': n.cpuVsFirst.median,
      runs: n.runs,
    });
    printJson({
      bench: 'masking', case: `native vs portable ${name}`, ...stats(n.wallVsFirst, 'x'), nativeSeconds: n.wall.median, portableSeconds: p.wall.median,
      speedup: n.wallVsFirst.median, speedupCpu: n.cpuVsFirst.median, ranges: { native: n.wall, portable: p.wall, speedupCpu: n.cpuVsFirst },
    });
  }
  printTable('Native vs portable, interleaved; speedup (wall): median (min-max) of paired ratios (issue 3 bar, >= 5x, set when portable was noble; portable now runs the SIMD ChaCha20)', rows);
}

// ------------------------------------------------------------- many masks, one vector ----
// A protocol client adds one pairwise mask per neighbour; a server removes many. applyMasksInto
// folds every term into a cached span of the target; the baseline is one addMaskInto per term.
{
  const terms = Array.from({ length: bench.smoke ? 8 : 64 }, (_, i) => ({ key: rng(32), sign: i % 2 === 0 ? (1 as const) : (-1 as const) }));
  const vector = new Uint32Array(bench.smoke ? 10_000 : 100_000);
  const rows: Row[] = [];
  for (const backend of backends) {
    for (const bits of [16, 24, 32]) {
      const oneByOne = (): void => {
        for (const t of terms) {
          if (t.sign === 1) addMaskInto(vector, { key: t.key, bits, backend });
          else subtractMaskInto(vector, { key: t.key, bits, backend });
        }
      };
      const [base, m] = interleavedFor([oneByOne, () => applyMasksInto(vector, terms, { bits, backend })]) as [Timing, Timing];
      const elements = terms.length * vector.length;
      rows.push({
        backend,
        bits,
        'ns / element (wall)': mapSummary(m.wall, (t) => (t * 1e9) / elements),
        'one call per mask, ns / element': (base.wall.median * 1e9) / elements,
        'speedup (wall)': m.wallVsFirst,
        'speedup (cpu)': m.cpuVsFirst.median,
        runs: m.runs,
      });
      printJson({
        bench: 'masking', case: `applyMasksInto ${backend} ${bits} bits`, masks: terms.length, elements: vector.length, ...stats(m.wall),
        seconds: m.wall.median, baselineSeconds: base.wall.median, speedup: m.wallVsFirst.median, speedupCpu: m.cpuVsFirst.median,
        ranges: { baseline: base.wall, speedup: m.wallVsFirst, speedupCpu: m.cpuVsFirst },
      });
    }
  }
  printTable(`${terms.length} masks into one ${vector.length.toLocaleString('en-US')}-element vector: applyMasksInto vs one addMaskInto per mask; median (min-max) over rounds`, rows);
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
    const t = interleavedFor([plain, ...folds]);
    const base = t[0] as Timing;
    const perElement = (s: Summary): Summary => mapSummary(s, (w) => (w / n) * 1e9);
    rows.push({ case: 'JS subtract loop mod 2^24', 'ns / element (wall)': perElement(base.wall), 'speedup (wall)': 1 });
    folds.forEach((_, i) => {
      const m = t[i + 1] as Timing;
      rows.push({ case: `SIMD fold, ${i + 1} byte(s) per element, + reduce`, 'ns / element (wall)': perElement(m.wall), 'speedup (wall)': m.wallVsFirst });
      printJson({
        bench: 'masking', case: `fold width ${i + 1}`, elements: n, ...stats(perElement(m.wall), 'ns/element'),
        nsPerElement: perElement(m.wall).median, baselineNs: perElement(base.wall).median, speedup: m.wallVsFirst.median, ranges: { speedup: m.wallVsFirst },
      });
    });
    new Uint8Array(k.memory.buffer).fill(0, 0, accAt + 4 * n);
    printTable('Fold kernels alone (100,000 elements, keystream already in WebAssembly memory); median (min-max) over rounds, speedup: paired ratios', rows);
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
    const us = mapSummary(measure(batch, { minSeconds: minSeconds / 4 }), (t) => (t / 100) * 1e6);
    rows.push({ case: name, 'us / call (wall)': us });
    printJson({ bench: 'masking', case: `per-call ${name}`, ...stats(us, 'us'), microseconds: us.median });
  }
  printTable('Per-call costs (batches of 100 calls; median (min-max) over batches)', rows);
}

// ---------------------------------------------------------------------- charts (--chart) --
if (bench.chart) {
  const footer = chartFooter();
  const names = ['reference loop (keystream chunk, then add)', ...(expandResults[0]?.cases.map((c) => c.name) ?? [])];
  const perBackend = (value: (r: (typeof expandResults)[number], k: number) => Bar | null) =>
    expandResults.map((r) => ({ name: r.backend, values: names.map((_, k) => value(r, k)) }));
  writeChart(bench.chartDir, 'masking-throughput.svg', barChart({
    title: 'Mask expand-and-add throughput per backend, beside the reference loop',
    subtitle: `${ELEMENTS.toLocaleString('en-US')} elements mod 2^${BITS}, wall time; each case interleaved with its backend's reference loop (the reference bar: its first pairing); median over rounds`,
    categories: names,
    value: { title: 'throughput', unit: 'M elements/s' },
    series: perBackend((r, k) => bar(millionsPerSecond(ELEMENTS, k === 0 ? r.reference.wall : (r.cases[k - 1] as { m: Timing }).m.wall))),
    footer,
  }));
  writeChart(bench.chartDir, 'masking-vs-reference.svg', barChart({
    title: 'Mask expand-and-add speed relative to the reference loop',
    subtitle: `${ELEMENTS.toLocaleString('en-US')} elements mod 2^${BITS}; paired ratios (reference time / case time, same round, wall time), median over rounds; 1 = as fast as the reference`,
    categories: names.slice(1),
    value: { title: 'speed relative to the reference loop', unit: 'x' },
    series: perBackend((r, k) => (k === 0 ? null : bar((r.cases[k - 1] as { m: Timing }).m.wallVsFirst))).map((s) => ({ ...s, values: s.values.slice(1) })),
    rules: [{ value: 0.9, label: 'bar: >= 0.9' }],
    footer,
  }));
}

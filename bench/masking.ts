/**
 * bench/masking.ts (`npx tsx bench/masking.ts`): mask PRG throughput.
 *  1. raw ChaCha20 keystream MB/s per backend (native streamed through one cipher in 64 KiB
 *     chunks, and in one 4 MiB update; portable into a reused 64 KiB buffer);
 *  2. expand-and-add of a 1M-element mask per backend beside a hand-written reference loop
 *     measured in the same run (keystream chunk, then add), with the ratio (bar: >= 0.9);
 *  3. native / portable speed-up (bar: >= 5x);
 *  4. per-call costs (key derivation, a 16-element addMaskInto).
 */
import { createCipheriv } from 'node:crypto';
import { chacha20 } from '@noble/ciphers/chacha.js';
import {
  addMaskInto,
  availableMaskBackends,
  deriveMaskKey,
  expandMask,
  subtractMaskInto,
  type MaskBackend,
} from '../src/masking/index.js';
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

console.log(`# masking on ${machine()}`);

// ---------------------------------------------------------------- raw keystream ----------
const rawBytes = ELEMENTS * 4;
const bigZero = new Uint8Array(rawBytes);
const reused = new Uint8Array(CHUNK);
const raw: Record<string, () => void> = {
  'native, 64 KiB chunks': () => {
    const c = createCipheriv('chacha20', key, new Uint8Array(16));
    for (let at = 0; at < rawBytes; at += CHUNK) c.update(zero);
  },
  'native, one 4 MiB update': () => {
    createCipheriv('chacha20', key, new Uint8Array(16)).update(bigZero);
  },
  'portable, 64 KiB chunks': () => {
    for (let at = 0, block = 0; at < rawBytes; at += CHUNK, block += CHUNK / 64) {
      chacha20(key, nonce, zero, reused, block);
    }
  },
};
const rawRows: Row[] = [];
const rawSeconds: Record<string, number> = {};
for (const [name, fn] of Object.entries(raw)) {
  const m = measure(fn, { minSeconds });
  rawSeconds[name] = m.seconds;
  const mbps = rawBytes / m.seconds / 1e6;
  rawRows.push({ case: name, 'MB/s': Math.round(mbps), runs: m.runs });
  printJson({ bench: 'masking', case: `keystream ${name}`, bytes: rawBytes, seconds: m.seconds, mbPerSecond: mbps });
}
const portableRaw = rawSeconds['portable, 64 KiB chunks'] as number;
for (const r of rawRows) r['vs portable'] = `${(portableRaw / (rawSeconds[r['case'] as string] as number)).toFixed(2)}x`;
printTable('Raw ChaCha20 keystream (4 MiB per call)', rawRows);

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

/**
 * Times `ref` and `fn` alternately (order flipped every round) so that load from other
 * processes hits both alike; returns the median seconds of each.
 */
function interleaved(
  ref: () => void,
  fn: () => void,
): { ref: number; fn: number; refMin: number; fnMin: number; runs: number } {
  for (let i = 0; i < 3; i++) {
    ref();
    fn();
  }
  const a: number[] = [];
  const b: number[] = [];
  const time = (f: () => void, into: number[]): void => {
    const t0 = performance.now();
    f();
    into.push((performance.now() - t0) / 1000);
  };
  const start = performance.now();
  for (let round = 0; round < 15 || performance.now() - start < minSeconds * 1000; round++) {
    if (round % 2 === 0) {
      time(ref, a);
      time(fn, b);
    } else {
      time(fn, b);
      time(ref, a);
    }
  }
  const median = (xs: number[]): number => xs.sort((x, y) => x - y)[xs.length >> 1] as number;
  const ref_ = median(a);
  const fn_ = median(b);
  return { ref: ref_, fn: fn_, refMin: a[0] as number, fnMin: b[0] as number, runs: a.length };
}

const addRows: Row[] = [];
const backends = availableMaskBackends();
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
    const m = interleaved(reference[backend], fn);
    const ratio = m.ref / m.fn;
    addRows.push({
      backend,
      case: name,
      'ms / 1M': m.fn * 1e3,
      'reference ms': m.ref * 1e3,
      'M elements/s': Math.round(ELEMENTS / m.fn / 1e6),
      'vs reference': ratio.toFixed(3),
      'vs ref (best runs)': (m.refMin / m.fnMin).toFixed(3),
      runs: m.runs,
    });
    printJson({
      bench: 'masking', case: `expand-and-add ${backend} ${name}`, elements: ELEMENTS, seconds: m.fn,
      elementsPerSecond: ELEMENTS / m.fn, referenceSeconds: m.ref, vsReference: ratio,
      vsReferenceBestRuns: m.refMin / m.fnMin,
    });
  }
}
printTable(`Expand-and-add, ${ELEMENTS.toLocaleString('en-US')} elements mod 2^${BITS}, each case interleaved with its backend's reference loop (bar: vs reference >= 0.9)`, addRows);

if (backends.includes('native')) {
  // Interleaved like the reference comparisons, so both backends see the same load.
  const rows: Row[] = [];
  const pairs: [string, () => void, () => void][] = [
    ['raw keystream, 64 KiB chunks', raw['portable, 64 KiB chunks'] as () => void, raw['native, 64 KiB chunks'] as () => void],
    [
      'addMaskInto (seed), 1M elements',
      () => addMaskInto(target, { seed, sessionId, label, bits: BITS, backend: 'portable' }),
      () => addMaskInto(target, { seed, sessionId, label, bits: BITS, backend: 'native' }),
    ],
  ];
  for (const [name, portableFn, nativeFn] of pairs) {
    const m = interleaved(portableFn, nativeFn);
    const speedup = m.ref / m.fn;
    rows.push({ case: name, 'native ms': m.fn * 1e3, 'portable ms': m.ref * 1e3, speedup: `${speedup.toFixed(2)}x`, runs: m.runs });
    printJson({ bench: 'masking', case: `native vs portable ${name}`, nativeSeconds: m.fn, portableSeconds: m.ref, speedup });
  }
  printTable('Native vs portable, interleaved (bar: >= 5x)', rows);
}

// ---------------------------------------------------------------- per-call costs ---------
const small = new Uint32Array(16);
const callRows: Row[] = [];
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
  const m = measure(batch, { minSeconds: minSeconds / 2 });
  const us = (m.seconds / 100) * 1e6;
  callRows.push({ case: name, 'us / call': us });
  printJson({ bench: 'masking', case: `per-call ${name}`, microseconds: us });
}
printTable('Per-call costs', callRows);

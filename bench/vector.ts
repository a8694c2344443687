/**
 * secagg/vector benchmarks: `npx tsx bench/vector.ts`.
 * Vector add (1M elements, bits 32 and 16) against a plain Uint32Array loop, and quantisation
 * (stochastic, nearest) against a loop that only clips and scales, all measured in this run.
 */
import { loadavg } from 'node:os';
import { cryptoRandomBytes } from '../src/random.js';
import { deterministicRandomBytes } from '../src/testing/index.js';
import { addInto, planQuantization, quantize, subtractInto } from '../src/vector/index.js';
import { machine, mapSummary, measure, printJson, printTable, stats, type Row } from './_harness.js';

const N = 1 << 20;
console.log(
  `secagg/vector bench on ${machine()}, ${N.toLocaleString('en-US')} elements, load average ${loadavg()[0]?.toFixed(1)}`,
);

function fill(bits: number, seed: number): Uint32Array {
  const v = new Uint32Array(N);
  let s = seed >>> 0;
  const mask = bits === 32 ? 0xffffffff : 2 ** bits - 1;
  for (let i = 0; i < N; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = s & mask;
  }
  return v;
}

function baselineAdd32(acc: Uint32Array, x: Uint32Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) + (x[i] as number);
}
function baselineAddMasked(acc: Uint32Array, x: Uint32Array, mask: number): void {
  for (let i = 0; i < acc.length; i++) acc[i] = ((acc[i] as number) + (x[i] as number)) & mask;
}

interface Case {
  readonly group: string;
  readonly name: string;
  readonly fn: () => unknown;
  readonly baseline?: boolean;
}

const rows: Row[] = [];
function run(cases: readonly Case[], title: string): void {
  const tableRows: Row[] = [];
  let base = Number.NaN;
  for (const c of cases) {
    const m = measure(c.fn, { minSeconds: 1, minRuns: 10 });
    const perSecond = N / m.seconds;
    if (c.baseline === true) base = perSecond;
    const row: Row = {
      case: c.name,
      'ms/call': mapSummary(m, (t) => t * 1000),
      'M elements/s': mapSummary(m, (t) => N / t / 1e6),
      'x baseline': perSecond / base,
      runs: m.runs,
    };
    tableRows.push(row);
    rows.push(row);
    printJson({
      bench: 'vector',
      group: c.group,
      case: c.name,
      elements: N,
      ...stats(m),
      secondsPerCall: m.seconds,
      elementsPerSecond: perSecond,
      ratioToBaseline: perSecond / base,
      machine: machine(),
    });
  }
  printTable(`${title} (median (min-max) over runs; x baseline: medians)`, tableRows);
}

// ---- vector add ----
for (const bits of [32, 16]) {
  const acc = fill(bits, 1);
  const x = fill(bits, 2);
  const mask = bits === 32 ? 0xffffffff : 2 ** bits - 1;
  const cases: Case[] = [
    {
      group: `add${bits}`,
      name: `baseline: plain Uint32Array add loop${bits === 32 ? '' : ' & mask'}`,
      fn: bits === 32 ? () => baselineAdd32(acc, x) : () => baselineAddMasked(acc, x, mask),
      baseline: true,
    },
    { group: `add${bits}`, name: `addInto(acc, x, ${bits})`, fn: () => addInto(acc, x, bits) },
    { group: `add${bits}`, name: `subtractInto(acc, x, ${bits})`, fn: () => subtractInto(acc, x, bits) },
  ];
  if (bits !== 32) {
    cases.push({
      group: `add${bits}`,
      name: `addInto(acc, x, ${bits}, { check: false })`,
      fn: () => addInto(acc, x, bits, { check: false }),
    });
  }
  run(cases, `vector add, bits = ${bits}`);
}

// ---- quantisation ----
const values = new Float32Array(N);
for (let i = 0; i < N; i++) values[i] = Math.sin(i) * 1.2;
const plan = planQuantization({ clip: 1, bits: 32, clients: 1000 });
const out = new Uint32Array(N);
const testRng = deterministicRandomBytes(new Uint8Array(32));
function baselineClipScale(): void {
  const c = plan.clip;
  const s = plan.scale;
  for (let i = 0; i < N; i++) {
    let v = values[i] as number;
    if (v > c) v = c;
    else if (v < -c) v = -c;
    out[i] = v * s;
  }
}
run(
  [
    { group: 'quantize', name: 'baseline: clip + scale loop (truncating store)', fn: baselineClipScale, baseline: true },
    { group: 'quantize', name: "quantize nearest", fn: () => quantize(values, plan, { rounding: 'nearest', out }) },
    { group: 'quantize', name: 'quantize stochastic (CSPRNG)', fn: () => quantize(values, plan, { out }) },
    {
      group: 'quantize',
      name: 'quantize stochastic (noble ChaCha20 test rng)',
      fn: () => quantize(values, plan, { out, rng: testRng }),
    },
    { group: 'quantize', name: 'CSPRNG alone: 4 bytes per element', fn: () => cryptoRandomBytes(4 * N) },
  ],
  'quantisation, Float32Array input, bits = 32',
);

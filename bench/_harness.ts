/**
 * The benchmark harness shared by every bench/*.ts: time repeated runs, summarise them as the
 * median with the min-max range, print a table (ratio columns against a baseline measured in the
 * same run are the benches' own), and one JSON line per case (prefixed `BENCH_JSON `) that
 * carries the median, min, max, runs and the machine.
 *
 * Our own, not tinybench or mitata: see bench/README.md ("Why our own harness"). In short, the
 * protocol benches time phases inside one seconds-long run (not one function call), the masking
 * bench needs interleaved runs with paired ratios and CPU time, and a smoke mode must shrink
 * every bench to one run; both libraries time whole calls in sequence.
 *
 * Flags every bench understands (parsed here, once):
 *   --smoke       one run of everything, no warm-up (CI: the benches cannot rot); the benches
 *                 also pick their smallest sizes;
 *   --chart       write SVG charts (bench/_chart.ts) into docs/charts/, or --chart-dir=DIR;
 *   --runs=N      runs per case for the benches that take a fixed number (bench/protocol.ts);
 *   --indicative  mark the charts "indicative" whatever the load (placeholders).
 */
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import type { Bar, Footer, Point } from './_chart.js';

// ------------------------------------------------------------------------------------ options --

/** The flags of this process (see the file comment). */
export interface BenchOptions {
  readonly smoke: boolean;
  readonly chart: boolean;
  readonly chartDir: string;
  /** Runs per case where a bench takes a fixed count; `fallback` when `--runs` is absent. */
  readonly runs: (fallback: number) => number;
  readonly indicative: boolean;
}

/** Parses the harness flags from `argv` (default: this process's arguments). */
export function benchOptions(argv: readonly string[] = process.argv.slice(2)): BenchOptions {
  const value = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const smoke = argv.includes('--smoke');
  const runsFlag = value('runs');
  const runs = runsFlag === undefined ? undefined : Number(runsFlag);
  if (runs !== undefined && !(Number.isInteger(runs) && runs >= 1)) throw new Error(`--runs must be a positive integer, got ${runsFlag}`);
  const chartDir = value('chart-dir');
  return {
    smoke,
    chart: argv.includes('--chart') || chartDir !== undefined,
    chartDir: chartDir === undefined ? join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'charts') : resolve(chartDir),
    runs: (fallback) => (smoke ? 1 : (runs ?? fallback)),
    indicative: argv.includes('--indicative'),
  };
}

const options = benchOptions();

// ---------------------------------------------------------------------------------- summaries --

/** A sample of timings (or of any positive figure) summarised robustly. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Samples summarised. */
  readonly runs: number;
}

/** Median, min and max of `samples` (NaN for an empty sample). */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, runs: 0 };
  const mid = n >> 1;
  const median = n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[n - 1] as number, runs: n };
}

/**
 * Applies a monotone `f` to a summary (a unit change, or a time turned into a throughput: a
 * decreasing `f` swaps min and max, so min stays the smaller figure).
 */
export function mapSummary(s: Summary, f: (v: number) => number): Summary {
  const a = f(s.min);
  const b = f(s.max);
  return { median: f(s.median), min: Math.min(a, b), max: Math.max(a, b), runs: s.runs };
}

/** The medians of several summaries (the plain figures the JSON lines kept before ranges). */
export function medians<K extends string>(summaries: Record<K, Summary>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of Object.keys(summaries) as K[]) out[k] = summaries[k].median;
  return out;
}

/** `{ median, min, max, runs, unit }` for a JSON line (the case's headline figure). */
export function stats(s: Summary, unit = 's'): { median: number; min: number; max: number; runs: number; unit: string } {
  return { median: s.median, min: s.min, max: s.max, runs: s.runs, unit };
}

// ---------------------------------------------------------------------------------- measuring --

/** What {@link measure} returns: the summary of the per-call times, in seconds. */
export interface Measurement extends Summary {
  /** The median seconds per call (the same as `median`; kept for the benches that read it). */
  readonly seconds: number;
}

/**
 * Times `fn` until `minSeconds` have elapsed (at least `minRuns` calls, at most `maxRuns`) after
 * `warmup` calls, and summarises the time per call. With `--smoke`: one call, no warm-up.
 */
export function measure(
  fn: () => unknown,
  { minSeconds = 0.5, minRuns = 5, warmup = 2, maxRuns = 10_000 } = {},
): Measurement {
  if (options.smoke) [minSeconds, minRuns, warmup, maxRuns] = [0, 1, 0, 1];
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxRuns && (times.length < minRuns || performance.now() - start < minSeconds * 1000)) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) / 1000);
  }
  const s = summarize(times);
  return { ...s, seconds: s.median };
}

/**
 * Runs `fn` `runs` times (once with `--smoke`); `fn` returns the figures of one run (e.g. the
 * seconds of each phase it timed itself). Returns the summary of each figure over the runs.
 */
export function repeat<K extends string>(runs: number, fn: () => Record<K, number>): Record<K, Summary> {
  return summarizeRuns(Array.from({ length: options.smoke ? 1 : runs }, () => fn()));
}

/** {@link repeat} for an asynchronous run (one at a time, never overlapping). */
export async function repeatAsync<K extends string>(runs: number, fn: () => Promise<Record<K, number>>): Promise<Record<K, Summary>> {
  const results: Record<K, number>[] = [];
  for (let i = 0; i < (options.smoke ? 1 : runs); i++) results.push(await fn());
  return summarizeRuns(results);
}

function summarizeRuns<K extends string>(results: readonly Record<K, number>[]): Record<K, Summary> {
  const keys = Object.keys(results[0] ?? {}) as K[];
  const out = {} as Record<K, Summary>;
  for (const k of keys) out[k] = summarize(results.map((r) => r[k]));
  return out;
}

/** What {@link interleaved} returns for each function. */
export interface Timing {
  /** Wall seconds per call. */
  readonly wall: Summary;
  /** Process CPU seconds per call (leaves out the time this process waited for a core). */
  readonly cpu: Summary;
  /** Per-round paired ratios: the first function's wall time over this one's, same round. */
  readonly wallVsFirst: Summary;
  /** The same with CPU times. */
  readonly cpuVsFirst: Summary;
  /** Rounds timed. */
  readonly runs: number;
}

/**
 * Runs the functions in turn, rotating the order every round, for at least `minSeconds` and
 * `minRounds` rounds after `warmupRounds`; with `--smoke`, one round and no warm-up. On a shared
 * machine the rounds' paired ratios (runs back to back share that moment's load) are the figures
 * to read.
 */
export function interleaved(
  fns: readonly (() => unknown)[],
  { minSeconds = 1, minRounds = 15, warmupRounds = 3 } = {},
): Timing[] {
  if (options.smoke) [minSeconds, minRounds, warmupRounds] = [0, 1, 0];
  for (let i = 0; i < warmupRounds; i++) for (const f of fns) f();
  const wall: number[][] = fns.map(() => []);
  const cpu: number[][] = fns.map(() => []);
  const start = performance.now();
  for (let round = 0; round < minRounds || performance.now() - start < minSeconds * 1000; round++) {
    for (let k = 0; k < fns.length; k++) {
      const i = (k + round) % fns.length;
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      (fns[i] as () => unknown)();
      const t1 = performance.now();
      const c1 = process.cpuUsage(c0);
      (wall[i] as number[]).push((t1 - t0) / 1e3);
      // CPU time has microsecond resolution: never zero, so that ratios stay finite.
      (cpu[i] as number[]).push(Math.max(1e-6, (c1.user + c1.system) / 1e6));
    }
  }
  const paired = (series: number[][], i: number): Summary =>
    summarize((series[0] as number[]).map((first, r) => first / ((series[i] as number[])[r] as number)));
  return fns.map((_, i) => ({
    wall: summarize(wall[i] as number[]),
    cpu: summarize(cpu[i] as number[]),
    wallVsFirst: paired(wall, i),
    cpuVsFirst: paired(cpu, i),
    runs: (wall[i] as number[]).length,
  }));
}

// ------------------------------------------------------------------------------------ machine --

/** The machine and its load, as the JSON lines and the chart footers name them. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  /** 1-minute load average when this process started, now, and the highest seen in between
   * (sampled at every JSON line; the one to quote). */
  readonly loadAtStart: number;
  readonly load: number;
  readonly peakLoad: number;
  /** ISO date (UTC) of the run. */
  readonly date: string;
}

const loadAtStart = loadavg()[0] ?? 0;
let peakLoad = loadAtStart;

/** Names the machine the figures come from and its load (and samples the load). */
export function machineInfo(): MachineInfo {
  const load = loadavg()[0] ?? 0;
  peakLoad = Math.max(peakLoad, load);
  return {
    cpu: (cpus()[0]?.model ?? 'unknown CPU').trim().replace(/\s+/g, ' '),
    cores: cpus().length,
    node: process.version,
    loadAtStart,
    load,
    peakLoad,
    date: new Date().toISOString().slice(0, 10),
  };
}

/** Names the machine the figures come from, in one line. */
export function machine(): string {
  const m = machineInfo();
  return `${m.cpu}, ${m.cores} cores, Node ${m.node}`;
}

/** The quiet-machine rule (bench/README.md): a 1-minute load under this, nothing else running. */
export const QUIET_LOAD = 0.5;

/** The load to quote for this run: the highest 1-minute load seen (start, each JSON line, now). */
export function runLoad(m: MachineInfo = machineInfo()): number {
  return m.peakLoad;
}

/**
 * Whether this run's figures are only indicative (`--indicative`, or a machine that was not quiet
 * when the bench began: during the run the bench's own threads raise the load, up to their count).
 */
export function indicative(m: MachineInfo = machineInfo()): boolean {
  return options.indicative || m.loadAtStart >= QUIET_LOAD;
}

/** The chart footer for this run: machine, load, date, and "indicative" on a loaded machine. */
export function chartFooter(note?: string): Footer {
  const m = machineInfo();
  const footer = { machine: `${m.cpu}, ${m.cores} cores, Node ${m.node}`, load: m.loadAtStart, peakLoad: runLoad(m), date: m.date, indicative: indicative(m) };
  return note === undefined ? footer : { ...footer, note };
}

/** A chart point at `x` from a summary (median, with min-max as its range), times `scale`. */
export function point(x: number, s: Summary, scale = 1): Point {
  return { x, y: s.median * scale, low: s.min * scale, high: s.max * scale };
}

/** A chart bar from a summary (median, with min-max as its range). */
export function bar(s: Summary): Bar {
  return { value: s.median, low: s.min, high: s.max };
}

// ----------------------------------------------------------------------------------- printing --

export type Cell = string | number | Summary;
export type Row = Record<string, Cell>;

/**
 * Prints rows as an aligned text table. A {@link Summary} cell prints as `median (min-max)`, or
 * `median (1 run)`.
 */
export function printTable(title: string, rows: readonly Row[]): void {
  console.log(`\n## ${title}`);
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0] as Row);
  const cells = rows.map((row) => columns.map((c) => formatCell(row[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (values: readonly string[]): string =>
    values.map((v, i) => v.padStart(widths[i] ?? 0)).join('  ');
  console.log(line(columns));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of cells) console.log(line(r));
}

/**
 * One machine-readable line per benchmark case; the harness adds `machine` (CPU, cores, Node,
 * load, date), replacing any `machine` the record had.
 */
export function printJson(record: Record<string, unknown>): void {
  console.log(`BENCH_JSON ${JSON.stringify({ ...record, machine: machineInfo() })}`);
}

/** Formats a figure for a table: integers with separators, else 3 decimals or 4 significant digits. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 0.01 || abs >= 1e6) ? value.toExponential(3) : value.toFixed(3);
}

function formatCell(value: Cell | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return formatNumber(value);
  if (value.runs <= 1) return `${formatNumber(value.median)} (1 run)`;
  return `${formatNumber(value.median)} (${formatNumber(value.min)}-${formatNumber(value.max)})`;
}

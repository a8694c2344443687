/**
 * Tiny benchmark harness shared by every bench/*.ts: warm up, time repeated runs, report the
 * median, print a table with ratios against a baseline measured in the same run, and one JSON
 * line per case (prefixed `BENCH_JSON `) for machines.
 */
import { cpus } from 'node:os';

export interface Measurement {
  /** Median seconds per call. */
  readonly seconds: number;
  /** Calls timed (after warm-up). */
  readonly runs: number;
}

/**
 * Times `fn` until `minSeconds` have elapsed (at least `minRuns` calls) after `warmup` calls,
 * and returns the median time per call.
 */
export function measure(
  fn: () => unknown,
  { minSeconds = 0.5, minRuns = 5, warmup = 2, maxRuns = 10_000 } = {},
): Measurement {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < maxRuns && (times.length < minRuns || performance.now() - start < minSeconds * 1000)) {
    const t0 = performance.now();
    fn();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return { seconds: times[Math.floor(times.length / 2)] ?? Number.NaN, runs: times.length };
}

export type Row = Record<string, string | number>;

/** Prints rows as an aligned text table. */
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

/** One machine-readable line per benchmark case. */
export function printJson(record: Record<string, unknown>): void {
  console.log(`BENCH_JSON ${JSON.stringify(record)}`);
}

/** Names the machine the figures come from. */
export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpu.trim()}, ${cpus().length} cores, Node ${process.version}`;
}

function formatCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 0.01 || abs >= 1e6) ? value.toExponential(3) : value.toFixed(3);
}

/**
 * The arithmetic under bench/_chart.ts: text widths without a browser, nice ticks, number
 * formats, scales and word wrapping. Internal to the chart module.
 */

/** The charts' font: DejaVu Sans where installed (Linux, headless Chromium), else Verdana, which
 * has nearly the same metrics, so that the widths below hold on every viewer. */
export const FONT = 'DejaVu Sans, Verdana, Geneva, sans-serif';

// Advance widths of DejaVu Sans in em, for the characters whose width is far from the average.
const NARROW: Record<string, number> = {
  ' ': 0.32, '.': 0.32, ',': 0.32, ':': 0.34, ';': 0.34, "'": 0.28, '|': 0.34, '!': 0.4,
  '(': 0.39, ')': 0.39, '[': 0.39, ']': 0.39, '-': 0.36, '/': 0.34, i: 0.28, j: 0.28, l: 0.28,
  f: 0.36, t: 0.4, r: 0.42, I: 0.3, J: 0.3, '·': 0.32,
};
const WIDE: Record<string, number> = {
  m: 0.98, w: 0.82, M: 0.87, W: 0.99, '%': 0.95, '×': 0.84, '^': 0.84, '≤': 0.84, '≥': 0.84, '–': 0.5, '—': 1,
};

/**
 * Estimated width in pixels of `text` at `size` px (DejaVu Sans; bold adds 10%). Deliberately a
 * little generous: a label given too much room looks fine, one given too little overlaps.
 */
export function textWidth(text: string, size: number, bold = false): number {
  let em = 0;
  for (const ch of text) {
    const w = NARROW[ch] ?? WIDE[ch];
    if (w !== undefined) em += w;
    else if (ch >= '0' && ch <= '9') em += 0.64;
    else if (ch >= 'A' && ch <= 'Z') em += 0.72;
    else em += 0.62;
  }
  return em * size * (bold ? 1.1 : 1);
}

/** Splits `text` at spaces into lines no wider than `max` px (a longer word keeps a line). */
export function wrap(text: string, size: number, max: number, bold = false): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (line !== '' && textWidth(candidate, size, bold) > max) {
      lines.push(line);
      line = word;
    } else {
      line = candidate;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** XML-escapes text and attribute values. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A coordinate with one decimal (keeps the SVG small and its diffs stable). */
export function px(v: number): string {
  const r = Math.round(v * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

/** 1, 2, 2.5 or 5 times a power of ten, at least `raw`. */
export function niceStep(raw: number): number {
  const e = 10 ** Math.floor(Math.log10(raw));
  const f = raw / e;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * e;
}

/** Ticks from `min` to `max` about `target` apart in count, on nice steps covering the range. */
export function linearTicks(min: number, max: number, target: number): number[] {
  if (!(max > min)) max = min === 0 ? 1 : min + Math.abs(min);
  const step = niceStep((max - min) / Math.max(1, target));
  const first = Math.floor(min / step + 1e-9) * step;
  const last = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let v = first; v <= last + step * 1e-6; v += step) ticks.push(Math.round(v / step) * step);
  return ticks;
}

/** Decades covering [min, max] (min > 0), with 2 and 5 between them when the span is short. */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min) + 1e-9);
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max) - 1e-9));
  const ticks: number[] = [];
  for (let d = lo; d <= hi; d++) {
    for (const m of hi - lo <= 2 ? [1, 2, 5] : [1]) {
      const v = m * 10 ** d;
      if (d === hi && m > 1) continue;
      ticks.push(Number(v.toPrecision(12)));
    }
  }
  return ticks;
}

/** Decimals needed to write `v` exactly (at most 6). */
function decimalsOf(v: number): number {
  for (let d = 0; d < 6; d++) {
    const scaled = Math.abs(v) * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return 6;
}

/**
 * A tick formatter: separators, and on a linear axis the decimals its step needs (all ticks
 * alike), on a log axis the decimals each tick needs; exponents past 1e7 or under 1e-5.
 */
export function tickFormatter(ticks: readonly number[], log: boolean): (v: number) => string {
  const step = ticks.length > 1 ? Math.abs((ticks[1] as number) - (ticks[0] as number)) : (ticks[0] ?? 1);
  const linearDecimals = decimalsOf(Number(step.toPrecision(6)));
  return (v) => {
    if (v !== 0 && (Math.abs(v) >= 1e7 || Math.abs(v) < 1e-5)) return v.toExponential(0).replace('e+', 'e');
    const d = log ? decimalsOf(v) : linearDecimals;
    return v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  };
}

/** A linear or logarithmic map from a data domain to a pixel range. */
export interface Scale {
  (v: number): number;
  readonly ticks: readonly number[];
  readonly format: (v: number) => string;
}

/** Builds a scale over `domain` onto [`from`, `to`] px, with its ticks and their formatter. */
export function makeScale(
  domain: readonly [number, number],
  range: readonly [number, number],
  options: { log: boolean; ticks: readonly number[]; format?: ((v: number) => string) | undefined },
): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const t = options.log ? (v: number): number => Math.log10(v) : (v: number): number => v;
  const span = t(d1) - t(d0) || 1;
  const scale = ((v: number) => r0 + ((t(v) - t(d0)) / span) * (r1 - r0)) as Scale;
  return Object.assign(scale, { ticks: options.ticks, format: options.format ?? tickFormatter(options.ticks, options.log) });
}

/** The domain and ticks of a value axis holding `values` (lows and highs included). */
export function axisDomain(
  values: readonly number[],
  axis: { readonly scale?: 'linear' | 'log'; readonly min?: number; readonly max?: number; readonly ticks?: readonly number[] },
  target: number,
  zero: boolean,
): { domain: [number, number]; ticks: number[] } {
  const log = axis.scale === 'log';
  const finite = values.filter((v) => Number.isFinite(v) && (!log || v > 0));
  let lo = axis.min ?? (finite.length === 0 ? (log ? 1 : 0) : Math.min(...finite));
  let hi = axis.max ?? (finite.length === 0 ? (log ? 10 : 1) : Math.max(...finite));
  if (!log && zero && axis.min === undefined) lo = Math.min(0, lo);
  if (axis.ticks !== undefined && axis.ticks.length > 0) {
    const ticks = [...axis.ticks].sort((a, b) => a - b);
    return { domain: [Math.min(lo, ticks[0] as number), Math.max(hi, ticks[ticks.length - 1] as number)], ticks };
  }
  if (log) {
    const ticks = logTicks(lo, hi);
    return { domain: [Math.min(lo, ticks[0] as number), Math.max(hi, ticks[ticks.length - 1] as number)], ticks };
  }
  if (hi === lo) hi = lo === 0 ? 1 : lo + Math.abs(lo) * 0.1;
  const ticks = linearTicks(lo, hi, target).filter((v) => (axis.min === undefined || v >= axis.min - 1e-12) && (axis.max === undefined || v <= axis.max + 1e-12));
  const domain: [number, number] = [
    axis.min ?? Math.min(lo, ticks[0] ?? lo),
    axis.max ?? Math.max(hi, ticks[ticks.length - 1] ?? hi),
  ];
  return { domain, ticks };
}

/**
 * SVG charts for the benches, written without a browser or a plotting library (bench/README.md
 * says why): line charts (linear or log axes, a second y-axis, min-max error bars or bands,
 * dashed series for projections, horizontal reference lines for bars) and horizontal grouped bar
 * charts, one or several panels per figure, each with axes, tick labels, axis titles with units,
 * a legend naming every series, a title, and a footer naming the machine, its load and the date.
 *
 *   const svg = lineChart({
 *     title: 'Server time against clients',
 *     x: { title: 'clients', unit: 'count' },
 *     y: { title: 'server time', unit: 's' },
 *     series: [{ name: 'total', points: [{ x: 100, y: 1.2, low: 1.1, high: 1.4 }, ...] }],
 *     footer,
 *   });
 *   writeChart('docs/charts', 'server-vs-clients.svg', svg);
 *
 * Two quantities against one x (accuracy and epsilon against rounds): put the second on the
 * right axis (`y2`, series with `axis: 'right'`), or give `renderChart` two panels.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FONT, esc, px, wrap } from './_chart-layout.js';
import { renderBarPanel, renderLinePanel, text } from './_chart-panels.js';

// ---------------------------------------------------------------------------------------- API --

/** A value axis. The title is printed as `title (unit)`. */
export interface ValueAxis {
  readonly title: string;
  /** The unit (`s`, `ms`, `M elements/s`, `%`, `x` for ratios); never empty. */
  readonly unit: string;
  readonly scale?: 'linear' | 'log';
  /** Fixed ends; by default the data's range (linear axes start at zero unless `min` is set). */
  readonly min?: number;
  readonly max?: number;
  /** Explicit ticks (e.g. workers 1, 2, 16, 100 on a log axis). */
  readonly ticks?: readonly number[];
  readonly format?: (v: number) => string;
}

/** A point, with an optional range (min-max over runs, or a confidence interval). */
export interface Point {
  readonly x: number;
  readonly y: number;
  readonly low?: number;
  readonly high?: number;
}

export interface LineSeries {
  readonly name: string;
  readonly points: readonly Point[];
  /** The axis the series is read against (default left); the legend says "(right axis)". */
  readonly axis?: 'left' | 'right';
  /** Dashed (e.g. a projection rather than a measurement). */
  readonly dashed?: boolean;
}

/** A reference line across the plot at `value` (a performance bar, a target), labelled. */
export interface Rule {
  readonly value: number;
  readonly label: string;
  readonly axis?: 'left' | 'right';
}

export interface LinePanel {
  readonly kind: 'line';
  /** Panel title (figures with several panels); the figure's title is `ChartSpec.title`. */
  readonly title?: string;
  readonly x: ValueAxis;
  readonly y: ValueAxis;
  readonly y2?: ValueAxis;
  readonly series: readonly LineSeries[];
  readonly rules?: readonly Rule[];
  /** How point ranges are drawn: error bars (default) or a shaded band. */
  readonly ranges?: 'bars' | 'band';
  readonly plotHeight?: number;
}

export interface Bar {
  readonly value: number;
  readonly low?: number;
  readonly high?: number;
}

export interface BarSeries {
  readonly name: string;
  /** One bar per category (`null`: none for that category). */
  readonly values: readonly (Bar | null)[];
}

/** Horizontal grouped bars: categories down the left, values along the bottom. */
export interface BarPanel {
  readonly kind: 'bar';
  readonly title?: string;
  readonly categories: readonly string[];
  readonly value: ValueAxis;
  readonly series: readonly BarSeries[];
  readonly rules?: readonly Rule[];
}

/** Where the figures come from; `indicative` marks figures from a loaded machine. */
export interface Footer {
  /** CPU, cores and Node version. */
  readonly machine: string;
  /** The 1-minute load average when the run began (the quiet-machine rule's figure). */
  readonly load: number;
  /** The highest 1-minute load seen during the run (the bench's own threads raise it). */
  readonly peakLoad?: number;
  /** The date of the run (ISO). */
  readonly date: string;
  readonly indicative: boolean;
  readonly note?: string;
}

export interface ChartSpec {
  readonly title: string;
  readonly subtitle?: string;
  readonly panels: readonly (LinePanel | BarPanel)[];
  /** Panels per row (default 1). */
  readonly columns?: 1 | 2;
  /** Width in px (default 760, or 1000 with two columns). */
  readonly width?: number;
  readonly footer: Footer;
}

type Single<P> = Omit<P, 'kind' | 'title'> & Pick<ChartSpec, 'title' | 'subtitle' | 'width' | 'footer'>;

/** One line chart (see {@link LinePanel}). */
export function lineChart(spec: Single<LinePanel>): string {
  const { title, subtitle, width, footer, ...panel } = spec;
  return renderChart({ title, subtitle, width, footer, panels: [{ kind: 'line', ...panel }] } as ChartSpec);
}

/** One horizontal grouped bar chart (see {@link BarPanel}). */
export function barChart(spec: Single<BarPanel>): string {
  const { title, subtitle, width, footer, ...panel } = spec;
  return renderChart({ title, subtitle, width, footer, panels: [{ kind: 'bar', ...panel }] } as ChartSpec);
}

/** The footer's text: machine, load, date, and the "indicative" mark when it applies. */
export function footerText(f: Footer): string {
  const load = f.load.toFixed(2);
  const peak = f.peakLoad === undefined ? '' : ` (peak ${f.peakLoad.toFixed(2)})`;
  const mark = f.indicative ? ` · indicative, load ${load} at the start: regenerate on a quiet machine (bench/README.md)` : '';
  return `${f.machine} · load ${load} at the start${peak} · ${f.date}${mark}${f.note === undefined ? '' : ` · ${f.note}`}`;
}

/** Writes `svg` to `dir/file` (creating `dir`), prints and returns the path. */
export function writeChart(dir: string, file: string, svg: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, file);
  writeFileSync(path, svg);
  console.log(`chart: ${path}`);
  return path;
}

/** Renders a figure of one or more panels as a standalone SVG document. */
export function renderChart(spec: ChartSpec): string {
  const columns = spec.columns ?? 1;
  const width = spec.width ?? (columns === 2 ? 1000 : 760);
  if (spec.panels.length === 0) throw new Error('a chart needs at least one panel');
  for (const p of spec.panels) checkPanel(p);
  const out: string[] = [];
  let y = 10;
  for (const line of wrap(spec.title, 17, width - 24, true)) {
    y += 22;
    out.push(text(12, y, line, { size: 17, weight: 'bold', cls: 'title' }));
  }
  for (const line of spec.subtitle === undefined ? [] : wrap(spec.subtitle, 13, width - 24)) {
    y += 18;
    out.push(text(12, y, line, { size: 13, fill: '#444', cls: 'subtitle' }));
  }
  y += 8;
  const panelWidth = (width - (columns - 1) * 16) / columns;
  for (let row = 0; row < spec.panels.length; row += columns) {
    let rowHeight = 0;
    spec.panels.slice(row, row + columns).forEach((p, i) => {
      const r = p.kind === 'line' ? renderLinePanel(p, panelWidth) : renderBarPanel(p, panelWidth);
      out.push(`<g class="panel" transform="translate(${px(i * (panelWidth + 16))},${px(y)})">${r.svg}</g>`);
      rowHeight = Math.max(rowHeight, r.height);
    });
    y += rowHeight + 10;
  }
  for (const line of wrap(footerText(spec.footer), 11, width - 24)) {
    y += 15;
    out.push(text(12, y, line, { size: 11, fill: '#555', cls: 'footer' }));
  }
  const height = Math.ceil(y + 12);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" font-family="${FONT}">`,
    `<title>${esc(spec.title)}</title>`,
    `<rect class="background" width="${width}" height="${height}" fill="#ffffff"/>`,
    ...out,
    '</svg>',
    '',
  ].join('\n');
}

function checkPanel(p: LinePanel | BarPanel): void {
  const axes = p.kind === 'line' ? [p.x, p.y, ...(p.y2 === undefined ? [] : [p.y2])] : [p.value];
  for (const a of axes) {
    if (a.title.trim() === '' || a.unit.trim() === '') throw new Error(`every axis needs a title and a unit, got "${a.title}" (${a.unit})`);
  }
  if (p.series.length === 0) throw new Error('a panel needs at least one series');
  for (const s of p.series) if (s.name.trim() === '') throw new Error('every series needs a name');
  if (p.kind === 'line' && p.series.some((s) => s.axis === 'right') && p.y2 === undefined) {
    throw new Error('a series on the right axis needs y2');
  }
  if (p.kind === 'bar' && p.series.some((s) => s.values.length !== p.categories.length)) {
    throw new Error('every bar series needs one value (or null) per category');
  }
}

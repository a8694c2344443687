/**
 * The drawing under bench/_chart.ts: axes, legends, markers, and the line and bar panels.
 * Internal to the chart module.
 */
import { axisDomain, esc, makeScale, px, textWidth, wrap, type Scale } from './_chart-layout.js';
import type { BarPanel, LinePanel, LineSeries, Rule, ValueAxis } from './_chart.js';

const COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];
const color = (i: number): string => COLORS[i % COLORS.length] as string;

interface TextOptions {
  size?: number;
  weight?: 'bold';
  fill?: string;
  anchor?: 'start' | 'middle' | 'end';
  cls?: string;
  rotate?: number;
  halo?: boolean;
}

export function text(x: number, y: number, content: string, o: TextOptions = {}): string {
  const attrs = [
    `x="${px(x)}"`,
    `y="${px(y)}"`,
    `font-size="${o.size ?? 12}"`,
    o.weight === undefined ? '' : `font-weight="${o.weight}"`,
    `fill="${o.fill ?? '#222'}"`,
    o.anchor === undefined || o.anchor === 'start' ? '' : `text-anchor="${o.anchor}"`,
    o.cls === undefined ? '' : `class="${o.cls}"`,
    o.rotate === undefined ? '' : `transform="rotate(${o.rotate} ${px(x)} ${px(y)})"`,
    o.halo === true ? 'stroke="#ffffff" stroke-width="3" paint-order="stroke"' : '',
  ].filter((a) => a !== '');
  return `<text ${attrs.join(' ')}>${esc(content)}</text>`;
}

const axisTitle = (a: ValueAxis): string => `${a.title} (${a.unit})`;

function marker(shape: number, x: number, y: number, fill: string): string {
  switch (shape % 6) {
    case 0:
      return `<circle cx="${px(x)}" cy="${px(y)}" r="3.5" fill="${fill}"/>`;
    case 1:
      return `<rect x="${px(x - 3.2)}" y="${px(y - 3.2)}" width="6.4" height="6.4" fill="${fill}"/>`;
    case 2:
      return `<path d="M${px(x)} ${px(y - 4.2)}L${px(x + 4)} ${px(y + 3)}L${px(x - 4)} ${px(y + 3)}Z" fill="${fill}"/>`;
    case 3:
      return `<path d="M${px(x)} ${px(y - 4.5)}L${px(x + 4.5)} ${px(y)}L${px(x)} ${px(y + 4.5)}L${px(x - 4.5)} ${px(y)}Z" fill="${fill}"/>`;
    case 4:
      return `<path d="M${px(x)} ${px(y + 4.2)}L${px(x + 4)} ${px(y - 3)}L${px(x - 4)} ${px(y - 3)}Z" fill="${fill}"/>`;
    default:
      return `<path d="M${px(x - 3.5)} ${px(y - 3.5)}L${px(x + 3.5)} ${px(y + 3.5)}M${px(x + 3.5)} ${px(y - 3.5)}L${px(x - 3.5)} ${px(y + 3.5)}" stroke="${fill}" stroke-width="2" fill="none"/>`;
  }
}

interface LegendItem {
  readonly name: string;
  readonly swatch: (x: number, y: number) => string;
}

/** Legend items flowing left to right from `x`, wrapping at `maxX`; returns svg and height. */
function legend(items: readonly LegendItem[], x: number, y: number, maxX: number): { svg: string; height: number } {
  const out: string[] = [];
  let cx = x;
  let cy = y;
  for (const item of items) {
    const w = 30 + textWidth(item.name, 12) + 18;
    if (cx > x && cx + w > maxX) {
      cx = x;
      cy += 20;
    }
    out.push(
      `<g class="legend-item" data-series="${esc(item.name)}">${item.swatch(cx, cy)}${text(cx + 30, cy + 4, item.name, { size: 12 })}</g>`,
    );
    cx += w;
  }
  return { svg: `<g class="legend">${out.join('')}</g>`, height: cy - y + 20 };
}

/** Thins ticks on a horizontal axis until their labels are at least 10 px apart. */
function spacedTicks(ticks: readonly number[], scale: (v: number) => number, label: (v: number) => string): number[] {
  for (let every = 1; every <= ticks.length; every++) {
    const kept = ticks.filter((_, i) => i % every === 0);
    const fits = kept.every((t, i) => {
      if (i === 0) return true;
      const prev = kept[i - 1] as number;
      const gap = Math.abs(scale(t) - scale(prev)) - (textWidth(label(t), 12) + textWidth(label(prev), 12)) / 2;
      return gap >= 10;
    });
    if (fits) return kept;
  }
  return ticks.slice(0, 1);
}

function xAxis(scale: Scale, x0: number, x1: number, y: number, a: ValueAxis, ticks: readonly number[]): string {
  const parts = [`<line x1="${px(x0)}" y1="${px(y)}" x2="${px(x1)}" y2="${px(y)}" stroke="#333"/>`];
  for (const t of ticks) {
    const x = scale(t);
    parts.push(`<line x1="${px(x)}" y1="${px(y)}" x2="${px(x)}" y2="${px(y + 5)}" stroke="#333"/>`);
    parts.push(text(x, y + 19, scale.format(t), { anchor: 'middle', cls: 'tick' }));
  }
  parts.push(text((x0 + x1) / 2, y + 41, axisTitle(a), { size: 13, anchor: 'middle', cls: 'axis-title' }));
  return `<g class="axis x">${parts.join('')}</g>`;
}

function yAxis(scale: Scale, side: 'left' | 'right', x: number, y0: number, y1: number, a: ValueAxis, labelWidth: number): string {
  const dir = side === 'left' ? -1 : 1;
  const parts = [`<line x1="${px(x)}" y1="${px(y0)}" x2="${px(x)}" y2="${px(y1)}" stroke="#333"/>`];
  for (const t of scale.ticks) {
    const y = scale(t);
    parts.push(`<line x1="${px(x)}" y1="${px(y)}" x2="${px(x + 5 * dir)}" y2="${px(y)}" stroke="#333"/>`);
    parts.push(text(x + 8 * dir, y + 4, scale.format(t), { anchor: side === 'left' ? 'end' : 'start', cls: 'tick' }));
  }
  const tx = x + dir * (8 + labelWidth + 12);
  parts.push(text(tx, (y0 + y1) / 2, axisTitle(a), { size: 13, anchor: 'middle', cls: 'axis-title', rotate: side === 'left' ? -90 : 90 }));
  return `<g class="axis ${side === 'left' ? 'y' : 'y2'}">${parts.join('')}</g>`;
}

function panelTitle(title: string | undefined, width: number): { svg: string; height: number } {
  if (title === undefined) return { svg: '', height: 4 };
  const lines = wrap(title, 14, width - 20, true);
  return {
    svg: lines.map((l, i) => text(10, 18 + 18 * i, l, { size: 14, weight: 'bold', cls: 'panel-title' })).join(''),
    height: 8 + 18 * lines.length,
  };
}

/** The legend's symbol for ranges: a vertical whisker (line charts) or a horizontal one (bars). */
const rangeSwatch = (horizontal: boolean) => (x: number, y: number): string =>
  horizontal
    ? `<path d="M${px(x + 4)} ${px(y)}H${px(x + 20)}M${px(x + 4)} ${px(y - 4)}V${px(y + 4)}M${px(x + 20)} ${px(y - 4)}V${px(y + 4)}" stroke="#222" stroke-width="1.3" fill="none"/>`
    : `<path d="M${px(x + 12)} ${px(y - 6)}V${px(y + 6)}M${px(x + 8)} ${px(y - 6)}H${px(x + 16)}M${px(x + 8)} ${px(y + 6)}H${px(x + 16)}" stroke="#555" stroke-width="1.4" fill="none"/>`;

/** A line panel's geometry: its plot box and scales. */
interface Frame {
  readonly head: { svg: string; height: number };
  readonly top: number;
  readonly bottom: number;
  readonly x0: number;
  readonly x1: number;
  readonly xScale: Scale;
  readonly xTicks: readonly number[];
  readonly yScale: Scale;
  readonly y2Scale: Scale | undefined;
  readonly labelW: number;
  readonly label2W: number;
  /** The y scale a series or rule on `axis` is read against. */
  readonly scaleOf: (axis: 'left' | 'right' | undefined) => Scale;
}

function lineFrame(p: LinePanel, width: number): Frame {
  const head = panelTitle(p.title, width);
  const plotHeight = p.plotHeight ?? 280;
  const top = head.height + 12;
  const bottom = top + plotHeight;
  const valuesOn = (side: 'left' | 'right'): number[] => [
    ...p.series.filter((s) => (s.axis ?? 'left') === side).flatMap((s) => s.points.flatMap((q) => [q.y, q.low ?? q.y, q.high ?? q.y])),
    ...(p.rules ?? []).filter((r) => (r.axis ?? 'left') === side).map((r) => r.value),
  ];
  const target = Math.max(3, Math.round(plotHeight / 48));
  const left = axisDomain(valuesOn('left'), p.y, target, true);
  const yScale = makeScale(left.domain, [bottom, top], { log: p.y.scale === 'log', ticks: left.ticks, format: p.y.format });
  let y2Scale: Scale | undefined;
  if (p.y2 !== undefined) {
    const right = axisDomain(valuesOn('right'), p.y2, target, true);
    y2Scale = makeScale(right.domain, [bottom, top], { log: p.y2.scale === 'log', ticks: right.ticks, format: p.y2.format });
  }
  const widest = (sc: Scale | undefined): number => (sc === undefined ? 0 : Math.max(...sc.ticks.map((t) => textWidth(sc.format(t), 12))));
  const labelW = widest(yScale);
  const label2W = widest(y2Scale);
  const xd = axisDomain(p.series.flatMap((s) => s.points.map((q) => q.x)), p.x, Math.max(3, Math.round(width / 90)), false);
  const xOptions = { log: p.x.scale === 'log', ticks: xd.ticks, format: p.x.format };
  const lastLabel = textWidth(makeScale(xd.domain, [0, 1], xOptions).format(xd.ticks[xd.ticks.length - 1] ?? 0), 12);
  // Left: margin, rotated axis title, gap, tick labels, tick. Right: half the last x label, or the y2 axis.
  const x0 = 10 + 16 + 12 + labelW + 8;
  const x1 = width - (y2Scale === undefined ? Math.max(18, lastLabel / 2 + 6) : 8 + label2W + 12 + 16 + 10);
  const inset = 10; // keeps markers and error-bar caps off the axes
  const xScale = makeScale(xd.domain, [x0 + inset, x1 - inset], xOptions);
  return {
    head, top, bottom, x0, x1, xScale, yScale, y2Scale, labelW, label2W,
    xTicks: spacedTicks(xd.ticks, xScale, xScale.format),
    scaleOf: (axis) => (axis === 'right' && y2Scale !== undefined ? y2Scale : yScale),
  };
}

/** A labelled rule; the label goes where it covers the fewest data points (right end first). */
function ruleMark(r: Rule, f: Frame, lines: readonly { x: number; y: number }[][]): string {
  const y = f.scaleOf(r.axis)(r.value);
  const w = textWidth(r.label, 11);
  const spots = [
    { x: f.x1 - 4, anchor: 'end' as const, y: y - 5 },
    { x: f.x0 + 6, anchor: 'start' as const, y: y - 5 },
    { x: f.x1 - 4, anchor: 'end' as const, y: y + 14 },
    { x: f.x0 + 6, anchor: 'start' as const, y: y + 14 },
  ].filter((c) => c.y - 11 >= f.top - 2 && c.y + 2 <= f.bottom);
  const cost = (c: { x: number; anchor: 'start' | 'end'; y: number }): number => {
    const left = c.anchor === 'end' ? c.x - w : c.x;
    return covered(lines, left - 4, c.y - 13, left + w + 4, c.y + 4);
  };
  const spot = spots.reduce((best, c) => (cost(c) < cost(best) ? c : best), spots[0] ?? { x: f.x1 - 4, anchor: 'end' as const, y: y - 5 });
  return `<g class="rule"><line x1="${px(f.x0)}" y1="${px(y)}" x2="${px(f.x1)}" y2="${px(y)}" stroke="#777" stroke-dasharray="6 4"/>${text(spot.x, spot.y, r.label, { size: 11, fill: '#444', anchor: spot.anchor, halo: true })}</g>`;
}

/** Horizontal offsets that set error bars 5 px apart where they would overlap (same x, overlapping ranges). */
function dodger(p: LinePanel, f: Frame): (i: number, x: number) => number {
  const span = (i: number, x: number): [number, number] | undefined => {
    const s = p.series[i] as LineSeries;
    const q = s.points.find((pt) => pt.x === x);
    if (q === undefined || !((q.high ?? q.y) > (q.low ?? q.y))) return undefined;
    const a = f.scaleOf(s.axis)(q.low ?? q.y);
    const b = f.scaleOf(s.axis)(q.high ?? q.y);
    return [Math.min(a, b), Math.max(a, b)];
  };
  return (i, x) => {
    const mine = span(i, x);
    if (mine === undefined) return 0;
    const near = p.series.map((_, j) => j).filter((j) => {
      const other = span(j, x);
      return other !== undefined && other[0] <= mine[1] + 2 && mine[0] <= other[1] + 2;
    });
    return near.length < 2 ? 0 : (near.indexOf(i) - (near.length - 1) / 2) * 5;
  };
}

/** One series: its ranges (error bars or a band), its line and its markers. */
function seriesMarks(p: LinePanel, i: number, f: Frame, dodge: (i: number, x: number) => number): string {
  const s = p.series[i] as LineSeries;
  const scale = f.scaleOf(s.axis);
  const c = color(i);
  const pts = [...s.points].sort((a, b) => a.x - b.x);
  const g: string[] = [];
  if (p.ranges === 'band' && pts.length > 1) {
    const upper = pts.map((q) => `${px(f.xScale(q.x))} ${px(scale(q.high ?? q.y))}`);
    const lower = pts.map((q) => `${px(f.xScale(q.x))} ${px(scale(q.low ?? q.y))}`).reverse();
    g.push(`<path class="range" d="M${[...upper, ...lower].join('L')}Z" fill="${c}" fill-opacity="0.15" stroke="none"/>`);
  } else {
    for (const q of pts) {
      if (q.low === undefined && q.high === undefined) continue;
      const x = f.xScale(q.x) + dodge(i, q.x);
      const lo = scale(q.low ?? q.y);
      const hi = scale(q.high ?? q.y);
      g.push(`<path class="range" d="M${px(x)} ${px(lo)}V${px(hi)}M${px(x - 4)} ${px(lo)}H${px(x + 4)}M${px(x - 4)} ${px(hi)}H${px(x + 4)}" stroke="${c}" stroke-width="1.4" fill="none"/>`);
    }
  }
  if (pts.length > 1) {
    const d = pts.map((q, k) => `${k === 0 ? 'M' : 'L'}${px(f.xScale(q.x))} ${px(scale(q.y))}`).join('');
    g.push(`<path d="${d}" stroke="${c}" stroke-width="2" fill="none"${s.dashed === true ? ' stroke-dasharray="7 5"' : ''}/>`);
  }
  for (const q of pts) g.push(marker(i, f.xScale(q.x), scale(q.y), c));
  return `<g class="series" data-series="${esc(s.name)}">${g.join('')}</g>`;
}

export function renderLinePanel(p: LinePanel, width: number): { svg: string; height: number } {
  const f = lineFrame(p, width);
  const { yScale, y2Scale } = f;
  const parts: string[] = [f.head.svg];
  parts.push(`<g class="grid">${yScale.ticks.map((t) => `<line x1="${px(f.x0)}" y1="${px(yScale(t))}" x2="${px(f.x1)}" y2="${px(yScale(t))}" stroke="#e4e4e4"/>`).join('')}</g>`);
  parts.push(xAxis(f.xScale, f.x0, f.x1, f.bottom, p.x, f.xTicks));
  parts.push(yAxis(yScale, 'left', f.x0, f.top, f.bottom, p.y, f.labelW));
  if (y2Scale !== undefined && p.y2 !== undefined) parts.push(yAxis(y2Scale, 'right', f.x1, f.top, f.bottom, p.y2, f.label2W));
  // The series and their error bars as pixel polylines, to keep rule labels off the data.
  const lines = p.series.flatMap((s) => {
    const y = f.scaleOf(s.axis);
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    const whiskers = pts.map((q) => [{ x: f.xScale(q.x), y: y(q.low ?? q.y) }, { x: f.xScale(q.x), y: y(q.high ?? q.y) }]);
    return [pts.map((q) => ({ x: f.xScale(q.x), y: y(q.y) })), ...whiskers];
  });
  for (const r of p.rules ?? []) parts.push(ruleMark(r, f, lines));
  const dodge = dodger(p, f);
  p.series.forEach((_, i) => parts.push(seriesMarks(p, i, f, dodge)));
  const items: LegendItem[] = p.series.map((s, i) => ({
    name: s.axis === 'right' ? `${s.name} (right axis)` : s.name,
    swatch: (x, y) =>
      `<line x1="${px(x)}" y1="${px(y)}" x2="${px(x + 24)}" y2="${px(y)}" stroke="${color(i)}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="7 5"' : ''}/>${marker(i, x + 12, y, color(i))}`,
  }));
  // The legend explains ranges only where some range has a width (one run has none).
  if (p.series.some((s) => s.points.some((q) => (q.high ?? q.y) > (q.low ?? q.y)))) {
    items.push({ name: 'min-max over runs', swatch: rangeSwatch(false) });
  }
  const leg = legend(items, f.x0, f.bottom + 62, width - 10);
  parts.push(leg.svg);
  return { svg: parts.join('\n'), height: f.bottom + 62 + leg.height };
}

export function renderBarPanel(p: BarPanel, width: number): { svg: string; height: number } {
  const head = panelTitle(p.title, width);
  const ruleBand = (p.rules ?? []).length > 0 ? 18 : 0;
  const top = head.height + 10 + ruleBand;
  const barH = 15;
  const groupH = p.series.length * barH + 14;
  const bottom = top + p.categories.length * groupH;
  const labels = p.categories.map((c) => wrap(c, 12, width * 0.38));
  const labelW = Math.max(...labels.flatMap((ls) => ls.map((l) => textWidth(l, 12))));
  const values = p.series.flatMap((s) => s.values.flatMap((v) => (v === null ? [] : [v.value, v.low ?? v.value, v.high ?? v.value])));
  const vd = axisDomain([...values, ...(p.rules ?? []).map((r) => r.value)], p.value, Math.max(3, Math.round(width / 110)), true);
  const provisional = makeScale(vd.domain, [0, 1], { log: p.value.scale === 'log', ticks: vd.ticks, format: p.value.format });
  const lastLabel = textWidth(provisional.format(vd.ticks[vd.ticks.length - 1] ?? 0), 12);
  const x0 = 10 + labelW + 12;
  const x1 = width - Math.max(18, lastLabel / 2 + 6);
  const scale = makeScale(vd.domain, [x0, x1], { log: p.value.scale === 'log', ticks: vd.ticks, format: p.value.format });
  const ticks = spacedTicks(vd.ticks, scale, scale.format);

  const parts: string[] = [head.svg];
  parts.push(`<g class="grid">${ticks.map((t) => `<line x1="${px(scale(t))}" y1="${px(top)}" x2="${px(scale(t))}" y2="${px(bottom)}" stroke="#e4e4e4"/>`).join('')}</g>`);
  const cats: string[] = [];
  labels.forEach((ls, k) => {
    const mid = top + k * groupH + groupH / 2;
    ls.forEach((l, j) => cats.push(text(x0 - 8, mid + 4 + (j - (ls.length - 1) / 2) * 14, l, { anchor: 'end', cls: 'category' })));
  });
  parts.push(`<g class="axis y categories"><line x1="${px(x0)}" y1="${px(top)}" x2="${px(x0)}" y2="${px(bottom)}" stroke="#333"/>${cats.join('')}</g>`);
  const base = scale(p.value.scale === 'log' ? (vd.domain[0] as number) : 0);
  p.series.forEach((s, i) => {
    const g: string[] = [];
    s.values.forEach((v, k) => {
      if (v === null) return;
      const y = top + k * groupH + 7 + i * barH;
      const x = scale(v.value);
      g.push(`<rect x="${px(Math.min(base, x))}" y="${px(y + 1)}" width="${px(Math.abs(x - base))}" height="${barH - 2}" fill="${color(i)}"/>`);
      if (v.low !== undefined || v.high !== undefined) {
        const lo = scale(v.low ?? v.value);
        const hi = scale(v.high ?? v.value);
        const cy = y + barH / 2;
        g.push(`<path class="range" d="M${px(lo)} ${px(cy)}H${px(hi)}M${px(lo)} ${px(cy - 4)}V${px(cy + 4)}M${px(hi)} ${px(cy - 4)}V${px(cy + 4)}" stroke="#222" stroke-width="1.3" fill="none"/>`);
      }
    });
    parts.push(`<g class="series" data-series="${esc(s.name)}">${g.join('')}</g>`);
  });
  for (const r of p.rules ?? []) {
    const x = scale(r.value);
    parts.push(`<g class="rule"><line x1="${px(x)}" y1="${px(top - 4)}" x2="${px(x)}" y2="${px(bottom)}" stroke="#555" stroke-dasharray="6 4"/>${text(x, top - 8, r.label, { size: 11, fill: '#444', anchor: 'middle', halo: true })}</g>`);
  }
  parts.push(xAxis(scale, x0, x1, bottom, p.value, ticks));
  const anyRange = p.series.some((s) => s.values.some((v) => v !== null && (v.high ?? v.value) > (v.low ?? v.value)));
  const items: LegendItem[] = p.series.map((s, i) => ({
    name: s.name,
    swatch: (x, y) => `<rect x="${px(x + 4)}" y="${px(y - 6)}" width="16" height="12" fill="${color(i)}"/>`,
  }));
  if (anyRange) items.push({ name: 'min-max over runs', swatch: rangeSwatch(true) });
  const leg = legend(items, 10, bottom + 62, width - 10);
  parts.push(leg.svg);
  return { svg: parts.join('\n'), height: bottom + 62 + leg.height };
}

/** How many points of the polylines (sampled every 3 px, vertices included) fall in the box. */
function covered(lines: readonly { x: number; y: number }[][], x0: number, y0: number, x1: number, y1: number): number {
  let n = 0;
  const inside = (x: number, y: number): boolean => x >= x0 && x <= x1 && y >= y0 && y <= y1;
  for (const line of lines) {
    line.forEach((a, k) => {
      if (inside(a.x, a.y)) n += 3; // a marker weighs more than a stretch of line
      const b = line[k + 1];
      if (b === undefined) return;
      const steps = Math.ceil(Math.hypot(b.x - a.x, b.y - a.y) / 3);
      for (let j = 1; j < steps; j++) if (inside(a.x + ((b.x - a.x) * j) / steps, a.y + ((b.y - a.y) * j) / steps)) n++;
    });
  }
  return n;
}

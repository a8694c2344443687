/**
 * bench/_chart.ts renders charts a reader can trust: from fixed data (no benchmark runs), each
 * chart parses as XML and has its axes, units in the axis titles, every series in the legend, a
 * title, and the machine named in the footer (with the "indicative" mark on a loaded machine).
 */
import { describe, expect, it } from 'vitest';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { barChart, footerText, lineChart, renderChart, type Footer } from '../../bench/_chart.js';
import { mapSummary, summarize } from '../../bench/_harness.js';

const MACHINE = 'Test CPU @ 3.00GHz, 2 cores, Node v20.20.0';
const quiet: Footer = { machine: MACHINE, load: 0.12, date: '2025-01-02', indicative: false };
const loaded: Footer = { ...quiet, load: 1.37, indicative: true };

/** Parses strictly: any XML error or warning fails the test. */
function parse(svg: string): Document {
  return new DOMParser({
    onError: (level, message) => {
      throw new Error(`${level}: ${message}`);
    },
  }).parseFromString(svg, 'image/svg+xml');
}

function all(doc: Document, tag: string): Element[] {
  return Array.from(doc.getElementsByTagName(tag));
}
const hasClass = (e: Element, c: string): boolean => (e.getAttribute('class') ?? '').split(' ').includes(c);
const texts = (doc: Document, c: string): string[] => all(doc, 'text').filter((t) => hasClass(t, c)).map((t) => t.textContent ?? '');

interface Expected {
  readonly axes: readonly string[]; // axis classes: x, y, y2
  readonly axisTitles: readonly string[]; // "title (unit)"
  readonly series: readonly string[];
  readonly title: string;
}

/** The checks every chart must pass. */
function checkChart(svg: string, want: Expected, footer: Footer): Document {
  const doc = parse(svg);
  const root = doc.documentElement;
  expect(root?.tagName).toBe('svg');
  expect(root?.getAttribute('xmlns')).toBe('http://www.w3.org/2000/svg');
  expect(Number(root?.getAttribute('width'))).toBeGreaterThan(0);
  expect(Number(root?.getAttribute('height'))).toBeGreaterThan(0);
  expect(all(doc, 'title')[0]?.textContent).toBe(want.title);
  expect(texts(doc, 'title').join(' ')).toBe(want.title);
  const axes = all(doc, 'g').filter((g) => hasClass(g, 'axis'));
  for (const a of want.axes) {
    const axis = axes.find((g) => hasClass(g, a));
    expect(axis, `axis ${a}`).toBeDefined();
  }
  // Every axis has tick labels (bar charts' category axis has category labels instead).
  for (const axis of axes) {
    const labels = Array.from(axis.getElementsByTagName('text')).filter((t) => hasClass(t, 'tick') || hasClass(t, 'category'));
    expect(labels.length, `labels of axis ${axis.getAttribute('class')}`).toBeGreaterThanOrEqual(2);
  }
  const titles = texts(doc, 'axis-title');
  expect(titles).toEqual(expect.arrayContaining([...want.axisTitles]));
  for (const t of titles) expect(t, 'a unit in parentheses').toMatch(/\(.+\)$/);
  const legend = all(doc, 'g').filter((g) => hasClass(g, 'legend-item')).map((g) => g.getAttribute('data-series'));
  for (const name of want.series) expect(legend.some((l) => l === name || l === `${name} (right axis)`), `legend names ${name}`).toBe(true);
  const foot = texts(doc, 'footer').join(' ');
  expect(foot).toContain(MACHINE);
  expect(foot).toContain(`load ${footer.load.toFixed(2)}`);
  expect(foot).toContain(footer.date);
  expect(foot.includes(`indicative, load ${footer.load.toFixed(2)}`)).toBe(footer.indicative);
  return doc;
}

const run = (x: number, y: number) => ({ x, y, low: y * 0.95, high: y * 1.1 });

describe('bench/_chart', () => {
  it('draws a line chart with axes, units, every series, error bars, a rule and the machine', () => {
    const svg = lineChart({
      title: 'Server time against dropout rate',
      subtitle: '500 clients, 100,000 elements',
      x: { title: 'clients dropped', unit: '%' },
      y: { title: 'server time', unit: 's' },
      series: [
        { name: 'total', points: [run(0, 2.1), run(10, 4), run(30, 8.3)] },
        { name: 'unmasking <round> & co', points: [run(0, 1.1), run(10, 3), run(30, 7.2)] },
      ],
      rules: [{ value: 10, label: 'bar: <= 10 s' }],
      footer: loaded,
    });
    const doc = checkChart(svg, {
      axes: ['x', 'y'],
      axisTitles: ['clients dropped (%)', 'server time (s)'],
      series: ['total', 'unmasking <round> & co', 'min-max over runs'],
      title: 'Server time against dropout rate',
    }, loaded);
    expect(all(doc, 'path').filter((p) => hasClass(p, 'range'))).toHaveLength(6);
    expect(all(doc, 'g').filter((g) => hasClass(g, 'rule'))).toHaveLength(1);
    expect(texts(doc, 'tick')).toEqual(expect.arrayContaining(['0', '10', '30']));
  });

  it('draws a second y-axis, log axes with explicit ticks, and dashed projections', () => {
    const svg = lineChart({
      title: 'Unmasking against workers',
      x: { title: 'workers', unit: 'threads', scale: 'log', ticks: [1, 2, 16, 100] },
      y: { title: 'unmasking time', unit: 's', scale: 'log' },
      y2: { title: 'speed-up', unit: 'x' },
      series: [
        { name: 'measured', points: [run(1, 6.1), run(2, 3.3)] },
        { name: 'projected', dashed: true, points: [{ x: 16, y: 0.4 }, { x: 100, y: 0.07 }] },
        { name: 'speed-up', axis: 'right', points: [{ x: 1, y: 1 }, { x: 2, y: 1.85 }] },
      ],
      footer: quiet,
    });
    const doc = checkChart(svg, {
      axes: ['x', 'y', 'y2'],
      axisTitles: ['workers (threads)', 'unmasking time (s)', 'speed-up (x)'],
      series: ['measured', 'projected', 'speed-up'],
      title: 'Unmasking against workers',
    }, quiet);
    expect(texts(doc, 'tick')).toEqual(expect.arrayContaining(['1', '2', '16', '100']));
    expect(all(doc, 'g').some((g) => g.getAttribute('data-series') === 'speed-up (right axis)')).toBe(true);
  });

  it('draws two panels (accuracy and epsilon against rounds) with one footer', () => {
    const svg = renderChart({
      title: 'DP-FedAvg against rounds',
      columns: 2,
      panels: [
        { kind: 'line', title: 'accuracy', x: { title: 'rounds', unit: 'count' }, y: { title: 'accuracy', unit: '%' }, series: [{ name: 'with DP', points: [{ x: 0, y: 10 }, { x: 100, y: 84 }] }] },
        { kind: 'line', title: 'privacy', x: { title: 'rounds', unit: 'count' }, y: { title: 'epsilon', unit: 'delta 1e-5' }, series: [{ name: 'PLD', points: [{ x: 0, y: 0 }, { x: 100, y: 0.9 }] }] },
      ],
      footer: quiet,
    });
    const doc = checkChart(svg, {
      axes: ['x', 'y'],
      axisTitles: ['rounds (count)', 'accuracy (%)', 'epsilon (delta 1e-5)'],
      series: ['with DP', 'PLD'],
      title: 'DP-FedAvg against rounds',
    }, quiet);
    expect(all(doc, 'g').filter((g) => hasClass(g, 'panel'))).toHaveLength(2);
    expect(texts(doc, 'panel-title')).toEqual(['accuracy', 'privacy']);
  });

  it('draws grouped horizontal bars with ranges from harness summaries', () => {
    const seconds = summarize([0.004, 0.0042, 0.005]);
    const throughput = mapSummary(seconds, (s) => 1e6 / s / 1e6);
    expect(throughput.min).toBeLessThan(throughput.max); // a time turned into a rate keeps min < max
    const bar = { value: throughput.median, low: throughput.min, high: throughput.max };
    const svg = barChart({
      title: 'Mask throughput per backend',
      categories: ['reference loop (keystream chunk, then add)', 'addMaskInto (key)', 'expandMask (new array)'],
      value: { title: 'throughput', unit: 'M elements/s' },
      series: [
        { name: 'native', values: [bar, bar, bar] },
        { name: 'portable', values: [bar, null, bar] },
      ],
      rules: [{ value: 200, label: 'bar' }],
      footer: loaded,
    });
    const doc = checkChart(svg, {
      axes: ['x', 'y'],
      axisTitles: ['throughput (M elements/s)'],
      series: ['native', 'portable', 'min-max over runs'],
      title: 'Mask throughput per backend',
    }, loaded);
    expect(all(doc, 'rect').filter((r) => r.getAttribute('fill') !== '#ffffff' && r.getAttribute('height') === '13')).toHaveLength(5);
    expect(texts(doc, 'category').join(' ')).toContain('addMaskInto (key)');
  });

  it('refuses an axis without a unit, an unnamed series and a right-axis series without y2', () => {
    const base = { title: 't', x: { title: 'x', unit: 'count' }, y: { title: 'y', unit: 's' }, footer: quiet };
    const series = [{ name: 'a', points: [{ x: 1, y: 1 }] }];
    expect(() => lineChart({ ...base, y: { title: 'y', unit: '' }, series })).toThrow(/unit/);
    expect(() => lineChart({ ...base, series: [{ name: ' ', points: [] }] })).toThrow(/name/);
    expect(() => lineChart({ ...base, series: [{ ...series[0]!, axis: 'right' }] })).toThrow(/y2/);
    expect(() => barChart({ title: 't', categories: ['a', 'b'], value: { title: 'v', unit: 's' }, series: [{ name: 'a', values: [null] }], footer: quiet })).toThrow(/per category/);
  });

  it('names the machine, load and date in the footer, and marks a loaded run indicative', () => {
    expect(footerText(quiet)).toBe(`${MACHINE} · load 0.12 at the start · 2025-01-02`);
    expect(footerText({ ...quiet, peakLoad: 1.9 })).toBe(`${MACHINE} · load 0.12 at the start (peak 1.90) · 2025-01-02`); // a quiet start; the run's own threads raised the load
    expect(footerText(loaded)).toContain('indicative, load 1.37 at the start');
  });
});

/**
 * The example's chart, with the benches' chart module (bench/_chart.ts): test accuracy against
 * rounds for every arm, both epsilons against rounds for every noise level, and the trade-off
 * (accuracy of the last rounds against the epsilon spent, both epsilons).
 */
import { renderChart, writeChart, type LineSeries } from '../../bench/_chart.js';
import { dirname, basename } from 'node:path';
import type { ArmResult, RoundResult } from './fedavg.js';
import type { ExampleOptions } from './options.js';

export interface ChartContext {
  readonly machine: string;
  /** The 1-minute load when the run began, and the highest seen during it. */
  readonly load: number;
  readonly peakLoad: number;
  readonly cohort: number;
  readonly population: number;
  readonly options: ExampleOptions;
}

/** At most ~25 points a series, always the first and the last: markers stay readable. */
function thin(rounds: readonly RoundResult[]): RoundResult[] {
  const every = Math.max(1, Math.ceil(rounds.length / 25));
  return rounds.filter((r, i) => i === 0 || i === rounds.length - 1 || r.round % every === 0);
}

export function writeFedavgChart(path: string, results: readonly ArmResult[], c: ChartContext): string {
  const o = c.options;
  // DP arms first, so that each noise level has the same colour in every panel.
  const dp = results.filter((a) => a.arm.kind === 'dp');
  const plain = results.find((a) => a.arm.kind === 'plain');
  const accuracy: LineSeries[] = [...dp, ...(plain === undefined ? [] : [plain])].map((a) => ({
    name: a.arm.kind === 'plain' ? 'no DP, no secure aggregation' : a.name,
    points: thin(a.rounds).map((r) => ({ x: r.round, y: 100 * r.accuracy })),
  }));
  const epsilonSeries = (view: 'server' | 'release'): LineSeries[] =>
    dp.map((a) => ({
      name: a.name,
      points: thin(a.rounds.filter((r) => r.epsilon !== null && r.epsilon[view] > 0)).map((r) => ({ x: r.round, y: (r.epsilon as { server: number; release: number })[view] })),
    }));
  const top = Math.max(10, ...dp.flatMap((a) => a.rounds.map((r) => r.epsilon?.server ?? 0)));
  const low = Math.min(1, ...dp.flatMap((a) => a.rounds.map((r) => r.epsilon?.release ?? 1).filter((e) => e > 0)));
  const epsAxis = { title: 'epsilon', unit: `delta ${o.delta.toExponential().replace('e', ' x 10^').replace(/^1 x /, '')}`, scale: 'log' as const, min: 10 ** Math.floor(Math.log10(low)), max: 10 ** Math.ceil(Math.log10(top)) };
  const lastFive = (a: ArmResult): number => {
    const tail = a.rounds.slice(-5);
    return (100 * tail.reduce((s, r) => s + r.accuracy, 0)) / tail.length;
  };
  // One segment per noise level, from its epsilon against the release to its epsilon against the server.
  const tradeoff: LineSeries[] = dp.map((a) => {
    const e = a.rounds[a.rounds.length - 1]?.epsilon;
    const y = lastFive(a);
    return { name: a.name, points: e === null || e === undefined || !(e.release > 0) ? [] : [{ x: e.release, y }, { x: e.server, y }] };
  });
  // Where sampling amplifies nothing (small noise, RDP), a segment is one point: say so.
  const flat = dp.filter((a) => {
    const e = a.rounds[a.rounds.length - 1]?.epsilon;
    return e !== null && e !== undefined && e.release >= 0.99 * e.server;
  });
  const flatNote = flat.length === 0 ? '' : ` (${flat.map((a) => a.name).join(', ')}: one point, sampling amplifies nothing at this noise)`;
  const noises = dp.map((a) => (a.arm.kind === 'dp' ? a.arm.noiseMultiplier : 0)).join(', ');
  const svg = renderChart({
    title: 'Federated softmax regression on MNIST under secure aggregation and distributed DP: accuracy and privacy spent',
    subtitle:
      `${c.population} clients x ${o.perClient} examples, Dirichlet(${o.alpha}) label split; ${c.cohort} clients sampled per round without replacement, ` +
      `each dropping with probability ${o.dropout}; DP arms: distributed discrete Gaussian, noise multipliers z = ${noises}, clip ${o.clip}; ` +
      `epsilon from the privacy ledger (RDP). Against the server, which picks and sees each cohort, rounds count unamplified; ` +
      `against whoever sees only the released models, fixed-size sampling amplifies.`,
    columns: 2,
    panels: [
      {
        kind: 'line',
        title: 'Test accuracy against rounds (2,000 held-out digits)',
        x: { title: 'round', unit: 'count' },
        y: { title: 'test accuracy', unit: '%', min: 0, max: 100 },
        series: accuracy,
        plotHeight: 230,
      },
      {
        kind: 'line',
        title: `After ${o.rounds} rounds: accuracy (last 5 rounds) against epsilon; each segment runs from the epsilon against the release (left end) to the epsilon against the server (right end)${flatNote}`,
        x: epsAxis,
        y: { title: 'test accuracy', unit: '%', min: 0, max: 100 },
        series: tradeoff,
        rules: plain === undefined ? [] : [{ value: lastFive(plain), label: `no DP: ${lastFive(plain).toFixed(1)}%` }],
        plotHeight: 230,
      },
      {
        kind: 'line',
        title: 'Epsilon against the server (unamplified)',
        x: { title: 'round', unit: 'count' },
        y: epsAxis,
        series: epsilonSeries('server'),
        plotHeight: 230,
      },
      {
        kind: 'line',
        title: 'Epsilon against the release (fixed-size sampling)',
        x: { title: 'round', unit: 'count' },
        y: epsAxis,
        series: epsilonSeries('release'),
        plotHeight: 230,
      },
    ],
    footer: { machine: c.machine, load: c.load, peakLoad: c.peakLoad, date: new Date().toISOString().slice(0, 10), indicative: c.load >= 0.5 },
  });
  return writeChart(dirname(path), basename(path), svg);
}

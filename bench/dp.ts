/**
 * Differential privacy: accounting, calibration (and, added by the other DP areas, sampler
 * throughput and the PLD accountant). Run: `npx tsx bench/dp.ts` (`--quick` skips the slow
 * baselines; `--case prv` runs only the cases whose function name contains "prv").
 *
 * The file is a list of cases (`CASES` at the bottom); each case is a function that measures,
 * prints one table (with a ratio column against a baseline measured in the same run) and one
 * `BENCH_JSON` line per row. Other DP engineers add their case functions in the marked places.
 *
 * Accounting cases and their baselines:
 * - rdp-10k-steps: epsilon for 10,000 Poisson-subsampled Gaussian steps (q = 0.01, noise 4,
 *   delta = 1e-5) over the 156 default orders, fresh accountant each run, i.e. one RDP
 *   evaluation of the step plus the conversion. Baseline: what a naive accountant does,
 *   recomputing the step's RDP at every one of the 10,000 compositions (new event objects, so
 *   no caching). Also shown: 10,000 `compose(step)` calls with the same event object (cached).
 * - calibration: `calibrateNoiseMultiplier` for that run at epsilon = 1 (RDP), relative
 *   tolerance 1e-6. Baseline: plain bisection on [0.1, 100] to the same tolerance.
 */
import { machine, measure, printJson, printTable, type Row } from './_harness.js';
import {
  PldAccountant,
  PrvAccountant,
  PrivacyLedger,
  RdpAccountant,
  sampledWithoutReplacementEvent,
  analyticGaussianSigma,
  calibrateNoiseMultiplier,
  gaussianEvent,
  poissonSampledEvent,
  selfComposedEvent,
  zcdpToApproxDp,
  type DpEvent,
} from '../src/dp/index.js';
import {
  encodeClientUpdate,
  planDistributedNoise,
  sampleDiscreteGaussian,
  sampleSkellam,
} from '../src/dp/index.js';
import { cryptoRandomBytes } from '../src/random.js';

const quick = process.argv.includes('--quick');
const where = machine();
const ms = (s: number): number => s * 1000;

// ---------------------------------------------------------------------------------------------
// Accounting (RDP) cases
// ---------------------------------------------------------------------------------------------

function rdpComposition(): void {
  const steps = 10_000;
  const step = poissonSampledEvent(0.01, gaussianEvent(4));
  const once = measure(() => new RdpAccountant().compose(step, steps).getEpsilon(1e-5), { minSeconds: 1 });
  const loop = measure(
    () => {
      const acc = new RdpAccountant();
      for (let i = 0; i < steps; i++) acc.compose(step);
      return acc.getEpsilon(1e-5);
    },
    { minSeconds: 1 },
  );
  const rows: Row[] = [];
  const add = (name: string, seconds: number, baseline: number, note: string): void => {
    const ratio = Number.isNaN(baseline) ? '- (--quick)' : baseline / seconds;
    rows.push({ case: name, ms: ms(seconds), 'x faster than baseline': ratio, note });
    printJson({ bench: 'dp', case: `rdp-10k-steps/${name}`, ms: ms(seconds), machine: where });
  };
  let baseline = Number.NaN;
  if (!quick) {
    const naive = measure(
      () => {
        const acc = new RdpAccountant();
        for (let i = 0; i < steps; i++) acc.compose(poissonSampledEvent(0.01, gaussianEvent(4)));
        return acc.getEpsilon(1e-5);
      },
      { minRuns: 1, warmup: 0, minSeconds: 0 },
    );
    baseline = naive.seconds;
    add('baseline: RDP recomputed per step', naive.seconds, baseline, '10,000 RDP evaluations');
  }
  add('compose(step, 10000) + getEpsilon', once.seconds, baseline, 'bar: < 2 ms');
  add('10000 x compose(step) + getEpsilon', loop.seconds, baseline, 'same event object, cached RDP');
  printTable(`RDP accountant: 10,000 steps, 156 orders (${where})`, rows);
}

function calibration(): void {
  const make = (z: number): DpEvent => selfComposedEvent(poissonSampledEvent(0.01, gaussianEvent(z)), 10_000);
  const epsAt = (z: number): number => new RdpAccountant().compose(make(z)).getEpsilon(1e-5);
  let brentZ = 0;
  const brent = measure(() => {
    brentZ = calibrateNoiseMultiplier({ targetEpsilon: 1, targetDelta: 1e-5, makeEvent: make });
  }, { minSeconds: 1 });
  let bisZ = 0;
  const bisection = measure(() => {
    let lo = 0.1;
    let hi = 100;
    while (hi - lo > 1e-6 * hi) {
      const mid = 0.5 * (lo + hi);
      if (epsAt(mid) <= 1) hi = mid;
      else lo = mid;
    }
    bisZ = hi;
  }, { minSeconds: 1 });
  const analytic = measure(() => analyticGaussianSigma({ epsilon: 1, delta: 1e-5 }), { minSeconds: 0.5 });
  const zcdp = measure(() => zcdpToApproxDp(0.5, 1e-5), { minSeconds: 0.5 });
  const rows: Row[] = [
    { case: 'baseline: bisection (RDP)', ms: ms(bisection.seconds), 'x faster than baseline': 1, result: bisZ.toFixed(6) },
    {
      case: 'calibrateNoiseMultiplier (RDP, Brent)',
      ms: ms(brent.seconds),
      'x faster than baseline': bisection.seconds / brent.seconds,
      result: `${brentZ.toFixed(6)} (bar < 50 ms)`,
    },
    { case: 'analyticGaussianSigma(1, 1e-5)', ms: ms(analytic.seconds), 'x faster than baseline': '-', result: 'closed-form conversion' },
    { case: 'zcdpToApproxDp(0.5, 1e-5)', ms: ms(zcdp.seconds), 'x faster than baseline': '-', result: 'closed-form conversion' },
  ];
  for (const r of rows) printJson({ bench: 'dp', case: `calibration/${r['case']}`, ms: r['ms'], machine: where });
  printTable(`Calibration: q = 0.01, 10,000 steps, target (1, 1e-5) (${where})`, rows);
}

// ---------------------------------------------------------------------------------------------
// Distributed DP cases (sampler throughput): the distributed-DP engineer adds functions here.
// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
// PLD cases: the PLD engineer adds functions here.
// ---------------------------------------------------------------------------------------------

/**
 * pld-10k-steps: the Abadi et al. run (q = 0.01, noise 4, 10,000 steps, delta = 1e-5) with the
 * PLD accountant at the default interval 1e-4, fresh accountant each run (discretise both
 * directions, one FFT power each, invert). Baseline: the RDP accountant on the same run.
 */
function pldComposition(): void {
  const steps = 10_000;
  const step = poissonSampledEvent(0.01, gaussianEvent(4));
  const rdp = measure(() => new RdpAccountant().compose(step, steps).getEpsilon(1e-5), { minSeconds: 0.5 });
  let eps = 0;
  const pld = measure(() => {
    eps = new PldAccountant().compose(step, steps).getEpsilon(1e-5);
  }, { minSeconds: 2, minRuns: 3 });
  const loop = measure(
    () => {
      const acc = new PldAccountant();
      for (let i = 0; i < steps; i++) acc.compose(step);
      return acc.getEpsilon(1e-5);
    },
    { minSeconds: 2, minRuns: 3 },
  );
  const grid = new PldAccountant().compose(step, steps).getGridInfo();
  const points = Math.max(grid.removePoints, grid.addPoints);
  const rows: Row[] = [
    { case: 'baseline: RDP accountant, same run', ms: ms(rdp.seconds), 'x RDP time': 1, epsilon: '1.0355 (RDP)' },
    {
      case: 'PLD compose(step, 10000) + getEpsilon',
      ms: ms(pld.seconds),
      'x RDP time': pld.seconds / rdp.seconds,
      epsilon: `${eps.toFixed(4)} (bar < 1 s)`,
    },
    {
      case: 'PLD 10000 x compose(step) + getEpsilon',
      ms: ms(loop.seconds),
      'x RDP time': loop.seconds / rdp.seconds,
      epsilon: 'ledger: same PLD work',
    },
  ];
  for (const r of rows) printJson({ bench: 'dp', case: `pld-10k-steps/${r['case']}`, ms: r['ms'], gridPoints: points, machine: where });
  printTable(
    `PLD accountant: 10,000 steps, interval ${grid.valueDiscretizationInterval}, ${points.toLocaleString('en-US')} grid points per direction (${where})`,
    rows,
  );
}

/**
 * pld-vs-rdp: epsilon of standard DP-SGD / DP-FedAvg runs under both accountants (the table
 * in docs/dp-pld.md). The ratio column is RDP epsilon / PLD epsilon: how much RDP overstates.
 */
function pldVersusRdp(): void {
  const settings: readonly [string, number, number, number, number][] = [
    ['DP-SGD MNIST (Abadi et al.)', 0.01, 4, 10_000, 1e-5],
    ['DP-SGD MNIST, 60 epochs', 256 / 60_000, 1.1, 14_063, 1e-5],
    ['DP-SGD CIFAR-10, 100 epochs', 256 / 50_000, 1.5, 19_532, 1e-5],
    ['DP-FedAvg', 5e-3, 1.0, 2_000, 1e-6],
    ['cross-device FL', 1e-3, 0.8, 10_000, 1e-6],
    ['full-batch Gaussian', 1, 10, 100, 1e-5],
  ];
  const rows: Row[] = [];
  for (const [name, q, z, steps, delta] of settings) {
    const event = q === 1 ? gaussianEvent(z) : poissonSampledEvent(q, gaussianEvent(z));
    const rdpEps = new RdpAccountant().compose(event, steps).getEpsilon(delta);
    let pldEps = 0;
    const t = measure(() => {
      pldEps = new PldAccountant().compose(event, steps).getEpsilon(delta);
    }, { minRuns: 1, warmup: 0, minSeconds: 0 });
    rows.push({
      setting: name,
      q: q === 1 ? '1' : q.toPrecision(3),
      noise: z,
      steps,
      delta: delta.toExponential(0),
      'RDP eps': rdpEps.toFixed(3),
      'PLD eps': pldEps.toFixed(3),
      'RDP / PLD': rdpEps / pldEps,
      'PLD ms': ms(t.seconds),
    });
    printJson({ bench: 'dp', case: `pld-vs-rdp/${name}`, q, noise: z, steps, delta, rdpEpsilon: rdpEps, pldEpsilon: pldEps, ms: ms(t.seconds), machine: where });
  }
  printTable(`Epsilon: RDP vs PLD accountant (baseline column: RDP) (${where})`, rows);
}

/** pld-calibration: calibrateNoiseMultiplier with accountant 'pld' vs 'rdp' (baseline). */
function pldCalibration(): void {
  const make = (z: number): DpEvent => selfComposedEvent(poissonSampledEvent(0.01, gaussianEvent(z)), 10_000);
  const rows: Row[] = [];
  let rdpTime = Number.NaN;
  for (const accountant of ['rdp', 'pld'] as const) {
    let z = 0;
    const t = measure(() => {
      z = calibrateNoiseMultiplier({ targetEpsilon: 1, targetDelta: 1e-5, makeEvent: make, accountant });
    }, { minRuns: 1, warmup: 0, minSeconds: 0 });
    if (accountant === 'rdp') rdpTime = t.seconds;
    rows.push({ accountant, ms: ms(t.seconds), 'x RDP time': t.seconds / rdpTime, 'noise multiplier': z.toFixed(4) });
    printJson({ bench: 'dp', case: `pld-calibration/${accountant}`, ms: ms(t.seconds), noiseMultiplier: z, machine: where });
  }
  printTable(`Calibration for (1, 1e-5), q = 0.01, 10,000 steps: PLD needs less noise (${where})`, rows);
}

/**
 * sampler-throughput (distributed DP): exact discrete Gaussian (sigma 1, 100) and Skellam samples
 * per second with the platform CSPRNG, 100,000 samples per call; encodeClientUpdate on a
 * 100,000-element vector. Baseline: drawing 8 random bytes per sample from the same CSPRNG
 * (the raw cost of the randomness alone, no sampling logic).
 */
function samplerThroughput(): void {
  const count = 100_000;
  const rows: Row[] = [];
  const base = measure(() => cryptoRandomBytes(8 * count), { minSeconds: 0.5 });
  const add = (name: string, seconds: number, n: number): void => {
    rows.push({ case: name, 'samples/s': n / seconds, ms: ms(seconds), 'x baseline time': seconds / base.seconds });
    printJson({ bench: 'dp', case: `sampler/${name}`, samplesPerSecond: n / seconds, ms: ms(seconds), machine: where });
  };
  add('baseline: 8 CSPRNG bytes per sample', base.seconds, count);
  const out = new Int32Array(count);
  for (const sigma of [1, 100]) {
    const t = measure(() => sampleDiscreteGaussian({ variance: sigma * sigma, count, out }), { minSeconds: 1 });
    add(`discrete Gaussian sigma ${sigma}`, t.seconds, count);
  }
  const odd = measure(() => sampleDiscreteGaussian({ sigma: 1.3, count, out }), { minSeconds: 1 });
  add('discrete Gaussian sigma 1.3 (BigInt path)', odd.seconds, count);
  for (const lambda of [0.5, 50, 5000]) {
    const n = lambda > 1000 ? count / 10 : count;
    const t = measure(() => sampleSkellam({ lambda, count: n }), { minSeconds: 1, minRuns: 3 });
    add(`Skellam lambda ${lambda}`, t.seconds, n);
  }
  for (const [mechanism, bits] of [['discreteGaussian', 32], ['skellam', 16]] as const) {
    const plan = planDistributedNoise({
      mechanism, clipNorm: 1, dimension: count, clients: 100, minClients: 80, bits, noiseMultiplier: 1,
    });
    const x = new Float32Array(count).fill(0.001);
    const t = measure(() => encodeClientUpdate(x, plan), { minSeconds: 1, minRuns: 3 });
    add(`encodeClientUpdate ${mechanism} ${bits} bits, d=1e5 (local variance ${plan.localVariance})`, t.seconds, count);
  }
  printTable(`Exact sampler throughput, 100,000 samples per call (${where})`, rows);
}

// ---------------------------------------------------------------------------------------------
// Accounting for federated training (issue 17): PRV accountant, fixed-size cohorts, ledger.
// ---------------------------------------------------------------------------------------------

/**
 * prv-reference-runs: the PRV accountant on every run of the PLD table (fresh accountant each
 * time: coarse pass, fine grid, bounds). Baseline: the PLD accountant on the same run. Columns:
 * the bounds, their width relative to the estimate (bar: <= 1%), whether the PLD's epsilon lies
 * inside them, and the time (bar: 10,000 steps in < 1 s).
 */
function prvReferenceRuns(): void {
  const settings: readonly [string, number, number, number, number][] = [
    ['DP-SGD MNIST (Abadi et al.)', 0.01, 4, 10_000, 1e-5],
    ['DP-SGD MNIST, 60 epochs', 256 / 60_000, 1.1, 14_063, 1e-5],
    ['DP-SGD CIFAR-10, 100 epochs', 256 / 50_000, 1.5, 19_532, 1e-5],
    ['DP-FedAvg', 5e-3, 1.0, 2_000, 1e-6],
    ['cross-device FL', 1e-3, 0.8, 10_000, 1e-6],
    ['full-batch Gaussian', 1, 10, 100, 1e-5],
  ];
  const rows: Row[] = [];
  for (const [name, q, z, steps, delta] of settings) {
    const event = q === 1 ? gaussianEvent(z) : poissonSampledEvent(q, gaussianEvent(z));
    let b = new PrvAccountant().getEpsilonBounds(delta);
    const prv = measure(() => {
      b = new PrvAccountant().compose(event, steps).getEpsilonBounds(delta);
    }, { minRuns: quick ? 1 : 3, warmup: quick ? 0 : 1, minSeconds: 0 });
    let pldEps = 0;
    const pld = measure(() => {
      pldEps = new PldAccountant().compose(event, steps).getEpsilon(delta);
    }, { minRuns: 1, warmup: 0, minSeconds: 0 });
    const width = (b.upper - b.lower) / b.estimate;
    rows.push({
      setting: name,
      steps,
      'PRV lower': b.lower.toFixed(4),
      estimate: b.estimate.toFixed(4),
      upper: b.upper.toFixed(4),
      'width %': (100 * width).toFixed(3),
      'PLD eps': pldEps.toFixed(4),
      inside: b.lower <= pldEps && pldEps <= b.upper ? 'yes' : 'NO',
      'PRV ms': ms(prv.seconds),
      'x PLD time': prv.seconds / pld.seconds,
    });
    printJson({
      bench: 'dp',
      case: `prv-reference-runs/${name}`,
      steps,
      lower: b.lower,
      estimate: b.estimate,
      upper: b.upper,
      relativeWidth: width,
      pldEpsilon: pldEps,
      gridStep: b.gridStep,
      ms: ms(prv.seconds),
      pldMs: ms(pld.seconds),
      machine: where,
    });
  }
  printTable(`PRV accountant: bounds on the reference runs (baseline: PLD accountant) (${where})`, rows);
}

/**
 * wor-cohorts: epsilon of fixed-size cohorts (m of N without replacement, substitution) under
 * RDP (Wang-Balle-Kasiviswanathan), PLD and PRV, and the ledger's two epsilons for the same run.
 * Baseline: the RDP accountant's time.
 */
function worCohorts(): void {
  const settings: readonly [string, number, number, number, number, number][] = [
    ['FL: 100 of 10,000 clients', 10_000, 100, 4, 2_000, 1e-6],
    ['FL: 50 of 1,000 clients', 1_000, 50, 2, 500, 1e-6],
    ['MNIST-size cohorts: 256 of 60,000', 60_000, 256, 2.2, 14_063, 1e-5],
  ];
  const rows: Row[] = [];
  const opts = { neighboringRelation: 'replaceOne' } as const;
  for (const [name, n, m, z, rounds, delta] of settings) {
    const event = sampledWithoutReplacementEvent(n, m, gaussianEvent(z));
    let rdp = 0;
    let pld = 0;
    let prv = 0;
    const tr = measure(() => (rdp = new RdpAccountant(opts).compose(event, rounds).getEpsilon(delta)), { minRuns: 1, warmup: 0, minSeconds: 0 });
    const tp = measure(() => (pld = new PldAccountant(opts).compose(event, rounds).getEpsilon(delta)), { minRuns: 1, warmup: 0, minSeconds: 0 });
    const tv = measure(() => (prv = new PrvAccountant(opts).compose(event, rounds).getEpsilon(delta)), { minRuns: 1, warmup: 0, minSeconds: 0 });
    const server = new RdpAccountant(opts).compose(gaussianEvent(z), rounds).getEpsilon(delta);
    rows.push({
      setting: name,
      rounds,
      noise: z,
      'RDP eps': rdp.toFixed(3),
      'PLD eps': pld.toFixed(3),
      'PRV upper': prv.toFixed(3),
      'server (unamplified)': server.toFixed(1),
      'RDP ms': ms(tr.seconds),
      'PLD ms': ms(tp.seconds),
      'PRV ms': ms(tv.seconds),
    });
    printJson({ bench: 'dp', case: `wor-cohorts/${name}`, rounds, rdp, pld, prv, server, rdpMs: ms(tr.seconds), pldMs: ms(tp.seconds), prvMs: ms(tv.seconds), machine: where });
  }
  printTable(`Fixed-size cohorts (substitution): epsilon per accountant, and against the server (${where})`, rows);
}

/**
 * ledger-rounds: recording 1,000 rounds of a distributed discrete Gaussian plan with varying
 * survivors into an RDP ledger (trial, budget check, record), and its JSON round trip.
 * Baseline: composing the same 1,000 events into an RdpAccountant (no trials, no budget).
 */
function ledgerRounds(): void {
  const rounds = 1000;
  const plan = { kind: 'distributedDiscreteGaussian', clients: 80, localSigma: 220, l2Sensitivity: 1000, l1Sensitivity: 30000, dimension: 1000 } as const;
  const record = measure(() => {
    const l = new PrivacyLedger({ sampling: { kind: 'fixedSize', populationSize: 10_000 }, delta: 1e-6, budget: { release: 1e9 } });
    for (let i = 0; i < rounds; i++) l.recordRound({ event: plan, cohortSize: 100, survivors: 80 + (i % 20) });
    return l;
  }, { minRuns: 1, warmup: 0, minSeconds: 0 });
  const base = measure(() => {
    const acc = new RdpAccountant({ neighboringRelation: 'replaceOne' });
    for (let i = 0; i < rounds; i++) {
      acc.compose(sampledWithoutReplacementEvent(10_000, 100, { ...plan, clients: 80 + (i % 20) }));
    }
    return acc.getEpsilon(1e-6);
  }, { minRuns: 1, warmup: 0, minSeconds: 0 });
  const l = new PrivacyLedger({ sampling: { kind: 'fixedSize', populationSize: 10_000 }, delta: 1e-6 });
  for (let i = 0; i < rounds; i++) l.recordRound({ event: plan, cohortSize: 100, survivors: 80 + (i % 20) });
  const text = JSON.stringify(l);
  const load = measure(() => PrivacyLedger.fromJSON(text), { minSeconds: 0.5, minRuns: 3 });
  const rows: Row[] = [
    { case: 'baseline: RdpAccountant, 1000 composes + epsilon', ms: ms(base.seconds), 'x baseline time': 1 },
    { case: 'PrivacyLedger: 1000 recordRound (trial + budget + record)', ms: ms(record.seconds), 'x baseline time': record.seconds / base.seconds },
    { case: `PrivacyLedger.fromJSON (${text.length} bytes)`, ms: ms(load.seconds), 'x baseline time': load.seconds / base.seconds },
  ];
  for (const r of rows) printJson({ bench: 'dp', case: `ledger-rounds/${r['case']}`, ms: r['ms'], machine: where });
  printTable(`Privacy ledger: 1,000 rounds of a distributed plan, fixed-size cohorts (${where})`, rows);
}

/** Every case, in order. Add yours to this list. */
const CASES: readonly (() => void)[] = [
  rdpComposition,
  calibration,
  pldComposition,
  pldVersusRdp,
  pldCalibration,
  samplerThroughput,
  prvReferenceRuns,
  worCohorts,
  ledgerRounds,
];

// `--case <part of a function name>` runs only the matching cases (e.g. `--case prv`).
const only = process.argv.indexOf('--case');
const filter = only >= 0 ? (process.argv[only + 1] ?? '') : '';
for (const run of CASES) if (run.name.toLowerCase().includes(filter.toLowerCase())) run();

/**
 * Differential privacy: accounting, calibration (and, added by the other DP areas, sampler
 * throughput, the PLD accountant and the mechanisms). Run: `npx tsx bench/dp.ts` (`--quick`
 * skips the slow baselines, `--case=<prefix>` runs the cases whose function name starts so).
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
import { mapSummary, stats, type Measurement, type Summary } from './_harness.js';
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
  decodeServerSum,
  encodeClientUpdate,
  planDistributedNoise,
  sampleDiscreteGaussian,
  sampleSkellam,
  validateDpPlan,
} from '../src/dp/index.js';
import { _rotateInPlace, _rotationSigns } from '../src/dp/_rotation.js';
import { cryptoRandomBytes } from '../src/random.js';

const quick = process.argv.includes('--quick');
const where = machine();
const ms = (s: number): number => s * 1000;
/** A measurement in ms: median (min-max) in a table cell, `stats` in a JSON line. */
const msOf = (m: Measurement): Summary => mapSummary(m, ms);

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
  const add = (name: string, m: Measurement, baseline: number, note: string): void => {
    const ratio = Number.isNaN(baseline) ? '- (--quick)' : baseline / m.seconds;
    rows.push({ case: name, ms: msOf(m), 'x faster than baseline': ratio, note });
    printJson({ bench: 'dp', case: `rdp-10k-steps/${name}`, ...stats(msOf(m), 'ms'), ms: ms(m.seconds), machine: where });
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
    add('baseline: RDP recomputed per step', naive, baseline, '10,000 RDP evaluations');
  }
  add('compose(step, 10000) + getEpsilon', once, baseline, 'bar: < 2 ms');
  add('10000 x compose(step) + getEpsilon', loop, baseline, 'same event object, cached RDP');
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
    { case: 'baseline: bisection (RDP)', ms: msOf(bisection), 'x faster than baseline': 1, result: bisZ.toFixed(6) },
    {
      case: 'calibrateNoiseMultiplier (RDP, Brent)',
      ms: msOf(brent),
      'x faster than baseline': bisection.seconds / brent.seconds,
      result: `${brentZ.toFixed(6)} (bar < 50 ms)`,
    },
    { case: 'analyticGaussianSigma(1, 1e-5)', ms: msOf(analytic), 'x faster than baseline': '-', result: 'closed-form conversion' },
    { case: 'zcdpToApproxDp(0.5, 1e-5)', ms: msOf(zcdp), 'x faster than baseline': '-', result: 'closed-form conversion' },
  ];
  for (const r of rows) printJson({ bench: 'dp', case: `calibration/${r['case']}`, ...stats(r['ms'] as Summary, 'ms'), ms: (r['ms'] as Summary).median, machine: where });
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
    { case: 'baseline: RDP accountant, same run', ms: msOf(rdp), 'x RDP time': 1, epsilon: '1.0355 (RDP)' },
    {
      case: 'PLD compose(step, 10000) + getEpsilon',
      ms: msOf(pld),
      'x RDP time': pld.seconds / rdp.seconds,
      epsilon: `${eps.toFixed(4)} (bar < 1 s)`,
    },
    {
      case: 'PLD 10000 x compose(step) + getEpsilon',
      ms: msOf(loop),
      'x RDP time': loop.seconds / rdp.seconds,
      epsilon: 'ledger: same PLD work',
    },
  ];
  for (const r of rows) printJson({ bench: 'dp', case: `pld-10k-steps/${r['case']}`, ...stats(r['ms'] as Summary, 'ms'), ms: (r['ms'] as Summary).median, gridPoints: points, machine: where });
  printTable(
    `PLD accountant: 10,000 steps, interval ${grid.valueDiscretizationInterval}, ${points.toLocaleString('en-US')} grid points per direction (${where})`,
    rows,
  );
}

/** The reference runs of docs/dp-pld.md and docs/dp-prv.md: name, sampling rate q, noise multiplier z, steps, delta. */
const REFERENCE_RUNS: readonly [string, number, number, number, number][] = [
  ['DP-SGD MNIST (Abadi et al.)', 0.01, 4, 10_000, 1e-5],
  ['DP-SGD MNIST, 60 epochs', 256 / 60_000, 1.1, 14_063, 1e-5],
  ['DP-SGD CIFAR-10, 100 epochs', 256 / 50_000, 1.5, 19_532, 1e-5],
  ['DP-FedAvg', 5e-3, 1.0, 2_000, 1e-6],
  ['cross-device FL', 1e-3, 0.8, 10_000, 1e-6],
  ['full-batch Gaussian', 1, 10, 100, 1e-5],
];

/** One step of a reference run: the Gaussian, Poisson-sampled unless q = 1. */
const referenceEvent = (q: number, z: number): DpEvent => (q === 1 ? gaussianEvent(z) : poissonSampledEvent(q, gaussianEvent(z)));

/**
 * pld-vs-rdp: epsilon of standard DP-SGD / DP-FedAvg runs under both accountants (the table
 * in docs/dp-pld.md). The ratio column is RDP epsilon / PLD epsilon: how much RDP overstates.
 */
function pldVersusRdp(): void {
  const rows: Row[] = [];
  for (const [name, q, z, steps, delta] of REFERENCE_RUNS) {
    const event = referenceEvent(q, z);
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
      'PLD ms': msOf(t),
    });
    printJson({ bench: 'dp', case: `pld-vs-rdp/${name}`, q, noise: z, steps, delta, rdpEpsilon: rdpEps, pldEpsilon: pldEps, ...stats(msOf(t), 'ms'), ms: ms(t.seconds), machine: where });
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
    rows.push({ accountant, ms: msOf(t), 'x RDP time': t.seconds / rdpTime, 'noise multiplier': z.toFixed(4) });
    printJson({ bench: 'dp', case: `pld-calibration/${accountant}`, ...stats(msOf(t), 'ms'), ms: ms(t.seconds), noiseMultiplier: z, machine: where });
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
  const add = (name: string, m: Measurement, n: number): void => {
    const seconds = m.seconds;
    rows.push({ case: name, 'samples/s': mapSummary(m, (t) => n / t), ms: msOf(m), 'x baseline time': seconds / base.seconds });
    printJson({ bench: 'dp', case: `sampler/${name}`, ...stats(msOf(m), 'ms'), samplesPerSecond: n / seconds, ms: ms(seconds), machine: where });
  };
  add('baseline: 8 CSPRNG bytes per sample', base, count);
  const out = new Int32Array(count);
  for (const sigma of [1, 100]) {
    const t = measure(() => sampleDiscreteGaussian({ variance: sigma * sigma, count, out }), { minSeconds: 1 });
    add(`discrete Gaussian sigma ${sigma}`, t, count);
  }
  const odd = measure(() => sampleDiscreteGaussian({ sigma: 1.3, count, out }), { minSeconds: 1 });
  add('discrete Gaussian sigma 1.3 (BigInt path)', odd, count);
  for (const lambda of [0.5, 50, 5000]) {
    const n = lambda > 1000 ? count / 10 : count;
    const t = measure(() => sampleSkellam({ lambda, count: n }), { minSeconds: 1, minRuns: 3 });
    add(`Skellam lambda ${lambda}`, t, n);
  }
  for (const [mechanism, bits] of [['discreteGaussian', 32], ['skellam', 16]] as const) {
    const plan = planDistributedNoise({
      mechanism, clipNorm: 1, dimension: count, clients: 100, minClients: 80, bits, noiseMultiplier: 1,
    });
    const x = new Float32Array(count).fill(0.001);
    const t = measure(() => encodeClientUpdate(x, plan), { minSeconds: 1, minRuns: 3 });
    add(`encodeClientUpdate ${mechanism} ${bits} bits, d=1e5 (local variance ${plan.localVariance})`, t, count);
  }
  printTable(`Exact sampler throughput, 100,000 samples per call (${where})`, rows);
}

// ---------------------------------------------------------------------------------------------
// Mechanisms around secure aggregation (plans, rotation): docs/dp-mechanisms.md
// ---------------------------------------------------------------------------------------------

/**
 * mechanisms-rotation: what the seeded randomised Hadamard rotation costs and buys, d = 100,000
 * (D = 131,072), 100 clients, threshold 80, z = 1, discrete Gaussian.
 * - time: the in-place rotation of D elements against a baseline pass that scales the same
 *   Float64Array once (the cost of touching the data); encodeClientUpdate and decodeServerSum
 *   with and without rotation (baseline: without).
 * - modulus: the scale each plan reaches at 16 and 20 bits (integer units per unit: larger means
 *   less rounding inflation) and the epsilon of one release at the threshold.
 * - plain data: validateDpPlan of a JSON-parsed plan (what a worker or a restarted server pays
 *   once per plan; plans built or validated in-process skip it).
 */
function mechanismsRotation(): void {
  const d = 100_000;
  const D = 131_072;
  const round = new Uint8Array(32).fill(1);
  const rows: Row[] = [];
  const add = (name: string, seconds: number, baseline: number, note: string): void => {
    rows.push({ case: name, ms: ms(seconds), 'x baseline time': seconds / baseline, note });
    printJson({ bench: 'dp', case: `mechanisms/${name}`, ms: ms(seconds), machine: where });
  };
  const x = new Float64Array(D).map((_, i) => Math.sin(i) / 300);
  const signs = _rotationSigns(round, D);
  const pass = measure(() => {
    for (let i = 0; i < D; i++) x[i] = (x[i] as number) * 1.0000001;
  }, { minSeconds: 0.5 });
  add('baseline: one scaling pass over D floats', pass.seconds, pass.seconds, `D = ${D}`);
  const rot = measure(() => _rotateInPlace(x, signs), { minSeconds: 0.5 });
  add('rotation (signs + FWHT + normalise), in place', rot.seconds, pass.seconds, '17 butterfly stages in 9 passes (radix 4)');
  const sg = measure(() => _rotationSigns(round, D), { minSeconds: 0.5 });
  add('rotation signs (HKDF + ChaCha20, D bits)', sg.seconds, pass.seconds, 'once per round');
  const common = { clipNorm: 1, dimension: d, clients: 100, minClients: 80, bits: 20, noiseMultiplier: 1 } as const;
  const flat = planDistributedNoise(common);
  const rotated = planDistributedNoise({ ...common, rotation: 'hadamard' });
  const update = new Float32Array(d).map((_, i) => Math.cos(i) / 400);
  const encFlat = measure(() => encodeClientUpdate(update, flat), { minSeconds: 1, minRuns: 3 });
  const encRot = measure(() => encodeClientUpdate(update, rotated, { round }), { minSeconds: 1, minRuns: 3 });
  add('encodeClientUpdate, no rotation (baseline)', encFlat.seconds, encFlat.seconds, `scale ${flat.scale}`);
  add('encodeClientUpdate, rotated', encRot.seconds, encFlat.seconds, `scale ${rotated.scale}, ${D} elements`);
  const sumFlat = encodeClientUpdate(update, flat);
  const sumRot = encodeClientUpdate(update, rotated, { round });
  const decFlat = measure(() => decodeServerSum(sumFlat, flat, { count: 80 }), { minSeconds: 0.5 });
  const decRot = measure(() => decodeServerSum(sumRot, rotated, { count: 80, round }), { minSeconds: 0.5 });
  add('decodeServerSum, no rotation (baseline)', decFlat.seconds, decFlat.seconds, '');
  add('decodeServerSum, rotated', decRot.seconds, decFlat.seconds, 'inverse rotation');
  const json = JSON.stringify(rotated);
  const val = measure(() => validateDpPlan(JSON.parse(json)), { minSeconds: 0.5 });
  add('validateDpPlan(JSON.parse(plan))', val.seconds, decFlat.seconds, 'recomputes every derived field');
  printTable(`DP mechanisms: rotation cost, d = ${d} (${where})`, rows);

  const gains: Row[] = [];
  for (const bits of [16, 20]) {
    const f = planDistributedNoise({ ...common, bits });
    const r = planDistributedNoise({ ...common, bits, rotation: 'hadamard' });
    const eps = (p: typeof f): string => new RdpAccountant().compose(p.event).getEpsilon(1e-5).toFixed(4);
    gains.push({
      bits,
      'scale, no rotation': f.scale,
      'scale, rotated': r.scale,
      'x scale': r.scale / f.scale,
      'bits saved': Math.log2(r.scale / f.scale).toFixed(2),
      'eps/round, no rotation': eps(f),
      'eps/round, rotated': eps(r),
    });
    printJson({ bench: 'dp', case: `mechanisms/rotation-scale/${bits}bits`, scaleFlat: f.scale, scaleRotated: r.scale, machine: where });
  }
  printTable('DP mechanisms: what rotation buys at a fixed modulus (baseline: no rotation)', gains);
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
  const rows: Row[] = [];
  for (const [name, q, z, steps, delta] of REFERENCE_RUNS) {
    const event = referenceEvent(q, z);
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
      'PRV ms': msOf(prv),
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
      ...stats(msOf(prv), 'ms'),
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
  mechanismsRotation,
  prvReferenceRuns,
  worCohorts,
  ledgerRounds,
];

// `--case=<name prefix>` runs only the matching cases (e.g. --case=mechanisms).
const only = process.argv.find((a) => a.startsWith('--case='))?.slice('--case='.length);
for (const run of CASES) if (only === undefined || run.name.startsWith(only)) run();

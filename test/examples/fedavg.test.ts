/**
 * The federated-training example (examples/fedavg): its parts on their own (the seeded
 * sampler, the Dirichlet split, the model's gradient against finite differences, the dropout
 * schedule against a real simulated session, the command line), then two short rounds of both
 * arms on the real digits.
 */
import { describe, expect, it } from 'vitest';
import { simulateSession } from '../../src/simulate/index.js';
import { PIXELS, dirichletSplit, holdOut, loadMnist, subset, type Dataset } from '../../examples/fedavg/data.js';
import { runArm, type Federation } from '../../examples/fedavg/fedavg.js';
import { DIMENSION, evaluate, localUpdate, toSparse } from '../../examples/fedavg/model.js';
import { DEFAULTS, cohortSize, parseOptions } from '../../examples/fedavg/options.js';
import { Random } from '../../examples/fedavg/random.js';
import { drawSchedule } from '../../examples/fedavg/schedule.js';

const mnist = loadMnist();

describe('examples/fedavg: data', () => {
  it('the package ships 10,000 digits, 784 pixels in [0, 1], every label', () => {
    expect(mnist.size).toBe(10_000);
    expect(mnist.pixels.length).toBe(10_000 * PIXELS);
    expect(Math.min(...mnist.pixels.subarray(0, 50_000))).toBe(0);
    expect(Math.max(...mnist.pixels.subarray(0, 50_000))).toBeLessThanOrEqual(1);
    expect(new Set(mnist.labels).size).toBe(10);
  });

  it('the Dirichlet split gives each client its own examples; small alpha, fewer labels', () => {
    const { train, test } = holdOut(mnist, 2000, Random.seeded(1, 'holdout'));
    expect(train.size + test.size).toBe(10_000);
    const labelsPerClient = (alpha: number): number => {
      const split = dirichletSplit(train, 100, 80, alpha, Random.seeded(1, `split/${alpha}`));
      const seen = new Set<number>();
      let labels = 0;
      for (const rows of split) {
        expect(rows.length).toBe(80);
        for (const r of rows) {
          expect(seen.has(r)).toBe(false);
          seen.add(r);
        }
        labels += new Set(Array.from(rows, (r) => train.labels[r])).size;
      }
      expect(seen.size).toBe(8000);
      return labels / split.length;
    };
    const skewed = labelsPerClient(0.1);
    const mild = labelsPerClient(0.5);
    const iid = labelsPerClient(100);
    expect(skewed).toBeLessThan(mild);
    expect(mild).toBeLessThan(iid);
    expect(iid).toBeGreaterThan(9.5);
  });

  it('the seeded streams are reproducible, and Dirichlet vectors sum to 1', () => {
    expect(Random.seeded(3, 'x').sample(100, 10)).toEqual(Random.seeded(3, 'x').sample(100, 10));
    expect(Random.seeded(3, 'x').sample(100, 10)).not.toEqual(Random.seeded(4, 'x').sample(100, 10));
    const rng = Random.seeded(5, 'gamma');
    let mean = 0;
    for (let i = 0; i < 4000; i++) mean += rng.gamma(0.5) / 4000;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    const p = rng.dirichlet(0.05, 10);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});

describe('examples/fedavg: model', () => {
  it('one SGD step on one example is minus the learning rate times the finite-difference gradient', () => {
    const one: Dataset = subset(mnist, [1234]);
    const data = toSparse(one);
    const params = Float64Array.from({ length: DIMENSION }, (_, i) => Math.sin(i) * 0.01);
    const lr = 1e-3;
    const update = localUpdate(params, data, Int32Array.of(0), { epochs: 1, batchSize: 1, learningRate: lr }, Random.seeded(0, 't'));
    const loss = (p: Float64Array): number => evaluate(p, data).loss;
    const pixel = Array.from(one.pixels).findIndex((v) => v > 0.5);
    for (const i of [pixel, 3 * PIXELS + pixel, DIMENSION - 1, DIMENSION - 7]) {
      const h = 1e-5;
      const up = Float64Array.from(params);
      const down = Float64Array.from(params);
      up[i] = (up[i] as number) + h;
      down[i] = (down[i] as number) - h;
      const grad = (loss(up) - loss(down)) / (2 * h);
      expect(update[i]).toBeCloseTo(-lr * grad, 9);
    }
  });
});

describe('examples/fedavg: schedule', () => {
  it('predicts exactly whom a real session sums, and when it cannot complete', () => {
    const schedule = drawSchedule({ rounds: 16, population: 50, cohort: 6, threshold: 4, dropout: 0.3 }, Random.seeded(9, 's'), 'test');
    expect(schedule.some((r) => !r.completes)).toBe(true);
    expect(schedule.some((r) => r.completes && r.included.length < 6)).toBe(true);
    for (const r of schedule) {
      expect(new Set(r.cohort).size).toBe(6);
      const report = simulateSession({ clients: 6, threshold: 4, length: 4, bits: 8, dropouts: r.dropouts, seed: r.roundValue, encode: false });
      expect(report.outcome === 'completed', `round ${r.round}`).toBe(r.completes);
      if (r.completes) expect(report.included).toEqual(r.included);
    }
  });
});

describe('examples/fedavg: command line', () => {
  it('defaults, and coded refusals of bad flags', () => {
    expect(parseOptions([])).toEqual(DEFAULTS);
    expect(cohortSize(DEFAULTS)).toBe(10);
    const o = parseOptions(['--rounds', '3', '--clients', '20', '--sample', '0.25', '--noise', '0.5,2', '--no-chart']);
    expect([o.rounds, cohortSize(o), o.noise, o.chart]).toEqual([3, 5, [0.5, 2], null]);
    for (const bad of [['--rounds', '0'], ['--noise', '1,-1'], ['--rotation', 'fft'], ['--colour', 'red'], ['--clients'], ['--clients', '200']]) {
      expect(() => parseOptions(bad)).toThrow();
    }
    expect(() => cohortSize(parseOptions(['--clients', '20']))).toThrow(/3\.\.20/);
  });
});

describe('examples/fedavg: three rounds of both arms on the real digits', () => {
  it('DP through secure aggregation: sums checked, both epsilons rising with each release; plain learns', () => {
    const { train, test } = holdOut(mnist, 500, Random.seeded(1, 'holdout'));
    const clientRows = dirichletSplit(train, 12, 40, 0.5, Random.seeded(1, 'split'));
    // Seed 6: all four summed; one drops at shareKeys (three summed); two drop, below the threshold.
    const schedule = drawSchedule({ rounds: 3, population: 12, cohort: 4, threshold: 3, dropout: 0.2 }, Random.seeded(6, 'schedule'), 'test');
    expect(schedule.map((r) => [r.completes, r.included.length])).toEqual([[true, 4], [true, 3], [false, 3]]);
    const f: Federation = {
      train: toSparse(train), test: toSparse(test), clientRows, schedule, cohort: 4, threshold: 3, population: 12,
      local: { epochs: 1, batchSize: 10, learningRate: 0.1 }, serverLearningRate: 1, seed: 1,
    };
    const plain = runArm(f, { kind: 'plain' }, () => {});
    expect(plain.rounds.map((r) => [r.released, r.epsilon])).toEqual([[true, null], [true, null], [false, null]]);
    expect(plain.rounds[1]?.accuracy).toBeGreaterThan(0.2);
    expect(plain.rounds[2]?.accuracy).toBe(plain.rounds[1]?.accuracy);
    const dp = runArm(f, { kind: 'dp', noiseMultiplier: 1, clipNorm: 1, bits: 16, rotation: 'hadamard', delta: 1e-5 }, () => {});
    expect(dp.plan?.vectorLength).toBe(8192);
    expect(dp.rounds.map((r) => [r.released, r.survivors, r.sumMatches, r.scheduleMatches])).toEqual([
      [true, 4, true, true],
      [true, 3, true, true],
      [false, 0, null, true],
    ]);
    const [a, b, c] = dp.rounds.map((r) => r.epsilon as { server: number; release: number });
    expect(a?.server).toBeGreaterThan(0);
    expect(b?.server).toBeGreaterThan(a?.server as number);
    expect(b?.release).toBeGreaterThan(a?.release as number);
    expect(b?.release).toBeLessThan(b?.server as number);
    expect(c).toEqual(b);
    expect(Number.isFinite(b?.server)).toBe(true);
  });
});

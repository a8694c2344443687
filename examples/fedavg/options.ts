/** The example's command line: `--name value` pairs, each checked, with the defaults below. */
import type { DpRotation } from '../../src/dp/index.js';

export interface ExampleOptions {
  /** Rounds of federated training. */
  readonly rounds: number;
  /** Population: clients holding data. */
  readonly clients: number;
  /** Fraction of the population sampled per round (fixed size: round(sample x clients)). */
  readonly sample: number;
  /** Each sampled client drops with this probability, at a protocol round drawn uniformly. */
  readonly dropout: number;
  /** Dirichlet concentration of the label split (small: few labels per client). */
  readonly alpha: number;
  /** Examples per client (the rest of the 8,000 training examples are unused). */
  readonly perClient: number;
  /** Held-out test examples (of the package's 10,000). */
  readonly testSize: number;
  /** Noise multipliers of the DP arms (noise stddev of `threshold` survivors / clip norm). */
  readonly noise: readonly number[];
  readonly clip: number;
  readonly bits: number;
  readonly rotation: DpRotation;
  readonly delta: number;
  readonly localEpochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly serverLearningRate: number;
  /** Seed of the data split and the local shuffles (the cohorts and the DP noise use the CSPRNG). */
  readonly seed: number;
  /**
   * Seed of the cohorts and dropouts, for reproducible test runs; null (default): the CSPRNG.
   * A seed others know voids the release epsilon's assumption that the cohort is unpredictable.
   */
  readonly scheduleSeed: number | null;
  /** Where to write the chart (SVG), or null for none. */
  readonly chart: string | null;
}

export const DEFAULTS: ExampleOptions = {
  rounds: 100,
  clients: 100,
  sample: 0.1,
  dropout: 0.1,
  alpha: 0.5,
  perClient: 80,
  testSize: 2000,
  noise: [0.5, 1, 2],
  clip: 1,
  bits: 16,
  // Measured (examples/fedavg/README.md): at 7,850 parameters, 10 clients and 16 bits the
  // rounding inflation is already below 0.2% without rotation; rotation would pad to 8,192.
  rotation: 'none',
  delta: 1e-5,
  localEpochs: 2,
  batchSize: 10,
  learningRate: 0.1,
  serverLearningRate: 0.25,
  seed: 1,
  scheduleSeed: null,
  chart: 'docs/charts/fedavg.svg',
};

const USAGE = `usage: npm run example:fedavg -- [--rounds N] [--clients N] [--sample F] [--dropout F]
  [--alpha A] [--per-client N] [--test-size N] [--noise Z1,Z2,...] [--clip C] [--bits B]
  [--rotation hadamard|none] [--delta D] [--local-epochs E] [--batch-size B] [--lr L]
  [--server-lr L] [--seed S] [--schedule-seed S] [--chart PATH | --no-chart]`;

/** Parses `argv`; throws an Error naming the flag and its allowed range. */
export function parseOptions(argv: readonly string[]): ExampleOptions {
  const o: { -readonly [K in keyof ExampleOptions]: ExampleOptions[K] } = { ...DEFAULTS };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === '--help' || flag === '-h') throw new Error(USAGE);
    if (flag === '--no-chart') {
      o.chart = null;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    const int = (min: number, max: number): number => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${flag} must be an integer in [${min}, ${max}], got ${value}`);
      return n;
    };
    const num = (min: number, max: number, open = false): number => {
      const n = Number(value);
      if (!Number.isFinite(n) || n < min || n > max || (open && n === min)) throw new Error(`${flag} must be a number in ${open ? '(' : '['}${min}, ${max}], got ${value}`);
      return n;
    };
    switch (flag) {
      case '--rounds': o.rounds = int(1, 10_000); break;
      case '--clients': o.clients = int(3, 10_000); break;
      case '--sample': o.sample = num(0, 1, true); break;
      case '--dropout': o.dropout = num(0, 0.9); break;
      case '--alpha': o.alpha = num(0, 1e6, true); break;
      case '--per-client': o.perClient = int(1, 8000); break;
      case '--test-size': o.testSize = int(100, 5000); break;
      case '--noise': o.noise = value.split(',').map((z) => {
        const n = Number(z);
        if (!(Number.isFinite(n) && n > 0 && n <= 1e6)) throw new Error(`--noise takes noise multipliers in (0, 1e6], got ${z}`);
        return n;
      }); break;
      case '--clip': o.clip = num(0, 1e6, true); break;
      case '--bits': o.bits = int(8, 32); break;
      case '--rotation':
        if (value !== 'hadamard' && value !== 'none') throw new Error(`--rotation must be hadamard or none, got ${value}`);
        o.rotation = value;
        break;
      case '--delta': o.delta = num(0, 0.1, true); break;
      case '--local-epochs': o.localEpochs = int(1, 100); break;
      case '--batch-size': o.batchSize = int(1, 8000); break;
      case '--lr': o.learningRate = num(0, 100, true); break;
      case '--server-lr': o.serverLearningRate = num(0, 100, true); break;
      case '--seed': o.seed = int(0, 2 ** 31); break;
      case '--schedule-seed': o.scheduleSeed = int(0, 2 ** 31); break;
      case '--chart': o.chart = value; break;
      default: throw new Error(`unknown flag ${flag}\n${USAGE}`);
    }
  }
  if (o.clients * o.perClient > 10_000 - o.testSize) {
    throw new Error(`--clients ${o.clients} x --per-client ${o.perClient} exceeds the ${10_000 - o.testSize} training examples (10,000 minus --test-size)`);
  }
  return o;
}

/** Clients per round: round(sample x clients), at least 3 (a session of 2 cannot lose one). */
export function cohortSize(o: ExampleOptions): number {
  const m = Math.round(o.sample * o.clients);
  if (m < 3 || m > o.clients) throw new Error(`--sample ${o.sample} x --clients ${o.clients} gives ${m} clients per round; need 3..${o.clients}`);
  return m;
}

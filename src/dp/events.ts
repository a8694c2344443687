/**
 * Privacy events: plain, frozen, serialisable descriptions of what a mechanism did. An event
 * computes nothing; accountants (RDP, PLD) consume events and answer epsilon/delta questions.
 *
 * Conventions (shared by every accountant in secagg):
 * - **Noise multiplier** = noise standard deviation / L2 sensitivity of the released sum
 *   (dimensionless). A Gaussian event with noise multiplier z is the mechanism
 *   f(D) + N(0, (z * Delta2)^2 I) for a query f with L2 sensitivity Delta2.
 * - Sensitivities of the integer-valued (discrete) mechanisms are given in the integer units in
 *   which the noise is added (after scaling and rounding), so they carry their own unit.
 * - Sensitivities (and so noise multipliers) are always stated for ONE record (client) added
 *   or removed, i.e. the bound on one contribution (the clipping norm). Under the
 *   `'replaceOne'` relation the accountants double them themselves; see `accountant.ts`.
 * - Sampling events fix the neighbouring relation they are analysed under: Poisson sampling
 *   add/remove (`'addOrRemoveOne'`), sampling a fixed-size sample without replacement
 *   substitution (`'replaceOne'`); an accountant with the other relation refuses them.
 *
 * Every event is validated when it is built (a bad parameter throws `INVALID_EVENT` at the
 * constructor, never later in an accountant) and deep-frozen. {@link validateEvent} does the
 * same for a plain object that came from elsewhere (e.g. `JSON.parse`), returning a frozen copy.
 * @module
 */
import { SecAggError } from '../errors.js';
import { describeType } from '../_assert.js';

/** Gaussian mechanism with noise stddev = `noiseMultiplier` * L2 sensitivity. */
export interface GaussianEvent {
  readonly kind: 'gaussian';
  /** Noise standard deviation / L2 sensitivity; finite, > 0. */
  readonly noiseMultiplier: number;
}

/** `event` applied to a Poisson sample of the data (each record included with probability q). */
export interface PoissonSampledEvent {
  readonly kind: 'poissonSampled';
  /** Inclusion probability q in [0, 1] (in FL: expected clients per round / population). */
  readonly samplingRate: number;
  readonly event: DpEvent;
}

/**
 * `event` applied to a uniformly random sample of exactly `sampleSize` of the `populationSize`
 * records, drawn without replacement (a fixed-size cohort of m clients out of N, as Flower, TFF
 * and production FL sample). Analysed under substitution (`'replaceOne'`): the population size
 * is public, one record's value changes (dp_accounting's `SampledWithoutReplacementDpEvent`).
 */
export interface SampledWithoutReplacementEvent {
  readonly kind: 'sampledWithoutReplacement';
  /** Population size N, a safe integer >= 1. */
  readonly populationSize: number;
  /** Sample size m, a safe integer in [0, N]; the sampling fraction is m / N. */
  readonly sampleSize: number;
  readonly event: DpEvent;
}

/** `event` repeated `count` times (adaptive composition). */
export interface SelfComposedEvent {
  readonly kind: 'selfComposed';
  readonly event: DpEvent;
  /** Integer >= 0 (safe integer). */
  readonly count: number;
}

/** Composition of a list of (possibly different) events. */
export interface ComposedEvent {
  readonly kind: 'composed';
  readonly events: readonly DpEvent[];
}

/**
 * Discrete Gaussian mechanism N_Z(0, sigma^2) added to an integer-valued query
 * (Canonne, Kamath, Steinke 2020).
 */
export interface DiscreteGaussianEvent {
  readonly kind: 'discreteGaussian';
  /** Scale parameter sigma of N_Z(0, sigma^2), in integer units; finite, > 0. */
  readonly sigma: number;
  /** L2 sensitivity of the integer-valued query, in the same units; finite, > 0. */
  readonly sensitivity: number;
}

/**
 * Distributed discrete Gaussian (Kairouz, Liu, Steinke, ICML 2021): each of at least `clients`
 * clients adds N_Z(0, localSigma^2) per coordinate and only the sum is released.
 */
export interface DistributedDiscreteGaussianEvent {
  readonly kind: 'distributedDiscreteGaussian';
  /**
   * Minimum number of clients whose noise is in the released sum: the protocol's threshold
   * (dropouts reduce the noise), an integer >= 1.
   */
  readonly clients: number;
  /** Per-client scale sigma of N_Z(0, sigma^2) per coordinate, integer units; finite, > 0. */
  readonly localSigma: number;
  /** L2 sensitivity in integer units (after scaling and rounding); finite, > 0. */
  readonly l2Sensitivity: number;
  /** L1 sensitivity in integer units (after scaling and rounding); finite, > 0. */
  readonly l1Sensitivity: number;
  /** Vector dimension d, an integer >= 1. */
  readonly dimension: number;
}

/**
 * Distributed Skellam (Agarwal, Kairouz, Liu, NeurIPS 2021): each of at least `clients` clients
 * adds Sk(lambda, lambda) per coordinate, whose variance is 2 lambda = `localVariance`.
 */
export interface SkellamEvent {
  readonly kind: 'skellam';
  /** Minimum number of clients whose noise is in the sum (the protocol threshold), >= 1. */
  readonly clients: number;
  /** Per-client noise variance 2 lambda per coordinate, integer units squared; finite, > 0. */
  readonly localVariance: number;
  /** L2 sensitivity in integer units (after scaling and rounding); finite, > 0. */
  readonly l2Sensitivity: number;
  /** L1 sensitivity in integer units (after scaling and rounding); finite, > 0. */
  readonly l1Sensitivity: number;
}

/** An event with no privacy cost (e.g. a round that released nothing). */
export interface NoOpEvent {
  readonly kind: 'noOp';
}

/** Any privacy event, discriminated by `kind`. */
export type DpEvent =
  | GaussianEvent
  | PoissonSampledEvent
  | SampledWithoutReplacementEvent
  | SelfComposedEvent
  | ComposedEvent
  | DiscreteGaussianEvent
  | DistributedDiscreteGaussianEvent
  | SkellamEvent
  | NoOpEvent;

/** The `kind` strings of {@link DpEvent}. */
export type DpEventKind = DpEvent['kind'];

/** Nesting deeper than this is refused (guards the recursion against hostile or cyclic input). */
const MAX_DEPTH = 64;
/** Events that this module built (already validated and frozen): reused without a copy. */
const built = new WeakSet<object>();

function fail(path: string, message: string): never {
  throw new SecAggError('INVALID_EVENT', `${path}: ${message}`);
}

function num(
  obj: Record<string, unknown>,
  key: string,
  path: string,
  check: (v: number) => boolean,
  range: string,
): number {
  const v = obj[key];
  if (typeof v !== 'number' || !check(v)) {
    fail(`${path}.${key}`, `must be ${range}, got ${typeof v === 'number' ? String(v) : describeType(v)}`);
  }
  return v;
}

const positive = (v: number): boolean => Number.isFinite(v) && v > 0;
const positiveInt = (v: number): boolean => Number.isSafeInteger(v) && v >= 1;

const FIELDS: Readonly<Record<DpEventKind, readonly string[]>> = {
  gaussian: ['kind', 'noiseMultiplier'],
  poissonSampled: ['kind', 'samplingRate', 'event'],
  sampledWithoutReplacement: ['kind', 'populationSize', 'sampleSize', 'event'],
  selfComposed: ['kind', 'event', 'count'],
  composed: ['kind', 'events'],
  discreteGaussian: ['kind', 'sigma', 'sensitivity'],
  distributedDiscreteGaussian: [
    'kind',
    'clients',
    'localSigma',
    'l2Sensitivity',
    'l1Sensitivity',
    'dimension',
  ],
  skellam: ['kind', 'clients', 'localVariance', 'l2Sensitivity', 'l1Sensitivity'],
  noOp: ['kind'],
};

/** True when `event` is or contains a distributed-noise mechanism. */
function containsDistributed(event: DpEvent): boolean {
  switch (event.kind) {
    case 'distributedDiscreteGaussian':
    case 'skellam':
      return true;
    case 'composed':
      return event.events.some(containsDistributed);
    case 'selfComposed':
    case 'poissonSampled':
    case 'sampledWithoutReplacement':
      return containsDistributed(event.event);
    default:
      return false;
  }
}

function check(value: unknown, path: string, depth: number): DpEvent {
  if (depth > MAX_DEPTH) fail(path, `events nest deeper than ${MAX_DEPTH} levels`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(path, `must be an event object, got ${describeType(value)}`);
  }
  if (built.has(value)) return value as DpEvent;
  const obj = value as Record<string, unknown>;
  const kind = obj['kind'];
  if (typeof kind !== 'string' || !Object.prototype.hasOwnProperty.call(FIELDS, kind)) {
    fail(`${path}.kind`, `unknown event kind ${typeof kind === 'string' ? JSON.stringify(kind.slice(0, 40)) : describeType(kind)}`);
  }
  const allowed = FIELDS[kind as DpEventKind];
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail(path, `unknown field "${key.slice(0, 40)}" for kind "${kind}"`);
  }
  let out: DpEvent;
  switch (kind as DpEventKind) {
    case 'gaussian':
      out = { kind: 'gaussian', noiseMultiplier: num(obj, 'noiseMultiplier', path, positive, 'a finite number > 0') };
      break;
    case 'poissonSampled': {
      const samplingRate = num(obj, 'samplingRate', path, (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
      const inner = check(obj['event'], `${path}.event`, depth + 1);
      // Distributed noise is bounded for neighbouring sums that carry the same clients' noise
      // (one client's update zeroed or replaced). Poisson amplification needs the add/remove
      // bound, where an absent client also takes its noise away: a different divergence (at
      // d = 100,000 the true Renyi divergence is ~30x what the event charges). Refused rather
      // than under-counted; fixed-size sampling (substitution) has no such gap.
      if (containsDistributed(inner)) {
        fail(
          `${path}.event`,
          'distributed noise (distributedDiscreteGaussian, skellam) cannot be Poisson-sampled: its bound needs the same ' +
            "clients' noise in both neighbouring sums; use sampledWithoutReplacementEvent (fixed-size cohorts)",
        );
      }
      out = { kind: 'poissonSampled', samplingRate, event: inner };
      break;
    }
    case 'sampledWithoutReplacement': {
      const populationSize = num(obj, 'populationSize', path, positiveInt, 'a safe integer >= 1');
      const sampleSize = num(
        obj,
        'sampleSize',
        path,
        (v) => Number.isSafeInteger(v) && v >= 0 && v <= populationSize,
        `a safe integer in [0, populationSize = ${populationSize}]`,
      );
      out = {
        kind: 'sampledWithoutReplacement',
        populationSize,
        sampleSize,
        event: check(obj['event'], `${path}.event`, depth + 1),
      };
      break;
    }
    case 'selfComposed': {
      const count = num(obj, 'count', path, (v) => Number.isSafeInteger(v) && v >= 0, 'a safe integer >= 0');
      out = { kind: 'selfComposed', event: check(obj['event'], `${path}.event`, depth + 1), count };
      break;
    }
    case 'composed': {
      const events = obj['events'];
      if (!Array.isArray(events)) fail(`${path}.events`, `must be an array, got ${describeType(events)}`);
      const list: DpEvent[] = [];
      for (let i = 0; i < events.length; i++) list.push(check(events[i], `${path}.events[${i}]`, depth + 1));
      out = { kind: 'composed', events: Object.freeze(list) };
      break;
    }
    case 'discreteGaussian':
      out = {
        kind: 'discreteGaussian',
        sigma: num(obj, 'sigma', path, positive, 'a finite number > 0'),
        sensitivity: num(obj, 'sensitivity', path, positive, 'a finite number > 0'),
      };
      break;
    case 'distributedDiscreteGaussian':
      out = {
        kind: 'distributedDiscreteGaussian',
        clients: num(obj, 'clients', path, positiveInt, 'a safe integer >= 1'),
        localSigma: num(obj, 'localSigma', path, positive, 'a finite number > 0'),
        l2Sensitivity: num(obj, 'l2Sensitivity', path, positive, 'a finite number > 0'),
        l1Sensitivity: num(obj, 'l1Sensitivity', path, positive, 'a finite number > 0'),
        dimension: num(obj, 'dimension', path, positiveInt, 'a safe integer >= 1'),
      };
      break;
    case 'skellam':
      out = {
        kind: 'skellam',
        clients: num(obj, 'clients', path, positiveInt, 'a safe integer >= 1'),
        localVariance: num(obj, 'localVariance', path, positive, 'a finite number > 0'),
        l2Sensitivity: num(obj, 'l2Sensitivity', path, positive, 'a finite number > 0'),
        l1Sensitivity: num(obj, 'l1Sensitivity', path, positive, 'a finite number > 0'),
      };
      break;
    case 'noOp':
      out = { kind: 'noOp' };
      break;
  }
  Object.freeze(out);
  built.add(out);
  return out;
}

/**
 * Validates an event tree (e.g. parsed from JSON) and returns a deep-frozen copy (events this
 * module built are returned as they are). Unknown kinds, unknown fields, wrong types, values out
 * of range and nesting deeper than 64 levels are refused.
 * @throws SecAggError `INVALID_EVENT` for anything that is not a valid event.
 * @example
 * ```ts
 * const e = validateEvent(JSON.parse('{"kind":"gaussian","noiseMultiplier":1.1}'));
 * ```
 */
export function validateEvent(event: unknown): DpEvent {
  return check(event, 'event', 0);
}

/** True when `value` is an event built or validated by this module (frozen, trusted). */
export function isValidatedEvent(value: unknown): value is DpEvent {
  return typeof value === 'object' && value !== null && built.has(value);
}

/**
 * Gaussian mechanism event.
 * @param noiseMultiplier noise stddev / L2 sensitivity, finite and > 0.
 * @throws SecAggError `INVALID_EVENT` when out of range or not a number.
 * @example
 * ```ts
 * const step = gaussianEvent(1.1);
 * ```
 */
export function gaussianEvent(noiseMultiplier: number): GaussianEvent {
  return check({ kind: 'gaussian', noiseMultiplier }, 'gaussianEvent', 0) as GaussianEvent;
}

/**
 * Poisson-subsampled event: each record is included independently with probability
 * `samplingRate`, then `event` runs on the sample.
 * @param samplingRate q in [0, 1].
 * @throws SecAggError `INVALID_EVENT` when q is out of range or `event` is invalid.
 * @example
 * ```ts
 * const step = poissonSampledEvent(256 / 60000, gaussianEvent(1.1));
 * ```
 */
export function poissonSampledEvent(samplingRate: number, event: DpEvent): PoissonSampledEvent {
  return check({ kind: 'poissonSampled', samplingRate, event }, 'poissonSampledEvent', 0) as PoissonSampledEvent;
}

/**
 * Fixed-size sampling without replacement: a uniformly random sample of exactly `sampleSize` of
 * `populationSize` records (clients), then `event` runs on the sample. Accounted under
 * substitution (`neighboringRelation: 'replaceOne'`), where the accountant doubles the inner
 * event's sensitivities (one client's update replaced moves the sum by up to twice the clip).
 * @param populationSize N, a safe integer >= 1.
 * @param sampleSize m, a safe integer in [0, N].
 * @throws SecAggError `INVALID_EVENT` for bad sizes (m > N included) or an invalid `event`.
 * @example
 * ```ts
 * const round = sampledWithoutReplacementEvent(1000, 50, gaussianEvent(1.2)); // 50 of 1000 clients
 * new RdpAccountant({ neighboringRelation: 'replaceOne' }).compose(round, 500).getEpsilon(1e-6);
 * ```
 */
export function sampledWithoutReplacementEvent(
  populationSize: number,
  sampleSize: number,
  event: DpEvent,
): SampledWithoutReplacementEvent {
  return check(
    { kind: 'sampledWithoutReplacement', populationSize, sampleSize, event },
    'sampledWithoutReplacementEvent',
    0,
  ) as SampledWithoutReplacementEvent;
}

/**
 * `event` composed with itself `count` times.
 * @param count safe integer >= 0.
 * @throws SecAggError `INVALID_EVENT` for a bad count or event.
 * @example
 * ```ts
 * const run = selfComposedEvent(poissonSampledEvent(0.01, gaussianEvent(4)), 10_000);
 * ```
 */
export function selfComposedEvent(event: DpEvent, count: number): SelfComposedEvent {
  return check({ kind: 'selfComposed', event, count }, 'selfComposedEvent', 0) as SelfComposedEvent;
}

/**
 * Composition of several events (in any order; composition is commutative for accounting).
 * @throws SecAggError `INVALID_EVENT` when `events` is not an array of valid events.
 * @example
 * ```ts
 * const run = composedEvent([gaussianEvent(2), selfComposedEvent(gaussianEvent(3), 5)]);
 * ```
 */
export function composedEvent(events: readonly DpEvent[]): ComposedEvent {
  return check({ kind: 'composed', events }, 'composedEvent', 0) as ComposedEvent;
}

/**
 * Discrete Gaussian mechanism event (integer-valued query plus N_Z(0, sigma^2) noise).
 * @param options.sigma scale, finite > 0; options.sensitivity L2 sensitivity, finite > 0.
 * @throws SecAggError `INVALID_EVENT` for bad values or unknown fields.
 * @example
 * ```ts
 * const e = discreteGaussianEvent({ sigma: 20, sensitivity: 10 });
 * ```
 */
export function discreteGaussianEvent(options: {
  sigma: number;
  sensitivity: number;
}): DiscreteGaussianEvent {
  return check(withKind('discreteGaussian', options), 'discreteGaussianEvent', 0) as DiscreteGaussianEvent;
}

/**
 * Distributed discrete Gaussian event (Kairouz, Liu, Steinke 2021). `clients` must be the
 * minimum number of clients whose noise is guaranteed to be in the sum (the threshold).
 * @throws SecAggError `INVALID_EVENT` for bad values or unknown fields.
 * @example
 * ```ts
 * const e = distributedDiscreteGaussianEvent({
 *   clients: 100, localSigma: 8, l2Sensitivity: 1000, l1Sensitivity: 30000, dimension: 1000,
 * });
 * ```
 */
export function distributedDiscreteGaussianEvent(options: {
  clients: number;
  localSigma: number;
  l2Sensitivity: number;
  l1Sensitivity: number;
  dimension: number;
}): DistributedDiscreteGaussianEvent {
  return check(
    withKind('distributedDiscreteGaussian', options),
    'distributedDiscreteGaussianEvent',
    0,
  ) as DistributedDiscreteGaussianEvent;
}

/**
 * Distributed Skellam event (Agarwal, Kairouz, Liu 2021); `localVariance` = 2 lambda.
 * @throws SecAggError `INVALID_EVENT` for bad values or unknown fields.
 * @example
 * ```ts
 * const e = skellamEvent({ clients: 100, localVariance: 50, l2Sensitivity: 1000, l1Sensitivity: 30000 });
 * ```
 */
export function skellamEvent(options: {
  clients: number;
  localVariance: number;
  l2Sensitivity: number;
  l1Sensitivity: number;
}): SkellamEvent {
  return check(withKind('skellam', options), 'skellamEvent', 0) as SkellamEvent;
}

/**
 * Event with no privacy cost.
 * @example
 * ```ts
 * const nothing = noOpEvent();
 * ```
 */
export function noOpEvent(): NoOpEvent {
  return NO_OP;
}

const NO_OP: NoOpEvent = check({ kind: 'noOp' }, 'noOpEvent', 0) as NoOpEvent;

function withKind(kind: DpEventKind, options: unknown): Record<string, unknown> {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    fail(kind, `options must be an object, got ${describeType(options)}`);
  }
  if (Object.prototype.hasOwnProperty.call(options, 'kind')) fail(kind, 'options must not carry "kind"');
  return { ...(options as Record<string, unknown>), kind };
}

/**
 * Internal: what planDistributedNoise and planCentralGaussian share. Options are parsed into a
 * {@link PlanShape}; the scale is the one given or the largest that fits the modulus; with a
 * privacy target instead of a noise multiplier, the noise multiplier is calibrated against the
 * RDP accountant over the whole run (rounds, Poisson sampling), each candidate a complete plan.
 * @module
 */
import { assertBits, assertInteger, assertNumber, assertOptions } from '../_assert.js';
import { SecAggError, isSecAggError } from '../errors.js';
import { calibrateNoiseMultiplier } from './calibrate.js';
import { RdpAccountant } from './rdp.js';
import { _assemblePlan, _roundEvent, type DpPlan } from './dp-plan.js';
import { poissonSampledEvent, sampledWithoutReplacementEvent, selfComposedEvent, type DpEvent } from './events.js';
import {
  DEFAULT_BETA,
  DEFAULT_WRAP_PROBABILITY,
  MAX_CLIENTS,
  MAX_COUNT_SCALE,
  MAX_DIMENSION,
  chooseCountScale,
  deriveCount,
  deriveValue,
  searchScale,
  varianceRange,
  type AdaptiveShape,
  type DistributedMechanism,
  type DpRotation,
  type PlanShape,
} from './_plan-math.js';
import { _paddedLength } from './_rotation.js';

/** A privacy budget for a whole training run, from which a planner calibrates the noise. */
export interface DpPlanTarget {
  /** Target epsilon, finite > 0. */
  readonly epsilon: number;
  /** Target delta in (0, 1). */
  readonly delta: number;
  /** Rounds released under this plan, integer in [1, 10^9]. */
  readonly rounds: number;
  /**
   * Poisson sampling rate q in (0, 1] of the clients per round (expected cohort / population),
   * analysed under add/remove; default 1 (no amplification: the epsilon against a server that
   * knows the cohort). Exclusive with `populationSize`.
   */
  readonly samplingRate?: number;
  /**
   * Fixed-size cohorts: each round samples `clients` of `populationSize` clients without
   * replacement, accounted as a ledger with `fixedSize` sampling accounts it (substitution, so
   * every sensitivity counts twice; docs/dp.md): the target is then that ledger's release
   * epsilon, and with `populationSize = clients` its server epsilon. An integer in
   * [clients, 2^53 - 1]; exclusive with `samplingRate`.
   */
  readonly populationSize?: number;
}

/** Internal: a parsed target (samplingRate 1 when absent; populationSize only when given). */
export interface ParsedTarget {
  readonly epsilon: number;
  readonly delta: number;
  readonly rounds: number;
  readonly samplingRate: number;
  readonly populationSize: number | undefined;
}

/** Adaptive clipping options (Andrew et al. 2021; defaults as TFF's). */
export interface AdaptiveClippingOptions {
  /** gamma in [0, 1], default 0.5: the fraction of clients whose norm should be <= the clip. */
  readonly targetQuantile?: number;
  /** eta in (0, 10], default 0.2. */
  readonly learningRate?: number;
  /** sigma_b > 0: noise stddev on the count of unclipped clients; default 0.05 * clients. */
  readonly countStddev?: number;
}

/** Options both planners take. */
export interface DpPlanOptionsCommon {
  /** 'none' (default) or 'hadamard' (pads to a power of two; encode/decode need `round`). */
  readonly rotation?: DpRotation;
  /** L2 clip norm c > 0 (finite, at most 1e150), original units. */
  readonly clipNorm: number;
  /** Model dimension d, integer in [1, 2^28]. */
  readonly dimension: number;
  /** Most clients in one sum, integer in [1, 2^24]. */
  readonly clients: number;
  /** Modulus bit width of the encoded vector, integer in 1..32. */
  readonly bits: number;
  /** z in (0, 10^6]: noise stddev / clipNorm. Give this or `target`. */
  readonly noiseMultiplier?: number;
  /** A budget to calibrate z for (RDP accountant). Give this or `noiseMultiplier`. */
  readonly target?: DpPlanTarget;
  /** Conditional-rounding parameter beta in (0, 1); default exp(-1/2) (KLS 2021). */
  readonly beta?: number;
  /** Integer units per original unit; default the largest that fits. */
  readonly scale?: number;
  /** Bound on the probability that a sum wraps, in (0, 2^-10]; default 2^-40. */
  readonly maxWrapProbability?: number;
  /** Adaptive clipping; omitted: a fixed clip norm. */
  readonly adaptiveClipping?: AdaptiveClippingOptions;
}

const COMMON_KEYS = [
  'rotation',
  'clipNorm',
  'dimension',
  'clients',
  'bits',
  'noiseMultiplier',
  'target',
  'beta',
  'scale',
  'maxWrapProbability',
  'adaptiveClipping',
  'minClients',
];
const Z_MIN = 1e-6;
const Z_MAX = 1e6;

/** Parsed planner options: the shape without its noise multiplier, and how to get one. */
export interface ParsedOptions {
  readonly shape: Omit<PlanShape, 'noiseMultiplier'>;
  readonly noiseMultiplier: number | undefined;
  readonly target: ParsedTarget | undefined;
  readonly scale: number | undefined;
}

function parseAdaptive(value: unknown, clients: number): AdaptiveShape | null {
  if (value === undefined) return null;
  const o = assertOptions<Record<string, unknown>>(value, 'options.adaptiveClipping', ['targetQuantile', 'learningRate', 'countStddev']);
  const at = (key: string, def: number, min: number, max: number, minOpen: boolean): number =>
    o[key] === undefined ? def : assertNumber(o[key], `options.adaptiveClipping.${key}`, min, max, { min: minOpen });
  return {
    targetQuantile: at('targetQuantile', 0.5, 0, 1, false),
    learningRate: at('learningRate', 0.2, 0, 10, true),
    countStddev: at('countStddev', 0.05 * clients, 0, 1e12, true),
  };
}

function parseTarget(value: unknown, clients: number): ParsedTarget {
  const o = assertOptions<Record<string, unknown>>(value, 'options.target', ['epsilon', 'delta', 'rounds', 'samplingRate', 'populationSize']);
  if (value === undefined) throw new SecAggError('INVALID_TYPE', 'options.target must be an object');
  if (o['samplingRate'] !== undefined && o['populationSize'] !== undefined) {
    throw new SecAggError('INVALID_TYPE', 'options.target: give at most one of samplingRate (Poisson) and populationSize (fixed-size cohorts)');
  }
  return {
    epsilon: assertNumber(o['epsilon'], 'options.target.epsilon', 0, Number.MAX_VALUE, { min: true }),
    delta: assertNumber(o['delta'], 'options.target.delta', 0, 1, { min: true, max: true }),
    rounds: assertInteger(o['rounds'], 'options.target.rounds', 1, 1e9),
    samplingRate:
      o['samplingRate'] === undefined ? 1 : assertNumber(o['samplingRate'], 'options.target.samplingRate', 0, 1, { min: true }),
    populationSize:
      o['populationSize'] === undefined
        ? undefined
        : assertInteger(o['populationSize'], 'options.target.populationSize', clients, Number.MAX_SAFE_INTEGER),
  };
}

/** Validates planner options (extra keys for one planner: `extra`). */
export function _parsePlannerOptions(
  options: unknown,
  noise: PlanShape['noise'],
  extra: readonly string[],
): ParsedOptions & { readonly raw: Record<string, unknown> } {
  if (options === undefined) throw new SecAggError('INVALID_TYPE', 'options must be an object, got undefined');
  const o = assertOptions<Record<string, unknown>>(options, 'options', [...COMMON_KEYS, ...extra]);
  const rotation = o['rotation'] ?? 'none';
  if (rotation !== 'none' && rotation !== 'hadamard') {
    throw new SecAggError('INVALID_TYPE', `options.rotation must be 'none' or 'hadamard'`);
  }
  let mechanism: DistributedMechanism = 'discreteGaussian';
  if (noise === 'distributed') {
    const m = o['mechanism'] ?? 'discreteGaussian';
    if (m !== 'discreteGaussian' && m !== 'skellam') {
      throw new SecAggError('INVALID_TYPE', `options.mechanism must be 'discreteGaussian' or 'skellam'`);
    }
    mechanism = m;
  }
  const clipNorm = assertNumber(o['clipNorm'], 'options.clipNorm', 0, 1e150, { min: true });
  const dimension = assertInteger(o['dimension'], 'options.dimension', 1, MAX_DIMENSION);
  const clients = assertInteger(o['clients'], 'options.clients', 1, MAX_CLIENTS);
  const minClients =
    noise === 'central' && o['minClients'] === undefined ? 1 : assertInteger(o['minClients'], 'options.minClients', 1, clients);
  const bits = assertBits(o['bits'], 'options.bits');
  if ((o['noiseMultiplier'] === undefined) === (o['target'] === undefined)) {
    throw new SecAggError('INVALID_TYPE', 'options: give exactly one of noiseMultiplier and target');
  }
  const noiseMultiplier =
    o['noiseMultiplier'] === undefined ? undefined : assertNumber(o['noiseMultiplier'], 'options.noiseMultiplier', 0, Z_MAX, { min: true });
  const target = o['target'] === undefined ? undefined : parseTarget(o['target'], clients);
  if (noise === 'distributed' && target !== undefined && o['target'] !== null && (o['target'] as Record<string, unknown>)['samplingRate'] !== undefined) {
    throw new SecAggError(
      'INVALID_EVENT',
      'options.target.samplingRate (Poisson sampling) cannot plan distributed noise: its bound holds when both neighbouring ' +
        'sums carry the same clients\' noise, and under Poisson sampling an absent client takes its noise with it; ' +
        'plan fixed-size cohorts with target.populationSize, or leave sampling out',
    );
  }
  const beta = o['beta'] === undefined ? DEFAULT_BETA : assertNumber(o['beta'], 'options.beta', 0, 1, { min: true, max: true });
  const scale = o['scale'] === undefined ? undefined : assertNumber(o['scale'], 'options.scale', 0, 1e300, { min: true });
  const wrapProbability =
    o['maxWrapProbability'] === undefined
      ? DEFAULT_WRAP_PROBABILITY
      : assertNumber(o['maxWrapProbability'], 'options.maxWrapProbability', 0, 2 ** -10, { min: true });
  const adaptive = parseAdaptive(o['adaptiveClipping'], clients);
  const paddedDimension = rotation === 'hadamard' ? _paddedLength(dimension) : dimension;
  const shape = { noise, mechanism, rotation, clipNorm, dimension, paddedDimension, clients, minClients, bits, beta, wrapProbability, adaptive } as const;
  return { shape, noiseMultiplier, target, scale, raw: o };
}

/** The plan for a complete shape: scale given or searched, count element sized, all checked. */
export function _planFromShape(shape: PlanShape, givenScale: number | undefined): DpPlan {
  const n = shape.clients;
  const bitsText = `${shape.bits} bits`;
  const count = shape.adaptive === null ? null : chooseCountScale(shape);
  if (count === undefined) {
    const largest = deriveCount(shape, shape.noise === 'central' ? 1 : MAX_COUNT_SCALE);
    if (largest.variance < varianceRange(shape).min) {
      throw new SecAggError(
        'MODULUS_TOO_SMALL',
        `adaptiveClipping.countStddev ${(shape.adaptive as AdaptiveShape).countStddev} puts the count's noise below its sampler's range at ${bitsText}; raise countStddev or add bits`,
      );
    }
    throw new SecAggError('MODULUS_TOO_SMALL', `the adaptive-clipping count element of ${n} noisy clients does not fit ${bitsText}; add bits`);
  }
  const range = varianceRange(shape);
  let scale: number;
  if (givenScale !== undefined) {
    scale = givenScale;
    const r = deriveValue(shape, scale);
    if (r.variance > range.max) {
      throw new SecAggError('OUT_OF_RANGE', `with scale ${scale} the noise variance exceeds ${range.max}; lower the scale`);
    }
    if (!r.fits) {
      throw new SecAggError('MODULUS_TOO_SMALL', `with scale ${scale} a sum of ${n} updates could exceed ${bitsText}; lower the scale or add bits`);
    }
  } else {
    scale = searchScale(shape);
    if (!(scale > 0)) {
      throw new SecAggError('MODULUS_TOO_SMALL', `no scale keeps a sum of ${n} noisy updates inside ${bitsText}; add bits or lower the noise`);
    }
  }
  const v = deriveValue(shape, scale);
  if (!(v.variance >= range.min)) {
    throw new SecAggError(
      'MODULUS_TOO_SMALL',
      shape.noise === 'distributed' && shape.mechanism === 'discreteGaussian'
        ? 'the local discrete Gaussian sigma would be below 1/2 integer unit (outside KLS 2021); add bits or raise the scale'
        : `the noise variance would be below ${range.min}; add bits or raise the scale`,
    );
  }
  return _assemblePlan({
    kind: shape.noise === 'distributed' ? 'distributedNoise' : 'centralGaussian',
    mechanism: shape.mechanism,
    rotation: shape.rotation,
    dimension: shape.dimension,
    paddedDimension: shape.paddedDimension,
    clipNorm: shape.clipNorm,
    clients: n,
    minClients: shape.minClients,
    bits: shape.bits,
    scale,
    beta: shape.beta,
    noiseMultiplier: shape.noiseMultiplier,
    variance: v.variance,
    roundingNormSquaredBound: v.bound,
    l2Sensitivity: v.l2,
    l1Sensitivity: v.l1,
    sumMagnitudeBound: v.sumBound,
    wrapProbability: shape.wrapProbability,
    adaptiveClipping:
      count === null || shape.adaptive === null
        ? null
        : { ...shape.adaptive, countScale: count.countScale, countVariance: count.variance, countSumBound: count.sumBound },
  });
}

/** How a target samples the rounds (populationSize: fixed-size cohorts of the plan's clients). */
export type TargetSampling = { readonly samplingRate: number; readonly populationSize?: number | undefined };

/** The sampled step of a run: Poisson at samplingRate, or a cohort of `clients` without replacement. */
function sampledStep(event: DpEvent, clients: number, target: TargetSampling): DpEvent {
  if (target.populationSize !== undefined) return sampledWithoutReplacementEvent(target.populationSize, clients, event);
  return target.samplingRate < 1 ? poissonSampledEvent(target.samplingRate, event) : event;
}

/** The accountant of a target: substitution for fixed-size cohorts (as the ledger), else add/remove. */
export function _targetAccountant(target: TargetSampling): RdpAccountant {
  return new RdpAccountant({ neighboringRelation: target.populationSize === undefined ? 'addOrRemoveOne' : 'replaceOne' });
}

/**
 * The whole run's event for a plan: rounds x the (sampled) round event at minClients; account it
 * with {@link _targetAccountant}.
 */
export function _runEvent(plan: DpPlan, target: TargetSampling & { readonly rounds: number }): DpEvent {
  const round = _roundEvent(plan, plan.kind === 'distributedNoise' ? plan.minClients : 1);
  return selfComposedEvent(sampledStep(round, plan.clients, target), target.rounds);
}

/** A plan from parsed options: with the given noise multiplier, or calibrated for the target. */
export function _plan(parsed: ParsedOptions): DpPlan {
  const build = (z: number): DpPlan => _planFromShape({ ...parsed.shape, noiseMultiplier: z }, parsed.scale);
  if (parsed.noiseMultiplier !== undefined) return build(parsed.noiseMultiplier);
  const target = parsed.target as ParsedTarget;
  const [lo, hi] = feasibleNoise(build);
  refuseCountOverBudget(build(hi), target);
  const z = calibrateNoiseMultiplier({
    targetEpsilon: target.epsilon,
    targetDelta: target.delta,
    makeEvent: (zz) => _runEvent(build(zz), target),
    accountant: () => _targetAccountant(target),
    lowerBound: lo,
    upperBound: hi,
  });
  return build(z);
}

/**
 * With adaptive clipping the count element spends privacy whatever the update's noise: when the
 * count's events alone exceed the target, no noise multiplier can help; say so.
 */
function refuseCountOverBudget(plan: DpPlan, target: ParsedTarget): void {
  const round = _roundEvent(plan, plan.kind === 'distributedNoise' ? plan.minClients : 1);
  if (round.kind !== 'composed') return;
  const count = round.events[1] as DpEvent;
  const step = sampledStep(count, plan.clients, target);
  const epsilon = _targetAccountant(target).compose(selfComposedEvent(step, target.rounds)).getEpsilon(target.delta);
  if (epsilon > target.epsilon) {
    throw new SecAggError(
      'CALIBRATION_FAILED',
      `the adaptive-clipping count alone spends epsilon ${epsilon.toPrecision(4)} > ${target.epsilon} over ${target.rounds} rounds; raise adaptiveClipping.countStddev`,
    );
  }
}

/**
 * The interval of noise multipliers for which a plan exists (it is one interval: a larger noise
 * multiplier only fails by its variance or its tail, a smaller one only by a too-small variance).
 */
function feasibleNoise(build: (z: number) => DpPlan): [number, number] {
  const ok = (z: number): boolean => {
    try {
      build(z);
      return true;
    } catch (error) {
      if (isSecAggError(error, 'MODULUS_TOO_SMALL') || isSecAggError(error, 'OUT_OF_RANGE')) return false;
      throw error;
    }
  };
  let inside = Number.NaN;
  for (let z = 1, i = 0; i <= 12 && Number.isNaN(inside); i++) {
    // 1, 10, 0.1, 100, 0.01, ...: the first feasible point nearest to 1.
    const candidate = i === 0 ? z : i % 2 === 1 ? 10 ** ((i + 1) / 2) : 10 ** (-i / 2);
    if (ok(candidate)) inside = candidate;
  }
  if (Number.isNaN(inside)) build(1); // throws the planner's own refusal
  const edge = (from: number, to: number): number => {
    // from is feasible, to may not be: bisect in log space for the last feasible point.
    if (ok(to)) return to;
    let a = Math.log(from);
    let b = Math.log(to);
    for (let i = 0; i < 50; i++) {
      const m = (a + b) / 2;
      if (ok(Math.exp(m))) a = m;
      else b = m;
    }
    return Math.exp(a);
  };
  const lo = edge(inside, Z_MIN);
  const hi = edge(inside, Z_MAX);
  if (!(hi > lo)) {
    throw new SecAggError('CALIBRATION_FAILED', `only the noise multiplier ${lo} gives a plan at these settings; nothing to calibrate`);
  }
  return [lo, hi];
}

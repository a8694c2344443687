/**
 * The DP plan interface: plain, versioned data describing what the clients and the server of a
 * secure-aggregation round do to make the released sum differentially private, and the privacy
 * event of one release. Every plan the DP module returns is a deep-frozen plain object that
 * survives JSON, `structuredClone` and `postMessage`; whatever arrives from elsewhere is copied and
 * re-validated (every derived field recomputed from the primary ones) before it is used.
 *
 * Kinds (discriminated by `kind`):
 * - `'distributedNoise'`: each client adds exact discrete Gaussian or Skellam noise (KLS 2021,
 *   AKL 2021), optionally after a seeded randomised Hadamard rotation;
 * - `'centralGaussian'`: clients only clip and quantise; a trusted server adds exact discrete
 *   Gaussian noise to the integer sum (DP-FedAvg, McMahan et al. 2018, with CKS 2020 noise).
 * Either may carry adaptive clipping (Andrew et al. 2021): a +-1 count element, noised too.
 * See docs/dp-mechanisms.md.
 * @module
 */
import {
  composedEvent,
  noOpEvent,
  discreteGaussianEvent,
  distributedDiscreteGaussianEvent,
  skellamEvent,
  type DpEvent,
} from './events.js';
import { SIGMA_MARGIN, type DistributedMechanism, type DpRotation, type PlanShape } from './_plan-math.js';

export type { DistributedMechanism, DpRotation } from './_plan-math.js';

/** The only plan format version this build reads and writes. */
export const DP_PLAN_VERSION = 1;

/** Adaptive clipping (Andrew, Thakkar, McMahan, Ramaswamy, NeurIPS 2021), as planned. */
export interface AdaptiveClippingPlan {
  /** gamma in [0, 1]: the target fraction of clients whose update norm is at most the clip. */
  readonly targetQuantile: number;
  /** eta in (0, 10]: next clip = clipNorm * exp(-eta * (unclippedFraction - gamma)). */
  readonly learningRate: number;
  /** sigma_b > 0: noise stddev on the released count of unclipped clients, in clients. */
  readonly countStddev: number;
  /** Integer units per +-1 of the count element (each client sends +-countScale), integer >= 1. */
  readonly countScale: number;
  /**
   * Noise variance on the count element, integer units^2, rounded up from
   * (2 countStddev countScale)^2 / minClients per client (distributed) or
   * (2 countStddev countScale)^2 on the sum (central).
   */
  readonly countVariance: number;
  /** Bound on the count element of a sum of up to `clients` encodings (wrap check). */
  readonly countSumBound: number;
}

/** Fields every DP plan has. Integer units are original units times `scale`. */
export interface DpPlanCommon {
  /** Format version, {@link DP_PLAN_VERSION}. */
  readonly version: 1;
  /** 'none', or 'hadamard' (the seeded randomised Hadamard transform: needs a round value). */
  readonly rotation: DpRotation;
  /** Model dimension d: what encodeClientUpdate takes and decodeServerSum returns. */
  readonly dimension: number;
  /** D: d padded to a power of two under rotation, else d. Noise covers D coordinates. */
  readonly paddedDimension: number;
  /** Elements of the encoded vector fed to secure aggregation: D, plus 1 with adaptive clipping. */
  readonly vectorLength: number;
  /** L2 clip norm c, original units. */
  readonly clipNorm: number;
  /** Most clients in one sum (no wrap is planned beyond). */
  readonly clients: number;
  /** Fewest clients a sum may hold; decoding refuses fewer. Distributed noise is calibrated here. */
  readonly minClients: number;
  /** Modulus bit width of the encoded vector (its secure-aggregation VectorSpec bits). */
  readonly bits: number;
  /** Integer units per original unit (1 / gamma of KLS 2021). */
  readonly scale: number;
  /** Conditional-rounding bias parameter beta in (0, 1). */
  readonly beta: number;
  /** z: noise stddev of the released sum (at minClients survivors) / clipNorm. */
  readonly noiseMultiplier: number;
  /** Conditional rounding accepts a rounded vector only if its squared L2 norm is <= this. */
  readonly roundingNormSquaredBound: number;
  /** L2 sensitivity in integer units after rounding (KLS 2021 bound), in dimension D. */
  readonly l2Sensitivity: number;
  /** L1 sensitivity: l2Sensitivity * min(sqrt(D), l2Sensitivity). */
  readonly l1Sensitivity: number;
  /** |every value coordinate of a sum of up to `clients` encodings| <= this (integer units). */
  readonly sumMagnitudeBound: number;
  /** Bound on the probability that any coordinate of a sum exceeds its planned magnitude. */
  readonly wrapProbability: number;
  /** Adaptive clipping, or null for a fixed clip norm. */
  readonly adaptiveClipping: AdaptiveClippingPlan | null;
}

/** Distributed noise: each client adds noise of `localVariance` per coordinate. */
export interface DistributedNoisePlan extends DpPlanCommon {
  readonly kind: 'distributedNoise';
  readonly mechanism: DistributedMechanism;
  /**
   * Per-client noise variance per coordinate, integer units^2: sigma^2 of N_Z(0, sigma^2) or
   * 2 lambda of Sk(lambda, lambda); rounded up (to ~11 significant bits) from
   * (z c scale)^2 / minClients.
   */
  readonly localVariance: number;
  /** The privacy event of one release with minClients survivors (for calibration). */
  readonly event: DpEvent;
}

/** Central DP: a trusted server adds exact discrete Gaussian noise to the integer sum. */
export interface CentralGaussianPlan extends DpPlanCommon {
  readonly kind: 'centralGaussian';
  /** Variance of N_Z(0, .) added per coordinate to the sum, integer units^2, >= (z c scale)^2. */
  readonly noiseVariance: number;
  /** The privacy event of one release (independent of the number of survivors). */
  readonly event: DpEvent;
}

/** Every DP plan, discriminated by `kind`. */
export type DpPlan = DistributedNoisePlan | CentralGaussianPlan;

/** The `kind` strings of {@link DpPlan}. */
export type DpPlanKind = DpPlan['kind'];

/** Plans built or validated here: deep-frozen, so they are trusted as they are. */
const TRUSTED = new WeakSet<object>();

/** Internal: the shape (primary fields) of a validated plan. */
export function _shapeOf(plan: DpPlan): PlanShape {
  const a = plan.adaptiveClipping;
  return {
    noise: plan.kind === 'distributedNoise' ? 'distributed' : 'central',
    mechanism: plan.kind === 'distributedNoise' ? plan.mechanism : 'discreteGaussian',
    rotation: plan.rotation,
    clipNorm: plan.clipNorm,
    dimension: plan.dimension,
    paddedDimension: plan.paddedDimension,
    clients: plan.clients,
    minClients: plan.minClients,
    bits: plan.bits,
    beta: plan.beta,
    noiseMultiplier: plan.noiseMultiplier,
    wrapProbability: plan.wrapProbability,
    adaptive:
      a === null ? null : { targetQuantile: a.targetQuantile, learningRate: a.learningRate, countStddev: a.countStddev },
  };
}

/** Internal: freezes a plan (and its parts) built from validated numbers, and trusts it. */
export function _sealPlan(plan: DpPlan): DpPlan {
  if (plan.adaptiveClipping !== null) Object.freeze(plan.adaptiveClipping);
  Object.freeze(plan);
  TRUSTED.add(plan);
  return plan;
}

/** Internal: true for plans built or validated in this process (deep-frozen). */
export function _isTrustedPlan(value: unknown): value is DpPlan {
  return typeof value === 'object' && value !== null && TRUSTED.has(value);
}

function valueEvent(plan: DpPlan, survivors: number): DpEvent {
  if (plan.kind === 'centralGaussian') {
    return discreteGaussianEvent({ sigma: Math.sqrt(plan.noiseVariance) * SIGMA_MARGIN, sensitivity: plan.l2Sensitivity });
  }
  return plan.mechanism === 'discreteGaussian'
    ? distributedDiscreteGaussianEvent({
        clients: survivors,
        localSigma: Math.sqrt(plan.localVariance) * SIGMA_MARGIN,
        l2Sensitivity: plan.l2Sensitivity,
        l1Sensitivity: plan.l1Sensitivity,
        dimension: plan.paddedDimension,
      })
    : skellamEvent({
        clients: survivors,
        localVariance: plan.localVariance,
        l2Sensitivity: plan.l2Sensitivity,
        l1Sensitivity: plan.l1Sensitivity,
      });
}

function countEvent(plan: DpPlan, a: AdaptiveClippingPlan, survivors: number): DpEvent {
  const k = a.countScale; // one client moves the element by k: L2 = L1 = k
  if (plan.kind === 'centralGaussian') {
    return discreteGaussianEvent({ sigma: Math.sqrt(a.countVariance) * SIGMA_MARGIN, sensitivity: k });
  }
  return plan.mechanism === 'discreteGaussian'
    ? distributedDiscreteGaussianEvent({
        clients: survivors,
        localSigma: Math.sqrt(a.countVariance) * SIGMA_MARGIN,
        l2Sensitivity: k,
        l1Sensitivity: k,
        dimension: 1,
      })
    : skellamEvent({ clients: survivors, localVariance: a.countVariance, l2Sensitivity: k, l1Sensitivity: k });
}

/** Internal: the round event of a plan whose fields are already validated. */
export function _roundEvent(plan: DpPlan, survivors: number): DpEvent {
  const value = valueEvent(plan, survivors);
  const a = plan.adaptiveClipping;
  return a === null ? value : composedEvent([value, countEvent(plan, a, survivors)]);
}

/** Internal: the fields of a plan, from which {@link _assemblePlan} builds the plan object. */
export interface _PlanFields {
  readonly kind: DpPlanKind;
  readonly mechanism: DistributedMechanism;
  readonly rotation: DpRotation;
  readonly dimension: number;
  readonly paddedDimension: number;
  readonly clipNorm: number;
  readonly clients: number;
  readonly minClients: number;
  readonly bits: number;
  readonly scale: number;
  readonly beta: number;
  readonly noiseMultiplier: number;
  readonly variance: number;
  readonly roundingNormSquaredBound: number;
  readonly l2Sensitivity: number;
  readonly l1Sensitivity: number;
  readonly sumMagnitudeBound: number;
  readonly wrapProbability: number;
  readonly adaptiveClipping: AdaptiveClippingPlan | null;
}

/**
 * Internal: the plan object for validated fields (one key order for planners and validation, so
 * a validated copy serialises byte for byte like the original), with its event, sealed.
 */
export function _assemblePlan(f: _PlanFields): DpPlan {
  const a = f.adaptiveClipping === null ? null : { ...f.adaptiveClipping };
  const head = { version: DP_PLAN_VERSION } as const;
  const body = {
    rotation: f.rotation,
    dimension: f.dimension,
    paddedDimension: f.paddedDimension,
    vectorLength: f.paddedDimension + (a === null ? 0 : 1),
    clipNorm: f.clipNorm,
    clients: f.clients,
    minClients: f.minClients,
    bits: f.bits,
    scale: f.scale,
    beta: f.beta,
    noiseMultiplier: f.noiseMultiplier,
  };
  const tail = {
    roundingNormSquaredBound: f.roundingNormSquaredBound,
    l2Sensitivity: f.l2Sensitivity,
    l1Sensitivity: f.l1Sensitivity,
    sumMagnitudeBound: f.sumMagnitudeBound,
    wrapProbability: f.wrapProbability,
    adaptiveClipping: a,
  };
  const none = noOpEvent();
  const plan: DpPlan =
    f.kind === 'distributedNoise'
      ? { ...head, kind: 'distributedNoise', mechanism: f.mechanism, ...body, localVariance: f.variance, ...tail, event: none }
      : { ...head, kind: 'centralGaussian', ...body, noiseVariance: f.variance, ...tail, event: none };
  const event = _roundEvent(plan, plan.kind === 'distributedNoise' ? plan.minClients : 1);
  return _sealPlan({ ...plan, event });
}

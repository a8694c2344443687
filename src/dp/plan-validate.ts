/**
 * Validation of DP plans that arrive as plain data (JSON, `structuredClone`, `postMessage`, a
 * store), and the per-round privacy event. A plan is copied field by field (each property read
 * once), every field is checked for type and range, and every derived field is recomputed from
 * the primary ones (kind, mechanism, rotation, clip, dimension, clients, threshold, bits, scale,
 * beta, noise multiplier, wrap probability, adaptive parameters). Safety inequalities are exact
 * (a noise variance below what the noise multiplier needs, a rounding bound above the one the
 * sensitivity was computed for, a sum bound beyond the modulus: refused); consistency with the
 * recomputation allows a relative 1e-9 (2^-9 for the 11-bit variance rounding), so a plan made by
 * one JavaScript engine validates on another whose `Math.log` differs in the last bit.
 * @module
 */
import { describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import {
  DP_PLAN_VERSION,
  _assemblePlan,
  _isTrustedPlan,
  _roundEvent,
  type AdaptiveClippingPlan,
  type DpPlan,
} from './dp-plan.js';
import type { DpEvent } from './events.js';
import {
  MAX_CLIENTS,
  MAX_COUNT_SCALE,
  MAX_DIMENSION,
  capacity,
  deriveCount,
  deriveValue,
  l1Of,
  requiredCountVariance,
  requiredVariance,
  varianceRange,
  type AdaptiveShape,
  type PlanShape,
} from './_plan-math.js';
import { _paddedLength } from './_rotation.js';

const COMMON = [
  'version',
  'kind',
  'rotation',
  'dimension',
  'paddedDimension',
  'vectorLength',
  'clipNorm',
  'clients',
  'minClients',
  'bits',
  'scale',
  'beta',
  'noiseMultiplier',
  'roundingNormSquaredBound',
  'l2Sensitivity',
  'l1Sensitivity',
  'sumMagnitudeBound',
  'wrapProbability',
  'adaptiveClipping',
  'event',
] as const;
const FIELDS: Readonly<Record<DpPlan['kind'], readonly string[]>> = {
  distributedNoise: [...COMMON, 'mechanism', 'localVariance'],
  centralGaussian: [...COMMON, 'noiseVariance'],
};
const ALL_FIELDS: readonly string[] = [...new Set([...FIELDS.distributedNoise, ...FIELDS.centralGaussian])];
const ADAPTIVE_FIELDS = ['targetQuantile', 'learningRate', 'countStddev', 'countScale', 'countVariance', 'countSumBound'];
/** Relative slack between a stored derived value and its recomputation. */
const CLOSE = 1e-9;
/** Relative slack for variances, which are rounded up to 11 significant bits. */
const VARIANCE_CLOSE = 2 ** -9;

function fail(message: string): never {
  throw new SecAggError('INVALID_PLAN', message);
}

/** A plain copy of `value`'s own enumerable fields, each read once; refuses unknown fields. */
function copyFields(value: unknown, path: string, allowed: readonly string[], requireAll = true): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    fail(`${path} must be an object, got ${describeType(value)}`);
  }
  const copy: Record<string, unknown> = {};
  try {
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) fail(`${path} has an unknown field "${key.slice(0, 40)}"`);
      copy[key] = (value as Record<string, unknown>)[key];
    }
  } catch (error) {
    if (error instanceof SecAggError) throw error;
    fail(`${path} could not be read as plain data`);
  }
  if (requireAll) {
    for (const key of allowed) if (!Object.prototype.hasOwnProperty.call(copy, key)) fail(`${path}.${key} is missing`);
  }
  return copy;
}

function num(o: Record<string, unknown>, key: string, path: string, min: number, max: number, integer = false): number {
  const v = o[key];
  if (typeof v !== 'number' || Number.isNaN(v) || !(v >= min && v <= max) || (integer && !Number.isInteger(v))) {
    fail(`${path}.${key} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${typeof v === 'number' ? String(v) : describeType(v)}`);
  }
  return v;
}

function positive(o: Record<string, unknown>, key: string, path: string, max: number): number {
  const v = num(o, key, path, 0, max);
  if (!(v > 0)) fail(`${path}.${key} must be > 0, got ${String(v)}`);
  return v;
}

function oneOf<T extends string>(o: Record<string, unknown>, key: string, path: string, values: readonly T[]): T {
  const v = o[key];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) {
    fail(`${path}.${key} must be one of ${values.map((x) => `'${x}'`).join(', ')}`);
  }
  return v as T;
}

/** |stored - recomputed| within `rel` of recomputed, plus `abs`. */
function close(stored: number, recomputed: number, rel: number, abs = 0): boolean {
  return Math.abs(stored - recomputed) <= rel * Math.abs(recomputed) + abs;
}

function checkVersionAndKind(copy: Record<string, unknown>): DpPlan['kind'] {
  const version = copy['version'];
  if (typeof version !== 'number' || !Number.isSafeInteger(version) || version < 1) {
    fail(`plan.version must be a positive integer, got ${typeof version === 'number' ? String(version) : describeType(version)}`);
  }
  if (version !== DP_PLAN_VERSION) {
    throw new SecAggError('UNSUPPORTED_VERSION', `plan.version ${String(version)} is not supported (this build reads ${DP_PLAN_VERSION})`);
  }
  const kind = copy['kind'];
  if (typeof kind !== 'string' || !Object.prototype.hasOwnProperty.call(FIELDS, kind)) {
    fail(`plan.kind ${typeof kind === 'string' ? JSON.stringify(kind.slice(0, 40)) : describeType(kind)} is not a known DP plan kind`);
  }
  return kind as DpPlan['kind'];
}

function readAdaptiveShape(value: unknown): AdaptiveShape | null {
  if (value === null) return null;
  const o = copyFields(value, 'plan.adaptiveClipping', ADAPTIVE_FIELDS);
  const path = 'plan.adaptiveClipping';
  return {
    targetQuantile: num(o, 'targetQuantile', path, 0, 1),
    learningRate: positive(o, 'learningRate', path, 10),
    countStddev: positive(o, 'countStddev', path, 1e12),
  };
}

/** The count element's derived fields, checked as the value's are. */
function readAdaptiveDerived(value: Record<string, unknown>, shape: PlanShape): AdaptiveClippingPlan {
  const o = copyFields(value, 'plan.adaptiveClipping', ADAPTIVE_FIELDS);
  const path = 'plan.adaptiveClipping';
  const a = shape.adaptive as AdaptiveShape;
  const countScale = num(o, 'countScale', path, 1, MAX_COUNT_SCALE, true);
  const countVariance = positive(o, 'countVariance', path, 2 ** 53);
  const countSumBound = num(o, 'countSumBound', path, 0, capacity(shape.bits), true);
  if (shape.noise === 'central' && countScale !== 1) fail(`${path}.countScale must be 1 for a central plan`);
  const count = deriveCount(shape, countScale);
  if (!count.fits) fail(`${path}: the noisy count element of ${shape.clients} clients could wrap mod 2^${shape.bits}`);
  if (!(countVariance >= requiredCountVariance(shape, countScale))) fail(`${path}.countVariance is below what countStddev needs`);
  const range = varianceRange(shape);
  if (!(countVariance >= range.min && countVariance <= range.max) || !close(countVariance, count.variance, VARIANCE_CLOSE)) {
    fail(`${path}.countVariance is inconsistent with the other fields`);
  }
  if (!close(countSumBound, count.sumBound, CLOSE, 2)) fail(`${path}.countSumBound is inconsistent with the other fields`);
  return { ...a, countScale, countVariance, countSumBound };
}

/** Structural equality of a stored (untrusted) event tree with a rebuilt one. */
function sameEvent(stored: unknown, built: DpEvent | readonly DpEvent[]): boolean {
  try {
    if (Array.isArray(built)) {
      if (!Array.isArray(stored) || stored.length !== built.length) return false;
      return built.every((b, i) => sameEvent(stored[i], b as DpEvent));
    }
    if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return false;
    const s = stored as Record<string, unknown>;
    const b = built as unknown as Record<string, unknown>;
    const keys = Object.keys(b);
    if (Object.keys(s).length !== keys.length) return false;
    return keys.every((k) => {
      const bv = b[k];
      return typeof bv === 'object' && bv !== null ? sameEvent(s[k], bv as DpEvent) : Object.is(s[k], bv);
    });
  } catch {
    return false;
  }
}

/**
 * Copies and validates a DP plan from anywhere (JSON.parse, structuredClone, postMessage, a
 * store) and returns a deep-frozen plan that the encoders, decoders and event functions trust.
 * Plans this process built or validated are returned as they are (they are deep-frozen).
 *
 * @param plan the candidate plan.
 * @returns the validated plan (a new frozen object for plain data).
 * @throws {SecAggError} `INVALID_TYPE` (not an object), `UNSUPPORTED_VERSION` (another format
 *   version), `INVALID_PLAN` (unknown kind or field, a missing field, a wrong type, NaN, a value
 *   out of range, a derived field inconsistent with the others: e.g. a noise variance below what
 *   its noise multiplier needs, a scale that could wrap at its bits, an event that does not match).
 * @example
 * ```ts
 * const plan = validateDpPlan(JSON.parse(text)); // then encodeClientUpdate(update, plan, ...)
 * ```
 */
export function validateDpPlan(plan: unknown): DpPlan {
  if (_isTrustedPlan(plan)) return plan;
  if (plan === null || typeof plan !== 'object' || Array.isArray(plan)) {
    throw new SecAggError('INVALID_TYPE', `plan must be a DP plan object, got ${describeType(plan)}`);
  }
  const o = copyFields(plan, 'plan', ALL_FIELDS, false);
  const kind = checkVersionAndKind(o);
  for (const key of Object.keys(o)) {
    if (!FIELDS[kind].includes(key)) fail(`plan has an unknown field "${key}" for kind '${kind}'`);
  }
  for (const key of FIELDS[kind]) if (!Object.prototype.hasOwnProperty.call(o, key)) fail(`plan.${key} is missing`);
  const shape = readShape(o, kind);
  const derived = readDerived(o, kind, shape);
  const a = shape.adaptive;
  const result = _assemblePlan({
    kind,
    ...shape,
    ...derived,
    adaptiveClipping: a === null ? null : readAdaptiveDerived(o['adaptiveClipping'] as Record<string, unknown>, shape),
  });
  if (!sameEvent(o['event'], result.event)) fail('plan.event does not match the plan');
  return result;
}

/** The primary fields of a copied plan (everything the derived ones are computed from). */
function readShape(o: Record<string, unknown>, kind: DpPlan['kind']): PlanShape {
  const p = 'plan';
  const rotation = oneOf(o, 'rotation', p, ['none', 'hadamard'] as const);
  const dimension = num(o, 'dimension', p, 1, MAX_DIMENSION, true);
  const paddedDimension = rotation === 'hadamard' ? _paddedLength(dimension) : dimension;
  if (o['paddedDimension'] !== paddedDimension) fail(`plan.paddedDimension must be ${paddedDimension}`);
  const clients = num(o, 'clients', p, 1, MAX_CLIENTS, true);
  const beta = positive(o, 'beta', p, 1);
  if (!(beta < 1)) fail('plan.beta must be below 1');
  const adaptive = readAdaptiveShape(o['adaptiveClipping']);
  const vectorLength = paddedDimension + (adaptive === null ? 0 : 1);
  if (o['vectorLength'] !== vectorLength) fail(`plan.vectorLength must be ${vectorLength}`);
  return {
    noise: kind === 'distributedNoise' ? 'distributed' : 'central',
    mechanism: kind === 'distributedNoise' ? oneOf(o, 'mechanism', p, ['discreteGaussian', 'skellam'] as const) : 'discreteGaussian',
    rotation,
    clipNorm: positive(o, 'clipNorm', p, 1e150),
    dimension,
    paddedDimension,
    clients,
    minClients: num(o, 'minClients', p, 1, clients, true),
    bits: num(o, 'bits', p, 1, 32, true),
    beta,
    noiseMultiplier: positive(o, 'noiseMultiplier', p, 1e6),
    wrapProbability: positive(o, 'wrapProbability', p, 2 ** -10),
    adaptive,
  };
}

/**
 * The derived value fields, each checked against its recomputation at the stored scale: exact
 * safety inequalities first, then closeness.
 */
function readDerived(o: Record<string, unknown>, kind: DpPlan['kind'], shape: PlanShape) {
  const p = 'plan';
  const scale = positive(o, 'scale', p, 1e300);
  const value = deriveValue(shape, scale);
  if (!value.fits) fail(`plan.scale ${scale} lets a sum of ${shape.clients} encodings wrap mod 2^${shape.bits}`);
  const varianceKey = kind === 'distributedNoise' ? 'localVariance' : 'noiseVariance';
  const variance = positive(o, varianceKey, p, 2 ** 53);
  if (!(variance >= requiredVariance(shape, shape.clipNorm * scale))) {
    fail(`plan.${varianceKey} is below what plan.noiseMultiplier needs`);
  }
  const range = varianceRange(shape);
  if (!(variance >= range.min && variance <= range.max) || !close(variance, value.variance, VARIANCE_CLOSE)) {
    fail(`plan.${varianceKey} is inconsistent with the other fields`);
  }
  const bound = positive(o, 'roundingNormSquaredBound', p, Number.MAX_VALUE);
  if (!(bound <= value.bound * (1 + 1e-12)) || !close(bound, value.bound, CLOSE)) {
    fail('plan.roundingNormSquaredBound is inconsistent with the scale, clip, dimension and beta');
  }
  const l2 = positive(o, 'l2Sensitivity', p, Number.MAX_VALUE);
  if (!(l2 >= Math.sqrt(bound)) || !close(l2, value.l2, CLOSE)) fail('plan.l2Sensitivity is inconsistent with the rounding bound');
  const l1 = positive(o, 'l1Sensitivity', p, Number.MAX_VALUE);
  const l1Needed = l1Of(l2, shape.paddedDimension);
  if (!(l1 >= l1Needed) || !close(l1, l1Needed, CLOSE)) fail('plan.l1Sensitivity is inconsistent with plan.l2Sensitivity');
  const sumMagnitudeBound = num(o, 'sumMagnitudeBound', p, 0, capacity(shape.bits), true);
  if (!close(sumMagnitudeBound, value.sumBound, CLOSE, 2)) fail('plan.sumMagnitudeBound is inconsistent with the other fields');
  return { scale, variance, roundingNormSquaredBound: bound, l2Sensitivity: l2, l1Sensitivity: l1, sumMagnitudeBound };
}

/**
 * The privacy event of ONE released sum under `plan`, given the number of clients whose
 * encodings (and, for distributed noise, whose noise) are actually in it: a distributed discrete
 * Gaussian or Skellam event with `clients = survivors`, or the central discrete Gaussian event
 * (which does not depend on survivors). With adaptive clipping it is the composition of the
 * update's event and the count element's event: a ledger records this one event per round.
 *
 * @param plan any DP plan (plain data is validated first).
 * @param options.survivors clients summed, integer in [1, plan.clients]. Fewer than
 *   plan.minClients gives the (weaker) event that really happened; decoding refuses such sums.
 * @returns a frozen event; the RDP accountant supports every one of them (the PLD accountant
 *   refuses the distributed ones and a vector discrete Gaussian: see docs/dp-mechanisms.md).
 * @throws {SecAggError} `INVALID_TYPE`, `INVALID_PLAN`, `UNSUPPORTED_VERSION` (plan);
 *   `OUT_OF_RANGE`, `INVALID_TYPE`, `UNKNOWN_OPTION` (options).
 * @example
 * ```ts
 * const plan = planDistributedNoise({ clipNorm: 1, dimension: 1000, clients: 100, minClients: 80,
 *   bits: 24, noiseMultiplier: 1 });
 * new RdpAccountant().compose(dpEventForRound(plan, { survivors: 93 })).getEpsilon(1e-5);
 * ```
 */
export function dpEventForRound(plan: DpPlan, options: { survivors: number }): DpEvent {
  const p = validateDpPlan(plan);
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new SecAggError('INVALID_TYPE', `options must be an object, got ${describeType(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== 'survivors') {
      throw new SecAggError('UNKNOWN_OPTION', `options has an unknown field "${key.slice(0, 40)}"; allowed: survivors`);
    }
  }
  const s: unknown = options.survivors;
  if (typeof s !== 'number') throw new SecAggError('INVALID_TYPE', `options.survivors must be a number, got ${describeType(s)}`);
  if (!Number.isInteger(s) || s < 1 || s > p.clients) {
    throw new SecAggError('OUT_OF_RANGE', `options.survivors must be an integer in [1, ${p.clients}], got ${String(s)}`);
  }
  return _roundEvent(p, s);
}

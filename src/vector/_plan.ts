/** Internal: planning arithmetic shared by plain and weighted quantisation. */
import { assertBits, assertInteger, assertNumber, assertOptions, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';

/** Upper bound on `clients`, `levels`, `headroom`, `maxWeight` (all far beyond 32-bit capacity). */
export const MAX_COUNT: number = 2 ** 32;

/** Largest |sum| a centered residue mod 2^bits can hold: 2^(bits-1) - 1. */
export function capacity(bits: number): number {
  return 2 ** (bits - 1) - 1;
}

export interface PlanFields {
  readonly bits: number;
  readonly clip: number;
  readonly scale: number;
  readonly clients: number;
  readonly maxLevel: number;
  readonly headroom: number;
  readonly maxWeight: number;
}

export interface PlanInput {
  readonly clip?: unknown;
  readonly bits?: unknown;
  readonly clients?: unknown;
  readonly levels?: unknown;
  readonly scale?: unknown;
  readonly headroom?: unknown;
  readonly maxWeight?: unknown;
}

/** Per-client bound of the largest element magnitude (values with headroom, or the weight). */
export function perClientBound(maxLevel: number, headroom: number, maxWeight: number): number {
  return Math.max(maxLevel + headroom, maxWeight);
}

/**
 * Validates planner input and computes (scale, maxLevel), refusing with MODULUS_TOO_SMALL any
 * setting where `clients` per-client bounds can add up to 2^(bits-1) or more. `maxWeight` is 1
 * for unweighted plans: then maxLevel is the bound for |x| <= clip.
 */
export function computePlan(input: unknown, weighted: boolean): PlanFields {
  const allowed = ['clip', 'bits', 'clients', 'levels', 'scale', 'headroom'];
  if (weighted) allowed.push('maxWeight');
  const name = weighted ? 'weighted quantisation parameters' : 'quantisation parameters';
  if (input === undefined) {
    throw new SecAggError('INVALID_TYPE', `${name} must be an object, got undefined`);
  }
  const o = assertOptions<PlanInput>(input, name, allowed);
  const clip = assertNumber(o.clip, 'clip', 0, Number.MAX_VALUE, { min: true });
  const bits = assertBits(o.bits);
  const clients = assertInteger(o.clients, 'clients', 1, MAX_COUNT);
  const headroom = o.headroom === undefined ? 0 : assertInteger(o.headroom, 'headroom', 0, MAX_COUNT);
  const maxWeight = weighted ? assertInteger(o.maxWeight, 'maxWeight', 1, MAX_COUNT) : 1;
  if (o.levels !== undefined && o.scale !== undefined) {
    throw new SecAggError('UNKNOWN_OPTION', `${name}: give levels or scale, not both`);
  }
  const cap = capacity(bits);
  let scale: number;
  let maxLevel: number;
  if (o.scale !== undefined) {
    scale = assertNumber(o.scale, 'scale', 0, Number.MAX_VALUE, { min: true });
    // The kernel computes clip(x) * (w * scale); floating multiplication is monotone, so this
    // same expression at the extremes bounds every |y|, and ceil bounds every rounded value.
    maxLevel = Math.ceil(clip * (maxWeight * scale));
  } else {
    let levels: number;
    if (o.levels === undefined) {
      // Default: the finest grid that cannot wrap.
      levels = Math.floor((Math.floor(cap / clients) - headroom) / maxWeight);
      if (!(levels >= 1)) levels = 1; // refused below with a useful message
    } else {
      levels = assertInteger(o.levels, 'levels', 1, MAX_COUNT);
    }
    scale = levels / clip;
    if (!(scale > 0 && Number.isFinite(scale))) {
      throw new SecAggError('OUT_OF_RANGE', `levels / clip = ${String(scale)} is not a usable scale`);
    }
    maxLevel = levels * maxWeight;
  }
  const bound = perClientBound(maxLevel, headroom, maxWeight);
  const total = clients * bound; // exact below 2^53, and >= 2^53 (so refused) otherwise
  if (!(total <= cap)) {
    throw new SecAggError('MODULUS_TOO_SMALL', refusal(bits, clients, bound, total, headroom, maxWeight));
  }
  if (maxLevel < 1) {
    throw new SecAggError(
      'OUT_OF_RANGE',
      `clip * scale${weighted ? ' * maxWeight' : ''} must be at least 1 quantisation level, got ${String(clip * maxWeight * scale)}`,
    );
  }
  return { bits, clip, scale, clients, maxLevel, headroom, maxWeight };
}

function refusal(
  bits: number,
  clients: number,
  bound: number,
  total: number,
  headroom: number,
  maxWeight: number,
): string {
  let needed = bits;
  while (needed <= 64 && !(total <= capacity(needed))) needed++;
  const neededText = needed > 64 ? 'It needs more than 64 bits' : `It needs bits >= ${needed}`;
  const cap = capacity(bits);
  const maxClients = Math.floor(cap / bound);
  const maxLevels = Math.floor((Math.floor(cap / clients) - headroom) / maxWeight);
  return (
    `the sum of ${clients} clients can reach ${String(total)} (per client per element up to ` +
    `${String(bound)}), which wraps mod 2^${bits} (centered capacity 2^${bits - 1} - 1 = ${cap}). ` +
    `${neededText}${needed > 32 ? ' (above the 32-bit maximum)' : ''}; at ${bits} bits ` +
    (maxClients >= 1 ? `at most ${maxClients} clients fit` : 'not even one client fits') +
    (maxLevels >= 1 ? `, or levels <= ${maxLevels} for ${clients} clients` : '')
  );
}

/** Validates a plan object (possibly deserialised) and returns its fields. */
export function checkPlan(plan: unknown, weighted: boolean): PlanFields {
  const kind = weighted ? 'weighted' : 'plain';
  const keys = ['kind', 'bits', 'clip', 'scale', 'clients', 'maxLevel', 'headroom', 'maxAbsSum'];
  if (weighted) keys.push('maxWeight');
  if (plan === null || typeof plan !== 'object') {
    throw new SecAggError('INVALID_TYPE', `plan must be a plan object, got ${describeType(plan)}`);
  }
  const p = plan as Record<string, unknown>;
  if (p['kind'] !== kind) {
    throw new SecAggError(
      'INVALID_TYPE',
      `plan.kind must be '${kind}' (use ${weighted ? 'planWeightedQuantization' : 'planQuantization'}), got ${typeof p['kind'] === 'string' ? `'${p['kind']}'` : describeType(p['kind'])}`,
    );
  }
  assertOptions(plan, 'plan', keys);
  const bits = assertBits(p['bits'], 'plan.bits');
  const clip = assertNumber(p['clip'], 'plan.clip', 0, Number.MAX_VALUE, { min: true });
  const scale = assertNumber(p['scale'], 'plan.scale', 0, Number.MAX_VALUE, { min: true });
  const clients = assertInteger(p['clients'], 'plan.clients', 1, MAX_COUNT);
  const maxLevel = assertInteger(p['maxLevel'], 'plan.maxLevel', 1, MAX_COUNT);
  const headroom = assertInteger(p['headroom'], 'plan.headroom', 0, MAX_COUNT);
  const maxWeight = weighted ? assertInteger(p['maxWeight'], 'plan.maxWeight', 1, MAX_COUNT) : 1;
  const total = clients * perClientBound(maxLevel, headroom, maxWeight);
  if (!(total <= capacity(bits))) {
    throw new SecAggError('MODULUS_TOO_SMALL', `plan can wrap: ${refusal(bits, clients, perClientBound(maxLevel, headroom, maxWeight), total, headroom, maxWeight)}`);
  }
  if (p['maxAbsSum'] !== total) {
    throw new SecAggError('OUT_OF_RANGE', 'plan.maxAbsSum is inconsistent with the other fields');
  }
  // Quantised values are clamped to maxLevel; a plan whose grid reaches past it would clip
  // silently, so refuse it (tolerance covers the rounding of levels / clip).
  if (clip * (maxWeight * scale) > maxLevel * (1 + 2 ** -40)) {
    throw new SecAggError('OUT_OF_RANGE', 'plan.maxLevel is below clip * scale: inconsistent plan');
  }
  return { bits, clip, scale, clients, maxLevel, headroom, maxWeight };
}

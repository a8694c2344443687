/**
 * Renyi-DP accountant (Mironov 2017), matching Google's dp_accounting `RdpAccountant` number for
 * number on the events both support.
 * @module
 */
import { SecAggError } from '../errors.js';
import { assertOptions, describeType } from '../_assert.js';
import {
  checkCount,
  checkDelta,
  checkEpsilon,
  checkNeighboringRelation,
  sensitivityFactor,
  type NeighboringRelation,
  type PrivacyAccountant,
} from './accountant.js';
import { validateEvent, type DpEvent } from './events.js';
import { distributedDiscreteGaussianRdp, skellamRdp } from './distributed-rdp.js';
import { gaussianRdp, subsampledGaussianRdp, zhuWangRdp } from './_rdp-math.js';
import { gaussianInverseVariance } from './_gaussian-equivalent.js';
import {
  gaussianWorTerms,
  generalWorTerms,
  logAWor,
  worRdpAtOrders,
  WOR_DIFFERENCE_MAX_ORDER,
  WOR_MAX_ORDER,
} from './_rdp-wor.js';

/** dp_accounting's default orders: 1.1..10.9 step 0.1, 11..63, 128, 256, 512, 1024 (156 orders). */
export const DEFAULT_RDP_ORDERS: readonly number[] = Object.freeze([
  ...Array.from({ length: 99 }, (_, x) => 1 + (x + 1) / 10),
  ...Array.from({ length: 53 }, (_, x) => 11 + x),
  128,
  256,
  512,
  1024,
]);

/** Largest integer order for which the Zhu-Wang bound (O(alpha) terms) is evaluated. */
const MAX_ZHU_WANG_ORDER = 4096;

/** How RDP is converted to (epsilon, delta). */
export type RdpConversion = 'improved' | 'classic';

/** Options of {@link RdpAccountant}. */
export interface RdpAccountantOptions {
  /** RDP orders, each finite and > 1 (default {@link DEFAULT_RDP_ORDERS}); at most 10,000. */
  readonly orders?: readonly number[];
  /** Neighbouring relation (default `'addOrRemoveOne'`); see `accountant.ts`. */
  readonly neighboringRelation?: NeighboringRelation;
  /**
   * `'improved'` (default): Canonne-Kamath-Steinke 2020 Prop. 12 / Asoodeh et al. 2021, as
   * dp_accounting. `'classic'`: Mironov 2017 Prop. 3, eps = rdp + log(1/delta) / (alpha - 1).
   */
  readonly conversion?: RdpConversion;
}

/** An order left out of the epsilon/delta optimisation, and why. */
export interface DroppedOrder {
  readonly order: number;
  readonly reason: string;
}

/** Result of {@link RdpAccountant.getEpsilonAndOrder}. */
export interface RdpEpsilon {
  /** Epsilon (>= 0, may be Infinity). */
  readonly epsilon: number;
  /** The order attaining it. */
  readonly order: number;
  /**
   * True when the optimum sits at the smallest or largest usable (not dropped) order of the
   * grid (and epsilon is finite and > 0): a wider grid could give a smaller epsilon; extend
   * `orders`.
   */
  readonly atGridEdge: boolean;
  /** Orders dropped so far (non-convergent series, unsupported fractional orders). */
  readonly droppedOrders: readonly DroppedOrder[];
}

/** Result of {@link RdpAccountant.getDeltaAndOrder}. */
export interface RdpDelta {
  readonly delta: number;
  readonly order: number;
  readonly droppedOrders: readonly DroppedOrder[];
}

interface Contribution {
  readonly rdp: Float64Array;
  /** Reason per dropped order index (undefined when the order is usable). */
  readonly dropped: (string | undefined)[];
  readonly anyDropped: boolean;
}

/**
 * Renyi-DP accountant. Supports Gaussian, discrete Gaussian, distributed discrete Gaussian,
 * Skellam, their Poisson-subsampled versions (add/remove; MTZ 2019 for Gaussian inner events,
 * Zhu-Wang 2019 Theorem 6 at integer orders for the others), their fixed-size cohorts
 * (`sampledWithoutReplacement`, replaceOne; Wang-Balle-Kasiviswanathan 2019: Theorem 27 for
 * Gaussian inner events, Theorem 9 for the others, fractional orders by cumulant interpolation),
 * self-composed, composed and no-op events.
 *
 * Orders whose value cannot be computed reliably (fractional-order series that does not
 * converge in 1000 terms; fractional orders of Zhu-Wang-subsampled events; integer orders above
 * 4096 for those) are set to +Infinity, i.e. dropped from the optimisation, and listed in
 * `droppedOrders`. If every order is dropped, epsilon/delta queries throw `NUMERICAL_FAILURE`.
 *
 * @example
 * ```ts
 * const acc = new RdpAccountant();
 * acc.compose(poissonSampledEvent(0.01, gaussianEvent(4)), 10_000);
 * acc.getEpsilon(1e-5); // 1.0354...
 * ```
 */
export class RdpAccountant implements PrivacyAccountant {
  /** The RDP orders (frozen). */
  readonly orders: readonly number[];
  readonly neighboringRelation: NeighboringRelation;
  readonly conversion: RdpConversion;
  readonly #rdp: Float64Array;
  readonly #dropped: (string | undefined)[];
  readonly #cache = new WeakMap<DpEvent, Contribution>();
  readonly #scratch: Float64Array;

  /**
   * @throws SecAggError `UNKNOWN_OPTION`, `INVALID_TYPE`, `OUT_OF_RANGE` (orders not finite
   *   numbers > 1, empty or > 10,000 orders, unknown relation or conversion).
   */
  constructor(options?: RdpAccountantOptions) {
    const opts = assertOptions<RdpAccountantOptions>(options, 'options', [
      'orders',
      'neighboringRelation',
      'conversion',
    ]);
    this.orders = checkOrders(opts.orders);
    this.neighboringRelation = checkNeighboringRelation(opts.neighboringRelation);
    const conversion = opts.conversion ?? 'improved';
    if (conversion !== 'improved' && conversion !== 'classic') {
      throw new SecAggError(
        typeof conversion === 'string' ? 'OUT_OF_RANGE' : 'INVALID_TYPE',
        `options.conversion must be 'improved' or 'classic'`,
      );
    }
    this.conversion = conversion;
    this.#rdp = new Float64Array(this.orders.length);
    this.#dropped = new Array<string | undefined>(this.orders.length).fill(undefined);
    let maxInt = 2;
    for (const o of this.orders) {
      if (Number.isInteger(o) && o <= MAX_ZHU_WANG_ORDER) maxInt = Math.max(maxInt, o);
    }
    this.#scratch = new Float64Array(maxInt + 2);
  }

  /** Current RDP at each order (a copy; +Infinity at dropped orders). */
  get rdp(): Float64Array {
    return this.#rdp.slice();
  }

  /** Orders dropped from the optimisation so far, with the reason. */
  get droppedOrders(): readonly DroppedOrder[] {
    const out: DroppedOrder[] = [];
    this.#dropped.forEach((reason, i) => {
      if (reason !== undefined) out.push(Object.freeze({ order: this.orders[i] as number, reason }));
    });
    return Object.freeze(out);
  }

  /** True when every event in the tree is supported under this accountant's relation. */
  supports(event: DpEvent): boolean {
    try {
      return unsupportedReason(validateEvent(event), this.neighboringRelation, false) === undefined;
    } catch {
      return false;
    }
  }

  /**
   * Records `count` compositions of `event`. The whole tree is validated and checked and its RDP
   * computed before the ledger changes, so a refused or failing event records nothing.
   * @param count safe integer >= 0 (default 1).
   * @throws SecAggError `INVALID_EVENT`, `UNSUPPORTED_EVENT`, `OUT_OF_RANGE`/`INVALID_TYPE`
   *   (count), `NUMERICAL_FAILURE` (an RDP formula failed; nothing recorded).
   */
  compose(event: DpEvent, count?: number): this {
    const valid = validateEvent(event);
    const n = checkCount(count);
    // A cached contribution means this very (frozen) event was already checked and evaluated.
    let c = this.#cache.get(valid);
    if (c === undefined) {
      const reason = unsupportedReason(valid, this.neighboringRelation, false);
      if (reason !== undefined) throw new SecAggError('UNSUPPORTED_EVENT', `RdpAccountant: ${reason}`);
      if (n === 0) return this;
      c = this.#contribution(valid);
    }
    if (n === 0) return this;
    const ledger = this.#rdp;
    const rdp = c.rdp;
    for (let i = 0; i < ledger.length; i++) {
      const r = rdp[i] as number;
      if (r !== 0) ledger[i] = (ledger[i] as number) + n * r;
    }
    if (c.anyDropped) {
      for (let i = 0; i < ledger.length; i++) {
        const d = c.dropped[i];
        if (d !== undefined && this.#dropped[i] === undefined) this.#dropped[i] = d;
      }
    }
    return this;
  }

  /**
   * Smallest epsilon over the orders for the given delta.
   * @param delta in [0, 1].
   * @throws SecAggError `OUT_OF_RANGE`/`INVALID_TYPE` (delta), `NUMERICAL_FAILURE` (every order
   *   dropped).
   */
  getEpsilon(delta: number): number {
    return this.getEpsilonAndOrder(delta).epsilon;
  }

  /**
   * Epsilon, the optimal order, and whether the optimum is at the edge of the grid.
   * @throws SecAggError as {@link RdpAccountant.getEpsilon}.
   */
  getEpsilonAndOrder(delta: number): RdpEpsilon {
    checkDelta(delta);
    this.#checkUsable();
    const { epsilon, index } = epsilonFromRdp(this.orders, this.#rdp, delta, this.conversion);
    const order = this.orders[index] as number;
    // Edges of the usable grid (dropped orders do not count as grid points).
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    this.orders.forEach((o, i) => {
      if (this.#dropped[i] !== undefined) return;
      if (o < lo) lo = o;
      if (o > hi) hi = o;
    });
    const atGridEdge = Number.isFinite(epsilon) && epsilon > 0 && (order === lo || order === hi);
    return Object.freeze({ epsilon, order, atGridEdge, droppedOrders: this.droppedOrders });
  }

  /**
   * Smallest delta over the orders for the given epsilon (dp_accounting's `compute_delta`).
   * @param epsilon finite, >= 0.
   * @throws SecAggError `OUT_OF_RANGE`/`INVALID_TYPE` (epsilon), `NUMERICAL_FAILURE`.
   */
  getDelta(epsilon: number): number {
    return this.getDeltaAndOrder(epsilon).delta;
  }

  /** Delta and the optimal order. @throws SecAggError as {@link RdpAccountant.getDelta}. */
  getDeltaAndOrder(epsilon: number): RdpDelta {
    checkEpsilon(epsilon);
    this.#checkUsable();
    const { delta, index } = deltaFromRdp(this.orders, this.#rdp, epsilon, this.conversion);
    return Object.freeze({ delta, order: this.orders[index] as number, droppedOrders: this.droppedOrders });
  }

  #checkUsable(): void {
    if (this.#dropped.every((d) => d !== undefined)) {
      throw new SecAggError(
        'NUMERICAL_FAILURE',
        `RdpAccountant: every RDP order was dropped (${this.#dropped[0] ?? ''}); use other orders`,
      );
    }
  }

  /** RDP vector of one occurrence of a (validated, supported) event, cached per event object. */
  #contribution(event: DpEvent): Contribution {
    const hit = this.#cache.get(event);
    if (hit !== undefined) return hit;
    const m = this.orders.length;
    const rdp = new Float64Array(m);
    const dropped = new Array<string | undefined>(m).fill(undefined);
    this.#accumulate(event, 1, rdp, dropped);
    const c: Contribution = { rdp, dropped, anyDropped: dropped.some((d) => d !== undefined) };
    this.#cache.set(event, c);
    return c;
  }

  #accumulate(event: DpEvent, count: number, rdp: Float64Array, dropped: (string | undefined)[]): void {
    if (count === 0) return;
    const factor = sensitivityFactor(this.neighboringRelation);
    switch (event.kind) {
      case 'noOp':
        return;
      case 'selfComposed':
        this.#accumulate(event.event, count * event.count, rdp, dropped);
        return;
      case 'composed':
        for (const e of event.events) this.#accumulate(e, count, rdp, dropped);
        return;
      case 'poissonSampled':
        this.#accumulatePoisson(event.samplingRate, event.event, count, rdp, dropped);
        return;
      case 'sampledWithoutReplacement':
        this.#accumulateWithoutReplacement(event.sampleSize, event.populationSize, event.event, count, rdp, dropped);
        return;
      default: {
        const curve = mechanismCurve(event, factor);
        this.orders.forEach((order, i) => {
          rdp[i] = (rdp[i] as number) + count * curve(order);
        });
      }
    }
  }

  #accumulatePoisson(
    q: number,
    inner: DpEvent,
    count: number,
    rdp: Float64Array,
    dropped: (string | undefined)[],
  ): void {
    const invVar = gaussianInverseVariance(inner);
    if (invVar !== undefined) {
      // Gaussian-equivalent inner event: Mironov-Talwar-Zhang, exact in log space.
      const sigma = invVar === 0 ? Number.POSITIVE_INFINITY : 1 / Math.sqrt(invVar);
      this.orders.forEach((order, i) => {
        const r = subsampledGaussianRdp(q, sigma, order, this.#scratch);
        if (Number.isNaN(r) || r < 0) {
          dropped[i] ??= `the fractional-order series did not converge (q = ${q}, noise multiplier = ${sigma})`;
          rdp[i] = Number.POSITIVE_INFINITY;
        } else {
          rdp[i] = (rdp[i] as number) + count * r;
        }
      });
      return;
    }
    // Any other inner event with an RDP curve: Zhu-Wang 2019 Theorem 6, integer orders only.
    let maxInt = 2;
    for (const o of this.orders) if (Number.isInteger(o) && o <= MAX_ZHU_WANG_ORDER) maxInt = Math.max(maxInt, o);
    const curve = new Float64Array(maxInt + 1);
    const f = treeCurve(inner, 1);
    for (let l = 2; l <= maxInt; l++) curve[l] = f(l);
    this.orders.forEach((order, i) => {
      if (!Number.isInteger(order) || order > MAX_ZHU_WANG_ORDER) {
        dropped[i] ??= Number.isInteger(order)
          ? `Poisson subsampling of a non-Gaussian event is bounded only up to order ${MAX_ZHU_WANG_ORDER}`
          : 'Poisson subsampling of a non-Gaussian event is bounded at integer orders only (Zhu-Wang 2019)';
        rdp[i] = Number.POSITIVE_INFINITY;
        return;
      }
      const r = zhuWangRdp(q, order, curve, this.#scratch);
      if (Number.isNaN(r) || r < 0) {
        dropped[i] ??= 'the Zhu-Wang subsampling bound could not be evaluated';
        rdp[i] = Number.POSITIVE_INFINITY;
      } else {
        rdp[i] = (rdp[i] as number) + count * r;
      }
    });
  }

  /**
   * Fixed-size sampling without replacement (substitution): Wang-Balle-Kasiviswanathan 2019,
   * the Gaussian-specific bound (their Theorem 27, orders <= 256) for Gaussian-equivalent inner
   * events, their general Theorem 9 otherwise; fractional orders by cumulant interpolation.
   */
  #accumulateWithoutReplacement(
    sampleSize: number,
    populationSize: number,
    inner: DpEvent,
    count: number,
    rdp: Float64Array,
    dropped: (string | undefined)[],
  ): void {
    if (sampleSize === 0) return;
    const gamma = sampleSize / populationSize;
    const factor = sensitivityFactor(this.neighboringRelation);
    let maxInt = 2;
    for (const o of this.orders) if (Math.ceil(o) <= WOR_MAX_ORDER) maxInt = Math.max(maxInt, Math.ceil(o));
    const scratch = new Float64Array(maxInt + 1);
    let logA: (alpha: number) => number;
    let cap: (order: number) => number;
    const invVar = gaussianInverseVariance(inner);
    if (invVar !== undefined) {
      if (invVar === 0) return;
      const sigma = 1 / Math.sqrt(invVar) / factor;
      cap = (order) => gaussianRdp(sigma, order);
      const { strong, general } = gaussianWorTerms(sigma, maxInt);
      logA = (alpha) => logAWor(gamma, alpha, alpha <= WOR_DIFFERENCE_MAX_ORDER ? strong : general, scratch);
    } else {
      const f = treeCurve(inner, factor);
      const curve = new Float64Array(maxInt + 1);
      for (let l = 2; l <= maxInt; l++) curve[l] = f(l);
      const terms = generalWorTerms(curve, maxInt);
      cap = f;
      logA = (alpha) => logAWor(gamma, alpha, terms, scratch);
    }
    const values = gamma === 1 ? Float64Array.from(this.orders, cap) : worRdpAtOrders(this.orders, logA, cap, WOR_MAX_ORDER);
    values.forEach((r, i) => {
      if (Number.isNaN(r) || r < 0) {
        dropped[i] ??= `sampling without replacement is bounded only up to order ${WOR_MAX_ORDER}`;
        rdp[i] = Number.POSITIVE_INFINITY;
      } else {
        rdp[i] = (rdp[i] as number) + count * r;
      }
    });
  }
}

/**
 * Per-order RDP curve of an unsampled base mechanism, sensitivities scaled by `factor` (built
 * once per event so that per-event caches in distributed-rdp.ts keep working).
 */
function mechanismCurve(event: DpEvent, factor: number): (order: number) => number {
  let f: (order: number) => number;
  switch (event.kind) {
    case 'gaussian': {
      const z = event.noiseMultiplier / factor;
      f = (order) => gaussianRdp(z, order);
      break;
    }
    case 'discreteGaussian': {
      // CKS 2020: the discrete Gaussian satisfies the same (Delta^2 / (2 sigma^2))-zCDP bound.
      const s = event.sensitivity * factor;
      const rho = (s * s) / (2 * event.sigma * event.sigma);
      f = (order) => order * rho;
      break;
    }
    case 'distributedDiscreteGaussian': {
      const e =
        factor === 1
          ? event
          : { ...event, l2Sensitivity: event.l2Sensitivity * factor, l1Sensitivity: event.l1Sensitivity * factor };
      f = (order) => distributedDiscreteGaussianRdp(e, order);
      break;
    }
    case 'skellam': {
      const e =
        factor === 1
          ? event
          : { ...event, l2Sensitivity: event.l2Sensitivity * factor, l1Sensitivity: event.l1Sensitivity * factor };
      f = (order) => skellamRdp(e, order);
      break;
    }
    default:
      throw new SecAggError('UNSUPPORTED_EVENT', `RdpAccountant: no RDP curve for "${event.kind}" here`);
  }
  return (order) => {
    const r = f(order);
    if (typeof r !== 'number' || Number.isNaN(r) || r < 0) {
      throw new SecAggError('NUMERICAL_FAILURE', `RDP of "${event.kind}" at order ${order} is not a number >= 0`);
    }
    return r;
  };
}

/** RDP curve of an inner (unsampled) event tree, sensitivities scaled by `factor`. */
function treeCurve(event: DpEvent, factor: number): (order: number) => number {
  switch (event.kind) {
    case 'noOp':
      return () => 0;
    case 'selfComposed': {
      if (event.count === 0) return () => 0;
      const inner = treeCurve(event.event, factor);
      const n = event.count;
      return (order) => n * inner(order);
    }
    case 'composed': {
      const parts = event.events.map((e) => treeCurve(e, factor));
      return (order) => {
        let s = 0;
        for (const p of parts) s += p(order);
        return s;
      };
    }
    default:
      return mechanismCurve(event, factor);
  }
}

/** Why `event` cannot be accounted (undefined when it can). */
function unsupportedReason(event: DpEvent, relation: NeighboringRelation, insideSampling: boolean): string | undefined {
  switch (event.kind) {
    case 'noOp':
    case 'gaussian':
    case 'discreteGaussian':
    case 'distributedDiscreteGaussian':
    case 'skellam':
      return undefined;
    case 'selfComposed':
      return unsupportedReason(event.event, relation, insideSampling);
    case 'composed':
      for (const e of event.events) {
        const r = unsupportedReason(e, relation, insideSampling);
        if (r !== undefined) return r;
      }
      return undefined;
    case 'poissonSampled':
      if (relation !== 'addOrRemoveOne') {
        return `Poisson subsampling is analysed under 'addOrRemoveOne' only (this accountant uses '${relation}')`;
      }
      if (insideSampling) return 'nested sampling is not supported';
      return unsupportedReason(event.event, relation, true);
    case 'sampledWithoutReplacement':
      if (relation !== 'replaceOne') {
        return `sampling without replacement is analysed under 'replaceOne' (substitution) only (this accountant uses '${relation}')`;
      }
      if (insideSampling) return 'nested sampling is not supported';
      return unsupportedReason(event.event, relation, true);
    default:
      return `unknown event kind "${describeType((event as { kind?: unknown }).kind)}"`;
  }
}

function checkOrders(orders: unknown): readonly number[] {
  if (orders === undefined) return DEFAULT_RDP_ORDERS;
  if (!Array.isArray(orders)) {
    throw new SecAggError('INVALID_TYPE', `options.orders must be an array of numbers, got ${describeType(orders)}`);
  }
  if (orders.length === 0 || orders.length > 10_000) {
    throw new SecAggError('OUT_OF_RANGE', `options.orders must hold 1..10000 orders, got ${orders.length}`);
  }
  const out: number[] = [];
  for (let i = 0; i < orders.length; i++) {
    const o: unknown = orders[i];
    if (typeof o !== 'number') {
      throw new SecAggError('INVALID_TYPE', `options.orders[${i}] must be a number, got ${describeType(o)}`);
    }
    if (!Number.isFinite(o) || !(o > 1)) {
      throw new SecAggError('OUT_OF_RANGE', `options.orders[${i}] must be a finite number > 1, got ${o}`);
    }
    out.push(o);
  }
  return Object.freeze(out);
}

/**
 * RDP -> epsilon at `delta` (dp_accounting `compute_epsilon`). Improved: per order,
 * eps = r + log1p(-1/alpha) - log(delta alpha) / (alpha - 1) for alpha > 1.01, and eps = 0 when
 * delta^2 + expm1(-r) > 0; result max(0, min). Classic: min r + log(1/delta) / (alpha - 1).
 */
export function epsilonFromRdp(
  orders: readonly number[],
  rdp: ArrayLike<number>,
  delta: number,
  conversion: RdpConversion,
): { epsilon: number; index: number } {
  if (delta === 0) {
    for (let i = 0; i < rdp.length; i++) {
      if (rdp[i] !== 0) return { epsilon: Number.POSITIVE_INFINITY, index: 0 };
    }
    return { epsilon: 0, index: 0 };
  }
  let best = Number.POSITIVE_INFINITY;
  let index = 0;
  const logDelta = Math.log(delta);
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i] as number;
    const r = rdp[i] as number;
    let eps: number;
    if (r === 0) {
      eps = 0; // D_alpha = 0: identical output distributions at this order
    } else if (conversion === 'classic') {
      eps = r - logDelta / (a - 1);
    } else if (r < 0) {
      eps = 0;
    } else if (delta * delta + Math.expm1(-r) > 0) {
      eps = 0;
    } else if (a > 1.01) {
      eps = r + Math.log1p(-1 / a) - Math.log(delta * a) / (a - 1);
    } else {
      eps = Number.POSITIVE_INFINITY;
    }
    if (eps < best) {
      best = eps;
      index = i;
    }
  }
  return { epsilon: Math.max(0, best), index };
}

/**
 * RDP -> delta at `epsilon` (dp_accounting `compute_delta`). Improved: per order,
 * log delta = min(0.5 log1p(-e^-r), (alpha-1)(r - eps + log1p(-1/alpha)) - log alpha) (the second
 * only for alpha > 1.01). Classic: min exp((r - eps)(alpha - 1)). Capped at 1.
 */
export function deltaFromRdp(
  orders: readonly number[],
  rdp: ArrayLike<number>,
  epsilon: number,
  conversion: RdpConversion,
): { delta: number; index: number } {
  let best = Number.POSITIVE_INFINITY;
  let index = 0;
  for (let i = 0; i < orders.length; i++) {
    const a = orders[i] as number;
    const r = rdp[i] as number;
    let logDelta: number;
    if (conversion === 'classic') {
      logDelta = r <= 0 ? Number.NEGATIVE_INFINITY : (r - epsilon) * (a - 1);
    } else {
      logDelta = r <= 0 ? Number.NEGATIVE_INFINITY : 0.5 * Math.log1p(-Math.exp(-r));
      if (a > 1.01 && r > 0) {
        const bound = (a - 1) * (r - epsilon + Math.log1p(-1 / a)) - Math.log(a);
        if (bound < logDelta) logDelta = bound;
      }
    }
    if (logDelta < best) {
      best = logDelta;
      index = i;
    }
  }
  return { delta: Math.min(Math.exp(best), 1), index };
}

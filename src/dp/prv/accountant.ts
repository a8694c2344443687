/**
 * The privacy random variable (PRV) accountant of Gopi, Lee and Wutschitz (NeurIPS 2021), as
 * Microsoft's `prv_accountant` and Opacus's default `prv`: epsilon with certified error bounds
 * (lower, estimate, upper).
 * @module
 */
import { SecAggError } from '../../errors.js';
import { assertInteger, assertNumber, assertOptions } from '../../_assert.js';
import {
  checkCount,
  checkDelta,
  checkEpsilon,
  checkNeighboringRelation,
  type NeighboringRelation,
  type PrivacyAccountant,
} from '../accountant.js';
import { validateEvent, type DpEvent } from '../events.js';
import { RdpAccountant } from '../rdp.js';
import { flattenEvent, isSymmetric, recordTotals, totalsAfter, type LedgerEntry, type Leaf } from '../pld/_leaves.js';
import {
  convolve,
  deltaForEpsilon,
  epsilonForDelta,
  GridTooLarge,
  identityPmf,
  selfConvolve,
  type FftStats,
  type Pmf,
} from '../pld/_pmf.js';
import { discretiseGaussianLeaf, type PrvDirection } from './_discretise.js';

/** Options of {@link PrvAccountant}. */
export interface PrvAccountantOptions {
  /** Neighbouring relation (default `'addOrRemoveOne'`); see `accountant.ts`. */
  readonly neighboringRelation?: NeighboringRelation;
  /**
   * Target half-width of the epsilon bounds relative to epsilon, in [1e-4, 0.25]; default 0.0045,
   * so that upper - lower stays below 1% of epsilon. Smaller is tighter and slower (the grid
   * step, hence the FFT size, scales with it).
   */
  readonly relativeEpsilonError?: number;
  /**
   * Slack on delta, in [1e-30, 1e-3], default 1e-12: half bounds the mass cut from the tails of
   * the PRVs, half the probability that the discretisation errors add up beyond the epsilon
   * error. Queries need delta well above it (the bounds use delta minus this slack).
   */
  readonly deltaError?: number;
  /**
   * Most points of any grid (an FFT has at most twice as many), an integer in [1024, 2^24],
   * default 2^21: with the 3 grids cached, memory stays below ~200 MiB.
   */
  readonly maxGridPoints?: number;
}

/** Epsilon bounds at a delta: the true epsilon lies in [lower, upper]. */
export interface PrvEpsilonBounds {
  readonly lower: number;
  readonly estimate: number;
  readonly upper: number;
  /** Half-width in epsilon of the discretisation error (t in docs/dp.md). */
  readonly epsilonError: number;
  /** Total slack on delta: tails, coupling failure, FFT allowances. */
  readonly deltaError: number;
  /** Grid step (nats) of the composition behind the bounds. */
  readonly gridStep: number;
}

/** Delta bounds at an epsilon: the true delta lies in [lower, upper]. */
export interface PrvDeltaBounds {
  readonly lower: number;
  readonly estimate: number;
  readonly upper: number;
  readonly epsilonError: number;
  readonly deltaError: number;
  readonly gridStep: number;
}

/** One composed direction: atoms at (pmf.lo + k) h + offset. */
interface Composed {
  readonly pmf: Pmf;
  readonly offset: number;
  /** Mass set aside by truncating the steps' PRVs. */
  readonly truncated: number;
  /** FFT allowance: window tails and round-off. */
  readonly fft: number;
}

interface Composition {
  readonly h: number;
  readonly dirs: readonly Composed[];
  /** Epsilon error t: h sqrt(steps/2 ln(2/eta)) plus the mean slack. */
  readonly t: number;
  /** Coupling failure probability eta. */
  readonly coupling: number;
}

const DEFAULT_RELATIVE_ERROR = 0.0045;
const DEFAULT_DELTA_ERROR = 1e-12;
const DEFAULT_MAX_POINTS = 2 ** 21;
/** Tail mass the FFT windows may cut per operation (counted into the slack). */
const TAU = 1e-15;
const U = 2 ** -53;
/** Grid steps are 2^(rung / RUNGS_PER_OCTAVE), so that nearby queries share compositions. */
const RUNGS_PER_OCTAVE = 4;
/** Coarsest grid step tried before giving up. */
const MAX_STEP = 4;
/** Compositions (grids) kept per ledger state. */
const CACHE_ENTRIES = 3;
/** The coarse pass aims at this fraction of the RDP epsilon. */
const COARSE_FRACTION = 0.03;

/**
 * Privacy random variable accountant (Gopi, Lee, Wutschitz 2021): each step's privacy loss is
 * discretised on a fine grid, cell-centred and shifted to keep its mean, the steps are composed
 * by FFT, and the error of the composed loss is bounded by concentration (Hoeffding), which
 * gives **bounds** on the true epsilon: `getEpsilonBounds(delta)` returns (lower, estimate,
 * upper), and `getEpsilon(delta)` returns the upper bound (a guarantee, like every accountant
 * here). Heterogeneous runs (different noises, sampling rates, sampling schemes) compose exactly.
 *
 * - **Tight:** the default grid keeps upper - lower below 1% of epsilon (relativeEpsilonError
 *   0.0045 each side); the estimate agrees with the PLD accountant's upper bound within the bounds.
 * - **Grid choice:** a coarse pass (epsilon error 3% of the RDP epsilon) estimates epsilon, then
 *   the grid is refined to the requested relative error. Grid steps come from a fixed ladder of
 *   powers of 2^(1/4) and compositions are cached until the next `compose`, so queries at
 *   nearby deltas share work; every cached grid gives valid bounds, and the tightest are reported.
 * - Supported: `gaussian`, `poissonSampled` over a Gaussian-equivalent event (add/remove),
 *   `sampledWithoutReplacement` over a Gaussian-equivalent event (replaceOne), `selfComposed`,
 *   `composed`, `noOp`. Refused with `UNSUPPORTED_EVENT`: discrete, distributed discrete
 *   Gaussian and Skellam events (use the PLD or RDP accountant), nested sampling.
 *
 * @example
 * ```ts
 * const acc = new PrvAccountant().compose(poissonSampledEvent(0.01, gaussianEvent(4)), 10_000);
 * acc.getEpsilonBounds(1e-5); // { lower: ~0.943, estimate: ~0.947, upper: ~0.951, ... }
 * acc.getEpsilon(1e-5);       // the upper bound
 * ```
 */
export class PrvAccountant implements PrivacyAccountant {
  readonly neighboringRelation: NeighboringRelation;
  readonly relativeEpsilonError: number;
  readonly deltaError: number;
  readonly maxGridPoints: number;
  readonly #ledger = new Map<string, LedgerEntry>();
  readonly #rdp: RdpAccountant;
  readonly #cache = new Map<number, Composition>();

  /** @throws SecAggError `UNKNOWN_OPTION`, `INVALID_TYPE`, `OUT_OF_RANGE` for bad options. */
  constructor(options?: PrvAccountantOptions) {
    const opts = assertOptions<PrvAccountantOptions>(options, 'options', [
      'neighboringRelation',
      'relativeEpsilonError',
      'deltaError',
      'maxGridPoints',
    ]);
    this.neighboringRelation = checkNeighboringRelation(opts.neighboringRelation);
    this.relativeEpsilonError =
      opts.relativeEpsilonError === undefined
        ? DEFAULT_RELATIVE_ERROR
        : assertNumber(opts.relativeEpsilonError, 'options.relativeEpsilonError', 1e-4, 0.25);
    this.deltaError =
      opts.deltaError === undefined ? DEFAULT_DELTA_ERROR : assertNumber(opts.deltaError, 'options.deltaError', 1e-30, 1e-3);
    this.maxGridPoints =
      opts.maxGridPoints === undefined
        ? DEFAULT_MAX_POINTS
        : assertInteger(opts.maxGridPoints, 'options.maxGridPoints', 1024, 2 ** 24);
    this.#rdp = new RdpAccountant({ neighboringRelation: this.neighboringRelation });
  }

  /** True when every event in the tree can be accounted here. Never throws. */
  supports(event: DpEvent): boolean {
    try {
      this.#flatten(validateEvent(event), 1, []);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Records `count` adaptive compositions of `event` (validated and checked first).
   * @param count safe integer >= 0 (default 1).
   * @throws SecAggError `INVALID_EVENT`, `UNSUPPORTED_EVENT`, `OUT_OF_RANGE` / `INVALID_TYPE`
   *   (bad count, or a total beyond 2^53 - 1).
   */
  compose(event: DpEvent, count?: number): this {
    const valid = validateEvent(event);
    const n = checkCount(count);
    const leaves: [Leaf, number][] = [];
    this.#flatten(valid, 1, leaves);
    if (n === 0) return this;
    const totals = totalsAfter(this.#ledger, leaves, n, 'PrvAccountant');
    // The RDP accountant only sets the grid's scale; it accepts every event accepted here.
    this.#rdp.compose(valid, n);
    recordTotals(this.#ledger, leaves, totals);
    if (leaves.length > 0) this.#cache.clear();
    return this;
  }

  /**
   * Upper bound on the smallest epsilon such that the run is (epsilon, delta)-DP (the worse
   * adjacency direction): {@link PrvAccountant.getEpsilonBounds}'s `upper`.
   * @param delta in [0, 1].
   * @throws SecAggError `INVALID_TYPE` / `OUT_OF_RANGE` (delta), `NUMERICAL_FAILURE` (no grid fits).
   */
  getEpsilon(delta: number): number {
    return this.getEpsilonBounds(delta).upper;
  }

  /**
   * Bounds on epsilon at `delta`: the true epsilon lies in [lower, upper]; `estimate` is the
   * PRV's point estimate. Infinity when delta is 0 (or not above the delta slack) and noise is
   * Gaussian.
   * @param delta in [0, 1].
   * @throws SecAggError as {@link PrvAccountant.getEpsilon}.
   * @example
   * ```ts
   * new PrvAccountant().compose(poissonSampledEvent(0.01, gaussianEvent(4)), 10_000).getEpsilonBounds(1e-5);
   * ```
   */
  getEpsilonBounds(delta: number): PrvEpsilonBounds {
    checkDelta(delta);
    const steps = this.#steps();
    if (steps === 0 || delta === 1) return zeroBounds(this.deltaError);
    const rdpEpsilon = this.#rdp.getEpsilon(delta);
    if (rdpEpsilon === 0) return zeroBounds(this.deltaError);
    if (!Number.isFinite(rdpEpsilon) || delta <= this.deltaError) return infiniteBounds(this.deltaError);
    const coarse = this.#epsilonAt(this.#rung(COARSE_FRACTION * rdpEpsilon, steps), delta);
    if (!(coarse.estimate > 0) || !Number.isFinite(coarse.estimate)) return coarse;
    return this.#epsilonAt(this.#rung(this.relativeEpsilonError * coarse.estimate, steps), delta);
  }

  /**
   * Upper bound on the smallest delta such that the run is (epsilon, delta)-DP (worse
   * direction): {@link PrvAccountant.getDeltaBounds}'s `upper`.
   * @param epsilon finite, >= 0.
   * @throws SecAggError `INVALID_TYPE` / `OUT_OF_RANGE` (epsilon), `NUMERICAL_FAILURE`.
   */
  getDelta(epsilon: number): number {
    return this.getDeltaBounds(epsilon).upper;
  }

  /**
   * Bounds on delta at `epsilon`, on a grid whose epsilon error is about the relative error
   * times epsilon (at least that of epsilon 0.05).
   * @param epsilon finite, >= 0.
   * @throws SecAggError as {@link PrvAccountant.getDelta}.
   * @example
   * ```ts
   * new PrvAccountant().compose(gaussianEvent(1)).getDeltaBounds(1); // around 0.1269
   * ```
   */
  getDeltaBounds(epsilon: number): PrvDeltaBounds {
    checkEpsilon(epsilon);
    const steps = this.#steps();
    if (steps === 0) return { lower: 0, estimate: 0, upper: 0, epsilonError: 0, deltaError: 0, gridStep: 0 };
    // Slightly finer than getEpsilon's grid for the same epsilon, so that a delta computed at
    // getEpsilon's answer is checked on a grid at least as fine (consistent round trips).
    const target = (this.relativeEpsilonError * Math.max(epsilon, 0.05)) / 1.08;
    return this.#tightest(this.#rung(target, steps), (comp) => this.#deltaOn(comp, epsilon));
  }

  #flatten(event: DpEvent, mult: number, out: [Leaf, number][]): void {
    flattenEvent(event, mult, out, { relation: this.neighboringRelation, name: 'PrvAccountant', discreteGaussian: false });
  }

  /** Composition steps after merging plain Gaussians (which compose exactly into one). */
  #steps(): number {
    let steps = 0;
    let gaussians = false;
    for (const { leaf, count } of this.#ledger.values()) {
      if (count === 0) continue;
      if (leaf.kind === 'gaussian' && leaf.q === 1) gaussians = true;
      else steps += count;
    }
    return steps + (gaussians ? 1 : 0);
  }

  /** Rung of the ladder whose grid step gives an epsilon error of at most `t`. */
  #rung(t: number, steps: number): number {
    const coupling = this.deltaError / 2;
    const h = t / Math.sqrt((steps / 2) * Math.log(2 / coupling));
    return Math.min(Math.floor(RUNGS_PER_OCTAVE * Math.log2(h)), RUNGS_PER_OCTAVE * Math.log2(MAX_STEP));
  }

  /** Epsilon bounds at `delta` on the composition at `rung` and every other cached one. */
  #epsilonAt(rung: number, delta: number): PrvEpsilonBounds {
    return this.#tightest(rung, (comp) => this.#epsilonOn(comp, delta));
  }

  /**
   * The tightest bounds `on` gives over the composition at `rung` and every other cached one
   * (each gives valid bounds; the estimate comes from the finest grid).
   */
  #tightest(rung: number, on: (comp: Composition) => PrvEpsilonBounds | PrvDeltaBounds): PrvEpsilonBounds & PrvDeltaBounds {
    const comp = this.#composition(rung);
    let best = on(comp);
    for (const other of this.#cache.values()) {
      if (other === comp) continue;
      const b = on(other);
      best = {
        lower: Math.max(best.lower, b.lower),
        estimate: other.h < best.gridStep ? b.estimate : best.estimate,
        upper: Math.min(best.upper, b.upper),
        epsilonError: Math.min(best.epsilonError, b.epsilonError),
        deltaError: best.deltaError,
        gridStep: Math.min(best.gridStep, b.gridStep),
      };
    }
    return Object.freeze(best);
  }

  #epsilonOn(comp: Composition, delta: number): PrvEpsilonBounds {
    let lower = 0;
    let estimate = 0;
    let upper = 0;
    let slack = 0;
    for (const d of comp.dirs) {
      const total = d.truncated + comp.coupling + d.fft;
      slack = Math.max(slack, total);
      estimate = Math.max(estimate, epsilonForDelta(d.pmf, delta) + d.offset);
      upper = Math.max(
        upper,
        delta > total ? epsilonForDelta(d.pmf, delta - total) + d.offset + comp.t : Number.POSITIVE_INFINITY,
      );
      const raised = delta / (1 - d.truncated) + comp.coupling + d.fft;
      lower = Math.max(lower, raised < 1 ? epsilonForDelta(d.pmf, raised) + d.offset - comp.t : 0);
    }
    return { lower: Math.max(0, lower), estimate: Math.max(0, estimate), upper: Math.max(0, upper), epsilonError: comp.t, deltaError: slack, gridStep: comp.h };
  }

  #deltaOn(comp: Composition, epsilon: number): PrvDeltaBounds {
    let lower = 0;
    let estimate = 0;
    let upper = 0;
    let slack = 0;
    for (const d of comp.dirs) {
      const total = d.truncated + comp.coupling + d.fft;
      slack = Math.max(slack, total);
      estimate = Math.max(estimate, deltaForEpsilon(d.pmf, epsilon - d.offset));
      upper = Math.max(upper, Math.min(1, deltaForEpsilon(d.pmf, epsilon - comp.t - d.offset) + total));
      const low = (1 - d.truncated) * (deltaForEpsilon(d.pmf, epsilon + comp.t - d.offset) - comp.coupling - d.fft);
      lower = Math.max(lower, low);
    }
    return { lower: Math.max(0, lower), estimate: Math.min(1, estimate), upper, epsilonError: comp.t, deltaError: slack, gridStep: comp.h };
  }

  /** The composition at `rung`, or at the first coarser rung that fits maxGridPoints. */
  #composition(rung: number): Composition {
    for (let r = rung; ; r++) {
      const h = 2 ** (r / RUNGS_PER_OCTAVE);
      if (h > MAX_STEP) {
        throw new SecAggError(
          'NUMERICAL_FAILURE',
          `PrvAccountant: the composition does not fit ${this.maxGridPoints} grid points even at step ${MAX_STEP} (raise maxGridPoints)`,
        );
      }
      const hit = this.#cache.get(r);
      if (hit !== undefined) return hit;
      try {
        const comp = this.#build(h);
        if (this.#cache.size >= CACHE_ENTRIES) this.#cache.delete(this.#cache.keys().next().value as number);
        this.#cache.set(r, comp);
        return comp;
      } catch (error) {
        if (!(error instanceof GridTooLarge)) throw error;
      }
    }
  }

  #build(h: number): Composition {
    const max = this.maxGridPoints;
    const steps = this.#steps();
    const coupling = this.deltaError / 2;
    const tailPerStep = this.deltaError / 2 / steps;
    // Plain Gaussians merge exactly into one Gaussian (noise (sum z_i^-2)^-1/2), one step.
    let precision = 0;
    const parts: { leaf: Extract<Leaf, { kind: 'gaussian' }>; count: number }[] = [];
    for (const key of [...this.#ledger.keys()].sort()) {
      const { leaf, count } = this.#ledger.get(key) as LedgerEntry;
      if (count === 0 || leaf.kind !== 'gaussian') continue;
      if (leaf.q === 1) precision += count / (leaf.sigma * leaf.sigma);
      else parts.push({ leaf, count });
    }
    if (precision > 0) parts.unshift({ leaf: { kind: 'gaussian', sigma: 1 / Math.sqrt(precision), q: 1, wor: false }, count: 1 });
    const symmetric = parts.every((p) => isSymmetric(p.leaf));
    const dirs: Composed[] = [];
    let meanSlack = 0;
    for (const side of symmetric ? (['remove'] as const) : (['remove', 'add'] as const)) {
      const stats: FftStats = { operations: [] };
      let acc = identityPmf(h);
      let offset = 0;
      let kept = 1;
      let slack = 0;
      for (const { leaf, count } of parts) {
        const dir: PrvDirection = leaf.wor ? 'wor' : leaf.q === 1 ? 'remove' : side;
        const d = discretiseGaussianLeaf(leaf, dir, h, tailPerStep, max);
        kept *= Math.exp(count * Math.log1p(-d.tail));
        slack += count * d.meanSlack;
        offset += count * d.shift;
        acc = convolve(acc, selfConvolve(d.pmf, count, TAU, max, stats), TAU, max, stats);
      }
      // Slack of the composition itself: what the FFTs already moved to +infinity (dropped
      // below, so added here), the tails every convolution may cut (tau per side, FFT or not),
      // and a round-off allowance per FFT (the clamped negatives, twice, plus an estimate).
      let fft = acc.inf + 2 * parts.length * 2 * TAU;
      for (const op of stats.operations) {
        const n = op.fftSize;
        fft += 2 * op.roundOff + Math.sqrt(n) * U * (Math.log2(n) + 4 * Math.log2(op.count + 1));
      }
      meanSlack = Math.max(meanSlack, slack);
      dirs.push({ pmf: { ...acc, inf: 0 }, offset, truncated: 1 - kept, fft });
    }
    const t = h * Math.sqrt((steps / 2) * Math.log(2 / coupling)) + meanSlack;
    return { h, dirs, t, coupling };
  }
}

function zeroBounds(deltaError: number): PrvEpsilonBounds {
  return Object.freeze({ lower: 0, estimate: 0, upper: 0, epsilonError: 0, deltaError, gridStep: 0 });
}

function infiniteBounds(deltaError: number): PrvEpsilonBounds {
  const inf = Number.POSITIVE_INFINITY;
  return Object.freeze({ lower: inf, estimate: inf, upper: inf, epsilonError: 0, deltaError, gridStep: 0 });
}

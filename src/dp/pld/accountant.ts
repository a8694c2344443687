/**
 * The privacy-loss-distribution (PLD) accountant: a tight, pessimistic alternative to the RDP
 * accountant with the same {@link PrivacyAccountant} interface.
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
import { discreteGaussianPmf, gaussianPmf, symmetrisePmf, type Direction } from './_mechanisms.js';
import { flattenEvent, isSymmetric, leafKey, recordTotals, totalsAfter, type LedgerEntry, type Leaf } from './_leaves.js';
import {
  convolve,
  deltaForEpsilon,
  epsilonForDelta,
  GridTooLarge,
  identityPmf,
  selfConvolve,
  type Pmf,
} from './_pmf.js';

/** Options of {@link PldAccountant}. */
export interface PldAccountantOptions {
  /** Neighbouring relation (default `'addOrRemoveOne'`); see `accountant.ts` for its meaning. */
  readonly neighboringRelation?: NeighboringRelation;
  /**
   * Grid step of the privacy loss, in nats (dp_accounting's value_discretization_interval):
   * a number in [1e-6, 1], default 1e-4. Smaller is tighter and slower.
   */
  readonly valueDiscretizationInterval?: number;
  /**
   * Mass (in [0, 1e-3], default 1e-15) that each composition may cut from the tails of the
   * distribution (the upper tail is counted into delta, so this only costs delta). 0 cuts
   * nothing: windows then span every reachable loss, which for many compositions exceeds
   * `maxGridPoints` and coarsens the grid (looser epsilon).
   */
  readonly tailMassTruncation?: number;
  /**
   * Most grid points any distribution may hold: an integer in [1024, 2^24], default 2^20
   * (memory stays below ~100 MiB). When a composition needs more, the accountant doubles the
   * discretisation interval (still pessimistic, a little looser) until it fits.
   */
  readonly maxGridPoints?: number;
}

/** Grid actually used by the last computation (see {@link PldAccountant.getGridInfo}). */
export interface PldGridInfo {
  /** Interval used (the configured one, doubled as often as `maxGridPoints` required). */
  readonly valueDiscretizationInterval: number;
  /** Grid points of the remove-direction PLD. */
  readonly removePoints: number;
  /** Grid points of the add-direction PLD (same object as remove when symmetric). */
  readonly addPoints: number;
  /** Largest probability mass at loss +Infinity (a floor on delta). */
  readonly infinityMass: number;
}

interface Materialised {
  readonly remove: Pmf;
  readonly add: Pmf;
  readonly h: number;
}

const DEFAULT_INTERVAL = 1e-4;
const DEFAULT_TAIL = 1e-15;
const DEFAULT_MAX_POINTS = 2 ** 20;
/** Discretised base mechanisms kept per accountant (each at most maxGridPoints doubles). */
const BASE_CACHE_ENTRIES = 8;
/** Coarsening stops here: beyond it the accountant reports NUMERICAL_FAILURE. */
const MAX_INTERVAL = 4;

/**
 * Privacy loss distribution accountant (Koskela et al. 2020; Google's dp_accounting
 * `PLDAccountant`): keeps the PLDs of the composed mechanism for both adjacency directions
 * (record removed, record added) on a grid of privacy losses, and answers from the
 * hockey-stick divergence, reporting the worse direction.
 *
 * - **Never optimistic.** Base mechanisms are discretised by "connect the dots" (Doroshenko
 *   et al. 2022), which dominates the true PLD; truncated upper tails, FFT round-off and
 *   out-of-window mass are counted into delta. The reported epsilon is an upper bound on the
 *   exact one, typically within 1e-4 to 1e-3 of it at the default interval.
 * - **Tight.** On DP-SGD/DP-FedAvg runs it is 5 to 25% below the RDP accountant's epsilon
 *   (see docs/dp-pld.md for a table).
 * - **Composition** by FFT: `count`-fold self-composition in one FFT power (never `count`
 *   convolutions), heterogeneous events by pairwise FFT convolution, tails truncated at
 *   `tailMassTruncation` so memory stays bounded. Gaussian events without subsampling are
 *   merged exactly first (noise multipliers z_i compose to (sum z_i^-2)^-1/2).
 * - `compose` only records the event (validated, checked) in a ledger; the PLDs are built on the
 *   first query after a change and cached, so composing step by step costs nothing until asked.
 *
 * Supported events: `gaussian`, `discreteGaussian` (scalar query with an integer sensitivity,
 * as in dp_accounting), `poissonSampled` over a Gaussian-equivalent event or a discrete
 * Gaussian (addOrRemoveOne only), `sampledWithoutReplacement` over the same (replaceOne only;
 * the symmetrised tight dominating pair, docs/dp-pld.md), `selfComposed`, `composed`, `noOp`.
 * Refused with `UNSUPPORTED_EVENT`: distributed discrete Gaussian and Skellam (use the RDP
 * accountant), nested sampling, each sampling under the other relation.
 *
 * @example
 * ```ts
 * const acc = new PldAccountant();
 * acc.compose(poissonSampledEvent(0.01, gaussianEvent(4)), 10_000);
 * acc.getEpsilon(1e-5); // ~0.947 (RDP: 1.035)
 * ```
 */
export class PldAccountant implements PrivacyAccountant {
  readonly neighboringRelation: NeighboringRelation;
  /** Configured grid step of the privacy loss. */
  readonly valueDiscretizationInterval: number;
  /** Configured tail mass truncated per composition. */
  readonly tailMassTruncation: number;
  /** Configured grid point limit. */
  readonly maxGridPoints: number;
  readonly #ledger = new Map<string, LedgerEntry>();
  #materialised: Materialised | undefined;
  readonly #baseCache = new Map<string, Pmf>();

  /**
   * @throws SecAggError `UNKNOWN_OPTION`, `INVALID_TYPE`, `OUT_OF_RANGE` for bad options.
   */
  constructor(options?: PldAccountantOptions) {
    const opts = assertOptions<PldAccountantOptions>(options, 'options', [
      'neighboringRelation',
      'valueDiscretizationInterval',
      'tailMassTruncation',
      'maxGridPoints',
    ]);
    this.neighboringRelation = checkNeighboringRelation(opts.neighboringRelation);
    this.valueDiscretizationInterval =
      opts.valueDiscretizationInterval === undefined
        ? DEFAULT_INTERVAL
        : assertNumber(opts.valueDiscretizationInterval, 'options.valueDiscretizationInterval', 1e-6, 1);
    this.tailMassTruncation =
      opts.tailMassTruncation === undefined
        ? DEFAULT_TAIL
        : assertNumber(opts.tailMassTruncation, 'options.tailMassTruncation', 0, 1e-3);
    this.maxGridPoints =
      opts.maxGridPoints === undefined
        ? DEFAULT_MAX_POINTS
        : assertInteger(opts.maxGridPoints, 'options.maxGridPoints', 1024, 2 ** 24);
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
   * Records `count` adaptive compositions of `event` (validated and checked before anything is
   * recorded).
   * @param count safe integer >= 0 (default 1).
   * @throws SecAggError `INVALID_EVENT`, `UNSUPPORTED_EVENT`, `OUT_OF_RANGE` / `INVALID_TYPE`
   *   (bad count, or a total count beyond 2^53 - 1).
   */
  compose(event: DpEvent, count?: number): this {
    const valid = validateEvent(event);
    const n = checkCount(count);
    const leaves: [Leaf, number][] = [];
    this.#flatten(valid, 1, leaves);
    if (n === 0) return this;
    recordTotals(this.#ledger, leaves, totalsAfter(this.#ledger, leaves, n, 'PldAccountant'));
    if (leaves.length > 0) this.#materialised = undefined;
    return this;
  }

  /**
   * Smallest epsilon (>= 0) such that the composition is (epsilon, delta)-DP, the worse of the
   * two adjacency directions. `Infinity` when delta is below the mass at infinite loss (e.g.
   * delta = 0 with Gaussian noise).
   * @param delta in [0, 1].
   * @throws SecAggError `INVALID_TYPE` / `OUT_OF_RANGE` (delta), `NUMERICAL_FAILURE` (the
   *   composition does not fit `maxGridPoints` even at a 4-nat interval).
   */
  getEpsilon(delta: number): number {
    checkDelta(delta);
    const m = this.#get();
    if (m === undefined) return 0;
    const eps = Math.max(epsilonForDelta(m.remove, delta), m.add === m.remove ? -Infinity : epsilonForDelta(m.add, delta));
    return eps > 0 ? eps : 0;
  }

  /**
   * Smallest delta such that the composition is (epsilon, delta)-DP (worse direction).
   * @param epsilon finite, >= 0.
   * @throws SecAggError `INVALID_TYPE` / `OUT_OF_RANGE` (epsilon), `NUMERICAL_FAILURE` (as
   *   {@link PldAccountant.getEpsilon}).
   */
  getDelta(epsilon: number): number {
    checkEpsilon(epsilon);
    const m = this.#get();
    if (m === undefined) return 0;
    const d = Math.max(deltaForEpsilon(m.remove, epsilon), m.add === m.remove ? 0 : deltaForEpsilon(m.add, epsilon));
    return Math.min(1, Math.max(0, d));
  }

  /**
   * The grid behind the current answers (builds the PLDs if needed): the interval actually used
   * (larger than configured when `maxGridPoints` forced coarsening), the points per direction
   * and the mass at infinite loss. One point per direction for an empty ledger.
   * @throws SecAggError `NUMERICAL_FAILURE` as {@link PldAccountant.getEpsilon}.
   * @example
   * ```ts
   * new PldAccountant().compose(poissonSampledEvent(0.01, gaussianEvent(4)), 10_000).getGridInfo();
   * // { valueDiscretizationInterval: 1e-4, removePoints: ~42600, addPoints: ~42600, infinityMass: ~1e-14 }
   * ```
   */
  getGridInfo(): PldGridInfo {
    const m = this.#get();
    if (m === undefined) {
      return { valueDiscretizationInterval: this.valueDiscretizationInterval, removePoints: 1, addPoints: 1, infinityMass: 0 };
    }
    return {
      valueDiscretizationInterval: m.h,
      removePoints: m.remove.probs.length,
      addPoints: m.add.probs.length,
      infinityMass: Math.max(m.remove.inf, m.add.inf),
    };
  }

  /** Appends (leaf, multiplicity) pairs for `event`; throws UNSUPPORTED_EVENT. */
  #flatten(event: DpEvent, mult: number, out: [Leaf, number][]): void {
    flattenEvent(event, mult, out, { relation: this.neighboringRelation, name: 'PldAccountant', discreteGaussian: true });
  }

  #get(): Materialised | undefined {
    if (this.#ledger.size === 0) return undefined;
    if (this.#materialised !== undefined) return this.#materialised;
    let h = this.valueDiscretizationInterval;
    for (;;) {
      try {
        this.#materialised = this.#build(h);
        return this.#materialised;
      } catch (error) {
        if (!(error instanceof GridTooLarge)) throw error;
        h *= 2;
        if (h > MAX_INTERVAL) {
          throw new SecAggError(
            'NUMERICAL_FAILURE',
            `PldAccountant: the composition does not fit ${this.maxGridPoints} grid points even at interval ${MAX_INTERVAL / 2} (raise maxGridPoints)`,
          );
        }
      }
    }
  }

  #base(leaf: Leaf, dir: Direction, h: number): Pmf {
    // Symmetric mechanisms (no subsampling, or sampling without replacement) share one PLD.
    const d: Direction = isSymmetric(leaf) ? 'remove' : dir;
    const key = `${leafKey(leaf)}|${d}|${h}`;
    let pmf = this.#baseCache.get(key);
    if (pmf === undefined) {
      pmf =
        leaf.kind === 'gaussian'
          ? gaussianPmf(leaf.sigma, leaf.q, d, h, this.maxGridPoints)
          : discreteGaussianPmf(leaf.sigma, leaf.s, leaf.q, d, h, this.maxGridPoints);
      // Sampling without replacement: the symmetrised pair built from the remove direction.
      if (leaf.wor) pmf = symmetrisePmf(pmf, this.maxGridPoints);
      if (this.#baseCache.size >= BASE_CACHE_ENTRIES) this.#baseCache.clear();
      this.#baseCache.set(key, pmf);
    }
    return pmf;
  }

  #build(h: number): Materialised {
    const tau = this.tailMassTruncation;
    const max = this.maxGridPoints;
    const keys = [...this.#ledger.keys()].sort();
    // Gaussians without subsampling compose exactly into one Gaussian.
    let precision = 0;
    const others: LedgerEntry[] = [];
    for (const key of keys) {
      const e = this.#ledger.get(key) as LedgerEntry;
      if (e.count === 0) continue;
      if (e.leaf.kind === 'gaussian' && e.leaf.q === 1) precision += e.count / (e.leaf.sigma * e.leaf.sigma);
      else others.push(e);
    }
    let remove = identityPmf(h);
    let add: Pmf = remove;
    if (precision > 0) {
      remove = gaussianPmf(1 / Math.sqrt(precision), 1, 'remove', h, max);
      add = remove;
    }
    for (const { leaf, count } of others) {
      const r = selfConvolve(this.#base(leaf, 'remove', h), count, tau, max);
      const symmetric = isSymmetric(leaf);
      const a = symmetric ? r : selfConvolve(this.#base(leaf, 'add', h), count, tau, max);
      const wasSymmetric = add === remove;
      remove = convolve(remove, r, tau, max);
      add = wasSymmetric && symmetric ? remove : convolve(add, a, tau, max);
    }
    return { remove, add, h };
  }
}

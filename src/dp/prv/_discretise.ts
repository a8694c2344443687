/**
 * Cell-centred, mean-preserving discretisation of a privacy random variable (PRV; Gopi, Lee,
 * Wutschitz, "Numerical Composition of Differential Privacy", NeurIPS 2021, Section 5).
 *
 * The PRV of a pair (P, Q) is the privacy loss L = log(P/Q)(o) for o ~ P. Its discretisation
 * puts the P-mass of each cell ((k - 1/2) h, (k + 1/2) h] at the cell centre k h, then shifts
 * every atom by one common `shift` so that the discrete variable has exactly the mean of L
 * (conditioned on the grid's range). Coupling each L with its cell's atom gives an error
 * e = k h + shift - L in [shift - h/2, shift + h/2] (an interval of length h) with mean 0: the
 * errors of independent steps concentrate (Hoeffding), which is what the accountant's error
 * bounds rest on. Mass beyond the grid (at most `tailMass`) is set aside and counted into delta.
 *
 * Mechanisms: the Gaussian family of the PLD leaves (`../pld/_leaves.ts`), on the loss axis of
 * the remove pair R = ((1 - q) N(0, s^2) + q N(1, s^2), N(0, s^2)), whose loss
 * l(x) = log(1 - q + q e^{(2x - 1)/(2 s^2)}) increases with x:
 * - remove: P = (1 - q) N(0) + q N(1), loss l; q = 1 is the plain Gaussian;
 * - add: P = N(0), loss -l (the mirror of R's loss under its Q);
 * - wor (sampling without replacement, the symmetrised pair of `../pld/_mechanisms.ts`): R's
 *   P-law on l > 0, its Q-law mirrored onto -l, and the atom 1 - P_R(l > 0) - Q_R(l > 0) at 0.
 * Cell masses and first moments come from Gauss-Legendre rules on the x-interval of each cell
 * (narrow cells; relative error below 1e-15) or from normal CDFs (the few wide cells of the far
 * tails, whose first moment is then known only to half a cell: `meanSlack` carries that).
 * @module
 */
import { SecAggError } from '../../errors.js';
import { normalCdf } from '../_special.js';
import type { Leaf } from '../pld/_leaves.js';
import { GridTooLarge, type Pmf } from '../pld/_pmf.js';

/** Which law of the leaf's pair is discretised. */
export type PrvDirection = 'remove' | 'add' | 'wor';

/** A discretised PRV: atoms at (pmf.lo + k) h + shift with masses pmf.probs (summing to 1). */
export interface DiscretePrv {
  readonly pmf: Pmf;
  /** Common shift of every atom, |shift| <= h / 2. */
  readonly shift: number;
  /** Mass of the true PRV outside the grid (set aside; counted into delta). */
  readonly tail: number;
  /** Bound on |E[discrete] - E[true, conditioned on the grid]| left by the wide tail cells. */
  readonly meanSlack: number;
}

const GL6_NODES = [0.2386191860831969, 0.6612093864662645, 0.9324695142031521];
const GL6_WEIGHTS = [0.467913934572691, 0.3607615730481386, 0.1713244923791704];
const GL2_NODE = 1 / Math.sqrt(3);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
/** Gauss-Legendre pieces are at most this many sigmas wide; 2 points below 1.5e-4 sigma. */
const PIECE = 0.1;
const GL2_MAX = 1.5e-4;
/** Cells wider than this many pieces use normal CDFs (far tails only). */
const MAX_PIECES = 64;

/** The remove pair's loss as a function of x, its inverse, and the normal tails. */
class RemoveLoss {
  readonly lossMin: number;
  readonly #inv2var: number;
  readonly #logQ: number;
  readonly #ratio: number;

  constructor(
    readonly sigma: number,
    readonly q: number,
  ) {
    this.lossMin = q === 1 ? Number.NEGATIVE_INFINITY : Math.log1p(-q);
    this.#inv2var = 1 / (2 * sigma * sigma);
    this.#logQ = Math.log(q);
    this.#ratio = (1 - q) / q;
  }

  /** l(x), without overflow for large x. */
  loss(x: number): number {
    const y = (2 * x - 1) * this.#inv2var;
    if (this.q === 1) return y;
    if (y > 1) return y + this.#logQ + Math.log1p(this.#ratio * Math.exp(-y));
    return Math.log1p(this.q * Math.expm1(y));
  }

  /** x with l(x) = l (-Infinity at or below the bottom of the support). */
  x(l: number): number {
    if (l === Number.POSITIVE_INFINITY) return l;
    const s2 = this.sigma * this.sigma;
    if (this.q === 1) return l === Number.NEGATIVE_INFINITY ? l : s2 * l + 0.5;
    if (!(l > this.lossMin)) return Number.NEGATIVE_INFINITY;
    const r = l > 1 ? l - this.#logQ + Math.log1p(-(1 - this.q) * Math.exp(-l)) : Math.log1p(Math.expm1(l) / this.q);
    return s2 * r + 0.5;
  }

  /** N(shift, sigma^2) mass of (xa, xb], from the accurate side. */
  mass(xa: number, xb: number, shift: 0 | 1): number {
    if (!(xb > xa)) return 0;
    const s = this.sigma;
    let m: number;
    if (xb <= shift) m = normalCdf((xb - shift) / s) - normalCdf((xa - shift) / s);
    else if (xa >= shift) m = normalCdf((shift - xa) / s) - normalCdf((shift - xb) / s);
    else m = 1 - normalCdf((xa - shift) / s) - normalCdf((shift - xb) / s);
    return m > 0 ? m : 0;
  }
}

/** Masses (m0, m1 under N(0), N(1)) and first moments of the loss (M0, M1) per cell. */
interface Cells {
  readonly m0: Float64Array;
  readonly m1: Float64Array;
  readonly M0: Float64Array;
  readonly M1: Float64Array;
  /** Half-width times mass of the cells whose moments are midpoint estimates, per law. */
  slack0: number;
  slack1: number;
}

/**
 * Cells j = jLo..jHi of the remove loss axis, cell j covering [(j - 1/2) h, (j + 1/2) h]
 * clipped to [clipLow, infinity).
 */
function removeCells(f: RemoveLoss, h: number, jLo: number, jHi: number, clipLow: number): Cells {
  const n = jHi - jLo + 1;
  const c: Cells = {
    m0: new Float64Array(n),
    m1: new Float64Array(n),
    M0: new Float64Array(n),
    M1: new Float64Array(n),
    slack0: 0,
    slack1: 0,
  };
  const s = f.sigma;
  const inv2var = 1 / (2 * s * s);
  const scale = INV_SQRT_2PI / s;
  let la = Math.max(clipLow, (jLo - 0.5) * h);
  let xa = f.x(la);
  for (let i = 0; i < n; i++) {
    const lb = (jLo + i + 0.5) * h;
    const xb = f.x(lb);
    const width = xb - xa;
    if (Number.isFinite(width) && width <= MAX_PIECES * PIECE * s) {
      const pieces = width <= PIECE * s ? 1 : Math.ceil(width / (PIECE * s));
      const w = width / pieces;
      const half = w / 2;
      const gl2 = w <= GL2_MAX * s;
      let m0 = 0;
      let m1 = 0;
      let M0 = 0;
      let M1 = 0;
      for (let p = 0; p < pieces; p++) {
        const mid = xa + (p + 0.5) * w;
        for (let g = 0; g < (gl2 ? 1 : 3); g++) {
          const d = half * (gl2 ? GL2_NODE : (GL6_NODES[g] as number));
          const weight = gl2 ? half : half * (GL6_WEIGHTS[g] as number);
          for (let side = -1; side <= 1; side += 2) {
            const x = mid + side * d;
            const d0 = weight * Math.exp(-x * x * inv2var);
            const d1 = weight * Math.exp(-(x - 1) * (x - 1) * inv2var);
            const l = f.loss(x);
            m0 += d0;
            m1 += d1;
            M0 += d0 * l;
            M1 += d1 * l;
          }
        }
      }
      c.m0[i] = m0 * scale;
      c.m1[i] = m1 * scale;
      c.M0[i] = M0 * scale;
      c.M1[i] = M1 * scale;
    } else {
      // A wide cell (far tail, or reaching x = -infinity): masses exact, moments to half a cell.
      const m0 = f.mass(xa, xb, 0);
      const m1 = f.mass(xa, xb, 1);
      const mid = 0.5 * (la + lb);
      c.m0[i] = m0;
      c.m1[i] = m1;
      c.M0[i] = m0 * mid;
      c.M1[i] = m1 * mid;
      c.slack0 += (m0 * (lb - la)) / 2;
      c.slack1 += (m1 * (lb - la)) / 2;
    }
    la = lb;
    xa = xb;
  }
  return c;
}

/** Smallest loss T (to h/8) with tail(T) <= target, for a tail decreasing in T. */
function searchTop(tail: (l: number) => number, target: number, h: number): number {
  let hi = 1;
  for (let i = 0; i < 200 && tail(hi) > target; i++) hi *= 2;
  let lo = -1;
  for (let i = 0; i < 200 && tail(lo) <= target; i++) lo *= 2;
  for (let i = 0; i < 200 && hi - lo > h / 8; i++) {
    const mid = 0.5 * (lo + hi);
    if (tail(mid) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The discretised PRV of a Gaussian-family leaf in `direction`, on the grid of step `h`, with at
 * most `tailMass` of the true PRV outside it.
 * @throws GridTooLarge when the grid would exceed `maxPoints`.
 */
export function discretiseGaussianLeaf(
  leaf: Extract<Leaf, { kind: 'gaussian' }>,
  direction: PrvDirection,
  h: number,
  tailMass: number,
  maxPoints: number,
): DiscretePrv {
  const f = new RemoveLoss(leaf.sigma, leaf.q);
  const q = leaf.q;
  const s = leaf.sigma;
  const half = tailMass / 2;
  // Tails in loss l: under the mixture P and under N(0).
  const mixAbove = (l: number): number => {
    const x = f.x(l);
    return (1 - q) * normalCdf(-x / s) + q * normalCdf((1 - x) / s);
  };
  const mixBelow = (l: number): number => {
    const x = f.x(l);
    return (1 - q) * normalCdf(x / s) + q * normalCdf((x - 1) / s);
  };
  const n0Above = (l: number): number => normalCdf(-f.x(l) / s);
  const n0Below = (l: number): number => normalCdf(f.x(l) / s);
  const jOf = (l: number): number => Math.ceil(l / h - 0.5); // cell containing l
  const check = (n: number): void => {
    if (!(n <= maxPoints)) throw new GridTooLarge(n);
  };

  let probs: Float64Array;
  let moments: Float64Array;
  let lo: number;
  let tail: number;
  let slack: number;
  if (direction === 'remove' || direction === 'add') {
    // Truncate both tails of the direction's law of l (for q < 1 the support ends at
    // log(1 - q), but the mass near it can be negligible far above it).
    const above = direction === 'remove' ? mixAbove : n0Above;
    const below = direction === 'remove' ? mixBelow : n0Below;
    const top = searchTop(above, half, h);
    const bottom = Math.max(f.lossMin, -searchTop((l) => below(-l), half, h));
    const jHi = jOf(top);
    const jLo = Math.min(jOf(bottom), jHi);
    check(jHi - jLo + 1);
    // Clip the first cell only at the bottom of the support (no mass below it); a truncated
    // lower tail is counted in `tail` from the cell's own lower edge instead.
    const clipped = (jLo - 0.5) * h <= f.lossMin;
    const cells = removeCells(f, h, jLo, jHi, clipped ? f.lossMin : Number.NEGATIVE_INFINITY);
    const n = jHi - jLo + 1;
    probs = new Float64Array(n);
    moments = new Float64Array(n);
    const upper = (jHi + 0.5) * h;
    const lower = (jLo - 0.5) * h;
    if (direction === 'remove') {
      for (let i = 0; i < n; i++) {
        probs[i] = (1 - q) * (cells.m0[i] as number) + q * (cells.m1[i] as number);
        moments[i] = (1 - q) * (cells.M0[i] as number) + q * (cells.M1[i] as number);
      }
      lo = jLo;
      tail = mixAbove(upper) + (clipped ? 0 : mixBelow(lower));
      slack = (1 - q) * cells.slack0 + q * cells.slack1;
    } else {
      // Loss -l: cell j of the remove axis is cell -j here, so the order reverses.
      for (let i = 0; i < n; i++) {
        probs[n - 1 - i] = cells.m0[i] as number;
        moments[n - 1 - i] = -(cells.M0[i] as number);
      }
      lo = -jHi;
      tail = n0Above(upper) + (clipped ? 0 : n0Below(lower));
      slack = cells.slack0;
    }
  } else {
    // Symmetrised pair: positive losses of R, their Q-mirror, and the atom at 0.
    const top = Math.max(searchTop(mixAbove, half, h), h);
    const jHi = jOf(top);
    check(2 * jHi + 1);
    const cells = removeCells(f, h, 0, jHi, 0);
    const n = 2 * jHi + 1;
    probs = new Float64Array(n);
    moments = new Float64Array(n);
    for (let j = 1; j <= jHi; j++) {
      probs[jHi + j] = (1 - q) * (cells.m0[j] as number) + q * (cells.m1[j] as number);
      moments[jHi + j] = (1 - q) * (cells.M0[j] as number) + q * (cells.M1[j] as number);
      probs[jHi - j] = cells.m0[j] as number;
      moments[jHi - j] = -(cells.M0[j] as number);
    }
    const pPositive = (1 - q) * normalCdf(-0.5 / s) + q * normalCdf(0.5 / s);
    const qPositive = normalCdf(-0.5 / s);
    const atom = Math.max(0, 1 - pPositive - qPositive);
    probs[jHi] = (1 - q) * (cells.m0[0] as number) + q * (cells.m1[0] as number) + (cells.m0[0] as number) + atom;
    moments[jHi] = (1 - q) * (cells.M0[0] as number) + q * (cells.M1[0] as number) - (cells.M0[0] as number);
    lo = -jHi;
    const upper = (jHi + 0.5) * h;
    tail = mixAbove(upper) + n0Above(upper);
    slack = (1 - q) * cells.slack0 + q * cells.slack1 + cells.slack0;
  }
  // Condition on the grid: normalise, then shift to the conditional mean.
  let total = 0;
  let moment = 0;
  let gridMean = 0;
  for (let i = 0; i < probs.length; i++) {
    total += probs[i] as number;
    moment += moments[i] as number;
  }
  for (let i = 0; i < probs.length; i++) {
    const p = (probs[i] as number) / total;
    probs[i] = p;
    gridMean += p * (lo + i) * h;
  }
  const shift = moment / total - gridMean;
  if (!(total > 0) || !(Math.abs(shift) <= h / 2 + 1e-12 * h)) {
    throw new SecAggError('NUMERICAL_FAILURE', `PrvAccountant: the discretisation lost its mean (shift ${shift} at step ${h})`);
  }
  return { pmf: { h, lo, probs, inf: 0 }, shift, tail: Math.min(1, tail), meanSlack: slack / total };
}

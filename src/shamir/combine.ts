/**
 * Reconstructing secrets from Shamir shares over GF(2^16): Lagrange interpolation at x = 0 with
 * coefficients computed once per set of holders.
 */
import { assertBytes, assertOptions, describeType } from '../_assert.js';
import { cryptoRandomBytes, type RandomBytes } from '../random.js';
import { SecAggError } from '../errors.js';
import { checkArray, checkDistinct, checkThreshold, checkX, readShare, readXs } from './_check.js';
import { drawDualChecks, logDualScales, modOrder } from './_dual.js';
import { EXP, LOG, LOG_ZERO, mulTables } from './_gf.js';
import { MAX_X, checkPayload } from './_layout.js';
import type { Share } from './split.js';

/** Options of {@link combineShares}. */
export interface CombineOptions {
  /** The threshold the secret was split with: an integer in 2..65535. */
  readonly threshold: number;
}

/** Options of {@link createCombiner}. */
export interface CombinerOptions extends CombineOptions {
  /**
   * Randomness for the consistency check of extra shares (only used when `xs` has more than
   * `threshold` entries); defaults to the platform CSPRNG.
   */
  readonly rng?: RandomBytes;
}

/**
 * Reconstructs many secrets shared among the same holders, reusing the Lagrange coefficients
 * (made by {@link createCombiner}).
 */
export interface Combiner {
  /** The threshold the combiner was made for. */
  readonly threshold: number;
  /** The holders' x-coordinates, in the order given to {@link createCombiner}. */
  readonly xs: readonly number[];
  /**
   * Reconstructs one secret from exactly one share per x in {@link Combiner.xs} (any order).
   * The first `threshold` x's (in `xs` order) define the secret. With more x's, all shares are
   * checked to lie on one polynomial of degree below `threshold` by two random parity checks
   * drawn when the combiner was made (an inconsistent set passes with probability 2^-32).
   *
   * @throws {SecAggError} `INVALID_TYPE`, `INVALID_SHARE_INDEX` (a malformed share),
   *   `INVALID_LENGTH` / `MALFORMED_ENCODING` (a payload no split produces),
   *   `DUPLICATE_SHARE`, `MISMATCHED_SHARES` (a share count or x not matching `xs`, payloads
   *   of different lengths, or shares inconsistent with one sharing of threshold `threshold`).
   */
  combine(shares: readonly Share[]): Uint8Array;
}

const COMBINE_OPTIONS = ['threshold'] as const;
const COMBINER_OPTIONS = ['threshold', 'rng'] as const;
/** Combines done by the log/exp kernel before a Combiner builds its per-share tables. */
const TABLES_AFTER = 8;

class LagrangeCombiner implements Combiner {
  readonly threshold: number;
  readonly xs: readonly number[];
  /** log of the Lagrange coefficient at 0 of each of the first `threshold` x's. */
  private readonly logLambda: Int32Array;
  /** D_i = sum over j != i (both among the first t) of log(x_i + x_j), mod 65535. */
  private readonly logDenominator: Int32Array;
  /** position + 1 of each x in `xs` (0: absent); built on first out-of-order call. */
  private position: Uint16Array | undefined;
  /** Scratch for share logs, [element][share]; grown on demand, zeroed after use. */
  private scratch: Int32Array = new Int32Array(0);
  /**
   * Per share i, 512 entries: [b * lambda_i for b < 256] then [(b << 8) * lambda_i], so that
   * y * lambda_i = hi[y >> 8] ^ lo[y & 255] from a 1 KiB table. Built once the combiner has
   * been used {@link TABLES_AFTER} times (building costs about 30 combines of 32 bytes).
   */
  private lambdaTables: Uint16Array | undefined;
  private calls = 0;
  /** seen[position] === generation marks a share already taken in the current call. */
  private readonly seen: Int32Array;
  private generation = 0;

  /**
   * Randomised check (combiners with k > t holders): for two random polynomials g of degree
   * below k - t, the log of each non-zero weight w_j = g(x_j) / prod_{l != j} (x_j + x_l) and
   * its position j. Every vector of values of a polynomial of degree < t at the x's satisfies
   * sum_j w_j y_j = 0 (the w's span the dual of that Reed-Solomon code); any other vector fails
   * with probability 1 - 2^-16 per random g.
   */
  private readonly parity: { positions: Int32Array; logWeightA: Int32Array; logWeightB: Int32Array } | undefined;

  constructor(xs: readonly number[], threshold: number, checkRng?: RandomBytes) {
    this.threshold = threshold;
    this.xs = Object.freeze(xs.slice());
    this.seen = new Int32Array(xs.length);
    const t = threshold;
    // In characteristic 2, x_j - x_i = x_j XOR x_i. lambda_i = prod_{j != i} x_j / (x_i + x_j):
    // log lambda_i = (sum_j log x_j) - log x_i - D_i.
    const log = LOG; // local: V8 does not hoist loads of imported bindings out of loops
    const sums = new Float64Array(t);
    let sumLogX = 0;
    for (let i = 0; i < t; i++) {
      const xi = xs[i] as number;
      sumLogX += log[xi] as number;
      let si = sums[i] as number;
      for (let j = i + 1; j < t; j++) {
        const l = log[xi ^ (xs[j] as number)] as number;
        si += l;
        sums[j] = (sums[j] as number) + l;
      }
      sums[i] = si;
    }
    this.logDenominator = new Int32Array(t);
    this.logLambda = new Int32Array(t);
    for (let i = 0; i < t; i++) {
      const d = modOrder(sums[i] as number);
      this.logDenominator[i] = d;
      this.logLambda[i] = modOrder(sumLogX - (log[xs[i] as number] as number) - d);
    }
    this.parity = checkRng !== undefined && xs.length > t ? parityWeights(xs, t, checkRng) : undefined;
  }

  combine(shares: readonly Share[]): Uint8Array {
    const list = checkArray(shares, 'shares');
    const k = this.xs.length;
    if (list.length !== k) {
      throw new SecAggError(
        'MISMATCHED_SHARES',
        `this combiner takes exactly ${k} shares (one per x it was made for), got ${list.length}`,
      );
    }
    this.calls++;
    return this.combineList(list);
  }

  private positionOf(x: number): number {
    let position = this.position;
    if (position === undefined) {
      position = new Uint16Array(MAX_X + 1);
      for (let i = 0; i < this.xs.length; i++) position[this.xs[i] as number] = i + 1;
      this.position = position;
    }
    return (position[x] as number) - 1;
  }

  /**
   * One pass over `list` (length k = xs.length, checked by the caller): validates each share,
   * matches its x to a position in `xs`, checks duplicates and payload lengths, and accumulates
   * lambda_i * y_i for the first t positions as it goes (no per-call arrays of shares).
   */
  combineList(list: readonly unknown[]): Uint8Array {
    const t = this.threshold;
    const k = this.xs.length;
    const xs = this.xs;
    const first = readShare(list[0], 'shares[0]').y;
    const yLength = first.length;
    checkPayload(first, 'shares[0].y', 'INVALID_LENGTH');
    const odd = yLength % 2 === 1;
    const secretLength = odd ? yLength - 2 : yLength;
    const m = yLength >>> 1;
    if (this.lambdaTables === undefined && this.calls > TABLES_AFTER) {
      this.lambdaTables = mulTables(this.logLambda);
    }
    const tables = this.lambdaTables;
    const logLambda = this.logLambda;
    // Generation stamps detect duplicates without clearing a bitmap per call.
    const seen = this.seen;
    if (this.generation === 0x7fffffff) {
      seen.fill(0); // Int32Array stamps: restart before the counter outgrows them
      this.generation = 0;
    }
    const stamp = ++this.generation;
    // Payloads by position, kept only when extra shares must be checked.
    const byPosition = k > t ? new Array<Uint8Array>(k) : undefined;
    const acc = new Int32Array(m);
    let logY: Int32Array | undefined;
    try {
      for (let i = 0; i < k; i++) {
        const share = list[i];
        if (share === null || typeof share !== 'object') readShare(share, `shares[${i}]`); // throws
        const x = (share as { x?: unknown }).x;
        const y = (share as { y?: unknown }).y;
        if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > MAX_X) checkX(x, `shares[${i}].x`);
        if (!(y instanceof Uint8Array) || !ArrayBuffer.isView(y)) assertBytes(y, `shares[${i}].y`);
        let at = i;
        if (xs[i] !== x) {
          at = this.positionOf(x as number);
          if (at < 0) {
            throw new SecAggError('MISMATCHED_SHARES', `shares[${i}].x = ${x} is not a holder of this combiner`);
          }
        }
        if (seen[at] === stamp) {
          throw new SecAggError('DUPLICATE_SHARE', `shares: x = ${x} appears more than once`);
        }
        seen[at] = stamp;
        if ((y as Uint8Array).length !== yLength) {
          throw new SecAggError(
            'MISMATCHED_SHARES',
            `share payloads have different lengths (${yLength} and ${(y as Uint8Array).length}): not one sharing`,
          );
        }
        if (odd && (y as Uint8Array)[yLength - 1] !== 0) checkPayload(y as Uint8Array, `shares[${i}].y`, 'INVALID_LENGTH'); // throws
        if (byPosition !== undefined) byPosition[at] = y as Uint8Array;
        if (at < t) {
          if (tables !== undefined) {
            // acc_e ^= lambda_at * y_e by share `at`'s two 256-entry tables (inlined: measured
            // a few percent faster than a call per share).
            const yy = y as Uint8Array;
            const lo = at * 512;
            const hi = lo + 256;
            for (let e = 0; e < m; e++) {
              acc[e] = (acc[e] as number) ^ (tables[hi + (yy[2 * e] as number)] as number) ^
                (tables[lo + (yy[2 * e + 1] as number)] as number);
            }
          } else accumulate(acc, y as Uint8Array, m, logLambda[at] as number);
        }
      }
      const out = new Uint8Array(secretLength);
      let padding = 0;
      for (let e = 0; e < m; e++) {
        const v = acc[e] as number;
        out[2 * e] = v >>> 8;
        if (2 * e + 1 < secretLength) out[2 * e + 1] = v & 0xff;
        else padding = v & 0xff;
      }
      let consistent = padding === 0;
      if (consistent && byPosition !== undefined) {
        if (this.parity === undefined) {
          if (this.scratch.length < m * t) this.scratch = new Int32Array(m * t);
          logY = this.scratch;
        }
        consistent = this.parity !== undefined
          ? parityHolds(this.parity, byPosition, m)
          : this.extrasConsistent(byPosition, logY as Int32Array, m);
      }
      if (!consistent) {
        out.fill(0);
        throw new SecAggError(
          'MISMATCHED_SHARES',
          'the shares are not consistent with one sharing of this threshold (shares from ' +
            'different secrets, a corrupted share, or a wrong threshold)',
        );
      }
      return out;
    } finally {
      acc.fill(0);
      logY?.fill(0, 0, m * t);
    }
  }

  /**
   * True when every share beyond the first t lies on the polynomials through the first t.
   * For an extra point x_p, L_i(x_p) = prod_{j != i} (x_p + x_j) / (x_i + x_j), so
   * log L_i(x_p) = A_p - log(x_p + x_i) - D_i with A_p = sum_j log(x_p + x_j): O(t) per point.
   */
  private extrasConsistent(ys: readonly Uint8Array[], logY: Int32Array, m: number): boolean {
    const t = this.threshold;
    const xs = this.xs;
    const log = LOG;
    const exp = EXP;
    for (let i = 0; i < t; i++) {
      const y = ys[i] as Uint8Array;
      for (let e = 0; e < m; e++) {
        logY[e * t + i] = log[((y[2 * e] as number) << 8) | (y[2 * e + 1] as number)] as number;
      }
    }
    const logL = new Int32Array(t);
    for (let p = t; p < ys.length; p++) {
      const xp = xs[p] as number;
      let a = 0;
      for (let j = 0; j < t; j++) a += log[xp ^ (xs[j] as number)] as number;
      for (let i = 0; i < t; i++) {
        logL[i] = modOrder(a - (log[xp ^ (xs[i] as number)] as number) - (this.logDenominator[i] as number));
      }
      const y = ys[p] as Uint8Array;
      for (let e = 0; e < m; e++) {
        const row = e * t;
        let acc = 0;
        for (let i = 0; i < t; i++) acc ^= exp[(logY[row + i] as number) + (logL[i] as number)] as number;
        if (acc !== (((y[2 * e] as number) << 8) | (y[2 * e + 1] as number))) return false;
      }
    }
    return true;
  }
}

/**
 * acc[e] ^= lambda * y_e for the m big-endian elements of payload y, with log lambda given.
 * A small function so V8 optimises it whole; tables copied to locals (V8 does not hoist loads
 * of imported bindings out of loops).
 */
function accumulate(acc: Int32Array, y: Uint8Array, m: number, logLambda: number): void {
  const log = LOG;
  const exp = EXP;
  for (let e = 0; e < m; e++) {
    const v = ((y[2 * e] as number) << 8) | (y[2 * e + 1] as number);
    acc[e] = (acc[e] as number) ^ (exp[(log[v] as number) + logLambda] as number);
  }
}

/**
 * Weights of two random dual codewords (see LagrangeCombiner.parity and _dual.ts), keeping only
 * the positions where one of them is non-zero. Cost O(k^2) once.
 */
function parityWeights(
  xs: readonly number[],
  t: number,
  rng: RandomBytes,
): { positions: Int32Array; logWeightA: Int32Array; logWeightB: Int32Array } {
  const k = xs.length;
  const dense = drawDualChecks(xs, k, t, logDualScales(xs, k), rng);
  const positions: number[] = [];
  const weightsA: number[] = [];
  const weightsB: number[] = [];
  for (let j = 0; j < k; j++) {
    const wA = dense.logWeightA[j] as number;
    const wB = dense.logWeightB[j] as number;
    if (wA === LOG_ZERO && wB === LOG_ZERO) continue; // weight zero in both checks: share j does not enter
    // A zero weight keeps LOG_ZERO, whose EXP entries (LOG_ZERO + log y, log y < LOG_ZERO) are
    // 0 -- but log y may itself be LOG_ZERO, so the check skips zero weights explicitly.
    positions.push(j);
    weightsA.push(wA);
    weightsB.push(wB);
  }
  dense.logWeightA.fill(0);
  dense.logWeightB.fill(0);
  return {
    positions: Int32Array.from(positions),
    logWeightA: Int32Array.from(weightsA),
    logWeightB: Int32Array.from(weightsB),
  };
}

/** True when sum_j w_j y_j = 0 for both weight vectors and every element. O(k m). */
function parityHolds(
  parity: { positions: Int32Array; logWeightA: Int32Array; logWeightB: Int32Array },
  ys: readonly Uint8Array[],
  m: number,
): boolean {
  const log = LOG;
  const exp = EXP;
  const { positions, logWeightA, logWeightB } = parity;
  const accA = new Int32Array(m);
  const accB = new Int32Array(m);
  for (let p = 0; p < positions.length; p++) {
    const y = ys[positions[p] as number] as Uint8Array;
    const wA = logWeightA[p] as number;
    const wB = logWeightB[p] as number;
    for (let e = 0; e < m; e++) {
      const ly = log[((y[2 * e] as number) << 8) | (y[2 * e + 1] as number)] as number;
      if (ly === LOG_ZERO) continue;
      if (wA !== LOG_ZERO) accA[e] = (accA[e] as number) ^ (exp[ly + wA] as number);
      if (wB !== LOG_ZERO) accB[e] = (accB[e] as number) ^ (exp[ly + wB] as number);
    }
  }
  let bad = 0;
  for (let e = 0; e < m; e++) bad |= (accA[e] as number) | (accB[e] as number);
  accA.fill(0);
  accB.fill(0);
  return bad === 0;
}

function checkCombineOptions(options: unknown): number {
  const opts = assertOptions<CombineOptions>(options, 'options', COMBINE_OPTIONS);
  return checkThreshold(opts.threshold as unknown, MAX_X);
}

/**
 * Precomputes the Lagrange coefficients at x = 0 for one set of holders, for reconstructing
 * many secrets shared among them (the server rebuilds one secret per client from the same
 * survivors). Costs O(threshold^2) once; each {@link Combiner.combine} then costs
 * O(threshold * L / 2) table lookups for an L-byte secret.
 *
 * With k > threshold x's, the combiner also checks every call's k shares for consistency (one
 * sharing polynomial of degree below `threshold`): two random parity checks of the
 * Reed-Solomon code the shares form, drawn from `rng` here, cost O(k^2) once and O(k * L / 2)
 * per call; shares from different sharings, a corrupted share or a too-low threshold are
 * caught except with probability 2^-32 (the weights are secret to the combiner's owner).
 * Pass exactly `threshold` x's to skip the check.
 *
 * @param xs Distinct x-coordinates in 1..65535, at least `threshold` of them. The first
 *   `threshold` define the secret.
 * @throws {SecAggError} `INVALID_TYPE`, `INVALID_LENGTH` (empty xs, or an rng returning the
 *   wrong length), `INVALID_SHARE_INDEX`, `DUPLICATE_SHARE`, `INVALID_THRESHOLD` (threshold
 *   outside 2..65535), `TOO_FEW_SHARES` (fewer x's than threshold), `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * const combiner = createCombiner([2, 5, 7], { threshold: 3 });
 * const seeds = perClientShares.map((shares) => combiner.combine(shares));
 * ```
 */
export function createCombiner(xs: readonly number[], options: CombinerOptions): Combiner {
  const opts = assertOptions<CombinerOptions>(options, 'options', COMBINER_OPTIONS);
  const t = checkThreshold(opts.threshold as unknown, MAX_X);
  const rngOption: unknown = opts.rng;
  if (rngOption !== undefined && typeof rngOption !== 'function') {
    throw new SecAggError('INVALID_TYPE', `rng must be a function, got ${describeType(rngOption)}`);
  }
  const list = readXs(xs, 'xs');
  if (list.length < t) {
    throw new SecAggError('TOO_FEW_SHARES', `threshold ${t} needs at least ${t} x-coordinates, got ${list.length}`);
  }
  return new LagrangeCombiner(list, t, (rngOption as RandomBytes | undefined) ?? cryptoRandomBytes);
}

/**
 * Reconstructs a secret from at least `threshold` shares of it (any order). When more than
 * `threshold` shares are given, all of them must lie on one sharing polynomial of degree below
 * `threshold`, else `MISMATCHED_SHARES`: this detects shares from different sharings or a
 * corrupted share among them, at O((k - threshold) * threshold * L / 2) extra cost. With exactly
 * `threshold` shares nothing can be checked (except, for odd secret lengths, the padding byte):
 * a wrong share silently yields a wrong secret. Shamir sharing has no integrity; authenticate
 * shares before combining.
 *
 * @throws {SecAggError} `INVALID_TYPE`, `INVALID_THRESHOLD` (outside 2..65535),
 *   `TOO_FEW_SHARES`, `INVALID_SHARE_INDEX` (x not in 1..65535), `DUPLICATE_SHARE`,
 *   `INVALID_LENGTH` / `MALFORMED_ENCODING` (a payload no split produces),
 *   `MISMATCHED_SHARES` (payload lengths differ or the shares are inconsistent),
 *   `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * const shares = splitSecret(seed, { threshold: 2, holders: [3, 9, 12] });
 * combineShares([shares[2]!, shares[0]!], { threshold: 2 }); // equals seed
 * ```
 */
export function combineShares(shares: readonly Share[], options: CombineOptions): Uint8Array {
  const t = checkCombineOptions(options);
  const list = checkArray(shares, 'shares');
  if (list.length < t) {
    throw new SecAggError('TOO_FEW_SHARES', `threshold ${t} needs at least ${t} shares, got ${list.length}`);
  }
  // Shares are read here for their x's, and read (and validated) again by combineList, so a
  // share whose getters change between reads gets an error, never a silent mix.
  const xs = new Array<number>(list.length);
  for (let i = 0; i < list.length; i++) xs[i] = readShare(list[i], `shares[${i}]`).x;
  checkDistinct(xs, 'shares');
  return new LagrangeCombiner(xs, t).combineList(list);
}

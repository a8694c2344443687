/**
 * Splitting a secret into Shamir shares over GF(2^16), participant u's share at x = u.
 */
import { assertBytes, assertInteger, assertOptions, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { cryptoRandomBytes, type RandomBytes } from '../random.js';
import { checkThreshold, readXs } from './_check.js';
import { EXP, GROUP_ORDER, LOG } from './_gf.js';
import { MAX_X, shareLengthFor } from './_layout.js';

/**
 * One holder's share of a secret: the value at `x` of the sharing polynomials.
 *
 * - `x`: the holder's x-coordinate, an integer in 1..65535 (participant u holds x = u).
 * - `y`: the payload, `ceil(L / 2)` big-endian 16-bit field elements for a secret of L bytes,
 *   plus one trailing 0x00 byte when L is odd; so `y.length` is L (L even) or L + 2 (L odd).
 */
export interface Share {
  readonly x: number;
  readonly y: Uint8Array;
}

/** Options of {@link splitSecret}. */
export interface SplitOptions {
  /** Shares needed to reconstruct: an integer in 2..(number of holders). */
  readonly threshold: number;
  /**
   * The holders: a count n (x = 1..n, n in 1..65535) or an array of distinct x-coordinates,
   * each an integer in 1..65535.
   */
  readonly holders: number | readonly number[];
  /** Source of the polynomial coefficients; defaults to the platform CSPRNG. */
  readonly rng?: RandomBytes;
}

const SPLIT_OPTIONS = ['threshold', 'holders', 'rng'] as const;

/**
 * Splits `secret` into one share per holder so that any `threshold` shares reconstruct it and
 * any `threshold - 1` shares reveal nothing about it (perfect secrecy, given a CSPRNG).
 *
 * Each 16-bit element of the (zero-padded) secret is the constant term of its own random
 * polynomial of degree at most `threshold - 1` over GF(2^16). The `(threshold - 1) * ceil(L/2)`
 * coefficients come from ONE call `rng(2 * (threshold - 1) * ceil(L / 2))`: coefficient k
 * (1..threshold-1) of element e is the big-endian pair of bytes at offset
 * `2 * ((k - 1) * ceil(L/2) + e)`. Cost: O(n * threshold * L / 2) table lookups.
 *
 * @param secret Any length >= 1 bytes (32 for secagg's seeds and keys).
 * @returns One frozen share per holder, in holder order; each `y` is its own buffer.
 * @throws {SecAggError} `INVALID_TYPE` (secret, options, holders, threshold or rng of the wrong
 *   type), `INVALID_LENGTH` (empty secret or holder list, or an rng returning the wrong length),
 *   `OUT_OF_RANGE` (holder count outside 1..65535), `INVALID_SHARE_INDEX` (an x outside
 *   1..65535), `DUPLICATE_SHARE` (a repeated x), `INVALID_THRESHOLD` (threshold outside
 *   2..holders), `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * const shares = splitSecret(seed, { threshold: 3, holders: 5 }); // x = 1..5
 * combineShares([shares[4]!, shares[0]!, shares[2]!], { threshold: 3 }); // equals seed
 * ```
 */
export function splitSecret(secret: Uint8Array, options: SplitOptions): Share[] {
  assertBytes(secret, 'secret');
  if (secret.length === 0) throw new SecAggError('INVALID_LENGTH', 'secret must not be empty');
  const opts = assertOptions<SplitOptions>(options, 'options', SPLIT_OPTIONS);
  const holders: unknown = opts.holders;
  const rngOption: unknown = opts.rng;
  const thresholdOption: unknown = opts.threshold;
  let xs: readonly number[];
  if (typeof holders === 'number') {
    const n = assertInteger(holders, 'holders', 1, MAX_X);
    const all = new Array<number>(n);
    for (let i = 0; i < n; i++) all[i] = i + 1;
    xs = all;
  } else if (Array.isArray(holders)) {
    xs = readXs(holders, 'holders');
  } else {
    throw new SecAggError(
      'INVALID_TYPE',
      `holders must be a count or an array of x-coordinates, got ${describeType(holders)}`,
    );
  }
  const t = checkThreshold(thresholdOption, xs.length);
  if (rngOption !== undefined && typeof rngOption !== 'function') {
    throw new SecAggError('INVALID_TYPE', `rng must be a function, got ${describeType(rngOption)}`);
  }
  const rng = (rngOption as RandomBytes | undefined) ?? cryptoRandomBytes;

  const L = secret.length;
  const m = (L + 1) >>> 1; // field elements per secret
  const drawLength = 2 * (t - 1) * m;
  const draw = assertBytes(rng(drawLength), 'rng output', drawLength);

  // logCoef[e * t + k] = log of coefficient k of element e's polynomial (k = 0: the secret).
  // Transposed so the innermost loop below walks it sequentially.
  const logCoef = new Int32Array(m * t);
  for (let e = 0; e < m; e++) {
    const hi = secret[2 * e] as number;
    const lo = 2 * e + 1 < L ? (secret[2 * e + 1] as number) : 0;
    const row = e * t;
    logCoef[row] = LOG[(hi << 8) | lo] as number;
    for (let k = 1; k < t; k++) {
      const at = 2 * ((k - 1) * m + e);
      logCoef[row + k] = LOG[((draw[at] as number) << 8) | (draw[at + 1] as number)] as number;
    }
  }
  draw.fill(0);

  // For each holder: logPow[k] = log(x^k); then y_e = XOR_k EXP[log c_{e,k} + log x^k], which is
  // sum_k c_{e,k} x^k with one table lookup per term (a zero coefficient has log LOG_ZERO, whose
  // EXP entries are 0, so no branch). Power form instead of Horner: Horner costs two lookups
  // (log then exp) and a zero test per step. Holders go two at a time, sharing the loads of
  // logCoef (measured ~1.5x faster than one at a time, and faster than four).
  const yLength = shareLengthFor(L);
  const log = LOG;
  const order = GROUP_ORDER;
  const logPowA = new Int32Array(t);
  const logPowB = new Int32Array(t);
  const n = xs.length;
  const shares = new Array<Share>(n);
  for (let j = 0; j < n; j += 2) {
    const xa = xs[j] as number;
    const xb = j + 1 < n ? (xs[j + 1] as number) : xa; // odd n: the last holder twice
    const logXa = log[xa] as number;
    const logXb = log[xb] as number;
    let la = 0;
    let lb = 0;
    for (let k = 0; k < t; k++) {
      logPowA[k] = la;
      logPowB[k] = lb;
      la += logXa;
      if (la >= order) la -= order;
      lb += logXb;
      if (lb >= order) lb -= order;
    }
    const ya = new Uint8Array(yLength);
    const yb = new Uint8Array(yLength);
    evaluatePair(logCoef, t, m, logPowA, logPowB, ya, yb);
    shares[j] = Object.freeze({ x: xa, y: ya });
    if (j + 1 < n) shares[j + 1] = Object.freeze({ x: xb, y: yb });
  }
  logPowA.fill(0);
  logPowB.fill(0);
  logCoef.fill(0);
  return shares;
}

/**
 * The hot loop of {@link splitSecret}, kept small so V8 optimises it as a whole: writes to
 * `ya` / `yb` the shares at the two x's whose powers' logs are `logPowA` / `logPowB`.
 */
function evaluatePair(
  logCoef: Int32Array,
  t: number,
  m: number,
  logPowA: Int32Array,
  logPowB: Int32Array,
  ya: Uint8Array,
  yb: Uint8Array,
): void {
  // Local copy: V8 does not hoist loads of an imported binding out of a loop (4x slower).
  const exp = EXP;
  for (let e = 0; e < m; e++) {
    const row = e * t;
    let accA = 0;
    let accB = 0;
    for (let k = 0; k < t; k++) {
      const c = logCoef[row + k] as number;
      accA ^= exp[c + (logPowA[k] as number)] as number;
      accB ^= exp[c + (logPowB[k] as number)] as number;
    }
    ya[2 * e] = accA >>> 8;
    ya[2 * e + 1] = accA & 0xff;
    yb[2 * e] = accB >>> 8;
    yb[2 * e + 1] = accB & 0xff;
  }
}

/**
 * The dual of the Reed-Solomon code that Shamir shares form (internal).
 *
 * The shares at distinct x_1..x_n of one sharing of threshold t are, per field element, the
 * values f(x_j) of a polynomial of degree below t: a codeword of the Reed-Solomon code of
 * length n and dimension t. Its dual is a generalised Reed-Solomon code: the vectors
 * w_j = g(x_j) v_j with deg g < n - t and v_j = 1 / prod_{l != j} (x_j + x_l) (in
 * characteristic 2, x_j - x_l = x_j + x_l). A vector y is a codeword exactly when
 * sum_j w_j y_j = 0 for every such g; for one uniformly random g, a non-codeword passes with
 * probability 2^-16 (the syndrome g -> sum_j g(x_j) v_j y_j is then a non-zero linear form).
 * See MacWilliams and Sloane, The Theory of Error-Correcting Codes (1977), ch. 10, section 8.
 */
import { assertBytes } from '../_assert.js';
import type { RandomBytes } from '../random.js';
import { EXP, GROUP_ORDER, LOG, LOG_ZERO } from './_gf.js';

/** (v mod 65535) in [0, 65534] for any safe integer v. */
export function modOrder(v: number): number {
  const r = v % GROUP_ORDER;
  return r < 0 ? r + GROUP_ORDER : r;
}

/**
 * log v_j = -sum_{l != j} log(x_j + x_l) mod 65535 for the first n of `xs` (distinct, non-zero),
 * written to `out` (default: a fresh array). O(n^2 / 2) additions. The v_j are also the weights
 * of Lagrange interpolation through all n points: the polynomial of degree below n through
 * (x_j, y_j) is sum_j y_j v_j prod_{l != j} (z + x_l).
 */
export function logDualScales(xs: ArrayLike<number>, n: number, out: Int32Array = new Int32Array(n)): Int32Array {
  const log = LOG; // local: V8 does not hoist loads of imported bindings out of loops
  const sums = scratchSums(n);
  for (let i = 0; i < n; i++) {
    const xi = xs[i] as number;
    let si = sums[i] as number;
    for (let j = i + 1; j < n; j++) {
      const l = log[xi ^ (xs[j] as number)] as number;
      si += l;
      sums[j] = (sums[j] as number) + l;
    }
    sums[i] = si;
  }
  for (let j = 0; j < n; j++) out[j] = modOrder(-(sums[j] as number));
  return out;
}

// Scratch of the sums (public data: x's and their logs), kept only while small: a server
// rebuilds one secret per holder set of ~30 holders, and an off-heap array per call cost more
// than the sums (each small typed array is its own ArrayBuffer).
const KEPT_SCRATCH = 4096;
let sumsScratch = new Float64Array(64);

function scratchSums(n: number): Float64Array {
  if (n > KEPT_SCRATCH) return new Float64Array(n);
  if (sumsScratch.length < n) sumsScratch = new Float64Array(Math.max(n, 2 * sumsScratch.length));
  sumsScratch.fill(0, 0, n);
  return sumsScratch;
}

/** Two random dual codewords, as logs of their weights (LOG_ZERO where a weight is zero). */
export interface DualChecks {
  readonly logWeightA: Int32Array;
  readonly logWeightB: Int32Array;
}

/**
 * Draws two independent uniform polynomials g_A, g_B of degree below r = n - t (one call
 * `rng(4 r)`: g_A's coefficients then g_B's, big-endian 16-bit, constant term first) and writes
 * the logs of w_j = g(x_j) v_j to `out` (default: fresh arrays). O(n r) lookups. A vector that
 * is not a codeword passes both checks with probability 2^-32. Requires n > t.
 */
export function drawDualChecks(
  xs: ArrayLike<number>,
  n: number,
  t: number,
  logV: Int32Array,
  rng: RandomBytes,
  out: DualChecks = { logWeightA: new Int32Array(n), logWeightB: new Int32Array(n) },
): DualChecks {
  const log = LOG;
  const exp = EXP;
  const r = n - t;
  const drawLength = 4 * r;
  const draw = assertBytes(rng(drawLength), 'rng output', drawLength);
  // The coefficients' logs: secret until the checks are done (a liar who knew g could craft
  // shares that pass), so the scratch is wiped after use like the draw.
  const logG = scratchCoefficients(2 * r); // [g_A, g_B]
  for (let c = 0; c < 2 * r; c++) {
    logG[c] = log[((draw[2 * c] as number) << 8) | (draw[2 * c + 1] as number)] as number;
  }
  draw.fill(0);
  const { logWeightA, logWeightB } = out;
  for (let j = 0; j < n; j++) {
    // Power form: g(x) = sum_c g_c x^c with log(x^c) carried along, one lookup per term (a zero
    // coefficient has log LOG_ZERO, whose EXP entries read 0).
    const logX = log[xs[j] as number] as number;
    let lp = 0;
    let gA = 0;
    let gB = 0;
    for (let c = 0; c < r; c++) {
      gA ^= exp[(logG[c] as number) + lp] as number;
      gB ^= exp[(logG[r + c] as number) + lp] as number;
      lp += logX;
      if (lp >= GROUP_ORDER) lp -= GROUP_ORDER;
    }
    const lv = logV[j] as number;
    logWeightA[j] = gA === 0 ? LOG_ZERO : modOrder((log[gA] as number) + lv);
    logWeightB[j] = gB === 0 ? LOG_ZERO : modOrder((log[gB] as number) + lv);
  }
  logG.fill(0, 0, 2 * r);
  return out;
}

let coefficientsScratch = new Int32Array(64);

function scratchCoefficients(length: number): Int32Array {
  if (length > KEPT_SCRATCH) return new Int32Array(length);
  if (coefficientsScratch.length < length) coefficientsScratch = new Int32Array(Math.max(length, 2 * coefficientsScratch.length));
  return coefficientsScratch;
}

/**
 * Gao's algorithm for decoding Reed-Solomon codes, over GF(2^16) (internal).
 *
 * S. Gao, "A New Algorithm for Decoding Reed-Solomon Codes", in V. Bhargava, H. V. Poor,
 * V. Tarokh and S. Yoon (eds.), Communications, Information and Network Security, Kluwer, 2003,
 * pp. 55-68 (algorithm in section 2). For a received word r_1..r_n at distinct points
 * a_1..a_n and a code of dimension k (messages: polynomials of degree below k):
 *
 *   1. g0 = prod_i (z - a_i); g1 = the polynomial of degree below n with g1(a_i) = r_i.
 *   2. Run the extended Euclidean algorithm on (g0, g1) and stop at the first remainder g of
 *      degree below (n + k) / 2; then g = u g0 + v g1.
 *   3. Divide: g = f v + rem. If rem = 0 and deg f < k, f is the message and v the error
 *      locator (its roots among the a_i are the error positions); else decoding fails.
 *
 * Gao's theorem 1: when r is within distance floor((n - k) / 2) of a codeword, step 3 succeeds
 * and returns that codeword's polynomial. Whatever r is, a success has deg v <= (n - k) / 2 and
 * v(a_i) (f(a_i) - r_i) = g(a_i) - g(a_i) = 0 at every point, so every position where r
 * disagrees with f is a root of v: a success never names more than floor((n - k) / 2) errors.
 *
 * Here the points are the holders' x's, k is the threshold t, and subtraction is XOR.
 * Cost O(n^2) table lookups (interpolation and Euclid), O(n) memory.
 */
import { EXP, GROUP_ORDER, LOG, addLog } from './_gf.js';

/**
 * The positions (indices into `xs`) of the roots of Gao's error locator for `word` (field
 * elements at the first n of `xs`), or null when decoding fails: no codeword of dimension t
 * lies within distance floor((n - t) / 2) of the word. `logV` holds log v_j (see _dual.ts),
 * the weights of interpolation through all n points. An empty result: the word is a codeword.
 */
export function gaoErrorPositions(
  xs: ArrayLike<number>,
  n: number,
  t: number,
  logV: Int32Array,
  word: Int32Array,
): Int32Array | null {
  const g0 = vanishing(xs, n);
  const buffers: Int32Array[] = [g0];
  try {
    const g1 = interpolate(xs, n, logV, word, g0);
    buffers.push(g1);
    // Extended Euclid on (g0, g1), tracking only the cofactor v of g1: v_{i+1} = v_{i-1} + q v_i.
    let r0: Int32Array = g0.slice();
    let r1: Int32Array = g1;
    let v0: Int32Array = new Int32Array(n + 1);
    let v1: Int32Array = new Int32Array(n + 1);
    const q = new Int32Array(n + 1);
    buffers.push(r0, v0, v1, q);
    v1[0] = 1;
    let d0 = n;
    let d1 = degreeOf(r1, n - 1);
    let dv0 = -1;
    let dv1 = 0;
    while (2 * d1 >= n + t) {
      const dq = divideInPlace(r0, d0, r1, d1, q); // r0 <- r0 mod r1
      dv0 = addProduct(v0, dv0, q, dq, v1, dv1); // v0 <- v0 + q v1
      [r0, r1] = [r1, r0];
      d0 = d1;
      d1 = degreeOf(r1, d1 - 1);
      [v0, v1] = [v1, v0];
      [dv0, dv1] = [dv1, dv0];
    }
    // g = r1, v = v1: f = g / v must be exact and of degree below t.
    const df = divideInPlace(r1, d1, v1, dv1, q);
    if (degreeOf(r1, dv1 - 1) >= 0 || df >= t) return null;
    return rootsAmong(v1, dv1, xs, n);
  } finally {
    for (const b of buffers) b.fill(0); // interpolated from share values: wipe
  }
}

/** Index of the highest non-zero coefficient of p at or below `from`, or -1 for zero. */
function degreeOf(p: Int32Array, from: number): number {
  let d = from;
  while (d >= 0 && p[d] === 0) d--;
  return d;
}

/** prod_{j < n} (z + x_j), coefficients from z^0 to z^n. O(n^2 / 2). */
function vanishing(xs: ArrayLike<number>, n: number): Int32Array {
  const log = LOG;
  const exp = EXP;
  const p = new Int32Array(n + 1);
  p[0] = 1;
  for (let j = 0; j < n; j++) {
    // Multiply by (z + x): new_k = old_{k-1} + x old_k, from the top down so each old value is
    // read before it is overwritten.
    const lx = log[xs[j] as number] as number;
    p[j + 1] = p[j] as number;
    for (let k = j; k >= 1; k--) p[k] = (p[k - 1] as number) ^ (exp[(log[p[k] as number] as number) + lx] as number);
    p[0] = exp[(log[p[0] as number] as number) + lx] as number;
  }
  return p;
}

/**
 * The polynomial of degree below n through (x_j, word_j): sum_j word_j v_j g0 / (z + x_j), each
 * quotient by synthetic division (q_{n-1} = 1, q_{k-1} = g0_k + x_j q_k). O(n^2).
 */
function interpolate(xs: ArrayLike<number>, n: number, logV: Int32Array, word: Int32Array, g0: Int32Array): Int32Array {
  const log = LOG;
  const exp = EXP;
  const g1 = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const w = word[j] as number;
    if (w === 0) continue;
    const lc = addLog(log[w] as number, logV[j] as number);
    const lx = log[xs[j] as number] as number;
    g1[n - 1] = (g1[n - 1] as number) ^ (exp[lc] as number);
    let lq = 0; // log q_{n-1} = log 1
    for (let k = n - 1; k >= 1; k--) {
      const qk = (g0[k] as number) ^ (exp[lq + lx] as number);
      lq = log[qk] as number; // LOG_ZERO for 0: its EXP entries read 0
      g1[k - 1] = (g1[k - 1] as number) ^ (exp[lq + lc] as number);
    }
  }
  return g1;
}

/**
 * Divides a (degree da) by b (degree db >= 0, so b[db] != 0): a becomes the remainder (degree
 * below db) and q[0..da-db] the quotient. Returns the quotient's degree (-1 when da < db).
 */
function divideInPlace(a: Int32Array, da: number, b: Int32Array, db: number, q: Int32Array): number {
  const log = LOG;
  const exp = EXP;
  if (da < db) return -1;
  const logB = new Int32Array(db);
  for (let i = 0; i < db; i++) logB[i] = log[b[i] as number] as number;
  const logInvLead = (GROUP_ORDER - (log[b[db] as number] as number)) % GROUP_ORDER;
  q.fill(0, 0, da - db + 1);
  for (let k = da; k >= db; k--) {
    const c = a[k] as number;
    if (c === 0) continue;
    const lq = addLog(log[c] as number, logInvLead);
    const base = k - db;
    q[base] = exp[lq] as number;
    a[k] = 0;
    for (let i = 0; i < db; i++) a[base + i] = (a[base + i] as number) ^ (exp[(logB[i] as number) + lq] as number);
  }
  return da - db;
}

/** acc += q v (acc of degree dacc); returns the new degree of acc. */
function addProduct(acc: Int32Array, dacc: number, q: Int32Array, dq: number, v: Int32Array, dv: number): number {
  const log = LOG;
  const exp = EXP;
  if (dq < 0 || dv < 0) return dacc;
  const logV = new Int32Array(dv + 1);
  for (let k = 0; k <= dv; k++) logV[k] = log[v[k] as number] as number;
  for (let i = 0; i <= dq; i++) {
    const c = q[i] as number;
    if (c === 0) continue;
    const lq = log[c] as number;
    for (let k = 0; k <= dv; k++) acc[i + k] = (acc[i + k] as number) ^ (exp[(logV[k] as number) + lq] as number);
  }
  return degreeOf(acc, Math.max(dacc, dq + dv));
}

/** Indices j < n with v(x_j) = 0, by Horner's rule at each point. O(n dv). */
function rootsAmong(v: Int32Array, dv: number, xs: ArrayLike<number>, n: number): Int32Array {
  const log = LOG;
  const exp = EXP;
  const roots: number[] = [];
  if (dv <= 0) return new Int32Array(0); // a non-zero constant has no roots
  for (let j = 0; j < n; j++) {
    const lx = log[xs[j] as number] as number;
    let acc = v[dv] as number;
    for (let k = dv - 1; k >= 0; k--) acc = (v[k] as number) ^ (exp[(log[acc] as number) + lx] as number);
    if (acc === 0) roots.push(j);
  }
  return Int32Array.from(roots);
}

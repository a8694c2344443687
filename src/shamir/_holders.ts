/**
 * One set of holders for the robust combiner (internal): what depends only on the x's, computed
 * once and reused for every secret shared among them, and the fast path's kernel.
 *
 * The fast path reads each share once: it interpolates every element at 0 and applies two random
 * dual checks (see _dual.ts) to all n shares, so a set of shares that is not one sharing of
 * threshold t is caught except with probability 2^-32, at O(n) lookups per element.
 */
import type { RandomBytes } from '../random.js';
import { drawDualChecks, logDualScales, modOrder } from './_dual.js';
import { EXP, LOG, LOG_ZERO, addLog, mulTables } from './_gf.js';

/** Calls served by the log/exp kernel before a set builds its per-share tables. */
const TABLES_AFTER = 8;

export class HolderSet {
  /** The holders' x's, ascending. */
  readonly xs: Int32Array;
  readonly n: number;
  readonly t: number;
  /** log v_j: interpolation weights through all n points (see _dual.ts). */
  readonly logV: Int32Array;
  /** log mu_j, mu_j = prod_{l != j} x_l / (x_j + x_l): the value at 0 through all n points. */
  private readonly logMu: Int32Array;
  /** Logs of the two dual checks' weights; absent when n = t (nothing to check). */
  private readonly logWeightA: Int32Array | undefined;
  private readonly logWeightB: Int32Array | undefined;
  private uses = 0;
  /** Per share j < t: b * lambda_j tables (lambda: interpolation at 0 from the first t). */
  private lambdaTables: Uint16Array | undefined;
  /** Per share: (b * w^A_j) | (b * w^B_j) << 16, both checks in one lookup. */
  private checkTables: Uint32Array | undefined;

  /**
   * @param xs distinct non-zero x's, ascending: the first `count` are copied. The set's arrays
   *   share one buffer (one allocation: small typed arrays are each their own ArrayBuffer, and a
   *   SecAgg+ server makes a set per secret).
   */
  constructor(xs: Int32Array, count: number, t: number, rng: RandomBytes) {
    const n = count;
    const checked = n > t;
    const buffer = new Int32Array((checked ? 5 : 3) * n);
    this.xs = buffer.subarray(0, n);
    this.xs.set(xs.subarray(0, n));
    this.n = n;
    this.t = t;
    this.logV = logDualScales(this.xs, n, buffer.subarray(n, 2 * n));
    let sumLogX = 0;
    for (let j = 0; j < n; j++) sumLogX += LOG[this.xs[j] as number] as number;
    this.logMu = buffer.subarray(2 * n, 3 * n);
    for (let j = 0; j < n; j++) {
      this.logMu[j] = modOrder(sumLogX - (LOG[this.xs[j] as number] as number) + (this.logV[j] as number));
    }
    if (checked) {
      const checks = drawDualChecks(this.xs, n, t, this.logV, rng, { logWeightA: buffer.subarray(3 * n, 4 * n), logWeightB: buffer.subarray(4 * n, 5 * n) });
      this.logWeightA = checks.logWeightA;
      this.logWeightB = checks.logWeightB;
    }
  }

  /** True when x is one of the holders (binary search). */
  has(x: number): boolean {
    let lo = 0;
    let hi = this.n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = this.xs[mid] as number;
      if (v === x) return true;
      if (v < x) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** True when `xs[0..count)` lists exactly this set's x's (both ascending). */
  matches(xs: Int32Array, count: number): boolean {
    if (count !== this.n) return false;
    const own = this.xs;
    for (let j = count - 1; j >= 0; j--) if (own[j] !== xs[j]) return false;
    return true;
  }

  /**
   * For shares `ys` (one per x, in xs order, m big-endian elements each): writes each element's
   * value at 0 to `acc` and its two check syndromes to `syn` (A in the low 16 bits, B in the
   * high 16; zero when the element's n values lie on one polynomial of degree below t, and for
   * an inconsistent element non-zero except with probability 2^-32). Returns true when every
   * syndrome is zero. With n = t nothing can be checked and every syndrome is zero.
   */
  run(ys: readonly Uint8Array[], m: number, acc: Int32Array, syn: Int32Array): boolean {
    acc.fill(0, 0, m);
    syn.fill(0, 0, m);
    if (this.uses <= TABLES_AFTER) this.uses++;
    if (this.uses > TABLES_AFTER && this.lambdaTables === undefined) this.buildTables();
    const lambdaTables = this.lambdaTables;
    if (lambdaTables !== undefined) {
      runTables(ys, this.n, this.t, m, lambdaTables, this.checkTables, acc, syn);
    } else {
      runLogs(ys, this.n, m, this.logMu, this.logWeightA, this.logWeightB, acc, syn);
    }
    let any = 0;
    for (let e = 0; e < m; e++) any |= syn[e] as number;
    return any === 0;
  }

  /**
   * Writes to `out[e]` the value at x (not one of the holders) of the polynomial of degree below
   * n through element e of the shares: prod_l (x + x_l) sum_j y_j v_j / (x + x_j). O(n m).
   */
  valueAt(x: number, ys: readonly Uint8Array[], m: number, out: Int32Array): void {
    const log = LOG;
    const exp = EXP;
    const n = this.n;
    let logZ = 0;
    for (let j = 0; j < n; j++) logZ += log[x ^ (this.xs[j] as number)] as number;
    out.fill(0, 0, m);
    for (let j = 0; j < n; j++) {
      const w = modOrder(logZ + (this.logV[j] as number) - (log[x ^ (this.xs[j] as number)] as number));
      const y = ys[j] as Uint8Array;
      for (let e = 0; e < m; e++) {
        const v = ((y[2 * e] as number) << 8) | (y[2 * e + 1] as number);
        out[e] = (out[e] as number) ^ (exp[(log[v] as number) + w] as number);
      }
    }
  }

  /**
   * Lagrange coefficients at 0 of the first t holders, lambda_i = prod_{j != i} x_j / (x_i + x_j)
   * (O(t^2 / 2)), and the 1 KiB (lambda) and 2 KiB (checks) tables per share.
   */
  private buildTables(): void {
    const { xs, n, t } = this;
    const logD = logDualScales(xs, t);
    let sumLogX = 0;
    for (let j = 0; j < t; j++) sumLogX += LOG[xs[j] as number] as number;
    const logLambda = new Int32Array(t);
    for (let i = 0; i < t; i++) {
      logLambda[i] = modOrder(sumLogX - (LOG[xs[i] as number] as number) + (logD[i] as number));
    }
    this.lambdaTables = mulTables(logLambda);
    const wA = this.logWeightA;
    const wB = this.logWeightB;
    if (wA === undefined || wB === undefined) return;
    const a = mulTables(wA);
    const b = mulTables(wB);
    const packed = new Uint32Array(n * 512);
    for (let i = 0; i < packed.length; i++) packed[i] = ((a[i] as number) | ((b[i] as number) << 16)) >>> 0;
    this.checkTables = packed;
  }
}

/**
 * The log/exp kernel: the value at 0 through all n points (weights mu) and the two checks.
 * A zero check weight (log LOG_ZERO) is skipped: LOG_ZERO + log 0 would run past EXP.
 */
function runLogs(
  ys: readonly Uint8Array[],
  n: number,
  m: number,
  logMu: Int32Array,
  logWeightA: Int32Array | undefined,
  logWeightB: Int32Array | undefined,
  acc: Int32Array,
  syn: Int32Array,
): void {
  const log = LOG; // locals: V8 does not hoist loads of imported bindings out of loops
  const exp = EXP;
  for (let j = 0; j < n; j++) {
    const y = ys[j] as Uint8Array;
    const mu = logMu[j] as number;
    const wa = logWeightA === undefined ? LOG_ZERO : (logWeightA[j] as number);
    const wb = logWeightB === undefined ? LOG_ZERO : (logWeightB[j] as number);
    if (wa !== LOG_ZERO && wb !== LOG_ZERO) {
      for (let e = 0; e < m; e++) {
        const lv = log[((y[2 * e] as number) << 8) | (y[2 * e + 1] as number)] as number;
        acc[e] = (acc[e] as number) ^ (exp[lv + mu] as number);
        syn[e] = (syn[e] as number) ^ (exp[lv + wa] as number) ^ ((exp[lv + wb] as number) << 16);
      }
    } else {
      for (let e = 0; e < m; e++) {
        const lv = log[((y[2 * e] as number) << 8) | (y[2 * e + 1] as number)] as number;
        acc[e] = (acc[e] as number) ^ (exp[lv + mu] as number);
        if (lv === LOG_ZERO) continue;
        let s = 0;
        if (wa !== LOG_ZERO) s = exp[addLog(lv, wa)] as number;
        if (wb !== LOG_ZERO) s ^= (exp[addLog(lv, wb)] as number) << 16;
        syn[e] = (syn[e] as number) ^ s;
      }
    }
  }
}

/** The table kernel: lambda over the first t shares, both checks over all n (one pass). */
function runTables(
  ys: readonly Uint8Array[],
  n: number,
  t: number,
  m: number,
  lambdaTables: Uint16Array,
  checkTables: Uint32Array | undefined,
  acc: Int32Array,
  syn: Int32Array,
): void {
  if (checkTables === undefined) {
    for (let j = 0; j < t; j++) accumulateLambda(ys[j] as Uint8Array, j * 512, m, lambdaTables, acc);
    return;
  }
  for (let j = 0; j < n; j++) {
    const y = ys[j] as Uint8Array;
    const lo = j * 512;
    const hi = lo + 256;
    if (j < t) {
      for (let e = 0; e < m; e++) {
        const a = y[2 * e] as number;
        const b = y[2 * e + 1] as number;
        acc[e] = (acc[e] as number) ^ (lambdaTables[hi + a] as number) ^ (lambdaTables[lo + b] as number);
        syn[e] = (syn[e] as number) ^ (checkTables[hi + a] as number) ^ (checkTables[lo + b] as number);
      }
    } else {
      for (let e = 0; e < m; e++) {
        syn[e] = (syn[e] as number) ^ (checkTables[hi + (y[2 * e] as number)] as number) ^
          (checkTables[lo + (y[2 * e + 1] as number)] as number);
      }
    }
  }
}

function accumulateLambda(y: Uint8Array, lo: number, m: number, tables: Uint16Array, acc: Int32Array): void {
  const hi = lo + 256;
  for (let e = 0; e < m; e++) {
    acc[e] = (acc[e] as number) ^ (tables[hi + (y[2 * e] as number)] as number) ^ (tables[lo + (y[2 * e + 1] as number)] as number);
  }
}

/**
 * One-dimensional solvers: Brent's root finder (Brent 1973, "zeroin") and a robust minimiser
 * (log-spaced scan + golden-section refinement). Internal.
 * @module
 */

const BIG = 1e300;

function finite(v: number): number {
  if (Number.isNaN(v)) return Number.NaN;
  return v > BIG ? BIG : v < -BIG ? -BIG : v;
}

/**
 * Root of f in [a, b] where f(a) and f(b) have opposite signs (or one is 0). Infinite values
 * are clamped to +/-1e300, which makes the method fall back to bisection there. Returns the
 * bracket [lo, hi] that still straddles the root, with hi - lo <= tol (absolute). `lo` is the
 * end where f has the sign of f(a).
 */
export function brentRoot(
  f: (x: number) => number,
  a: number,
  b: number,
  tol: (x: number) => number,
  maxIter = 200,
): { lo: number; hi: number } {
  let fa = finite(f(a));
  let fb = finite(f(b));
  if (fa === 0) return { lo: a, hi: a };
  if (fb === 0) return { lo: b, hi: b };
  const signA = Math.sign(fa);
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let iter = 0; iter < maxIter; iter++) {
    if (Math.sign(fb) === Math.sign(fc)) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const t = 0.5 * tol(b);
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= t || fb === 0) break;
    if (Math.abs(e) >= t && Math.abs(fa) > Math.abs(fb)) {
      let p: number;
      let q: number;
      const s = fb / fa;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qq = fa / fc;
        const r = fb / fc;
        p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
        q = (qq - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(t * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > t ? d : m > 0 ? t : -t;
    fb = finite(f(b));
  }
  // b is the best estimate, c the other end of the bracket.
  if (fb === 0) return { lo: b, hi: b };
  return Math.sign(fb) === signA ? { lo: b, hi: c } : { lo: c, hi: b };
}

/**
 * Minimum of f over x in [lo, hi] (lo < hi, both finite): scan `points` evenly spaced values,
 * then golden-section refinement around the best. Robust to mild non-unimodality.
 */
export function minimize1d(
  f: (x: number) => number,
  lo: number,
  hi: number,
  points = 64,
): { x: number; value: number } {
  let bestX = lo;
  let best = Number.POSITIVE_INFINITY;
  const step = (hi - lo) / (points - 1);
  let bestI = 0;
  for (let i = 0; i < points; i++) {
    const x = i === points - 1 ? hi : lo + i * step;
    const v = f(x);
    if (v < best) {
      best = v;
      bestX = x;
      bestI = i;
    }
  }
  let a = Math.max(lo, lo + (bestI - 1) * step);
  let b = Math.min(hi, lo + (bestI + 1) * step);
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = b - g * (b - a);
  let x2 = a + g * (b - a);
  let f1 = f(x1);
  let f2 = f(x2);
  for (let i = 0; i < 100 && b - a > 1e-12 * (Math.abs(a) + Math.abs(b) + 1e-12); i++) {
    if (f1 <= f2) {
      b = x2;
      x2 = x1;
      f2 = f1;
      x1 = b - g * (b - a);
      f1 = f(x1);
    } else {
      a = x1;
      x1 = x2;
      f1 = f2;
      x2 = a + g * (b - a);
      f2 = f(x2);
    }
  }
  if (f1 < best) {
    best = f1;
    bestX = x1;
  }
  if (f2 < best) {
    best = f2;
    bestX = x2;
  }
  return { x: bestX, value: best };
}

/**
 * Iterative radix-2 complex FFT on split Float64Arrays (real and imaginary parts), in place.
 * Internal to the PLD accountant (no dependency; ~60 lines).
 *
 * Twiddle factors e^{-2 pi i j / N} are computed once for the largest size seen and reused by
 * stride for every smaller power of two, so memory is one table of N/2 cosines and sines.
 * Accuracy: a radix-2 FFT with accurate twiddles has relative L2 error ~ u log2 N (u = 2^-53).
 * @module
 */

let twiddleSize = 0;
let twCos = new Float64Array(0);
let twSin = new Float64Array(0);

function twiddles(n: number): void {
  if (n <= twiddleSize) return;
  const half = n >> 1;
  twCos = new Float64Array(half);
  twSin = new Float64Array(half);
  // cos and sin from the exact angle 2 pi j / n (no recurrence: no error build-up); use the
  // symmetry j <-> n/2 - j for the second quarter so both halves are equally accurate.
  const quarter = n >> 2;
  for (let j = 0; j < half; j++) {
    if (j <= quarter) {
      const a = (2 * Math.PI * j) / n;
      twCos[j] = Math.cos(a);
      twSin[j] = -Math.sin(a);
    } else {
      const a = (2 * Math.PI * (half - j)) / n;
      twCos[j] = -Math.cos(a);
      twSin[j] = -Math.sin(a);
    }
  }
  twiddleSize = n;
}

/** True when n is a power of two >= 1. */
export function isPowerOfTwo(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

/** Smallest power of two >= n (n >= 1, n <= 2^30). */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * In-place FFT of (re, im), length a power of two. `inverse` computes the inverse transform
 * including the 1/N scaling. Forward: X_k = sum_j x_j e^{-2 pi i jk/N}.
 */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  if (n !== im.length || !isPowerOfTwo(n)) throw new RangeError('fft: length must be a power of two');
  if (n === 1) return;
  twiddles(n);
  // Bit-reversal permutation.
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i] as number;
      re[i] = re[j] as number;
      re[j] = tr;
      const ti = im[i] as number;
      im[i] = im[j] as number;
      im[j] = ti;
    }
  }
  const sign = inverse ? -1 : 1;
  for (let len = 2; len <= n; len <<= 1) {
    const halfLen = len >> 1;
    const stride = twiddleSize / len;
    for (let start = 0; start < n; start += len) {
      for (let k = 0; k < halfLen; k++) {
        const wr = twCos[k * stride] as number;
        const wi = sign * (twSin[k * stride] as number);
        const a = start + k;
        const b = a + halfLen;
        const br = re[b] as number;
        const bi = im[b] as number;
        const xr = br * wr - bi * wi;
        const xi = br * wi + bi * wr;
        const ar = re[a] as number;
        const ai = im[a] as number;
        re[a] = ar + xr;
        im[a] = ai + xi;
        re[b] = ar - xr;
        im[b] = ai - xi;
      }
    }
  }
  if (inverse) {
    const s = 1 / n;
    for (let i = 0; i < n; i++) {
      re[i] = (re[i] as number) * s;
      im[i] = (im[i] as number) * s;
    }
  }
}

/**
 * FFT of a real sequence `x` (length N, a power of two >= 2) by one complex FFT of size N/2:
 * writes X_0 .. X_{N/2} (the rest follows from X_{N-k} = conj X_k) into `outRe`, `outIm`
 * (length N/2 + 1). With z_j = x_{2j} + i x_{2j+1} and Z = FFT_{N/2}(z):
 * X_k = E_k + w^k O_k, E_k = (Z_k + conj Z_{N/2-k}) / 2, O_k = (Z_k - conj Z_{N/2-k}) / (2i),
 * w = e^{-2 pi i / N}.
 */
export function realFft(x: Float64Array, outRe: Float64Array, outIm: Float64Array): void {
  const n = x.length;
  if (!isPowerOfTwo(n) || n < 2) throw new RangeError('realFft: length must be a power of two >= 2');
  const m = n >> 1;
  if (outRe.length !== m + 1 || outIm.length !== m + 1) throw new RangeError('realFft: output length must be N/2 + 1');
  const zr = new Float64Array(m);
  const zi = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    zr[j] = x[2 * j] as number;
    zi[j] = x[2 * j + 1] as number;
  }
  fft(zr, zi);
  twiddles(n);
  const stride = twiddleSize / n;
  for (let k = 0; k <= m; k++) {
    const a = k === m ? 0 : k;
    const b = k === 0 ? 0 : m - k;
    const ar = zr[a] as number;
    const ai = zi[a] as number;
    const br = zr[b] as number;
    const bi = -(zi[b] as number); // conj Z_{m-k}
    const er = 0.5 * (ar + br);
    const ei = 0.5 * (ai + bi);
    // (Z - conj Z') / (2i) = ((ai - bi) - i (ar - br)) / 2
    const or = 0.5 * (ai - bi);
    const oi = -0.5 * (ar - br);
    // w^k for k <= m: cos / -sin of 2 pi k / n; k = m is w^m = -1.
    const wr = k === m ? -1 : (twCos[k * stride] as number);
    const wi = k === m ? 0 : (twSin[k * stride] as number);
    outRe[k] = er + (or * wr - oi * wi);
    outIm[k] = ei + (or * wi + oi * wr);
  }
}

/**
 * Inverse of {@link realFft}: from X_0 .. X_{N/2} of a real sequence, writes the sequence
 * (length N) into `out`, by one inverse complex FFT of size N/2.
 */
export function inverseRealFft(re: Float64Array, im: Float64Array, out: Float64Array): void {
  const n = out.length;
  if (!isPowerOfTwo(n) || n < 2) throw new RangeError('inverseRealFft: length must be a power of two >= 2');
  const m = n >> 1;
  if (re.length !== m + 1 || im.length !== m + 1) throw new RangeError('inverseRealFft: input length must be N/2 + 1');
  twiddles(n);
  const stride = twiddleSize / n;
  const zr = new Float64Array(m);
  const zi = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const ar = re[k] as number;
    const ai = im[k] as number;
    const br = re[m - k] as number;
    const bi = -(im[m - k] as number); // conj X_{m-k}
    const er = 0.5 * (ar + br);
    const ei = 0.5 * (ai + bi);
    const dr = 0.5 * (ar - br);
    const di = 0.5 * (ai - bi);
    // O = d / w^k = d * conj(w^k)
    const wr = twCos[k * stride] as number;
    const wi = -(twSin[k * stride] as number);
    const or = dr * wr - di * wi;
    const oi = dr * wi + di * wr;
    // Z = E + i O
    zr[k] = er - oi;
    zi[k] = ei + or;
  }
  fft(zr, zi, true);
  for (let j = 0; j < m; j++) {
    out[2 * j] = zr[j] as number;
    out[2 * j + 1] = zi[j] as number;
  }
}

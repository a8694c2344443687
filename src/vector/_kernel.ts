/** Internal: the quantisation and decoding loops shared by plain and weighted encodings. */
import { assertInteger, assertOptions, assertUint32Array, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { cryptoRandomBytes, type RandomBytes } from '../random.js';
import { assertNoOverlap, checkRange, modMask } from './_internal.js';
import { MAX_COUNT, type PlanFields } from './_plan.js';

/** Elements per rng call: 64 KiB of random bytes (the Web Crypto per-call limit). */
export const RNG_CHUNK = 16_384;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Options of quantize / encodeWeightedUpdate. */
export interface QuantizeOptions {
  /**
   * `'stochastic'` (default): round up with probability equal to the fractional part, so the
   * quantised value is unbiased (bias below 2^-32 of a step). `'nearest'`: round half up.
   */
  readonly rounding?: 'stochastic' | 'nearest';
  /** Randomness for stochastic rounding; defaults to the platform CSPRNG. Unused for nearest. */
  readonly rng?: RandomBytes;
  /** Output buffer to fill (exact length; must not overlap the input). */
  readonly out?: Uint32Array;
}

export interface ParsedQuantizeOptions {
  readonly stochastic: boolean;
  readonly rng: RandomBytes;
  readonly out: Uint32Array | undefined;
}

export function assertFloats(values: unknown, name: string): Float32Array | Float64Array {
  if (
    !(values instanceof Float32Array || values instanceof Float64Array) ||
    !ArrayBuffer.isView(values)
  ) {
    throw new SecAggError(
      'INVALID_TYPE',
      `${name} must be a Float32Array or Float64Array, got ${describeType(values)}`,
    );
  }
  return values;
}

export function parseQuantizeOptions(options: unknown): ParsedQuantizeOptions {
  const o = assertOptions<QuantizeOptions>(options, 'options', ['rounding', 'rng', 'out']);
  const rounding = o.rounding ?? 'stochastic';
  if (rounding !== 'stochastic' && rounding !== 'nearest') {
    throw new SecAggError(
      'OUT_OF_RANGE',
      `options.rounding must be 'stochastic' or 'nearest', got ${typeof rounding === 'string' ? `'${rounding}'` : describeType(rounding)}`,
    );
  }
  const rng = o.rng ?? cryptoRandomBytes;
  if (typeof rng !== 'function') {
    throw new SecAggError('INVALID_TYPE', `options.rng must be a function, got ${describeType(rng)}`);
  }
  const out = o.out === undefined ? undefined : assertUint32Array(o.out, 'options.out');
  return { stochastic: rounding === 'stochastic', rng, out };
}

/** Fills `r` with the little-endian uint32 words of one rng call of 4 * r.length bytes. */
function drawWords(rng: RandomBytes, r: Uint32Array, rBytes: Uint8Array): void {
  const want = r.length * 4;
  const bytes: unknown = rng(want);
  if (!(bytes instanceof Uint8Array) || bytes.length !== want) {
    throw new SecAggError(
      'INVALID_TYPE',
      `options.rng(${want}) must return a Uint8Array of ${want} bytes, got ${describeType(bytes)}`,
    );
  }
  rBytes.set(bytes); // copy: aligns the words whatever the returned view's offset
  if (!LITTLE_ENDIAN) {
    const dv = new DataView(rBytes.buffer, rBytes.byteOffset, want);
    for (let j = 0; j < r.length; j++) r[j] = dv.getUint32(4 * j, true);
  }
}

/**
 * out[i] = round(clip(values[i], -clip, clip) * factor), clamped to [-bound, bound], encoded
 * mod 2^bits. Throws NON_FINITE_VALUE (after zero-filling `out`) on NaN / Infinity.
 */
export function quantizeKernel(
  values: Float32Array | Float64Array,
  clip: number,
  factor: number,
  bound: number,
  bits: number,
  opts: ParsedQuantizeOptions,
  out: Uint32Array,
  name: string,
): void {
  const n = values.length;
  const mask = modMask(bits) | 0; // as int32: q & mask is the residue of q (two's complement)
  const negClip = -clip;
  const negBound = -bound;
  const stochastic = opts.stochastic;
  const chunk = stochastic ? Math.min(RNG_CHUNK, n) : 0;
  const r = new Uint32Array(chunk);
  const rBytes = new Uint8Array(r.buffer);
  for (let start = 0; start < n; start += RNG_CHUNK) {
    const end = Math.min(n, start + RNG_CHUNK);
    if (stochastic) drawWords(opts.rng, end - start === chunk ? r : r.subarray(0, end - start), rBytes.subarray(0, 4 * (end - start)));
    for (let i = start; i < end; i++) {
      let v = values[i] as number;
      if (!(v - v === 0)) {
        out.fill(0);
        throw new SecAggError('NON_FINITE_VALUE', `${name}[${i}] is NaN or infinite`);
      }
      if (v > clip) v = clip;
      else if (v < negClip) v = negClip;
      const y = v * factor;
      const f = Math.floor(y);
      // Branch-free rounding (a data-dependent branch mispredicts half the time). d = y - f
      // is exact.
      // Stochastic: +1 iff r < d * 2^32, i.e. with probability ceil(d * 2^32) / 2^32 (bias
      // < 2^-32 step). d * 2^32 - r is nonzero with the right sign whenever they differ, and
      // ceil of it times 2^-32 (in (-1, 1)) is 1 when positive, 0 otherwise.
      // Nearest: +1 iff d >= 1/2 (ties toward +infinity, as Math.round); d - 1/2 has the right
      // sign (exact when d >= 1/4), so floor(d - 1/2) is 0 or -1.
      let q = stochastic
        ? f + Math.ceil(((y - f) * 4294967296 - (r[i - start] as number)) * 2.3283064365386963e-10)
        : f + 1 + Math.floor(y - f - 0.5);
      if (q > bound) q = bound;
      else if (q < negBound) q = negBound;
      out[i] = q & mask;
    }
  }
}

/**
 * Decodes `sum` (the sum of `count` clients' encodings) into signed integers divided by
 * `plan.scale`; refuses any element outside what `count` clients can produce.
 */
export function decodeKernel(
  sum: Uint32Array,
  length: number,
  plan: PlanFields,
  count: number,
  out: Float64Array,
): void {
  const bits = plan.bits;
  const half = 2 ** (bits - 1);
  const modulus = 2 ** bits;
  const limit = count * (plan.maxLevel + plan.headroom);
  const scale = plan.scale;
  for (let i = 0; i < length; i++) {
    const v = sum[i] as number;
    const s = v >= half ? v - modulus : v;
    if (s > limit || s < -limit) {
      throw new SecAggError(
        'ELEMENT_OUT_OF_RANGE',
        `sum[${i}] decodes outside what ${count} clients can produce under this plan (wrong count, wrong plan, or a corrupted sum)`,
      );
    }
    out[i] = s / scale;
  }
}

export function prepareOut(
  out: Uint32Array | undefined,
  length: number,
  input: ArrayBufferView,
): Uint32Array {
  if (out === undefined) return new Uint32Array(length);
  assertUint32Array(out, 'options.out', length);
  assertNoOverlap(out, 'options.out', input, 'values', false);
  return out;
}

export function checkSum(sum: unknown, bits: number, minLength: number): Uint32Array {
  const s = assertUint32Array(sum, 'sum');
  if (s.length < minLength) {
    throw new SecAggError('INVALID_LENGTH', `sum must have at least ${minLength} element(s), got ${s.length}`);
  }
  checkRange(s, bits, 'sum');
  return s;
}

/** Options of dequantizeSum / decodeWeightedMean. */
export interface DequantizeOptions {
  /** How many clients' vectors were summed, integer in 1..plan.clients. */
  readonly count: number;
  /** Output buffer (Float64Array of the sum's length), overwritten. */
  readonly out?: Float64Array;
}

export function parseDequantizeOptions(
  options: unknown,
  clients: number,
): { count: number; out: Float64Array | undefined } {
  if (options === undefined) {
    throw new SecAggError('INVALID_TYPE', 'options must be an object with a count, got undefined');
  }
  const o = assertOptions<DequantizeOptions>(options, 'options', ['count', 'out']);
  const count = assertInteger(o.count, 'options.count', 1, Math.min(clients, MAX_COUNT));
  let out: Float64Array | undefined;
  if (o.out !== undefined) {
    if (!(o.out instanceof Float64Array) || !ArrayBuffer.isView(o.out)) {
      throw new SecAggError('INVALID_TYPE', `options.out must be a Float64Array, got ${describeType(o.out)}`);
    }
    out = o.out;
  }
  return { count, out };
}

export function prepareFloatOut(
  out: Float64Array | undefined,
  length: number,
  sum: Uint32Array,
): Float64Array {
  if (out === undefined) return new Float64Array(length);
  if (out.length !== length) {
    throw new SecAggError('LENGTH_MISMATCH', `options.out must have ${length} elements, got ${out.length}`);
  }
  assertNoOverlap(out, 'options.out', sum, 'sum', false);
  return out;
}

/**
 * The robust combiner's slow path (internal): errors-and-erasures decoding of all the elements
 * of a secret with one error locator, by Gao's algorithm (_gao.ts). Runs only after the fast
 * path's check failed on a set of holders.
 */
import { assertBytes } from '../_assert.js';
import { SecAggError } from '../errors.js';
import type { RandomBytes } from '../random.js';
import { gaoErrorPositions } from './_gao.js';
import { EXP, LOG } from './_gf.js';
import type { HolderSet } from './_holders.js';

/** What the decoder needs from its combiner. */
export interface DecoderContext {
  readonly threshold: number;
  /** Field elements per secret. */
  readonly m: number;
  readonly rng: RandomBytes;
  /** The fast path's scratch: on success, acc holds the secret's elements. */
  readonly acc: Int32Array;
  readonly syn: Int32Array;
  /** The (cached) set of holders xs[0..count), ascending. */
  holderSet(xs: Int32Array, count: number): HolderSet;
}

/**
 * Decodes after `set`'s check failed (ctx.acc and ctx.syn hold that run); returns the holders
 * whose share disagrees with the result, and leaves the secret's elements in ctx.acc from a fast
 * path run that passed, on the set without the holders found. At most two phases:
 *
 * 1. One random linear combination of the m elements: a holder wrong in any element is, except
 *    with probability 2^-16, wrong in the combination, so Gao's algorithm on it finds every liar
 *    at once (the error locator is shared by all elements).
 * 2. If the check still fails without those holders (a combination cancelled an error), each
 *    element still inconsistent is decoded on its own, the holders already found erased.
 *
 * @throws {SecAggError} `TOO_MANY_ERRORS` when the shares are not within floor((N - t) / 2) of one
 *   sharing, as far as the decoder can tell (it never accepts more).
 */
export function decodeJointly(set: HolderSet, ys: Uint8Array[], ctx: DecoderContext): number[] {
  const t = ctx.threshold;
  const bound = (set.n - t) >> 1;
  const refuse = (): never => {
    throw new SecAggError(
      'TOO_MANY_ERRORS',
      `the ${set.n} shares are not within ${bound} errors of one sharing of threshold ${t} ` +
        `(${set.n} shares correct at most floor((N - t) / 2) = ${bound}): refused`,
    );
  };
  if (bound === 0) refuse();
  const erased = new Set<number>();
  const combined = randomCombination(ys, set.n, ctx.m, ctx.rng);
  const found = gaoErrorPositions(set.xs, set.n, t, set.logV, combined);
  combined.fill(0);
  if (found === null) return refuse();
  for (const j of found) erased.add(set.xs[j] as number);
  let current = { set, ys };
  let consistent = false;
  if (erased.size > 0) {
    current = without(set, ys, erased, ctx);
    consistent = current.set.run(current.ys, ctx.m, ctx.acc, ctx.syn);
  }
  if (!consistent) {
    if (!decodeEachElement(current.set, current.ys, ctx, erased)) return refuse();
    if (erased.size > bound) return refuse();
    current = without(set, ys, erased, ctx);
    if (!current.set.run(current.ys, ctx.m, ctx.acc, ctx.syn)) return refuse();
  }
  if (erased.size > bound) return refuse();
  return disagreeing(set, ys, erased, current.set, current.ys, ctx.m);
}

/**
 * Phase 2: Gao's algorithm on each element whose syndrome (ctx.syn, from the last run on `set`)
 * is non-zero; adds the positions found to `erased`. False when an element does not decode.
 */
function decodeEachElement(set: HolderSet, ys: readonly Uint8Array[], ctx: DecoderContext, erased: Set<number>): boolean {
  const word = new Int32Array(set.n);
  try {
    for (let e = 0; e < ctx.m; e++) {
      if (ctx.syn[e] === 0) continue;
      for (let j = 0; j < set.n; j++) {
        const y = ys[j] as Uint8Array;
        word[j] = ((y[2 * e] as number) << 8) | (y[2 * e + 1] as number);
      }
      const positions = gaoErrorPositions(set.xs, set.n, ctx.threshold, set.logV, word);
      if (positions === null) return false;
      for (const j of positions) erased.add(set.xs[j] as number);
    }
    return true;
  } finally {
    word.fill(0);
  }
}

/**
 * The erased holders whose share disagrees with the result (`result`: a set that passed the
 * check, without them). Within the bound all of them; beyond it, Gao's locator may also vanish
 * at a correct share, which is then not named.
 */
function disagreeing(
  set: HolderSet,
  ys: readonly Uint8Array[],
  erased: ReadonlySet<number>,
  result: HolderSet,
  resultYs: readonly Uint8Array[],
  m: number,
): number[] {
  const wrong: number[] = [];
  const value = new Int32Array(m);
  for (let j = 0; j < set.n; j++) {
    const x = set.xs[j] as number;
    if (!erased.has(x)) continue;
    result.valueAt(x, resultYs, m, value);
    const y = ys[j] as Uint8Array;
    for (let e = 0; e < m; e++) {
      if ((((y[2 * e] as number) << 8) | (y[2 * e + 1] as number)) !== value[e]) {
        wrong.push(x);
        break;
      }
    }
  }
  value.fill(0);
  return wrong;
}

/** The set without the erased holders (from the combiner's cache), and its shares in order. */
function without(
  set: HolderSet,
  ys: readonly Uint8Array[],
  erased: ReadonlySet<number>,
  ctx: DecoderContext,
): { set: HolderSet; ys: Uint8Array[] } {
  const xs = new Int32Array(set.n - erased.size);
  const kept: Uint8Array[] = [];
  for (let j = 0; j < set.n; j++) {
    const x = set.xs[j] as number;
    if (erased.has(x)) continue;
    xs[kept.length] = x;
    kept.push(ys[j] as Uint8Array);
  }
  return { set: ctx.holderSet(xs, kept.length), ys: kept };
}

/** word_j = sum_e r_e y_{j,e} for random r (one draw of 2m bytes, wiped). */
function randomCombination(ys: readonly Uint8Array[], n: number, m: number, rng: RandomBytes): Int32Array {
  const log = LOG; // locals: V8 does not hoist loads of imported bindings out of loops
  const exp = EXP;
  const draw = assertBytes(rng(2 * m), 'rng output', 2 * m);
  const logR: number[] = [];
  const at: number[] = [];
  for (let e = 0; e < m; e++) {
    const r = ((draw[2 * e] as number) << 8) | (draw[2 * e + 1] as number);
    if (r === 0) continue; // a zero coefficient: element e does not enter
    logR.push(log[r] as number);
    at.push(e);
  }
  draw.fill(0);
  const word = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const y = ys[j] as Uint8Array;
    let acc = 0;
    for (let k = 0; k < at.length; k++) {
      const e = at[k] as number;
      acc ^= exp[(log[((y[2 * e] as number) << 8) | (y[2 * e + 1] as number)] as number) + (logR[k] as number)] as number;
    }
    word[j] = acc;
  }
  logR.fill(0);
  return word;
}

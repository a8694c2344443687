/**
 * Robust reconstruction: with N > t shares of one sharing, up to floor((N - t) / 2) wrong
 * shares are corrected and their holders named (Shamir shares are a Reed-Solomon codeword).
 * The honest case costs one pass over the shares; the decoder (Gao's algorithm, _gao.ts) runs
 * only when that pass finds an inconsistency. See docs/shamir.md, "Robust reconstruction".
 */
import { assertBytes, assertInteger, assertOptions, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { cryptoRandomBytes, type RandomBytes } from '../random.js';
import { checkArray, checkThreshold, checkX, readShare } from './_check.js';
import { decodeJointly, type DecoderContext } from './_decode.js';
import { HolderSet } from './_holders.js';
import { MAX_X, shareLengthFor } from './_layout.js';
import type { Share } from './split.js';

/** Options of {@link createRobustCombiner}. */
export interface RobustCombinerOptions {
  /** The threshold the secrets were split with: an integer in 2..65535. */
  readonly threshold: number;
  /**
   * Length in bytes of every secret the combiner rebuilds: an integer in 1..65535 (32 for
   * secagg's seeds and keys). A share whose payload has another length is a wrong share.
   */
  readonly secretLength: number;
  /** Holders whose shares are ignored from the start (x's in 1..65535; repeats are ignored). */
  readonly excluded?: readonly number[];
  /**
   * Whether a holder found lying is ignored in every later call (default true). With false each
   * call decodes all the shares it is given (of holders not in `excluded`): liars are still named
   * in its result and in `liars`, and the sets of holders they belong to still get fresh checks,
   * but the caller decides whose shares to leave out (a server that must get, for every secret,
   * what its own shares decode to, whatever the order of the calls).
   */
  readonly excludeLiars?: boolean;
  /**
   * Randomness for the consistency checks (drawn once per set of holders) and for the decoder's
   * random combination; defaults to the platform CSPRNG. The checks are only as good as it is.
   */
  readonly rng?: RandomBytes;
}

/** What {@link RobustCombiner.combine} returns. */
export interface RobustCombineResult {
  /** The secret, `secretLength` bytes (a fresh buffer: the caller's to wipe). */
  readonly secret: Uint8Array;
  /**
   * Holders among this call's shares whose share was wrong (in any element, or malformed),
   * ascending. The combiner ignores their shares from now on (unless made with
   * `excludeLiars: false`).
   */
  readonly liars: readonly number[];
  /**
   * The most wrong shares this call could have corrected: floor((N - t) / 2) for the N
   * well-formed shares of holders not excluded. 0 with N = t: nothing could be checked.
   */
  readonly correctable: number;
}

/**
 * Rebuilds secrets from shares some of which may be wrong, for one threshold and secret length
 * (made by {@link createRobustCombiner}); remembers the holders found lying and ignores their
 * shares in every later call.
 */
export interface RobustCombiner {
  /** The threshold the combiner was made for. */
  readonly threshold: number;
  /** The secret length the combiner was made for. */
  readonly secretLength: number;
  /** Every holder found lying so far, ascending (a fresh frozen array). */
  readonly liars: readonly number[];
  /**
   * Every holder whose shares are ignored, ascending: excluded by the caller, or found lying
   * (unless the combiner was made with `excludeLiars: false`).
   */
  readonly excluded: readonly number[];
  /**
   * Ignores these holders' shares from now on (x's in 1..65535; repeats and holders already
   * excluded are fine).
   *
   * @throws {SecAggError} `INVALID_TYPE`, `INVALID_SHARE_INDEX`.
   */
  exclude(holders: readonly number[]): void;
  /**
   * Rebuilds one secret from one share per holder (any order, any set of holders; shares of
   * excluded holders are skipped). With N well-formed shares of holders not excluded, returns
   * the secret and the liars whenever at most floor((N - t) / 2) shares are wrong; otherwise
   * refuses (`TOO_MANY_ERRORS`) or, when the shares are within that distance of another sharing
   * (which no decoder can tell from the truth), returns that sharing's secret: a returned secret
   * always agrees with all but at most floor((N - t) / 2) of the N shares (see docs/shamir.md
   * for the one probabilistic step, 2^-32). A refused call changes nothing.
   *
   * @throws {SecAggError} `INVALID_TYPE`, `INVALID_SHARE_INDEX` (a share object the caller
   *   built wrong), `DUPLICATE_SHARE`, `TOO_FEW_SHARES` (fewer than t shares of holders not
   *   excluded), `TOO_MANY_ERRORS` (not decodable: see above; also when malformed shares leave
   *   fewer than t), `MISMATCHED_SHARES` (the shares agree on a sharing whose odd-length
   *   padding is not zero: not a split of a `secretLength`-byte secret).
   */
  combine(shares: readonly Share[]): RobustCombineResult;
}

const OPTIONS = ['threshold', 'secretLength', 'excluded', 'excludeLiars', 'rng'] as const;
/** Sets of holders kept (most recently used first): the server reuses one set per round. */
const CACHED_SETS = 4;
const MAX_SECRET_LENGTH = 65_535;

/** Flags per holder: 1 excluded by the caller, 2 found lying. */
const BY_CALLER = 1;
const FOUND = 2;

class RobustLagrange implements RobustCombiner {
  readonly threshold: number;
  readonly secretLength: number;
  private readonly payloadLength: number;
  /** Field elements per secret. */
  private readonly m: number;
  private readonly rng: RandomBytes;
  /** The flags whose holders a call skips: BY_CALLER, and FOUND unless liars stay in. */
  private readonly skip: number;
  private readonly flags = new Uint8Array(MAX_X + 1);
  /** seen[x] === generation marks a holder already taken in the current call. */
  private readonly seen = new Int32Array(MAX_X + 1);
  private generation = 0;
  private cache: HolderSet[] = [];
  /** Scratch of read(): the kept shares' x's and payloads (payloads reset to EMPTY after each call). */
  private xs = new Int32Array(64);
  private ys: Uint8Array[] = new Array<Uint8Array>(64).fill(EMPTY);
  /** Scratch of the fast path: each element's value at 0 and its check syndromes. */
  private readonly acc: Int32Array;
  private readonly syn: Int32Array;
  /** What the slow path (_decode.ts) uses of this combiner. */
  private readonly decoder: DecoderContext;

  constructor(t: number, secretLength: number, excluded: readonly number[], excludeLiars: boolean, rng: RandomBytes) {
    this.threshold = t;
    this.skip = excludeLiars ? BY_CALLER | FOUND : BY_CALLER;
    this.secretLength = secretLength;
    this.payloadLength = shareLengthFor(secretLength);
    this.m = (secretLength + 1) >>> 1;
    this.rng = rng;
    this.acc = new Int32Array(this.m);
    this.syn = new Int32Array(this.m);
    this.decoder = {
      threshold: t,
      m: this.m,
      rng,
      acc: this.acc,
      syn: this.syn,
      holderSet: (xs, count) => this.holderSet(xs, count),
    };
    for (const x of excluded) this.flags[x] = BY_CALLER;
  }

  get liars(): readonly number[] {
    return this.holdersFlagged(FOUND);
  }

  get excluded(): readonly number[] {
    return this.holdersFlagged(this.skip);
  }

  private holdersFlagged(mask: number): readonly number[] {
    const out: number[] = [];
    for (let x = 1; x <= MAX_X; x++) if (((this.flags[x] as number) & mask) !== 0) out.push(x);
    return Object.freeze(out);
  }

  exclude(holders: readonly number[]): void {
    const xs = readExcluded(holders, 'holders');
    for (const x of xs) this.flags[x] = (this.flags[x] as number) | BY_CALLER;
    this.forget(xs);
  }

  combine(shares: readonly Share[]): RobustCombineResult {
    const list = checkArray(shares, 'shares');
    try {
      return this.combineList(list);
    } finally {
      this.ys.fill(EMPTY, 0, list.length); // the scratch keeps no share alive after the call, thrown or not
    }
  }

  private combineList(list: readonly unknown[]): RobustCombineResult {
    const t = this.threshold;
    const { kept, xs, ys, malformed, sorted } = this.read(list);
    const usable = kept + malformed.length;
    if (usable < t) {
      throw new SecAggError(
        'TOO_FEW_SHARES',
        `threshold ${t} needs at least ${t} shares of holders not excluded, got ${usable}`,
      );
    }
    if (kept < t) {
      throw new SecAggError(
        'TOO_MANY_ERRORS',
        `${malformed.length} of ${usable} shares are malformed, leaving fewer than the threshold ${t}`,
      );
    }
    if (!sorted) sortByX(xs, ys, kept);
    try {
      const set = this.holderSet(xs, kept);
      // Fast path: one pass; the decoder only when the check fails. Either way acc ends up
      // holding the secret's elements from a set of shares that passed the check.
      const wrong = set.run(ys, this.m, this.acc, this.syn) ? [] : decodeJointly(set, ys, this.decoder);
      const secret = this.secretFromAcc();
      const correctable = (kept - t) >> 1;
      if (wrong.length === 0 && malformed.length === 0) return Object.freeze({ secret, liars: NO_LIARS, correctable });
      const liars = Int32Array.from([...wrong, ...malformed]).sort();
      for (const x of liars) this.flags[x] = (this.flags[x] as number) | FOUND;
      this.forget(liars);
      return Object.freeze({ secret, liars: Object.freeze(Array.from(liars)), correctable });
    } finally {
      this.acc.fill(0);
      this.syn.fill(0);
    }
  }

  /**
   * One pass over the shares: validates each (a wrong type or x is the caller's bug and throws;
   * a payload of the wrong length or with a non-zero odd-length marker is a malformed share,
   * counted as wrong), skips excluded holders, and checks duplicates.
   */
  private read(list: readonly unknown[]): {
    kept: number;
    xs: Int32Array;
    ys: Uint8Array[];
    malformed: number[];
    sorted: boolean;
  } {
    const count = list.length;
    // Scratch of the call (combine does not re-enter): holder sets copy the x's they keep.
    if (this.xs.length < count) {
      this.xs = new Int32Array(Math.max(count, 2 * this.xs.length));
      this.ys = new Array<Uint8Array>(this.xs.length).fill(EMPTY);
    }
    const xs = this.xs;
    const ys = this.ys;
    const malformed: number[] = [];
    const seen = this.seen;
    if (this.generation === 0x7fffffff) {
      seen.fill(0);
      this.generation = 0;
    }
    const stamp = ++this.generation;
    const flags = this.flags;
    const skip = this.skip;
    const maxX = MAX_X; // local: V8 does not hoist loads of imported bindings out of loops
    const payloadLength = this.payloadLength;
    const odd = this.secretLength % 2 === 1;
    let kept = 0;
    let sorted = true;
    for (let i = 0; i < count; i++) {
      const share = list[i];
      if (share === null || typeof share !== 'object') readShare(share, `shares[${i}]`); // throws
      const x = (share as { x?: unknown }).x;
      const y = (share as { y?: unknown }).y;
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > maxX) checkX(x, `shares[${i}].x`);
      if (!(y instanceof Uint8Array) || !ArrayBuffer.isView(y)) assertBytes(y, `shares[${i}].y`);
      const holder = x as number;
      const payload = y as Uint8Array;
      if (seen[holder] === stamp) {
        throw new SecAggError('DUPLICATE_SHARE', `shares: x = ${holder} appears more than once`);
      }
      seen[holder] = stamp;
      if (((flags[holder] as number) & skip) !== 0) continue;
      if (payload.length !== payloadLength || (odd && payload[payloadLength - 1] !== 0)) {
        malformed.push(holder);
        continue;
      }
      if (kept > 0 && holder < (xs[kept - 1] as number)) sorted = false;
      xs[kept] = holder;
      ys[kept] = payload;
      kept++;
    }
    return { kept, xs, ys, malformed, sorted };
  }

  /** The cached set for xs[0..count) (ascending), or a new one (most recently used first). */
  private holderSet(xs: Int32Array, count: number): HolderSet {
    const cache = this.cache;
    for (let i = 0; i < cache.length; i++) {
      const set = cache[i] as HolderSet;
      if (set.matches(xs, count)) {
        if (i > 0) {
          cache.splice(i, 1);
          cache.unshift(set);
        }
        return set;
      }
    }
    const set = new HolderSet(xs, count, this.threshold, this.rng);
    cache.unshift(set);
    if (cache.length > CACHED_SETS) cache.pop();
    return set;
  }

  /** Drops cached sets that contain one of these holders: no later call can use them. */
  private forget(holders: ArrayLike<number>): void {
    if (holders.length === 0) return;
    this.cache = this.cache.filter((set) => {
      for (let i = 0; i < holders.length; i++) if (set.has(holders[i] as number)) return false;
      return true;
    });
  }

  /** The secret from the accumulated elements. @throws MISMATCHED_SHARES on non-zero padding. */
  private secretFromAcc(): Uint8Array {
    const L = this.secretLength;
    const out = new Uint8Array(L);
    let padding = 0;
    for (let e = 0; e < this.m; e++) {
      const v = this.acc[e] as number;
      out[2 * e] = v >>> 8;
      if (2 * e + 1 < L) out[2 * e + 1] = v & 0xff;
      else padding = v & 0xff;
    }
    if (padding !== 0) {
      out.fill(0);
      throw new SecAggError(
        'MISMATCHED_SHARES',
        `the shares agree on a sharing whose padding byte is not zero: not a split of a ${L}-byte secret`,
      );
    }
    return out;
  }
}

const EMPTY = new Uint8Array(0);
const NO_LIARS: readonly number[] = Object.freeze([]);

/** Sorts xs[0..count) ascending, moving ys along. */
function sortByX(xs: Int32Array, ys: Uint8Array[], count: number): void {
  const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => (xs[a] as number) - (xs[b] as number));
  const xsCopy = xs.slice(0, count);
  const ysCopy = ys.slice(0, count);
  for (let i = 0; i < count; i++) {
    xs[i] = xsCopy[order[i] as number] as number;
    ys[i] = ysCopy[order[i] as number] as Uint8Array;
  }
}

/** An array of x's (possibly empty, repeats allowed), copied. */
function readExcluded(value: unknown, name: string): number[] {
  if (!Array.isArray(value)) {
    throw new SecAggError('INVALID_TYPE', `${name} must be an array, got ${describeType(value)}`);
  }
  const out = new Array<number>(value.length);
  for (let i = 0; i < value.length; i++) out[i] = checkX(value[i] as unknown, `${name}[${i}]`);
  return out;
}

/**
 * Makes a robust combiner: it rebuilds secrets of one length and threshold from shares of which
 * some may be wrong, corrects up to floor((N - t) / 2) wrong shares among N, names their
 * holders, and ignores every share of a holder once it is found lying (for the server: one
 * combiner per round). Lagrange weights and checks are computed once per set of holders
 * (O(N^2)) and kept for the last 4 sets used.
 *
 * Cost of {@link RobustCombiner.combine} with no wrong share: one pass over the N shares,
 * O(N L / 2) table lookups for L-byte secrets. With wrong shares: Gao's algorithm, O(N^2)
 * once per call that finds liars, then the fast path on the remaining holders.
 *
 * @throws {SecAggError} `INVALID_TYPE` (options, excluded, excludeLiars or rng of the wrong type),
 *   `INVALID_THRESHOLD` (threshold outside 2..65535), `OUT_OF_RANGE` (secretLength outside
 *   1..65535), `INVALID_SHARE_INDEX` (an excluded x outside 1..65535), `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * const robust = createRobustCombiner({ threshold: 3, secretLength: 32 });
 * const shares = splitSecret(seed, { threshold: 3, holders: 7 });
 * const bad = { x: 4, y: new Uint8Array(32) }; // holder 4 lies
 * const { secret, liars } = robust.combine([...shares.slice(0, 3), bad, ...shares.slice(4)]);
 * // secret equals seed; liars is [4]; later calls ignore holder 4's shares
 * ```
 */
export function createRobustCombiner(options: RobustCombinerOptions): RobustCombiner {
  const opts = assertOptions<RobustCombinerOptions>(options, 'options', OPTIONS);
  const threshold: unknown = opts.threshold;
  const secretLength: unknown = opts.secretLength;
  const excluded: unknown = opts.excluded;
  const rng: unknown = opts.rng;
  const t = checkThreshold(threshold, MAX_X);
  const length = assertInteger(secretLength, 'secretLength', 1, MAX_SECRET_LENGTH);
  const skip = excluded === undefined ? [] : readExcluded(excluded, 'excluded');
  const excludeLiars: unknown = opts.excludeLiars;
  if (excludeLiars !== undefined && typeof excludeLiars !== 'boolean') {
    throw new SecAggError('INVALID_TYPE', `excludeLiars must be a boolean, got ${describeType(excludeLiars)}`);
  }
  if (rng !== undefined && typeof rng !== 'function') {
    throw new SecAggError('INVALID_TYPE', `rng must be a function, got ${describeType(rng)}`);
  }
  return new RobustLagrange(t, length, skip, excludeLiars ?? true, (rng as RandomBytes | undefined) ?? cryptoRandomBytes);
}

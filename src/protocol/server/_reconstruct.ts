/**
 * A keys job's robust reconstruction (internal): each owner's secret from every share the server
 * holds for it, up to `maxLiars(N, t)` of them wrong, their holders named; liars found earlier
 * in the job are left out of later owners whenever that cannot change the outcome.
 *
 * **The outcome of an owner is a function of its own shares only**: the secret of the sharing
 * that agrees with all but at most r = floor((N - t - 1) / 2) of its N shares, and the holders
 * it disagrees with, or a refusal when no sharing is that close. Leaving out known liars is only
 * a speed-up (their shares would otherwise send every later owner down the decoder's slow path),
 * used when it provably gives that same outcome (see {@link KeysReconstruction.rebuild}). So the
 * outcome does not depend on which owners share a job, in what order, or how many jobs run in
 * parallel: jobs need not share what they found, and the synchronous and parallel closes agree.
 *
 * Why r = floor((N - t - 1) / 2) and not the decoder's floor((N - t) / 2) (one less when N - t is
 * even): then one liar more than r can never make the round return a wrong sum. Any sharing g
 * other than the true f agrees with at most t - 1 honest holders, so with r + 1 liars it agrees
 * with at most t + r shares and is at least N - t - r >= r + 1 away: nothing is within r, the
 * owner is refused. At floor((N - t) / 2) with N - t even, r + 1 colluding liars need only their
 * own shares to present such a g (f + h with h vanishing at t - 1 honest holders' public x's):
 * the decoder would return g's secret and name honest holders (docs/shamir.md).
 */
import { SecAggError, type ErrorCode } from '../../errors.js';
import type { RandomBytes } from '../../random.js';
import { createRobustCombiner, type RobustCombiner, type Share } from '../../shamir/index.js';

/**
 * The most wrong shares among N (threshold t) with which a secret is still accepted:
 * floor((N - t - 1) / 2), 0 when N <= t + 1 (with N = t nothing can be checked).
 */
export function maxLiars(n: number, t: number): number {
  return n - t - 1 > 0 ? (n - t - 1) >> 1 : 0;
}

/** A rebuilt secret and the holders whose share disagrees with it, or why there is none. */
export type Rebuilt =
  | { readonly secret: Uint8Array; readonly liars: readonly number[]; readonly cause: null }
  | { readonly secret: null; readonly liars: readonly []; readonly cause: ErrorCode };

/** One keys job's reconstruction: one robust combiner (its holder-set caches reused) and the liars found. */
export interface KeysReconstruction {
  /**
   * Rebuilds one owner's secret from its holders' shares (32 bytes each, in `holders` order).
   * The liars it names are not yet taken as known: call {@link accept} once the secret is used
   * (a dropped client's key that fails its public-key check is not: its liars are not named).
   */
  rebuild(holders: readonly number[], shares: Uint8Array): Rebuilt;
  /** Takes these holders as liars: named in the job's result, left out of later owners when safe. */
  accept(liars: readonly number[]): void;
  /** Every liar accepted so far, ascending. */
  liars(): number[];
}

/** A job's reconstruction for threshold t (see the module comment). */
export function keysReconstruction(t: number, rng: RandomBytes): KeysReconstruction {
  // The combiner does not exclude liars itself: which shares each call gets is decided here.
  const robust: RobustCombiner = createRobustCombiner({ threshold: t, secretLength: 32, excludeLiars: false, rng });
  const known = new Set<number>();

  const combine = (shares: readonly Share[]): { secret: Uint8Array; liars: readonly number[] } | ErrorCode => {
    try {
      return robust.combine(shares);
    } catch (error) {
      if (error instanceof SecAggError) return error.code;
      throw error;
    }
  };

  return {
    rebuild(holders, shares) {
      const n = holders.length;
      const r = maxLiars(n, t);
      const all: Share[] = holders.map((x, i) => ({ x, y: shares.subarray(32 * i, 32 * i + 32) }));
      // Known liars among the holders: when at most r, decode without them first. If that
      // names L more with |L| + known <= r, the shares are within r of that sharing (it
      // disagrees with at most the L and the left-out), which is then the only sharing within r
      // of them: exactly what decoding all of them gives (below), at the fast path's cost.
      let left = 0;
      if (known.size > 0) for (const x of holders) if (known.has(x)) left++;
      if (left > 0 && left <= r) {
        const out = combine(all.filter((s) => !known.has(s.x)));
        if (typeof out !== 'string') {
          if (out.liars.length + left <= r) return { secret: out.secret, liars: out.liars, cause: null };
          out.secret.fill(0);
        }
        // Refused without them, or too many liars in all: decide on every share.
      }
      // Every share: the sharing within r of them, if there is one.
      const out = combine(all);
      if (typeof out === 'string') return { secret: null, liars: [], cause: out };
      if (out.liars.length > r) {
        // Within the decoder's floor((N - t) / 2) but not within r (N - t even): refused.
        out.secret.fill(0);
        return { secret: null, liars: [], cause: 'TOO_MANY_ERRORS' };
      }
      return { secret: out.secret, liars: out.liars, cause: null };
    },
    accept(liars) {
      for (const x of liars) known.add(x);
    },
    liars() {
      return [...known].sort((a, b) => a - b);
    },
  };
}

/**
 * Internal: the SecAgg+ (Bell et al. CCS 2020) parameter search, reimplemented to give the same
 * answers as Google's production finder (fcp/secagg/server/graph_parameter_finder.cc and
 * distribution_utilities.cc): same union bound, same hypergeometric quantiles "rounded outwards",
 * same 1e-14 guards on the floor/ceil of client counts, same degrees tried (2, 4, ... < n - 1).
 * Plain doubles throughout, as there.
 */

/** Guard added before flooring / subtracted before ceiling client counts (Google's kSmall). */
export const SMALL = 1e-14;
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log Gamma(x) for x > 0: Stirling's series after shifting x up to >= 15 (truncation error below
 * 1e-16 there), so the value agrees with C's lgamma to a few ulps on the arguments used here
 * (positive integers up to ~1e6).
 */
export function logGamma(x: number): number {
  let shift = 0;
  let product = 1;
  while (x < 15) {
    product *= x;
    x += 1;
    shift += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  // Bernoulli terms B_{2m} / (2m (2m - 1) x^{2m-1}), m = 1..6.
  const series =
    inv *
    (1 / 12 +
      inv2 * (-1 / 360 + inv2 * (1 / 1260 + inv2 * (-1 / 1680 + inv2 * (1 / 1188 + inv2 * (-691 / 360360))))));
  const value = (x - 0.5) * Math.log(x) - x + HALF_LOG_TWO_PI + series;
  return shift === 0 ? value : value - Math.log(product);
}

/**
 * The hypergeometric law of the number of marked items in `sampled` draws without replacement
 * from `total` items of which `marked` are marked. Mirrors Google's HypergeometricDistribution.
 */
class Hypergeometric {
  constructor(
    private readonly total: number,
    private readonly marked: number,
    private readonly sampled: number,
  ) {}

  /** P[X = x] when `counted` items are marked (x may be any double; 0 outside the support). */
  private pmf(x: number, counted: number): number {
    const { total, sampled } = this;
    if (x < 0 || x > sampled || x > counted) return 0;
    if (total + x < counted + sampled) return 0;
    const logPmf =
      logGamma(sampled + 1) +
      logGamma(counted + 1) +
      logGamma(total - counted + 1) +
      logGamma(total - sampled + 1) -
      logGamma(x + 1) -
      logGamma(sampled - x + 1) -
      logGamma(counted - x + 1) -
      logGamma(total + 1) -
      logGamma(total - sampled - counted + x + 1);
    return Math.exp(logPmf);
  }

  /** P[X <= x] by summing the pmf downwards from x until terms are negligible. */
  private lowerTail(x: number, counted: number): number {
    const { total, sampled } = this;
    let term = this.pmf(x, counted);
    let sum = 0;
    while (term > sum * 1e-16) {
      sum += term;
      // pmf(x - 1) = pmf(x) * x (N - K - n + x) / ((K - x + 1)(n - x + 1))
      term *= x;
      term *= total - counted - sampled + x;
      term /= counted - x + 1;
      term /= sampled - x + 1;
      x -= 1;
    }
    return sum;
  }

  /** P[X <= floor(x)], summing whichever tail is on the short side of the mean. */
  cdf(x: number): number {
    x = Math.floor(x);
    const mean = (this.marked * this.sampled) / this.total;
    return x > mean
      ? 1 - this.lowerTail(this.sampled - x - 1, this.total - this.marked)
      : this.lowerTail(x, this.marked);
  }

  /**
   * Largest integer r with P[X <= r] < q, i.e. one below the q-quantile ("rounded outwards");
   * with `complement`, the same computed on the complementary count and mapped back, so that
   * P[X > r] <= q.
   */
  quantile(q: number, complement = false): number {
    if (q > 0.5) {
      q = 1 - q;
      complement = !complement;
    }
    return complement
      ? this.sampled - this.quantileBelow(q, this.total - this.marked) - 1
      : this.quantileBelow(q, this.marked);
  }

  private quantileBelow(q: number, counted: number): number {
    const { total, sampled } = this;
    // Start from a lower bound: the support's minimum minus one, or Hoeffding's inverted tail.
    const supportBound = counted + sampled - total - 1;
    const hoeffding = sampled * (counted / total - Math.sqrt(-Math.log(q) / (2 * sampled)));
    let r = Math.floor(Math.max(-1, supportBound, hoeffding));
    let cdf = this.lowerTail(r, counted);
    let pmf = this.pmf(r, counted);
    while (cdf < q && r < sampled) {
      if (pmf > 0) {
        // pmf(r + 1) from pmf(r)
        pmf /= r + 1;
        pmf /= total - counted - sampled + r + 1;
        pmf *= counted - r;
        pmf *= sampled - r;
      } else {
        pmf = this.pmf(r + 1, counted);
      }
      cdf += pmf;
      r += 1;
    }
    return r - 1;
  }
}

/**
 * The rules a search follows. `'google'` reproduces Google's finder bit for bit (so its published
 * table and the independent Python vectors test this arithmetic exactly); `'sound'` is what the
 * library uses (docs/protocol-graph.md, "Rules"):
 * - the corrupt neighbours of an honest victim are drawn from the n - 1 other clients, all c
 *   corrupt ones among them (Google draws from n, which is slightly optimistic);
 * - semi-malicious threshold: 2t > k + 2 + t1, so that neither a split view of the victim's
 *   k + 1 holders (2t <= k + 1 + c) nor rebuilding the keys of a relay of t - 1 senders while
 *   the victim reveals its own share (2t <= k + 2 + c) works (Google's rule gives
 *   2t = k + 1 + t1 for odd t1 and k + 2 + t1 for even t1).
 * The counts themselves (corrupt rounded up, dropouts rounded up) are the caller's.
 */
export type SearchRule = 'google' | 'sound';

export interface HararySearch {
  readonly clients: number;
  /** Assumed corrupt clients, 0..clients. */
  readonly corrupt: number;
  /** Assumed dropouts, 0..clients (with `corrupt`, the clients that may be missing from the ring). */
  readonly dropouts: number;
  /** Lower bound on the surviving clients (n - dropouts, or Google's own rounding of it). */
  readonly survivors: number;
  readonly semiMalicious: boolean;
  readonly securityBits: number;
  readonly correctnessBits: number;
  readonly rule: SearchRule;
}

/** Google's client counts for fractions: floor((gamma + 1e-14) n), floor((delta + 1e-14) n), ceil((1 - delta - 1e-14) n). */
export function googleCounts(clients: number, corruptFraction: number, dropoutFraction: number): {
  corrupt: number;
  dropouts: number;
  survivors: number;
} {
  return {
    corrupt: Math.floor((corruptFraction + SMALL) * clients),
    dropouts: Math.floor((dropoutFraction + SMALL) * clients),
    survivors: Math.ceil((1 - dropoutFraction - SMALL) * clients),
  };
}

/**
 * Union bound (log scale) on the probability that removing the corrupt and dropped clients
 * disconnects a randomly labelled Harary graph of degree k: a cut needs two runs of k/2
 * consecutive ring positions, all bad; there are n (n - k - 1) / 2 pairs of run positions, and
 * each pair is all bad with probability B! (n - k)! / (n! (B - k)!) for B bad clients.
 */
export function logProbDisconnected(s: HararySearch, k: number): number {
  const n = s.clients;
  const bad = Math.min(n, s.corrupt + s.dropouts);
  if (k > bad) return Number.NEGATIVE_INFINITY;
  return (
    Math.log(n) +
    Math.log(n - k - 1) -
    Math.log(2) +
    logGamma(bad + 1) +
    logGamma(n - k + 1) -
    logGamma(n + 1) -
    logGamma(bad - k + 1)
  );
}

/**
 * t1 for degree k: P[# corrupt neighbours of a client > t1] <= 2^-(securityBits + 1) / n.
 * Sound rule: the victim is honest, so its k neighbours are drawn from the n - 1 others, among
 * which all the corrupt clients (at most n - 1 of them).
 */
export function corruptNeighbourBound(s: HararySearch, k: number): number {
  const n = s.clients;
  const population = s.rule === 'sound' ? n - 1 : n;
  const corrupt = Math.min(s.corrupt, population);
  if (s.rule === 'sound' && corrupt === 0) return 0;
  if (s.rule === 'sound' && corrupt === population) return k;
  const perEventBits = s.securityBits + 1;
  return new Hypergeometric(population, corrupt, k).quantile(2 ** -perEventBits / n, true);
}

/**
 * Smallest threshold that the corrupt neighbours cannot reach, given the bound t1 on them:
 * semi-honest t1 + 1; semi-malicious, Google's ceil((t1 + k - 1.25) / 2) + 1, or the sound
 * floor((k + 2 + t1) / 2) + 1 (the least t with 2t > k + 2 + t1). Never below 2.
 */
export function securityThreshold(t1: number, k: number, semiMalicious: boolean, rule: SearchRule): number {
  if (!semiMalicious) return Math.max(t1 + 1, 2);
  const t = rule === 'sound' ? Math.floor((k + 2 + t1) / 2) + 1 : Math.ceil((t1 + k - 1.25) / 2) + 1;
  return Math.max(t, 2);
}

/** The threshold for degree k, or null when k is not enough. */
export function thresholdForDegree(s: HararySearch, k: number): number | null {
  const n = s.clients;
  // The security budget is split evenly between the two bad events: 2^-(sigma + 1) each.
  const perEventBits = s.securityBits + 1;
  if (logProbDisconnected(s, k) >= -perEventBits * Math.LN2) return null;
  const t1 = corruptNeighbourBound(s, k);
  // t2: P[# surviving neighbours <= t2] >= 2^-eta / n (rounded up when just short). Liveness
  // needs t <= t2 (at most t2 surviving neighbours fail with probability 2^-eta / n).
  const survivingNeighbours = new Hypergeometric(n, s.survivors, k);
  const correctnessTarget = 2 ** -s.correctnessBits / n;
  let t2 = survivingNeighbours.quantile(correctnessTarget);
  if (survivingNeighbours.cdf(t2) < correctnessTarget) t2 += 1;
  if (s.rule === 'google') {
    // Google: t1' = t1, or ceil((t1 + k - 1.25) / 2) for semi-malicious; k works when t2 > t1',
    // and t = max(t1' + 1, 2) (which can exceed t2 when t1' = 0 and t2 = 1).
    const t1Prime = s.semiMalicious ? Math.ceil((t1 + k - 1.25) / 2) : t1;
    return t2 > t1Prime ? Math.max(t1Prime + 1, 2) : null;
  }
  const t = securityThreshold(t1, k, s.semiMalicious, 'sound');
  return t <= t2 ? t : null;
}

/** First even degree 2, 4, ... < n - 1 that works, with its threshold; null if none. */
export function searchHarary(s: HararySearch): { degree: number; threshold: number } | null {
  for (let k = 2; k < s.clients - 1; k += 2) {
    const threshold = thresholdForDegree(s, k);
    if (threshold !== null) return { degree: k, threshold };
  }
  return null;
}

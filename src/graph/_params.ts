/**
 * Internal: the SecAgg+ (Bell et al. CCS 2020) parameter search, reimplemented to give the same
 * answers as Google's production finder (fcp/secagg/server/graph_parameter_finder.cc and
 * distribution_utilities.cc): same union bound, same hypergeometric quantiles "rounded outwards",
 * same 1e-14 guards on the floor/ceil of client counts, same degrees tried (2, 4, ... < n - 1).
 * Plain doubles throughout, as there.
 */

/** Guard added before flooring / subtracted before ceiling client counts (Google's kSmall). */
const SMALL = 1e-14;
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

export interface HararySearch {
  readonly clients: number;
  readonly corruptFraction: number;
  readonly dropoutFraction: number;
  readonly semiMalicious: boolean;
  readonly securityBits: number;
  readonly correctnessBits: number;
}

/** Largest possible numbers of corrupt and of surviving clients under the assumed fractions. */
function bounds(s: HararySearch): { corrupt: number; dropouts: number; survivors: number } {
  const n = s.clients;
  return {
    corrupt: Math.floor((s.corruptFraction + SMALL) * n),
    dropouts: Math.floor((s.dropoutFraction + SMALL) * n),
    survivors: Math.ceil((1 - s.dropoutFraction - SMALL) * n),
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
  const { corrupt, dropouts } = bounds(s);
  const bad = corrupt + dropouts;
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

/** The threshold for degree k, or null when k is not enough. */
export function thresholdForDegree(s: HararySearch, k: number): number | null {
  const n = s.clients;
  // The security budget is split evenly between the two bad events: 2^-(sigma + 1) each.
  const perEventBits = s.securityBits + 1;
  if (logProbDisconnected(s, k) >= -perEventBits * Math.LN2) return null;
  const { corrupt, survivors } = bounds(s);
  const corruptNeighbours = new Hypergeometric(n, corrupt, k);
  const survivingNeighbours = new Hypergeometric(n, survivors, k);
  // t1: P[# corrupt neighbours > t1] <= 2^-(sigma+1) / n.
  let t1 = corruptNeighbours.quantile(2 ** -perEventBits / n, true);
  // t2: P[# surviving neighbours <= t2] >= 2^-eta / n (rounded up when just short).
  const correctnessTarget = 2 ** -s.correctnessBits / n;
  let t2 = survivingNeighbours.quantile(correctnessTarget);
  if (survivingNeighbours.cdf(t2) < correctnessTarget) t2 += 1;
  // Semi-malicious: also 2t - k must exceed the corrupt count, so t1 + 1 >= (t1 + k + 1/2) / 2.
  if (s.semiMalicious) t1 = Math.ceil((t1 + k - 1.25) / 2);
  if (t2 <= t1) return null;
  return Math.max(t1 + 1, 2);
}

/** First even degree 2, 4, ... < n - 1 that works, with its threshold; null if none. */
export function searchHarary(s: HararySearch): { degree: number; threshold: number } | null {
  for (let k = 2; k < s.clients - 1; k += 2) {
    const threshold = thresholdForDegree(s, k);
    if (threshold !== null) return { degree: k, threshold };
  }
  return null;
}

/**
 * Per-step RDP of the two distributed mechanisms whose noise is added by the clients themselves
 * and summed under secure aggregation:
 *
 * - distributed discrete Gaussian: Kairouz, Liu, Steinke, "The Distributed Discrete Gaussian
 *   Mechanism for Federated Learning with Secure Aggregation", ICML 2021 (Theorem 1 / its RDP
 *   form): n clients each add N_Z(0, s^2) per coordinate, with
 *   tau = 10 * sum_{k=1}^{n-1} exp(-2 pi^2 s^2 k / (k + 1)), D2 = Delta2 / (sqrt(n) s),
 *   D1 = Delta1 / (sqrt(n) s), dimension d:
 *   eps(alpha) = min{ alpha D2^2 / 2 + tau d, (alpha / 2)(D2^2 + 2 D1 tau + tau^2 d),
 *                     (alpha / 2)(D2 + tau sqrt(d))^2 }.
 *   Convention: tau has n - 1 terms (k = 1..n-1), so a single client (n = 1) gives tau = 0 and
 *   the bound reduces to the discrete Gaussian's alpha Delta2^2 / (2 s^2). The theorem assumes
 *   s >= 1/2; below that we return Infinity (no finite bound is claimed).
 * - Skellam: Agarwal, Kairouz, Liu, "The Skellam Mechanism for Differentially Private Federated
 *   Learning", NeurIPS 2021: with mu = clients * localVariance the total variance in integer
 *   units, eps(alpha) = alpha Delta2^2 / (2 mu) + min(((2 alpha - 1) Delta2^2 + 6 Delta1) /
 *   (4 mu^2), 3 Delta1 / (2 mu)). The bound is stated for integer orders; at a fractional order we
 *   return the bound at ceil(alpha), which is valid because Renyi divergence is non-decreasing in
 *   the order (conservative by at most one order's worth).
 *
 * Contract (shared with src/dp/rdp.ts): per-step RDP at `order` (> 1) for ONE release of the
 * summed noise, with the sensitivities exactly as in the event; a finite number >= 0 or Infinity.
 * @module
 */
import { SecAggError } from '../errors.js';
import type { DistributedDiscreteGaussianEvent, SkellamEvent } from './events.js';

/** Terms of tau summed one by one; beyond this the (decreasing) tail is bounded by its first term. */
const TAU_EXACT_TERMS = 1_000_000;

const tauCache = new WeakMap<object, number>();

function checkOrder(order: number): void {
  if (typeof order !== 'number' || Number.isNaN(order) || !(order > 1) || order === Infinity) {
    throw new SecAggError('OUT_OF_RANGE', `order must be a finite number > 1, got ${String(order)}`);
  }
}

/**
 * tau of KLS 2021 for `clients` clients each adding N_Z(0, sigma^2): 10 * sum_{k=1}^{n-1}
 * exp(-2 pi^2 sigma^2 k / (k + 1)). For n - 1 > 10^6 the terms past the millionth are bounded
 * above by the millionth (the summand decreases in k), so the value is an upper bound there.
 */
export function _ddgTau(clients: number, sigma: number): number {
  const c = 2 * Math.PI * Math.PI * sigma * sigma;
  const last = clients - 1;
  const exactTo = Math.min(last, TAU_EXACT_TERMS);
  let sum = 0;
  for (let k = 1; k <= exactTo; k++) sum += Math.exp((-c * k) / (k + 1));
  if (last > exactTo) sum += (last - exactTo) * Math.exp((-c * exactTo) / (exactTo + 1));
  return 10 * sum;
}

/**
 * Per-step RDP at `order` of the distributed discrete Gaussian (KLS 2021) described by `event`:
 * `clients` (the minimum number of clients whose noise is in the sum), `localSigma`,
 * `l2Sensitivity`, `l1Sensitivity`, `dimension`, all in integer units.
 *
 * @returns eps(alpha) >= 0, or Infinity when localSigma < 1/2 (outside the theorem).
 * @throws {SecAggError} `OUT_OF_RANGE` when `order` is not a finite number > 1.
 * @example
 * ```ts
 * const e = distributedDiscreteGaussianEvent({ clients: 100, localSigma: 10, l2Sensitivity: 500,
 *   l1Sensitivity: 5000, dimension: 1000 });
 * distributedDiscreteGaussianRdp(e, 8);
 * ```
 */
export function distributedDiscreteGaussianRdp(
  event: DistributedDiscreteGaussianEvent,
  order: number,
): number {
  checkOrder(order);
  const { clients: n, localSigma: s, l2Sensitivity, l1Sensitivity, dimension: d } = event;
  if (!(s >= 0.5)) return Infinity;
  let tau = tauCache.get(event);
  if (tau === undefined) {
    tau = _ddgTau(n, s);
    tauCache.set(event, tau);
  }
  const scale = Math.sqrt(n) * s;
  const d2 = l2Sensitivity / scale;
  const d1 = l1Sensitivity / scale;
  const a = order;
  const first = (a * d2 * d2) / 2 + tau * d;
  const second = (a / 2) * (d2 * d2 + 2 * d1 * tau + tau * tau * d);
  const root = d2 + tau * Math.sqrt(d);
  const third = (a / 2) * root * root;
  const eps = Math.min(first, second, third);
  return Number.isNaN(eps) ? Infinity : eps;
}

/**
 * Per-step RDP at `order` of the distributed Skellam mechanism (AKL 2021) described by `event`:
 * mu = clients * localVariance (total variance of the summed Sk(lambda, lambda) noise, integer
 * units). Fractional orders use the bound at ceil(order) (see the module comment).
 *
 * @returns eps(alpha) >= 0.
 * @throws {SecAggError} `OUT_OF_RANGE` when `order` is not a finite number > 1.
 * @example
 * ```ts
 * const e = skellamEvent({ clients: 100, localVariance: 50, l2Sensitivity: 1000, l1Sensitivity: 30000 });
 * skellamRdp(e, 8);
 * ```
 */
export function skellamRdp(event: SkellamEvent, order: number): number {
  checkOrder(order);
  const a = Math.ceil(order);
  const mu = event.clients * event.localVariance;
  const d2 = event.l2Sensitivity;
  const d1 = event.l1Sensitivity;
  const eps =
    (a * d2 * d2) / (2 * mu) +
    Math.min(((2 * a - 1) * d2 * d2 + 6 * d1) / (4 * mu * mu), (3 * d1) / (2 * mu));
  return Number.isNaN(eps) ? Infinity : eps;
}

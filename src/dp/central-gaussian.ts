/**
 * Central DP for a trusted server (DP-FedAvg, McMahan, Ramage, Talwar, Zhang, ICLR 2018): the
 * clients only clip, scale and round (no noise) before secure aggregation; the server adds
 * Gaussian noise of stddev z c to the released sum. For comparison with distributed noise, and
 * for deployments without it.
 *
 * The noise is the exact discrete Gaussian N_Z(0, noiseVariance) of Canonne, Kamath, Steinke
 * (NeurIPS 2020), drawn from the CSPRNG on the integer sum before it is scaled back: every
 * sampling decision is made in integer arithmetic, so none of the floating-point attacks on
 * textbook Gaussian samplers (Mironov, CCS 2012; Jin et al., S&P 2022: the set of doubles a
 * Box-Muller sampler can output depends on the value it was added to) applies. Its accounting is
 * the discrete Gaussian's: (Delta^2 / (2 sigma^2))-zCDP, the continuous Gaussian's RDP curve,
 * with Delta the L2 sensitivity after rounding. The RDP accountant takes it; the PLD accountant
 * refuses it (its discrete Gaussian PLD is for scalar integer queries).
 * @module
 */
import type { CentralGaussianPlan } from './dp-plan.js';
import { _parsePlannerOptions, _plan, type DpPlanOptionsCommon } from './_planner.js';

/** Options of {@link planCentralGaussian}. */
export interface CentralGaussianOptions extends DpPlanOptionsCommon {
  /** Fewest clients a released sum may hold, integer in [1, clients]; default 1. */
  readonly minClients?: number;
}

/**
 * Plans central DP over secure aggregation: the clients' encodings carry no noise; the trusted
 * server's {@link decodeServerSum} adds exact discrete Gaussian noise of variance
 * `noiseVariance` >= (z c scale)^2 (integer units) to every coordinate of the sum. The scale is
 * the largest for which a sum of `clients` encodings cannot wrap (no noise in the modular sum),
 * capped so that the noise variance stays within 2^52. With `target`, z is calibrated for the
 * run under the RDP accountant. Adaptive clipping adds a +-1 element per client whose sum the
 * server noises with N_Z(0, (2 countStddev)^2) when it decodes the fraction.
 *
 * @param options see {@link CentralGaussianOptions} (ranges as planDistributedNoise).
 * @returns a frozen, plain {@link CentralGaussianPlan}.
 * @throws {SecAggError} `MODULUS_TOO_SMALL` (no scale fits), `OUT_OF_RANGE` (a given scale's noise
 *   variance beyond 2^52), `CALIBRATION_FAILED`, `INVALID_BITS`, `INVALID_TYPE`, `OUT_OF_RANGE`,
 *   `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * const plan = planCentralGaussian({ clipNorm: 0.5, dimension: 10_000, clients: 100, bits: 32,
 *   noiseMultiplier: 1, adaptiveClipping: { targetQuantile: 0.5 } });
 * ```
 */
export function planCentralGaussian(options: CentralGaussianOptions): CentralGaussianPlan {
  return _plan(_parsePlannerOptions(options, 'central', [])) as CentralGaussianPlan;
}

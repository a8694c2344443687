/**
 * Adaptive clipping (Andrew, Thakkar, McMahan, Ramaswamy, "Differentially Private Learning with
 * Adaptive Clipping", NeurIPS 2021), geometric update: every client appends one element to its
 * encoding, +countScale when its update's L2 norm is at most the clip norm C and -countScale
 * otherwise (the bit b shifted to b - 1/2, so one client moves the count by 1/2 of a client:
 * sensitivity 1/2, as the paper), noised like the update (its own noise: local under distributed
 * DP, the server's under central DP) and summed under secure aggregation with it. The server reads
 * the noisy fraction of unclipped clients b_bar and moves the clip toward the target quantile
 * gamma: C <- C exp(-eta (b_bar - gamma)).
 *
 * The count is a second release of the same clients in the same round: its event is composed with
 * the update's, and `dpEventForRound` returns the composition, which a ledger records as the
 * round's one event. For Gaussian noise the pair is a Gaussian of noise multiplier
 * (z^-2 + (2 sigma_b)^-2)^-1/2 (TFF's adaptive_clip_noise_params solves this for z).
 * @module
 */
import { assertNumber, assertOptions, assertInteger } from '../_assert.js';
import { SecAggError } from '../errors.js';
import type { RandomBytes } from '../random.js';
import { _rngOption } from './discrete-gaussian.js';
import { _shapeOf, type DpPlan } from './dp-plan.js';
import { validateDpPlan } from './plan-validate.js';
import { bitReader, centredSum, noiseSampler } from './_codec.js';
import { _planFromShape } from './_planner.js';

function adaptivePlan(plan: DpPlan): DpPlan & { adaptiveClipping: NonNullable<DpPlan['adaptiveClipping']> } {
  const p = validateDpPlan(plan);
  if (p.adaptiveClipping === null) {
    throw new SecAggError('INVALID_PLAN', 'the plan has no adaptive clipping (plan it with options.adaptiveClipping)');
  }
  return p as DpPlan & { adaptiveClipping: NonNullable<DpPlan['adaptiveClipping']> };
}

/**
 * Server side: the noisy fraction b_bar in [0, 1] of the `count` summed clients whose update norm
 * was at most the plan's clip norm, read from the count element (the last one) of the sum. Under
 * a central plan the server's noise N_Z(0, countVariance) is drawn here, fresh on every call:
 * each call is a release (call it once per round). Clamped to [0, 1] (as TFF).
 *
 * @param sum the unmasked sum, plan.vectorLength elements below 2^bits.
 * @param plan a DP plan with adaptive clipping.
 * @param options.count clients summed, integer in [minClients, clients]; options.rng for the
 *   central noise (default: the platform CSPRNG).
 * @throws {SecAggError} `INVALID_PLAN` (no adaptive clipping, or a bad plan), `INVALID_TYPE`,
 *   `LENGTH_MISMATCH`, `ELEMENT_OUT_OF_RANGE`, `OUT_OF_RANGE`, `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * const fraction = decodeUnclippedFraction(unmaskedSum, plan, { count: survivors });
 * const next = adaptClipNorm(plan, { unclippedFraction: fraction }); // next round's plan
 * ```
 */
export function decodeUnclippedFraction(sum: Uint32Array, plan: DpPlan, options: { count: number; rng?: RandomBytes }): number {
  const p = adaptivePlan(plan);
  const s = centredSum(sum, p);
  if (options === undefined) throw new SecAggError('INVALID_TYPE', 'options must be an object with a count, got undefined');
  const o = assertOptions<{ count?: unknown; rng?: unknown }>(options, 'options', ['count', 'rng']);
  const count = assertInteger(o.count, 'options.count', p.minClients, p.clients);
  const rng = _rngOption(o.rng);
  const a = p.adaptiveClipping;
  let t = s[p.paddedDimension] as number;
  if (p.kind === 'centralGaussian') t += noiseSampler('discreteGaussian', a.countVariance)(bitReader(rng));
  // t / countScale = (unclipped) - (clipped) = 2 B - count.
  const fraction = (t / a.countScale + count) / (2 * count);
  return Math.min(1, Math.max(0, fraction));
}

/**
 * The next round's plan under adaptive clipping: the same plan with clip norm
 * C exp(-eta (unclippedFraction - gamma)) (geometric update of Andrew et al. 2021), every derived
 * field recomputed at that clip (the scale is searched again; the noise multiplier, relative to
 * the clip, is kept, so the noise follows the clip).
 *
 * @param plan a DP plan with adaptive clipping.
 * @param options.unclippedFraction the released b_bar in [0, 1] (from decodeUnclippedFraction).
 * @returns a new plan (record each round's own event with dpEventForRound).
 * @throws {SecAggError} `INVALID_PLAN`, `OUT_OF_RANGE`, `INVALID_TYPE`, `UNKNOWN_OPTION`;
 *   `MODULUS_TOO_SMALL` if the new clip cannot be planned at these bits.
 * @example
 * ```ts
 * plan = adaptClipNorm(plan, { unclippedFraction: 0.7 }); // clip shrinks by exp(-0.2 * 0.2)
 * ```
 */
export function adaptClipNorm(plan: DpPlan, options: { unclippedFraction: number }): DpPlan {
  const p = adaptivePlan(plan);
  if (options === undefined) throw new SecAggError('INVALID_TYPE', 'options must be an object, got undefined');
  const o = assertOptions<{ unclippedFraction?: unknown }>(options, 'options', ['unclippedFraction']);
  const b = assertNumber(o.unclippedFraction, 'options.unclippedFraction', 0, 1);
  const a = p.adaptiveClipping;
  const clipNorm = p.clipNorm * Math.exp(-a.learningRate * (b - a.targetQuantile));
  if (!(clipNorm > 0 && clipNorm <= 1e150)) {
    throw new SecAggError('OUT_OF_RANGE', `the adapted clip norm ${clipNorm} is outside (0, 1e150]`);
  }
  return _planFromShape({ ..._shapeOf(p), clipNorm }, undefined);
}

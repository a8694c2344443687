/**
 * secagg/dp: public face of src/dp. Only what is exported here is API.
 * A plain list of re-exports, grouped by area; each area adds its own group.
 * @module
 */

// Events (the shared vocabulary of every accountant)
export {
  gaussianEvent,
  poissonSampledEvent,
  selfComposedEvent,
  composedEvent,
  discreteGaussianEvent,
  distributedDiscreteGaussianEvent,
  skellamEvent,
  noOpEvent,
  validateEvent,
  type DpEvent,
  type DpEventKind,
  type GaussianEvent,
  type PoissonSampledEvent,
  type SelfComposedEvent,
  type ComposedEvent,
  type DiscreteGaussianEvent,
  type DistributedDiscreteGaussianEvent,
  type SkellamEvent,
  type NoOpEvent,
} from './events.js';

// Accountant contract
export type { PrivacyAccountant, NeighboringRelation } from './accountant.js';

// RDP accountant
export {
  RdpAccountant,
  DEFAULT_RDP_ORDERS,
  type RdpAccountantOptions,
  type RdpConversion,
  type RdpEpsilon,
  type RdpDelta,
  type DroppedOrder,
} from './rdp.js';

// Calibration and closed-form conversions
export { calibrateNoiseMultiplier, type CalibrateOptions, type AccountantName } from './calibrate.js';
export { analyticGaussianSigma, analyticGaussianDelta, analyticGaussianEpsilon } from './analytic-gaussian.js';
export { zcdpToApproxDp, zcdpDelta, approxDpToZcdp } from './zcdp.js';

// PLD accountant (privacy loss distributions, FFT composition)
export { PldAccountant, type PldAccountantOptions, type PldGridInfo } from './pld/index.js';

// Distributed DP for secure aggregation: exact samplers, RDP of the summed noise
export { sampleDiscreteGaussian } from './discrete-gaussian.js';
export { sampleSkellam } from './skellam.js';
export { distributedDiscreteGaussianRdp, skellamRdp } from './distributed-rdp.js';

// DP mechanisms around secure aggregation: plain-data plans (distributed noise with optional
// rotation, central Gaussian, adaptive clipping), the client encoding and server decoding, and
// the per-round event (docs/dp-mechanisms.md)
export {
  DP_PLAN_VERSION,
  type DpPlan,
  type DpPlanKind,
  type DpPlanCommon,
  type DistributedNoisePlan,
  type CentralGaussianPlan,
  type AdaptiveClippingPlan,
  type DistributedMechanism,
  type DpRotation,
} from './dp-plan.js';
export { validateDpPlan, dpEventForRound } from './plan-validate.js';
export type { DpPlanOptionsCommon, DpPlanTarget, AdaptiveClippingOptions } from './_planner.js';
export {
  planDistributedNoise,
  encodeClientUpdate,
  decodeServerSum,
  type DistributedNoiseOptions,
  type EncodeClientUpdateOptions,
  type DecodeServerSumOptions,
} from './distributed-pipeline.js';
export { planCentralGaussian, type CentralGaussianOptions } from './central-gaussian.js';
export { decodeUnclippedFraction, adaptClipNorm } from './adaptive-clipping.js';

// Accounting for federated training (issue 17): fixed-size cohorts (sampling without
// replacement, substitution), the PRV accountant, and the privacy ledger of a training run
export { sampledWithoutReplacementEvent, type SampledWithoutReplacementEvent } from './events.js';
export {
  PrvAccountant,
  type PrvAccountantOptions,
  type PrvEpsilonBounds,
  type PrvDeltaBounds,
} from './prv/index.js';
export {
  PrivacyLedger,
  MAX_LEDGER_ENTRIES,
  type PrivacyLedgerOptions,
  type LedgerSampling,
  type LedgerBudget,
  type LedgerRound,
  type LedgerEpsilon,
  type LedgerAccountant,
  type LedgerJson,
} from './ledger.js';

/**
 * Privacy random variable (PRV) accounting for secagg/dp: {@link PrvAccountant}, epsilon with
 * certified error bounds (Gopi, Lee, Wutschitz 2021), same interface as the other accountants.
 * @module
 */
export {
  PrvAccountant,
  type PrvAccountantOptions,
  type PrvEpsilonBounds,
  type PrvDeltaBounds,
} from './accountant.js';

/**
 * Privacy loss distribution (PLD) accounting for secagg/dp: {@link PldAccountant}, a tight
 * accountant with the same interface as the RDP accountant.
 * @module
 */
export { PldAccountant, type PldAccountantOptions, type PldGridInfo } from './accountant.js';

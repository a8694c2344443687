/**
 * Flattening of an event tree into the base mechanisms ("leaves") that the distribution-based
 * accountants (PLD, PRV) discretise, with their multiplicities. Shared so that both accountants
 * accept and refuse exactly the same trees for the same reasons.
 * @module
 */
import { SecAggError } from '../../errors.js';
import { sensitivityFactor, type NeighboringRelation } from '../accountant.js';
import type { DpEvent } from '../events.js';
import { gaussianInverseVariance } from '../_gaussian-equivalent.js';
import { discreteGaussianAtoms, MAX_DISCRETE_ATOMS } from './_mechanisms.js';

/**
 * One base mechanism with its sensitivity already scaled for the relation (Gaussian: noise
 * multiplier sigma for sensitivity 1; discrete Gaussian: scale sigma and integer sensitivity s).
 * `q` is the sampling fraction (1: no sampling); `wor` marks fixed-size sampling without
 * replacement (substitution), whose dominating pair is symmetric (see `_mechanisms.ts`).
 */
export type Leaf =
  | { readonly kind: 'gaussian'; readonly sigma: number; readonly q: number; readonly wor: boolean }
  | {
      readonly kind: 'discreteGaussian';
      readonly sigma: number;
      readonly s: number;
      readonly q: number;
      readonly wor: boolean;
    };

/** Stable key of a leaf (equal keys = the same mechanism). */
export function leafKey(leaf: Leaf): string {
  const tag = leaf.wor ? 'w' : 'p';
  return leaf.kind === 'gaussian' ? `g:${leaf.sigma}:${leaf.q}:${tag}` : `dg:${leaf.sigma}:${leaf.s}:${leaf.q}:${tag}`;
}

/** True when the leaf's two adjacency directions have the same PLD (no Poisson sampling). */
export function isSymmetric(leaf: Leaf): boolean {
  return leaf.q === 1 || leaf.wor;
}

/** What a flattening accepts, and the accountant name used in refusals. */
export interface FlattenOptions {
  readonly relation: NeighboringRelation;
  readonly name: string;
  readonly discreteGaussian: boolean;
}

function unsupported(name: string, message: string): never {
  throw new SecAggError('UNSUPPORTED_EVENT', `${name}: ${message}`);
}

/** The unsampled leaf of a sampled event's inner tree (undefined: the inner tree is a no-op). */
function innerLeaf(inner: DpEvent, options: FlattenOptions, sampling: string): Leaf | undefined {
  const factor = sensitivityFactor(options.relation);
  const invVar = gaussianInverseVariance(inner);
  if (invVar !== undefined) {
    return invVar === 0 ? undefined : { kind: 'gaussian', sigma: 1 / Math.sqrt(invVar) / factor, q: 1, wor: false };
  }
  if (inner.kind === 'discreteGaussian' && options.discreteGaussian) {
    const sub: [Leaf, number][] = [];
    flattenEvent(inner, 1, sub, options);
    return sub[0]?.[0];
  }
  if (inner.kind === 'poissonSampled' || inner.kind === 'sampledWithoutReplacement') {
    unsupported(options.name, 'nested sampling is not supported');
  }
  return unsupported(options.name, `${sampling} of a "${inner.kind}" event is not supported`);
}

/**
 * Appends (leaf, multiplicity) pairs for `event` to `out`.
 * @throws SecAggError `UNSUPPORTED_EVENT`, `OUT_OF_RANGE` (nested counts beyond 2^53 - 1).
 */
export function flattenEvent(event: DpEvent, mult: number, out: [Leaf, number][], options: FlattenOptions): void {
  const { name, relation } = options;
  const factor = sensitivityFactor(relation);
  switch (event.kind) {
    case 'noOp':
      return;
    case 'gaussian':
      if (mult > 0) out.push([{ kind: 'gaussian', sigma: event.noiseMultiplier / factor, q: 1, wor: false }, mult]);
      return;
    case 'discreteGaussian': {
      if (!options.discreteGaussian) unsupported(name, 'no privacy loss distribution for "discreteGaussian" here (use the PLD accountant)');
      const s = event.sensitivity * factor;
      if (!Number.isSafeInteger(s)) {
        unsupported(name, 'the discrete Gaussian PLD needs an integer sensitivity (a scalar integer query)');
      }
      if (discreteGaussianAtoms(event.sigma, s) > MAX_DISCRETE_ATOMS) {
        unsupported(name, `discrete Gaussian too wide to enumerate (sigma ${event.sigma}, sensitivity ${s})`);
      }
      if (mult > 0) out.push([{ kind: 'discreteGaussian', sigma: event.sigma, s, q: 1, wor: false }, mult]);
      return;
    }
    case 'selfComposed': {
      const m = mult * event.count;
      if (!Number.isSafeInteger(m)) {
        throw new SecAggError('OUT_OF_RANGE', `${name}: nested composition count exceeds 2^53 - 1`);
      }
      flattenEvent(event.event, m, out, options);
      return;
    }
    case 'composed':
      for (const e of event.events) flattenEvent(e, mult, out, options);
      return;
    case 'poissonSampled': {
      if (relation !== 'addOrRemoveOne') unsupported(name, `Poisson subsampling is analysed under 'addOrRemoveOne' only`);
      const leaf = innerLeaf(event.event, options, 'Poisson subsampling');
      const q = event.samplingRate;
      if (leaf === undefined || q === 0 || mult === 0) return;
      out.push([{ ...leaf, q }, mult]);
      return;
    }
    case 'sampledWithoutReplacement': {
      if (relation !== 'replaceOne') {
        unsupported(name, `sampling without replacement is analysed under 'replaceOne' (substitution) only`);
      }
      const leaf = innerLeaf(event.event, options, 'sampling without replacement');
      if (leaf === undefined || event.sampleSize === 0 || mult === 0) return;
      const q = event.sampleSize / event.populationSize;
      // The whole population sampled: the inner mechanism itself.
      out.push([q === 1 ? leaf : { ...leaf, q, wor: true }, mult]);
      return;
    }
    case 'distributedDiscreteGaussian':
    case 'skellam':
      unsupported(name, `no privacy loss distribution for "${event.kind}" (use the RDP accountant)`);
      return;
    default:
      unsupported(name, 'unknown event kind');
  }
}

/** A base mechanism and how many times it is composed: one entry of an accountant's ledger. */
export interface LedgerEntry {
  readonly leaf: Leaf;
  count: number;
}

/**
 * The ledger's total for each of `leaves` after `n` more compositions, every total checked
 * before the caller records anything ({@link recordTotals}).
 * @throws SecAggError `OUT_OF_RANGE` (`${name}: ...`) for a total beyond 2^53 - 1.
 */
export function totalsAfter(ledger: ReadonlyMap<string, LedgerEntry>, leaves: readonly [Leaf, number][], n: number, name: string): Map<string, number> {
  const totals = new Map<string, number>();
  for (const [leaf, c] of leaves) {
    const key = leafKey(leaf);
    const add = c * n;
    const t = (totals.get(key) ?? ledger.get(key)?.count ?? 0) + add;
    if (!Number.isSafeInteger(add) || !Number.isSafeInteger(t)) {
      throw new SecAggError('OUT_OF_RANGE', `${name}: total composition count exceeds 2^53 - 1`);
    }
    totals.set(key, t);
  }
  return totals;
}

/** Records the totals {@link totalsAfter} checked. */
export function recordTotals(ledger: Map<string, LedgerEntry>, leaves: readonly [Leaf, number][], totals: ReadonlyMap<string, number>): void {
  for (const [leaf] of leaves) {
    const key = leafKey(leaf);
    const entry = ledger.get(key);
    const t = totals.get(key) as number;
    if (entry === undefined) ledger.set(key, { leaf, count: t });
    else entry.count = t;
  }
}

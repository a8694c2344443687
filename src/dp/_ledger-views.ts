/**
 * The accounting behind one view of a privacy ledger (internal): a running composition that can
 * also answer "what would epsilon be with one more event?" without recording it.
 *
 * - RDP: the ledger keeps the RDP vector itself (each distinct event's curve computed once), so
 *   a trial is one vector addition and a conversion.
 * - PLD / PRV: the accountants only record events until queried, so a trial is a fresh
 *   accountant fed the distinct events with their counts; when the trial is then recorded, that
 *   accountant (with its cached distributions) becomes the current one.
 * @module
 */
import type { NeighboringRelation } from './accountant.js';
import type { DpEvent } from './events.js';
import { DEFAULT_RDP_ORDERS, RdpAccountant, epsilonFromRdp } from './rdp.js';
import { PldAccountant } from './pld/index.js';
import { PrvAccountant, type PrvEpsilonBounds } from './prv/index.js';

/** Accountants a ledger can run. */
export type LedgerAccountant = 'rdp' | 'pld' | 'prv';

/** One view's running composition. */
export interface View {
  /** Epsilon at `delta` of everything recorded, plus `trial` once when given. */
  epsilon(delta: number, trial?: DpEvent): number;
  /** Records `count` compositions of `event` (already checked by a trial or by the caller). */
  add(event: DpEvent, count: number): void;
  /** PRV only: the bounds behind `epsilon`. */
  bounds(delta: number): PrvEpsilonBounds | undefined;
}

class RdpView implements View {
  /** Each distinct event's curve and count, in first-seen order (sums are then reproducible). */
  readonly #entries = new Map<string, { curve: Float64Array; count: number }>();

  constructor(readonly relation: NeighboringRelation) {}

  #curve(event: DpEvent): { key: string; curve: Float64Array } {
    const key = JSON.stringify(event);
    const hit = this.#entries.get(key);
    if (hit !== undefined) return { key, curve: hit.curve };
    return { key, curve: new RdpAccountant({ neighboringRelation: this.relation }).compose(event).rdp };
  }

  epsilon(delta: number, trial?: DpEvent): number {
    const t = trial === undefined ? undefined : this.#curve(trial);
    const rdp = new Float64Array(DEFAULT_RDP_ORDERS.length);
    const accumulate = (curve: Float64Array, count: number): void => {
      for (let i = 0; i < rdp.length; i++) rdp[i] = (rdp[i] as number) + count * (curve[i] as number);
    };
    for (const [key, { curve, count }] of this.#entries) accumulate(curve, key === t?.key ? count + 1 : count);
    if (t !== undefined && !this.#entries.has(t.key)) accumulate(t.curve, 1);
    return epsilonFromRdp(DEFAULT_RDP_ORDERS, rdp, delta, 'improved').epsilon;
  }

  add(event: DpEvent, count: number): void {
    const { key, curve } = this.#curve(event);
    const entry = this.#entries.get(key);
    if (entry === undefined) this.#entries.set(key, { curve, count });
    else entry.count += count;
  }

  bounds(): undefined {
    return undefined;
  }
}

class DistributionView implements View {
  readonly #entries = new Map<string, { event: DpEvent; count: number }>();
  #current: PldAccountant | PrvAccountant | undefined;
  #trial: { key: string; accountant: PldAccountant | PrvAccountant } | undefined;

  constructor(
    readonly kind: 'pld' | 'prv',
    readonly relation: NeighboringRelation,
  ) {}

  #fresh(): PldAccountant | PrvAccountant {
    const acc =
      this.kind === 'pld'
        ? new PldAccountant({ neighboringRelation: this.relation })
        : new PrvAccountant({ neighboringRelation: this.relation });
    for (const { event, count } of this.#entries.values()) acc.compose(event, count);
    return acc;
  }

  #accountant(): PldAccountant | PrvAccountant {
    this.#current ??= this.#fresh();
    return this.#current;
  }

  epsilon(delta: number, trial?: DpEvent): number {
    if (trial === undefined) return this.#accountant().getEpsilon(delta);
    const acc = this.#fresh().compose(trial);
    this.#trial = { key: JSON.stringify(trial), accountant: acc };
    return acc.getEpsilon(delta);
  }

  add(event: DpEvent, count: number): void {
    const key = JSON.stringify(event);
    const entry = this.#entries.get(key);
    if (entry === undefined) this.#entries.set(key, { event, count });
    else entry.count += count;
    // A trial of exactly this one event becomes the current accountant; anything else rebuilds.
    this.#current = this.#trial !== undefined && this.#trial.key === key && count === 1 ? this.#trial.accountant : undefined;
    this.#trial = undefined;
  }

  bounds(delta: number): PrvEpsilonBounds | undefined {
    const acc = this.#accountant();
    return acc instanceof PrvAccountant ? acc.getEpsilonBounds(delta) : undefined;
  }
}

/** A fresh view for `accountant` under `relation`. */
export function createView(accountant: LedgerAccountant, relation: NeighboringRelation): View {
  return accountant === 'rdp' ? new RdpView(relation) : new DistributionView(accountant, relation);
}

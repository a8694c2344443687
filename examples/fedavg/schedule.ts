/**
 * Who takes part in each round, drawn once and shared by every arm of the comparison: a cohort
 * of exactly m of the N clients, without replacement (what the ledger's fixed-size sampling
 * accounts), and, inside it, the clients that drop out and in which protocol round. The
 * secure-aggregation session of the round gets the cohort as clients 1..m and the dropouts as
 * its explicit schedule, so the example knows beforehand whose updates the sum will hold and
 * checks that the session agrees.
 */
import { createHash } from 'node:crypto';
import type { DropoutRound } from '../../src/simulate/index.js';
import type { Random } from './random.js';

/** The passive variant's rounds in which a client can stop sending. */
const DROP_ROUNDS: readonly DropoutRound[] = ['advertiseKeys', 'shareKeys', 'maskedInputCollection', 'unmasking'];

export interface RoundPlan {
  /** 1-based. */
  readonly round: number;
  /** Population indices of the cohort; cohort[i] is client i + 1 of the round's session. */
  readonly cohort: readonly number[];
  /** Session client ids that stop in each round. */
  readonly dropouts: Readonly<Partial<Record<DropoutRound, readonly number[]>>>;
  /** Session ids whose updates are in the sum: those that sent their masked input. */
  readonly included: readonly number[];
  /** Whether enough clients stay to the end (at least `threshold` answer the unmasking). */
  readonly completes: boolean;
  /**
   * 32 public bytes, different in every round: the simulation's seed and the DP plan's `round`
   * value (the rotation's signs). A deployment would pass the session id.
   */
  readonly roundValue: Uint8Array;
}

export interface ScheduleOptions {
  readonly rounds: number;
  readonly population: number;
  readonly cohort: number;
  readonly threshold: number;
  /** Probability that a cohort client drops, at a protocol round drawn uniformly. */
  readonly dropout: number;
}

/**
 * Every round's cohort and dropouts. `rng` should be the CSPRNG: the release epsilon assumes the
 * cohort is unknown to whoever sees only the models.
 */
export function drawSchedule(o: ScheduleOptions, rng: Random, runId: string): RoundPlan[] {
  const plans: RoundPlan[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    const cohort = rng.sample(o.population, o.cohort);
    const dropouts: Partial<Record<DropoutRound, number[]>> = {};
    const included: number[] = [];
    let dropped = 0;
    for (let id = 1; id <= o.cohort; id++) {
      if (rng.float() < o.dropout) {
        const at = DROP_ROUNDS[rng.int(DROP_ROUNDS.length)] as DropoutRound;
        (dropouts[at] ??= []).push(id);
        dropped++;
        // A client that stops only in the unmasking round has already sent its masked input.
        if (at === 'unmasking') included.push(id);
      } else {
        included.push(id);
      }
    }
    const roundValue = new Uint8Array(createHash('sha256').update(`secagg/example/fedavg/round/${runId}/${round}`).digest());
    plans.push({ round, cohort, dropouts, included, completes: o.cohort - dropped >= o.threshold, roundValue });
  }
  return plans;
}

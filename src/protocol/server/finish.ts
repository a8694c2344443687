/**
 * The unmasking close: the server rebuilds the survivors' self-mask seeds and the dropped
 * clients' masking keys from the revealed shares, removes their masks from the running sums and
 * completes with the sum of the survivors' inputs. It runs the plan of ./unmasking.ts on this
 * thread, job after job: the one code path that `serverCloseRoundAsync` and any other runner
 * share, so the synchronous and parallel closes cannot diverge.
 */
import type { Topology } from '../../graph/index.js';
import type { ResolvedOptions } from '../_common.js';
import type { ServerStep } from '../types.js';
import type { Live } from './_live.js';
import { applyUnmaskingResults, planKeys, type UnmaskingPlan } from './unmasking.js';
import { runUnmaskingJob } from './unmasking-jobs.js';

/** Closes `unmasking` (see `serverCloseRound`). */
export function finish(s: Live, topo: Topology, o: ResolvedOptions): ServerStep {
  const run = { rng: o.rng };
  let plan: UnmaskingPlan = planKeys(s, topo, { concurrency: 1, sliceLength: null, backend: o.backend ?? null });
  while (plan.stage !== 'done') plan = applyUnmaskingResults(plan, plan.jobs.map((job) => runUnmaskingJob(job, run)));
  return plan.step;
}

/**
 * secagg/workers (Node only): a pool of `node:worker_threads` that runs the server's unmasking
 * jobs, for `serverCloseRoundAsync` of `secagg/protocol`. Our own small pool (no runtime
 * dependency): `size` threads, one job each at a time, a crashed job retried once on another
 * thread, `close()` and an AbortSignal. Workers load the built job handler (dist/workers/worker.js).
 *
 * Secret material: a worker receives a structured-clone copy of a job (the shares of the secrets
 * it rebuilds, or the mask keys of its slice) and zeroes it after the job; its results (mask
 * keys, sums) are transferred back, not copied. The caller's copy of a job stays until the job
 * settles (the pool may retry it) and is wiped by the close that planned it.
 * @module
 */
import { defaultScript, startWorkerPool, type WorkerPool, type WorkerPoolOptions } from './_pool.js';

export type { WorkerPool, WorkerPoolOptions } from './_pool.js';

/**
 * Starts a pool of worker threads for the unmasking's jobs. Threads start at once (`ready()`
 * says when they are up) and do not keep the process alive while idle; `close()` ends them.
 *
 * @throws {SecAggError} `OUT_OF_RANGE` (size outside 1..256), `INVALID_TYPE`, `UNKNOWN_OPTION`,
 *   `UNSUPPORTED_ENVIRONMENT` (the built worker entry is missing). A worker that cannot start
 *   makes `ready()` and the jobs reject with `JOB_FAILED`.
 * @example
 * ```ts
 * import { createWorkerPool } from 'secagg/workers';
 * import { serverCloseRoundAsync } from 'secagg/protocol';
 *
 * const pool = createWorkerPool({ size: 2 });
 * await pool.ready();
 * const { state, outbox } = await serverCloseRoundAsync(server, { runner: pool });
 * await pool.close();
 * ```
 */
export function createWorkerPool(options?: WorkerPoolOptions): WorkerPool {
  return startWorkerPool(options, defaultScript());
}

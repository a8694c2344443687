/**
 * The asynchronous close: the same outcome as `serverCloseRound`, with the unmasking's jobs run
 * by an injected {@link JobRunner} (a worker pool from `secagg/workers`, a queue to other hosts,
 * or the inline runner), so the calling thread only plans and applies. The core has no threads:
 * the runner is the edge's.
 */
import { describeType } from '../../_assert.js';
import { SecAggError, isSecAggError } from '../../errors.js';
import type { RandomBytes } from '../../random.js';
import { readStepOptions, type StepOptions } from '../_common.js';
import { runPiecesPausing, type Pause } from '../_pieces.js';
import type { ServerState, ServerStep } from '../types.js';
import { take } from './_live.js';
import { closePieces } from './close.js';
import { abandonUnmasking, applyInPieces, startUnmasking, type UnmaskingPlan, type UnmaskingStage } from './unmasking.js';
import { runUnmaskingJob, wipeUnmaskingResult, type UnmaskingJob, type UnmaskingResult } from './unmasking-jobs.js';

/** Options of {@link JobRunner.run}. */
export interface JobRunOptions {
  /** Cancels the job: a runner rejects it (with a SecAggError `ABORTED`) as soon as it can. */
  readonly signal?: AbortSignal;
}

/**
 * Runs unmasking jobs somewhere: on this thread ({@link createInlineRunner}), on worker threads
 * (`createWorkerPool` of `secagg/workers`), or on other hosts. `run` resolves with the job's
 * result (what `runUnmaskingJob` returns for it) or rejects with a SecAggError; it must not
 * resolve with another job's result. The job is the caller's: a runner may keep it until the
 * promise settles (to retry it) and must not change it; the caller wipes it afterwards.
 */
export interface JobRunner {
  /** Runs one job; resolves with its result (what `runUnmaskingJob` gives), rejects with a SecAggError. */
  run(job: UnmaskingJob, options?: JobRunOptions): Promise<UnmaskingResult>;
  /** How many jobs it runs at once, 1..1024 (default 1): plans cut the work into that many pieces or more. */
  readonly concurrency?: number;
}

/** Options of {@link createInlineRunner}. */
export interface InlineRunnerOptions {
  /** Randomness for the check of extra shares (default: the platform CSPRNG). */
  readonly rng?: RandomBytes;
}

/**
 * A runner that runs each job on the calling thread when `run` is called (browsers without a
 * worker runner, small rounds, tests). A job blocks the thread for its whole duration.
 *
 * @throws {SecAggError} `UNKNOWN_OPTION`, `INVALID_TYPE` for a bad option.
 * @example
 * ```ts
 * const { state } = await serverCloseRoundAsync(server, { runner: createInlineRunner() });
 * ```
 */
export function createInlineRunner(options?: InlineRunnerOptions): JobRunner {
  const { rng } = readStepOptions(options, []);
  return {
    concurrency: 1,
    run(job: UnmaskingJob, runOptions?: JobRunOptions): Promise<UnmaskingResult> {
      try {
        if (runOptions?.signal?.aborted === true) throw new SecAggError('ABORTED', 'the job was cancelled before it ran');
        return Promise.resolve(runUnmaskingJob(job, { rng }));
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
}

/** Options of {@link serverCloseRoundAsync}. */
export interface CloseRoundAsyncOptions extends StepOptions {
  /** Runs the unmasking's jobs (default: {@link createInlineRunner}). */
  readonly runner?: JobRunner;
  /** Cancels the close: the server aborts (LOCAL_ABORT) and tells the clients. */
  readonly signal?: AbortSignal;
  /** Elements per slice of a vector in the masks jobs, 1..2^28 (default 2^18; see `unmaskingPlan`). */
  readonly sliceLength?: number;
  /**
   * Called between the close's pieces of work on the calling thread (each about one client's
   * worth: well under a millisecond at 500 clients); when it returns a promise, the close awaits
   * it first. The core keeps no timers: give one here to let an event loop turn, e.g. a
   * `setImmediate` once ~10 ms went by since the last turn. Default: no pause (each round's
   * close other than the unmasking then runs in one synchronous stretch). A pause that throws or
   * rejects is ignored: the close goes on.
   */
  readonly pause?: () => Promise<void> | undefined;
}

/**
 * Ends the current round like `serverCloseRound`, with the same outcome, but runs the unmasking
 * round's close as a plan of jobs on `runner` (the other rounds run the code of
 * `serverCloseRound`). On the calling thread it only plans and applies, in pieces of about one
 * client's work with `pause` called between them: give a pause that lets the event loop turn and
 * no stretch of the close blocks it for long (at 500 clients, milliseconds), while the runner
 * works. The outcome and outbox are the same whatever the runner, its concurrency, the slice
 * length or the pause.
 *
 * A job that the runner rejects (after its own retries: a worker pool retries a crashed job
 * once), a result that is not its job's, or an aborted `signal` ends the session: the promise
 * resolves with the aborted state (LOCAL_ABORT, the reason naming the error code) and the abort
 * message for the clients, never with a wrong sum, and the jobs' secrets are wiped (also those of
 * results that arrive late). Consumes `state`.
 *
 * @throws {SecAggError} (as a rejected promise, the state not consumed) `WRONG_ROUND` when the
 *   server completed or aborted, `STATE_CONSUMED`, `INVALID_TYPE` / `UNKNOWN_OPTION` /
 *   `OUT_OF_RANGE` for bad options (`pause` not a function: `INVALID_TYPE`).
 * @example
 * ```ts
 * const pool = createWorkerPool({ size: 2 });         // secagg/workers
 * const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
 * const { state, outbox } = await serverCloseRoundAsync(server, { runner: pool, pause: turn });
 * await pool.close();
 * ```
 */
export async function serverCloseRoundAsync(state: ServerState, options?: CloseRoundAsyncOptions): Promise<ServerStep> {
  const o = readStepOptions(options, ['runner', 'signal', 'sliceLength', 'pause']);
  const runner = readRunner(o['runner'], o.rng);
  const signal = readSignal(o['signal']);
  const pause = readPause(o['pause']);
  if (state === null || typeof state !== 'object' || state.round !== 'unmasking') {
    return runPiecesPausing(closePieces(take(state, 'serverCloseRound'), o), pause);
  }
  const sliceLength = o['sliceLength'];
  const concurrency = runner.concurrency ?? 1;
  const pieces = startUnmasking(
    state,
    {
      concurrency,
      ...(sliceLength === undefined ? {} : { sliceLength: sliceLength as number }),
      ...(o.backend === undefined ? {} : { backend: o.backend }),
    },
    'serverCloseRoundAsync',
  );
  let plan: UnmaskingPlan = await runPiecesPausing(pieces, pause);
  while (plan.stage !== 'done') {
    const current: UnmaskingStage = plan;
    let results: UnmaskingResult[] | undefined;
    try {
      results = await runStage(current.jobs, runner, concurrency, signal);
      plan = await runPiecesPausing(applyInPieces(current, results), pause);
    } catch (error) {
      for (const r of results ?? []) if (r !== null && typeof r === 'object') wipeUnmaskingResult(r);
      const code: string = isSecAggError(error) ? error.code : 'JOB_FAILED';
      const what = code === 'ABORTED' ? 'the close was cancelled' : `an unmasking job failed (${code})`;
      return abandonUnmasking(current, `${what} in stage ${current.stage}`).step;
    }
  }
  return plan.step;
}

function readRunner(runner: unknown, rng: RandomBytes): JobRunner {
  if (runner === undefined) return createInlineRunner({ rng });
  if (runner === null || typeof runner !== 'object' || typeof (runner as { run?: unknown }).run !== 'function') {
    throw new SecAggError('INVALID_TYPE', `options.runner must be a JobRunner (an object with run(job)), got ${describeType(runner)}`);
  }
  const c = (runner as { concurrency?: unknown }).concurrency;
  if (c !== undefined && (typeof c !== 'number' || !Number.isInteger(c) || c < 1 || c > 1024)) {
    throw new SecAggError('OUT_OF_RANGE', 'options.runner.concurrency must be an integer in 1..1024');
  }
  return runner as JobRunner;
}

function readPause(pause: unknown): Pause | undefined {
  if (pause === undefined) return undefined;
  if (typeof pause !== 'function') throw new SecAggError('INVALID_TYPE', `options.pause must be a function, got ${describeType(pause)}`);
  return pause as Pause;
}

function readSignal(signal: unknown): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (signal === null || typeof signal !== 'object' || typeof (signal as AbortSignal).aborted !== 'boolean' || typeof (signal as AbortSignal).addEventListener !== 'function') {
    throw new SecAggError('INVALID_TYPE', `options.signal must be an AbortSignal, got ${describeType(signal)}`);
  }
  return signal as AbortSignal;
}

/**
 * Runs a stage's jobs, keeping at most `concurrency + 1` in the runner's hands (so that a runner
 * that queues per thread still has one waiting on each, and the event loop turns while the runner
 * works). Rejects at the first failure or when `signal` aborts, cancelling the other jobs;
 * results that arrive after that are wiped as they come.
 */
async function runStage(
  jobs: readonly UnmaskingJob[],
  runner: JobRunner,
  concurrency: number,
  signal: AbortSignal | undefined,
): Promise<UnmaskingResult[]> {
  if (signal?.aborted === true) throw new SecAggError('ABORTED', 'the signal was aborted');
  const cancel = new AbortController();
  const onAbort = (): void => cancel.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const cancelled = new Promise<never>((_, reject) => {
    cancel.signal.addEventListener('abort', () => reject(new SecAggError('ABORTED', 'the signal was aborted')), { once: true });
  });
  cancelled.catch(() => undefined);
  let fail: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  // Results in hand when the stage gives up are wiped then, later ones as they arrive (a keys
  // result holds secret keys); a runner that ignores the cancellation cannot make us wait.
  let gaveUp = false;
  const arrived: UnmaskingResult[] = [];
  const running: Promise<UnmaskingResult>[] = [];
  let inHand = 0;
  let freed: () => void = () => undefined;
  try {
    for (const j of jobs) {
      const p = (async () => runner.run(j, { signal: cancel.signal }))();
      running.push(p);
      inHand++;
      p.then(
        (r) => (gaveUp ? wipeUnmaskingResult(r) : arrived.push(r)),
        (error: unknown) => fail(error),
      ).finally(() => {
        inHand--;
        freed();
      });
      while (inHand > concurrency) await Promise.race([new Promise<void>((resolve) => (freed = resolve)), cancelled, failed]);
    }
    return await Promise.race([Promise.all(running), cancelled, failed]);
  } catch (error) {
    gaveUp = true;
    cancel.abort();
    for (const r of arrived) wipeUnmaskingResult(r);
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * The worker pool (internal; ./index.ts is its public face): `size` worker threads, each running
 * one job at a time from a shared queue. A job whose worker dies under it (process.exit, an
 * uncaught error, an out-of-memory kill) is retried once on another worker, then rejected with
 * JOB_FAILED; the dead worker is replaced. Cancelled or closed: ABORTED.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SecAggError, isSecAggError, type ErrorCode } from '../errors.js';
import { wipeUnmaskingResult, type JobRunOptions, type JobRunner, type UnmaskingJob, type UnmaskingResult } from '../protocol/index.js';
import type { JobRequest, WorkerReply } from './_serve.js';

/** Options of `createWorkerPool`. */
export interface WorkerPoolOptions {
  /** Worker threads, 1..256 (default: the machine's available parallelism). */
  readonly size?: number;
  /** Closes the pool when aborted (as {@link WorkerPool.close}). */
  readonly signal?: AbortSignal;
  /**
   * Lowers the workers' scheduling priority by this nice increment, 0..19 (default 0). On Linux,
   * where each thread has its own nice value, the thread running the event loop then gets a core
   * first whenever it has work, and the workers take every cycle it leaves: a server that also
   * receives and sends while a close runs keeps its event loop responsive (10 is a good value).
   * Elsewhere it changes nothing: there the priority is the whole process's.
   */
  readonly niceIncrement?: number;
}

/** A pool of worker threads running unmasking jobs: a {@link JobRunner} for `serverCloseRoundAsync`. */
export interface WorkerPool extends JobRunner {
  /** Worker threads. */
  readonly size: number;
  /** Jobs run at once: `size`. */
  readonly concurrency: number;
  /**
   * Runs a job on the next free worker. The worker gets a structured-clone copy of the job and
   * wipes its secret bytes after use; the job stays the caller's (kept unchanged until the
   * promise settles, for the one retry) and the caller wipes it.
   */
  run(job: UnmaskingJob, options?: JobRunOptions): Promise<UnmaskingResult>;
  /** Resolves once every worker has started and loaded the job handler (rejects: JOB_FAILED). */
  ready(): Promise<void>;
  /**
   * Rejects the jobs not yet done (ABORTED), terminates every worker and resolves when all have
   * exited. Idempotent; `run` rejects afterwards.
   */
  close(): Promise<void>;
}

interface Task {
  readonly id: number;
  readonly job: UnmaskingJob;
  readonly resolve: (result: UnmaskingResult) => void;
  readonly reject: (error: SecAggError) => void;
  /** Workers that died running it. */
  crashes: number;
  /** Rejected or resolved: a late reply is dropped (and its keys wiped). */
  settled: boolean;
  readonly cleanup: () => void;
}

interface Slot {
  readonly worker: Worker;
  ready: boolean;
  task: Task | null;
  /** Why it died, when it reported an uncaught error before exiting. */
  error: string | null;
}

/** How a worker is started: the module it runs, and whether it is TypeScript (tsx, in tests). */
export interface WorkerScript {
  readonly url: URL;
  readonly typescript: boolean;
  /** Given to each worker as `workerData` (test scripts read their behaviour from it). */
  readonly workerData?: unknown;
}

/**
 * The worker entry next to this module: ./worker.ts under tsx or vitest; from dist/ (a mirror of
 * src/), dist/workers/worker.js. (A bundle that moved this module to dist/'s root would still
 * find dist/workers/worker.js.)
 */
export function defaultScript(): WorkerScript {
  const here = import.meta.url;
  if (here.endsWith('.ts')) return { url: new URL('./worker.ts', here), typescript: true };
  for (const candidate of ['./worker.js', './workers/worker.js']) {
    const url = new URL(candidate, here);
    if (existsSync(fileURLToPath(url))) return { url, typescript: false };
  }
  throw new SecAggError('UNSUPPORTED_ENVIRONMENT', `the worker entry (workers/worker.js) is missing next to ${here}`);
}

/**
 * The parent's Node options without those that only make sense for the main script's code
 * (`-e`/`--eval`/`-p`/`--print` and their code, `--input-type`).
 */
export function workerExecArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print' || a === '--input-type') i++;
    else if (!a.startsWith('--input-type=') && !a.startsWith('--eval=') && !a.startsWith('--print=')) out.push(a);
  }
  return out;
}

function startWorker(script: WorkerScript, niceIncrement: number): Worker {
  // The library's own worker reads its priority from workerData (a test script has its own).
  const workerData = script.workerData ?? (niceIncrement > 0 ? { niceIncrement } : undefined);
  const base = workerData === undefined ? {} : { workerData };
  const make = (options: { execArgv?: string[] }): Worker => {
    if (!script.typescript) return new Worker(script.url, { ...base, ...options });
    // From the TypeScript sources a bootstrap registers tsx's loader in the worker first (a dev
    // dependency, present wherever .ts runs).
    const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(script.url.href)}); });`;
    return new Worker(bootstrap, { eval: true, ...base, ...options });
  };
  // A worker inherits the parent's Node options, and does not start with `--input-type` (from
  // `node --input-type=module -e ...`). Then the options go explicitly, without it; Node refuses
  // some options given explicitly that it tolerates inherited (V8's, --title): it names them, and
  // they go too.
  const argv = process.execArgv;
  if (!argv.some((a) => a === '--input-type' || a.startsWith('--input-type='))) return make({});
  const execArgv = workerExecArgv(argv);
  try {
    return make({ execArgv });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    const refused = new Set(String((error as Error).message).split(': ').slice(1).join(': ').split(', '));
    return make({ execArgv: execArgv.filter((a) => !refused.has(a)) });
  }
}

const aborted = (what: string): SecAggError => new SecAggError('ABORTED', what);

/** Starts a pool running `script` in each worker (tests give a script of their own). */
export function startWorkerPool(options: WorkerPoolOptions | undefined, script: WorkerScript): WorkerPool {
  const o = options ?? {};
  if (typeof o !== 'object' || o === null) throw new SecAggError('INVALID_TYPE', 'options must be an object');
  for (const key of Object.keys(o)) {
    if (key !== 'size' && key !== 'signal' && key !== 'niceIncrement') {
      throw new SecAggError('UNKNOWN_OPTION', `options has an unknown field "${key}"; allowed: size, signal, niceIncrement`);
    }
  }
  const niceIncrement = o.niceIncrement ?? 0;
  if (typeof niceIncrement !== 'number' || !Number.isInteger(niceIncrement) || niceIncrement < 0 || niceIncrement > 19) {
    throw new SecAggError('OUT_OF_RANGE', `options.niceIncrement must be an integer in 0..19, got ${String(niceIncrement)}`);
  }
  const size = o.size ?? Math.min(256, availableParallelism());
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 256) {
    throw new SecAggError('OUT_OF_RANGE', `options.size must be an integer in 1..256, got ${String(size)}`);
  }
  const signal = o.signal;
  if (signal !== undefined && (signal === null || typeof signal !== 'object' || typeof signal.aborted !== 'boolean')) {
    throw new SecAggError('INVALID_TYPE', 'options.signal must be an AbortSignal');
  }

  const slots = new Set<Slot>();
  const queue: Task[] = [];
  let nextId = 1;
  let closing: Promise<void> | null = null;
  let broken: SecAggError | null = null;
  let startFailures = 0;
  let readyCount = 0;
  let onReady: { resolve: () => void; reject: (e: SecAggError) => void } | null = null;
  const readyPromise = new Promise<void>((resolve, reject) => (onReady = { resolve, reject }));
  readyPromise.catch(() => undefined);

  const settle = (task: Task, outcome: { result: UnmaskingResult } | { error: SecAggError }): void => {
    if (task.settled) {
      if ('result' in outcome) wipeUnmaskingResult(outcome.result);
      return;
    }
    task.settled = true;
    task.cleanup();
    if ('result' in outcome) task.resolve(outcome.result);
    else task.reject(outcome.error);
  };

  const pump = (): void => {
    for (const slot of slots) {
      if (queue.length === 0) return;
      if (!slot.ready || slot.task !== null) continue;
      const task = queue.shift() as Task;
      slot.task = task;
      slot.worker.ref(); // a busy worker keeps the process alive, an idle one does not
      slot.worker.postMessage({ id: task.id, job: task.job } satisfies JobRequest);
    }
  };

  const fail = (error: SecAggError): void => {
    broken = error;
    onReady?.reject(error);
    for (const task of queue.splice(0)) settle(task, { error });
    for (const slot of slots) {
      if (slot.task !== null) settle(slot.task, { error });
      void slot.worker.terminate();
    }
  };

  const spawn = (): void => {
    let worker: Worker;
    try {
      worker = startWorker(script, niceIncrement);
    } catch (error) {
      fail(new SecAggError('JOB_FAILED', `a worker thread could not start (${error instanceof Error ? error.name : 'error'})`));
      return;
    }
    const slot: Slot = { worker, ready: false, task: null, error: null };
    slots.add(slot);
    worker.on('message', (reply: WorkerReply) => {
      if (reply.type === 'ready') {
        slot.ready = true;
        worker.unref(); // idle from now on: it does not keep the process alive
        startFailures = 0;
        if (++readyCount === size) onReady?.resolve();
        pump();
        return;
      }
      const task = slot.task;
      slot.task = null;
      worker.unref();
      if (task !== null && task.id === reply.id) {
        if (reply.type === 'result') settle(task, { result: reply.result });
        else settle(task, { error: new SecAggError((reply.code ?? 'JOB_FAILED') as ErrorCode, `an unmasking job threw: ${reply.message}`) });
      } else if (reply.type === 'result') {
        wipeUnmaskingResult(reply.result);
      }
      pump();
    });
    worker.on('error', (error: Error) => {
      // While a job is in hand, the name only (a message could quote the job's data); a worker
      // that failed to start says why (it never had a job).
      slot.error = slot.ready ? (isSecAggError(error) ? error.code : error.name) : `${error.name}: ${error.message}`.slice(0, 200);
    });
    worker.on('exit', (code: number) => {
      slots.delete(slot);
      if (closing !== null || broken !== null) return;
      const why = `exit code ${code}${slot.error === null ? '' : `, uncaught ${slot.error}`}`;
      const task = slot.task;
      if (task !== null && !task.settled) {
        task.crashes++;
        if (task.crashes >= 2) settle(task, { error: new SecAggError('JOB_FAILED', `the job's worker died twice (last: ${why})`) });
        else queue.unshift(task); // once more, on another worker
      }
      if (!slot.ready && ++startFailures > size) {
        fail(new SecAggError('JOB_FAILED', `worker threads die before they are ready (${why})`));
        return;
      }
      spawn();
      pump();
    });
    // Starting, it keeps the process alive (a caller may be awaiting ready() or a job); idle, not.
  };

  const close = (): Promise<void> => {
    if (closing === null) {
      const error = aborted('the worker pool was closed');
      onReady?.reject(error);
      for (const task of queue.splice(0)) settle(task, { error });
      const exits: Promise<unknown>[] = [];
      for (const slot of slots) {
        if (slot.task !== null) settle(slot.task, { error });
        exits.push(slot.worker.terminate());
      }
      closing = Promise.all(exits).then(() => undefined);
    }
    return closing;
  };

  if (signal?.aborted === true) void close(); // nothing starts
  else {
    signal?.addEventListener('abort', () => void close(), { once: true });
    for (let i = 0; i < size; i++) spawn();
  }

  return {
    size,
    concurrency: size,
    ready: () => readyPromise,
    close,
    run(job: UnmaskingJob, runOptions?: JobRunOptions): Promise<UnmaskingResult> {
      if (closing !== null) return Promise.reject(aborted('the worker pool is closed'));
      if (broken !== null) return Promise.reject(broken);
      const jobSignal = runOptions?.signal;
      if (jobSignal?.aborted === true) return Promise.reject(aborted('the job was cancelled before it ran'));
      return new Promise<UnmaskingResult>((resolve, reject) => {
        const onAbort = (): void => {
          const at = queue.indexOf(task);
          if (at >= 0) queue.splice(at, 1);
          settle(task, { error: aborted('the job was cancelled') }); // a running job's late reply is dropped
        };
        const task: Task = {
          id: nextId++,
          job,
          resolve,
          reject,
          crashes: 0,
          settled: false,
          cleanup: () => jobSignal?.removeEventListener('abort', onAbort),
        };
        jobSignal?.addEventListener('abort', onAbort, { once: true });
        queue.push(task);
        pump();
      });
    },
  };
}

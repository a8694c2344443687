/**
 * `simulateSession` with the clients spread over worker threads (Node only, hence here and not
 * in src/): the server, the dropout schedule, the codec and the measurements stay on the calling
 * thread ({@link runSimulation}); each worker hosts the clients whose id is its index modulo the
 * worker count and steps them on each round's deliveries, and the same threads run the server's
 * unmasking jobs (the clients are idle then: a separate pool would add an isolate per thread,
 * ~0.1 GB each at 10,000 clients, and its start-up would compete with the first rounds). Same
 * transcript, sums and report as the single-threaded run with the same options; only the wall
 * time differs.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { SecAggError } from '../src/errors.js';
import { serverCloseRoundAsync, type JobRunner, type ServerStep, type UnmaskingJob, type UnmaskingResult } from '../src/protocol/index.js';
import type { ClientWork, ClientWorkItem, Delivery } from '../src/simulate/clients.js';
import { runSimulation, type ServerWork } from '../src/simulate/run.js';
import type { SimulationOptions, SimulationReport } from '../src/simulate/types.js';

/** Options of {@link simulateSessionParallel}: those of `simulateSession` plus `workers`. */
export type ParallelSimulationOptions = SimulationOptions & {
  /** Worker threads hosting the clients (default: the machine's available parallelism). */
  readonly workers?: number;
};

/** What a worker is sent: clients' work, or one of the server's unmasking jobs. */
export type WorkerTask = ClientWork | { readonly kind: 'job'; readonly job: UnmaskingJob };

/** What a worker answers: its items, a job's result, or the error its clients or the job threw. */
export type WorkerReply =
  | { readonly items: ClientWorkItem[] }
  | { readonly result: UnmaskingResult }
  | { readonly error: string; readonly stack?: string };

/**
 * Runs a whole session with the clients on worker threads.
 *
 * @throws {SecAggError} the option errors of `simulateSession`, `OUT_OF_RANGE` for `workers`
 *   outside 1..256; an Error when a worker fails.
 * @example
 * ```ts
 * const report = await simulateSessionParallel({ clients: 10_000, length: 10_000, graph: 'harary', dropout: 0.05, workers: 2 });
 * ```
 */
export async function simulateSessionParallel(options: ParallelSimulationOptions): Promise<SimulationReport> {
  if (options === null || typeof options !== 'object') {
    throw new SecAggError('INVALID_TYPE', `options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const { workers: requested, ...rest } = options;
  const count = requested ?? availableParallelism();
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 256) {
    throw new SecAggError('OUT_OF_RANGE', `workers must be an integer in 1..256, got ${String(count)}`);
  }
  const driver = runSimulation(rest);
  let next = driver.next();
  if (next.done === true) return next.value;
  const pool = startWorkers(Math.min(count, rest.clients));
  try {
    while (next.done !== true) {
      const work = next.value;
      next = driver.next(work.kind === 'close' ? await pool.closeRound(work) : await pool.run(work));
    }
    return next.value;
  } finally {
    await pool.close();
  }
}

/** Clients hosted on worker threads: steps them on work, runs the server's jobs, and ends the threads. */
export interface Pool {
  run(work: ClientWork): Promise<ClientWorkItem[]>;
  /**
   * The server's unmasking close, as a server runs it: `serverCloseRoundAsync` with its jobs on
   * these threads, each job handed to the first that is free; a job that failed fails the
   * simulation.
   */
  closeRound(work: ServerWork): Promise<ServerStep>;
  close(): Promise<void>;
}

/** A worker and the replies it owes, oldest first (it answers in order). */
interface Hosted {
  readonly worker: Worker;
  readonly waiting: { resolve: (reply: ClientWorkItem[] | UnmaskingResult) => void; reject: (error: Error) => void }[];
}

/** Worker threads hosting the clients, each those whose id is its index modulo `count`. */
export function startWorkers(count: number): Pool {
  const pending: { readonly job: UnmaskingJob; readonly resolve: (r: UnmaskingResult) => void; readonly reject: (e: Error) => void }[] = [];
  const pump = (): void => {
    for (const h of hosted) {
      const next = h.waiting.length === 0 ? pending.shift() : undefined;
      if (next !== undefined) ask<UnmaskingResult>(h, { kind: 'job', job: next.job }).then(next.resolve, next.reject);
    }
  };
  // From dist/ the worker is plain JS; from the TypeScript sources (tsx, vitest) a bootstrap
  // registers tsx's loader in the worker first (a dev dependency, present wherever .ts runs).
  const typescript = import.meta.url.endsWith('.ts');
  const url = new URL(typescript ? './simulate-worker.ts' : './simulate-worker.js', import.meta.url);
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); });`;
  const hosted: Hosted[] = Array.from({ length: count }, () => {
    const h: Hosted = {
      worker: typescript ? new Worker(bootstrap, { eval: true }) : new Worker(url),
      waiting: [],
    };
    h.worker.on('message', (reply: WorkerReply) => {
      const next = h.waiting.shift();
      if ('items' in reply) next?.resolve(reply.items);
      else if ('result' in reply) next?.resolve(reply.result);
      else next?.reject(Object.assign(new Error(`simulation worker failed: ${reply.error}`), { stack: reply.stack }));
      pump();
    });
    h.worker.on('error', (error: Error) => {
      for (const w of h.waiting.splice(0)) w.reject(error);
    });
    return h;
  });
  const ask = <T extends ClientWorkItem[] | UnmaskingResult>(h: Hosted, task: WorkerTask): Promise<T> =>
    new Promise((resolve, reject) => {
      h.waiting.push({ resolve: resolve as (reply: ClientWorkItem[] | UnmaskingResult) => void, reject });
      h.worker.postMessage(task);
    });
  // Splits work by client id (a client lives in one worker) and puts the answers back in order.
  const dispatch = async (work: ClientWork): Promise<ClientWorkItem[]> => {
    const ids = work.kind === 'advertise' ? work.ids : work.deliveries.map((d) => d.to);
    const places: number[][] = hosted.map(() => []);
    ids.forEach((id, i) => (places[id % count] as number[]).push(i));
    const replies = await Promise.all(
      hosted.map((h, k) => {
        const mine = places[k] as number[];
        const part: ClientWork =
          work.kind === 'advertise'
            ? { kind: 'advertise', context: work.context, ids: mine.map((i) => ids[i] as number) }
            : { kind: 'deliver', deliveries: mine.map((i) => work.deliveries[i] as Delivery), final: work.final };
        return ask<ClientWorkItem[]>(h, part);
      }),
    );
    const items = new Array<ClientWorkItem>(ids.length);
    replies.forEach((reply, k) => (places[k] as number[]).forEach((at, j) => (items[at] = reply[j] as ClientWorkItem)));
    return items;
  };
  // The server's jobs wait here for a thread that owes nothing (the close keeps concurrency + 1
  // in hand): queued on a thread they could wait behind a slow job while the other idles.
  const runner: JobRunner = {
    concurrency: count,
    run(job: UnmaskingJob): Promise<UnmaskingResult> {
      return new Promise((resolve, reject) => {
        pending.push({ job, resolve, reject });
        pump();
      });
    },
  };
  return {
    run: dispatch,
    closeRound: (work) => serverCloseRoundAsync(work.state, { ...work.options, runner }),
    async close() {
      await Promise.all(hosted.map((h) => h.worker.terminate()));
    },
  };
}

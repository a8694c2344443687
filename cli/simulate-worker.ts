/**
 * Worker thread of cli/simulate-parallel.ts: hosts a share of the simulated clients and steps
 * them on the work it is sent (round 0 creates them), and runs the server's unmasking jobs.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort } from 'node:worker_threads';
import { runUnmaskingJob, wipeUnmaskingJob, wipeUnmaskingResult } from '../src/protocol/index.js';
import { SimulatedClients } from '../src/simulate/clients.js';
import { warmUp } from '../src/workers/_serve.js';
import type { WorkerReply, WorkerTask } from './simulate-parallel.js';

let clients: SimulatedClients | undefined;

// The server's unmasking jobs run here too: a pool worker's warm-up first (src/workers/_serve.ts),
// as the server's own pool does before it says it is ready, or the close's first jobs run cold
// (10,000 clients: the first keys job on each thread took 160-175 ms, 100-110 ms after it).
warmUp();

// Once its clients are done, a thread collects what they left (~130 MB each at 10,000 clients)
// before the server's unmasking jobs come: else a full collection of it fell inside the server's
// close (~30-40 ms pauses and concurrent marking on both cores), which a server's own pool, with
// no simulated clients in it, never pays. The flag is the process's; only this file calls gc.
setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;

parentPort?.on('message', (work: WorkerTask) => {
  let reply: WorkerReply;
  try {
    if (work.kind === 'job') {
      // This thread's copies of the job and its result hold secrets (shares, rebuilt keys):
      // wiped once used, as the secagg/workers pool does.
      try {
        const result = runUnmaskingJob(work.job);
        parentPort?.postMessage({ result } satisfies WorkerReply); // a structured clone, made here
        wipeUnmaskingResult(result);
      } finally {
        wipeUnmaskingJob(work.job);
      }
      return;
    }
    if (work.kind === 'advertise') clients = new SimulatedClients(work.context);
    if (clients === undefined) throw new Error('work arrived before round 0');
    reply = { items: clients.run(work) };
    if (work.kind === 'deliver' && work.final) {
      clients = undefined;
      collect(); // before answering: the server's steps wait for the answers, and are not slowed
    }
  } catch (error) {
    reply = { error: String((error as Error)?.message ?? error), ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}) };
  }
  parentPort?.postMessage(reply);
});

/**
 * Worker thread of cli/simulate-parallel.ts: hosts a share of the simulated clients and steps
 * them on the work it is sent (round 0 creates them), and runs the server's unmasking jobs.
 */
import { parentPort } from 'node:worker_threads';
import { runUnmaskingJob, wipeUnmaskingJob, wipeUnmaskingResult } from '../src/protocol/index.js';
import { SimulatedClients } from '../src/simulate/clients.js';
import type { WorkerReply, WorkerTask } from './simulate-parallel.js';

let clients: SimulatedClients | undefined;

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
  } catch (error) {
    reply = { error: String((error as Error)?.message ?? error), ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}) };
  }
  parentPort?.postMessage(reply);
});

/**
 * Worker thread of cli/simulate-parallel.ts: hosts a share of the simulated clients and steps
 * them on the work it is sent (round 0 creates them).
 */
import { parentPort } from 'node:worker_threads';
import { SimulatedClients, type ClientWork } from '../src/simulate/clients.js';
import type { WorkerReply } from './simulate-parallel.js';

let clients: SimulatedClients | undefined;

parentPort?.on('message', (work: ClientWork) => {
  let reply: WorkerReply;
  try {
    if (work.kind === 'advertise') clients = new SimulatedClients(work.context);
    if (clients === undefined) throw new Error('work arrived before round 0');
    reply = { items: clients.run(work) };
  } catch (error) {
    reply = { error: String((error as Error)?.message ?? error), ...(error instanceof Error && error.stack !== undefined ? { stack: error.stack } : {}) };
  }
  parentPort?.postMessage(reply);
});

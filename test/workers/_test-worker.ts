/**
 * A pool worker for the tests: the real job handler (src/workers/_serve.ts), with a fault
 * injected as `workerData.mode` asks. Faults that must happen once are claimed through a flag
 * file (`workerData.flag`, created exclusively), so that the retry on another worker succeeds.
 *
 * - `exit-once` / `exit-always`: process.exit(7) on receiving a job;
 * - `throw-once`: an uncaught error thrown from a timer while the job is in hand;
 * - `check-wipe`: runs the job, then answers with an error unless the job's secret bytes (its
 *   structured-clone copy) are all zero.
 */
import { openSync, closeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { answer, type JobRequest, type WorkerReply } from '../../src/workers/_serve.js';

const { mode, flag } = workerData as { mode: string; flag?: string };
const port = parentPort as NonNullable<typeof parentPort>;

function claim(): boolean {
  try {
    closeSync(openSync(flag as string, 'wx'));
    return true;
  } catch {
    return false;
  }
}

function secretBytes(request: JobRequest): Uint8Array[] {
  const job = request.job;
  return job.kind === 'keys' ? [...job.survivors, ...job.dropped].map((s) => s.shares) : [job.keys];
}

port.on('message', (request: JobRequest) => {
  if (mode === 'exit-always' || (mode === 'exit-once' && claim())) process.exit(7);
  if (mode === 'throw-once' && claim()) {
    setTimeout(() => {
      throw new Error('uncaught in the worker');
    }, 1);
    return;
  }
  const { reply, transfer } = answer(request);
  if (mode === 'check-wipe' && !secretBytes(request).every((b) => b.every((x) => x === 0))) {
    port.postMessage({ type: 'error', id: request.id, code: null, message: 'the job was not wiped' } satisfies WorkerReply);
    return;
  }
  port.postMessage(reply, transfer);
});
port.postMessage({ type: 'ready' } satisfies WorkerReply);

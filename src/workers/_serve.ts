/**
 * What a pool worker does (internal): answers each `{ id, job }` with the job's result, and
 * wipes the job's secret bytes (its structured-clone copy of the shares or keys) once used.
 * Results go back transferred, not copied, so no copy of a result's keys stays in the worker.
 */
import { runUnmaskingJob, wipeUnmaskingJob, type UnmaskingJob, type UnmaskingResult } from '../protocol/index.js';
import { isSecAggError } from '../errors.js';

/** A request from the pool. */
export interface JobRequest {
  readonly id: number;
  readonly job: UnmaskingJob;
}

/** A worker's answers: ready once loaded, then one reply per request. */
export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly id: number; readonly result: UnmaskingResult }
  | { readonly type: 'error'; readonly id: number; readonly code: string | null; readonly message: string };

/** The part of a MessagePort a worker uses. */
export interface ReplyPort {
  postMessage(value: WorkerReply, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (value: JobRequest) => void): unknown;
}

/** Runs one request; the reply and the buffers to transfer with it. */
export function answer(request: JobRequest): { reply: WorkerReply; transfer: ArrayBuffer[] } {
  const { id, job } = request;
  try {
    const result = runUnmaskingJob(job);
    const transfer = result.kind === 'keys' ? result.keys.map((k) => k.buffer as ArrayBuffer) : [result.sum.buffer as ArrayBuffer];
    return { reply: { type: 'result', id, result }, transfer };
  } catch (error) {
    // Our errors never carry secret bytes; anything else is reported by its name only.
    const code = isSecAggError(error) ? error.code : null;
    const message = isSecAggError(error) ? error.message : `${error instanceof Error ? error.name : typeof error} in the job`;
    return { reply: { type: 'error', id, code, message }, transfer: [] };
  } finally {
    try {
      wipeUnmaskingJob(job);
    } catch {
      // not a job (already answered with an error): nothing of ours to wipe
    }
  }
}

/** Serves requests on `port` (a worker's parentPort) and says it is ready. */
export function serve(port: ReplyPort): void {
  port.on('message', (request) => {
    const { reply, transfer } = answer(request);
    port.postMessage(reply, transfer);
  });
  port.postMessage({ type: 'ready' });
}

/**
 * The entry of a `secagg/workers` pool thread (built to dist/workers/worker.js): it serves the
 * unmasking jobs the pool sends. Not for import.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from './_priority.js';
import { serve, type ReplyPort } from './_serve.js';

const niceIncrement = (workerData as { niceIncrement?: unknown } | null)?.niceIncrement;
if (typeof niceIncrement === 'number') lowerThreadPriority(niceIncrement);

if (parentPort !== null) serve(parentPort as unknown as ReplyPort);

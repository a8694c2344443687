/**
 * The entry of a `secagg/workers` pool thread (built to dist/workers/worker.js): it serves the
 * unmasking jobs the pool sends. Not for import.
 */
import { parentPort } from 'node:worker_threads';
import { serve, type ReplyPort } from './_serve.js';

if (parentPort !== null) serve(parentPort as unknown as ReplyPort);

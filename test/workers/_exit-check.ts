/**
 * Run as a child process by pool.test.ts: starts two pools (the default workers, from the
 * sources through tsx), runs a job on each, closes the first and forgets the second; prints
 * "done". The process must then exit by itself: a worker left running (or an idle one that
 * keeps a reference) would keep it alive.
 */
import { createWorkerPool } from '../../src/workers/index.js';
import { runUnmaskingJob, type UnmaskingMasksJob } from '../../src/protocol/index.js';

const job: UnmaskingMasksJob = { kind: 'masks', vector: 0, bits: 16, offset: 5, sum: new Uint32Array(40).fill(3), keys: new Uint8Array(64).fill(1), signs: Int8Array.of(1, -1) };
const want = JSON.stringify(Array.from((runUnmaskingJob(structuredClone(job)) as { sum: Uint32Array }).sum));
const closed = createWorkerPool({ size: 1 });
const forgotten = createWorkerPool({ size: 1 });
for (const pool of [closed, forgotten]) {
  const got = (await pool.run(structuredClone(job))) as { sum: Uint32Array };
  if (JSON.stringify(Array.from(got.sum)) !== want) throw new Error('wrong result');
}
await closed.close();
console.log('done');

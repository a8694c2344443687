/**
 * The worker pool (real worker threads, real crashes): the parallel close gives the sum of the
 * single-threaded one for any worker count and slice length; a worker that dies under a job is
 * replaced and the job retried once, then the round aborts with a coded error; close() and
 * AbortSignals reject what is pending; no thread outlives the pool; secrets are wiped in the
 * worker and on the main thread.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  runUnmaskingJob,
  serverCloseRound,
  serverCloseRoundAsync,
  type JobRunner,
  type ServerLiveState,
  type UnmaskingJob,
  type UnmaskingMasksJob,
} from '../../src/protocol/index.js';
import { startWorkerPool, workerExecArgv, type WorkerPool } from '../../src/workers/_pool.js';
import { bundleWorker } from './_bundle.js';
import { createWorkerPool } from '../../src/workers/index.js';
import { expectOutcome, serverAtUnmaskingClose, unmaskingCase, type StopRound, type UnmaskingCase } from '../protocol/_unmasking.js';

const scratch = mkdtempSync(join(tmpdir(), 'secagg-pool-'));
let flags = 0;
let testWorker: URL;
let realWorker: URL;
beforeAll(async () => {
  testWorker = await bundleWorker(new URL('./_test-worker.ts', import.meta.url), scratch);
  realWorker = await bundleWorker(new URL('../../src/workers/worker.ts', import.meta.url), scratch);
}, 30_000);

/** A pool of the real worker, bundled (see ./_bundle.ts). */
function pool(size: number): WorkerPool {
  return startWorkerPool({ size }, { url: realWorker, typescript: false });
}

/** A pool of test workers with a fault injected (see ./_test-worker.ts). */
function faultyPool(mode: string, size = 2): WorkerPool {
  const flag = join(scratch, `flag-${flags++}`);
  return startWorkerPool({ size }, { url: testWorker, typescript: false, workerData: { mode, flag } });
}

const bar: UnmaskingCase = {
  clients: 9,
  vectors: [{ name: 'x', length: 300, bits: 24 }, { name: 'y', length: 77, bits: 11 }],
  stops: new Map<number, StopRound>([[2, 'maskedInputCollection'], [5, 'maskedInputCollection'], [8, 'unmasking']]),
};

const pools: WorkerPool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
  rmSync(scratch, { recursive: true, force: true });
});

describe('serverCloseRoundAsync on a worker pool', () => {
  const sized: WorkerPool[] = [];
  beforeAll(async () => {
    for (let size = 1; size <= 4; size++) sized.push(pool(size));
    pools.push(...sized);
    await Promise.all(sized.map((p) => p.ready()));
  }, 60_000);

  it('the same step as the single-threaded close: random dropouts and liars, 1-4 workers, any slice length, several bit widths', async () => {
    await fc.assert(
      fc.asyncProperty(unmaskingCase, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 160 }), async (c, workers, slice) => {
        const { config, server, liars } = serverAtUnmaskingClose(c);
        if (server.round !== 'unmasking') return;
        const want = serverCloseRound(structuredClone(server));
        expectOutcome(config, want, liars);
        const got = await serverCloseRoundAsync(structuredClone(server), { runner: sized[workers - 1] as WorkerPool, sliceLength: slice });
        expect(got).toEqual(want);
      }),
      { numRuns: 12 },
    );
  }, 60_000);

  it('wipes every job it planned once the close is over (the main thread copies)', async () => {
    const { server } = serverAtUnmaskingClose(bar);
    const pool = sized[1] as WorkerPool;
    const seen: UnmaskingJob[] = [];
    const recording: JobRunner = { concurrency: 2, run: (job, o) => (seen.push(job), pool.run(job, o)) };
    const step = await serverCloseRoundAsync(server, { runner: recording });
    expect(step.state.round).toBe('completed');
    expect(seen.some((j) => j.kind === 'keys') && seen.some((j) => j.kind === 'masks')).toBe(true);
    for (const job of seen) {
      const secrets = job.kind === 'keys' ? [...job.survivors, ...job.dropped].map((s) => s.shares) : [job.keys];
      for (const b of secrets) expect(b.every((x) => x === 0)).toBe(true);
    }
  });
});

describe('the pool under crashes, throws, cancellation and close', () => {
  it('a worker that exits under a job: the job runs again on another worker, the sum is right', async () => {
    const { server } = serverAtUnmaskingClose(bar);
    const want = serverCloseRound(structuredClone(server));
    const pool = faultyPool('exit-once');
    pools.push(pool);
    expect(await serverCloseRoundAsync(server, { runner: pool })).toEqual(want);
  }, 30_000);

  it('an uncaught error in a worker: the same', async () => {
    const { server } = serverAtUnmaskingClose(bar);
    const want = serverCloseRound(structuredClone(server));
    const pool = faultyPool('throw-once');
    pools.push(pool);
    expect(await serverCloseRoundAsync(server, { runner: pool })).toEqual(want);
  }, 30_000);

  it('a job whose worker dies twice: JOB_FAILED, and the round aborts (LOCAL_ABORT), no hang, no sum', async () => {
    const pool = faultyPool('exit-always');
    pools.push(pool);
    const job: UnmaskingMasksJob = { kind: 'masks', vector: 0, bits: 8, offset: 0, sum: new Uint32Array(4), keys: new Uint8Array(32), signs: Int8Array.of(1) };
    await expect(pool.run(job)).rejects.toMatchObject({ code: 'JOB_FAILED', message: expect.stringMatching(/died twice.*exit code 7/) });
    const { server } = serverAtUnmaskingClose(bar);
    const members = (server as ServerLiveState).members.slice(); // the silent client 8 included
    const step = await serverCloseRoundAsync(server, { runner: pool });
    expect(step.state.round).toBe('aborted');
    if (step.state.round === 'aborted') {
      expect(step.state.code).toBe('LOCAL_ABORT');
      expect(step.state.reason).toMatch(/JOB_FAILED/);
    }
    expect(step.outbox).toEqual([{ to: members, message: { type: 'abort', code: 'LOCAL_ABORT' } }]);
  }, 60_000);

  it('a job that throws in the worker is rejected with its code, not retried', async () => {
    const pool = createWorkerPool({ size: 1 });
    pools.push(pool);
    const bad: UnmaskingMasksJob = { kind: 'masks', vector: 0, bits: 8, offset: 0, sum: new Uint32Array(4), keys: new Uint8Array(31), signs: Int8Array.of(1) };
    await expect(pool.run(bad)).rejects.toMatchObject({ code: 'LENGTH_MISMATCH' });
    await expect(pool.run({ kind: 'sum' } as unknown as UnmaskingJob)).rejects.toMatchObject({ code: 'INVALID_TYPE' });
    const good = { ...bad, keys: new Uint8Array(32) };
    expect(await pool.run(structuredClone(good))).toEqual(runUnmaskingJob(good));
  }, 30_000);

  it('the worker wipes its copy of each job', async () => {
    const { server } = serverAtUnmaskingClose(bar);
    const want = serverCloseRound(structuredClone(server));
    const pool = faultyPool('check-wipe');
    pools.push(pool);
    expect(await serverCloseRoundAsync(server, { runner: pool })).toEqual(want);
  }, 30_000);

  it('an aborted signal rejects its job (ABORTED); a pool signal closes the pool', async () => {
    const p1 = pool(1);
    pools.push(p1);
    await p1.ready();
    const job = (n: number): UnmaskingMasksJob => ({
      kind: 'masks', vector: 0, bits: 16, offset: 0, sum: new Uint32Array(200_000), keys: new Uint8Array(32 * n), signs: new Int8Array(n).fill(1),
    });
    const controller = new AbortController();
    const running = p1.run(job(200)); // keeps the only worker busy
    const queued = p1.run(job(1), { signal: controller.signal });
    controller.abort();
    await expect(queued).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(p1.run(job(1), { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    expect((await running).kind).toBe('masks');

    const poolController = new AbortController();
    const closing = startWorkerPool({ size: 1, signal: poolController.signal }, { url: realWorker, typescript: false });
    const pending = closing.run(job(200));
    poolController.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(closing.run(job(1))).rejects.toMatchObject({ code: 'ABORTED' });
    await closing.close();
    const never = startWorkerPool({ size: 1, signal: AbortSignal.abort() }, { url: realWorker, typescript: false });
    await expect(never.run(job(1))).rejects.toMatchObject({ code: 'ABORTED' });
  }, 30_000);

  it('close() rejects queued and running jobs (ABORTED), is idempotent, and refuses new jobs', async () => {
    const p1 = pool(1);
    const job: UnmaskingMasksJob = { kind: 'masks', vector: 0, bits: 16, offset: 0, sum: new Uint32Array(100_000), keys: new Uint8Array(32 * 100), signs: new Int8Array(100).fill(-1) };
    const a = p1.run(job);
    const b = p1.run(job);
    const closed = p1.close();
    await expect(a).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(b).rejects.toMatchObject({ code: 'ABORTED' });
    await closed;
    await p1.close();
    await expect(p1.run(job)).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(p1.ready()).rejects.toMatchObject({ code: 'ABORTED' });
  }, 30_000);

  it("workers get the parent's Node options but those of the main script's code (-e, -p, --input-type; the CI step of dist/ runs one)", () => {
    expect(workerExecArgv(['--import', 'tsx', '--input-type=module', '-e', 'code', '--max-old-space-size=100', '--input-type', 'commonjs', '--print', 'x', '--eval=y'])).toEqual([
      '--import',
      'tsx',
      '--max-old-space-size=100',
    ]);
  });

  it('refuses bad options', () => {
    for (const size of [0, 1.5, 257, '2', Number.NaN]) {
      expect(() => createWorkerPool({ size: size as number })).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
    }
    expect(() => createWorkerPool({ threads: 2 } as never)).toThrow(expect.objectContaining({ code: 'UNKNOWN_OPTION' }));
    expect(() => createWorkerPool({ signal: {} as AbortSignal })).toThrow(expect.objectContaining({ code: 'INVALID_TYPE' }));
    for (const niceIncrement of [-1, 20, 2.5, '10']) {
      expect(() => createWorkerPool({ niceIncrement: niceIncrement as number })).toThrow(expect.objectContaining({ code: 'OUT_OF_RANGE' }));
    }
  });

  it.runIf(process.platform === 'linux')('niceIncrement lowers the workers\' threads only (Linux: a nice value per thread), and the pool still closes rounds', async () => {
    const niceOfThreads = (): number[] =>
      readdirSync('/proc/self/task').map((tid) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ')[16]));
    const base = getPriority(); // this thread's
    const before = niceOfThreads();
    const p = startWorkerPool({ size: 2, niceIncrement: 7 }, { url: realWorker, typescript: false });
    pools.push(p);
    await p.ready();
    const during = niceOfThreads();
    // The two workers' threads run 7 below the rest; this thread and the others keep their value.
    expect(during.filter((n) => n === base + 7)).toHaveLength(before.filter((n) => n === base + 7).length + 2);
    expect(getPriority()).toBe(base);
    const { server } = serverAtUnmaskingClose(bar);
    const want = serverCloseRound(structuredClone(server));
    expect(await serverCloseRoundAsync(server, { runner: p })).toEqual(want);
    await p.close();
  }, 30_000);

  it('no thread outlives the pool: a process that used pools exits by itself, closed or not', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '_exit-check.ts')], { encoding: 'utf8', timeout: 30_000 });
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('done');
    expect(child.status).toBe(0);
  }, 60_000);
});

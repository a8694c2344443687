/**
 * The unmasking close as a plan of jobs (no threads here: test/workers runs the same plans on a
 * worker pool). The plan, run in any order, with any concurrency and slice length, ends exactly
 * as `serverCloseRound` does; results are checked before use; secrets are wiped once used; the
 * async close turns a failing or cancelled runner into a coded abort, never a wrong sum or a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyUnmaskingResults,
  createInlineRunner,
  createServer,
  runUnmaskingJob,
  serverCloseRound,
  serverCloseRoundAsync,
  unmaskingPlan,
  type JobRunner,
  type ServerLiveState,
  type ServerState,
  type ServerStep,
  type UnmaskingJob,
  type UnmaskingKeysJob,
  type UnmaskingMasksJob,
  type UnmaskingPlan,
  type UnmaskingResult,
} from '../../src/protocol/index.js';
import { expectSecAggError } from '../_hostile.js';
import { plainSum } from './_driver.js';
import {
  atUnmaskingReveal,
  deliverReveals,
  expectOutcome,
  namedLiars,
  serverAtUnmaskingClose,
  unmaskingCase,
  type StopRound,
  type UnmaskingCase,
} from './_unmasking.js';

/** Runs a plan to the end, each stage's jobs in the order `order` gives (results put back in plan order). */
function drive(plan: UnmaskingPlan, order: (n: number) => number[] = (n) => [...Array(n).keys()]): ServerStep {
  while (plan.stage !== 'done') {
    const results: UnmaskingResult[] = new Array(plan.jobs.length);
    for (const i of order(plan.jobs.length)) results[i] = runUnmaskingJob(plan.jobs[i] as UnmaskingJob);
    plan = applyUnmaskingResults(plan, results);
  }
  return plan.step;
}

const reversed = (n: number): number[] => [...Array(n).keys()].reverse();

describe('unmaskingPlan and applyUnmaskingResults', () => {
  it('any concurrency, slice length and job order, sync or async: the same step as serverCloseRound, liars included', async () => {
    // Liars in about half the cases (test/protocol/_unmasking.ts): each owner's outcome depends
    // on its own shares only, so however owners are cut into jobs the same clients are named,
    // the same sums come out or the same abort.
    let lied = 0;
    let named = 0;
    await fc.assert(
      fc.asyncProperty(unmaskingCase, fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 160 }), fc.boolean(), async (c, concurrency, slice, backwards) => {
        const { config, server, liars } = serverAtUnmaskingClose(c);
        if (server.round !== 'unmasking') return; // an earlier round aborted: nothing to unmask
        const want = serverCloseRound(structuredClone(server));
        expectOutcome(config, want, liars);
        if (liars.length > 0) lied++;
        if (namedLiars(want).length > 0) named++;
        const plan = unmaskingPlan(structuredClone(server), { concurrency, sliceLength: slice });
        expect(drive(plan, backwards ? reversed : undefined)).toEqual(want);
        let delay = 0;
        const shuffling: JobRunner = {
          concurrency,
          run: (job) => new Promise((resolve) => setTimeout(() => resolve(runUnmaskingJob(job)), (delay = (delay + 7) % 3))),
        };
        expect(await serverCloseRoundAsync(structuredClone(server), { runner: shuffling, sliceLength: slice })).toEqual(want);
      }),
      { numRuns: 30 },
    );
    expect(lied).toBeGreaterThan(3); // the cases do exercise liars
    expect(named).toBeGreaterThan(3);
  });

  it('completes with the plain sum, over slices that do not divide the vector length', () => {
    const c: UnmaskingCase = {
      clients: 9,
      vectors: [{ name: 'x', length: 101, bits: 24 }, { name: 'y', length: 37, bits: 7 }],
      stops: new Map<number, StopRound>([[2, 'shareKeys'], [5, 'maskedInputCollection'], [7, 'unmasking']]),
    };
    const { config, server } = serverAtUnmaskingClose(c);
    const plan = unmaskingPlan(server, { sliceLength: 10, concurrency: 3 });
    expect(plan.stage).toBe('keys');
    const keysJobs = plan.jobs as UnmaskingKeysJob[];
    expect(keysJobs.length).toBeGreaterThan(1);
    const step = drive(plan);
    expect(step.state.round).toBe('completed');
    if (step.state.round !== 'completed') return;
    const included = [1, 3, 4, 6, 7, 8, 9];
    expect(step.state.result.included).toEqual(included);
    expect(step.state.result.sums['x']).toEqual(plainSum(config, included, 'x'));
    expect(step.state.result.sums['y']).toEqual(plainSum(config, included, 'y'));
  });

  it('a round that cannot succeed is a done plan with the abort (TOO_FEW_CLIENTS)', () => {
    const stops = new Map<number, StopRound>([[1, 'unmasking'], [2, 'unmasking'], [3, 'unmasking']]);
    const { server } = serverAtUnmaskingClose({ clients: 6, threshold: 4, vectors: [{ name: 'x', length: 4, bits: 8 }], stops });
    const want = serverCloseRound(structuredClone(server));
    const plan = unmaskingPlan(server);
    expect(plan.stage).toBe('done');
    expect(plan.step).toEqual(want);
    expect(want.state.round === 'aborted' && want.state.code).toBe('TOO_FEW_CLIENTS');
  });

  it('a wrong revealed share that cannot be corrected aborts the plan as it aborts serverCloseRound (RECONSTRUCTION_FAILED)', () => {
    // 5 holders per secret, t = 3: a wrong share is detected, not corrected (floor((5 - 3 - 1) / 2) = 0).
    const stops = new Map<number, StopRound>([[3, 'maskedInputCollection']]);
    const { server } = serverAtUnmaskingClose({ clients: 6, threshold: 3, vectors: [{ name: 'x', length: 20, bits: 16 }], stops });
    const live = server as ServerLiveState;
    (live.revealed[1] as Uint8Array[])[0]?.fill(0x5a); // holder 1's first share (of owner 1)
    const want = serverCloseRound(structuredClone(server));
    expect(want.state.round === 'aborted' && want.state.code).toBe('RECONSTRUCTION_FAILED');
    expect(want.state.round === 'aborted' && want.state.reason).toMatch(/client 1's secret could not be rebuilt: more of its 5 shares are wrong than can be corrected/);
    expect(drive(unmaskingPlan(structuredClone(server), { concurrency: 4 }))).toEqual(want);
  });

  it('a state whose revealed shares do not fit its graph aborts every close (RECONSTRUCTION_FAILED), never a wrong sum', async () => {
    // The receive step checks each holder's share count; a state changed afterwards (here holder
    // 2 lost its last share) is refused before any share is used, the revealed shares wiped.
    const { server } = serverAtUnmaskingClose({ clients: 6, threshold: 3, vectors: [{ name: 'x', length: 20, bits: 16 }] });
    const live = server as ServerLiveState;
    (live.revealed[2] as Uint8Array[]).pop();
    const reason = /client 2 revealed 5 shares for 6 owners/;
    const steps = [
      serverCloseRound(structuredClone(server)),
      drive(unmaskingPlan(structuredClone(server), { concurrency: 3 })),
      await serverCloseRoundAsync(structuredClone(server), { runner: createInlineRunner() }),
    ];
    for (const step of steps) {
      expect(step.state.round === 'aborted' && step.state.code).toBe('RECONSTRUCTION_FAILED');
      expect(step.state.round === 'aborted' && step.state.reason).toMatch(reason);
    }
    const revealed = live.revealed.filter((r) => r != null).flat() as Uint8Array[];
    unmaskingPlan(server);
    expect(revealed.every((b) => b.every((x) => x === 0))).toBe(true);
  });

  it('refuses wrong rounds and reused states or plans', () => {
    const { config, server } = serverAtUnmaskingClose({ clients: 5, vectors: [{ name: 'x', length: 8, bits: 16 }] });
    const fresh = createServer(config);
    expectSecAggError(() => unmaskingPlan(fresh), 'WRONG_ROUND');
    expect(serverCloseRound(fresh).state.round).toBe('aborted'); // not consumed by the refusal
    const completed = serverCloseRound(structuredClone(server)).state;
    expectSecAggError(() => unmaskingPlan(completed), 'WRONG_ROUND');
    const plan = unmaskingPlan(server);
    expectSecAggError(() => unmaskingPlan(server), 'STATE_CONSUMED');
    const results = plan.jobs.map((job) => runUnmaskingJob(job));
    const next = applyUnmaskingResults(plan, results);
    expectSecAggError(() => applyUnmaskingResults(plan, results), 'STATE_CONSUMED');
    expect(next.stage).toBe('masks');
    for (const bad of [{ concurrency: 0 }, { concurrency: 1.5 }, { sliceLength: 0 }, { backend: 'fast' }, { slices: 2 }]) {
      const { server: s } = serverAtUnmaskingClose({ clients: 5, vectors: [{ name: 'x', length: 8, bits: 16 }] });
      expect(() => unmaskingPlan(s, bad as never)).toThrow();
    }
  });

  it('checks every result before using any, and leaves the plan usable when one is wrong', () => {
    const { server } = serverAtUnmaskingClose({
      clients: 6,
      vectors: [{ name: 'x', length: 30, bits: 12 }],
      stops: new Map<number, StopRound>([[4, 'maskedInputCollection']]),
    });
    const want = serverCloseRound(structuredClone(server));
    let plan = unmaskingPlan(server, { concurrency: 2, sliceLength: 7 });
    if (plan.stage === 'done') throw new Error('expected jobs');
    const keys = plan.jobs.map((job) => runUnmaskingJob(job));
    const k0 = keys[0] as Extract<UnmaskingResult, { kind: 'keys' }>;
    const badKeys: unknown[][] = [
      keys.slice(1),
      [null, ...keys.slice(1)],
      [{ ...k0, kind: 'masks' }, ...keys.slice(1)],
      [{ ...k0, keys: [(k0.keys[0] as Uint8Array).subarray(1)] }, ...keys.slice(1)],
      [{ ...k0, keys: 'x' }, ...keys.slice(1)],
      [{ ...k0, failure: { owner: 999, cause: 'KEY_MISMATCH' } }, ...keys.slice(1)],
      [{ ...k0, liars: undefined }, ...keys.slice(1)],
      [{ ...k0, liars: [999] }, ...keys.slice(1)],
      [{ ...k0, liars: [2, 1] }, ...keys.slice(1)],
      [{ ...k0, liars: ['1'] }, ...keys.slice(1)],
    ];
    for (const bad of badKeys) expect(() => applyUnmaskingResults(plan, bad as UnmaskingResult[])).toThrow();
    plan = applyUnmaskingResults(plan, keys);
    if (plan.stage !== 'masks') throw new Error('expected the masks stage');
    const masks = plan.jobs.map((job) => runUnmaskingJob(job));
    const m0 = masks[0] as Extract<UnmaskingResult, { kind: 'masks' }>;
    const badMasks: unknown[][] = [
      [{ ...m0, sum: m0.sum.subarray(1) }, ...masks.slice(1)],
      [{ ...m0, sum: new Uint32Array(m0.sum.length).fill(1 << 12) }, ...masks.slice(1)],
      [{ ...m0, sum: Array.from(m0.sum) }, ...masks.slice(1)],
      [keys[0], ...masks.slice(1)],
    ];
    expectSecAggError(() => applyUnmaskingResults(plan, badMasks[0] as UnmaskingResult[]), 'LENGTH_MISMATCH');
    expectSecAggError(() => applyUnmaskingResults(plan, badMasks[1] as UnmaskingResult[]), 'ELEMENT_OUT_OF_RANGE');
    expectSecAggError(() => applyUnmaskingResults(plan, badMasks[2] as UnmaskingResult[]), 'INVALID_TYPE');
    expectSecAggError(() => applyUnmaskingResults(plan, badMasks[3] as UnmaskingResult[]), 'INVALID_TYPE');
    const end = applyUnmaskingResults(plan, masks);
    expect(end.step).toEqual(want);
    expectSecAggError(() => applyUnmaskingResults(end, []), 'INVALID_TYPE');
    expectSecAggError(() => applyUnmaskingResults({} as UnmaskingPlan, []), 'INVALID_TYPE');
  });

  it('runUnmaskingJob refuses malformed jobs with a code (they may come off a queue)', () => {
    const { server } = serverAtUnmaskingClose({ clients: 6, vectors: [{ name: 'x', length: 20, bits: 16 }], stops: new Map<number, StopRound>([[2, 'maskedInputCollection']]) });
    let plan = unmaskingPlan(server);
    const all = plan.jobs as UnmaskingKeysJob[];
    const keys = all.find((j) => j.survivors.length > 0) as UnmaskingKeysJob;
    const d = all.find((j) => j.dropped.length > 0)?.dropped[0] as UnmaskingKeysJob['dropped'][number];
    const u = keys.survivors[0] as UnmaskingKeysJob['survivors'][number];
    const badKeys: unknown[] = [
      { ...keys, threshold: 1 },
      { ...keys, sessionId: new Uint8Array(31) },
      { ...keys, vectors: [] },
      { ...keys, vectors: [3] },
      { ...keys, survivors: 'x' },
      { ...keys, survivors: [null] },
      { ...keys, survivors: [{ ...u, holders: u.holders.slice(1, 2) }] },
      { ...keys, survivors: [{ ...u, holders: [...u.holders].reverse() }] },
      { ...keys, survivors: [{ ...u, shares: u.shares.subarray(1) }] },
      { ...keys, dropped: [{ ...d, publicKey: new Uint8Array(8) }] },
      { ...keys, dropped: [{ ...d, peers: [0] }] },
      { ...keys, dropped: [{ ...d, peerKeys: d.peerKeys.subarray(32) }] },
    ];
    for (const job of badKeys) expectSecAggError(() => runUnmaskingJob(job as UnmaskingJob), 'INVALID_TYPE');
    plan = applyUnmaskingResults(plan, plan.jobs.map((job) => runUnmaskingJob(job)));
    const masks = plan.jobs[0] as UnmaskingMasksJob;
    for (const [job, code] of [
      [{ ...masks, sum: Array.from(masks.sum) }, 'INVALID_TYPE'],
      [{ ...masks, keys: 'k' }, 'INVALID_TYPE'],
      [{ ...masks, signs: Uint8Array.from(masks.signs) }, 'INVALID_TYPE'],
      [{ ...masks, signs: masks.signs.map(() => 2) }, 'INVALID_TYPE'],
      [{ ...masks, keys: masks.keys.subarray(32) }, 'LENGTH_MISMATCH'],
      [{ ...masks, bits: 33 }, 'INVALID_BITS'],
      [{ ...masks, offset: -1 }, 'OUT_OF_RANGE'],
    ] as const) {
      expectSecAggError(() => runUnmaskingJob(job as unknown as UnmaskingJob), code);
    }
    for (const job of [null, undefined, 5, {}, { kind: 'sum' }]) expectSecAggError(() => runUnmaskingJob(job as unknown as UnmaskingJob), 'INVALID_TYPE');
    expectSecAggError(() => runUnmaskingJob(masks, { random: 1 } as never), 'UNKNOWN_OPTION');
  });

  it('wipes the shares, keys jobs, keys results and masks jobs once they are used', () => {
    const { server } = serverAtUnmaskingClose({
      clients: 7,
      vectors: [{ name: 'x', length: 40, bits: 16 }],
      stops: new Map<number, StopRound>([[2, 'maskedInputCollection']]),
    });
    const revealed = (server as ServerLiveState).revealed.filter((r) => r != null).flat() as Uint8Array[];
    const zero = (b: Uint8Array): boolean => b.every((x) => x === 0);
    let plan = unmaskingPlan(server, { concurrency: 2, sliceLength: 16 });
    if (plan.stage !== 'keys') throw new Error('expected the keys stage');
    const keysJobs = plan.jobs as UnmaskingKeysJob[];
    const keys = keysJobs.map((job) => runUnmaskingJob(job));
    expect(keysJobs.some((job) => !zero(job.survivors[0]?.shares ?? new Uint8Array(1)))).toBe(true);
    plan = applyUnmaskingResults(plan, keys);
    expect(revealed.every(zero)).toBe(true);
    for (const job of keysJobs) for (const set of [...job.survivors, ...job.dropped]) expect(zero(set.shares)).toBe(true);
    for (const r of keys) if (r.kind === 'keys') for (const k of r.keys) expect(zero(k)).toBe(true);
    const masksJobs = plan.jobs as UnmaskingMasksJob[];
    expect(masksJobs.some((job) => !zero(job.keys))).toBe(true);
    applyUnmaskingResults(plan, masksJobs.map((job) => runUnmaskingJob(job)));
    for (const job of masksJobs) expect(zero(job.keys)).toBe(true);
  });
});

describe('serverCloseRoundAsync', () => {
  const c: UnmaskingCase = {
    clients: 8,
    vectors: [{ name: 'x', length: 50, bits: 20 }],
    stops: new Map<number, StopRound>([[3, 'maskedInputCollection'], [6, 'unmasking']]),
  };

  it('gives the step of serverCloseRound, with the inline runner and with a runner that reorders jobs', async () => {
    const { server } = serverAtUnmaskingClose(c);
    const want = serverCloseRound(structuredClone(server));
    expect(await serverCloseRoundAsync(structuredClone(server))).toEqual(want);
    expect(await serverCloseRoundAsync(structuredClone(server), { runner: createInlineRunner(), sliceLength: 9 })).toEqual(want);
    let delay = 0;
    const shuffling: JobRunner = {
      concurrency: 3,
      run: (job) => new Promise((resolve) => setTimeout(() => resolve(runUnmaskingJob(job)), (delay = (delay + 7) % 5))),
    };
    expect(await serverCloseRoundAsync(structuredClone(server), { runner: shuffling })).toEqual(want);
  });

  it('closes every round as serverCloseRound does, whatever its pause does between the pieces', async () => {
    // A pause that goes on at once, gives a microtask, a macrotask turn, throws or rejects (a
    // caller's bug: ignored), in turn; the outbox and state must be those of the sync close.
    let k = 0;
    const pause = (): Promise<void> | undefined => {
      switch (k++ % 5) {
        case 1: return Promise.resolve();
        case 2: return new Promise((resolve) => setImmediate(resolve));
        case 3: throw new Error('pause failed');
        case 4: return Promise.reject(new Error('pause rejected'));
        default: return undefined;
      }
    };
    let closes = 0;
    await fc.assert(
      fc.asyncProperty(unmaskingCase, async (uc) => {
        const before: ServerState[] = [];
        const at = atUnmaskingReveal(uc, (server) => before.push(structuredClone(server)));
        if (at.server.round === 'unmasking') before.push(deliverReveals(at));
        for (const server of before) {
          const want = serverCloseRound(structuredClone(server));
          expect(await serverCloseRoundAsync(server, { pause, runner: createInlineRunner(), sliceLength: 7 })).toEqual(want);
          closes++;
        }
      }),
      { numRuns: 15 },
    );
    expect(closes).toBeGreaterThan(40);
    expect(k).toBeGreaterThan(100); // the closes did pause
  });

  it('refuses to close a terminal server', async () => {
    const { server } = serverAtUnmaskingClose({ ...c, stops: new Map() });
    const early = serverCloseRound(structuredClone(server));
    expect(early.state.round).toBe('completed');
    await expect(serverCloseRoundAsync(early.state)).rejects.toMatchObject({ code: 'WRONG_ROUND' });
  });

  it('a failing runner, a wrong result or a cancelled close abort the session (LOCAL_ABORT) and tell the clients', async () => {
    const { server } = serverAtUnmaskingClose(c);
    // Every member the close started with hears of the abort, the silent client 6 (which the close
    // drops) included: it may still be listening.
    const members = (server as ServerLiveState).members.slice();
    const rejecting: JobRunner = { run: () => Promise.reject(new Error('boom')) };
    const lying: JobRunner = { run: async (job) => ({ ...runUnmaskingJob(job), kind: job.kind === 'keys' ? 'masks' : 'keys' }) as UnmaskingResult };
    const controller = new AbortController();
    const hanging: JobRunner = { run: () => new Promise(() => undefined) };
    const cancelled = serverCloseRoundAsync(structuredClone(server), { runner: hanging, signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    for (const [step, cause] of [
      [await serverCloseRoundAsync(structuredClone(server), { runner: rejecting }), /JOB_FAILED/],
      [await serverCloseRoundAsync(structuredClone(server), { runner: lying }), /INVALID_TYPE/],
      [await cancelled, /cancelled/],
      [await serverCloseRoundAsync(structuredClone(server), { signal: AbortSignal.abort() }), /cancelled/],
    ] as const) {
      expect(step.state.round).toBe('aborted');
      if (step.state.round !== 'aborted') continue;
      expect(step.state.code).toBe('LOCAL_ABORT');
      expect(step.state.reason).toMatch(cause);
      expect(step.outbox).toEqual([{ to: members, message: { type: 'abort', code: 'LOCAL_ABORT' } }]);
    }
  });

  it('wipes the keys of results that arrive after the close gave up', async () => {
    const { server } = serverAtUnmaskingClose(c);
    const late: UnmaskingResult[] = [];
    let calls = 0;
    const runner: JobRunner = {
      concurrency: 3,
      run: (job) => {
        const result = runUnmaskingJob(job);
        if (calls++ === 0) return Promise.reject(new Error('first job fails'));
        late.push(result);
        return new Promise((resolve) => setTimeout(() => resolve(result), 20));
      },
    };
    const step = await serverCloseRoundAsync(server, { runner });
    expect(step.state.round).toBe('aborted');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(late.length).toBeGreaterThan(0);
    for (const r of late) if (r.kind === 'keys') for (const k of r.keys) expect(k.every((x) => x === 0)).toBe(true);
  });

  it('refuses bad options', async () => {
    for (const bad of [{ runner: {} }, { runner: { run: () => undefined, concurrency: 0 } }, { signal: {} }, { sliceLength: -1 }, { pause: 1 }, { pool: 1 }]) {
      const { server } = serverAtUnmaskingClose({ clients: 5, vectors: [{ name: 'x', length: 8, bits: 16 }] });
      await expect(serverCloseRoundAsync(server, bad as never)).rejects.toThrow();
    }
  });
});

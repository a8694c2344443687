/**
 * Shamir sharing over GF(2^16): split, combine, batch reconstruction and robust reconstruction.
 * Run: `npx tsx bench/shamir.ts` (add `--quick` to skip n = 10,000; `--only=robust` runs only
 * the robust section).
 *
 * Baselines, measured in the same run:
 * - split: Horner's rule per holder with log/exp tables (two dependent lookups and a zero test
 *   per step, one holder at a time): the straightforward table-based implementation.
 * - combine: `combineShares` (Lagrange coefficients recomputed, O(t^2)) against a cached
 *   `createCombiner(...).combine`.
 * - batch: n calls of `combineShares` (measured on a sample of secrets and scaled to n when n is
 *   large, flagged in the table) against one combiner reused for the n secrets.
 * - robust: `createRobustCombiner` over all N shares against today's server check, a
 *   `createCombiner` over the first t + 1 holders (what src/protocol/server.ts `finish()` does),
 *   for one secret (warm and cold) and for a round of 500 secrets, honest and with liars; and
 *   the server's reconstruction (src/protocol/server/_reconstruct.ts: accepted within
 *   floor((N - t - 1) / 2) errors, known liars left out when safe) against the same today.
 */
import { mapSummary, stats, type Measurement, type Summary } from './_harness.js';
import { machine, measure, printJson, printTable, type Row } from './_harness.js';
import { loadavg } from 'node:os';
import { combineShares, createCombiner, createRobustCombiner, splitSecret, type Share } from '../src/shamir/index.js';
import { deterministicRandomBytes } from '../src/testing/index.js';
import { EXP, LOG } from '../src/shamir/_gf.js';
import { keysReconstruction, maxLiars } from '../src/protocol/server/_reconstruct.js';
import { pooledCryptoRandomBytes } from '../src/random.js';

const quick = process.argv.includes('--quick');
const onlyRobust = process.argv.includes('--only=robust');
const sizes = quick ? [100, 1_000] : [100, 1_000, 10_000];
const rng = deterministicRandomBytes(new Uint8Array(32).fill(42));
const secret = rng(32);
const where = machine();

/** Baseline split: Horner per holder, per element, with a zero test and two lookups per step. */
function hornerSplit(secretBytes: Uint8Array, t: number, n: number, coefficients: Uint8Array): Uint8Array[] {
  const m = secretBytes.length >>> 1;
  const exp = EXP;
  const log = LOG;
  const out: Uint8Array[] = [];
  for (let x = 1; x <= n; x++) {
    const lx = log[x] as number;
    const y = new Uint8Array(2 * m);
    for (let e = 0; e < m; e++) {
      let acc = 0;
      for (let k = t - 1; k >= 1; k--) {
        const at = 2 * ((k - 1) * m + e);
        const c = ((coefficients[at] as number) << 8) | (coefficients[at + 1] as number);
        acc = acc === 0 ? c : (exp[(log[acc] as number) + lx] as number) ^ c;
      }
      const s = ((secretBytes[2 * e] as number) << 8) | (secretBytes[2 * e + 1] as number);
      acc = acc === 0 ? s : (exp[(log[acc] as number) + lx] as number) ^ s;
      y[2 * e] = acc >>> 8;
      y[2 * e + 1] = acc & 0xff;
    }
    out.push(y);
  }
  return out;
}

const ms = (s: number): number => s * 1000;
/** A measurement in ms: median (min-max) in a table cell, `stats` in a JSON line. */
const msOf = (m: Measurement): Summary => mapSummary(m, ms);

/**
 * Smallest CPU time (user + system) of one call over `runs` calls, in ms. Reported next to the
 * harness's wall-clock median because this 2-core machine is shared: CPU time is less inflated
 * by other processes (cache contention still shows).
 */
function cpuMs(fn: () => unknown, runs: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const before = process.cpuUsage();
    fn();
    const used = process.cpuUsage(before);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
}
const splitRows: Row[] = [];
const combineRows: Row[] = [];
const batchRows: Row[] = [];

for (const n of onlyRobust ? [] : sizes) {
  const t = Math.floor(n / 2) + 1;
  const large = n >= 10_000;
  const runs = large ? { minRuns: 2, warmup: 1, minSeconds: 0 } : { minRuns: 5, warmup: 2, minSeconds: 1 };
  const once = { minRuns: 1, warmup: 0, minSeconds: 0 };
  const cpuRuns = large ? 2 : 10;

  // --- split
  const coefficients = rng(2 * (t - 1) * 16);
  const fixedRng = (length: number): Uint8Array => coefficients.slice(0, length);
  const baseline = measure(() => hornerSplit(secret, t, n, coefficients), large ? once : runs);
  const ours = measure(() => splitSecret(secret, { threshold: t, holders: n, rng: fixedRng }), runs);
  const oursCpu = cpuMs(() => splitSecret(secret, { threshold: t, holders: n, rng: fixedRng }), cpuRuns);
  // Same coefficients: both must agree (guards the baseline's honesty).
  const check = splitSecret(secret, { threshold: t, holders: n, rng: fixedRng });
  const baseShares = hornerSplit(secret, t, n, coefficients);
  if (!check.every((s, i) => Buffer.from(s.y).equals(Buffer.from(baseShares[i] as Uint8Array)))) {
    throw new Error('baseline and splitSecret disagree');
  }
  splitRows.push({ n, t, 'Horner+tables ms': msOf(baseline), 'splitSecret ms': msOf(ours), ratio: baseline.seconds / ours.seconds, 'splitSecret min cpu ms': oursCpu });
  printJson({ bench: 'shamir', case: 'split', n, t, secretBytes: 32, ...stats(msOf(ours), 'ms'), ms: ms(ours.seconds), minCpuMs: oursCpu, baselineMs: ms(baseline.seconds), baseline: 'horner-log-exp', ratio: baseline.seconds / ours.seconds, machine: where });

  // --- combine one secret from t shares, and from all n shares (consistency checks)
  const shares = check;
  const survivors = shares.slice(n - t); // the last t holders
  const uncached = measure(() => combineShares(survivors, { threshold: t }), runs);
  const combiner = createCombiner(survivors.map((s) => s.x), { threshold: t });
  for (let i = 0; i < 20; i++) combiner.combine(survivors); // past the table-building point
  const cached = measure(() => combiner.combine(survivors), { ...runs, minSeconds: 0.5, minRuns: 20 });
  const checked = measure(() => combineShares(shares, { threshold: t }), large ? once : runs);
  const allCombiner = createCombiner(shares.map((s) => s.x), { threshold: t });
  for (let i = 0; i < 20; i++) allCombiner.combine(shares);
  const checkedCached = measure(() => allCombiner.combine(shares), { ...runs, minSeconds: 0.5, minRuns: 20 });
  combineRows.push({ n, t, 'combineShares(t) ms': msOf(uncached), 'combiner.combine ms': msOf(cached), ratio: uncached.seconds / cached.seconds, 'combineShares(all n, exact check) ms': msOf(checked), 'combiner(all n, parity check) ms': msOf(checkedCached) });
  printJson({ bench: 'shamir', case: 'combine', n, t, secretBytes: 32, ...stats(msOf(cached), 'ms'), ms: ms(cached.seconds), baselineMs: ms(uncached.seconds), baseline: 'combineShares-uncached', ratio: uncached.seconds / cached.seconds, checkedAllMs: ms(checked.seconds), combinerAllParityMs: ms(checkedCached.seconds), machine: where });

  // --- batch: n secrets (one per client) from the same t holders. Payloads are random (cost
  // does not depend on the data; correctness is tested in test/shamir); a pool of 32 share sets
  // is cycled to bound memory.
  const xs = survivors.map((s) => s.x);
  const pool: Share[][] = [];
  for (let p = 0; p < 32; p++) pool.push(xs.map((x) => ({ x, y: rng(32) })));
  const batchRun = (): void => {
    const c = createCombiner(xs, { threshold: t });
    for (let i = 0; i < n; i++) c.combine(pool[i % 32] as Share[]);
  };
  const batch = measure(batchRun, large ? once : runs);
  const batchCpu = cpuMs(batchRun, large ? 1 : cpuRuns);
  const sample = n > 1_000 ? 4 : n;
  const perSecret = measure(() => {
    for (let i = 0; i < sample; i++) combineShares(pool[i % 32] as Share[], { threshold: t });
  }, large ? once : runs);
  const baselineBatch = (perSecret.seconds * n) / sample;
  batchRows.push({ secrets: n, t, 'n x combineShares ms': ms(baselineBatch) , note: sample < n ? `scaled from ${sample}` : 'measured', 'createCombiner + n combines ms': msOf(batch), ratio: baselineBatch / batch.seconds, 'ours min cpu ms': batchCpu });
  printJson({ bench: 'shamir', case: 'batch', secrets: n, t, secretBytes: 32, ...stats(msOf(batch), 'ms'), ms: ms(batch.seconds), minCpuMs: batchCpu, baselineMs: ms(baselineBatch), baseline: sample < n ? `combineShares-per-secret-scaled-from-${sample}` : 'combineShares-per-secret', ratio: baselineBatch / batch.seconds, machine: where });
}

console.log(`\n${where}; ms columns: median (min-max) over runs`);
if (!onlyRobust) {
  printTable('split one 32-byte secret among n holders, t = n/2 + 1 (ratio = baseline / ours)', splitRows);
  printTable('combine one 32-byte secret (ratio = uncached / cached)', combineRows);
  printTable('batch: n secrets from the same t holders (ratio = baseline / ours)', batchRows);
}
robustSection();

/**
 * Robust reconstruction of 32-byte secrets from N shares at threshold t, against today's server
 * (a combiner over the first t + 1 holders: detects one wrong share and aborts). Cases: t and N
 * of the server bar (500 clients, 30% dropout: N = 350 survivors, t = ceil(2 * 500 / 3) = 334)
 * and around it. Rows:
 * - one secret, warm: a combiner already used 20 times on these holders (tables built);
 * - one secret, cold: making the combiner plus its first combine (a SecAgg+ server meets each
 *   neighbourhood once);
 * - the call that finds L liars (warm combiner; includes Gao and the new set without them);
 * - a round: the combiner made, then 500 secrets; the liars lie in every secret (after the
 *   first, their shares are skipped). Today's round aborts at the first liar: no figure.
 */
function robustSection(): void {
  const cases: [number, number][] = quick
    ? [[250, 350], [334, 350]]
    : [[250, 350], [334, 350], [250, 500], [334, 500], [400, 500], [500, 500]];
  const secretRows: Row[] = [];
  const roundRows: Row[] = [];
  const serverRows: Row[] = [];
  const loadBefore = loadavg()[0] as number;
  for (const [t, n] of cases) {
    const e = (n - t) >> 1;
    const holders = Array.from({ length: n }, (_, i) => i + 1);
    const pool: Share[][] = [];
    for (let p = 0; p < 16; p++) pool.push(splitSecret(rng(32), { threshold: t, holders, rng }));
    const firstT1 = holders.slice(0, Math.min(n, t + 1));
    const poolT1 = pool.map((shares) => shares.slice(0, firstT1.length));
    let i = 0;
    const today = createCombiner(firstT1, { threshold: t, rng });
    for (let w = 0; w < 20; w++) today.combine(poolT1[w % 16] as Share[]);
    const todayWarm = measure(() => today.combine(poolT1[i++ % 16] as Share[]), { minSeconds: 0.5, minRuns: 50 });
    const todayCpu = cpuMs(() => today.combine(poolT1[i++ % 16] as Share[]), 50);
    const robust = createRobustCombiner({ threshold: t, secretLength: 32, rng });
    for (let w = 0; w < 20; w++) robust.combine(pool[w % 16] as Share[]);
    const oursWarm = measure(() => robust.combine(pool[i++ % 16] as Share[]), { minSeconds: 0.5, minRuns: 50 });
    const oursCpu = cpuMs(() => robust.combine(pool[i++ % 16] as Share[]), 50);
    const todayCold = measure(() => createCombiner(firstT1, { threshold: t, rng }).combine(poolT1[0] as Share[]), { minSeconds: 0.3, minRuns: 5 });
    const oursCold = measure(() => createRobustCombiner({ threshold: t, secretLength: 32, rng }).combine(pool[0] as Share[]), { minSeconds: 0.3, minRuns: 5 });
    const row: Row = {
      t, N: n, e,
      'today warm ms': ms(todayWarm.seconds), 'robust warm ms': ms(oursWarm.seconds), 'warm ratio': oursWarm.seconds / todayWarm.seconds,
      'today min cpu ms': todayCpu, 'robust min cpu ms': oursCpu,
      'today cold ms': ms(todayCold.seconds), 'robust cold ms': ms(oursCold.seconds), 'cold ratio': oursCold.seconds / todayCold.seconds,
    };
    const liarCounts = [...new Set([1, 5, e])].filter((l) => l >= 1 && l <= e);
    for (const l of liarCounts) {
      // Liars spread over the holders (so some fall among the first t, which define the secret).
      const liars = Array.from({ length: l }, (_, k) => 1 + Math.floor((k * n) / l));
      const bad = pool.map((shares) => shares.map((s) => (liars.includes(s.x) ? { x: s.x, y: rng(32) } : s)));
      // Smallest CPU time over 7 detecting calls (after 2 unmeasured, for the JIT), each on a
      // fresh combiner warmed on honest shares.
      let best = Number.POSITIVE_INFINITY;
      for (let r = 0; r < 9; r++) {
        const c = createRobustCombiner({ threshold: t, secretLength: 32, rng });
        for (let w = 0; w < 10; w++) c.combine(pool[w % 16] as Share[]);
        const before = process.cpuUsage();
        const result = c.combine(bad[r % 16] as Share[]);
        const used = process.cpuUsage(before);
        if (r >= 2) best = Math.min(best, (used.user + used.system) / 1000);
        if (result.liars.length !== l) throw new Error('robust bench: liars not found');
      }
      row[`finding ${l === e ? 'e' : l}, cpu ms`] = best;
    }
    secretRows.push(row);
    printJson({ bench: 'shamir', case: 'robust-secret', t, n, secretBytes: 32, ms: ms(oursWarm.seconds), minCpuMs: oursCpu, baselineMs: ms(todayWarm.seconds), baselineMinCpuMs: todayCpu, baseline: 'createCombiner-t+1', ratio: oursWarm.seconds / todayWarm.seconds, coldMs: ms(oursCold.seconds), baselineColdMs: ms(todayCold.seconds), load: loadavg()[0], machine: where });

    // A round of 500 secrets.
    const secrets = 500;
    // Rounds last tens of ms, so on a shared machine their wall time counts other processes'
    // time slices: the smallest CPU time over 5 rounds (after one unmeasured) is reported.
    const todayRound = cpuMs(() => {
      const c = createCombiner(firstT1, { threshold: t, rng });
      for (let k = 0; k < secrets; k++) c.combine(poolT1[k % 16] as Share[]);
    }, 6);
    const roundRow: Row = { t, N: n, e, 'today (t + 1 check) cpu ms': todayRound };
    const honestRound = cpuMs(() => {
      const c = createRobustCombiner({ threshold: t, secretLength: 32, rng });
      for (let k = 0; k < secrets; k++) c.combine(pool[k % 16] as Share[]);
    }, 6);
    roundRow['robust, honest cpu ms'] = honestRound;
    roundRow['ratio'] = honestRound / todayRound;
    for (const l of liarCounts) {
      const liars = Array.from({ length: l }, (_, k) => 1 + Math.floor((k * n) / l));
      const bad = pool.map((shares) => shares.map((s) => (liars.includes(s.x) ? { x: s.x, y: rng(32) } : s)));
      const round = cpuMs(() => {
        const c = createRobustCombiner({ threshold: t, secretLength: 32, rng });
        for (let k = 0; k < secrets; k++) c.combine(bad[k % 16] as Share[]);
      }, 6);
      roundRow[`${l === e ? 'e' : l} liars cpu ms`] = round;
    }
    roundRows.push(roundRow);
    printJson({ bench: 'shamir', case: 'robust-round', t, n, secrets, secretBytes: 32, minCpuMs: honestRound, baselineMinCpuMs: todayRound, baseline: 'createCombiner-t+1', ratio: honestRound / todayRound, liars: roundRow, load: loadavg()[0], machine: where });

    // The server's reconstruction (src/protocol/server/_reconstruct.ts): 500 secrets over the same
    // holders, a secret accepted within r = floor((N - t - 1) / 2) errors, known liars left out
    // when that cannot change the outcome; beside the same without leaving them out (every call
    // decodes all N shares), which is what each liar would cost every secret otherwise.
    const r = maxLiars(n, t);
    const block = (shares: readonly Share[]): Uint8Array => {
      const out = new Uint8Array(32 * shares.length);
      shares.forEach((sh, k) => out.set(sh.y, 32 * k));
      return out;
    };
    const serverCounts = [...new Set([5, r])].filter((l) => l >= 1 && l <= r);
    const blocks = (liars: readonly number[]): Uint8Array[] => pool.map((shares) => block(shares.map((sh) => (liars.includes(sh.x) ? { x: sh.x, y: rng(32) } : sh))));
    const serverRow: Row = { t, N: n, r, 'today cpu ms': todayRound };
    const honestBlocks = blocks([]);
    serverRow['server honest cpu ms'] = cpuMs(() => {
      const rec = keysReconstruction(t, rng);
      for (let k = 0; k < secrets; k++) rec.rebuild(holders, honestBlocks[k % 16] as Uint8Array);
    }, 6);
    serverRow['honest / today'] = (serverRow['server honest cpu ms'] as number) / todayRound;
    for (const l of serverCounts) {
      const liars = Array.from({ length: l }, (_, k) => 1 + Math.floor((k * n) / l));
      const bad = blocks(liars);
      serverRow[`${l === r ? 'r' : l} liars cpu ms`] = cpuMs(() => {
        const rec = keysReconstruction(t, rng);
        for (let k = 0; k < secrets; k++) {
          const out = rec.rebuild(holders, bad[k % 16] as Uint8Array);
          if (out.liars.length > 0) rec.accept(out.liars);
          else if (k === 0) throw new Error('robust bench: the server found no liar');
        }
      }, 6);
      const badShares = pool.map((shares) => shares.map((sh) => (liars.includes(sh.x) ? { x: sh.x, y: rng(32) } : sh)));
      serverRow[`${l === r ? 'r' : l}, none left out`] = cpuMs(() => {
        const c = createRobustCombiner({ threshold: t, secretLength: 32, excludeLiars: false, rng });
        for (let k = 0; k < secrets; k++) c.combine(badShares[k % 16] as Share[]);
      }, 2); // about a second each: two runs
    }
    serverRows.push(serverRow);
    printJson({ bench: 'shamir', case: 'robust-server', t, n, r, secrets, row: serverRow, baseline: 'createCombiner-t+1', load: loadavg()[0], machine: where });
  }
  const plusRows = secaggPlusServer();
  const loadAfter = loadavg()[0] as number;
  console.log(`\nload average (1 min) ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after the robust section`);
  printTable('robust: one 32-byte secret (today = createCombiner over the first t + 1 holders; ratio = robust / today)', secretRows);
  printTable('robust: a round of 500 secrets over the same holders, combiner made inside (ratio = robust honest / today)', roundRows);
  printTable('robust: the server\'s reconstruction of 500 secrets (r = floor((N - t - 1) / 2); liars lie in every secret; "none left out": every call decodes all N shares)', serverRows);
  printTable('robust: a SecAgg+ server (10,000 clients, k = 34, t = 20) rebuilds each secret from its own 33 holders: us per secret (today = createCombiner over the first t + 1 holders)', plusRows);
}

/**
 * The SecAgg+ server's case: every secret has its own holders (the owner's neighbours), so no
 * holder set is ever reused: each secret pays for its set (dual scales, checks) and one pass.
 * 2,000 secrets, each from 33 holders drawn from 10,000 ids at t = 20 (the 10,000-client round).
 */
function secaggPlusServer(): Row[] {
  const t = 20;
  const n = 33;
  const secrets = 2000;
  const sets = Array.from({ length: secrets }, () => {
    const ids = new Set<number>();
    while (ids.size < n) {
      const b = rng(2);
      ids.add(1 + ((((b[0] as number) << 8) | (b[1] as number)) % 10_000));
    }
    const holders = [...ids].sort((a, b) => a - b);
    const shares = splitSecret(rng(32), { threshold: t, holders, rng });
    const block = new Uint8Array(32 * n);
    shares.forEach((sh, k) => block.set(sh.y, 32 * k));
    return { holders, shares, block };
  });
  // The checks' randomness as a keys job draws it (a pool of the CSPRNG), for both.
  const checks = pooledCryptoRandomBytes();
  const today = cpuMs(() => {
    for (const set of sets) createCombiner(set.holders.slice(0, t + 1), { threshold: t, rng: checks }).combine(set.shares.slice(0, t + 1));
  }, 6);
  const server = cpuMs(() => {
    const rec = keysReconstruction(t, checks);
    for (const set of sets) (rec.rebuild(set.holders, set.block).secret as Uint8Array).fill(0);
  }, 6);
  const row: Row = { t, N: n, secrets, 'today us': (1000 * today) / secrets, 'server us': (1000 * server) / secrets, ratio: server / today };
  printJson({ bench: 'shamir', case: 'robust-secaggplus', t, n, secrets, usPerSecret: (1000 * server) / secrets, baselineUsPerSecret: (1000 * today) / secrets, baseline: 'createCombiner-t+1', ratio: server / today, load: loadavg()[0], machine: where });
  return [row];
}

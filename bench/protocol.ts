/**
 * Protocol benchmarks: `npx tsx bench/protocol.ts [--large] [--only=client|server|ingest|parallel|robust|session]`.
 *
 * 1. One client's cost per round versus its number of peers (complete graph), native backend,
 *    plus a small case on the portable (noble) backend. Bar: 500 peers, 100,000 elements,
 *    all rounds <= 0.25 s.
 * 2. Server cost versus clients, vector length and dropout rate (dropouts after shareKeys, the
 *    costly case: each dropped client's pairwise masks with its surviving neighbours are
 *    regenerated). Bar: 500 clients, 100,000 elements, 30% dropout <= 10 s single-threaded.
 *    The clients' messages are synthetic (random masked vectors, real key pairs and real Shamir
 *    shares) so that only the server is timed; the sums are meaningless here (correctness is
 *    tested in test/protocol).
 *    2a (`ingest`). Masked-input accumulation: the fused unpack-and-add of serverReceiveBytes
 *    beside a plain Uint32 add of the same length (bar: <= 0.5 ns per element at 16 and 24
 *    bits), and the whole receive step per message beside decodeMessage + serverReceive.
 *    2b (`parallel`). The unmasking round's close single-threaded beside the same close on a
 *    worker pool of 1 and 2, and beside its floor (its agreements and keystreams alone on
 *    node:crypto, bench/_floor.ts), after one untimed close of each case that warms the pools
 *    (its time printed apart, like the pools' start-up). Bars at 500 clients, 30% dropout:
 *    100,000 elements <= 3.6 s on 2 workers and a paired speed-up >= 1.75x; 10,000 elements
 *    >= 1.6x; no event-loop block over 50 ms during the parallel close. Then the projection to
 *    100,000 clients x 1,000,000 parameters on 16 and 100 cores (docs/parallel.md).
 *    2c (`robust`). Robust unmasking (issue 18): the close at 500 clients, 100,000 elements, 30%
 *    dropout, honest and with 5 liars, beside today's reconstruction (createCombiner over the
 *    first t + 1 holders, bench/_keys-today.ts) in the same run (bar: honest within 5%), and the
 *    keys stage alone.
 * 3. A whole simulated SecAgg+ session (Harary graph from the parameter finder, every message
 *    through the codec), with the clients on this thread and on two worker threads (and then
 *    the server's unmasking on a pool of two), the server's own steps printed apart.
 *    `--large` adds the bar case: 10,000 clients, 10,000 elements, 5% dropout, clients on two
 *    worker threads, < 60 s and < 2 GB, the server's own steps <= 1.3 s; the default run uses
 *    1,000 clients.
 *
 * Every case runs `--runs=N` times (default 3) and prints the median with its min-max range; the
 * ratio columns compare medians. `--smoke`: the smallest sizes, one run (CI). `--bar`: only the
 * client and server cases that carry a bar (paired before/after runs). `--chart`: server
 * time against dropout rate and against clients, client time against neighbours, unmasking time
 * against workers (measured and projected), as SVG in docs/charts/ (bench/README.md).
 */
import { benchOptions, chartFooter, interleaved, mapSummary, medians, point, repeat, repeatAsync, stats, summarize, type Summary, type Timing } from './_harness.js';
import { lineChart, writeChart, type LineSeries } from './_chart.js';
import { machine, measure, printJson, printTable, type Row } from './_harness.js';
import { addMaskInto } from '../src/masking/index.js';
import { buildDirectory, directoryProof } from '../src/protocol/_directory.js';
import { AEAD_NONCE, channelKeys, shareAad, sharePlaintext } from '../src/protocol/_kdf.js';
import { aeadSeal, createX25519Agreement, generateX25519KeyPair, type CryptoBackend } from '../src/crypto/index.js';
import {
  clientAdvertiseKeys,
  clientMaskedInput,
  clientShareKeys,
  clientUnmask,
  createClient,
  applyUnmaskingResults,
  createSessionConfig,
  decodeMessage,
  findGraphParameters,
  serverCloseRound,
  serverCloseRoundAsync,
  serverReceive,
  serverReceiveBytes,
  unmaskingPlan,
  runUnmaskingJob,
  type ClientState,
  type JobRunner,
  type ServerLiveState,
  type ServerState,
  type ServerStep,
  type UnmaskingKeysJob,
  type UnmaskingPlan,
  type UnmaskingResult,
} from '../src/protocol/index.js';
import { simulateSession } from '../src/simulate/index.js';
import { createWorkerPool } from '../src/workers/index.js';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { simulateSessionParallel } from '../cli/simulate-parallel.js';
import { deterministicRandomBytes } from '../src/testing/index.js';
import { randomVector, serverAtMaskedInput, serverAtUnmasking } from './_server.js';
import { addPackedInto, packBits } from '../src/protocol/bitpack.js';
import { runKeysJobToday } from './_keys-today.js';
import { measureFloor } from './_floor.js';
import { loadavg } from 'node:os';

const large = process.argv.includes('--large');
// `--only=client`, `--only=server` or `--only=session` runs one section (with the baseline).
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const runs = (section: string): boolean => only === undefined || only === section;
const bench = benchOptions();
const smoke = bench.smoke;
const runsPerCase = bench.runs(3);
// `--bar`: only the cases an issue sets a bar on (the client at 500 peers, the server at 500
// clients x 100,000 elements x 30% dropout, with --large the SecAgg+ session of 10,000 clients),
// for paired before/after runs that fit in minutes.
const barOnly = process.argv.includes('--bar');
const now = (): number => performance.now();


// ------------------------------------------------------------------------------------------
// 1. Client

interface ClientTimes {
  advertise: number;
  shareKeys: number;
  maskedInput: number;
  unmasking: number;
}

function clientCost(peers: number, length: number, backend: CryptoBackend): ClientTimes {
  const n = peers + 1;
  const config = createSessionConfig({
    clients: n,
    threshold: Math.ceil((2 * n) / 3),
    nonce: new Uint8Array(32).fill(1),
    vectors: [{ name: 'x', length, bits: 24 }],
  });
  const rng = deterministicRandomBytes(new Uint8Array(32).fill(2));
  let t0 = now();
  // Creating the client draws its keys (they were drawn by the advertise step before issue 14).
  const adv = clientAdvertiseKeys(createClient(config, { id: 1, rng, backend }), { backend });
  const advertise = (now() - t0) / 1000;
  const own = adv.outbox[0];
  if (own?.type !== 'advertiseKeys') throw new Error('no keys');
  const channel: Uint8Array[] = [];
  const channelPublicKeys = new Uint8Array(32 * n);
  const maskingPublicKeys = new Uint8Array(32 * n);
  channelPublicKeys.set(own.channelPublicKey);
  maskingPublicKeys.set(own.maskingPublicKey);
  for (let v = 2; v <= n; v++) {
    const c = generateX25519KeyPair(rng);
    const m = generateX25519KeyPair(rng);
    channel[v] = c.privateKey;
    channelPublicKeys.set(c.publicKey, 32 * (v - 1));
    maskingPublicKeys.set(m.publicKey, 32 * (v - 1));
  }
  const ids = Array.from({ length: n }, (_, i) => i + 1);
  const keysOf = (id: number) => ({
    channelPublicKey: channelPublicKeys.subarray(32 * (id - 1), 32 * id),
    maskingPublicKey: maskingPublicKeys.subarray(32 * (id - 1), 32 * id),
  });
  const proof = directoryProof(buildDirectory(n, keysOf, null), ids); // what the server sends (complete graph)
  t0 = now();
  const sk = clientShareKeys(
    adv.state,
    { type: 'advertisedKeys', ids, channelPublicKeys, maskingPublicKeys, signatures: null, proof },
    { backend },
  );
  const shareKeys = (now() - t0) / 1000;
  const state = sk.state as Extract<ClientState, { round: 'maskedInputCollection' }>;
  const sid = state.sessionId;
  const senders: number[] = [];
  const ciphertexts: Uint8Array[] = [];
  for (let v = 2; v <= n; v++) {
    const shared = createX25519Agreement(channel[v] as Uint8Array).sharedSecret(own.channelPublicKey);
    const [key] = channelKeys(shared, sid, v, 1);
    senders.push(v);
    ciphertexts.push(aeadSeal(key, AEAD_NONCE, sharePlaintext(v, 1, rng(32), rng(32)), shareAad(sid, v, 1)));
  }
  const x = randomVector(length, 24, 3);
  t0 = now();
  const mi = clientMaskedInput(state, { type: 'encryptedShares', recipient: 1, sessionId: sid, senders, ciphertexts }, { x }, { backend });
  const maskedInput = (now() - t0) / 1000;
  if (mi.state.round !== 'unmasking') throw new Error(`client did not reach unmasking: ${mi.state.round}`);
  const all = Array.from({ length: n }, (_, i) => i + 1);
  t0 = now();
  const um = clientUnmask(mi.state, { type: 'unmaskingRequest', sessionId: sid, survivors: all, dropped: [], signers: [], signatures: [] }, { backend });
  const unmasking = (now() - t0) / 1000;
  if (um.state.round !== 'completed') throw new Error('client did not complete');
  return { advertise, shareKeys, maskedInput, unmasking };
}

const total = (t: ClientTimes): number => t.advertise + t.shareKeys + t.maskedInput + t.unmasking;

console.log(`# protocol benchmarks (${machine()})`);

// Machine baseline: the two loops every mask costs (a plain modular add, and a whole mask
// expanded and added by src/masking), in ns per element. The bars assume ~1 ns and ~1.5 ns.
{
  const length = 100_000;
  const a = randomVector(length, 24, 8);
  const b = randomVector(length, 24, 9);
  const key = new Uint8Array(32).fill(10);
  const add = (): void => {
    for (let i = 0; i < length; i++) a[i] = ((a[i] as number) + (b[i] as number)) & 0xffffff;
  };
  const plain = mapSummary(measure(add, { minSeconds: 0.3 }), (s) => (s * 1e9) / length);
  const masked = mapSummary(measure(() => addMaskInto(a, { key, bits: 24 }), { minSeconds: 0.3 }), (s) => (s * 1e9) / length);
  printTable('machine baseline (100,000 elements; median (min-max) over runs)', [
    { operation: 'plain Uint32 add mod 2^24', 'ns per element': plain, ratio: 1 },
    { operation: 'addMaskInto (native ChaCha20)', 'ns per element': masked, ratio: masked.median / plain.median },
  ]);
  printJson({ bench: 'protocol.baseline', case: 'plain add', elements: length, ...stats(plain, 'ns/element') });
  printJson({ bench: 'protocol.baseline', case: 'addMaskInto', elements: length, ...stats(masked, 'ns/element'), plainAddNs: plain.median, maskAddNs: masked.median });
}
const clientResults: { peers: number; elements: number; backend: CryptoBackend; t: Record<keyof ClientTimes | 'total', Summary> }[] = [];
if (runs('client')) {
  const rows: Row[] = [];
  const cases: [number, number, CryptoBackend][] = smoke
    ? [[10, 1000, 'native'], [5, 1000, 'native'], [5, 1000, 'portable']]
    : [
        [100, 100_000, 'native'],
        [50, 100_000, 'native'],
        [200, 100_000, 'native'],
        [500, 100_000, 'native'],
        [50, 10_000, 'native'],
        [50, 10_000, 'portable'],
      ];
  let baseline = 0;
  for (const [peers, length, backend] of barOnly ? cases.filter(([p, l]) => p === 500 && l === 100_000) : cases) {
    const t = repeat(runsPerCase, () => {
      const c = clientCost(peers, length, backend);
      return { ...c, total: total(c) };
    });
    clientResults.push({ peers, elements: length, backend, t });
    if (baseline === 0) baseline = t.total.median;
    rows.push({
      peers,
      elements: length,
      backend,
      'advertise s': t.advertise.median,
      'shareKeys s': t.shareKeys.median,
      'maskedInput s': t.maskedInput.median,
      'unmasking s': t.unmasking.median,
      'total s': t.total,
      ratio: t.total.median / baseline,
      bar: peers === 500 && length === 100_000 ? (t.total.median <= 0.25 ? 'ok <= 0.25 s' : 'OVER 0.25 s') : '',
    });
    printJson({ bench: 'protocol.client', peers, elements: length, backend, ...stats(t.total), ...medians(t), ranges: t });
  }
  printTable(`client, complete graph, cost per round (medians of ${runsPerCase}; total: median (min-max); ratio vs the first case)`, rows);
}

// ------------------------------------------------------------------------------------------
// 2. Server

interface ServerTimes {
  receiveMasked: number;
  unmask: number;
  other: number;
}

function serverCost(n: number, length: number, dropout: number): ServerTimes {
  const { server, receiveMasked, other } = serverAtUnmasking(n, length, dropout);
  const t0 = now();
  const done = serverCloseRound(server);
  const unmask = (now() - t0) / 1000;
  if (done.state.round !== 'completed') throw new Error(`server did not complete: ${done.state.round}`);
  return { receiveMasked, unmask, other };
}

const serverResults: { clients: number; elements: number; dropout: number; t: Record<keyof ServerTimes | 'total', Summary> }[] = [];
if (runs('server')) {
  const rows: Row[] = [];
  const cases: [number, number, number][] = smoke
    ? [[10, 1000, 0.3], [20, 1000, 0.3], [20, 1000, 0]]
    : [
        [100, 100_000, 0.3],
        [250, 100_000, 0.3],
        [500, 100_000, 0.3],
        [500, 100_000, 0.2],
        [500, 100_000, 0.1],
        [500, 100_000, 0],
        [500, 10_000, 0.3],
      ];
  let baseline = 0;
  for (const [n, length, dropout] of barOnly ? cases.filter(([n, l, d]) => n === 500 && l === 100_000 && d === 0.3) : cases) {
    const t = repeat(runsPerCase, () => {
      const x = serverCost(n, length, dropout);
      return { ...x, total: x.receiveMasked + x.unmask + x.other };
    });
    serverResults.push({ clients: n, elements: length, dropout, t });
    const sum = t.total.median;
    if (baseline === 0) baseline = sum;
    rows.push({
      clients: n,
      elements: length,
      dropout,
      'receive masked s': t.receiveMasked.median,
      'unmask s': t.unmask,
      'other rounds s': t.other.median,
      'total s': t.total,
      ratio: sum / baseline,
      bar: n === 500 && length === 100_000 && dropout === 0.3 ? (sum <= 10 ? 'ok <= 10 s' : 'OVER 10 s') : '',
    });
    printJson({ bench: 'protocol.server', clients: n, elements: length, dropout, ...stats(t.total), ...medians(t), ranges: t });
  }
  printTable(`server, complete graph, dropouts after shareKeys (medians of ${runsPerCase}; unmask and total: median (min-max); ratio vs the first case)`, rows);
}

// ------------------------------------------------------------------------------------------
// 2a. Masked-input ingest (issue 15): a masked input added to the running sums straight from its
// packed bytes (serverReceiveBytes' fused path; the bar: <= 0.5 ns per element at 16 and 24
// bits) beside a plain Uint32 add of the same length, timed in turns in the same run; and the
// whole receive step per message, fused beside decodeMessage + serverReceive.

if (runs('ingest')) {
  const rows: Row[] = [];
  const length = smoke ? 10_000 : 100_000;
  const clients = smoke ? 4 : 32;
  // The baseline: the machine baseline's loop (a closure over constant arrays, the form V8 runs
  // fastest: ~3x a function taking the arrays as arguments, measured), one instance for every row.
  const a = randomVector(length, 24, 32);
  const b = randomVector(length, 24, 33);
  const plainAdd = (): void => {
    for (let i = 0; i < length; i++) a[i] = ((a[i] as number) + (b[i] as number)) & 0xffffff;
  };
  for (const bits of [16, 24, 8, 32, 12, 20]) {
    const sum = randomVector(length, bits, 30);
    const packed = packBits(randomVector(length, bits, 31), bits);
    const [plain, fused] = interleaved([plainAdd, () => addPackedInto(sum, packed, bits)], { minSeconds: 0.5 }) as [Timing, Timing];
    const perElement = (s: Summary): Summary => mapSummary(s, (v) => (v * 1e9) / length);
    // Whole receive steps: every client's message into a fresh copy of the collecting server
    // (each message's bytes come from memory, not cache, as off a socket), timed per message.
    const { server, messages } = serverAtMaskedInput(clients, length, bits);
    const config = (server as ServerLiveState).config;
    const steps = (viaBytes: boolean): number[] => {
      let s: ServerState = structuredClone(server);
      const times = messages.map((bytes, i) => {
        const t0 = now();
        s = viaBytes ? serverReceiveBytes(s, bytes, { from: i + 1 }).state : serverReceive(s, decodeMessage(bytes, config) as never).state;
        return (now() - t0) / 1000;
      });
      if ((s as ServerLiveState).received.filter(Boolean).length !== clients) throw new Error('a message was refused');
      return times;
    };
    if (!smoke) steps(true), steps(false); // warm-up
    const perStep: { bytes: number[]; decoded: number[] } = { bytes: [], decoded: [] };
    for (let r = 0; r < (smoke ? 1 : 4); r++) {
      perStep.bytes.push(...steps(true));
      perStep.decoded.push(...steps(false));
    }
    const t = { bytes: summarize(perStep.bytes), decoded: summarize(perStep.decoded) };
    const perMessageElement = (s: Summary): Summary => mapSummary(s, (v) => (v * 1e9) / length);
    const fusedNs = perElement(fused.wall);
    const plainNs = perElement(plain.wall);
    rows.push({
      bits,
      'plain Uint32 add (mod 2^24) ns/el': plainNs,
      'fused unpack-add ns/el': fusedNs,
      'plain / fused (paired)': fused.wallVsFirst,
      'serverReceiveBytes ns/el': perMessageElement(t.bytes),
      'decode + serverReceive ns/el': perMessageElement(t.decoded),
      bar: bits === 16 || bits === 24 ? (fusedNs.median <= 0.5 ? 'ok <= 0.5 ns' : 'OVER 0.5 ns') : '',
    });
    printJson({
      bench: 'protocol.ingest', bits, elements: length, ...stats(fusedNs, 'ns/element'),
      plainAddNs: plainNs.median, receiveBytesNs: perMessageElement(t.bytes).median, decodeReceiveNs: perMessageElement(t.decoded).median,
      ranges: { plain: plainNs, fused: fusedNs, receiveBytes: perMessageElement(t.bytes), decodeReceive: perMessageElement(t.decoded) },
    });
  }
  printTable(
    `masked-input ingest, ${length.toLocaleString('en-US')} elements (median (min-max); the adds timed in turns, paired ratio = plain time / fused time, above 1: fused faster; receive steps: per message, ${clients} messages per copy of a collecting server, 4 copies)`,
    rows,
  );
}

// ------------------------------------------------------------------------------------------
// 2b. The parallel server close (issue 15): the unmasking round's close single-threaded
// (serverCloseRound) beside the same close on a worker pool (serverCloseRoundAsync), in the same
// run, on clones of one server state. The pools start beforehand (their start-up is printed
// apart); the main thread's event loop is watched (monitorEventLoopDelay) during each parallel
// close. Paired speed-up: per round, the single-threaded close over the 2-worker close run
// next to it (the order rotates every round).

interface StageTimes {
  keys: number;
  masks: number;
}

/** One close through the plan API on `runner`, timing each stage (for the per-core rates). */
async function stagedClose(server: ServerState, runner: JobRunner): Promise<StageTimes> {
  let plan: UnmaskingPlan = unmaskingPlan(server, { concurrency: runner.concurrency ?? 1 });
  const times: StageTimes = { keys: 0, masks: 0 };
  while (plan.stage !== 'done') {
    const stage = plan.stage;
    const t0 = now();
    const results = await Promise.all(plan.jobs.map((job) => runner.run(job)));
    plan = applyUnmaskingResults(plan, results);
    times[stage] += (now() - t0) / 1000;
  }
  if (plan.step.state.round !== 'completed') throw new Error('the staged close did not complete');
  return times;
}

/** Mask terms (self masks and pairwise masks) and X25519 agreements a close of this state needs. */
function closeWork(server: ServerState): { terms: number; agreements: number } {
  const s = server as ServerLiveState;
  const u3 = new Set(s.rounds.u3);
  const dropped = s.rounds.u2.filter((id) => !u3.has(id)).length;
  return { terms: u3.size + dropped * u3.size, agreements: dropped * u3.size }; // complete graph
}

const parallelResults: { clients: number; elements: number; dropout: number; t: Record<string, Summary>; maxDelayMs: number; speedup: Summary }[] = [];
const projection: { cores: number; seconds: number }[] = [];
/** Costs measured on the bar cases (one worker), for the scaling projection (docs/parallel.md). */
interface Rates {
  /** Seconds per X25519 agreement with its HKDF (keys stage). */
  readonly agreementSeconds: number;
  /** Seconds per mask term and slice to set its stream up (node:crypto's cipher). */
  readonly termOpenSeconds: number;
  /** Seconds per element and mask term. */
  readonly elementTermSeconds: number;
  /** T_1 / (2 T_2) on the 100,000-element bar case. */
  readonly efficiency2: number;
  /** The main thread's own time in a 2-worker close (event-loop active: planning, applying, GC). */
  readonly mainSeconds: number;
  /** Structured-clone bandwidth of a key block (what a masks job's keys cost to send). */
  readonly cloneBytesPerSecond: number;
  /** The main thread's add of one element of a term group's result into the sum. */
  readonly addSecondsPerElement: number;
}
let perCore: Rates | null = null;
const barStages = new Map<number, { work: { terms: number; agreements: number }; keys1: number; masks1: number; workers1: number; workers2: number; mainBusy: number }>();
if (runs('parallel')) {
  const cases: [number, number, number][] = smoke ? [[20, 1000, 0.3]] : [[500, 100_000, 0.3], [500, 10_000, 0.3]];
  let t0 = now();
  const pool2 = createWorkerPool({ size: 2 });
  await pool2.ready();
  const start2 = (now() - t0) / 1000;
  t0 = now();
  const pool1 = createWorkerPool({ size: 1 });
  await pool1.ready();
  const start1 = (now() - t0) / 1000;
  console.log(`\nworker pool start-up (not in the timed closes): 2 workers ${(start2 * 1e3).toFixed(0)} ms, 1 worker ${(start1 * 1e3).toFixed(0)} ms${import.meta.url.endsWith('.ts') ? ' (from the TypeScript sources through tsx; from dist/ a worker starts in ~0.1-0.2 s)' : ''}`);
  printJson({ bench: 'protocol.pool', case: 'start-up', workers: 2, ...stats(summarize([start2])) });
  const rows: Row[] = [];
  for (const [n, length, dropout] of cases) {
    const { server } = serverAtUnmasking(n, length, dropout);
    const samples = { single: [] as number[], workers1: [] as number[], workers2: [] as number[], speedup: [] as number[], keys1: [] as number[], masks1: [] as number[], mainBusy: [] as number[] };
    let maxDelayMs = 0;
    let want: Uint32Array | undefined;
    const same = (step: ServerStep): void => {
      if (step.state.round !== 'completed') throw new Error(`close did not complete: ${step.state.round}`);
      const sum = step.state.result.sums['x'] as Uint32Array;
      want ??= sum;
      if (sum.length !== want.length || sum.some((v, i) => v !== want?.[i])) throw new Error('the parallel sum differs from the single-threaded one');
    };
    // One untimed close first: a pool's first close of a case runs in fresh worker heaps and
    // malloc arenas (90,000-500,000 page faults at 100,000 elements against 8,000-55,000 later)
    // and measured up to 1.35x slower than the next closes (docs/parallel.md). A long-running
    // server pays that once; it is printed apart.
    {
      const t1 = now();
      same(await serverCloseRoundAsync(structuredClone(server), { runner: pool2 }));
      const first2 = (now() - t1) / 1000;
      same(serverCloseRound(structuredClone(server)));
      await stagedClose(structuredClone(server), pool1);
      console.log(`${n} clients x ${length}: the 2-worker pool's first close of this case (untimed warm-up): ${first2.toFixed(2)} s`);
    }
    for (let round = 0; round < runsPerCase; round++) {
      let single = 0;
      let parallel = 0;
      const order = round % 2 === 0 ? ['single', 'workers2', 'workers1'] : ['workers2', 'single', 'workers1'];
      for (const which of order) {
        const copy = structuredClone(server);
        if (which === 'single') {
          const t1 = now();
          same(serverCloseRound(copy));
          single = (now() - t1) / 1000;
          samples.single.push(single);
        } else if (which === 'workers2') {
          const delay = monitorEventLoopDelay({ resolution: 10 });
          delay.enable();
          const elu = performance.eventLoopUtilization();
          const t1 = now();
          same(await serverCloseRoundAsync(copy, { runner: pool2 }));
          parallel = (now() - t1) / 1000;
          samples.mainBusy.push(performance.eventLoopUtilization(elu).active / 1000);
          delay.disable();
          maxDelayMs = Math.max(maxDelayMs, delay.max / 1e6);
          samples.workers2.push(parallel);
        } else {
          const t1 = now();
          const stages = await stagedClose(copy, pool1);
          samples.workers1.push((now() - t1) / 1000);
          samples.keys1.push(stages.keys);
          samples.masks1.push(stages.masks);
        }
      }
      samples.speedup.push(single / parallel);
    }
    // The floor: the same close's agreements and keystreams on node:crypto alone (bench/_floor.ts).
    const floorWork = { ...closeWork(server), bytesPerTerm: 3 * length };
    const floor1: number[] = [];
    const floor2: number[] = [];
    for (let round = 0; round < runsPerCase; round++) {
      floor1.push((await measureFloor(floorWork, 1)).wall);
      floor2.push((await measureFloor(floorWork, 2)).wall);
    }
    const t = {
      single: summarize(samples.single),
      workers1: summarize(samples.workers1),
      workers2: summarize(samples.workers2),
      floor1: summarize(floor1),
      floor2: summarize(floor2),
      keys1: summarize(samples.keys1),
      masks1: summarize(samples.masks1),
      mainBusy: summarize(samples.mainBusy),
    };
    const speedup = summarize(samples.speedup);
    parallelResults.push({ clients: n, elements: length, dropout, t, maxDelayMs, speedup });
    const isBar = n === 500 && dropout === 0.3;
    const bars: string[] = [];
    if (isBar && length === 100_000) bars.push(`<= 3.6 s: ${t.workers2.median <= 3.6 ? 'ok' : 'OVER'}`, `>= 1.75x: ${speedup.median >= 1.75 ? 'ok' : 'UNDER'}`);
    if (isBar && length === 10_000) bars.push(`>= 1.6x: ${speedup.median >= 1.6 ? 'ok' : 'UNDER'}`);
    if (isBar) bars.push(`loop <= 50 ms: ${maxDelayMs <= 50 ? 'ok' : 'OVER'}`);
    rows.push({
      clients: n,
      elements: length,
      dropout,
      'single-threaded s': t.single,
      '1 worker s': t.workers1,
      '2 workers s': t.workers2,
      'paired speed-up (2 workers)': speedup,
      'floor 1 / 2 threads s': `${t.floor1.median.toPrecision(3)} / ${t.floor2.median.toPrecision(3)}`,
      '2 workers / floor': `${(t.workers2.median / t.floor2.median).toFixed(2)}x`,
      'event loop max ms': Math.round(maxDelayMs * 10) / 10,
      'main thread busy ms': mapSummary(t.mainBusy, (v) => v * 1000),
      bar: bars.join('; '),
    });
    printJson({
      bench: 'protocol.parallel', clients: n, elements: length, dropout, ...stats(t.workers2),
      singleSeconds: t.single.median, workers1Seconds: t.workers1.median, speedup: speedup.median, maxEventLoopDelayMs: maxDelayMs, mainBusySeconds: t.mainBusy.median,
      floor1Seconds: t.floor1.median, floor2Seconds: t.floor2.median,
      ranges: { ...t, speedup },
    });
    if (isBar) barStages.set(length, { work: closeWork(server), keys1: t.keys1.median, masks1: t.masks1.median, workers1: t.workers1.median, workers2: t.workers2.median, mainBusy: t.mainBusy.median });

  }
  printTable(`the unmasking round's close, complete graph, 24-bit elements, clients drop after shareKeys (median (min-max) of ${runsPerCase}; pools started beforehand; event loop: the largest delay monitorEventLoopDelay saw during the 2-worker closes, main thread busy: its event-loop active time in one close, GC included; floor: the close's X25519 agreements and mask keystreams alone on node:crypto, split over 1 and 2 threads, bench/_floor.ts)`, rows);
  await Promise.all([pool1.close(), pool2.close()]);
  const big = barStages.get(100_000);
  const small = barStages.get(10_000);
  if (big !== undefined && small !== undefined) {
    // Masks stage with one worker (one job): t(L) = T (o + L m) at L = 10^5 and 10^4, same T.
    const T = big.work.terms;
    const m = (big.masks1 - small.masks1) / (T * (100_000 - 10_000));
    const o = Math.max(0, big.masks1 / T - 100_000 * m);
    const keys = new Uint8Array(32 * T);
    const clone = measure(() => structuredClone(keys), { minSeconds: 0.2 });
    const a = new Uint32Array(1_000_000);
    const b = randomVector(1_000_000, 24, 34);
    const add = measure(() => {
      for (let i = 0; i < 1_000_000; i++) a[i] = ((a[i] as number) + (b[i] as number)) & 0xffffff;
    }, { minSeconds: 0.2 });
    perCore = {
      agreementSeconds: big.keys1 / big.work.agreements,
      termOpenSeconds: o,
      elementTermSeconds: m,
      efficiency2: big.workers1 / big.workers2 / 2,
      mainSeconds: big.mainBusy,
      cloneBytesPerSecond: keys.length / clone.median,
      addSecondsPerElement: add.median / 1_000_000,
    };
    printProjection(perCore);
  }
}

/**
 * The scaling projection (docs/parallel.md, "Scaling"): the unmasking of a SecAgg+ round of
 * 10^5 clients x 10^6 parameters at 5% dropout on c cores, from the costs measured above:
 *   T(c) = T_main + S K / B + (G - 1) L a + (A s_a + T S o + T L m) / (c e)
 * A agreements (dropped clients x their surviving neighbours), T terms (survivors + A), L
 * parameters, S = ceil(L / 2^18) slices and G = ceil(2c / S) term groups per slice (the plan's
 * defaults), s_a, o, m the costs of an agreement, a term's stream set-up per slice and an
 * element-term, e the efficiency at 2 workers, T_main the main thread's own time, K = 32 T key
 * bytes sent once per slice at the clone bandwidth B, a the main thread's add per element.
 */
function projectUnmasking(r: Rates, cores: number): number {
  const n = 100_000;
  const L = 1_000_000;
  const dropout = 0.05;
  const degree = findGraphParameters({ clients: n, corruptFraction: 0.05, dropoutFraction: dropout, adversary: 'semiHonest' }).degree;
  const A = n * dropout * degree * (1 - dropout);
  const T = n * (1 - dropout) + A;
  const S = Math.ceil(L / 262_144);
  const G = cores === 1 ? 1 : Math.ceil((2 * cores) / S);
  const e = cores === 1 ? 1 : Math.min(1, r.efficiency2);
  const work = A * r.agreementSeconds + T * S * r.termOpenSeconds + T * L * r.elementTermSeconds;
  return r.mainSeconds + (S * 32 * T) / r.cloneBytesPerSecond + (G - 1) * L * r.addSecondsPerElement + work / (cores * e);
}

function printProjection(r: Rates): void {
  for (const cores of [1, 2, 16, 100]) projection.push({ cores, seconds: projectUnmasking(r, cores) });
  printTable(
    `projected unmasking, SecAgg+ 100,000 clients x 1,000,000 parameters, 5% dropout: T(c) = T_main + S K / B + (G - 1) L a + (A s_a + T S o + T L m) / (c e), ` +
      `with s_a ${(r.agreementSeconds * 1e6).toFixed(1)} us, o ${(r.termOpenSeconds * 1e6).toFixed(2)} us, m ${(r.elementTermSeconds * 1e9).toFixed(3)} ns, ` +
      `e ${r.efficiency2.toFixed(2)}, T_main ${r.mainSeconds.toFixed(2)} s, B ${(r.cloneBytesPerSecond / 1e9).toFixed(2)} GB/s, a ${(r.addSecondsPerElement * 1e9).toFixed(2)} ns (measured above)`,
    projection.map((p) => ({ cores: p.cores, 'projected s': p.seconds })),
  );
  printJson({ bench: 'protocol.projection', clients: 100_000, parameters: 1_000_000, dropout: 0.05, rates: r, projection });
}

// ------------------------------------------------------------------------------------------
// 2c. Robust unmasking (issue 18): the single-threaded close (serverCloseRound's plan, inline)
// with every secret rebuilt robustly from all N shares, honest and with 5 liars (each reveals a
// random share for every owner it holds), beside today's figure: the same plan with its keys
// jobs run as before issue 18 (createCombiner over each owner's first t + 1 holders,
// bench/_keys-today.ts), closes interleaved on clones of one state (the order rotates every
// round). Also the keys stage alone (its jobs on this thread), where the difference lies.

/** The close of `server` through the plan, keys jobs by `keys` (masks jobs as the library runs them). */
function closeWith(server: ServerState, keys: (job: UnmaskingKeysJob) => UnmaskingResult): { step: ServerStep; keysSeconds: number } {
  let plan: UnmaskingPlan = unmaskingPlan(server);
  let keysSeconds = 0;
  while (plan.stage !== 'done') {
    const t0 = now();
    const results = plan.jobs.map((job) => (job.kind === 'keys' ? keys(job) : runUnmaskingJob(job)));
    if (plan.stage === 'keys') keysSeconds = (now() - t0) / 1000;
    plan = applyUnmaskingResults(plan, results);
  }
  return { step: plan.step, keysSeconds };
}

if (runs('robust')) {
  const rows: Row[] = [];
  const keysRows: Row[] = [];
  const cases: [number, number, number][] = smoke ? [[40, 1000, 0.1]] : [[500, 100_000, 0.3]];
  const loadBefore = loadavg()[0] as number;
  for (const [n, length, dropout] of cases) {
    const survivors = n - Math.round(n * dropout);
    const liars = Array.from({ length: smoke ? 2 : 5 }, (_, k) => 1 + Math.floor(((2 * k + 1) * survivors) / 10));
    const honest = serverAtUnmasking(n, length, dropout).server;
    const lying = serverAtUnmasking(n, length, dropout, liars).server;
    const rng = deterministicRandomBytes(new Uint8Array(32).fill(9));
    const todayKeys = (job: UnmaskingKeysJob): UnmaskingResult => runKeysJobToday(job, rng);
    const robustKeys = (job: UnmaskingKeysJob): UnmaskingResult => runUnmaskingJob(job);
    const variants: [string, ServerState, (job: UnmaskingKeysJob) => UnmaskingResult][] = [
      ['today (t + 1, createCombiner), honest', honest, todayKeys],
      ['robust, honest', honest, robustKeys],
      [`robust, ${liars.length} liars`, lying, robustKeys],
    ];
    const keysTimes = variants.map((): number[] => []);
    const clones = variants.map(([, state]) => Array.from({ length: runsPerCase + (smoke ? 0 : 1) }, () => structuredClone(state)));
    const timings = interleaved(
      variants.map(([name, , keys], i) => () => {
        const { step, keysSeconds } = closeWith(clones[i]?.pop() as ServerState, keys);
        if (step.state.round !== 'completed') throw new Error(`${name}: the close did not complete`);
        const named = step.state.droppedAfterInput.filter((d) => d.reason === 'INCONSISTENT_SHARE').map((d) => d.id); // liars sent their inputs: reported in droppedAfterInput
        if (named.join() !== (i === 2 ? liars : []).join()) throw new Error(`${name}: named ${named.join()}`);
        keysTimes[i]?.push(keysSeconds);
      }),
      { minSeconds: 0, minRounds: runsPerCase, warmupRounds: smoke ? 0 : 1 },
    );
    variants.forEach(([name], i) => {
      const tm = timings[i] as Timing;
      const keys = summarize((keysTimes[i] as number[]).slice(smoke ? 0 : 1));
      rows.push({ clients: n, elements: length, dropout, close: name, 'unmask s': tm.wall, 'cpu s': tm.cpu.median, 'today / this (paired)': tm.wallVsFirst, 'keys stage s': keys });
      printJson({ bench: 'protocol.robust', clients: n, elements: length, dropout, liars: i === 2 ? liars.length : 0, reconstruction: i === 0 ? 'createCombiner-t+1' : 'robust', ...stats(tm.wall), cpuSeconds: tm.cpu.median, pairedTodayOverThis: stats(tm.wallVsFirst, 'x'), keysStage: stats(keys), load: loadavg()[0] });
    });
    // The keys stage alone: the plan's keys jobs run on this thread (smallest CPU time of 5).
    const keysJobs = (state: ServerState): UnmaskingKeysJob[] => {
      const plan = unmaskingPlan(structuredClone(state));
      return plan.stage === 'keys' ? (plan.jobs as UnmaskingKeysJob[]) : [];
    };
    const honestJobs = keysJobs(honest);
    const lyingJobs = keysJobs(lying);
    const cpuOf = (fn: () => unknown): number => {
      let best = Number.POSITIVE_INFINITY;
      for (let r = 0; r < (smoke ? 1 : 6); r++) {
        const c0 = process.cpuUsage();
        fn();
        const c1 = process.cpuUsage(c0);
        if (smoke || r > 0) best = Math.min(best, (c1.user + c1.system) / 1e6);
      }
      return best;
    };
    const today = cpuOf(() => honestJobs.map(todayKeys));
    const robustHonest = cpuOf(() => honestJobs.map(robustKeys));
    const robustLying = cpuOf(() => lyingJobs.map(robustKeys));
    keysRows.push({ clients: n, dropout, 'today cpu s': today, 'robust honest cpu s': robustHonest, 'honest / today': robustHonest / today, [`${liars.length} liars cpu s`]: robustLying, 'liars / today': robustLying / today });
    printJson({ bench: 'protocol.robust-keys', clients: n, dropout, todayCpuSeconds: today, robustHonestCpuSeconds: robustHonest, robustLiarsCpuSeconds: robustLying, liars: liars.length, load: loadavg()[0] });
  }
  console.log(`\nload average (1 min) ${loadBefore.toFixed(2)} before, ${(loadavg()[0] as number).toFixed(2)} after the robust section`);
  printTable(`robust unmasking: single-threaded close, interleaved (median (min-max) of ${runsPerCase}; today / this: paired wall ratio, > 1 when this is faster)`, rows);
  printTable('robust unmasking: the keys stage alone, its jobs on this thread (smallest CPU time of 5)', keysRows);
}

// ------------------------------------------------------------------------------------------
// 3. Whole SecAgg+ session

if (runs('session')) {
  const rows: Row[] = [];
  // The bar case runs with the clients on two worker threads, which also run the server's
  // unmasking jobs (cli/simulate-parallel.ts: the server's other steps, the codec and the
  // measurements stay on the main thread; same transcript and result).
  const cases: [number, number, number][] = smoke
    ? [[60, 1000, 1], [60, 1000, 2]]
    : large ? [[1000, 10_000, 1], [1000, 10_000, 2], [10_000, 10_000, 2]] : [[1000, 10_000, 1], [1000, 10_000, 2]];
  let baseline = 0;
  for (const [n, length, workers] of barOnly && large ? cases.filter(([n]) => n === 10_000) : cases) {
    const options = { clients: n, length, bits: 16, graph: 'harary' as const, dropout: 0.05, seed: new Uint8Array(32).fill(7) };
    const reports: ReturnType<typeof simulateSession>[] = [];
    const t = await repeatAsync(runsPerCase, async () => {
      const r = workers === 1 ? simulateSession(options) : await simulateSessionParallel({ ...options, workers });
      reports.push(r);
      // The server's own steps (receiving, closing, unmasking: on the job pool with workers > 1),
      // apart from the simulated clients' time.
      return { seconds: r.seconds, server: r.rounds.reduce((a, round) => a + round.serverSeconds, 0) };
    });
    const report = reports[reports.length - 1] as ReturnType<typeof simulateSession>; // the last run's transcript figures
    const maxRssMB = process.resourceUsage().maxRSS / 1024;
    // A machine reference beside the absolute bar: the 10,000-client unmasking's bare node:crypto
    // work (~4,300 agreements; ~14,000 mask keystreams of 10,000 16-bit elements) on 2 threads,
    // bench/_floor.ts. The machine's speed drifts over a day (the 500-client floor measured
    // 3.35-3.65 s one morning and 4.35-4.60 s that afternoon); this says how fast it was.
    const floor = n === 10_000 ? (await measureFloor({ agreements: 4_300, terms: 14_000, bytesPerTerm: 2 * length }, 2)).wall : null;
    if (baseline === 0) baseline = t.seconds.median;
    // Judged on the median of the runs: one run's server time swings ~0.1 s with where the
    // garbage collector's pauses fall (at 10,000 clients 0.2-0.3 s of it are the main thread's
    // collections, of the simulation's garbage as much as the server's).
    const serverSeconds = t.server.median;
    const g = report.config.graph;
    rows.push({
      clients: n,
      elements: length,
      workers,
      graph: g.kind === 'harary' ? `harary k=${g.degree} t=${report.config.threshold}` : 'complete',
      outcome: `${report.outcome}${report.match === true ? ', sum ok' : ''}`,
      'seconds': t.seconds,
      "server's own s": t.server,
      'server by round s': report.rounds.map((r) => r.serverSeconds.toFixed(2)).join(' / '),
      'max RSS MB': Math.round(maxRssMB),
      'wire MB': report.totalBytes / 1e6,
      'floor s': floor === null ? '' : floor.toFixed(3),
      // The server's steps in units of the machine reference: steadier than seconds while the
      // machine's speed drifts (docs/parallel.md, "The 10,000-client round").
      "server's / floor": floor === null ? '' : `${(serverSeconds / floor).toFixed(1)}x`,
      ratio: t.seconds.median / baseline,
      bar: n === 10_000 ? `${t.seconds.median < 60 && maxRssMB < 2048 ? 'ok < 60 s, < 2 GB' : 'OVER'}; server ${serverSeconds <= 1.3 ? 'ok <= 1.3 s' : 'OVER 1.3 s'}` : '',
    });
    printJson({
      bench: 'protocol.session',
      clients: n,
      elements: length,
      workers,
      ...stats(t.seconds),
      seconds: t.seconds.median,
      serverSeconds,
      serverRange: stats(t.server),
      ...(floor === null ? {} : { floorSeconds: floor, serverPerFloor: serverSeconds / floor }),
      maxRssMB,
      totalBytes: report.totalBytes,
      rounds: report.rounds,
    });
  }
  printTable(
    `whole SecAgg+ session, 5% dropout, codec on; seconds: median (min-max) of ${runsPerCase}; server's own: its steps alone, median (min-max) of the runs (by round: the last run's advertise / shareKeys / masked inputs / unmasking); ratio vs 1 thread; max RSS is the process's peak so far; floor (10,000 clients): the unmasking's bare node:crypto work on 2 threads, a machine reference, and the server's own steps' median over it${large ? '' : ' (--large adds 10,000 clients)'}`,
    rows,
  );
}

// ------------------------------------------------------------------------------------------
// Charts (--chart): medians with min-max bars, from the cases above.

if (bench.chart) {
  const footer = chartFooter();
  const bar = parallelResults.find((r) => r.clients === Math.max(...parallelResults.map((x) => x.clients)) && r.elements === Math.max(...parallelResults.map((x) => x.elements)));
  if (bar !== undefined) {
    const measured: LineSeries = { name: `${bar.clients} clients x ${bar.elements.toLocaleString('en-US')} elements, measured`, points: [point(1, bar.t['workers1'] as Summary), point(2, bar.t['workers2'] as Summary)] };
    const single: LineSeries = { name: 'the same, single-threaded close', dashed: true, points: [point(1, bar.t['single'] as Summary), point(2, bar.t['single'] as Summary)] };
    writeChart(bench.chartDir, 'parallel-scaling.svg', lineChart({
      title: 'Server unmasking time against workers',
      subtitle: `complete graph, 24-bit elements, ${bar.dropout * 100}% of clients drop after shareKeys; projected: SecAgg+ 100,000 clients x 1,000,000 parameters, 5% dropout (docs/parallel.md)`,
      x: { title: 'workers (cores, for the projection)', unit: 'threads', scale: 'log', ticks: [1, 2, 16, 100] },
      y: { title: 'unmasking time', unit: 's', scale: 'log' },
      series: [measured, single, ...(projection.length === 0 ? [] : [{ name: '100,000 x 1,000,000, projected from the per-core rates', dashed: true, points: projection.map((p) => ({ x: p.cores, y: p.seconds })) }])],
      rules: bar.clients === 500 && bar.elements === 100_000 ? [{ value: 3.6, label: 'bar: <= 3.6 s on 2 workers' }] : [],
      footer,
    }));
  }
  const serverSeries = (rows: typeof serverResults, x: (r: (typeof serverResults)[number]) => number): LineSeries[] =>
    (
      [
        ['total', 'total'],
        ['unmasking round', 'unmask'],
        ['receiving masked inputs', 'receiveMasked'],
        ['other rounds', 'other'],
      ] as const
    ).map(([name, key]) => ({ name, points: rows.map((r) => point(x(r), r.t[key])) }));
  const longest = Math.max(...serverResults.map((r) => r.elements));
  const full = serverResults.filter((r) => r.elements === longest);
  const most = Math.max(...full.map((r) => r.clients));
  const byDropout = full.filter((r) => r.clients === most);
  if (byDropout.length > 1) {
    writeChart(bench.chartDir, 'server-vs-dropout.svg', lineChart({
      title: 'Server time against dropout rate',
      subtitle: `${most.toLocaleString('en-US')} clients, ${longest.toLocaleString('en-US')} x 24-bit elements, complete graph, clients drop after shareKeys; median of ${runsPerCase} run(s) per point`,
      x: { title: 'clients dropped', unit: '%' },
      y: { title: 'server time', unit: 's' },
      series: serverSeries(byDropout, (r) => r.dropout * 100),
      rules: most === 500 && longest === 100_000 ? [{ value: 10, label: 'bar: total <= 10 s at 30%, single-threaded' }] : [],
      footer,
    }));
  }
  const topDropout = Math.max(...full.map((r) => r.dropout));
  const byClients = full.filter((r) => r.dropout === topDropout);
  if (byClients.length > 1) {
    writeChart(bench.chartDir, 'server-vs-clients.svg', lineChart({
      title: 'Server time against clients',
      subtitle: `${longest.toLocaleString('en-US')} x 24-bit elements, complete graph, ${topDropout * 100}% of clients drop after shareKeys; median of ${runsPerCase} run(s) per point`,
      x: { title: 'clients', unit: 'count' },
      y: { title: 'server time', unit: 's' },
      series: serverSeries(byClients, (r) => r.clients),
      footer,
    }));
  }
  const clientLength = Math.max(0, ...clientResults.map((r) => r.elements));
  const native = clientResults.filter((r) => r.backend === 'native' && r.elements === clientLength);
  if (native.length > 1) {
    const rounds = [
      ['all rounds', 'total'],
      ['advertiseKeys', 'advertise'],
      ['shareKeys', 'shareKeys'],
      ['maskedInputCollection', 'maskedInput'],
      ['unmasking', 'unmasking'],
    ] as const;
    writeChart(bench.chartDir, 'client-vs-neighbours.svg', lineChart({
      title: 'Client time per round against neighbours',
      subtitle: `complete graph (neighbours = every other client), ${clientLength.toLocaleString('en-US')} x 24-bit elements, native crypto; median of ${runsPerCase} run(s) per point`,
      x: { title: 'neighbours', unit: 'count' },
      y: { title: 'client time', unit: 'ms' },
      series: rounds.map(([name, key]) => ({ name, points: native.map((r) => point(r.peers, r.t[key], 1e3)) })),
      rules: clientLength === 100_000 ? [{ value: 250, label: 'bar: all rounds <= 250 ms at 500 neighbours' }] : [],
      footer,
    }));
  }
}

/**
 * Protocol benchmarks: `npx tsx bench/protocol.ts [--large] [--only=client|server|session]`.
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
 * 3. A whole simulated SecAgg+ session (Harary graph from the parameter finder, every message
 *    through the codec), with the clients on this thread and on two worker threads.
 *    `--large` adds the bar case: 10,000 clients, 10,000 elements, 5% dropout, clients on two
 *    worker threads, < 60 s and < 2 GB; the default run uses 1,000 clients.
 *
 * Every case runs `--runs=N` times (default 3) and prints the median with its min-max range; the
 * ratio columns compare medians. `--smoke`: the smallest sizes, one run (CI). `--chart`: server
 * time against dropout rate and against clients, client time against neighbours, as SVG in
 * docs/charts/ (bench/README.md).
 */
import { benchOptions, chartFooter, mapSummary, medians, point, repeat, repeatAsync, stats, type Summary } from './_harness.js';
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
  createServer,
  createSessionConfig,
  serverCloseRound,
  serverReceive,
  type ClientState,
  type ServerState,
} from '../src/protocol/index.js';
import { simulateSession } from '../src/simulate/index.js';
import { splitSecret } from '../src/shamir/index.js';
import { simulateSessionParallel } from '../cli/simulate-parallel.js';
import { deterministicRandomBytes } from '../src/testing/index.js';

const large = process.argv.includes('--large');
// `--only=client`, `--only=server` or `--only=session` runs one section (with the baseline).
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const runs = (section: string): boolean => only === undefined || only === section;
const bench = benchOptions();
const smoke = bench.smoke;
const runsPerCase = bench.runs(3);
const now = (): number => performance.now();

function randomVector(length: number, bits: number, seedByte: number): Uint32Array {
  const bytes = deterministicRandomBytes(new Uint8Array(32).fill(seedByte))(length * 4);
  const v = new Uint32Array(bytes.buffer);
  if (bits < 32) for (let i = 0; i < length; i++) v[i] = (v[i] as number) & (2 ** bits - 1);
  return v;
}

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
  const proof = directoryProof(buildDirectory(n, keysOf), ids); // what the server sends (complete graph)
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
  for (const [peers, length, backend] of cases) {
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
  const t = Math.ceil((2 * n) / 3);
  const config = createSessionConfig({
    clients: n,
    threshold: Math.min(t, Math.floor(n * (1 - dropout))),
    nonce: new Uint8Array(32).fill(4),
    vectors: [{ name: 'x', length, bits: 24 }],
  });
  const rng = deterministicRandomBytes(new Uint8Array(32).fill(5));
  let other = 0;
  let server: ServerState = createServer(config);
  const maskingKeys: Uint8Array[] = [];
  for (let id = 1; id <= n; id++) {
    const step = clientAdvertiseKeys(createClient(config, { id, rng }));
    const st = step.state as Extract<ClientState, { round: 'shareKeys' }>;
    maskingKeys[id] = st.keys.maskingPrivateKey;
    const t0 = now();
    server = serverReceive(server, step.outbox[0] as never).state;
    other += now() - t0;
  }
  let t0 = now();
  let closed = serverCloseRound(server);
  other += now() - t0;
  server = closed.state;
  const sid = server.round === 'shareKeys' ? (server.sessionId as Uint8Array) : new Uint8Array(32);
  const ct = new Uint8Array(88);
  for (let id = 1; id <= n; id++) {
    t0 = now();
    server = serverReceive(server, { type: 'shareKeys', sender: id, sessionId: sid, ciphertexts: new Array(n - 1).fill(ct) }).state;
    other += now() - t0;
  }
  t0 = now();
  server = serverCloseRound(server).state;
  other += now() - t0;
  const dropped = Math.round(n * dropout);
  const survivors = Array.from({ length: n - dropped }, (_, i) => i + 1);
  const y = randomVector(length, 24, 6);
  t0 = now();
  for (const id of survivors) server = serverReceive(server, { type: 'maskedInput', sender: id, sessionId: sid, vectors: [y] }).state;
  const receiveMasked = (now() - t0) / 1000;
  t0 = now();
  closed = serverCloseRound(server);
  other += now() - t0;
  server = closed.state;
  // Real shares: b_u for survivors, the masking private key for dropped clients, at every holder.
  const all = Array.from({ length: n }, (_, i) => i + 1);
  const revealed: Uint8Array[][] = survivors.map(() => []);
  for (let owner = 1; owner <= n; owner++) {
    const secret = owner <= survivors.length ? rng(32) : (maskingKeys[owner] as Uint8Array);
    const shares = splitSecret(secret, { threshold: config.threshold, holders: all, rng });
    for (let w = 1; w <= survivors.length; w++) (revealed[w - 1] as Uint8Array[])[owner - 1] = (shares[w - 1] as { y: Uint8Array }).y;
  }
  for (const w of survivors) {
    t0 = now();
    server = serverReceive(server, { type: 'unmasking', sender: w, sessionId: sid, shares: revealed[w - 1] as Uint8Array[] }).state;
    other += now() - t0;
  }
  t0 = now();
  const done = serverCloseRound(server);
  const unmask = (now() - t0) / 1000;
  if (done.state.round !== 'completed') throw new Error(`server did not complete: ${done.state.round}`);
  return { receiveMasked, unmask, other: other / 1000 };
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
  for (const [n, length, dropout] of cases) {
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
// 3. Whole SecAgg+ session

if (runs('session')) {
  const rows: Row[] = [];
  // The bar case runs with the clients on two worker threads (cli/simulate-parallel.ts: the
  // server, codec and measurements stay on the main thread; same transcript and result).
  const cases: [number, number, number][] = smoke
    ? [[60, 1000, 1], [60, 1000, 2]]
    : large ? [[1000, 10_000, 1], [1000, 10_000, 2], [10_000, 10_000, 2]] : [[1000, 10_000, 1], [1000, 10_000, 2]];
  let baseline = 0;
  for (const [n, length, workers] of cases) {
    const options = { clients: n, length, bits: 16, graph: 'harary' as const, dropout: 0.05, seed: new Uint8Array(32).fill(7) };
    const reports: ReturnType<typeof simulateSession>[] = [];
    const t = await repeatAsync(runsPerCase, async () => {
      const r = workers === 1 ? simulateSession(options) : await simulateSessionParallel({ ...options, workers });
      reports.push(r);
      return { seconds: r.seconds };
    });
    const report = reports[reports.length - 1] as ReturnType<typeof simulateSession>; // the last run's transcript figures
    const maxRssMB = process.resourceUsage().maxRSS / 1024;
    if (baseline === 0) baseline = t.seconds.median;
    const g = report.config.graph;
    rows.push({
      clients: n,
      elements: length,
      workers,
      graph: g.kind === 'harary' ? `harary k=${g.degree} t=${report.config.threshold}` : 'complete',
      outcome: `${report.outcome}${report.match === true ? ', sum ok' : ''}`,
      'seconds': t.seconds,
      'max RSS MB': Math.round(maxRssMB),
      'wire MB': report.totalBytes / 1e6,
      ratio: t.seconds.median / baseline,
      bar: n === 10_000 ? (t.seconds.median < 60 && maxRssMB < 2048 ? 'ok < 60 s, < 2 GB' : 'OVER') : '',
    });
    printJson({
      bench: 'protocol.session',
      clients: n,
      elements: length,
      workers,
      ...stats(t.seconds),
      seconds: t.seconds.median,
      maxRssMB,
      totalBytes: report.totalBytes,
      rounds: report.rounds,
    });
  }
  printTable(
    `whole SecAgg+ session, 5% dropout, codec on; seconds: median (min-max) of ${runsPerCase}; ratio vs 1 thread; max RSS is the process's peak so far${large ? '' : ' (--large adds 10,000 clients)'}`,
    rows,
  );
}

// ------------------------------------------------------------------------------------------
// Charts (--chart): medians with min-max bars, from the cases above.

if (bench.chart) {
  const footer = chartFooter();
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

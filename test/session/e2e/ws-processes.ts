/**
 * Real network, real processes: a ServerSession over a `ws` server on loopback, eight clients
 * each in its own Node process (test/session/fixtures/ws-client.ts, records in files), repeated
 * rounds. Clients are SIGKILLed at each round boundary (when the offer, the keys, the shares or
 * the unmasking request arrives) and restarted from their stores; one stops answering (SIGSTOP
 * while it holds the shares); one round loses too many clients and must abort. Checks, one line
 * each: every completed round's sum is exact over its included clients; every client of a round
 * that is still alive reports how it ended, with a code when it did not complete; every failed
 * round ends with a coded abort at every surviving client; the silent client is dropped at the
 * deadline; every process exits by itself once the server closes. Ends with
 * `checks: P passed, F failed` (.ci/steps/62-session-ws.sh).
 *
 *   node --import tsx test/session/e2e/ws-processes.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createSessionSpec, encodeSessionSpec, ServerSession, type RoundResult } from '../../../src/session/index.js';
import { listenWebSocket } from '../../../src/transport/ws/index.js';
import { sumVectors } from '../../../src/vector/index.js';
import { Checks } from '../../package/_report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const N = 8;
const LENGTH = 64;
const type = { offer: 0, advertisedKeys: 0x11, encryptedShares: 0x12, unmaskingRequest: 0x14 } as const;

const checks = new Checks(); // one ok/FAIL line per check, then the `checks:` line .ci/run reads
const check = (ok: boolean, what: string, detail = ''): void => void checks.check(what, ok, detail);

const vectorOf = (m: number): Uint32Array => Uint32Array.from({ length: LENGTH }, (_, k) => (97 * (m + 1) + 13 * k) % 4096);

const spec = createSessionSpec({
  policy: { registry: { size: N }, corruptFraction: 0, dropoutFraction: 0.4, minClients: 4 },
  model: [{ name: 'x', length: LENGTH }],
  aggregation: { kind: 'sum', clip: 4, bits: 16 },
});
const dir = mkdtempSync(join(tmpdir(), 'secagg-session-ws-'));
const transport = await listenWebSocket({
  port: 0,
  host: '127.0.0.1',
  heartbeatMs: 0,
  authenticate: (request) => /^Bearer (client-\d+)$/.exec(String(request.headers.authorization ?? ''))?.[1] ?? null,
});
const server = new ServerSession({
  spec,
  identities: Array.from({ length: N }, (_, i) => `client-${i}`),
  transport,
  cohort: { min: 4 },
  deadlines: { admission: 2_000, round: 4_000 },
});
const url = `ws://127.0.0.1:${transport.port}/`;

interface Child {
  readonly member: number;
  process: ChildProcess;
  alive: boolean;
  /** Set as the signal is sent: the server can see the socket close before this process sees the exit. */
  killed: boolean;
  stopped: boolean;
  outcomes: Record<string, unknown>[];
  exited: Promise<number | null>;
  onHeld: (() => void) | null;
}
const children: Child[] = [];

function start(member: number): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/session/fixtures/ws-client.ts'), url, String(member), join(dir, `client-${member}.record`)], {
    cwd: root,
    env: { ...process.env, SPEC_HEX: Buffer.from(encodeSessionSpec(spec)).toString('hex') },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const c: Child = { member, process: child, alive: true, killed: false, stopped: false, outcomes: [], exited: new Promise((r) => child.on('exit', (code) => r(code))), onHeld: null };
  void c.exited.then(() => (c.alive = false));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (process.env['E2E_DEBUG'] !== undefined) console.log(`    [${member}] ${line}`);
    if (event['event'] === 'outcome') c.outcomes.push(event);
    if (event['event'] === 'held') c.onHeld?.();
  });
  children[member] = c;
  return c;
}

/** Kills (or stops) `member` once it holds the next server message of `kind`. */
function killAt(member: number, kind: keyof typeof type, signal: 'SIGKILL' | 'SIGSTOP' = 'SIGKILL'): void {
  const c = children[member] as Child;
  if (kind === 'offer') {
    // The offer is not a protocol frame: kill on the wire's word, as the round starts.
    c.onHeld = null;
    pendingOfferKills.push(member);
    return;
  }
  c.process.stdin?.write(`hold ${type[kind]}\n`);
  c.onHeld = () => {
    c.onHeld = null;
    if (signal === 'SIGSTOP') c.stopped = true;
    else c.killed = true;
    c.process.kill(signal);
  };
}
let pendingOfferKills: number[] = [];

const waitFor = async (what: () => boolean, ms: number): Promise<boolean> => {
  const until = Date.now() + ms;
  while (!what()) {
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
};

/** Runs a round; kills at the offer happen as soon as the round starts. */
async function round(): Promise<RoundResult> {
  const running = server.runRound();
  const kills = pendingOfferKills;
  pendingOfferKills = [];
  if (kills.length > 0) {
    await waitFor(() => server.status.round !== null, 20_000);
    for (const m of kills) {
      const c = children[m] as Child;
      c.killed = true;
      c.process.kill('SIGKILL');
    }
  }
  return running;
}

/** The checks every round gets: the sum, and every live client's word on how it ended. */
async function checkRound(result: RoundResult, label: string): Promise<void> {
  if (result.outcome === 'completed') {
    const members = result.included.map((n) => Number(n.slice(7)));
    const exact = sumVectors(members.map(vectorOf), 16).every((v, i) => v === result.sum[i]);
    check(exact, `${label}: completed, sum exact over its ${members.length} included clients (${result.included.join(' ')})`);
  } else {
    check(typeof result.abort.code === 'string', `${label}: aborted with a code (${result.abort.code})`);
  }
  for (const identity of result.cohort) {
    const c = children[Number(identity.slice(7))] as Child;
    if (!c.alive || c.killed || c.stopped) continue;
    const ok = await waitFor(() => c.outcomes.some((o) => o['round'] === result.round), 15_000);
    const o = c.outcomes.find((x) => x['round'] === result.round) ?? {};
    const included = result.outcome === 'completed' && result.included.includes(identity);
    const consistent = included ? o['outcome'] === 'completed' : o['outcome'] === 'aborted' && typeof o['code'] === 'string';
    check(ok && consistent, `${label}: ${identity} reports ${String(o['outcome'])}${o['code'] === null || o['code'] === undefined ? '' : ` ${String(o['code'])}${o['serverCode'] ? `/${String(o['serverCode'])}` : ''}`}`, JSON.stringify(o));
  }
}

const started = Date.now();
try {
  for (let m = 0; m < N; m++) start(m);
  // Round 1: everyone, no faults.
  await waitFor(() => server.status.ready === N, 30_000);
  const r1 = await round();
  check(r1.outcome === 'completed' && r1.included.length === N, 'round 1: all 8 clients in the sum');
  await checkRound(r1, 'round 1');

  // Round 2: killed as the keys arrive, as the shares arrive (after sharing: its shares count),
  // and one stops answering (SIGSTOP) while it holds the shares.
  killAt(1, 'advertisedKeys');
  killAt(2, 'encryptedShares');
  killAt(3, 'encryptedShares', 'SIGSTOP');
  await waitFor(() => server.status.ready === N, 20_000);
  const r2 = await round();
  await checkRound(r2, 'round 2');
  check(
    r2.dropped.some((d) => d.identity === 'client-3' && d.reason === 'NO_MESSAGE' && d.round === 'maskedInputCollection'),
    'round 2: the client that stopped answering is dropped at the deadline (NO_MESSAGE)',
    JSON.stringify(r2.dropped),
  );
  check(
    r2.dropped.filter((d) => d.reason === 'CONNECTION_CLOSED').map((d) => d.identity).sort().join() === 'client-1,client-2',
    'round 2: the killed clients are dropped (CONNECTION_CLOSED)',
    JSON.stringify(r2.dropped),
  );

  // Round 3: the killed clients restart from their records; one is killed at the offer, one as
  // the unmasking request arrives (its input is in the sum).
  start(1);
  start(2);
  killAt(4, 'offer');
  killAt(5, 'unmaskingRequest');
  await waitFor(() => server.status.ready >= N - 1, 20_000);
  const r3 = await round();
  await checkRound(r3, 'round 3');
  check(r3.outcome === 'completed' && r3.included.includes('client-5'), 'round 3: killed after its masked input, client-5 is in the sum', JSON.stringify(r3.included));
  check(
    r3.outcome === 'completed' && r3.droppedAfterInput.some((d) => d.identity === 'client-5') && !r3.dropped.some((d) => d.identity === 'client-5'),
    'round 3: ... reported once, as dropped after its input',
  );
  check(r3.outcome === 'completed' && r3.included.includes('client-1') && r3.included.includes('client-2'), 'round 3: the restarted clients take part again');

  // Round 4: too many clients lost before their masked inputs: the round aborts, and every
  // surviving client hears it with a code.
  start(4);
  start(5);
  for (const m of [0, 5, 6, 7]) killAt(m, 'encryptedShares');
  await waitFor(() => server.status.ready >= N - 1, 20_000);
  const r4 = await round();
  check(r4.outcome === 'aborted' && r4.abort.code === 'TOO_FEW_CLIENTS', `round 4: aborted (${r4.outcome === 'aborted' ? r4.abort.code : 'completed'})`);
  await checkRound(r4, 'round 4');
  const survivors = r4.cohort.map((n) => children[Number(n.slice(7))] as Child).filter((c) => c.alive && !c.killed && !c.stopped);
  check(
    survivors.length > 0 && survivors.every((c) => c.outcomes.some((o) => o['round'] === r4.round && o['code'] === 'SERVER_ABORTED' && o['serverCode'] === 'TOO_FEW_CLIENTS')),
    `round 4: every surviving client (${survivors.length}) ends with SERVER_ABORTED / TOO_FEW_CLIENTS`,
  );

  // Round 5: the rest, restarted, complete again.
  for (const m of [0, 5, 6, 7]) start(m);
  await waitFor(() => server.status.ready >= N - 1, 20_000);
  const r5 = await round();
  await checkRound(r5, 'round 5');
  check(r5.outcome === 'completed', 'round 5: completed after the failures');
} catch (error) {
  check(false, 'the run threw', error instanceof Error ? (error.stack ?? error.message) : String(error));
} finally {
  const stopped = children.filter((c) => c.stopped);
  for (const c of stopped) c.process.kill('SIGCONT');
  await server.close();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const exits = await Promise.race([
    Promise.all(children.filter((c) => c.alive).map((c) => c.exited.then(() => c.member))),
    new Promise<null>((r) => (timer = setTimeout(() => r(null), 15_000))),
  ]);
  clearTimeout(timer);
  check(exits !== null, 'every client process exits by itself once the server closed', `still running: ${children.filter((c) => c.alive).map((c) => c.member).join(' ')}`);
  for (const c of children) if (c.alive) c.process.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  console.log(`session over ws with processes took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  checks.finish();
}

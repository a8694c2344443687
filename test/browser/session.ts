/**
 * Browser clients of a session (.ci/steps/43-browser-session.sh): examples/ws/browser.ts,
 * bundled with esbuild from the built package the way a user's bundler does (the `browser`
 * condition picks secagg/transport/ws's build for the native WebSocket), runs in four pages of
 * one headless Chromium (Debian's `chromium`, driven over the DevTools protocol) whose
 * ClientSessions join a ServerSession on a Node `ws` server on loopback, with the example's
 * spec. dave's page is closed mid-round (as soon as his first protocol message, the advertised
 * keys, reaches the server). One check per line: every round completes with the mean of its
 * included clients (to 1e-5: the clients quantise with stochastic rounding), dave is dropped
 * from round 1 and absent from rounds 2 and 3, every other page reports its three completed
 * rounds, and the server and Chromium close. Ends with `checks: P passed, F failed`.
 *
 *   node --import tsx test/browser/session.ts      (after `npm run build`)
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { WebSocket } from 'ws';
import { ServerSession, type RoundResult } from '../../src/session/index.js';
import type { Connection, ServerTransport } from '../../src/transport/index.js';
import { listenWebSocket } from '../../src/transport/ws/index.js';
import { interceptIncoming } from '../session/_intercept.js';
import { identities, spec } from '../../examples/ws/spec.js';
import { findChromium } from './_chromium.js';
import { Checks } from '../package/_report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ROUNDS = 3;
const LEAVING: string = 'dave';

const checks = new Checks(); // one ok/FAIL line per check, then the `checks:` line .ci/run reads
const check = (ok: boolean, what: string, detail = ''): void => void checks.check(what, ok, detail);
const cleanups: (() => unknown)[] = [];
async function finish(): Promise<never> {
  for (const cleanup of cleanups.reverse()) await cleanup();
  checks.finish();
  process.exit(process.exitCode);
}
const watchdog = setTimeout(() => {
  check(false, 'the run finished within 150 s');
  void finish();
}, 150_000);

const browser = findChromium();
if (browser === undefined) {
  check(false, 'Chromium found', 'install it with `apt-get install chromium` or set CHROMIUM');
  await finish();
}
if (!existsSync(join(root, 'dist/transport/ws/browser.js'))) {
  check(false, 'the package is built (dist/)', 'run `npm run build` first');
  await finish();
}

// 1. The example, bundled as a user's bundler would: a project with secagg installed.
const scratch = mkdtempSync(join(tmpdir(), 'secagg-browser-session-'));
cleanups.push(() => rmSync(scratch, { recursive: true, force: true }));
mkdirSync(join(scratch, 'node_modules'));
symlinkSync(root, join(scratch, 'node_modules', 'secagg'));
for (const file of ['browser.ts', 'spec.ts']) copyFileSync(join(root, 'examples/ws', file), join(scratch, file));
writeFileSync(join(scratch, 'package.json'), '{ "type": "module" }\n');
const bundle = await build({ entryPoints: [join(scratch, 'browser.ts')], bundle: true, write: false, format: 'esm', platform: 'browser', target: 'es2022', logLevel: 'silent' });
const bundled = bundle.outputFiles[0]?.text ?? '';
const nodeFree = !/\brequire\(["']node:|from ["']node:|["']ws["']/.test(bundled);
check(bundled.length > 0 && nodeFree, `examples/ws/browser.ts bundles from the built package for the browser (${Math.round(bundled.length / 1024)} KiB, no Node built-in, no ws)`);
const page = join(scratch, 'page.html');
writeFileSync(
  page,
  '<!doctype html><meta charset="utf-8"><body style="white-space: pre">' +
    '<script>window.onerror = (m, s, l, c, e) => document.body.append(`FAIL uncaught: ${m} ${e && e.stack}\\n`);' +
    'window.onunhandledrejection = (e) => document.body.append(`FAIL unhandled: ${e.reason && (e.reason.stack || e.reason)}\\n`);</script>' +
    `<script type="module">${bundled.replaceAll('</script', '<\\/script')}</script></body>`,
);

// 2. The server: the example's spec, a `ws` server on loopback; the connections watched so
// that dave's page can be closed as soon as his first protocol message arrives.
let onLeaverProtocol: (() => void) | null = null;
const ws = await listenWebSocket({
  port: 0,
  host: '127.0.0.1',
  authenticate: (request) => request.headers['sec-websocket-protocol']?.split(',')[1]?.trim() ?? null,
});
const transport: ServerTransport = { onConnection: null, close: () => ws.close() };
ws.onConnection = (inner) => transport.onConnection?.(watched(inner));
function watched(inner: Connection): Connection {
  if (inner.identity !== LEAVING) return inner;
  return interceptIncoming(inner, (frame, deliver) => {
    deliver(frame);
    if (frame[3] === 3) onLeaverProtocol?.(); // a protocol frame (src/session/_frames.ts)
  });
}
const server = new ServerSession({ spec, identities, transport, deadlines: { admission: 500, round: 20_000 } });
cleanups.push(() => server.close());

// 3. Chromium, one page per client, driven over the DevTools protocol.
const profile = mkdtempSync(join(tmpdir(), 'secagg-chromium-'));
cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
const chromium = spawn(
  browser as string,
  [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank',
  ],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
const chromiumExited = new Promise<number | null>((resolve) => chromium.on('exit', (code) => resolve(code)));
cleanups.push(async () => {
  if (chromium.exitCode === null && chromium.signalCode === null) chromium.kill('SIGKILL');
  await chromiumExited;
});
const endpoint = await new Promise<string | null>((resolve) => {
  let err = '';
  chromium.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
    if (m !== null) resolve(m[1] as string);
  });
  chromium.on('exit', () => resolve(null));
  setTimeout(() => resolve(null), 30_000);
});
check(endpoint !== null, 'headless Chromium starts with its DevTools endpoint');
if (endpoint === null) await finish();

const devtools = new WebSocket(endpoint as string);
await new Promise((resolve, reject) => devtools.once('open', resolve).once('error', reject));
let nextId = 1;
const pending = new Map<number, { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void }>();
devtools.on('message', (data) => {
  const m = JSON.parse(String(data)) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
  const p = m.id === undefined ? undefined : pending.get(m.id);
  if (p === undefined) return;
  pending.delete(m.id as number);
  if (m.error !== undefined) p.reject(new Error(m.error.message));
  else p.resolve(m.result ?? {});
});
function send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
  const id = nextId++;
  devtools.send(JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) }));
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
}
const url = `ws://127.0.0.1:${ws.port}`;
const targets = new Map<string, string>();
for (const name of identities) {
  const { targetId } = await send('Target.createTarget', { url: `file://${page}?name=${name}&server=${encodeURIComponent(url)}` });
  targets.set(name, targetId as string);
}
async function pageText(name: string): Promise<string> {
  const { sessionId } = await send('Target.attachToTarget', { targetId: targets.get(name), flatten: true });
  const { result } = await send('Runtime.evaluate', { expression: 'document.body.innerText', returnByValue: true }, sessionId as string);
  return String((result as { value?: unknown }).value ?? '');
}

// 4. The rounds.
const readyBy = Date.now() + 60_000;
while (server.status.ready < identities.length && Date.now() < readyBy) await new Promise((r) => setTimeout(r, 50));
check(server.status.ready === identities.length, `the ${identities.length} pages connect and are ready at the server (${server.status.ready})`);
let closedMidRound = false;
onLeaverProtocol = () => {
  onLeaverProtocol = null;
  closedMidRound = server.status.round === 1;
  void send('Target.closeTarget', { targetId: targets.get(LEAVING) });
};
const results: RoundResult[] = [];
for (let r = 1; r <= ROUNDS; r++) results.push(await server.runRound({ signal: AbortSignal.timeout(60_000) }));

results.forEach((result, i) => {
  const round = i + 1;
  const included = result.included;
  const expected = included.reduce((sum, name) => sum + identities.indexOf(name) / 10, 0) / Math.max(1, included.length);
  const bias = result.values?.['bias']?.[0] ?? NaN;
  const weights = result.values?.['weights'] ?? new Float64Array(0);
  const weightsOk = weights.length === 1000 && weights.every((w) => Math.abs(w - 0.01 * round) < 1e-5);
  check(
    result.outcome === 'completed' && included.length >= 3 && Math.abs(bias - expected) < 1e-5 && weightsOk,
    `round ${round}: completed, the mean over ${included.join(' ')} (bias[0] ${bias}, expected ${expected}; every weight ${0.01 * round}, to 1e-5)`,
    result.outcome === 'aborted' ? `${result.abort.code}: ${result.abort.reason}` : '',
  );
});
const first = results[0];
check(
  closedMidRound && first !== undefined && !(first.included as readonly string[]).includes(LEAVING) && first.dropped.some((d) => d.identity === LEAVING),
  `${LEAVING}'s page, closed in round 1 after his advertised keys, is dropped from it (${first?.dropped.map((d) => `${d.identity}: ${d.reason}`).join(', ')})`,
);
check(
  results.slice(1).every((r) => r.included.join(' ') === 'alice bob carol'),
  `rounds 2 and 3 are over alice, bob and carol (${results.slice(1).map((r) => r.included.join(' ')).join('; ')})`,
);
const doneBy = Date.now() + 20_000;
for (const name of identities.filter((n) => n !== LEAVING)) {
  let text = await pageText(name);
  while (!text.includes('done') && Date.now() < doneBy) {
    await new Promise((r) => setTimeout(r, 100));
    text = await pageText(name);
  }
  const completed = [1, 2, 3].every((r) => text.includes(`${name} round ${r}: completed`));
  check(completed && text.includes('done') && !text.includes('FAIL'), `${name}'s page reports rounds 1, 2 and 3 completed, then done`, text.replaceAll('\n', ' | '));
}

// 5. Closing: the server, then Chromium (Browser.close), each by itself.
clearTimeout(watchdog);
await server.close();
const serverClosed = ws.stats.connectionsOpen === 0;
await send('Browser.close').catch(() => undefined);
const code = await Promise.race([chromiumExited, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
devtools.close();
check(serverClosed && code === 0, `the server closes every connection, and Chromium exits by itself (status ${String(code)})`);
await finish();

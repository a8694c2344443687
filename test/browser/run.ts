/**
 * `npm run test:browser`: bundles test/browser/entry.ts for the browser (no Node built-ins
 * available), runs it in Debian's headless Chromium and prints what the page reports.
 * Needs `apt-get install chromium` (never a browser download of a tool's own); CHROMIUM
 * overrides the binary path. Exits non-zero on failure or when no browser is found.
 */
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const browser = process.env['CHROMIUM'] ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
if (browser === undefined) {
  console.error('test:browser: no Chromium found; install it with `apt-get install chromium` or set CHROMIUM');
  process.exit(2);
}

const bundle = await build({
  entryPoints: [join(here, 'entry.ts')],
  bundle: true,
  write: false,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
});
const code = bundle.outputFiles[0]?.text ?? '';
if (/\brequire\(["']node:|from ["']node:/.test(code)) {
  console.error('test:browser: the browser bundle references a Node built-in');
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), 'secagg-browser-'));
const page = join(dir, 'index.html');
writeFileSync(page, `<!doctype html><meta charset="utf-8"><body>running<script>window.onerror = (m, s, l, c, e) => { document.body.textContent = "SECAGG_BROWSER_FAIL uncaught: " + m + " " + (e && e.stack); };</script><script>${code.replaceAll('</script', '<\\/script')}</script></body>`);

const result = spawnSync(
  browser,
  [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--user-data-dir=${join(dir, 'profile')}`, '--virtual-time-budget=120000', '--dump-dom',
    `file://${page}`,
  ],
  { encoding: 'utf8', timeout: 180_000 },
);
const body = /<body>([\s\S]*?)<\/body>/.exec(result.stdout ?? '')?.[1] ?? '';
const text = body.replace(/<script[\s\S]*?<\/script>/g, '').replace(/<[^>]+>/g, '').trim();
console.log(text === '' ? `(no page output; chromium exit ${String(result.status)})\n${result.stderr}` : text);
const passed = text.startsWith('SECAGG_BROWSER_OK');
console.log(`browser: ${passed ? 1 : 0} passed, ${passed ? 0 : 1} failed`);
process.exit(passed ? 0 : 1);

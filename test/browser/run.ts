/**
 * `npm run test:browser`: bundles test/browser/entry.ts for the browser (no Node built-ins
 * available), runs it in Debian's headless Chromium and prints each check the page reports,
 * then `checks: P passed, F failed` (read by CI, .ci/steps/41-browser.sh). Needs
 * `apt-get install chromium` (never a browser download of a tool's own); CHROMIUM overrides
 * the binary path. Exits non-zero on any failure or when no browser is found.
 */
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dumpDom, findChromium, textOf } from './_chromium.js';

const here = dirname(fileURLToPath(import.meta.url));
let passed = 0;
let failed = 0;
const report = (pass: boolean, line: string): void => {
  if (pass) passed++;
  else failed++;
  console.log(line);
};
const finish = (): never => {
  console.log(`checks: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
};

const browser = findChromium();
if (browser === undefined) {
  report(false, 'FAIL no Chromium found; install it with `apt-get install chromium` or set CHROMIUM');
  finish();
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
const nodeFree = !/\brequire\(["']node:|from ["']node:/.test(code);
report(nodeFree, `${nodeFree ? 'ok' : 'FAIL'} the browser bundle references no Node built-in`);
const dir = mkdtempSync(join(tmpdir(), 'secagg-browser-'));
const page = join(dir, 'index.html');
writeFileSync(
  page,
  `<!doctype html><meta charset="utf-8"><body><pre id="report">running</pre><script>window.onerror = (m, s, l, c, e) => { document.getElementById("report").textContent += "\\nFAIL uncaught: " + m + " " + (e && e.stack); };</script><script>${code.replaceAll('</script', '<\\/script')}</script></body>`,
);
const dumped = await dumpDom(browser as string, `file://${page}`);
rmSync(dir, { recursive: true, force: true });
const lines = textOf(dumped.html, 'report').split('\n').filter((l) => /^(ok|FAIL) /.test(l));
for (const line of lines) report(line.startsWith('ok '), line);
if (lines.length === 0) report(false, `FAIL the page reported nothing (chromium exit ${String(dumped.status)})\n${dumped.stderr.slice(-2000)}`);
finish();

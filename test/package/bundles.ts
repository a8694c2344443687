/**
 * Browser bundles of the package (.ci/steps/40-bundles.sh). For every subpath of package.json's
 * `exports` that browsers use (all but those in NOT_FOR_BROWSERS), a page whose script is
 * `import * as api from 'secagg/<subpath>'` plus the subpath's smoke test is bundled by esbuild
 * and by Vite (an app build, as a user's would be), each with zero warnings; then headless
 * Chromium loads every page (one iframe each, served from 127.0.0.1) and each must see the
 * export names Node sees and pass its smoke test.
 *
 * Two installs of the built package (CI builds before its steps; locally `npm run build`):
 * - `tarball`: `npm pack --ignore-scripts`, installed in a fresh project;
 * - `linked`: the repository linked into node_modules, as `npm install <folder>`, `npm link` and
 *   workspaces do. Bundlers stay quiet about code under node_modules/, so only here do they
 *   report what is wrong in the package's own files (the "ignored bare import" warnings that
 *   tsup's shared chunks caused were seen this way).
 */
import { build as esbuild } from 'esbuild';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { build as viteBuild, createLogger, type Logger } from 'vite';
import { dumpDom, findChromium, textOf } from '../browser/_chromium.js';
import { Checks } from './_report.js';
import { NPM_QUIET, makeProject, npmPackBuilt, run, scratchDir } from './_scratch.js';
import { ROOT, SMOKE, packageSubpaths, type Subpath } from './_subpaths.js';

const checks = new Checks();
const scratch = scratchDir('bundles');
const subpaths = packageSubpaths().filter((s) => s.browser);
const bundlers = ['esbuild', 'vite'] as const;
type Bundler = (typeof bundlers)[number];

// The package, installed both ways.
const installs = [
  { name: 'tarball', project: join(scratch, 'tarball') },
  { name: 'linked', project: join(scratch, 'linked') },
] as const;
type Install = (typeof installs)[number];
for (const { project } of installs) makeProject(project, { type: 'module' });
const { tarball, ran: packed } = npmPackBuilt(scratch);
const installed = tarball === '' ? packed : run('npm', ['install', ...NPM_QUIET, tarball], installs[0].project, { timeoutMs: 300_000 });
mkdirSync(join(installs[1].project, 'node_modules'));
symlinkSync(ROOT, join(installs[1].project, 'node_modules', 'secagg'), 'dir');
if (!checks.check('the built package packs and installs into a fresh project (and links into another)', installed.status === 0 && tarball !== '', installed.output)) {
  checks.finish();
  process.exit();
}

// What Node sees in each subpath: the names every bundle must show in Chromium.
const expected = new Map<string, string[]>();
for (const s of subpaths) {
  const ran = run(process.execPath, ['--input-type=module', '-e', `import * as api from '${s.specifier}'; console.log(JSON.stringify(Object.keys(api).sort()));`], installs[0].project);
  expected.set(s.specifier, ran.status === 0 ? (JSON.parse(ran.stdout) as string[]) : []);
}

const site = join(scratch, 'site');
const pageId = (install: Install, bundler: Bundler, s: Subpath): string =>
  `${install.name}-${bundler}-${s.key === '.' ? 'root' : s.key.slice(2).replaceAll('/', '-')}`;
const reportId = (install: Install, bundler: Bundler, s: Subpath): string => `${install.name} ${bundler} ${s.specifier}`;

/** The page's module: load the subpath, run its smoke test, report to the parent page. */
function entrySource(id: string, s: Subpath): string {
  const body = SMOKE[s.key];
  return `import * as api from '${s.specifier}';
let result;
try {
  const smoke = ${body === undefined ? 'null' : `((api) => { ${body} })(api)`};
  result = { id: ${JSON.stringify(id)}, names: Object.keys(api).sort(), smoke };
} catch (error) {
  result = { id: ${JSON.stringify(id)}, error: String((error && error.stack) || error) };
}
window.parent.__report(JSON.stringify(result));
`;
}

/** A classic script first, so that a module that fails to load or evaluate is reported too. */
function pageHtml(id: string, s: Subpath, script: string): string {
  return `<!doctype html><meta charset="utf-8"><title>${s.specifier}</title>
<script>window.onerror = (message, source, line, column, error) => window.parent.__report(JSON.stringify({ id: ${JSON.stringify(id)}, error: String((error && error.stack) || message) }));</script>
${script}
`;
}

const noNode = (code: string): boolean => !/\brequire\(["']node:|from ["']node:|import\(["']node:/.test(code);

async function bundleWithEsbuild(install: Install, s: Subpath): Promise<void> {
  const id = reportId(install, 'esbuild', s);
  const dir = join(install.project, 'entries');
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, `${pageId(install, 'esbuild', s)}.js`);
  writeFileSync(entry, entrySource(id, s));
  const out = join(site, pageId(install, 'esbuild', s));
  mkdirSync(out, { recursive: true });
  let warnings: string[] = [];
  let failure = '';
  try {
    const result = await esbuild({
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      outfile: join(out, 'bundle.js'),
      logLevel: 'silent',
    });
    warnings = result.warnings.map((w) => `${w.id ?? ''} ${w.text} (${w.location?.file ?? ''}:${w.location?.line ?? ''})`);
  } catch (error) {
    failure = String(error);
  }
  const code = failure === '' ? readFileSync(join(out, 'bundle.js'), 'utf8') : '';
  writeFileSync(join(out, 'index.html'), pageHtml(id, s, '<script type="module" src="./bundle.js"></script>'));
  checks.check(
    `${install.name}: esbuild bundles ${s.specifier} for the browser with zero warnings`,
    failure === '' && warnings.length === 0 && noNode(code),
    [failure, ...warnings, noNode(code) ? '' : 'the bundle references a node: module'].filter(Boolean).join('\n'),
    `${(code.length / 1024).toFixed(0)} KiB minified`,
  );
}

async function bundleWithVite(install: Install, s: Subpath): Promise<void> {
  const id = reportId(install, 'vite', s);
  const root = join(install.project, 'vite', pageId(install, 'vite', s));
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'main.js'), entrySource(id, s));
  writeFileSync(join(root, 'index.html'), pageHtml(id, s, '<script type="module" src="./main.js"></script>'));
  const outDir = join(site, pageId(install, 'vite', s));
  const warnings: string[] = [];
  const logger: Logger = { ...createLogger('warn', { allowClearScreen: false }) };
  logger.warn = (message) => void warnings.push(message);
  logger.warnOnce = (message) => void warnings.push(message);
  logger.error = (message) => void warnings.push(`error: ${message}`);
  let failure = '';
  try {
    await viteBuild({
      root,
      base: './',
      configFile: false,
      logLevel: 'warn',
      customLogger: logger,
      build: {
        outDir,
        emptyOutDir: true,
        target: 'es2022',
        reportCompressedSize: false,
        rolldownOptions: { onwarn: (warning) => void warnings.push(`rolldown: ${warning.message}`) },
      },
    });
  } catch (error) {
    failure = String(error);
  }
  const assets = join(outDir, 'assets');
  const code = existsSync(assets)
    ? readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(assets, f), 'utf8')).join('\n')
    : '';
  checks.check(
    `${install.name}: Vite bundles ${s.specifier} (app build) with zero warnings`,
    failure === '' && warnings.length === 0 && code !== '' && noNode(code),
    [failure, ...warnings, code === '' ? 'no JavaScript written' : '', noNode(code) ? '' : 'the bundle references a node: module'].filter(Boolean).join('\n'),
    `${(code.length / 1024).toFixed(0)} KiB minified`,
  );
}

for (const install of installs) {
  for (const s of subpaths) {
    await bundleWithEsbuild(install, s);
    await bundleWithVite(install, s);
  }
}

// Every page in one Chromium run: a parent page with one iframe per bundle collects reports.
const pages = installs.flatMap((install) =>
  subpaths.flatMap((s) => bundlers.map((bundler) => ({ install, bundler, s, id: reportId(install, bundler, s), page: pageId(install, bundler, s) }))),
);
writeFileSync(
  join(site, 'index.html'),
  `<!doctype html><meta charset="utf-8"><title>secagg bundles</title>
<pre id="reports"></pre>
<script>window.__report = (line) => { document.getElementById('reports').textContent += line + '\\n'; };</script>
${pages.map((p) => `<iframe src="./${p.page}/index.html"></iframe>`).join('\n')}
`,
);
const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json', '.svg': 'image/svg+xml' };
const server = createServer((request, response) => {
  const path = normalize(join(site, decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname)));
  const file = path.endsWith('/') ? join(path, 'index.html') : path;
  if (!file.startsWith(site) || !existsSync(file)) {
    response.writeHead(404).end();
    return;
  }
  response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const browser = findChromium();
if (browser === undefined) {
  checks.check('headless Chromium is installed', false, 'no Chromium: apt-get install -y chromium, or set CHROMIUM');
} else {
  const { port } = server.address() as AddressInfo;
  const dumped = await dumpDom(browser, `http://127.0.0.1:${port}/index.html`);
  const reports = new Map<string, { names?: string[]; smoke?: boolean | null; error?: string }>();
  for (const line of textOf(dumped.html, 'reports').split('\n')) {
    if (line.trim() === '') continue;
    const report = JSON.parse(line) as { id: string; names?: string[]; smoke?: boolean | null; error?: string };
    reports.set(report.id, report);
  }
  for (const p of pages) {
    const r = reports.get(p.id);
    const names = expected.get(p.s.specifier) ?? [];
    const same = JSON.stringify(r?.names) === JSON.stringify(names);
    checks.check(
      `${p.install.name}: Chromium runs the ${p.bundler} bundle of ${p.s.specifier}: the exports Node sees${SMOKE[p.s.key] === undefined ? '' : ', smoke test passed'}`,
      r !== undefined && r.error === undefined && same && names.length > 0 && r.smoke !== false,
      r === undefined
        ? `no report from the page (chromium exit ${dumped.status})\n${dumped.stderr.slice(-2000)}`
        : (r.error ?? `smoke ${String(r.smoke)}; names ${JSON.stringify(r.names)} (Node: ${JSON.stringify(names)})`),
      `${names.length} exports`,
    );
  }
}
server.close();
checks.finish();

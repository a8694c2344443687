/**
 * Renders SVG charts to PNG in headless Chromium (Debian's `chromium`), to look at them before
 * committing: `npx tsx bench/_png.ts docs/charts/*.svg [--out=DIR]` (default: a new temporary
 * directory). Prints one PNG path per chart. Not a benchmark (run-all skips `_` files).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const out = resolve(args.find((a) => a.startsWith('--out='))?.slice('--out='.length) ?? mkdtempSync(join(tmpdir(), 'charts-png-')));
const svgs = args.filter((a) => !a.startsWith('--'));
mkdirSync(out, { recursive: true });
if (svgs.length === 0) {
  console.error('usage: npx tsx bench/_png.ts FILE.svg... [--out=DIR]');
  process.exit(2);
}
let failed = 0;
for (const svg of svgs) {
  const source = readFileSync(svg, 'utf8');
  const width = Number(/<svg[^>]*\bwidth="(\d+)"/.exec(source)?.[1] ?? 800);
  const height = Number(/<svg[^>]*\bheight="(\d+)"/.exec(source)?.[1] ?? 600);
  const png = join(out, basename(svg).replace(/\.svg$/, '.png'));
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const result = spawnSync(
    'chromium',
    [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--hide-scrollbars', '--force-device-scale-factor=1', `--user-data-dir=${profile}`,
      `--screenshot=${png}`, `--window-size=${width},${height}`, pathToFileURL(resolve(svg)).href,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  rmSync(profile, { recursive: true, force: true });
  // Chromium exits 0 even when it wrote nothing: the file is the check.
  if (result.status === 0 && existsSync(png)) console.log(png);
  else {
    failed++;
    console.error(`${svg}: chromium exited ${result.status ?? result.signal}: ${(result.stderr ?? '').slice(-500)}`);
  }
}
process.exit(failed === 0 ? 0 : 1);

/**
 * Headless Chromium for the browser checks: Debian's `chromium` package (never a browser that a
 * tool downloads), `CHROMIUM` to name another binary. A page is loaded, run until idle and its
 * DOM printed (`--dump-dom`); the caller reads what the page wrote into it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The Chromium binary, or undefined when there is none (install: `apt-get install -y chromium`). */
export function findChromium(): string | undefined {
  return process.env['CHROMIUM'] ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
}

/** What Chromium left: the page's DOM as HTML (empty when it failed), and its stderr. */
export interface Dumped {
  readonly html: string;
  readonly status: number | null;
  readonly stderr: string;
}

/**
 * Loads `url` in a fresh headless profile and resolves to the DOM once the page is idle.
 * Asynchronous, so that a server in this process can answer the page's requests.
 */
export function dumpDom(browser: string, url: string, timeoutMs = 180_000): Promise<Dumped> {
  const profile = mkdtempSync(join(tmpdir(), 'secagg-chromium-'));
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--user-data-dir=${profile}`, '--virtual-time-budget=120000', '--dump-dom', url,
  ];
  return new Promise((resolve) => {
    const child = spawn(browser, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let html = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (html += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (error) => (stderr += `\n${error.message}`));
    child.on('close', (status) => {
      rmSync(profile, { recursive: true, force: true });
      resolve({ html, status, stderr });
    });
  });
}

/** The text of the element with `id` in dumped HTML (entities decoded), or '' when absent. */
export function textOf(html: string, id: string): string {
  const match = new RegExp(`<[a-z]+ id="${id}"[^>]*>([\\s\\S]*?)</[a-z]+>`).exec(html);
  return (match?.[1] ?? '')
    .replace(/<[^>]+>/g, '')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}

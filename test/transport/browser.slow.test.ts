/**
 * The browser entry of secagg/transport/ws in a real browser: headless Chromium (Debian's
 * `chromium`; CHROMIUM overrides the path) opens a page bundled for the browser, which connects
 * to a `listenWebSocket` server on loopback with a subprotocol token, round-trips frames
 * byte-exact, is refused with a wrong token and with `headers`, and refuses an oversized frame.
 * The page reports over plain HTTP. Slow (a browser start): `npm run test:slow`. Skipped
 * without Chromium.
 */
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listenWebSocket } from '../../src/transport/ws/index.js';
import { fixture, within } from './_helpers.js';

const chromium = process.env['CHROMIUM'] ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);

describe('connectWebSocket in headless Chromium', () => {
  it.skipIf(chromium === undefined)('connects, round-trips byte-exact, refuses headers, a wrong token and an oversized frame', async () => {
    const server = await listenWebSocket({
      port: 0,
      host: '127.0.0.1',
      heartbeatMs: 0,
      maxFrameBytes: 1 << 20,
      authenticate: (request) => {
        const offered = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
        return offered[0] === 'secagg' && offered[1] === 'token-bob' ? 'bob' : null;
      },
    });
    server.onConnection = (connection) => {
      // 0xee asks for a frame one byte over the page's limit; anything else is echoed.
      connection.onFrame = (frame) => connection.send(frame.length === 1 && frame[0] === 0xee ? new Uint8Array((1 << 20) + 1) : frame);
    };
    let done: (text: string) => void = () => {};
    const reported = new Promise<string>((resolve) => (done = resolve));
    const reports = createServer((request, response) => {
      let body = '';
      request.on('data', (d: Buffer) => (body += d.toString()));
      request.on('end', () => (response.end(), done(body)));
    });
    await new Promise<void>((resolve) => reports.listen(0, '127.0.0.1', resolve));
    const dir = mkdtempSync(join(tmpdir(), 'secagg-transport-browser-'));
    const bundle = await build({ entryPoints: [fixture('browser-page.ts')], bundle: true, write: false, format: 'esm', platform: 'browser', target: 'es2022' });
    const code = bundle.outputFiles[0]?.text ?? '';
    expect(code).not.toMatch(/node_modules\/ws\//);
    const page = join(dir, 'index.html');
    const reportUrl = `http://127.0.0.1:${(reports.address() as { port: number }).port}/`;
    writeFileSync(page, `<!doctype html><meta charset="utf-8"><meta name="ws" content="ws://127.0.0.1:${server.port}/"><meta name="report" content="${reportUrl}"><body><script type="module">${code.replaceAll('</script', '<\\/script')}</script></body>`);
    const browser = spawn(chromium as string, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`, `file://${page}`], { stdio: 'ignore' });
    try {
      const text = await within(reported, 90_000, 'the page report');
      expect(text.startsWith('OK '), text).toBe(true);
      expect(JSON.parse(text.slice(3))).toEqual({
        headers: 'UNSUPPORTED_ENVIRONMENT',
        refused: 'TRANSPORT_FAILED',
        identity: `ws://127.0.0.1:${server.port}/`,
        exact: true,
        big: { code: 1009, reason: 'frame over 1048576 bytes', local: true },
      });
    } finally {
      browser.kill();
      await new Promise((resolve) => browser.once('exit', resolve));
      reports.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }); // Chromium's helpers may still be writing
    }
  }, 120_000);
});

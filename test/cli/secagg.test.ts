/**
 * The `secagg` CLI as a user runs it: a real child process (the TypeScript source through tsx,
 * so no build is needed), a real shell pipe for `| head`, and a pseudo-terminal from
 * util-linux's `script` for the in-place progress line. Concurrent: each test is a process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const cli = ['--import', 'tsx', join(root, 'cli', 'secagg.ts')];
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function finish(child: ReturnType<typeof spawn>): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `secagg ...args` with stdout and stderr on pipes. */
function secagg(args: readonly string[], env: Record<string, string> = {}): Promise<Ran> {
  return finish(spawn(process.execPath, [...cli, ...args], { cwd: root, env: { ...process.env, ...env } }));
}

/** A bash command line (pipefail on), for real pipes between processes. */
function bash(line: string, env: Record<string, string> = {}): Promise<Ran> {
  return finish(spawn('bash', ['-c', `set -o pipefail; ${line}`], { cwd: root, env: { ...process.env, ...env } }));
}

const quote = (args: readonly string[]): string => args.map((a) => `'${a}'`).join(' ');
const command = `${quote([process.execPath, ...cli])}`;
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

describe.concurrent('secagg CLI (child processes)', () => {
  it('--version prints the package version', async () => {
    const r = await secagg(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('refuses --clients 0 before printing anything on stdout (no banner), exit 2', async () => {
    const r = await secagg(['simulate', '--clients', '0']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^secagg simulate: error OUT_OF_RANGE: clients must be an integer/);
  });

  it('gives --length -5 (and --length=-5) our range error, not the argument parser\'s', async () => {
    for (const args of [['--length', '-5'], ['--length=-5']]) {
      const r = await secagg(['simulate', ...args]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/error OUT_OF_RANGE: length must be an integer in \[1, \d+\], got -5/);
      expect(r.stderr).not.toMatch(/ambiguous/);
    }
  });

  it('refuses a value that is not a decimal number, and an unknown option, with the usage, exit 2', async () => {
    const [hex, unknown] = await Promise.all([secagg(['simulate', '--clients', '0x10']), secagg(['simulate', '--frobnicate'])]);
    expect(hex.code).toBe(2);
    expect(hex.stderr).toMatch(/--clients must be a number, got "0x10"\nusage: secagg simulate/);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--frobnicate'/);
    expect(hex.stdout + unknown.stdout).toBe('');
  });

  it('caps --workers at one thread per client, and says so', async () => {
    const args = ['simulate', '--clients', '3', '--graph', 'complete', '--length', '10', '--dropout', '0', '--workers', '8'];
    const quiet = { SECAGG_PROGRESS_AFTER_MS: '600000' }; // worker threads start slowly on a loaded machine
    const [table, json] = await Promise.all([secagg(args, quiet), secagg([...args, '--json'], quiet)]);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/unmasking jobs on 3 worker threads \(--workers 8 capped at one per client\)$/);
    expect(table.stderr).toBe('');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ workers: 3, match: true, outcome: 'completed' });
  });

  it('exits 0 when its reader closes the pipe (`secagg simulate | head -n 1`)', async () => {
    const r = await bash(`${command} simulate --clients 30 --length 1000 | head -n 1`, { SECAGG_PROGRESS_AFTER_MS: '600000' });
    expect(r.stdout).toMatch(/^secagg simulate: 30 clients/);
    expect(r.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0); // with pipefail: secagg's own status
  });

  it('prints plain progress lines (no carriage return, no escapes) on stderr when it is not a terminal', async () => {
    const r = await secagg(['simulate', '--clients', '30', '--length', '200', '--json'], { SECAGG_PROGRESS_AFTER_MS: '0', SECAGG_PROGRESS_EVERY_MS: '0' });
    expect(r.code).toBe(0);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(8); // two per batch, at least four rounds
    for (const line of lines) expect(line).toMatch(/^ {2}\[\d+\.\d s\] (advertiseKeys|shareKeys|maskedInputCollection|unmasking): (clients|server) at work \(\d+( clients)? done\)$/);
    expect(r.stderr).not.toMatch(/[\r\x1b]/);
    expect(JSON.parse(r.stdout)).toMatchObject({ match: true }); // stdout stays one JSON line
  });

  it.runIf(hasScript)('rewrites one progress line in place on a terminal, and clears it before each round line', async () => {
    const line = `${command} simulate --clients 30 --length 200`;
    const r = await finish(spawn('script', ['-qec', line, '/dev/null'], { cwd: root, env: { ...process.env, SECAGG_PROGRESS_AFTER_MS: '0' } }));
    expect(r.code).toBe(0);
    const out = r.stdout.replaceAll('\r\n', '\n');
    expect(out).toMatch(/\r {2}\[\d+\.\d s\] \w+: (clients|server) at work \([^)]*\)\x1b\[K/);
    // Every round line starts on a cleared line; the summary has no progress left in it.
    expect(out).toMatch(/\r\x1b\[K {2}advertiseKeys +\d+ clients sent/);
    expect(out).toMatch(/\n {2}sum of \d+ survivors' inputs: matches the plain sum\n {2}total [\d.]+ s\n?$/);
  });
});

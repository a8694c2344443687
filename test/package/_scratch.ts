/**
 * Scratch folders for the package checks: a copy of the working tree (what git would commit,
 * without node_modules/ or dist/), packing it, and fresh projects that install the result the
 * way a user would, with real `npm` and `node` processes.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from './_subpaths.js';

/** What a finished child process left. */
export interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr, for failure details. */
  readonly output: string;
  readonly seconds: number;
}

/** Runs a command to completion (no shell), capturing its output. */
export function run(command: string, args: readonly string[], cwd: string, options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Ran {
  const start = performance.now();
  const result = spawnSync(command, args, {
    cwd,
    env: options.env ?? process.env,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const stdout = result.stdout ?? '';
  const stderr = (result.stderr ?? '') + (result.error === undefined ? '' : `\n${result.error.message}`);
  return { status: result.status, stdout, stderr, output: `${stdout}\n${stderr}`.trim(), seconds: (performance.now() - start) / 1000 };
}

/** A fresh temporary folder, removed when the process exits (kept with SECAGG_KEEP_SCRATCH=1). */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `secagg-${prefix}-`));
  if (process.env['SECAGG_KEEP_SCRATCH'] === '1') console.log(`scratch: ${dir}`);
  else process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Copies the files git would commit from the working tree (tracked and untracked, not
 * ignored; so no node_modules/, dist/ or reports/) into `dest`, edits included: the checks
 * test the tree as it is, not the last commit.
 */
export function copyWorkingTree(dest: string): void {
  const listed = run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], ROOT);
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.output}`);
  for (const file of listed.stdout.split('\0')) {
    if (file === '') continue;
    mkdirSync(dirname(join(dest, file)), { recursive: true });
    try {
      cpSync(join(ROOT, file), join(dest, file));
    } catch (error) {
      // A tracked file deleted in the working tree is not part of it.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/** npm flags for installs in scratch projects: packages from the cache the repo's install filled. */
export const NPM_QUIET = ['--no-audit', '--no-fund', '--prefer-offline'] as const;

/**
 * `npm pack` in `dir` into `dest` (running the package's prepack/prepare scripts, which build
 * dist/); returns the tarball's path.
 */
export function npmPack(dir: string, dest: string): { tarball: string; ran: Ran } {
  const ran = run('npm', ['pack', '--pack-destination', dest], dir, { timeoutMs: 300_000 });
  const tarball = readdirSync(dest).find((f) => f.endsWith('.tgz'));
  return { tarball: tarball === undefined ? '' : join(dest, tarball), ran };
}

/**
 * `npm pack --ignore-scripts` of the repository as it is built now, into `dest`: for checks that
 * run after the build (CI builds before its steps). Refuses when dist/ is missing.
 */
export function npmPackBuilt(dest: string): { tarball: string; ran: Ran } {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    return { tarball: '', ran: { status: 1, stdout: '', stderr: 'no dist/: run `npm run build` first', output: 'no dist/: run `npm run build` first', seconds: 0 } };
  }
  const ran = run('npm', ['pack', '--ignore-scripts', '--pack-destination', dest], ROOT);
  const tarball = readdirSync(dest).find((f) => f.endsWith('.tgz'));
  return { tarball: tarball === undefined ? '' : join(dest, tarball), ran };
}

/** Lists a tarball's files, without the leading `package/`. */
export function tarballFiles(tarball: string): string[] {
  const listed = run('tar', ['-tzf', tarball], dirname(tarball));
  if (listed.status !== 0) throw new Error(`tar -tzf failed: ${listed.output}`);
  return listed.stdout
    .split('\n')
    .filter((l) => l !== '' && !l.endsWith('/'))
    .map((l) => l.replace(/^package\//, ''));
}

/** A new, empty npm project in `dir` (CommonJS by default, as `npm init` makes). */
export function makeProject(dir: string, extra: Record<string, unknown> = {}): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'secagg-consumer', version: '0.0.0', private: true, ...extra }, null, 2)}\n`);
}

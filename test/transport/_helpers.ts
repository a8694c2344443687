/** Shared helpers of the transport tests: waiting on handlers, and TypeScript children. */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type TransferListItem } from 'node:worker_threads';
import type { CloseInfo, Connection } from '../../src/transport/index.js';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixture = (name: string): string => join(root, 'test', 'transport', 'fixtures', name);

/** Records a connection's frames and its close, with promises to wait on them. */
export function record(connection: Connection): {
  frames: Uint8Array[];
  closed: Promise<CloseInfo>;
  next(count?: number): Promise<Uint8Array[]>;
} {
  const frames: Uint8Array[] = [];
  const waiters: { count: number; resolve: (f: Uint8Array[]) => void }[] = [];
  let resolveClosed: (info: CloseInfo) => void = () => {};
  const closed = new Promise<CloseInfo>((resolve) => {
    resolveClosed = resolve;
  });
  connection.onFrame = (frame) => {
    frames.push(frame);
    for (const w of [...waiters]) {
      if (frames.length >= w.count) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(frames.slice(0, w.count));
      }
    }
  };
  connection.onClose = resolveClosed;
  return {
    frames,
    closed,
    next(count = frames.length + 1) {
      if (frames.length >= count) return Promise.resolve(frames.slice(0, count));
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
  };
}

/** Rejects after `ms` so a broken test fails fast instead of hanging. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

/** Pseudo-random bytes from a seed (test data only). */
export function pattern(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A worker thread running a TypeScript file (tsx's loader registered first, as cli/ does). */
export function tsWorker(file: string, workerData: unknown, transferList: TransferListItem[] = []): Worker {
  const url = pathToFileURL(file).href;
  const bootstrap = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); });`;
  return new Worker(bootstrap, { eval: true, workerData, transferList });
}

/** Runs a TypeScript file in a child Node process; resolves with its exit and output. */
export function runChild(
  file: string,
  options: { args?: string[]; nodeArgs?: string[]; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', file, ...(options.args ?? [])], {
      cwd: root,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Byte equality without a deep-equal walk (vitest's toEqual is slow on MiB arrays). */
export function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a !== undefined && b !== undefined && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

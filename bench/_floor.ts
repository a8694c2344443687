/**
 * The floor under a parallel close (bench/protocol.ts, `--only=parallel`): the close's bare
 * platform work (its X25519 agreements, then its mask keystreams: one ChaCha20 cipher per mask
 * term, `elements x width` bytes streamed through `update()` and copied out) run by node:crypto
 * alone on `threads` worker threads, split evenly, with no planning, Shamir, HKDF or folding.
 * No close on this machine can beat it with node:crypto; the library's close over it says how
 * much of the rest is the library's own. The keystream goes through 32 KiB updates: measured
 * fastest for this bare loop (with 64 KiB updates a fresh process took ~1 million page faults
 * and ~2 s of system time per close at 500 clients x 100,000 elements, against ~15,000).
 */
import { Worker } from 'node:worker_threads';

/** The bare work of one close. */
export interface FloorWork {
  /** X25519 agreements (dropped client x surviving neighbour). */
  readonly agreements: number;
  /** Mask terms (self masks of survivors, pairwise masks of dropped clients). */
  readonly terms: number;
  /** Keystream bytes per term (elements x element width). */
  readonly bytesPerTerm: number;
}

/** Seconds of each thread's share (agreements, then keystream) and the wall time of all. */
export interface FloorTimes {
  readonly wall: number;
  readonly keys: number[];
  readonly total: number[];
}

// The worker's whole program: it runs as an eval'd CommonJS worker (no loader needed).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const crypto = require('node:crypto');
const { index, threads, agreements, terms, bytesPerTerm } = workerData;
const CHUNK = 32_768;
const zero = new Uint8Array(CHUNK);
const out = new Uint8Array(CHUNK);
const key = crypto.randomBytes(32);
const iv = Buffer.alloc(16);
const own = crypto.generateKeyPairSync('x25519').privateKey;
const peers = Array.from({ length: 64 }, () => crypto.generateKeyPairSync('x25519').publicKey);
function stream() {
  const cipher = crypto.createCipheriv('chacha20', key, iv);
  for (let done = 0; done < bytesPerTerm; done += CHUNK) out.set(cipher.update(zero.subarray(0, Math.min(CHUNK, bytesPerTerm - done))));
}
for (let i = 0; i < 50; i++) { stream(); crypto.diffieHellman({ privateKey: own, publicKey: peers[i % 64] }); }
parentPort.postMessage('ready');
parentPort.once('message', () => {
  const t0 = performance.now();
  for (let i = index; i < agreements; i += threads) crypto.diffieHellman({ privateKey: own, publicKey: peers[i % 64] });
  const keys = (performance.now() - t0) / 1000;
  for (let i = index; i < terms; i += threads) stream();
  parentPort.postMessage({ keys, total: (performance.now() - t0) / 1000 });
});
`;

/** Runs the bare work once on `threads` fresh threads (started and warmed before the clock). */
export async function measureFloor(work: FloorWork, threads: number): Promise<FloorTimes> {
  const workers = Array.from({ length: threads }, (_, index) => new Worker(WORKER, { eval: true, workerData: { index, threads, ...work } }));
  try {
    const answer = (w: Worker): Promise<unknown> => new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    await Promise.all(workers.map(answer));
    const t0 = performance.now();
    const replies = workers.map(answer);
    for (const w of workers) w.postMessage('go');
    const results = (await Promise.all(replies)) as { keys: number; total: number }[];
    return { wall: (performance.now() - t0) / 1000, keys: results.map((r) => r.keys), total: results.map((r) => r.total) };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

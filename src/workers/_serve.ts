/**
 * What a pool worker does (internal): answers each `{ id, job }` with the job's result, and
 * wipes the job's secret bytes (its structured-clone copy of the shares or keys) once used.
 * Results go back transferred, not copied, so no copy of a result's keys stays in the worker.
 */
import { generateX25519KeyPair } from '../crypto/index.js';
import { isSecAggError } from '../errors.js';
import {
  runUnmaskingJob,
  wipeUnmaskingJob,
  wipeUnmaskingResult,
  type UnmaskingDroppedClient,
  type UnmaskingJob,
  type UnmaskingResult,
  type UnmaskingShareSet,
} from '../protocol/index.js';
import { cryptoRandomBytes } from '../random.js';
import { splitSecret } from '../shamir/index.js';

/** A request from the pool. */
export interface JobRequest {
  readonly id: number;
  readonly job: UnmaskingJob;
}

/** A worker's answers: ready once loaded, then one reply per request. */
export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly id: number; readonly result: UnmaskingResult }
  | { readonly type: 'error'; readonly id: number; readonly code: string | null; readonly message: string };

/** The part of a MessagePort a worker uses. */
export interface ReplyPort {
  postMessage(value: WorkerReply, transfer?: readonly ArrayBuffer[]): void;
  on(event: 'message', listener: (value: JobRequest) => void): unknown;
}

/** Runs one request; the reply and the buffers to transfer with it. */
export function answer(request: JobRequest): { reply: WorkerReply; transfer: ArrayBuffer[] } {
  const { id, job } = request;
  try {
    const result = runUnmaskingJob(job);
    const transfer = result.kind === 'keys' ? result.keys.map((k) => k.buffer as ArrayBuffer) : [result.sum.buffer as ArrayBuffer];
    return { reply: { type: 'result', id, result }, transfer };
  } catch (error) {
    // Our errors never carry secret bytes; anything else is reported by its name only.
    const code = isSecAggError(error) ? error.code : null;
    const message = isSecAggError(error) ? error.message : `${error instanceof Error ? error.name : typeof error} in the job`;
    return { reply: { type: 'error', id, code, message }, transfer: [] };
  } finally {
    try {
      wipeUnmaskingJob(job);
    } catch {
      // not a job (already answered with an error): nothing of ours to wipe
    }
  }
}

/** Serves requests on `port` (a worker's parentPort) and says it is ready, once warm. */
export function serve(port: ReplyPort): void {
  port.on('message', (request) => {
    const { reply, transfer } = answer(request);
    port.postMessage(reply, transfer);
  });
  warmUp();
  port.postMessage({ type: 'ready' });
}

/**
 * A small synthetic masks job and keys job, run once before the worker says it is ready: a fresh
 * thread runs the reconstruction, X25519, HKDF and mask code cold (interpreted, then compiled as
 * it gets hot), and a pool's first close measured 1.5-2.5x slower than later ones. The keys job
 * has both shapes of rounds: owners that each have their own holders (a SecAgg+ neighbourhood,
 * N = t + 14: a holder set, its checks and the log kernel per secret) and owners that share one
 * set (the complete graph: that set's tables). Warming only a shared set, with the masks job
 * after the keys job, made a SecAgg+ round's first keys job slower than no warm-up at all (a
 * saved 10,000-client round, 1,711 owners, fresh thread: 84-91 ms, 62-71 ms without, 43-63 ms
 * with this one; 30-44 ms warm). ~45-65 ms of a worker's start-up (was ~30). Random throwaway
 * secrets; wiped like any job.
 */
export function warmUp(): void {
  const t = 20;
  const holderCount = t + 14;
  const shareSet = (owner: number, first: number, secret: Uint8Array): UnmaskingShareSet => {
    const holders = Array.from({ length: holderCount }, (_, i) => first + i);
    const shares = new Uint8Array(32 * holderCount);
    splitSecret(secret, { threshold: t, holders }).forEach((share, i) => shares.set(share.y, 32 * i));
    secret.fill(0);
    return { owner, holders, shares };
  };
  const ownSets = 96;
  const sharedSet = 16;
  const survivors = Array.from({ length: ownSets + sharedSet }, (_, i) =>
    shareSet(1 + i, i < ownSets ? 2 + i : 2, cryptoRandomBytes(32)),
  );
  const peers = Array.from({ length: 24 }, (_, i) => i + 1000);
  const peerKeys = new Uint8Array(32 * peers.length);
  peers.forEach((_, i) => peerKeys.set(generateX25519KeyPair(cryptoRandomBytes).publicKey, 32 * i));
  const dropped: UnmaskingDroppedClient[] = [900, 901].map((owner, i) => {
    const pair = generateX25519KeyPair(cryptoRandomBytes);
    return { ...shareSet(owner, 2 + i, pair.privateKey), publicKey: pair.publicKey, peers, peerKeys };
  });
  // The masks job first: after the keys job, it left the next keys job ~20 ms slower.
  const terms = cryptoRandomBytes(32 * 64);
  const masks: UnmaskingJob = { kind: 'masks', vector: 0, bits: 24, offset: 0, sum: new Uint32Array(16_384), keys: terms, signs: new Int8Array(64).fill(-1) };
  runUnmaskingJob(masks);
  wipeUnmaskingJob(masks);
  const keys: UnmaskingJob = { kind: 'keys', threshold: t, sessionId: new Uint8Array(32), vectors: ['w'], survivors, dropped };
  const result = runUnmaskingJob(keys);
  wipeUnmaskingJob(keys);
  wipeUnmaskingResult(result);
}

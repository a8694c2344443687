/**
 * The unmasking's jobs: plain, structured-clone-able work items that any thread or host can run
 * with {@link runUnmaskingJob}, and their results. ./unmasking.ts makes them from a server state
 * (`unmaskingPlan`) and takes their results back (`applyUnmaskingResults`).
 *
 * Two kinds, run in two stages (the masks need every key):
 * - `keys`: rebuild secrets from all their holders' shares (Shamir over GF(2^16), robustly: wrong
 *   shares corrected and their holders named, ./_reconstruct.ts) and derive the mask keys: a
 *   survivor's self-mask seed b_u gives one key per vector; a dropped client's masking key s_v is
 *   checked against its advertised public key, agreed (X25519) with each surviving neighbour and
 *   each shared secret gives one key per vector. The secrets never leave the job.
 * - `masks`: for a slice [offset, offset + length) of one vector, the accumulated masked sum's
 *   slice with every mask term (key, sign) removed (the mask PRG is seekable).
 */
import { assertOptions } from '../../_assert.js';
import { equalBytes } from '../../_bytes.js';
import { createX25519Agreement, x25519PublicKey, type CryptoBackend } from '../../crypto/index.js';
import { SecAggError, type ErrorCode } from '../../errors.js';
import { applyMasksInto, type MaskTerm } from '../../masking/index.js';
import { pooledCryptoRandomBytes, type RandomBytes } from '../../random.js';
import { maskKey, pairwiseMaskLabel, selfMaskLabel } from '../_kdf.js';
import { keysReconstruction } from './_reconstruct.js';

/** One secret to rebuild: its owner and the shares its holders revealed. */
export interface UnmaskingShareSet {
  /** The client whose secret this is. */
  readonly owner: number;
  /**
   * The holders' ids (their share x-coordinates), increasing: every client that revealed a share
   * of this secret, at least `threshold`. Up to floor((N - t - 1) / 2) of N shares may be wrong.
   */
  readonly holders: readonly number[];
  /** Their shares, 32 bytes each, in `holders` order (secret: `threshold` of them give it away). */
  readonly shares: Uint8Array;
}

/** A dropped client (U2 \ U3) whose masking key is rebuilt to remove its pairwise masks. */
export interface UnmaskingDroppedClient extends UnmaskingShareSet {
  /** The X25519 masking public key it advertised (the rebuilt key must match it). */
  readonly publicKey: Uint8Array;
  /** Its surviving neighbours (in U3), increasing. */
  readonly peers: readonly number[];
  /** Their masking public keys, 32 bytes each, in `peers` order. */
  readonly peerKeys: Uint8Array;
}

/**
 * Rebuild secrets and derive mask keys. Terms come out in job order: one per survivor of
 * `survivors` (its self mask, subtracted), then for each dropped client one per peer (the
 * pairwise mask that peer added: subtracted when peer < owner, added back otherwise).
 */
export interface UnmaskingKeysJob {
  readonly kind: 'keys';
  /** The session's Shamir threshold t (2..65535). */
  readonly threshold: number;
  /** The 32-byte session id (the salt of every mask key). */
  readonly sessionId: Uint8Array;
  /** The session's vector names, in configuration order: one key per vector and term. */
  readonly vectors: readonly string[];
  /** Survivors (U3) whose self-mask seed to rebuild. */
  readonly survivors: readonly UnmaskingShareSet[];
  /** Dropped clients whose masking key to rebuild. */
  readonly dropped: readonly UnmaskingDroppedClient[];
  /** Crypto backend (absent: native where available). */
  readonly backend?: CryptoBackend;
}

/** Remove masks from a slice of one vector's masked sum. */
export interface UnmaskingMasksJob {
  readonly kind: 'masks';
  /** Index of the vector in the configuration. */
  readonly vector: number;
  /** Elements are mod 2^bits, 1..32. */
  readonly bits: number;
  /** First element of the slice (and of every mask stream read). */
  readonly offset: number;
  /** The masked sum's elements [offset, offset + sum.length), each below 2^bits. */
  readonly sum: Uint32Array;
  /** Mask keys, 32 bytes each (secret). */
  readonly keys: Uint8Array;
  /** Per key: -1 subtracts its mask, +1 adds it. */
  readonly signs: Int8Array;
  /** Mask backend (absent: native where available). */
  readonly backend?: CryptoBackend;
}

/** A job of the unmasking (see {@link unmaskingPlan}). */
export type UnmaskingJob = UnmaskingKeysJob | UnmaskingMasksJob;

/** Why a secret could not be used: its owner and the cause. */
export interface UnmaskingFailure {
  readonly owner: number;
  /**
   * `TOO_MANY_ERRORS`: no sharing agrees with all but floor((N - t - 1) / 2) of the owner's N
   * shares; `KEY_MISMATCH`: the rebuilt masking key does not match the advertised public key;
   * otherwise the code of the error the reconstruction or agreement threw.
   */
  readonly cause: 'KEY_MISMATCH' | ErrorCode;
}

/** What a `keys` job gives back. */
export interface UnmaskingKeysResult {
  readonly kind: 'keys';
  /**
   * Per vector (configuration order), the 32-byte mask keys of the job's terms, in job order
   * (secret). Empty arrays when `failure` is set.
   */
  readonly keys: readonly Uint8Array[];
  /** The first owner (in job order) whose secret could not be used, or null. */
  readonly failure: UnmaskingFailure | null;
  /**
   * Holders named by reconstruction, ascending: each revealed a share that disagrees with the
   * secret rebuilt for one of the job's owners (from the shares of that owner alone; see
   * docs/protocol.md, "Wrong shares"). Named, not proven malicious: the owner may have dealt that
   * holder a bad share. Set with or without `failure` (owners after a failure are still rebuilt,
   * so that the liars named do not depend on how owners were cut into jobs).
   */
  readonly liars: readonly number[];
}

/** What a `masks` job gives back: the slice with the masks removed (the slice of the sum). */
export interface UnmaskingMasksResult {
  readonly kind: 'masks';
  readonly sum: Uint32Array;
}

/** The result of an {@link UnmaskingJob}. */
export type UnmaskingResult = UnmaskingKeysResult | UnmaskingMasksResult;

/** Options of {@link runUnmaskingJob}. */
export interface RunUnmaskingJobOptions {
  /**
   * Randomness of the robust reconstruction's checks and decoder (default: the platform CSPRNG).
   * It never decides the result, except that an inconsistent set of shares passes a check with
   * probability 2^-32.
   */
  readonly rng?: RandomBytes;
}

/** Terms (mask keys per vector) a keys job produces. */
export function termCount(job: UnmaskingKeysJob): number {
  let n = job.survivors.length;
  for (const d of job.dropped) n += d.peers.length;
  return n;
}

/**
 * The sign of each term of a keys job, in job order: self masks and the pairwise masks of peers
 * below the dropped owner were added, so they are subtracted (-1); peers above it subtracted
 * theirs, so they are added back (+1).
 */
export function termSigns(job: UnmaskingKeysJob): Int8Array {
  const signs = new Int8Array(termCount(job)).fill(-1);
  let at = job.survivors.length;
  for (const d of job.dropped) {
    for (const u of d.peers) signs[at++] = u < d.owner ? -1 : 1;
  }
  return signs;
}

/**
 * Runs one unmasking job on this thread and returns its result. Pure: the same job gives the
 * same result wherever it runs (the randomness only draws checks, see `rng`). It does not wipe the
 * job's secret bytes: call {@link wipeUnmaskingJob} once the job is no longer needed (a worker
 * does it after each job; the server's closes do it when a stage is done).
 *
 * Jobs come from {@link unmaskingPlan}: their shape is checked (they may have crossed a queue),
 * their values are trusted. A secret that cannot be rebuilt or does not match its public key is
 * not an error: it is the result's `failure`, and the round aborts (RECONSTRUCTION_FAILED) when
 * the results are applied. Holders whose shares were wrong are the result's `liars`.
 *
 * @throws {SecAggError} `INVALID_TYPE` for something that is not a well-formed unmasking job,
 *   `LENGTH_MISMATCH` for a masks job whose keys are not 32 bytes per sign, the mask option
 *   errors of `applyMasksInto` (`INVALID_BITS`, `OUT_OF_RANGE`) for a masks job's bits or offset.
 * @example
 * ```ts
 * const results = plan.jobs.map((job) => runUnmaskingJob(job));
 * plan = applyUnmaskingResults(plan, results);
 * ```
 */
export function runUnmaskingJob(job: UnmaskingJob, options?: RunUnmaskingJobOptions): UnmaskingResult {
  const o = assertOptions<RunUnmaskingJobOptions>(options, 'options', ['rng']);
  const kind: unknown = (job as { kind?: unknown } | null)?.kind;
  if (kind === 'keys') return runKeysJob(checkKeysJob(job as UnmaskingKeysJob), o.rng ?? pooledCryptoRandomBytes());
  if (kind === 'masks') return runMasksJob(checkMasksJob(job as UnmaskingMasksJob));
  throw new SecAggError('INVALID_TYPE', "job must be an unmasking job (kind 'keys' or 'masks')");
}

function malformed(what: string): SecAggError {
  return new SecAggError('INVALID_TYPE', `malformed unmasking job: ${what}`);
}

const isId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65_535;
const isIds = (v: unknown): v is number[] => Array.isArray(v) && v.every(isId) && v.every((x, i) => i === 0 || x > (v[i - 1] as number));
const isBytesOf = (v: unknown, length: number): v is Uint8Array => v instanceof Uint8Array && v.length === length;

/**
 * A keys job's shape (it may come off a queue): ids, lengths and types, so that a malformed one
 * is refused with a code instead of failing deep inside. Its values are trusted (the server made it).
 */
function checkKeysJob(job: UnmaskingKeysJob): UnmaskingKeysJob {
  const { threshold: t, sessionId, vectors, survivors, dropped } = job;
  if (typeof t !== 'number' || !Number.isInteger(t) || t < 2 || t > 65_535) throw malformed('threshold must be an integer in 2..65535');
  if (!isBytesOf(sessionId, 32)) throw malformed('sessionId must be 32 bytes');
  if (!Array.isArray(vectors) || vectors.length === 0 || !vectors.every((v) => typeof v === 'string')) throw malformed('vectors must be names');
  if (!Array.isArray(survivors) || !Array.isArray(dropped)) throw malformed('survivors and dropped must be arrays');
  for (const set of [...survivors, ...dropped] as unknown[]) {
    const x = set as Partial<UnmaskingDroppedClient> | null;
    if (x === null || typeof x !== 'object' || !isId(x.owner) || !isIds(x.holders) || x.holders.length < t) {
      throw malformed('each owner needs an id and at least threshold increasing holder ids');
    }
    if (!isBytesOf(x.shares, 32 * x.holders.length)) throw malformed('shares must be 32 bytes per holder');
  }
  for (const d of dropped as unknown[]) {
    const x = d as UnmaskingDroppedClient;
    if (!isBytesOf(x.publicKey, 32) || !isIds(x.peers) || !isBytesOf(x.peerKeys, 32 * x.peers.length)) {
      throw malformed('a dropped client needs a 32-byte public key, increasing peer ids and 32 bytes of key per peer');
    }
  }
  return job;
}

/** A masks job's shape (see {@link checkKeysJob}); applyMasksInto checks bits and offsets. */
function checkMasksJob(job: UnmaskingMasksJob): UnmaskingMasksJob {
  const { sum, keys, signs } = job;
  if (!(sum instanceof Uint32Array) || !(keys instanceof Uint8Array) || !(signs instanceof Int8Array)) {
    throw malformed('sum must be a Uint32Array, keys a Uint8Array and signs an Int8Array');
  }
  if (keys.length !== 32 * signs.length) {
    throw new SecAggError('LENGTH_MISMATCH', `a masks job needs 32 key bytes per sign, got ${keys.length} for ${signs.length}`);
  }
  if (!signs.every((x) => x === 1 || x === -1)) throw malformed('signs must be +1 or -1');
  return job;
}

/**
 * Zeroes a job's secret bytes (shares, mask keys) in place. Idempotent.
 *
 * @example
 * ```ts
 * const result = runUnmaskingJob(job);
 * wipeUnmaskingJob(job);
 * ```
 */
export function wipeUnmaskingJob(job: UnmaskingJob): void {
  if (job.kind === 'keys') {
    for (const s of job.survivors) s.shares.fill(0);
    for (const d of job.dropped) d.shares.fill(0);
  } else if (job.kind === 'masks') {
    job.keys.fill(0);
  }
}

/**
 * Zeroes a result's secret bytes (the mask keys of a keys result). Idempotent.
 *
 * @example
 * ```ts
 * wipeUnmaskingResult(result); // once its keys are in the masks jobs
 * ```
 */
export function wipeUnmaskingResult(result: UnmaskingResult): void {
  // Also called on what a faulty runner returned: touch only what is really there.
  const r = result as { kind?: unknown; keys?: unknown } | null;
  const keys: unknown = r?.kind === 'keys' ? r.keys : null;
  if (Array.isArray(keys)) for (const block of keys) if (block instanceof Uint8Array) block.fill(0);
}

/**
 * Rebuilds each secret and derives its keys. After the first secret that cannot be used no key is
 * derived, but the other owners are still rebuilt: the liars named are then those of every
 * owner that could be rebuilt, whatever the job's cut (the closes' results agree, liars included).
 */
function runKeysJob(job: UnmaskingKeysJob, rng: RandomBytes): UnmaskingKeysResult {
  const { threshold: t, sessionId, vectors, backend } = job;
  const terms = termCount(job);
  const keys = vectors.map(() => new Uint8Array(32 * terms));
  const rebuilder = keysReconstruction(t, rng);
  let failure: UnmaskingFailure | null = null;
  const put = (term: number, seed: Uint8Array, label: (name: string) => string): void => {
    vectors.forEach((name, j) => {
      const key = maskKey(seed, sessionId, label(name), backend);
      (keys[j] as Uint8Array).set(key, 32 * term);
      key.fill(0);
    });
  };
  const fail = (owner: number, cause: UnmaskingFailure['cause']): void => {
    if (failure !== null) return;
    failure = { owner, cause };
    for (const block of keys) block.fill(0);
  };
  let term = 0;
  for (const set of job.survivors) {
    const { secret: b, liars, cause } = rebuilder.rebuild(set.holders, set.shares);
    try {
      if (b === null) fail(set.owner, cause);
      else {
        rebuilder.accept(liars);
        if (failure === null) put(term, b, selfMaskLabel);
      }
      term++;
    } catch (error) {
      if (!(error instanceof SecAggError)) throw error;
      fail(set.owner, error.code);
    } finally {
      b?.fill(0); // rebuilt secrets, like the keys, are wiped once used (as the clients do)
    }
  }
  for (const d of job.dropped) {
    const { secret: sk, liars, cause } = rebuilder.rebuild(d.holders, d.shares);
    try {
      if (sk === null) fail(d.owner, cause);
      else if (!equalBytes(x25519PublicKey(sk, backend), d.publicKey)) {
        // Not the key it advertised: a sharing other than its own, so its liars are not named.
        fail(d.owner, 'KEY_MISMATCH');
      } else {
        rebuilder.accept(liars);
        if (failure === null) {
          const agreement = createX25519Agreement(sk, backend);
          d.peers.forEach((u, i) => {
            const shared = agreement.sharedSecret(d.peerKeys.subarray(32 * i, 32 * i + 32));
            put(term + i, shared, (name) => pairwiseMaskLabel(u, d.owner, name));
            shared.fill(0);
          });
        }
      }
    } catch (error) {
      if (!(error instanceof SecAggError)) throw error;
      fail(d.owner, error.code);
    } finally {
      sk?.fill(0);
    }
    term += d.peers.length;
  }
  const liars = rebuilder.liars();
  return failure === null ? { kind: 'keys', keys, failure, liars } : { kind: 'keys', keys: [], failure, liars };
}

/** Removes every term's mask from the slice, in place, and hands the slice back. */
function runMasksJob(job: UnmaskingMasksJob): UnmaskingMasksResult {
  const { keys, signs, sum } = job;
  const terms: MaskTerm[] = new Array(signs.length);
  for (let i = 0; i < signs.length; i++) {
    terms[i] = { key: keys.subarray(32 * i, 32 * i + 32), sign: signs[i] as 1 | -1 };
  }
  applyMasksInto(sum, terms, { bits: job.bits, offset: job.offset, ...(job.backend === undefined ? {} : { backend: job.backend }) });
  return { kind: 'masks', sum };
}

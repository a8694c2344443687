/**
 * The baseline of bench/protocol.ts's robust section: a keys job run as the server ran it before
 * issue 18, rebuilding each secret with `createCombiner` over its first t + 1 holders (one
 * combiner per set of holders; the extra share checks the others, a wrong share aborts) and
 * deriving the same mask keys. It takes the jobs of today's plan (which carry every holder's
 * share) and reads only the first t + 1 of each owner, so that both closes run on the same
 * plan and only the reconstruction differs. A benchmark baseline, never a code path.
 */
import { createX25519Agreement, x25519PublicKey } from '../src/crypto/index.js';
import { equalBytes } from '../src/_bytes.js';
import { maskKey, pairwiseMaskLabel, selfMaskLabel } from '../src/protocol/_kdf.js';
import { termCount, type UnmaskingKeysJob, type UnmaskingKeysResult, type UnmaskingShareSet } from '../src/protocol/server/unmasking-jobs.js';
import { createCombiner, type Combiner } from '../src/shamir/index.js';
import type { RandomBytes } from '../src/random.js';

/** The keys job with the reconstruction of the code before issue 18 (no liars named). */
export function runKeysJobToday(job: UnmaskingKeysJob, rng: RandomBytes): UnmaskingKeysResult {
  const { threshold: t, sessionId, vectors, backend } = job;
  const keys = vectors.map(() => new Uint8Array(32 * termCount(job)));
  const combiners = new Map<string, Combiner>();
  const rebuild = (set: UnmaskingShareSet): Uint8Array => {
    const holders = set.holders.slice(0, t + 1);
    const id = holders.join(',');
    let c = combiners.get(id);
    if (c === undefined) {
      c = createCombiner(holders, { threshold: t, rng });
      combiners.set(id, c);
    }
    return c.combine(holders.map((x, i) => ({ x, y: set.shares.subarray(32 * i, 32 * i + 32) })));
  };
  const put = (term: number, seed: Uint8Array, label: (name: string) => string): void => {
    vectors.forEach((name, j) => {
      const key = maskKey(seed, sessionId, label(name), backend);
      (keys[j] as Uint8Array).set(key, 32 * term);
      key.fill(0);
    });
  };
  let term = 0;
  for (const set of job.survivors) {
    const b = rebuild(set);
    put(term++, b, selfMaskLabel);
    b.fill(0);
  }
  for (const d of job.dropped) {
    const sk = rebuild(d);
    if (!equalBytes(x25519PublicKey(sk, backend), d.publicKey)) throw new Error('baseline: key mismatch');
    const agreement = createX25519Agreement(sk, backend);
    d.peers.forEach((u, i) => {
      const shared = agreement.sharedSecret(d.peerKeys.subarray(32 * i, 32 * i + 32));
      put(term++, shared, (name) => pairwiseMaskLabel(u, d.owner, name));
      shared.fill(0);
    });
    sk.fill(0);
  }
  return { kind: 'keys', keys, failure: null, liars: [] };
}

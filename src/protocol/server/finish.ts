/**
 * The unmasking close: the server rebuilds the survivors' self-mask seeds and the dropped
 * clients' masking keys from the revealed shares, removes their masks from the running sums and
 * completes with the sum of the survivors' inputs.
 */
import { equalBytes } from '../../_bytes.js';
import { createX25519Agreement, type CryptoBackend } from '../../crypto/index.js';
import { SecAggError } from '../../errors.js';
import { indexOf, withSelf, type Topology } from '../../graph/index.js';
import { applyMasksInto, type MaskTerm } from '../../masking/index.js';
import type { RandomBytes } from '../../random.js';
import { createCombiner, type Combiner } from '../../shamir/index.js';
import type { ResolvedOptions } from '../_common.js';
import { maskKey, pairwiseMaskLabel, selfMaskLabel } from '../_kdf.js';
import type { AdvertisedKey, ServerStep } from '../types.js';
import { abortServer, dropSilent, type Live } from './_live.js';
import { ownersOf, unmaskable, within } from './_sets.js';

/** Rebuilds the secret of `owner` from the shares that `holders` revealed. */
type Rebuild = (owner: number, holders: number[]) => Uint8Array;

/** What the unmasking works from: the state, its graph, who revealed, and the masks to remove. */
interface Unmasking {
  readonly s: Live;
  readonly topo: Topology;
  /** U5: the clients that revealed their shares, increasing. */
  readonly u5: readonly number[];
  readonly rebuild: Rebuild;
  readonly backend: CryptoBackend | undefined;
  /** The masks to remove, per vector; applied in one streaming pass each once all are known. */
  readonly terms: MaskTerm[][];
}

/** Zeroes the mask keys (derived from rebuilt secrets) once they are no longer needed. */
function wipe(terms: readonly MaskTerm[][]): void {
  for (const list of terms) for (const t of list) (t.key as Uint8Array).fill(0);
}

/** Closes `unmasking` (see `serverCloseRound`). */
export function finish(s: Live, topo: Topology, o: ResolvedOptions): ServerStep {
  const present = s.members.slice(); // told of an abort, even if this close drops them
  const { backend, rng } = o;
  const { config } = s;
  const u3 = s.rounds.u3;
  const u5: number[] = [];
  for (let id = 1; id <= config.clients; id++) if (s.revealed[id] != null) u5.push(id);
  dropSilent(s);
  const problem = unmaskable(s, topo, u3, u5);
  if (problem !== null) return abortServer(s, 'TOO_FEW_CLIENTS', problem, present);
  const sessionId = s.sessionId as Uint8Array;
  const maskOptions = backend === undefined ? {} : { backend };
  const sums = s.accumulators;
  const terms: MaskTerm[][] = config.vectors.map(() => []);
  const unmasking: Unmasking = { s, topo, u5, rebuild: rebuilder(s, topo, rng), backend, terms };
  try {
    collectSelfMasks(unmasking);
    const mismatch = collectPairwiseMasks(unmasking);
    if (mismatch !== null) {
      wipe(terms);
      return abortServer(s, 'RECONSTRUCTION_FAILED', `client ${mismatch}'s rebuilt masking key does not match its public key`, present);
    }
    config.vectors.forEach((spec, j) => {
      applyMasksInto(sums[j] as Uint32Array, terms[j] as MaskTerm[], { bits: spec.bits, ...maskOptions });
    });
  } catch (error) {
    wipe(terms);
    if (error instanceof SecAggError && error.code !== 'WRONG_ROUND') {
      return abortServer(s, 'RECONSTRUCTION_FAILED', `secrets could not be rebuilt (${error.code})`, present);
    }
    throw error;
  }
  wipe(terms);
  const result: Record<string, Uint32Array> = {};
  config.vectors.forEach((spec, j) => {
    result[spec.name] = sums[j] as Uint32Array;
  });
  return {
    state: { round: 'completed', config, sessionId, result: { sums: result, included: u3.slice() }, drops: s.drops },
    outbox: [],
  };
}

/**
 * The secret rebuilder of this close, with its caches: each holder's list of owners, and one
 * Shamir combiner per set of holders (many secrets share one).
 */
function rebuilder(s: Live, topo: Topology, rng: RandomBytes): Rebuild {
  const t = s.config.threshold;
  const combiners = new Map<string, Combiner>();
  const ownerLists = new Map<number, number[]>();
  const shareOf = (holder: number, owner: number): Uint8Array => {
    let owners = ownerLists.get(holder);
    if (owners === undefined) {
      owners = ownersOf(s, topo, holder);
      ownerLists.set(holder, owners);
    }
    return (s.revealed[holder] as Uint8Array[])[indexOf(owners, owner)] as Uint8Array;
  };
  // One share beyond the threshold, when there is one, checks the others: a client that
  // revealed a wrong share makes the round abort (RECONSTRUCTION_FAILED) instead of silently
  // corrupting the sum with a wrong self mask. With exactly t shares nothing can be checked.
  return (owner: number, holders: number[]): Uint8Array => {
    const xs = holders.slice(0, t + 1);
    const key = xs.join(',');
    let c = combiners.get(key);
    if (c === undefined) {
      c = createCombiner(xs, { threshold: t, rng });
      combiners.set(key, c);
    }
    return c.combine(xs.map((x) => ({ x, y: shareOf(x, owner) })));
  };
}

/** Survivors (U3): the self masks they added, to remove. */
function collectSelfMasks({ s, topo, u5, rebuild, backend, terms }: Unmasking): void {
  const { config } = s;
  const sessionId = s.sessionId as Uint8Array;
  for (const u of s.rounds.u3) {
    const neighbours = within(topo.of(u), u5, config.clients);
    const b = rebuild(u, indexOf(u5, u) >= 0 ? withSelf(neighbours, u) : neighbours);
    config.vectors.forEach((spec, j) => {
      (terms[j] as MaskTerm[]).push({ key: maskKey(b, sessionId, selfMaskLabel(spec.name), backend), sign: -1 });
    });
    b.fill(0); // rebuilt secrets, like the mask keys, are wiped once used (as the clients do)
  }
}

/**
 * Dropped clients in U2 \ U3: the pairwise masks their surviving neighbours added, to remove.
 * Returns the first dropped client whose rebuilt masking key does not match the public key it
 * advertised, or null.
 */
function collectPairwiseMasks({ s, topo, u5, rebuild, backend, terms }: Unmasking): number | null {
  const { config } = s;
  const sessionId = s.sessionId as Uint8Array;
  const u3 = s.rounds.u3;
  for (const v of s.rounds.u2) {
    if (indexOf(u3, v) >= 0) continue;
    const alive = within(topo.of(v), u3, config.clients);
    if (alive.length === 0) continue;
    const sk = rebuild(v, within(topo.of(v), u5, config.clients));
    const vKeys = s.keys[v] as AdvertisedKey;
    // One import of the rebuilt key serves the check and the agreements (no cache keeps it).
    const agreement = createX25519Agreement(sk, backend);
    sk.fill(0);
    if (!equalBytes(agreement.publicKey, vKeys.maskingPublicKey)) {
      agreement.wipe();
      return v;
    }
    for (const u of alive) {
      const shared = agreement.sharedSecret((s.keys[u] as AdvertisedKey).maskingPublicKey);
      config.vectors.forEach((spec, j) => {
        const key = maskKey(shared, sessionId, pairwiseMaskLabel(u, v, spec.name), backend);
        // u added +PRG(s_uv) when u < v and -PRG(s_uv) when u > v: undo it.
        (terms[j] as MaskTerm[]).push({ key, sign: u < v ? -1 : 1 });
      });
      shared.fill(0);
    }
    agreement.wipe();
  }
  return null;
}

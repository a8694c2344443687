/**
 * The graph grinder of issue 14 §3: a server that tries many labellings and keeps the one that
 * seats the most of its colluders around an honest victim. Shared by grinder.test.ts (small
 * budgets) and grinder.slow.test.ts (2^16).
 */
import { createHash } from 'node:crypto';
import { findGraphParametersGoogle } from '../../src/graph/_google.js';
import { corruptNeighbourBound } from '../../src/graph/_params.js';
import {
  type BeaconSource,
  type SecAggGraph,
  beaconRoundIsFresh,
  beaconRoundTime,
  buildHararyGraph,
  countAtFraction,
  deriveGraph,
  graphSeedFromBeacon,
} from '../../src/graph/index.js';

export const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

export const u32 = (i: number): Uint8Array => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, i);
  return b;
};

/**
 * Corrupt neighbours of every id (index id; 0 unused) in a Harary graph of even degree, from
 * the ring: a window of k/2 positions on either side. O(n).
 */
export function corruptNeighbourCounts(graph: SecAggGraph, corrupt: Uint8Array): Int32Array {
  const n = graph.clients;
  const half = graph.degree >>> 1;
  const ids = graph.idAtPosition as Uint32Array;
  // prefix[i] = corrupt among positions 0..i-1 of the ring walked three times.
  const prefix = new Int32Array(3 * n + 1);
  for (let i = 0; i < 3 * n; i++) prefix[i + 1] = (prefix[i] as number) + (corrupt[ids[i % n] as number] as number);
  const counts = new Int32Array(n + 1);
  for (let p = 0; p < n; p++) {
    const q = p + n; // the same position in the middle copy: the window stays inside
    const window = (prefix[q + half + 1] as number) - (prefix[q - half] as number);
    counts[ids[p] as number] = window - (corrupt[ids[p] as number] as number);
  }
  return counts;
}

/** The honest id with the most corrupt neighbours, and how many. */
export function worstVictim(graph: SecAggGraph, corrupt: Uint8Array): { victim: number; colluders: number } {
  const counts = corruptNeighbourCounts(graph, corrupt);
  let victim = 0;
  let colluders = -1;
  for (let id = 1; id <= graph.clients; id++) {
    if (corrupt[id] === 0 && (counts[id] as number) > colluders) {
      victim = id;
      colluders = counts[id] as number;
    }
  }
  return { victim, colluders };
}

/** Flags (index id) for a set of corrupt ids among 1..n. */
export function corruptFlags(n: number, ids: Iterable<number>): Uint8Array {
  const flags = new Uint8Array(n + 1);
  for (const id of ids) flags[id] = 1;
  return flags;
}

/**
 * Grinds `budget` labellings, `seedOf(i)` giving the i-th seed, and keeps the best for the
 * server: the most colluders around one honest victim. Stops early once `goal` is exceeded.
 */
export function grind(options: {
  clients: number;
  degree: number;
  corrupt: Uint8Array;
  budget: number;
  seedOf: (attempt: number) => Uint8Array;
  goal?: number;
}): { best: number; victim: number; attempt: number; tries: number; distinctSeeds: number } {
  const { clients, degree, corrupt, budget, seedOf } = options;
  const goal = options.goal ?? Number.POSITIVE_INFINITY;
  const seen = new Set<string>();
  let best = { best: -1, victim: 0, attempt: -1 };
  let tries = 0;
  for (let i = 0; i < budget; i++) {
    tries += 1;
    const seed = seedOf(i);
    seen.add(Buffer.from(seed).toString('hex'));
    const w = worstVictim(buildHararyGraph({ clients, degree, seed }), corrupt);
    if (w.colluders > best.best) best = { best: w.colluders, victim: w.victim, attempt: i };
    if (best.best > goal) break;
  }
  return { ...best, tries, distinctSeeds: seen.size };
}

/** P[X >= x] for X ~ Hypergeometric(population, marked, drawn), summed exactly in log space. */
export function hypergeometricTail(population: number, marked: number, drawn: number, x: number): number {
  const logFactorial = (m: number): number => {
    let s = 0;
    for (let i = 2; i <= m; i++) s += Math.log(i);
    return s;
  };
  const logChoose = (a: number, b: number): number => logFactorial(a) - logFactorial(b) - logFactorial(a - b);
  let p = 0;
  for (let i = x; i <= Math.min(marked, drawn); i++) {
    p += Math.exp(logChoose(marked, i) + logChoose(population - marked, drawn - i) - logChoose(population, drawn));
  }
  return p;
}

// --- the scenario of the issue: 1,000 clients, 5% corrupt, 5% dropout, a registry of 1,100 ---

export const N = 1000;
export const REGISTRY = 1100;
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
export const POLICY_DIGEST = sha256(utf8('secagg test policy'));
export const BEACON: BeaconSource = { name: 'test-beacon', genesisTime: 1_700_000_000, period: 3, maxClockSkew: 5 };
/** The test's beacon: round r's value, available only once the round is published. */
export const beaconValue = (round: number, now: number): Uint8Array => {
  if (beaconRoundTime(BEACON, round) > now) throw new Error(`beacon round ${round} is not published yet`);
  return sha256(utf8('test beacon round'), u32(round));
};

/** Today's parameters for n = 1,000 at 5% corrupt, 5% dropout, active: k = 52, t = 37, t1 = 20. */
export function todaysParameters(): { degree: number; threshold: number; t1: number } {
  const { degree, threshold } = findGraphParametersGoogle({ clients: N, corruptFraction: 0.05, dropoutFraction: 0.05, adversary: 'semiMalicious' });
  const t1 = corruptNeighbourBound(
    { clients: N, corrupt: 50, dropouts: 50, survivors: 950, semiMalicious: true, securityBits: 40, correctnessBits: 20, rule: 'google' },
    degree,
  );
  return { degree, threshold, t1 };
}

/** The derived parameters when the cohort is 1,000 of a registry of 1,100 with 5% corrupt: c = 55. */
export function beaconParameters(): { degree: number; threshold: number; t1: number; corrupt: number } {
  const corrupt = countAtFraction(0.05, REGISTRY);
  const { degree, threshold } = deriveGraph({ clients: N, corruptClients: corrupt, dropoutFraction: 0.05, adversary: 'semiMalicious', policy: 'secaggplus' });
  const t1 = corruptNeighbourBound(
    { clients: N, corrupt, dropouts: 50, survivors: 950, semiMalicious: true, securityBits: 40, correctnessBits: 20, rule: 'sound' },
    degree,
  );
  return { degree, threshold, t1, corrupt };
}

/** Root of a key directory (a stand-in for the Merkle root: any hash of the keys grinds alike). */
export const directoryRoot = (othersDigest: Uint8Array, rekeyed: Uint8Array): Uint8Array => sha256(othersDigest, rekeyed);

/**
 * The seed under each rule for one set of server choices: today's (the server's own seed), a
 * hash of the key directory (the cohort's keys, one colluder re-keyed per attempt), and the
 * beacon derivation (a fresh round named in the offer; the value the client fetches).
 */
export function seedUnder(rule: 'server' | 'directoryRoot' | 'beacon', attempt: number): Uint8Array {
  // The server's free choices for this attempt: a cohort (which 100 of the 1,100 to leave out),
  // a colluder's fresh key, and (today) a seed; the nonce too, which no rule below uses.
  const left = Array.from({ length: 100 }, (_, j) => (attempt * 7 + j * 11) % REGISTRY);
  const colluderKey = sha256(utf8('re-keyed colluder'), u32(attempt));
  if (rule === 'server') return sha256(utf8('server seed'), u32(attempt));
  if (rule === 'directoryRoot') return sha256(directoryRoot(sha256(utf8('cohort'), ...left.map(u32)), colluderKey));
  // Beacon: the offer names round 1,000 (fresh at the offer's time); none of the choices enter.
  const offerAt = beaconRoundTime(BEACON, 1000) - 10;
  if (!beaconRoundIsFresh(BEACON, 1000, offerAt)) throw new Error('round 1000 must be fresh at the offer');
  return graphSeedFromBeacon(beaconValue(1000, offerAt + 60), POLICY_DIGEST);
}


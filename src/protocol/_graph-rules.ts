/**
 * STAND-IN, to be replaced when the branch `trust-graph` (helper G, issue 14) is merged: the
 * graph rules the configuration needs, with the signatures G exports from src/graph
 * (`deriveGraph`, `minimumThreshold`, `graphSeedFromBeacon`, `graphSeedFromNonce`,
 * `beaconRoundIsFresh`, `beaconRoundTime`). On merge, import them from '../graph/index.js'
 * in config.ts, derive.ts and client/join.ts, and delete this file. The arithmetic here is the
 * lead's rule set of docs/TRUST.md B at its simplest (complete-graph rules exact; for Harary
 * graphs only 2t > k + 1 and Google's finder with the fallback below 65 clients); G's version
 * adds the corrupt-neighbour bound, the margin fix and the rounding of the finder.
 */
import { SecAggError } from '../errors.js';
import { findGraphParameters } from '../graph/index.js';
import { hkdfSha256 } from '../crypto/index.js';

/** Who the threshold is set against. */
export type Adversary = 'semiHonest' | 'semiMalicious';

/** What {@link deriveGraph} decides: the graph and the threshold. */
export interface DerivedGraph {
  readonly kind: 'complete' | 'harary';
  /** Neighbours per client (n - 1 for the complete graph). */
  readonly degree: number;
  readonly threshold: number;
}

/** A public-randomness beacon (as in the policy). */
export interface BeaconSchedule {
  readonly genesisTime: number;
  readonly period: number;
  readonly maxClockSkew: number;
}

/** Below this many clients a sparse graph saves nothing (Google's fallback, ~65 clients). */
const SPARSE_FROM = 65;

/** ceil(fraction * total) as a count, with a guard against the binary representation of fractions. */
export function countOf(fraction: number, total: number): number {
  return Math.max(0, Math.ceil(fraction * total - 1e-9));
}

/**
 * The smallest threshold the security rule allows: passive, t > c (t > corrupt clients; for a
 * Harary graph, at least 2 here); active, 2t > n + c (complete) or 2t > k + 1 (Harary).
 */
export function minimumThreshold(options: {
  readonly kind: 'complete' | 'harary';
  readonly clients: number;
  readonly degree: number;
  readonly corruptClients: number;
  readonly adversary: Adversary;
}): number {
  const { kind, clients, degree, corruptClients, adversary } = options;
  if (adversary === 'semiHonest') return Math.max(2, kind === 'complete' ? corruptClients + 1 : 2);
  const holders = kind === 'complete' ? clients + corruptClients : degree + 1;
  return Math.max(2, Math.floor(holders / 2) + 1);
}

/**
 * The graph and threshold for a cohort: the complete graph with t = n - d (d = dropouts rounded
 * up) when the policy says so, below {@link SPARSE_FROM} clients, or when the SecAgg+ search
 * fails; else the finder's Harary graph. Refuses (`NO_FEASIBLE_GRAPH`) when t = n - d misses
 * the security rule.
 */
export function deriveGraph(options: {
  readonly clients: number;
  readonly corruptClients: number;
  readonly dropoutFraction: number;
  readonly adversary: Adversary;
  readonly policy: 'complete' | 'secaggplus';
  readonly securityBits?: number;
  readonly correctnessBits?: number;
}): DerivedGraph {
  const { clients: n, corruptClients: c, dropoutFraction, adversary, policy } = options;
  if (policy === 'secaggplus' && n >= SPARSE_FROM) {
    try {
      const p = findGraphParameters({
        clients: n,
        corruptFraction: Math.min(c / n, 0.999),
        dropoutFraction,
        adversary,
        ...(options.securityBits === undefined ? {} : { securityBits: options.securityBits }),
        ...(options.correctnessBits === undefined ? {} : { correctnessBits: options.correctnessBits }),
      });
      if (p.kind === 'harary') {
        const min = minimumThreshold({ kind: 'harary', clients: n, degree: p.degree, corruptClients: c, adversary });
        return { kind: 'harary', degree: p.degree, threshold: Math.max(p.threshold, min) };
      }
    } catch (error) {
      if (!(error instanceof SecAggError) || error.code !== 'NO_FEASIBLE_GRAPH') throw error;
    }
  }
  const threshold = n - countOf(dropoutFraction, n);
  const min = minimumThreshold({ kind: 'complete', clients: n, degree: n - 1, corruptClients: c, adversary });
  if (threshold < min) {
    throw new SecAggError(
      'NO_FEASIBLE_GRAPH',
      `no feasible graph for ${n} clients with ${c} assumed corrupt and dropoutFraction ${dropoutFraction} (${adversary}): ` +
        `the complete graph's threshold n - dropouts = ${threshold} is below the ${min} the security rule needs`,
    );
  }
  return { kind: 'complete', degree: n - 1, threshold };
}

/** The Harary seed of an active round: HKDF-SHA-256(beacon value, salt = policy digest, "secagg/v2/graph-seed"). */
export function graphSeedFromBeacon(beaconValue: Uint8Array, policyDigest: Uint8Array): Uint8Array {
  return hkdfSha256(beaconValue, policyDigest, 'secagg/v2/graph-seed', 32);
}

/** The Harary seed of a passive round: HKDF-SHA-256(nonce, no salt, "secagg/v2/graph-seed"). */
export function graphSeedFromNonce(nonce: Uint8Array): Uint8Array {
  return hkdfSha256(nonce, new Uint8Array(0), 'secagg/v2/graph-seed', 32);
}

/** When beacon round `round` (1, 2, ...) is published: genesisTime + (round - 1) * period (unix seconds). */
export function beaconRoundTime(source: BeaconSchedule, round: number): number {
  return source.genesisTime + (round - 1) * source.period;
}

/** True when round `round` is published strictly after `offerReceivedAt + maxClockSkew`. */
export function beaconRoundIsFresh(source: BeaconSchedule, round: number, offerReceivedAt: number): boolean {
  return beaconRoundTime(source, round) > offerReceivedAt + source.maxClockSkew;
}

/**
 * From a trusted policy and the round's parameters to the session configuration: the one
 * deterministic function the server and every client run (`joinRound` compares its result with
 * the configuration the server sent). The server chooses the cohort, the nonce and the beacon
 * round; everything else follows from the policy.
 */
import { assertBytes, assertInteger, assertOptions, copyBytes, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { countAtFraction as countOf, deriveGraph, graphSeedFromBeacon, graphSeedFromNonce } from '../graph/index.js';
import { MAX_BEACON_ROUND, MAX_CLIENTS, copyArray, validateConfig } from './config.js';
import { sessionPolicyDigest } from './policy-codec.js';
import { createSessionPolicy, type SessionPolicy } from './policy.js';
import type { GraphSpec, SessionConfig } from './types.js';

/** What the server chooses for one round (it travels to the clients inside the configuration). */
export interface RoundParameters {
  /** Registry indices of the round's clients, strictly increasing; client id i is `cohort[i - 1]`. */
  readonly cohort: readonly number[];
  /** 32 fresh public bytes. */
  readonly nonce: Uint8Array;
  /** The beacon round (1..2^32 - 1) whose value seeds the graph, when the policy names a beacon; else null. */
  readonly beaconRound: number | null;
}

/** Bytes a beacon value may have (drand publishes 32-byte randomness and 48-96-byte signatures). */
const BEACON_VALUE_BYTES = { min: 16, max: 1024 } as const;

/**
 * The session configuration of a round: n = cohort size (refused below `minClients`), ids in
 * registry order, the assumed corrupt clients (active: min(n, ceil(corruptFraction * registry
 * size)), since the server picks the cohort and may pack it; passive: ceil(corruptFraction *
 * n)), the graph and threshold by the rules of the security model, the cohort's verification
 * keys, the policy digest, and for a Harary graph its seed: HKDF of the beacon value (active)
 * or of the nonce (passive). Deterministic: the server and each client get the same bytes.
 *
 * @param beaconValue The value of beacon round `round.beaconRound`, from your own source (never
 *   the server); needed when the policy is active and the graph comes out Harary.
 * @throws {SecAggError} the errors of `createSessionPolicy` for the policy; `INVALID_TYPE`,
 *   `OUT_OF_RANGE`, `INVALID_LENGTH`, `UNKNOWN_OPTION` for the round or beacon value;
 *   `INVALID_CONFIG` (a cohort below `minClients`, not increasing, outside the registry, a
 *   beacon round given or missing against the policy, a beacon value missing);
 *   `NO_FEASIBLE_GRAPH` when no threshold meets both the security and the dropout rule.
 * @example
 * ```ts
 * const config = deriveSessionConfig(policy, { cohort, nonce: cryptoRandomBytes(32), beaconRound: null });
 * ```
 */
export function deriveSessionConfig(policy: SessionPolicy, round: RoundParameters, beaconValue?: Uint8Array): SessionConfig {
  const p = createSessionPolicy(policy);
  const registrySize = 'size' in p.registry ? p.registry.size : p.registry.verificationKeys.length;
  const r = assertOptions<Record<string, unknown>>(round, 'round', ['cohort', 'nonce', 'beaconRound']);
  if (round === undefined || round === null) throw new SecAggError('INVALID_TYPE', 'round must be an object');
  const cohort = readCohort(r['cohort'], registrySize, p.minClients);
  const nonce = copyBytes(r['nonce'], 'round.nonce', 32);
  const beaconRound = readBeaconRound(r['beaconRound'], p);
  const n = cohort.length;
  const corruptClients = p.active ? Math.min(n, countOf(p.corruptFraction, registrySize)) : countOf(p.corruptFraction, n);
  const derived = deriveGraph({
    clients: n,
    corruptClients,
    dropoutFraction: p.dropoutFraction,
    adversary: p.active ? 'semiMalicious' : 'semiHonest',
    policy: p.graph,
    securityBits: p.securityBits,
    correctnessBits: p.correctnessBits,
  });
  const policyDigest = sessionPolicyDigest(p);
  let graph: GraphSpec = { kind: 'complete' };
  if (derived.kind === 'harary') {
    let seed: Uint8Array;
    if (p.active) {
      if (beaconValue === undefined) {
        throw new SecAggError('INVALID_CONFIG', `this round's SecAgg+ graph is seeded by beacon round ${String(beaconRound)}: pass its value (from your own source)`);
      }
      const value = assertBytes(beaconValue, 'beaconValue');
      if (value.length < BEACON_VALUE_BYTES.min || value.length > BEACON_VALUE_BYTES.max) {
        throw new SecAggError('INVALID_LENGTH', `beaconValue must be ${BEACON_VALUE_BYTES.min}..${BEACON_VALUE_BYTES.max} bytes, got ${value.length}`);
      }
      seed = graphSeedFromBeacon(copyBytes(value, 'beaconValue'), policyDigest);
    } else {
      seed = graphSeedFromNonce(nonce);
    }
    graph = { kind: 'harary', degree: derived.degree, seed };
  }
  const keys = 'verificationKeys' in p.registry ? p.registry.verificationKeys : null;
  return validateConfig({
    version: 2,
    clients: n,
    threshold: derived.threshold,
    corruptClients,
    graph,
    vectors: p.vectors,
    active: p.active,
    nonce,
    verificationKeys: keys === null ? null : cohort.map((i) => keys[i] as Uint8Array),
    cohort,
    registrySize,
    policyDigest,
    beaconRound,
  });
}

function readCohort(input: unknown, registrySize: number, minClients: number): number[] {
  const value = copyArray(input);
  if (value === null) throw new SecAggError('INVALID_TYPE', `round.cohort must be an array, got ${describeType(input)}`);
  if (value.length < minClients || value.length > MAX_CLIENTS) {
    throw new SecAggError('INVALID_CONFIG', `the cohort has ${value.length} clients; the policy accepts ${minClients}..${MAX_CLIENTS}`);
  }
  const out = new Array<number>(value.length);
  let previous = -1;
  for (let i = 0; i < value.length; i++) {
    const index: unknown = value[i];
    if (typeof index !== 'number' || !Number.isInteger(index) || index <= previous || index >= registrySize) {
      throw new SecAggError('INVALID_CONFIG', `round.cohort must be strictly increasing registry indices in 0..${registrySize - 1} (entry ${i})`);
    }
    out[i] = previous = index;
  }
  return out;
}

function readBeaconRound(value: unknown, p: SessionPolicy): number | null {
  if (p.beacon === null) {
    if (value !== null) throw new SecAggError('INVALID_CONFIG', 'round.beaconRound must be null: the policy names no beacon');
    return null;
  }
  if (value === null || value === undefined) throw new SecAggError('INVALID_CONFIG', `the policy's beacon ${p.beacon.name} needs round.beaconRound`);
  return assertInteger(value, 'round.beaconRound', 1, MAX_BEACON_ROUND);
}

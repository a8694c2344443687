/**
 * The trusted session policy: what a client must take from its own source (shipped with the
 * app, signed by the operator), never from the server. The server chooses only the round's
 * parameters (./derive.ts), and each client re-derives the configuration from both
 * (`joinRound`), so a server cannot lower a threshold, swap a key, or choose a graph.
 */
import { assertInteger, assertNumber, assertOptions, copyBytes, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { MAX_CLIENTS, MAX_REGISTRY, copyArray, readVectorSpecs } from './config.js';
import type { VectorSpec } from './types.js';

/**
 * A public randomness beacon (drand is the deployed example): round R is published at
 * `genesisTime + (R - 1) * period`, its value unpredictable before and unbiasable by anyone.
 * The active SecAgg+ graph is seeded from the value of a round published after the client
 * received the offer (so after the cohort was fixed); the client fetches it from its own
 * source, never from the server.
 */
export interface BeaconSource {
  /** Which beacon (printable ASCII, 1..64 characters, e.g. a drand chain hash): for the digest and the logs. */
  readonly name: string;
  /** Unix time (seconds, an integer in 0..2^32 - 1) of round 1. */
  readonly genesisTime: number;
  /** Seconds between rounds: an integer in 1..86,400. */
  readonly period: number;
  /** How far (whole seconds, 0..3,600) a client's clock may be from the beacon's. */
  readonly maxClockSkew: number;
}

/** The key registry: its size (passive), or every client's Ed25519 verification key (active). */
export type Registry = { readonly size: number } | { readonly verificationKeys: readonly Uint8Array[] };

/**
 * What a client must get from a trusted source. Plain data, versioned, with one canonical
 * encoding (`encodeSessionPolicy`) whose SHA-256 (`sessionPolicyDigest`) enters every
 * configuration, so clients holding different policies land in different sessions.
 */
export interface SessionPolicy {
  readonly version: 2;
  /**
   * Who may take part: the passive variant needs only the registry's size (2..2^24); the active
   * one the Ed25519 verification key of every registry entry (distinct, 32 bytes each).
   */
  readonly registry: Registry;
  readonly vectors: readonly VectorSpec[];
  /** Active (malicious-server) variant: needs the verification keys, and a beacon for SecAgg+. */
  readonly active: boolean;
  /** The complete graph, or SecAgg+ (the parameter finder, with the complete-graph fallback). */
  readonly graph: 'complete' | 'secaggplus';
  /** Assumed fraction of corrupt clients, [0, 1); counted up. */
  readonly corruptFraction: number;
  /** Assumed fraction of clients that drop out, [0, 1); counted up. */
  readonly dropoutFraction: number;
  /** The smallest cohort a client accepts, 2..65,535. */
  readonly minClients: number;
  /** The beacon that seeds the graph: required with `active` and `secaggplus`; else may be null. */
  readonly beacon: BeaconSource | null;
  /**
   * The finder's security parameter sigma (bits, 40..128; default 40). Not below 40: every
   * client re-checks a Harary configuration's threshold against the corrupt-neighbour bound at
   * 40 bits (`createClient`), so a smaller sigma would give thresholds no client accepts.
   */
  readonly securityBits: number;
  /** The finder's correctness parameter eta (bits, 1..64; default 20). */
  readonly correctnessBits: number;
}

/** Input of {@link createSessionPolicy}: a {@link SessionPolicy} whose defaulted fields may be left out. */
export interface SessionPolicyInput {
  readonly version?: 2;
  readonly registry: Registry;
  readonly vectors: readonly VectorSpec[];
  readonly active?: boolean;
  readonly graph?: 'complete' | 'secaggplus';
  readonly corruptFraction: number;
  readonly dropoutFraction: number;
  readonly minClients: number;
  readonly beacon?: BeaconSource | null;
  readonly securityBits?: number;
  readonly correctnessBits?: number;
}

const POLICY_KEYS = [
  'version', 'registry', 'vectors', 'active', 'graph', 'corruptFraction', 'dropoutFraction', 'minClients', 'beacon',
  'securityBits', 'correctnessBits',
] as const;
const BEACON_NAME = /^[\x21-\x7e]{1,64}$/;

function invalid(message: string): SecAggError {
  return new SecAggError('INVALID_CONFIG', message);
}

/**
 * Validates a policy and returns a normalised copy (defaults filled in: passive, complete
 * graph, no beacon, 40 and 20 bits). Run it on the policy you load, whatever its source.
 *
 * @throws {SecAggError} `INVALID_TYPE`, `UNKNOWN_OPTION`, `OUT_OF_RANGE` (sizes, fractions,
 *   times), `INVALID_LENGTH` (keys), `INVALID_BITS`, `UNSUPPORTED_VERSION`, `INVALID_CONFIG`
 *   (registry form that does not fit the variant, duplicate keys, an active SecAgg+ policy
 *   without a beacon, a bad beacon name or vector spec).
 * @example
 * ```ts
 * const policy = createSessionPolicy({
 *   registry: { verificationKeys }, active: true, graph: 'secaggplus',
 *   corruptFraction: 0.05, dropoutFraction: 0.05, minClients: 100,
 *   beacon: { name: 'drand-quicknet', genesisTime: 1692803367, period: 3, maxClockSkew: 5 },
 *   vectors: [{ name: 'weights', length: 100_000, bits: 24 }],
 * });
 * ```
 */
export function createSessionPolicy(input: SessionPolicyInput): SessionPolicy {
  if (input === null || typeof input !== 'object') {
    throw new SecAggError('INVALID_TYPE', `policy must be an object, got ${describeType(input)}`);
  }
  const o = assertOptions<Record<string, unknown>>(input, 'policy', POLICY_KEYS);
  const version = o['version'];
  if (version !== undefined && version !== 2) throw new SecAggError('UNSUPPORTED_VERSION', 'policy.version must be 2');
  const active = o['active'] ?? false;
  if (typeof active !== 'boolean') throw new SecAggError('INVALID_TYPE', `policy.active must be a boolean, got ${describeType(active)}`);
  const graph = o['graph'] ?? 'complete';
  if (graph !== 'complete' && graph !== 'secaggplus') throw invalid('policy.graph must be "complete" or "secaggplus"');
  const registry = readRegistry(o['registry'], active);
  const vectors = readVectorSpecs(o['vectors']);
  const corruptFraction = assertNumber(o['corruptFraction'], 'policy.corruptFraction', 0, 1, { max: true });
  const dropoutFraction = assertNumber(o['dropoutFraction'], 'policy.dropoutFraction', 0, 1, { max: true });
  const size = 'size' in registry ? registry.size : registry.verificationKeys.length;
  const minClients = assertInteger(o['minClients'], 'policy.minClients', 2, Math.min(MAX_CLIENTS, size));
  const beaconInput = o['beacon'] ?? null;
  const beacon = beaconInput === null ? null : readBeacon(beaconInput);
  if (active && graph === 'secaggplus' && beacon === null) {
    throw invalid('an active SecAgg+ policy needs a beacon: the graph must be seeded by randomness the server cannot choose (docs/protocol-graph.md)');
  }
  const securityBits = o['securityBits'] === undefined ? 40 : assertInteger(o['securityBits'], 'policy.securityBits', 40, 128);
  const correctnessBits = o['correctnessBits'] === undefined ? 20 : assertInteger(o['correctnessBits'], 'policy.correctnessBits', 1, 64);
  return {
    version: 2, registry, vectors, active, graph, corruptFraction: corruptFraction === 0 ? 0 : corruptFraction,
    dropoutFraction: dropoutFraction === 0 ? 0 : dropoutFraction, minClients, beacon, securityBits, correctnessBits,
  };
}

function readRegistry(value: unknown, active: boolean): Registry {
  if (value === null || typeof value !== 'object') {
    throw new SecAggError('INVALID_TYPE', `policy.registry must be an object, got ${describeType(value)}`);
  }
  const r = assertOptions<Record<string, unknown>>(value, 'policy.registry', ['size', 'verificationKeys']);
  const hasSize = r['size'] !== undefined;
  const keys = r['verificationKeys'];
  if (hasSize === (keys !== undefined)) throw invalid('policy.registry takes either size or verificationKeys');
  if (hasSize) {
    if (active) throw invalid('an active policy needs the registry\'s verification keys, not its size');
    return { size: assertInteger(r['size'], 'policy.registry.size', 2, MAX_REGISTRY) };
  }
  if (!active) throw invalid('verification keys are used by the active variant only: give the registry\'s size');
  const list = copyArray(keys);
  if (list === null) throw new SecAggError('INVALID_TYPE', `policy.registry.verificationKeys must be an array, got ${describeType(keys)}`);
  if (list.length < 2 || list.length > MAX_REGISTRY) {
    throw new SecAggError('OUT_OF_RANGE', `policy.registry.verificationKeys must hold 2..${MAX_REGISTRY} keys, got ${list.length}`);
  }
  const copies = list.map((k: unknown, i) => copyBytes(k, `policy.registry.verificationKeys[${i}]`, 32));
  const seen = new Set<string>();
  copies.forEach((k, i) => {
    const text = String.fromCharCode(...k);
    if (seen.has(text)) throw invalid(`policy.registry.verificationKeys[${i}] repeats an earlier key: one key, one registry entry`);
    seen.add(text);
  });
  return { verificationKeys: copies };
}

/**
 * A validated copy of a beacon source, in the ranges the beacon schedule takes (graph/beacon.ts:
 * every source a policy accepts is one `joinRound` can check rounds against). Internal (the
 * policy codec reads with it too).
 */
export function readBeacon(value: unknown): BeaconSource {
  if (value === null || typeof value !== 'object') {
    throw new SecAggError('INVALID_TYPE', `policy.beacon must be an object or null, got ${describeType(value)}`);
  }
  const b = assertOptions<Record<string, unknown>>(value, 'policy.beacon', ['name', 'genesisTime', 'period', 'maxClockSkew']);
  const name = b['name'];
  if (typeof name !== 'string' || !BEACON_NAME.test(name)) throw invalid('policy.beacon.name must be 1..64 printable ASCII characters');
  return {
    name,
    genesisTime: assertInteger(b['genesisTime'], 'policy.beacon.genesisTime', 0, 0xffff_ffff) || 0,
    period: assertInteger(b['period'], 'policy.beacon.period', 1, 86_400),
    maxClockSkew: assertInteger(b['maxClockSkew'], 'policy.beacon.maxClockSkew', 0, 3_600) || 0,
  };
}

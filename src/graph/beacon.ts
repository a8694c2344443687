/**
 * Where a Harary graph's seed comes from (docs/protocol-graph.md, "Graph randomness").
 *
 * Active variant: from a public randomness beacon named in the trusted policy (as Flamingo,
 * Ma et al. IEEE S&P 2023; drand is the deployed example). The round parameters name a beacon
 * round R; a client accepts R only if it is scheduled strictly after the moment it received the
 * offer plus the allowed clock skew ({@link beaconRoundIsFresh}), so the cohort (which fixes the
 * ids) was committed before the value existed; it then fetches the value itself and derives the
 * seed from it and the policy digest alone ({@link graphSeedFromBeacon}): nothing the server
 * picks per round enters the seed, so there is nothing to grind.
 *
 * Passive variant: the server follows the protocol, so a seed derived from its fresh nonce is
 * enough ({@link graphSeedFromNonce}).
 *
 * Pure functions: no clock is read here; the time of the offer is an input.
 */
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { assertBytes, assertInteger, assertNumber, assertOptions, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { GRAPH_SEED_BYTES } from './graph.js';

/**
 * A public randomness beacon, as the trusted policy names it: round R (1, 2, ...) is published
 * at genesisTime + (R - 1) * period (unix seconds), as drand schedules its rounds.
 */
export interface BeaconSource {
  /** Which beacon (e.g. a drand chain name or hash): 1..128 printable ASCII characters, no spaces. */
  readonly name: string;
  /** Unix time of round 1, integer seconds, 0..2^32 - 1. */
  readonly genesisTime: number;
  /** Seconds between rounds, integer 1..86,400. */
  readonly period: number;
  /** The largest difference between a client's clock and the beacon's that is tolerated, integer seconds 0..3,600. */
  readonly maxClockSkew: number;
}

/** HKDF info of both graph-seed derivations. */
export const GRAPH_SEED_INFO = 'secagg/v2/graph-seed';
/** Largest beacon round number accepted (rounds are 1..2^32 - 1). */
export const MAX_BEACON_ROUND = 0xffff_ffff;
/**
 * Largest time accepted, in unix seconds (2^34 s, the year 2514). A larger value is almost
 * certainly milliseconds (Date.now()), which would make every round look stale: refused.
 */
export const MAX_BEACON_TIME: number = 2 ** 34;
/** Shortest and longest beacon value accepted (drand's randomness is 32 bytes, its signatures 48 or 96). */
export const MIN_BEACON_VALUE_BYTES = 16;
export const MAX_BEACON_VALUE_BYTES = 1024;

const SOURCE_KEYS = ['name', 'genesisTime', 'period', 'maxClockSkew'];
const NAME_PATTERN = /^[\x21-\x7e]{1,128}$/;
const INFO = new TextEncoder().encode(GRAPH_SEED_INFO);

/**
 * Validates a beacon source and returns a frozen copy (read once, field by field: the copy is
 * what was checked).
 *
 * @throws {SecAggError} `INVALID_TYPE` / `UNKNOWN_OPTION` for a non-object or an unknown field,
 *   `INVALID_CONFIG` for a bad name, `INVALID_TYPE` / `OUT_OF_RANGE` for bad numbers (see
 *   {@link BeaconSource} for the ranges).
 * @example
 * ```ts
 * const quicknet = createBeaconSource({ name: 'drand-quicknet', genesisTime: 1692803367, period: 3, maxClockSkew: 5 });
 * ```
 */
export function createBeaconSource(source: BeaconSource): BeaconSource {
  if (source === undefined) throw new SecAggError('INVALID_TYPE', 'beacon source must be an object, got undefined');
  const o = assertOptions<BeaconSource>(source, 'beacon', SOURCE_KEYS);
  const name: unknown = o.name;
  const genesisTime: unknown = o.genesisTime;
  const period: unknown = o.period;
  const maxClockSkew: unknown = o.maxClockSkew;
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    throw new SecAggError(
      'INVALID_CONFIG',
      `beacon.name must be 1..128 printable ASCII characters without spaces, got ${typeof name === 'string' ? `a string of length ${name.length}` : describeType(name)}`,
    );
  }
  return Object.freeze({
    name,
    genesisTime: assertInteger(genesisTime, 'beacon.genesisTime', 0, 0xffff_ffff),
    period: assertInteger(period, 'beacon.period', 1, 86_400),
    maxClockSkew: assertInteger(maxClockSkew, 'beacon.maxClockSkew', 0, 3_600),
  });
}

/**
 * When round `round` of the beacon is scheduled: genesisTime + (round - 1) * period, unix
 * seconds.
 *
 * @param round 1..2^32 - 1.
 * @throws {SecAggError} as {@link createBeaconSource} for the source; `INVALID_TYPE` /
 *   `OUT_OF_RANGE` for a bad round.
 * @example
 * ```ts
 * beaconRoundTime(quicknet, 1); // 1692803367
 * beaconRoundTime(quicknet, 11); // 1692803397
 * ```
 */
export function beaconRoundTime(source: BeaconSource, round: number): number {
  const s = createBeaconSource(source);
  const r = assertInteger(round, 'round', 1, MAX_BEACON_ROUND);
  return s.genesisTime + (r - 1) * s.period;
}

/**
 * True when beacon round `round` is scheduled strictly after `offerReceivedAt + maxClockSkew`:
 * its value cannot have existed when the server sent the offer (the cohort, hence the ids, was
 * fixed before it), even if the client's clock is `maxClockSkew` slow. A client refuses an offer
 * whose round is not fresh; the session layer also refuses a second offer that names a round it
 * has already accepted (docs/protocol-graph.md: each accepted offer is one draw for the server).
 *
 * @param offerReceivedAt The client's clock when the offer arrived, unix SECONDS (may be
 *   fractional), 0..2^34.
 * @throws {SecAggError} as {@link beaconRoundTime}; `INVALID_TYPE` / `OUT_OF_RANGE` for a bad
 *   time (a value above 2^34 is most likely milliseconds).
 * @example
 * ```ts
 * const at = Date.now() / 1000; // when the offer arrived
 * if (!beaconRoundIsFresh(policy.beacon, round.beaconRound, at)) refuse();
 * ```
 */
export function beaconRoundIsFresh(source: BeaconSource, round: number, offerReceivedAt: number): boolean {
  const s = createBeaconSource(source);
  const scheduled = beaconRoundTime(s, round);
  const at = assertNumber(offerReceivedAt, 'offerReceivedAt', 0, MAX_BEACON_TIME);
  return scheduled > at + s.maxClockSkew;
}

/**
 * The Harary seed of an active session: HKDF-SHA-256 (RFC 5869) with ikm = the beacon value of
 * the round the offer named, salt = the policy digest, info = "secagg/v2/graph-seed", 32 bytes.
 * It depends on nothing the server picks per round (not the nonce, the cohort or any key), so
 * the labelling is a function of (beacon value, policy, n).
 *
 * @param beaconValue The round's published randomness as the client's own beacon client
 *   obtained and verified it (drand: the 32-byte `randomness`), 16..1,024 bytes.
 * @param policyDigest SHA-256 of the trusted policy's canonical encoding, 32 bytes, not all zero
 *   (zeros stand for "no policy", and a beacon seed without a policy is a misuse).
 * @throws {SecAggError} `INVALID_TYPE`, `INVALID_LENGTH`; `INVALID_CONFIG` for an all-zero digest.
 * @example
 * ```ts
 * const seed = graphSeedFromBeacon(await beacon(round.beaconRound), config.policyDigest);
 * ```
 */
export function graphSeedFromBeacon(beaconValue: Uint8Array, policyDigest: Uint8Array): Uint8Array {
  const value = copyBytes(beaconValue, 'beaconValue');
  if (value.length < MIN_BEACON_VALUE_BYTES || value.length > MAX_BEACON_VALUE_BYTES) {
    throw new SecAggError(
      'INVALID_LENGTH',
      `beaconValue must be ${MIN_BEACON_VALUE_BYTES}..${MAX_BEACON_VALUE_BYTES} bytes long, got ${value.length}`,
    );
  }
  const digest = copyBytes(policyDigest, 'policyDigest', 32);
  if (digest.every((b) => b === 0)) {
    throw new SecAggError('INVALID_CONFIG', 'policyDigest is all zero (no policy): a beacon-derived seed needs the policy digest');
  }
  return hkdf(sha256, value, digest, INFO, GRAPH_SEED_BYTES);
}

/**
 * The Harary seed of a passive session: HKDF-SHA-256 with ikm = the session nonce, an empty
 * salt (RFC 5869: 32 zero bytes; a policy digest is never zero, so the two derivations never
 * meet), info = "secagg/v2/graph-seed", 32 bytes. Sound because the passive server follows the
 * protocol: it draws the nonce fresh and does not re-draw it.
 *
 * @param nonce The session's 32-byte nonce.
 * @throws {SecAggError} `INVALID_TYPE`, `INVALID_LENGTH`.
 * @example
 * ```ts
 * const seed = graphSeedFromNonce(round.nonce);
 * ```
 */
export function graphSeedFromNonce(nonce: Uint8Array): Uint8Array {
  const n = copyBytes(nonce, 'nonce', 32);
  return hkdf(sha256, n, new Uint8Array(0), INFO, GRAPH_SEED_BYTES);
}

/** A copy of a genuine Uint8Array, its length checked on the copy (copy first, then validate). */
function copyBytes(value: unknown, name: string, length?: number): Uint8Array {
  const copy = Uint8Array.from(assertBytes(value, name));
  return length === undefined ? copy : assertBytes(copy, name, length);
}

/**
 * A client joins a round on its own terms: it re-derives the configuration from its trusted
 * policy and the round's parameters the server chose, and refuses (a coded abort) a
 * configuration that differs in anything, so that the server cannot lower a threshold, swap a
 * key, change the graph or seat the client under another id.
 */
import { assertInteger, assertNumber, assertOptions } from '../../_assert.js';
import { equalBytes } from '../../_bytes.js';
import type { CryptoBackend } from '../../crypto/index.js';
import { SecAggError } from '../../errors.js';
import type { RandomBytes } from '../../random.js';
import { MAX_BEACON_TIME, beaconRoundIsFresh, beaconRoundTime } from '../../graph/index.js';
import { writeConfig } from '../config-codec.js';
import { validateConfig } from '../config.js';
import { deriveSessionConfig } from '../derive.js';
import { createSessionPolicy, type SessionPolicy } from '../policy.js';
import type { AbortedState, ClientAdvertiseKeysState, SessionConfig } from '../types.js';
import { createClient } from './advertise-keys.js';

/** Options of {@link joinRound}. */
export interface JoinRoundOptions {
  /** This client's index in the policy's registry (its identity); its id is its place in the cohort. */
  readonly member: number;
  /** Active variant: the client's long-term Ed25519 signing key (registry entry `member`). */
  readonly signingKey?: Uint8Array;
  /**
   * When the policy names a beacon: the value of the configuration's beacon round, from your
   * own source (never from the server). Fetch it once that round is published.
   */
  readonly beaconValue?: Uint8Array;
  /**
   * When the policy names a beacon: when this client received the server's offer (unix
   * seconds, your clock: `Date.now() / 1000`), from the beacon's genesis time to 2^34 (a time
   * in another unit is refused). The core reads no clock: the beacon round must be published strictly
   * after this time plus the policy's `maxClockSkew`, so the cohort (which fixes the ids) was
   * chosen before the value that labels the graph existed.
   */
  readonly offerReceivedAt?: number;
  /** The client's randomness (default: the platform CSPRNG), as in `createClient`. */
  readonly rng?: RandomBytes;
  /** Crypto backend (default: native where available). */
  readonly backend?: CryptoBackend;
}

/** A client that could not join: aborted with `UNTRUSTED_CONFIG` (id 0 when it is not in the cohort). */
export type JoinRefused = AbortedState & { readonly id: number };

/**
 * Joins a round: validates `policy` (your trusted copy), checks the beacon round's schedule,
 * re-derives the configuration from the policy and the round parameters the received `config`
 * carries (cohort, nonce, beacon round), and compares every field. On a match, returns the
 * client in round `advertiseKeys` (as `createClient`, with its randomness drawn now); on any
 * difference, an `aborted` state with code `UNTRUSTED_CONFIG` whose reason names the first
 * field that differs (or why the round cannot be joined: not in the cohort, a stale beacon
 * round, a cohort the policy refuses). The received configuration is network input: it never
 * makes this throw.
 *
 * @throws {SecAggError} for local mistakes only: the errors of `createSessionPolicy` for the
 *   policy; `INVALID_TYPE`, `OUT_OF_RANGE` (an offer time before the beacon's genesis or above
 *   2^34: not unix seconds), `UNKNOWN_OPTION` for the options; `INVALID_CONFIG`
 *   when the policy names a beacon and `beaconValue` or `offerReceivedAt` is missing, or the
 *   signing key is missing, extra or not registry entry `member`'s.
 * @example
 * ```ts
 * const config = decodeSessionConfig(offerBytes);
 * const client = joinRound(policy, config, { member: myIndex, signingKey });
 * if (client.round === 'aborted') report(client.code, client.reason); // UNTRUSTED_CONFIG
 * ```
 */
export function joinRound(policy: SessionPolicy, config: SessionConfig, options: JoinRoundOptions): ClientAdvertiseKeysState | JoinRefused {
  const p = createSessionPolicy(policy);
  const o = assertOptions<JoinRoundOptions>(options, 'options', ['member', 'signingKey', 'beaconValue', 'offerReceivedAt', 'rng', 'backend']);
  if (options === undefined) throw new SecAggError('INVALID_TYPE', 'options must be an object with the member index');
  const registrySize = 'size' in p.registry ? p.registry.size : p.registry.verificationKeys.length;
  const member = assertInteger(o.member, 'options.member', 0, registrySize - 1);
  if (p.beacon !== null && (o.beaconValue === undefined || o.offerReceivedAt === undefined)) {
    throw new SecAggError('INVALID_CONFIG', `the policy's beacon ${p.beacon.name} seeds the graph: pass beaconValue (from your own source) and offerReceivedAt`);
  }
  // Not before the beacon's first round: a clock in a smaller unit (performance.now() / 1000)
  // would make every published round look fresh; a larger one (Date.now()) exceeds 2^34.
  const offerReceivedAt =
    o.offerReceivedAt === undefined
      ? null
      : assertNumber(o.offerReceivedAt, 'options.offerReceivedAt (unix seconds, not before the beacon\'s genesis)', p.beacon?.genesisTime ?? 0, MAX_BEACON_TIME);
  const refuse = (id: number, reason: string): JoinRefused => ({ round: 'aborted', id, code: 'UNTRUSTED_CONFIG', reason, atRound: 'advertiseKeys' });

  // The received configuration, read like network input.
  let received: SessionConfig;
  try {
    received = validateConfig(config);
  } catch (error) {
    return refuse(0, `the configuration is invalid (${error instanceof SecAggError ? error.code : 'unreadable'})`);
  }
  const id = received.cohort.indexOf(member) + 1;
  if (id === 0) return refuse(0, `registry entry ${member} is not in this round's cohort`);
  if (p.beacon !== null && received.beaconRound !== null && offerReceivedAt !== null) {
    if (!beaconRoundIsFresh(p.beacon, received.beaconRound, offerReceivedAt)) {
      return refuse(
        id,
        `beacon round ${received.beaconRound} is published at ${beaconRoundTime(p.beacon, received.beaconRound)}, ` +
          `not after the offer (${offerReceivedAt}) plus the allowed clock skew (${p.beacon.maxClockSkew} s)`,
      );
    }
  }
  let expected: SessionConfig;
  try {
    expected = deriveSessionConfig(p, { cohort: received.cohort, nonce: received.nonce, beaconRound: received.beaconRound }, o.beaconValue);
  } catch (error) {
    if (!(error instanceof SecAggError)) throw error;
    if (error.code === 'INVALID_TYPE' || error.code === 'INVALID_LENGTH') throw error; // the beacon value is local
    return refuse(id, `the round cannot be derived from the policy (${error.code}): ${error.message}`);
  }
  const difference = firstDifference(expected, received);
  if (difference !== null) return refuse(id, `the configuration differs from the policy's in ${difference}`);
  return createClient(expected, {
    id,
    ...(o.signingKey === undefined ? {} : { signingKey: o.signingKey }),
    ...(o.rng === undefined ? {} : { rng: o.rng }),
    ...(o.backend === undefined ? {} : { backend: o.backend }),
  });
}

/** The first field (in the order of the encoding) in which two valid configurations differ, or null. */
function firstDifference(a: SessionConfig, b: SessionConfig): string | null {
  const fields: [string, unknown, unknown][] = [
    ['clients', a.clients, b.clients],
    ['threshold', a.threshold, b.threshold],
    ['corruptClients', a.corruptClients, b.corruptClients],
    ['graph.kind', a.graph.kind, b.graph.kind],
    ['graph.degree', a.graph.kind === 'harary' ? a.graph.degree : 0, b.graph.kind === 'harary' ? b.graph.degree : 0],
  ];
  for (const [name, x, y] of fields) if (x !== y) return `${name} (policy: ${String(x)}, received: ${String(y)})`;
  if (a.graph.kind === 'harary' && b.graph.kind === 'harary' && !equalBytes(a.graph.seed, b.graph.seed)) return 'graph.seed';
  if (a.active !== b.active) return `active (policy: ${a.active}, received: ${b.active})`;
  if (a.registrySize !== b.registrySize) return `registrySize (policy: ${a.registrySize}, received: ${b.registrySize})`;
  if (!equalBytes(a.policyDigest, b.policyDigest)) return 'policyDigest';
  if (JSON.stringify(a.vectors) !== JSON.stringify(b.vectors)) return 'vectors';
  const keys = (c: SessionConfig): readonly Uint8Array[] => c.verificationKeys ?? [];
  if (keys(a).length !== keys(b).length || keys(a).some((k, i) => !equalBytes(k, keys(b)[i] as Uint8Array))) return 'verificationKeys';
  // Whatever is left (nothing, if the lists above are complete) still may not differ.
  return equalBytes(writeConfig(a), writeConfig(b)) ? null : 'the encoding';
}

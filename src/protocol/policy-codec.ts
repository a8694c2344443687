/**
 * The canonical byte encoding of a session policy (version 2) and its digest. Whoever issues
 * the policy can sign these bytes; every configuration derived from it carries the digest.
 *
 *   0x5A | 0x50 ('P') | u8 version (2)
 *   u8 active | u8 graph (0 complete, 1 secaggplus)
 *   f64 corruptFraction | f64 dropoutFraction (IEEE 754, big-endian)
 *   u32 minClients | u8 securityBits | u8 correctnessBits
 *   u8 registry form: 0 -> u32 size; 1 -> u32 count, count x 32-byte verification keys
 *   u8 has beacon | [u8 name length, name (ASCII), f64 genesisTime, f64 period, f64 maxClockSkew]
 *   u8 vector count | per vector: u8 name length, name (ASCII), u32 length, u8 bits
 */
import { describeType } from '../_assert.js';
import { ByteReader, ByteWriter } from '../_bytes.js';
import { sha256 } from '../crypto/index.js';
import { SecAggError } from '../errors.js';
import { isBytes } from './_validate.js';
import { MAX_REGISTRY } from './config.js';
import { bad, flag, readVectorSpecList, writeVectorSpecs } from './config-codec.js';
import { createSessionPolicy, type BeaconSource, type Registry, type SessionPolicy } from './policy.js';

const POLICY_MAGIC = [0x5a, 0x50] as const;
/** The policy version this build reads and writes. */
export const POLICY_VERSION = 2;

/**
 * The canonical encoding of a policy (validated first). Equal policies, defaults included,
 * give equal bytes.
 *
 * @throws {SecAggError} the errors of {@link createSessionPolicy} for an invalid policy.
 * @example
 * ```ts
 * const bytes = encodeSessionPolicy(policy); // sign and ship with the app
 * ```
 */
export function encodeSessionPolicy(policy: SessionPolicy): Uint8Array {
  return writePolicy(createSessionPolicy(policy));
}

function writePolicy(p: SessionPolicy): Uint8Array {
  const keys = 'verificationKeys' in p.registry ? p.registry.verificationKeys : null;
  const w = new ByteWriter(128 + (keys === null ? 0 : 32 * keys.length) + 72 * p.vectors.length);
  w.u8(POLICY_MAGIC[0]);
  w.u8(POLICY_MAGIC[1]);
  w.u8(POLICY_VERSION);
  w.u8(p.active ? 1 : 0);
  w.u8(p.graph === 'complete' ? 0 : 1);
  w.f64(p.corruptFraction);
  w.f64(p.dropoutFraction);
  w.u32(p.minClients);
  w.u8(p.securityBits);
  w.u8(p.correctnessBits);
  if (keys === null) {
    w.u8(0);
    w.u32((p.registry as { size: number }).size);
  } else {
    w.u8(1);
    w.u32(keys.length);
    for (const k of keys) w.bytes(k);
  }
  if (p.beacon === null) w.u8(0);
  else {
    w.u8(1);
    w.u8(p.beacon.name.length);
    for (let i = 0; i < p.beacon.name.length; i++) w.u8(p.beacon.name.charCodeAt(i));
    w.f64(p.beacon.genesisTime);
    w.f64(p.beacon.period);
    w.f64(p.beacon.maxClockSkew);
  }
  writeVectorSpecs(w, p.vectors);
  return w.finish();
}

/**
 * SHA-256 of the policy's canonical encoding: the `policyDigest` of every configuration
 * derived from it.
 *
 * @throws {SecAggError} the errors of {@link createSessionPolicy}.
 * @example
 * ```ts
 * const digest = sessionPolicyDigest(policy); // e.g. in the session's hello, to pick the right policy
 * ```
 */
export function sessionPolicyDigest(policy: SessionPolicy): Uint8Array {
  return sha256(encodeSessionPolicy(policy));
}

/**
 * Decodes and validates a policy (untrusted bytes until you checked their signature: every
 * length is checked before allocating, only the canonical encoding is accepted).
 *
 * @throws {SecAggError} `INVALID_TYPE` when `bytes` is not a Uint8Array, `UNSUPPORTED_VERSION`,
 *   `MALFORMED_ENCODING` (magic, truncation, trailing bytes, flags, non-canonical numbers), and
 *   the errors of {@link createSessionPolicy}.
 * @example
 * ```ts
 * const policy = decodeSessionPolicy(verifiedPolicyBytes);
 * ```
 */
export function decodeSessionPolicy(bytes: Uint8Array): SessionPolicy {
  if (!isBytes(bytes)) throw new SecAggError('INVALID_TYPE', `bytes must be a Uint8Array, got ${describeType(bytes)}`);
  const copy = new Uint8Array(bytes);
  const r = new ByteReader(copy);
  if (r.u8('magic') !== POLICY_MAGIC[0] || r.u8('kind') !== POLICY_MAGIC[1]) throw bad('not a secagg session policy');
  const version = r.u8('version');
  if (version !== POLICY_VERSION) {
    throw new SecAggError('UNSUPPORTED_VERSION', `policy version ${version} is not supported (expected ${POLICY_VERSION})`);
  }
  const active = flag(r, 'active flag');
  const graphByte = r.u8('graph');
  if (graphByte > 1) throw bad(`unknown graph policy ${graphByte}`);
  const corruptFraction = r.f64('corruptFraction');
  const dropoutFraction = r.f64('dropoutFraction');
  const minClients = r.u32('minClients');
  const securityBits = r.u8('securityBits');
  const correctnessBits = r.u8('correctnessBits');
  const form = r.u8('registry form');
  let registry: Registry;
  if (form === 0) registry = { size: r.u32('registry size') };
  else if (form === 1) {
    const count = r.u32('registry count');
    if (count > MAX_REGISTRY || 32 * count > r.remaining) throw bad(`registry declares ${count} keys but the policy is shorter`);
    registry = { verificationKeys: Array.from({ length: count }, () => r.bytes(32, 'verification key')) };
  } else throw bad(`unknown registry form ${form}`);
  let beacon: BeaconSource | null = null;
  if (flag(r, 'beacon flag')) {
    const nameLength = r.u8('beacon name length');
    const name = String.fromCharCode(...r.view_(nameLength, 'beacon name'));
    beacon = { name, genesisTime: r.f64('beacon genesisTime'), period: r.f64('beacon period'), maxClockSkew: r.f64('beacon maxClockSkew') };
  }
  const vectors = readVectorSpecList(r);
  r.end();
  const policy = createSessionPolicy({
    registry, vectors, active, graph: graphByte === 0 ? 'complete' : 'secaggplus', corruptFraction, dropoutFraction,
    minClients, beacon, securityBits, correctnessBits,
  });
  // One encoding per policy: a -0 or a NaN payload would decode to an equal policy from other bytes.
  const canonical = writePolicy(policy);
  if (canonical.length !== copy.length || canonical.some((b, i) => b !== copy[i])) throw bad('not the canonical encoding of its policy');
  return policy;
}

/**
 * Byte-level derivations (docs/protocol.md is the normative text): config digest, session id,
 * pairwise mask seeds, per-direction AEAD keys, associated data, share plaintexts, the
 * messages that are signed and the seed of the Shamir coefficients. Internal. Labels carry the
 * version in which they were introduced: the session id is secagg/v3 (the key directory puts a
 * Harary graph's leaves in ring order), the config digest secagg/v2 (the configuration gained
 * the cohort, the corrupt count and the policy digest), the rest are unchanged from secagg/v1
 * and bound to the v3 session id.
 */
import { ByteWriter, ascii, concatBytes, u32be } from '../_bytes.js';
import { configParts } from './config-codec.js';
import { AEAD_TAG_BYTES, hkdfSha256, sha256, sha256Parts, type CryptoBackend } from '../crypto/index.js';
import type { SessionConfig } from './types.js';

const SESSION_LABEL = ascii('secagg/v3/session');
const CONFIG_LABEL = ascii('secagg/v2/config');
/** HKDF info of the key of the DRBG that draws a client's Shamir coefficients. */
export const SHARE_COEFFICIENTS_INFO = 'secagg/v2/share-coefficients';
const CHANNEL_INFO = ascii('secagg/v1/channel\0');
const SHARE_AAD = ascii('secagg/v1/share\0');
const ADVERTISE_LABEL = ascii('secagg/v1/advertise\0');
const CONSISTENCY_LABEL = ascii('secagg/v1/consistency\0');
const MASK_INFO = ascii('secagg/v1/mask\0');

/** 12 zero bytes: each channel key encrypts exactly one message. */
export const AEAD_NONCE: Uint8Array = new Uint8Array(12);

/** Length of a share payload for a 32-byte secret (GF(2^16) Shamir: 32 bytes). */
export const SHARE_BYTES = 32;
/** Share plaintext: u32 sender | u32 recipient | b share (32) | s-key share (32). */
export const SHARE_PLAINTEXT_BYTES: number = 8 + 2 * SHARE_BYTES;
/** Ciphertext bytes of one share message. */
export const SHARE_CIPHERTEXT_BYTES: number = SHARE_PLAINTEXT_BYTES + AEAD_TAG_BYTES;

function lp(bytes: Uint8Array): Uint8Array {
  return concatBytes(u32be(bytes.length), bytes);
}

// Digests by configuration object: the encoding is O(n) (cohort, keys) and the server checks
// a signature over the digest per client. A state's configuration is a validated copy.
const digests = new WeakMap<SessionConfig, Uint8Array>();

/**
 * Config digest = SHA-256(lp("secagg/v2/config") || lp(config encoding)) (./config-codec.ts:
 * every field, the verification keys included).
 */
export function configDigest(config: SessionConfig): Uint8Array {
  let d = digests.get(config);
  if (d === undefined) {
    const parts = configParts(config); // the cohort's bytes are cached: no O(n) writing per client
    const length = parts.reduce((a, p) => a + p.length, 0);
    d = sha256Parts([lp(CONFIG_LABEL), u32be(length), ...parts]);
    digests.set(config, d);
  }
  return d.slice();
}

/**
 * Session id = SHA-256(lp("secagg/v3/session") || config digest || key directory root)
 * (./_directory.ts: the root commits to every advertised key and to who did not advertise).
 */
export function computeSessionId(config: SessionConfig, directoryRoot: Uint8Array): Uint8Array {
  return sha256(concatBytes(lp(SESSION_LABEL), configDigest(config), directoryRoot));
}

/**
 * Channel (AEAD) keys of the pair {u, v}, one per direction: HKDF(X25519(c_u, c_v), salt = sid,
 * info = "secagg/v1/channel\0" || u32 min || u32 max, 64); bytes 0..31 encrypt min -> max,
 * bytes 32..63 encrypt max -> min. Returns [key sender -> recipient, key recipient -> sender].
 */
export function channelKeys(
  shared: Uint8Array,
  sessionId: Uint8Array,
  sender: number,
  recipient: number,
  backend?: CryptoBackend,
): [Uint8Array, Uint8Array] {
  const lo = Math.min(sender, recipient);
  const hi = Math.max(sender, recipient);
  const okm = hkdfSha256(shared, sessionId, concatBytes(CHANNEL_INFO, u32be(lo), u32be(hi)), 64, backend);
  const up = okm.slice(0, 32); // lo -> hi
  const down = okm.slice(32); // hi -> lo
  return sender === lo ? [up, down] : [down, up];
}

/** AAD = "secagg/v1/share\0" || session id || u32 sender || u32 recipient. */
export function shareAad(sessionId: Uint8Array, sender: number, recipient: number): Uint8Array {
  return concatBytes(SHARE_AAD, sessionId, u32be(sender), u32be(recipient));
}

export function sharePlaintext(sender: number, recipient: number, b: Uint8Array, s: Uint8Array): Uint8Array {
  return concatBytes(u32be(sender), u32be(recipient), b, s);
}

/** Message signed in round 0: label || config digest || u32 id || channel key || masking key. */
export function advertiseSignedBytes(
  digest: Uint8Array,
  id: number,
  channelPublicKey: Uint8Array,
  maskingPublicKey: Uint8Array,
): Uint8Array {
  return concatBytes(ADVERTISE_LABEL, digest, u32be(id), channelPublicKey, maskingPublicKey);
}

/** Message signed in the consistency round: label || session id || u32 count || u32 ids. */
export function consistencySignedBytes(sessionId: Uint8Array, survivors: readonly number[]): Uint8Array {
  const w = new ByteWriter(CONSISTENCY_LABEL.length + 36 + 4 * survivors.length);
  w.bytes(CONSISTENCY_LABEL);
  w.bytes(sessionId);
  w.u32(survivors.length);
  for (const id of survivors) w.u32(id);
  return w.finish();
}

/**
 * The mask key of src/masking (`deriveMaskKey`): HKDF-SHA256(seed, salt = session id,
 * info = "secagg/v1/mask\0" || label, 32), computed here through the crypto backend (native
 * HKDF is several times faster than the portable one on the server's hot path). A test checks
 * that both agree.
 */
export function maskKey(seed: Uint8Array, sessionId: Uint8Array, label: string, backend?: CryptoBackend): Uint8Array {
  return hkdfSha256(seed, sessionId, concatBytes(MASK_INFO, ascii(label)), 32, backend);
}

/**
 * Mask labels: the self mask of vector <name> is `b/<name>` (seed b_u); the pairwise mask of
 * clients u and v is `s/<min(u,v)>/<max(u,v)>/<name>` (symmetric in u and v) with seed the
 * X25519 shared secret of their masking keys.
 */
export function selfMaskLabel(name: string): string {
  return `b/${name}`;
}
export function pairwiseMaskLabel(u: number, v: number, name: string): string {
  return `s/${Math.min(u, v)}/${Math.max(u, v)}/${name}`;
}

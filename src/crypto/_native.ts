/**
 * Internal: the node:crypto (OpenSSL) fast path behind `src/crypto`. Loaded without a static
 * import (`process.getBuiltinModule`) so that bundles for browsers and workers never reference
 * `node:crypto`; everything here is only reached after {@link nativeCrypto} returned a module.
 *
 * Keys enter OpenSSL only through JWK imports (raw public: ~5 us; private `{d, x}`: ~22 us; a
 * PKCS#8 DER import, whose buffer could be wiped, measured 8-10x slower). Nothing is ever
 * exported from a KeyObject: `export({ format: 'jwk' })` in a loop on Node 20.20 can deadlock
 * (REFERENCES.md), and we never need it: an X25519 public key is computed as the
 * Diffie-Hellman of the private key with the base point u = 9.
 *
 * Copies of private keys that remain, and that no wipe reaches (the README's security model):
 * - the base64url string of each JWK import (JavaScript strings are immutable; the garbage
 *   collector frees them when it likes);
 * - OpenSSL's own copy inside each KeyObject, freed (and cleansed by OpenSSL) when the
 *   KeyObject is collected;
 * - node:crypto's internal buffers in the cipher and Diffie-Hellman calls.
 * What secagg holds itself is wiped: the Buffers that diffieHellman and the AEAD decryption
 * return (shared secrets, share plaintexts) are zeroed once copied, and nothing here caches a
 * private key: each import belongs to one agreement or signer object. The protocol imports a
 * client's session keys once each (kept, with no copy of the bytes, for the round that uses
 * them) and its long-term Ed25519 key once per client; a key the server rebuilds is imported
 * once and dropped.
 */
import type * as NodeCryptoModule from 'node:crypto';
import { bytesKey, equalBytes, isAllZero } from '../_bytes.js';
import { hexToBytes } from './_curve25519.js';

export type NodeCrypto = typeof NodeCryptoModule;
export type KeyObject = NodeCryptoModule.KeyObject;

// RFC 7748 §6.1: Alice's private key and public key, used as a one-time self-test.
const SELFTEST_X25519_PRIVATE = hexToBytes('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
const SELFTEST_X25519_PUBLIC = hexToBytes('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
// RFC 8032 §7.1 TEST 1 (empty message).
const SELFTEST_ED25519_SECRET = hexToBytes('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const SELFTEST_ED25519_SIGNATURE = hexToBytes(
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
);

// OpenSSL derives the public half from `d` and ignores `x` on private JWK import (checked by the
// self-test below), but Node insists that `x` is present: any 32-byte value will do.
// (A literal: this module is loaded in browsers too, where there is no Buffer.)
const PLACEHOLDER_X = 'CQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'; // base64url of the base point u = 9

let loaded: NodeCrypto | null | undefined;

/**
 * node:crypto when it is present and passes the self-test (X25519 public key and Ed25519
 * signature of the RFC vectors, ChaCha20-Poly1305 available), else null. Cached.
 */
export function nativeCrypto(): NodeCrypto | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const mod = proc?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
    if (
      mod === undefined ||
      typeof mod.diffieHellman !== 'function' ||
      typeof mod.createCipheriv !== 'function' ||
      !mod.getCiphers().includes('chacha20-poly1305')
    ) {
      return null;
    }
    const pub = x25519PublicKeyNative(mod, SELFTEST_X25519_PRIVATE);
    const sig = ed25519SignNative(mod, SELFTEST_ED25519_SECRET, new Uint8Array(0));
    if (equalBytes(pub, SELFTEST_X25519_PUBLIC) && equalBytes(sig, SELFTEST_ED25519_SIGNATURE)) loaded = mod;
  } catch {
    loaded = null;
  }
  return loaded;
}

/** Imports a 32-byte X25519 private key (any bytes; clamping happens inside X25519). */
export function importX25519Private(c: NodeCrypto, privateKey: Uint8Array): KeyObject {
  return c.createPrivateKey({
    key: { kty: 'OKP', crv: 'X25519', d: b64u(privateKey), x: PLACEHOLDER_X },
    format: 'jwk',
  });
}

/** Imports a raw 32-byte X25519 public key (u-coordinate, little-endian). */
export function importX25519Public(c: NodeCrypto, publicKey: Uint8Array): KeyObject {
  return c.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(publicKey) }, format: 'jwk' });
}

/**
 * Imported public keys, by their base64url text. Public data, so a cache is harmless; it spares
 * the server one JWK import (~5-15 us) per pairwise mask it regenerates (the same survivor's key
 * meets every dropped neighbour), and a simulation the same per simulated client. Bounded: it
 * is cleared when full rather than tracked per entry.
 */
const publicKeyCache = new Map<string, KeyObject>();
const PUBLIC_KEY_CACHE_LIMIT = 16_384;

function cachedX25519Public(c: NodeCrypto, peerPublic: Uint8Array): KeyObject {
  // Keyed by the bytes as a binary string: reading `.buffer` for base64url would move a small
  // (on-heap) typed array off the heap first, on every agreement; base64url only on a miss.
  const id = bytesKey(peerPublic);
  let key = publicKeyCache.get(id);
  if (key === undefined) {
    key = c.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(peerPublic) }, format: 'jwk' });
    if (publicKeyCache.size >= PUBLIC_KEY_CACHE_LIMIT) publicKeyCache.clear();
    publicKeyCache.set(id, key);
  }
  return key;
}

/**
 * X25519(private, peer) with an imported private key; null when OpenSSL refuses (it refuses an
 * all-zero result, i.e. a small-order peer key) or the result is all zero anyway.
 */
export function x25519Native(c: NodeCrypto, privateKey: KeyObject, peerPublic: Uint8Array): Uint8Array | null {
  let out: Buffer;
  try {
    out = c.diffieHellman({ privateKey, publicKey: cachedX25519Public(c, peerPublic) });
  } catch {
    return null;
  }
  const copy = new Uint8Array(out);
  out.fill(0); // the shared secret: keep only the copy the caller owns (and wipes)
  return isAllZero(copy) ? null : copy;
}

/**
 * The public key of an imported private key, X25519(private, 9): OpenSSL computes it when the
 * private key is imported, so exporting it spares a second scalar multiplication (~30 us, two
 * per client). The self-test in nativeCrypto() checks it against a known answer.
 */
export function x25519PublicFromKeyObject(c: NodeCrypto, privateKey: KeyObject): Uint8Array {
  const x = c.createPublicKey(privateKey).export({ format: 'jwk' }).x;
  if (typeof x !== 'string') throw new Error('X25519 public key export failed');
  return new Uint8Array(Buffer.from(x, 'base64url'));
}

export function x25519PublicKeyNative(c: NodeCrypto, privateKey: Uint8Array): Uint8Array {
  return x25519PublicFromKeyObject(c, importX25519Private(c, privateKey));
}

/** Imports a 32-byte Ed25519 secret key (seed); OpenSSL derives the public half from it. */
export function importEd25519Private(c: NodeCrypto, secretKey: Uint8Array): KeyObject {
  return c.createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: b64u(secretKey), x: PLACEHOLDER_X },
    format: 'jwk',
  });
}

/** An Ed25519 signature with an imported key. */
export function ed25519SignWithKey(c: NodeCrypto, key: KeyObject, message: Uint8Array): Uint8Array {
  return new Uint8Array(c.sign(null, message, key));
}

export function ed25519SignNative(c: NodeCrypto, secretKey: Uint8Array, message: Uint8Array): Uint8Array {
  return ed25519SignWithKey(c, importEd25519Private(c, secretKey), message);
}

/** OpenSSL's RFC 8032 verification (cofactorless, canonical R compare). False on any error. */
export function ed25519VerifyNative(
  c: NodeCrypto,
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
): boolean {
  try {
    const key = c.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(publicKey) }, format: 'jwk' });
    return c.verify(null, message, key, signature);
  } catch {
    return false;
  }
}

export function sha256Native(c: NodeCrypto, data: Uint8Array): Uint8Array {
  return new Uint8Array(c.createHash('sha256').update(data).digest());
}

/** ChaCha20-Poly1305 seal; output = ciphertext || 16-byte tag (the layout noble uses). */
export function aeadSealNative(
  c: NodeCrypto,
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  const cipher = c.createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  const out = new Uint8Array(plaintext.length + 16);
  const body = cipher.update(plaintext);
  out.set(body, 0);
  const rest = cipher.final();
  out.set(rest, body.length);
  out.set(cipher.getAuthTag(), plaintext.length);
  return out;
}

/** ChaCha20-Poly1305 open; null when the tag does not verify. */
export function aeadOpenNative(
  c: NodeCrypto,
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
): Uint8Array | null {
  const length = sealed.length - 16;
  const decipher = c.createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
  decipher.setAuthTag(sealed.subarray(length));
  decipher.setAAD(aad, { plaintextLength: length });
  const out = new Uint8Array(length);
  const body = decipher.update(sealed.subarray(0, length));
  out.set(body, 0);
  body.fill(0); // plaintext (secret shares): keep only the copy the caller owns
  try {
    const rest = decipher.final();
    out.set(rest, body.length);
    rest.fill(0);
  } catch {
    out.fill(0);
    return null;
  }
  return out;
}

function b64u(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64url');
}


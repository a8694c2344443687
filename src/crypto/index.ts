/**
 * Cryptographic primitives of the protocol (internal to secagg): X25519 key agreement, Ed25519
 * signatures, HKDF-SHA-256, SHA-256 and ChaCha20-Poly1305.
 *
 * Two backends with byte-for-byte identical output:
 * - `'portable'`: the audited noble libraries (@noble/curves, @noble/hashes, @noble/ciphers);
 *   runs everywhere (browsers, workers, Deno, Bun, Node).
 * - `'native'`: node:crypto (OpenSSL), ~20x faster for X25519. Detected at run time without a
 *   static import (`globalThis.process.getBuiltinModule('node:crypto')`), and only used after a
 *   one-time self-test against RFC 7748 / RFC 8032 vectors.
 *
 * Every function takes an optional `backend`; by default the native one is used when available.
 * Asking for `'native'` where it is not available throws `BACKEND_UNAVAILABLE`.
 *
 * HKDF-SHA-256 is the exception: both backends run one allocation-free implementation
 * (_hkdf.ts), cheaper per call than either library for the short inputs the protocol derives
 * keys from, and tested against both.
 *
 * Output identity is by construction for the deterministic primitives (X25519, HKDF, SHA-256,
 * ChaCha20-Poly1305, Ed25519 signing). For Ed25519 verification the two libraries differ on
 * crafted edge cases (noble's default is ZIP-215 cofactored verification, OpenSSL's is RFC 8032
 * cofactorless), so both backends here run the same strict pre-checks and the same
 * cofactorless equation: see {@link ed25519Verify}.
 *
 * One file per family: backend.ts (the choice), x25519.ts, ed25519.ts, aead.ts, hash.ts
 * (SHA-256, HKDF), drbg.ts (the ChaCha20 DRBG that expands a secret seed); _native.ts is the node:crypto fast path and _hkdf.ts the allocation-free
 * SHA-256/HKDF. This folder has no subpath export: the protocol and masking use it.
 */
export { AEAD_KEY_BYTES, AEAD_NONCE_BYTES, AEAD_TAG_BYTES, aeadOpen, aeadSeal } from './aead.js';
export { defaultCryptoBackend, isNativeCryptoAvailable, type CryptoBackend } from './backend.js';
export { createDrbg } from './drbg.js';
export {
  ED25519_KEY_BYTES,
  ED25519_SIGNATURE_BYTES,
  createEd25519Signer,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  type Ed25519Signer,
} from './ed25519.js';
export { HKDF_SHA256_MAX_LENGTH, hkdfSha256, sha256, sha256Parts } from './hash.js';
export {
  X25519_KEY_BYTES,
  createX25519Agreement,
  generateX25519KeyPair,
  isValidX25519PublicKey,
  x25519PublicKey,
  x25519SharedSecret,
  type X25519Agreement,
  type X25519KeyPair,
} from './x25519.js';
// The allocation-free SHA-256 and HKDF for trusted inputs (mask keys, the key directory).
export { hkdfSha256Fast, sha256Fast } from './_hkdf.js';

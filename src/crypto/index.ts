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
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha256 as nobleSha256, sha512 } from '@noble/hashes/sha2.js';
import { assertBytes, assertInteger, describeType } from '../_assert.js';
import { hkdfSha256Fast } from './_hkdf.js';
import { SecAggError } from '../errors.js';
import type { RandomBytes } from '../random.js';
import {
  aeadOpenNative,
  aeadSealNative,
  ed25519SignNative,
  ed25519VerifyNative,
  importX25519PrivateCached,
  nativeCrypto,
  type NodeCrypto,
  sha256Native,
  x25519Native,
  x25519PublicFromKeyObject,
} from './_native.js';
import { equalBytes, isAllZero } from '../_bytes.js';

// The allocation-free SHA-256 and HKDF for trusted inputs (mask keys, the key directory).
export { hkdfSha256Fast, sha256Fast } from './_hkdf.js';

/** Which implementation runs a primitive. Both give identical output. */
export type CryptoBackend = 'native' | 'portable';

/** An X25519 key pair: 32-byte private scalar (unclamped, as drawn) and 32-byte public u. */
export interface X25519KeyPair {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/**
 * Key agreement with one fixed private key, for many peers: the native backend imports the
 * private key into OpenSSL once (~22 us) instead of once per peer.
 */
export interface X25519Agreement {
  /** The backend this object uses. */
  readonly backend: CryptoBackend;
  /** The public key of the private key (32 bytes). */
  readonly publicKey: Uint8Array;
  /**
   * X25519(private, peerPublicKey).
   * @throws {SecAggError} `INVALID_TYPE` / `INVALID_LENGTH` for a bad key, `INVALID_PUBLIC_KEY`
   *   for a small-order peer key (all-zero shared secret).
   */
  sharedSecret(peerPublicKey: Uint8Array): Uint8Array;
}

/** Bytes of an X25519 key or shared secret. */
export const X25519_KEY_BYTES = 32;
/** Bytes of an Ed25519 secret key (seed) or public key. */
export const ED25519_KEY_BYTES = 32;
/** Bytes of an Ed25519 signature. */
export const ED25519_SIGNATURE_BYTES = 64;
/** Bytes of a ChaCha20-Poly1305 key. */
export const AEAD_KEY_BYTES = 32;
/** Bytes of a ChaCha20-Poly1305 nonce. */
export const AEAD_NONCE_BYTES = 12;
/** Bytes of a ChaCha20-Poly1305 tag (appended to the ciphertext). */
export const AEAD_TAG_BYTES = 16;
/** Largest HKDF-SHA-256 output (RFC 5869: 255 hash lengths). */
export const HKDF_SHA256_MAX_LENGTH: number = 255 * 32;

/**
 * X25519 u-coordinates (with bit 255 cleared, as X25519 decodes them, RFC 7748 §5) whose product
 * with any clamped scalar is the all-zero point: 0 and 1 (orders 2 and 4), the two order-8
 * points, and p - 1, p, p + 1 (the twist's order-4 point and non-canonical encodings of 0 and 1).
 * Computed with an x-only ladder (test/vectors/protocol-crypto-rfc.json lists them).
 */
const SMALL_ORDER_U: readonly Uint8Array[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(hexToBytes);

/**
 * Ed25519 y-coordinates (sign bit cleared) of the 8 points of small order: y = 1 (identity),
 * y = -1 (order 2), y = 0 (order 4) and the two order-8 values. A public key with one of these
 * y (whatever its sign bit) is rejected by {@link ed25519Verify}.
 */
const SMALL_ORDER_ED_Y: readonly Uint8Array[] = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
].map(hexToBytes);

/** Ed25519 group order L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 §5.1). */
const ED25519_L = (1n << 252n) + 27742317777372353535851937790883648493n;

const textEncoder = new TextEncoder();

/**
 * True when node:crypto is present here and passed its self-test, i.e. `backend: 'native'`
 * works and is the default.
 *
 * @example
 * ```ts
 * const backend = isNativeCryptoAvailable() ? 'native' : 'portable';
 * ```
 */
export function isNativeCryptoAvailable(): boolean {
  return nativeCrypto() !== null;
}

/**
 * The backend used when none is given: `'native'` if available, else `'portable'`.
 *
 * @example
 * ```ts
 * defaultCryptoBackend(); // 'native' on Node >= 20.16
 * ```
 */
export function defaultCryptoBackend(): CryptoBackend {
  return nativeCrypto() === null ? 'portable' : 'native';
}

/**
 * Validates a backend choice; returns the node:crypto module for `'native'`, null for
 * `'portable'`.
 */
function resolve(backend: unknown): NodeCrypto | null {
  if (backend === undefined) return nativeCrypto();
  if (backend === 'portable') return null;
  if (backend === 'native') {
    const c = nativeCrypto();
    if (c === null) {
      throw new SecAggError(
        'BACKEND_UNAVAILABLE',
        "crypto backend 'native' needs node:crypto (Node >= 20.16); use 'portable' or omit backend",
      );
    }
    return c;
  }
  throw new SecAggError(
    'INVALID_TYPE',
    `backend must be 'native' or 'portable', got ${typeof backend === 'string' ? JSON.stringify(backend) : describeType(backend)}`,
  );
}

/**
 * A fresh X25519 key pair: the 32 private bytes are drawn from `rng` (any 32 bytes are a valid
 * X25519 private key; clamping happens inside X25519, RFC 7748 §5), the public key is
 * X25519(private, 9).
 *
 * @param rng Source of the 32 private bytes (e.g. `cryptoRandomBytes`).
 * @throws {SecAggError} `INVALID_TYPE` when `rng` is not a function or does not return a
 *   Uint8Array, `INVALID_LENGTH` when it returns the wrong number of bytes.
 * @example
 * ```ts
 * const { privateKey, publicKey } = generateX25519KeyPair(cryptoRandomBytes);
 * ```
 */
export function generateX25519KeyPair(rng: RandomBytes, backend?: CryptoBackend): X25519KeyPair {
  if (typeof rng !== 'function') {
    throw new SecAggError('INVALID_TYPE', `rng must be a function, got ${describeType(rng)}`);
  }
  const c = resolve(backend);
  const privateKey = Uint8Array.from(assertBytes(rng(X25519_KEY_BYTES), 'rng output', X25519_KEY_BYTES));
  return { privateKey, publicKey: publicKeyOf(c, privateKey) };
}

/**
 * The X25519 public key of a 32-byte private key: X25519(privateKey, 9).
 *
 * @throws {SecAggError} `INVALID_TYPE` / `INVALID_LENGTH` for a bad private key.
 * @example
 * ```ts
 * const pub = x25519PublicKey(privateKey);
 * ```
 */
export function x25519PublicKey(privateKey: Uint8Array, backend?: CryptoBackend): Uint8Array {
  const c = resolve(backend);
  return publicKeyOf(c, assertBytes(privateKey, 'privateKey', X25519_KEY_BYTES));
}

function publicKeyOf(c: NodeCrypto | null, privateKey: Uint8Array): Uint8Array {
  return c === null ? x25519.getPublicKey(privateKey) : x25519PublicFromKeyObject(c, importX25519PrivateCached(c, privateKey));
}

/**
 * True when `publicKey` is a Uint8Array of 32 bytes holding a canonical X25519 public key:
 * bit 255 clear, u < p = 2^255 - 19, and u not one of the small-order points (RFC 7748 §6.1
 * warns that these force an all-zero shared secret). Every key made by
 * {@link generateX25519KeyPair} passes. Never throws.
 *
 * Canonical encodings matter for the protocol: u and u + p name the same key, so a check that
 * keys are distinct would otherwise be bypassed by a non-canonical copy.
 *
 * @example
 * ```ts
 * isValidX25519PublicKey(new Uint8Array(32)); // false: the all-zero key has order 2
 * ```
 */
export function isValidX25519PublicKey(publicKey: Uint8Array): boolean {
  if (!(publicKey instanceof Uint8Array) || !ArrayBuffer.isView(publicKey) || publicKey.length !== 32) {
    return false;
  }
  if ((publicKey[31] as number) >= 0x80) return false;
  if (!isBelowP(publicKey)) return false;
  return !isSmallOrderU(publicKey);
}

/**
 * X25519(privateKey, peerPublicKey) as in RFC 7748 §5 (bit 255 of the peer key is ignored),
 * refusing small-order peer keys: the all-zero output is never returned (RFC 7748 §6.1).
 *
 * @param privateKey 32 bytes.
 * @param peerPublicKey 32 bytes.
 * @throws {SecAggError} `INVALID_TYPE` / `INVALID_LENGTH` for bad arguments,
 *   `INVALID_PUBLIC_KEY` when the peer key has small order (the shared secret would be all
 *   zero), `BACKEND_UNAVAILABLE` for `'native'` off Node.
 * @example
 * ```ts
 * const k = x25519SharedSecret(alice.privateKey, bob.publicKey);
 * ```
 */
export function x25519SharedSecret(
  privateKey: Uint8Array,
  peerPublicKey: Uint8Array,
  backend?: CryptoBackend,
): Uint8Array {
  assertBytes(privateKey, 'privateKey', X25519_KEY_BYTES);
  const c = resolve(backend);
  return createAgreement(privateKey, c).sharedSecret(peerPublicKey);
}

/**
 * An {@link X25519Agreement} for one private key, reused for many peers (a client computes one
 * DH per neighbour): the native backend imports the private key into OpenSSL once. The object
 * keeps a copy of the private key; drop it when the round is over.
 *
 * @throws {SecAggError} `INVALID_TYPE` / `INVALID_LENGTH` for a bad private key,
 *   `BACKEND_UNAVAILABLE` for `'native'` off Node.
 * @example
 * ```ts
 * const agreement = createX25519Agreement(myPrivateKey);
 * const secrets = peers.map((p) => agreement.sharedSecret(p.publicKey));
 * ```
 */
export function createX25519Agreement(privateKey: Uint8Array, backend?: CryptoBackend): X25519Agreement {
  assertBytes(privateKey, 'privateKey', X25519_KEY_BYTES);
  return createAgreement(privateKey, resolve(backend));
}

function createAgreement(original: Uint8Array, c: NodeCrypto | null): X25519Agreement {
  if (c === null) {
    const privateKey = Uint8Array.from(original);
    let publicKey: Uint8Array | undefined;
    return {
      backend: 'portable',
      get publicKey(): Uint8Array {
        publicKey ??= x25519.getPublicKey(privateKey);
        return publicKey;
      },
      sharedSecret(peerPublicKey: Uint8Array): Uint8Array {
        checkPeer(peerPublicKey);
        let out: Uint8Array;
        try {
          out = x25519.getSharedSecret(privateKey, peerPublicKey);
        } catch {
          throw smallOrder();
        }
        if (isAllZero(out)) throw smallOrder();
        return out;
      },
    };
  }
  const keyObject = importX25519PrivateCached(c, original);
  let publicKey: Uint8Array | undefined;
  return {
    backend: 'native',
    get publicKey(): Uint8Array {
      publicKey ??= x25519PublicFromKeyObject(c, keyObject);
      return publicKey;
    },
    sharedSecret(peerPublicKey: Uint8Array): Uint8Array {
      checkPeer(peerPublicKey);
      const out = x25519Native(c, keyObject, peerPublicKey);
      if (out === null) throw smallOrder();
      return out;
    },
  };
}

function checkPeer(peerPublicKey: Uint8Array): void {
  assertBytes(peerPublicKey, 'peerPublicKey', X25519_KEY_BYTES);
  if (isSmallOrderU(peerPublicKey)) throw smallOrder();
}

function smallOrder(): SecAggError {
  return new SecAggError(
    'INVALID_PUBLIC_KEY',
    'peerPublicKey is a small-order X25519 point (the shared secret would be all zero)',
  );
}

/**
 * The Ed25519 public key of a 32-byte secret key (RFC 8032 §5.1.5). Computed with noble on both
 * backends (node:crypto could only give it through a KeyObject export, which we avoid).
 *
 * @throws {SecAggError} `INVALID_TYPE` / `INVALID_LENGTH` for a bad secret key.
 * @example
 * ```ts
 * const signingKey = cryptoRandomBytes(32);
 * const verificationKey = ed25519PublicKey(signingKey);
 * ```
 */
export function ed25519PublicKey(secretKey: Uint8Array): Uint8Array {
  return ed25519.getPublicKey(assertBytes(secretKey, 'secretKey', ED25519_KEY_BYTES));
}

/**
 * An Ed25519 signature (RFC 8032 §5.1.6; deterministic, so both backends agree byte for byte).
 *
 * @param secretKey 32-byte seed.
 * @param message Any bytes.
 * @returns 64 bytes.
 * @throws {SecAggError} `INVALID_TYPE` / `INVALID_LENGTH` for bad arguments,
 *   `BACKEND_UNAVAILABLE` for `'native'` off Node.
 * @example
 * ```ts
 * const signature = ed25519Sign(signingKey, message);
 * ```
 */
export function ed25519Sign(secretKey: Uint8Array, message: Uint8Array, backend?: CryptoBackend): Uint8Array {
  assertBytes(secretKey, 'secretKey', ED25519_KEY_BYTES);
  assertBytes(message, 'message');
  const c = resolve(backend);
  return c === null ? ed25519.sign(message, secretKey) : ed25519SignNative(c, secretKey, message);
}

/**
 * Verifies an Ed25519 signature, strictly (RFC 8032 §5.1.7, cofactorless, as OpenSSL does), with
 * the same answer on both backends. False when:
 * - `signature` is not 64 bytes or `publicKey` not 32 bytes;
 * - S >= L (non-canonical, malleable);
 * - the public key's y is not canonical (y >= p) or the key has small order;
 * - the key is not a curve point, or [S]B - [k]A does not encode to exactly R.
 *
 * @throws {SecAggError} `INVALID_TYPE` when an argument is not a Uint8Array,
 *   `BACKEND_UNAVAILABLE` for `'native'` off Node. Never throws for wrong lengths or bad bytes.
 * @example
 * ```ts
 * if (!ed25519Verify(signature, message, verificationKey)) abort();
 * ```
 */
export function ed25519Verify(
  signature: Uint8Array,
  message: Uint8Array,
  publicKey: Uint8Array,
  backend?: CryptoBackend,
): boolean {
  assertBytes(signature, 'signature');
  assertBytes(message, 'message');
  assertBytes(publicKey, 'publicKey');
  const c = resolve(backend);
  if (signature.length !== ED25519_SIGNATURE_BYTES || publicKey.length !== ED25519_KEY_BYTES) return false;
  // Checks shared by both backends, so that they agree on every input.
  if (leBytesToBigInt(signature.subarray(32)) >= ED25519_L) return false;
  const y = Uint8Array.from(publicKey);
  y[31] = (y[31] as number) & 0x7f;
  if (!isBelowP(y)) return false;
  for (const small of SMALL_ORDER_ED_Y) if (equalBytes(y, small)) return false;
  return c === null ? ed25519VerifyPortable(signature, message, publicKey) : ed25519VerifyNative(c, signature, message, publicKey);
}

/** RFC 8032 §5.1.7 with the cofactorless check [S]B = R + [k]A compared on encodings. */
function ed25519VerifyPortable(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  let a;
  try {
    a = ed25519.Point.fromBytes(publicKey, false);
  } catch {
    return false;
  }
  const r = signature.subarray(0, 32);
  const s = leBytesToBigInt(signature.subarray(32));
  const hash = sha512.create().update(r).update(publicKey).update(message).digest();
  const k = leBytesToBigInt(hash) % ED25519_L;
  const check = ed25519.Point.BASE.multiplyUnsafe(s).subtract(a.multiplyUnsafe(k));
  return equalBytes(check.toBytes(), r);
}

/**
 * SHA-256 (FIPS 180-4).
 *
 * @throws {SecAggError} `INVALID_TYPE` when `data` is not a Uint8Array.
 * @example
 * ```ts
 * const digest = sha256(new TextEncoder().encode('abc'));
 * ```
 */
export function sha256(data: Uint8Array, backend?: CryptoBackend): Uint8Array {
  assertBytes(data, 'data');
  const c = resolve(backend);
  return c === null ? nobleSha256(data) : sha256Native(c, data);
}

/**
 * HKDF-SHA-256 (RFC 5869): extract with `salt`, expand with `info` to `length` bytes.
 *
 * @param ikm Input keying material.
 * @param salt Any bytes (empty = RFC 5869's default, 32 zero bytes).
 * @param info Context label; a string is UTF-8 encoded.
 * @param length 1..8160 bytes.
 * @throws {SecAggError} `INVALID_TYPE` for bad arguments, `OUT_OF_RANGE` for a bad length.
 * @example
 * ```ts
 * const key = hkdfSha256(sharedSecret, sessionId, 'secagg/v1/share-key', 32);
 * ```
 */
export function hkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array | string,
  length: number,
  backend?: CryptoBackend,
): Uint8Array {
  assertBytes(ikm, 'ikm');
  assertBytes(salt, 'salt');
  const infoBytes = typeof info === 'string' ? textEncoder.encode(info) : assertBytes(info, 'info');
  assertInteger(length, 'length', 1, HKDF_SHA256_MAX_LENGTH);
  resolve(backend); // validates the option; both backends share one implementation
  return hkdfSha256Fast(ikm, salt, infoBytes, length);
}

/**
 * ChaCha20-Poly1305 encryption (RFC 8439 §2.8). Returns ciphertext || 16-byte tag.
 * Never reuse a (key, nonce) pair.
 *
 * @param key 32 bytes. @param nonce 12 bytes.
 * @throws {SecAggError} `INVALID_TYPE` / `INVALID_LENGTH` for bad arguments.
 * @example
 * ```ts
 * const sealed = aeadSeal(key, nonce, plaintext, associatedData);
 * ```
 */
export function aeadSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  backend?: CryptoBackend,
): Uint8Array {
  assertBytes(key, 'key', AEAD_KEY_BYTES);
  assertBytes(nonce, 'nonce', AEAD_NONCE_BYTES);
  assertBytes(plaintext, 'plaintext');
  assertBytes(aad, 'aad');
  const c = resolve(backend);
  return c === null ? chacha20poly1305(key, nonce, aad).encrypt(plaintext) : aeadSealNative(c, key, nonce, plaintext, aad);
}

/**
 * ChaCha20-Poly1305 decryption (RFC 8439 §2.8) of ciphertext || tag. Returns null when the
 * input is shorter than a tag or does not authenticate under (key, nonce, aad): hostile bytes
 * never throw.
 *
 * @throws {SecAggError} `INVALID_TYPE` / `INVALID_LENGTH` for a bad key, nonce or type.
 * @example
 * ```ts
 * const plaintext = aeadOpen(key, nonce, sealed, associatedData);
 * if (plaintext === null) abort();
 * ```
 */
export function aeadOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
  backend?: CryptoBackend,
): Uint8Array | null {
  assertBytes(key, 'key', AEAD_KEY_BYTES);
  assertBytes(nonce, 'nonce', AEAD_NONCE_BYTES);
  assertBytes(ciphertext, 'ciphertext');
  assertBytes(aad, 'aad');
  const c = resolve(backend);
  if (ciphertext.length < AEAD_TAG_BYTES) return null;
  if (c !== null) return aeadOpenNative(c, key, nonce, ciphertext, aad);
  try {
    return chacha20poly1305(key, nonce, aad).decrypt(ciphertext);
  } catch {
    return null;
  }
}

// --- small helpers -------------------------------------------------------------------------

function isSmallOrderU(u: Uint8Array): boolean {
  const masked = Uint8Array.from(u);
  masked[31] = (masked[31] as number) & 0x7f;
  for (const small of SMALL_ORDER_U) if (equalBytes(masked, small)) return true;
  return false;
}

/** Little-endian 255-bit value (bit 255 must already be clear) below p = 2^255 - 19. */
function isBelowP(bytes: Uint8Array): boolean {
  // p = 0x7fff...ffed: compare from the most significant byte.
  if ((bytes[31] as number) !== 0x7f) return true;
  for (let i = 30; i >= 1; i--) if ((bytes[i] as number) !== 0xff) return true;
  return (bytes[0] as number) < 0xed;
}

function leBytesToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] as number);
  return n;
}

function hexToBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * X25519 key agreement (RFC 7748) on both backends, refusing small-order and non-canonical
 * peer keys (internal to secagg; see ./index.ts).
 */
import { x25519 } from '@noble/curves/ed25519.js';
import { copyBytes, describeType } from '../_assert.js';
import { equalBytes, isAllZero } from '../_bytes.js';
import { SecAggError } from '../errors.js';
import type { RandomBytes } from '../random.js';
import { hexToBytes, isBelowP } from './_curve25519.js';
import { importX25519Private, type KeyObject, type NodeCrypto, x25519Native, x25519PublicFromKeyObject } from './_native.js';
import { resolveBackend, type CryptoBackend } from './backend.js';

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
   *   for a small-order peer key (all-zero shared secret), `WRONG_ROUND` after {@link wipe}.
   */
  sharedSecret(peerPublicKey: Uint8Array): Uint8Array;
  /**
   * Zeroes this object's copy of the private key (portable) or lets go of its imported key
   * (native: OpenSSL frees its copy when the key object is collected). Later calls throw.
   */
  wipe(): void;
}

/** Bytes of an X25519 key or shared secret. */
export const X25519_KEY_BYTES = 32;

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
  const c = resolveBackend(backend);
  const privateKey = copyBytes(rng(X25519_KEY_BYTES), 'rng output', X25519_KEY_BYTES);
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
  const c = resolveBackend(backend);
  const key = copyBytes(privateKey, 'privateKey', X25519_KEY_BYTES);
  const pub = publicKeyOf(c, key);
  key.fill(0);
  return pub;
}

function publicKeyOf(c: NodeCrypto | null, privateKey: Uint8Array): Uint8Array {
  return c === null ? x25519.getPublicKey(privateKey) : x25519PublicFromKeyObject(c, importX25519Private(c, privateKey));
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
  const c = resolveBackend(backend);
  const key = copyBytes(privateKey, 'privateKey', X25519_KEY_BYTES);
  const agreement = createAgreement(key, c);
  key.fill(0);
  try {
    return agreement.sharedSecret(peerPublicKey);
  } finally {
    agreement.wipe();
  }
}

/**
 * An {@link X25519Agreement} for one private key, reused for many peers (a client computes one
 * DH per neighbour): the native backend imports the private key into OpenSSL once (no cache:
 * the import belongs to this object alone). The object keeps a copy of the private key (the
 * portable one a Uint8Array, the native one OpenSSL's): call `wipe()` when the round is over.
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
  const c = resolveBackend(backend);
  const key = copyBytes(privateKey, 'privateKey', X25519_KEY_BYTES);
  try {
    return createAgreement(key, c);
  } finally {
    key.fill(0);
  }
}

function createAgreement(original: Uint8Array, c: NodeCrypto | null): X25519Agreement {
  if (c === null) {
    const privateKey = new Uint8Array(original);
    let publicKey: Uint8Array | undefined;
    let wiped = false;
    return {
      backend: 'portable',
      get publicKey(): Uint8Array {
        if (wiped) throw wipedError();
        publicKey ??= x25519.getPublicKey(privateKey);
        return publicKey;
      },
      sharedSecret(peerPublicKey: Uint8Array): Uint8Array {
        if (wiped) throw wipedError();
        const peer = checkPeer(peerPublicKey);
        let out: Uint8Array;
        try {
          out = x25519.getSharedSecret(privateKey, peer);
        } catch {
          throw smallOrder();
        }
        if (isAllZero(out)) throw smallOrder();
        return out;
      },
      wipe(): void {
        privateKey.fill(0);
        wiped = true;
      },
    };
  }
  let keyObject: KeyObject | null = importX25519Private(c, original);
  let publicKey: Uint8Array | undefined;
  const live = (): KeyObject => {
    if (keyObject === null) throw wipedError();
    return keyObject;
  };
  return {
    backend: 'native',
    get publicKey(): Uint8Array {
      publicKey ??= x25519PublicFromKeyObject(c, live());
      return publicKey;
    },
    sharedSecret(peerPublicKey: Uint8Array): Uint8Array {
      const key = live();
      const out = x25519Native(c, key, checkPeer(peerPublicKey));
      if (out === null) throw smallOrder();
      return out;
    },
    wipe(): void {
      keyObject = null;
    },
  };
}

function wipedError(): SecAggError {
  return new SecAggError('WRONG_ROUND', 'this X25519 agreement was wiped; create another');
}

/** A copy of the peer key, checked (size, small order): the copy is what the agreement uses. */
function checkPeer(peerPublicKey: Uint8Array): Uint8Array {
  const peer = copyBytes(peerPublicKey, 'peerPublicKey', X25519_KEY_BYTES);
  if (isSmallOrderU(peer)) throw smallOrder();
  return peer;
}

function smallOrder(): SecAggError {
  return new SecAggError(
    'INVALID_PUBLIC_KEY',
    'peerPublicKey is a small-order X25519 point (the shared secret would be all zero)',
  );
}

function isSmallOrderU(u: Uint8Array): boolean {
  const masked = new Uint8Array(u);
  masked[31] = (masked[31] as number) & 0x7f;
  for (const small of SMALL_ORDER_U) if (equalBytes(masked, small)) return true;
  return false;
}

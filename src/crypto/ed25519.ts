/**
 * Ed25519 signatures (RFC 8032) with one strict, cofactorless verification on both backends
 * (internal to secagg; see ./index.ts).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { assertBytes, copyBytes } from '../_assert.js';
import { equalBytes } from '../_bytes.js';
import { hexToBytes, isBelowP, leBytesToBigInt } from './_curve25519.js';
import { SecAggError } from '../errors.js';
import { ed25519SignNative, ed25519SignWithKey, ed25519VerifyNative, importEd25519Private, type KeyObject } from './_native.js';
import { resolveBackend, type CryptoBackend } from './backend.js';

/** Bytes of an Ed25519 secret key (seed) or public key. */
export const ED25519_KEY_BYTES = 32;
/** Bytes of an Ed25519 signature. */
export const ED25519_SIGNATURE_BYTES = 64;

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
  const key = copyBytes(secretKey, 'secretKey', ED25519_KEY_BYTES);
  try {
    const msg = copyBytes(message, 'message');
    const c = resolveBackend(backend);
    return c === null ? ed25519.sign(msg, key) : ed25519SignNative(c, key, msg);
  } finally {
    key.fill(0);
  }
}

/** Signs with one imported long-term key, many times (see {@link createEd25519Signer}). */
export interface Ed25519Signer {
  /** The backend this object uses. */
  readonly backend: CryptoBackend;
  /**
   * An Ed25519 signature of `message` (64 bytes, deterministic: equal to {@link ed25519Sign}'s).
   * @throws {SecAggError} `INVALID_TYPE` for a bad message, `WRONG_ROUND` after {@link wipe}.
   */
  sign(message: Uint8Array): Uint8Array;
  /** Zeroes the portable copy of the key or lets go of the imported one. Later calls throw. */
  wipe(): void;
}

/**
 * A signer for one long-term Ed25519 key, imported into OpenSSL once (native) instead of once
 * per signature: each import leaves an unwipeable JWK string behind, and a client signs twice
 * per session (its keys, then the survivor set). The portable signer keeps a copy of the key.
 *
 * @param secretKey 32-byte seed.
 * @throws {SecAggError} `INVALID_TYPE` / `INVALID_LENGTH` for a bad key, `BACKEND_UNAVAILABLE`
 *   for `'native'` off Node.
 * @example
 * ```ts
 * const signer = createEd25519Signer(signingKey);
 * const signature = signer.sign(message);
 * signer.wipe();
 * ```
 */
export function createEd25519Signer(secretKey: Uint8Array, backend?: CryptoBackend): Ed25519Signer {
  const c = resolveBackend(backend);
  const key = copyBytes(secretKey, 'secretKey', ED25519_KEY_BYTES);
  const wiped = (): SecAggError => new SecAggError('WRONG_ROUND', 'this Ed25519 signer was wiped; create another');
  if (c === null) {
    let live = true;
    return {
      backend: 'portable',
      sign(message: Uint8Array): Uint8Array {
        if (!live) throw wiped();
        return ed25519.sign(assertBytes(message, 'message'), key);
      },
      wipe(): void {
        key.fill(0);
        live = false;
      },
    };
  }
  let imported: KeyObject | null = importEd25519Private(c, key);
  key.fill(0);
  return {
    backend: 'native',
    sign(message: Uint8Array): Uint8Array {
      if (imported === null) throw wiped();
      return ed25519SignWithKey(c, imported, assertBytes(message, 'message'));
    },
    wipe(): void {
      imported = null;
    },
  };
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
  // Copies first: the checks below and the verification read the same bytes.
  const sig = copyBytes(signature, 'signature');
  const msg = copyBytes(message, 'message');
  const key = copyBytes(publicKey, 'publicKey');
  const c = resolveBackend(backend);
  if (sig.length !== ED25519_SIGNATURE_BYTES || key.length !== ED25519_KEY_BYTES) return false;
  // Checks shared by both backends, so that they agree on every input.
  if (leBytesToBigInt(sig.subarray(32)) >= ED25519_L) return false;
  const y = new Uint8Array(key);
  y[31] = (y[31] as number) & 0x7f;
  if (!isBelowP(y)) return false;
  for (const small of SMALL_ORDER_ED_Y) if (equalBytes(y, small)) return false;
  return c === null ? ed25519VerifyPortable(sig, msg, key) : ed25519VerifyNative(c, sig, msg, key);
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

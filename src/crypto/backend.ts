/**
 * Which implementation runs a primitive (internal to secagg): the audited noble libraries
 * everywhere, or node:crypto (OpenSSL) where it is present and passed its self-test.
 */
import { describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { nativeCrypto, type NodeCrypto } from './_native.js';

/** Which implementation runs a primitive. Both give identical output. */
export type CryptoBackend = 'native' | 'portable';

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
export function resolveBackend(backend: unknown): NodeCrypto | null {
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

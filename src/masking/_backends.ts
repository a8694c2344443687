/**
 * Keystream backends. `portable` is @noble/ciphers' ChaCha20 (runs everywhere); `native` is
 * node:crypto's OpenSSL `chacha20`, found without a static import (which would break browser
 * bundles) through `process.getBuiltinModule` (Node >= 20.16) and trusted only after a
 * self-test against noble.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { SecAggError } from '../errors.js';

/** Name of a keystream implementation; both produce identical masks. */
export type MaskBackend = 'native' | 'portable';

/** An OpenSSL ChaCha20 cipher object (the subset of node:crypto's `Cipher` used here). */
export interface NativeCipher {
  update(data: Uint8Array): Uint8Array;
}

/** The subset of node:crypto used here (typed structurally: no dependency on @types/node). */
export interface NativeCrypto {
  createCipheriv(algorithm: 'chacha20', key: Uint8Array, iv: Uint8Array): NativeCipher;
}

let detected: NativeCrypto | null | undefined;

function detect(): NativeCrypto | null {
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
      .process;
    const mod = proc?.getBuiltinModule?.('node:crypto') as Partial<NativeCrypto> | undefined;
    if (mod === undefined || mod === null || typeof mod.createCipheriv !== 'function') return null;
    const candidate = mod as NativeCrypto;
    return selfTest(candidate) ? candidate : null;
  } catch {
    return null; // no chacha20 in this OpenSSL build (FIPS, BoringSSL, ...): stay portable
  }
}

/** One block at counter 1 under key 00..1f must match noble's (checks the IV layout too). */
function selfTest(native: NativeCrypto): boolean {
  const key = new Uint8Array(32).map((_, i) => i);
  const iv = new Uint8Array(16);
  iv[0] = 1; // block counter 1, little-endian, then the 12-byte zero nonce
  const got = native.createCipheriv('chacha20', key, iv).update(new Uint8Array(64));
  const want = chacha20(key, new Uint8Array(12), new Uint8Array(64), undefined, 1);
  if (!(got instanceof Uint8Array) || got.length !== 64) return false;
  for (let i = 0; i < 64; i++) if (got[i] !== want[i]) return false;
  return true;
}

/** node:crypto when usable here, else null. Detected once, on first use. */
export function nativeCrypto(): NativeCrypto | null {
  if (detected === undefined) detected = detect();
  return detected;
}

/** Tests only: pretend node:crypto is `value` (null: absent; undefined: detect again). */
export function _setNativeCryptoForTests(value: NativeCrypto | null | undefined): void {
  detected = value;
}

/** The backends usable here, fastest first. */
export function available(): MaskBackend[] {
  return nativeCrypto() === null ? ['portable'] : ['native', 'portable'];
}

/** Validates a `backend` option and resolves the default. */
export function resolveBackend(value: unknown): MaskBackend {
  if (value === undefined) return nativeCrypto() === null ? 'portable' : 'native';
  if (value === 'portable') return value;
  if (value === 'native') {
    if (nativeCrypto() === null) {
      throw new SecAggError(
        'BACKEND_UNAVAILABLE',
        "backend 'native' needs node:crypto with chacha20 (Node >= 20.16); use 'portable' or omit backend",
      );
    }
    return value;
  }
  throw new SecAggError(
    'INVALID_TYPE',
    `backend must be 'native' or 'portable', got ${typeof value === 'string' ? JSON.stringify(value.slice(0, 32)) : typeof value}`,
  );
}

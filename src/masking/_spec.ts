/**
 * The secagg/v1 mask PRG, byte-level constants and key derivation (docs/masking.md is the
 * normative text). Internal: the public surface is ./index.ts.
 */
// The file, not src/crypto/index.ts: tsup (esbuild) splits chunks by file, and the folder's
// face would bring X25519, Ed25519 and @noble/curves into secagg/masking's chunk.
import { hkdfSha256Fast } from '../crypto/_hkdf.js';
import { assertBytes } from '../_assert.js';
import { SecAggError } from '../errors.js';

/** `secagg/v1/mask` followed by one 0x00 byte; the label's UTF-8 bytes follow it in `info`. */
export const INFO_PREFIX: Uint8Array = /* @__PURE__ */ new TextEncoder().encode('secagg/v1/mask\0');

/** Bytes of one ChaCha20 keystream block. */
export const BLOCK_BYTES = 64;

/**
 * Block counters 0 .. 2^32 - 2 are used (RFC 8439's counter is 32 bits; the last value
 * 2^32 - 1 is excluded because @noble/ciphers refuses to produce it).
 */
export const MAX_BLOCKS: number = 2 ** 32 - 1;

/**
 * Elements usable from one mask stream, whatever the bit width: (2^32 - 1) * 16 =
 * 68,719,476,720, the stream's length in 4-byte elements (narrower elements would allow more;
 * one limit for every width keeps it simple).
 */
export const MAX_ELEMENTS: number = MAX_BLOCKS * 16;

/**
 * Keystream bytes per element: ceil(bits / 8). Element i is the little-endian integer of the
 * keystream bytes [width * i, width * i + width), reduced mod 2^bits (its low `bits` bits).
 */
export function elementWidth(bits: number): 1 | 2 | 3 | 4 {
  return ((bits + 7) >>> 3) as 1 | 2 | 3 | 4;
}

/** Longest label, in UTF-8 bytes. */
export const MAX_LABEL_BYTES = 255;

const encoder = /* @__PURE__ */ new TextEncoder();
const decoder = /* @__PURE__ */ new TextDecoder();

// Labels repeat (one or two per round), so the last encoding is cached.
let lastLabel: string | undefined;
let lastInfo: Uint8Array = new Uint8Array(0);

/**
 * HKDF `info` for `label`: INFO_PREFIX || UTF-8(label). The label must be a well-formed string
 * of 1..255 UTF-8 bytes (a lone surrogate would be encoded as U+FFFD and collide with it).
 */
export function maskInfo(label: unknown): Uint8Array {
  if (typeof label !== 'string') {
    throw new SecAggError('INVALID_TYPE', `label must be a string, got ${typeof label}`);
  }
  if (label === lastLabel) return lastInfo;
  const bytes = encoder.encode(label);
  if (bytes.length === 0 || bytes.length > MAX_LABEL_BYTES) {
    throw new SecAggError(
      'INVALID_LABEL',
      `label must be 1..${MAX_LABEL_BYTES} UTF-8 bytes long, got ${bytes.length}`,
    );
  }
  if (decoder.decode(bytes) !== label) {
    throw new SecAggError('INVALID_LABEL', 'label must be well-formed Unicode (it has a lone surrogate)');
  }
  const info = new Uint8Array(INFO_PREFIX.length + bytes.length);
  info.set(INFO_PREFIX);
  info.set(bytes, INFO_PREFIX.length);
  lastLabel = label;
  lastInfo = info;
  return info;
}

/** HKDF-SHA256(ikm = seed, salt = sessionId, info = maskInfo(label), L = 32), inputs validated. */
export function deriveKey(seed: unknown, sessionId: unknown, label: unknown): Uint8Array {
  const ikm = assertBytes(seed, 'seed', 32);
  const salt = assertBytes(sessionId, 'sessionId', 32);
  return hkdfSha256Fast(ikm, salt, maskInfo(label), 32);
}

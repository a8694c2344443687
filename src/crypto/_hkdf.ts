/**
 * HKDF-SHA-256 (RFC 5869) for short inputs, allocation-free but for its output, and the SHA-256
 * under it for short messages. Internal to secagg.
 *
 * The protocol derives a key per pair of clients and per mask: tens of thousands of
 * derivations per round, each over a few dozen bytes. There, the fixed costs of a call dominate:
 * node:crypto's `hkdfSync` measured 11-18 us a call on our machine, two `createHmac`s ~5 us
 * (over 10 us inside a simulated round's busy heap), @noble/hashes' `hkdf` ~15 us. This one
 * keeps the SHA-256 state in locals and a reused schedule, allocates nothing but its output,
 * caches the HMAC state of the last salt (the session id, the same for every derivation of a
 * round), and needs 6 compressions (~0.5 us each) for a 32-byte key: ~4.5 us. Its output is
 * checked against @noble/hashes and node:crypto in the tests (test/crypto/hkdf.test.ts).
 *
 * SHA-256 is FIPS 180-4 §6.2; HMAC is RFC 2104 with the 64-byte block. The round constants and
 * initial state are computed exactly (integer roots) rather than typed in.
 */

import { equalBytes } from '../_bytes.js';

/** 2^32 * frac(root(p)) for the first `count` primes, exactly: `floor(root(p * 2^(32 k))) mod 2^32`. */
function rootWords(count: number, degree: 2 | 3): Int32Array {
  const out = new Int32Array(count);
  const shift = BigInt(32 * degree);
  let p = 1;
  for (let i = 0; i < count; i++) {
    do p++;
    while (!isPrime(p));
    const target = BigInt(p) << shift;
    // Integer root by Newton's method from above: r <- ((d - 1) r + target / r^(d - 1)) / d.
    const d = BigInt(degree);
    let r = 1n << (shift / d + 4n);
    for (;;) {
      const next = ((d - 1n) * r + target / r ** (d - 1n)) / d;
      if (next >= r) break;
      r = next;
    }
    out[i] = Number(r & 0xffff_ffffn) | 0;
  }
  return out;
}

function isPrime(p: number): boolean {
  for (let q = 2; q * q <= p; q++) if (p % q === 0) return false;
  return true;
}

/** FIPS 180-4 §4.2.2: K_0..K_63 from the cube roots of the first 64 primes. */
const K: Int32Array = /* @__PURE__ */ rootWords(64, 3);
/** FIPS 180-4 §5.3.3: H(0) from the square roots of the first 8 primes. */
const IV: Int32Array = /* @__PURE__ */ rootWords(8, 2);

const W = new Int32Array(64);

/** One SHA-256 compression of the 64-byte block at `block[at..]` into `h` (8 words). */
function compress(h: Int32Array, block: Uint8Array, at: number): void {
  const w = W;
  for (let i = 0; i < 16; i++, at += 4) {
    w[i] =
      ((block[at] as number) << 24) |
      ((block[at + 1] as number) << 16) |
      ((block[at + 2] as number) << 8) |
      (block[at + 3] as number);
  }
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15] as number;
    const y = w[i - 2] as number;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) | 0;
  }
  let a = h[0] as number;
  let b = h[1] as number;
  let c = h[2] as number;
  let d = h[3] as number;
  let e = h[4] as number;
  let f = h[5] as number;
  let g = h[6] as number;
  let k = h[7] as number;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (k + S1 + ((e & f) ^ (~e & g)) + (K[i] as number) + (w[i] as number)) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    k = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  h[0] = ((h[0] as number) + a) | 0;
  h[1] = ((h[1] as number) + b) | 0;
  h[2] = ((h[2] as number) + c) | 0;
  h[3] = ((h[3] as number) + d) | 0;
  h[4] = ((h[4] as number) + e) | 0;
  h[5] = ((h[5] as number) + f) | 0;
  h[6] = ((h[6] as number) + g) | 0;
  h[7] = ((h[7] as number) + k) | 0;
}

/** HMAC-SHA-256 keyed state: the hash states after the (key ^ ipad) and (key ^ opad) blocks. */
interface HmacState {
  readonly inner: Int32Array;
  readonly outer: Int32Array;
}

// Scratch: one padded block for keys, up to 2 + ceil(max message / 64) blocks for messages.
const KEY_BLOCK = new Uint8Array(64);
let message = new Uint8Array(256);
const STATE = new Int32Array(8);
const DIGEST = new Uint8Array(32);
const PRK = new Uint8Array(32);

function newHmacState(): HmacState {
  return { inner: new Int32Array(8), outer: new Int32Array(8) };
}

/** Sets `s` to the HMAC state of `key` (hashed first when longer than a block, RFC 2104). */
function setHmacKey(s: HmacState, key: Uint8Array): void {
  const block = KEY_BLOCK;
  block.fill(0);
  if (key.length > 64) {
    sha256Into(key, DIGEST);
    block.set(DIGEST);
  } else {
    block.set(key);
  }
  for (let i = 0; i < 64; i++) block[i] = (block[i] as number) ^ 0x36;
  s.inner.set(IV);
  compress(s.inner, block, 0);
  for (let i = 0; i < 64; i++) block[i] = (block[i] as number) ^ (0x36 ^ 0x5c);
  s.outer.set(IV);
  compress(s.outer, block, 0);
  block.fill(0);
}

/**
 * Finishes a hash whose state `h` has absorbed `prefix` bytes (a multiple of 64) with the
 * `length` bytes at the start of `message` (scratch with room for the padding), writing the
 * big-endian digest to `out`.
 */
function finish(h: Int32Array, prefix: number, buf: Uint8Array, length: number, out: Uint8Array): void {
  const blocks = (length + 9 + 63) >>> 6;
  const end = blocks * 64;
  buf[length] = 0x80;
  buf.fill(0, length + 1, end - 8);
  const bits = (prefix + length) * 8; // < 2^53 for any input here
  const high = Math.floor(bits / 2 ** 32);
  for (let i = 0; i < 4; i++) {
    buf[end - 8 + i] = (high >>> (24 - 8 * i)) & 0xff;
    buf[end - 4 + i] = (bits >>> (24 - 8 * i)) & 0xff;
  }
  for (let at = 0; at < end; at += 64) compress(h, buf, at);
  for (let i = 0; i < 8; i++) {
    const v = h[i] as number;
    out[4 * i] = v >>> 24;
    out[4 * i + 1] = (v >>> 16) & 0xff;
    out[4 * i + 2] = (v >>> 8) & 0xff;
    out[4 * i + 3] = v & 0xff;
  }
}

/**
 * The message scratch, grown to hold `length` bytes and their padding. A scratch that is
 * replaced is zeroed first: between the extract and the expand of one HKDF call it holds the
 * IKM and the inner HMAC digest, from which the PRK follows, and an abandoned buffer cannot be
 * wiped later (the garbage collector frees it when it likes, unzeroed).
 */
function scratchFor(length: number): Uint8Array {
  if (message.length < length + 72) {
    message.fill(0);
    message = new Uint8Array(2 * (length + 72));
  }
  return message;
}

/** The current message scratch (for the test that a replaced scratch is left zeroed). */
export function messageScratchForTest(): Uint8Array {
  return message;
}

/**
 * SHA-256 of a short message, without node:crypto's or noble's per-call costs (~2-3 us for a
 * 69-byte message here, against ~1 us): the key directory hashes tens of thousands of nodes.
 */
export function sha256Fast(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  sha256Into(data, out);
  return out;
}

/** SHA-256 of `data` into `out` (32 bytes). */
function sha256Into(data: Uint8Array, out: Uint8Array): void {
  STATE.set(IV);
  const full = data.length & ~63;
  for (let at = 0; at < full; at += 64) compress(STATE, data, at);
  const rest = data.length - full;
  const buf = scratchFor(rest);
  buf.set(data.subarray(full));
  finish(STATE, full, buf, rest, out);
}

/** HMAC(s, buf[0..length)) into `out`; `buf` is the message scratch. */
function hmacInto(s: HmacState, buf: Uint8Array, length: number, out: Uint8Array): void {
  STATE.set(s.inner);
  finish(STATE, 64, buf, length, DIGEST);
  STATE.set(s.outer);
  buf.set(DIGEST);
  finish(STATE, 64, buf, 32, out);
}

const saltState = newHmacState();
const prkState = newHmacState();
let cachedSalt: Uint8Array | null = null;
const ZERO_SALT = new Uint8Array(32);

/**
 * HKDF-SHA-256: extract with `salt` (empty: 32 zero bytes), expand with `info` to `length`
 * bytes (1..8160). Arguments are trusted (validated by the callers).
 */
export function hkdfSha256Fast(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const key = salt.length === 0 ? ZERO_SALT : salt;
  if (cachedSalt === null || !equalBytes(cachedSalt, key)) {
    // The copy is what keys the cached state (not a second read of the caller's array).
    const copy = new Uint8Array(key);
    setHmacKey(saltState, copy);
    cachedSalt = copy;
  }
  // Extract: PRK = HMAC(salt, IKM).
  let buf = scratchFor(ikm.length + 64);
  let used = ikm.length + 72;
  buf.set(ikm);
  hmacInto(saltState, buf, ikm.length, PRK);
  setHmacKey(prkState, PRK);
  // Expand: T(i) = HMAC(PRK, T(i - 1) || info || i).
  const out = new Uint8Array(length);
  buf = scratchFor(32 + info.length + 1 + 64);
  used = Math.max(used, 32 + info.length + 1 + 72);
  let previous = 0;
  for (let at = 0, i = 1; at < length; at += 32, i++) {
    if (previous > 0) buf.set(out.subarray(at - 32, at));
    buf.set(info, previous);
    buf[previous + info.length] = i;
    hmacInto(prkState, buf, previous + info.length + 1, DIGEST);
    out.set(length - at >= 32 ? DIGEST : DIGEST.subarray(0, length - at), at);
    previous = 32;
  }
  // The PRK, its HMAC state and the scratch held secrets.
  PRK.fill(0);
  prkState.inner.fill(0);
  prkState.outer.fill(0);
  DIGEST.fill(0);
  STATE.fill(0);
  buf.fill(0, 0, used);
  W.fill(0);
  return out;
}

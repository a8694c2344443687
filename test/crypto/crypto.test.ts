import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 as nobleSha256, sha512 } from '@noble/hashes/sha2.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { chacha20 } from '@noble/ciphers/chacha.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  aeadOpen,
  aeadSeal,
  createDrbg,
  createEd25519Signer,
  createX25519Agreement,
  type CryptoBackend,
  defaultCryptoBackend,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  generateX25519KeyPair,
  hkdfSha256,
  isNativeCryptoAvailable,
  isValidX25519PublicKey,
  sha256,
  sha256Parts,
  x25519PublicKey,
  x25519SharedSecret,
} from '../../src/crypto/index.js';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import { expectSecAggError, notBytes } from '../_hostile.js';
import vectors from '../vectors/protocol-crypto-rfc.json' with { type: 'json' };

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const BACKENDS: readonly CryptoBackend[] = ['portable', 'native'];
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const L = (1n << 252n) + 27742317777372353535851937790883648493n;

function leToBigInt(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i] as number);
  return n;
}
function bigIntToLe(n: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

it('the native backend is available on this Node and is the default', () => {
  expect(isNativeCryptoAvailable()).toBe(true);
  expect(defaultCryptoBackend()).toBe('native');
});

describe('X25519 public keys', () => {
  it('the native export of the public key equals the portable X25519(private, 9) for any 32 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (privateKey) => {
        const portable = toHex(x25519PublicKey(privateKey, 'portable'));
        expect(toHex(x25519PublicKey(privateKey, 'native'))).toBe(portable);
        expect(toHex(createX25519Agreement(privateKey, 'native').publicKey)).toBe(portable);
      }),
      { seed: 14, numRuns: 64 },
    );
  });
});

describe.each(BACKENDS)('known answers (%s backend)', (backend) => {
  it('X25519: RFC 7748 §5.2', () => {
    for (const v of vectors.x25519) {
      expect(toHex(x25519SharedSecret(hex(v.scalar), hex(v.u), backend))).toBe(v.output);
    }
  });

  it('X25519: RFC 7748 §6.1 Diffie-Hellman', () => {
    const v = vectors.x25519DiffieHellman;
    expect(toHex(x25519PublicKey(hex(v.alicePrivate), backend))).toBe(v.alicePublic);
    expect(toHex(x25519PublicKey(hex(v.bobPrivate), backend))).toBe(v.bobPublic);
    expect(toHex(x25519SharedSecret(hex(v.alicePrivate), hex(v.bobPublic), backend))).toBe(v.shared);
    expect(toHex(x25519SharedSecret(hex(v.bobPrivate), hex(v.alicePublic), backend))).toBe(v.shared);
    const agreement = createX25519Agreement(hex(v.alicePrivate), backend);
    expect(agreement.backend).toBe(backend);
    expect(toHex(agreement.publicKey)).toBe(v.alicePublic);
    expect(toHex(agreement.sharedSecret(hex(v.bobPublic)))).toBe(v.shared);
    expect(isValidX25519PublicKey(hex(v.alicePublic))).toBe(true);
    expect(isValidX25519PublicKey(hex(v.bobPublic))).toBe(true);
  });

  it('Ed25519: RFC 8032 §7.1 tests 1-3', () => {
    for (const v of vectors.ed25519) {
      expect(toHex(ed25519PublicKey(hex(v.secretKey)))).toBe(v.publicKey);
      expect(toHex(ed25519Sign(hex(v.secretKey), hex(v.message), backend))).toBe(v.signature);
      expect(ed25519Verify(hex(v.signature), hex(v.message), hex(v.publicKey), backend)).toBe(true);
      const bad = hex(v.signature);
      bad[0] = (bad[0] as number) ^ 1;
      expect(ed25519Verify(bad, hex(v.message), hex(v.publicKey), backend)).toBe(false);
      expect(ed25519Verify(hex(v.signature), ascii('other'), hex(v.publicKey), backend)).toBe(false);
    }
  });

  it('ChaCha20-Poly1305: RFC 8439 §2.8.2', () => {
    const v = vectors.aead;
    const sealed = aeadSeal(hex(v.key), hex(v.nonce), ascii(v.plaintextAscii), hex(v.aad), backend);
    expect(toHex(sealed)).toBe(v.ciphertext + v.tag);
    const opened = aeadOpen(hex(v.key), hex(v.nonce), sealed, hex(v.aad), backend);
    expect(opened).not.toBeNull();
    expect(new TextDecoder().decode(opened ?? new Uint8Array(0))).toBe(v.plaintextAscii);
    for (const at of [0, 50, sealed.length - 1]) {
      const tampered = Uint8Array.from(sealed);
      tampered[at] = (tampered[at] as number) ^ 0x80;
      expect(aeadOpen(hex(v.key), hex(v.nonce), tampered, hex(v.aad), backend)).toBeNull();
    }
    expect(aeadOpen(hex(v.key), hex(v.nonce), sealed, ascii('other aad'), backend)).toBeNull();
    expect(aeadOpen(hex(v.key), hex(v.nonce), sealed.subarray(0, 15), hex(v.aad), backend)).toBeNull();
    expect(aeadOpen(hex(v.key), hex(v.nonce), new Uint8Array(0), hex(v.aad), backend)).toBeNull();
  });

  it('HKDF-SHA-256: RFC 5869 test case 1; SHA-256 of "abc"', () => {
    const v = vectors.hkdf;
    expect(toHex(hkdfSha256(hex(v.ikm), hex(v.salt), hex(v.info), v.length, backend))).toBe(v.okm);
    expect(toHex(sha256(ascii(vectors.sha256.messageAscii), backend))).toBe(vectors.sha256.digest);
  });

  it('X25519 refuses every small-order point (and the key validator rejects it)', () => {
    const rng = deterministicRandomBytes(new Uint8Array(32).fill(7));
    const { privateKey } = generateX25519KeyPair(rng, backend);
    const agreement = createX25519Agreement(privateKey, backend);
    for (const h of vectors.x25519SmallOrder) {
      for (const top of [false, true]) {
        const u = hex(h);
        if (top) u[31] = (u[31] as number) | 0x80;
        expectSecAggError(() => x25519SharedSecret(privateKey, u, backend), 'INVALID_PUBLIC_KEY');
        expectSecAggError(() => agreement.sharedSecret(u), 'INVALID_PUBLIC_KEY');
        expect(isValidX25519PublicKey(u)).toBe(false);
      }
    }
  });

  it('Ed25519 verify rejects small-order public keys, S >= L, non-canonical keys', () => {
    const v = vectors.ed25519[0];
    if (v === undefined) throw new Error('missing vector');
    const sig = hex(v.signature);
    for (const y of vectors.ed25519SmallOrderY) {
      for (const sign of [0, 0x80]) {
        const key = hex(y);
        key[31] = (key[31] as number) | sign;
        expect(ed25519Verify(sig, hex(v.message), key, backend)).toBe(false);
      }
    }
    // S + L verifies under cofactored-permissive implementations that skip the range check.
    const sPlusL = Uint8Array.from(sig);
    sPlusL.set(bigIntToLe(leToBigInt(sig.subarray(32)) + L, 32), 32);
    expect(ed25519Verify(sPlusL, hex(v.message), hex(v.publicKey), backend)).toBe(false);
    // y = p + 1 is a non-canonical encoding of the identity's y; p + 2 etc. are non-canonical too.
    const nonCanonical = hex('eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    expect(ed25519Verify(sig, hex(v.message), nonCanonical, backend)).toBe(false);
    // Wrong lengths are simply false.
    expect(ed25519Verify(sig.subarray(1), hex(v.message), hex(v.publicKey), backend)).toBe(false);
    expect(ed25519Verify(sig, hex(v.message), hex(v.publicKey).subarray(1), backend)).toBe(false);
  });

  it('Ed25519 verify is cofactorless: a signature with a torsion component is rejected', () => {
    // A signer who knows its scalar a builds R' = rB + T (T of order 8) and S = r + k'a with
    // k' = H(R' || A || M): cofactored (ZIP-215) verification accepts, RFC 8032 / OpenSSL do not.
    const secret = new Uint8Array(32).fill(3);
    const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(secret);
    const message = ascii('torsion');
    const torsion = ed25519.Point.fromBytes(hex(vectors.ed25519SmallOrderY[3] as string), true);
    const r = 123456789n;
    const rPrime = ed25519.Point.BASE.multiply(r).add(torsion).toBytes();
    const k = leToBigInt(sha512(Uint8Array.from([...rPrime, ...pointBytes, ...message]))) % L;
    const s = (r + k * scalar) % L;
    const signature = Uint8Array.from([...rPrime, ...bigIntToLe(s, 32)]);
    expect(ed25519.verify(signature, message, pointBytes)).toBe(true); // noble default: ZIP-215
    expect(ed25519Verify(signature, message, pointBytes, backend)).toBe(false);
  });
});

describe('native == portable (fast-check)', () => {
  it('X25519 key generation, public keys and shared secrets', () => {
    fc.assert(
      fc.property(bytes32, bytes32, (seed, peer) => {
        const a = generateX25519KeyPair(deterministicRandomBytes(seed), 'native');
        const b = generateX25519KeyPair(deterministicRandomBytes(seed), 'portable');
        expect(a).toEqual(b);
        expect(isValidX25519PublicKey(a.publicKey)).toBe(true);
        // Arbitrary 32 bytes as the peer key (includes bit 255 set, non-canonical u, twist points).
        let nativeOut: string;
        let portableOut: string;
        try {
          nativeOut = toHex(x25519SharedSecret(a.privateKey, peer, 'native'));
        } catch (e) {
          nativeOut = (e as { code?: string }).code ?? 'other';
        }
        try {
          portableOut = toHex(x25519SharedSecret(a.privateKey, peer, 'portable'));
        } catch (e) {
          portableOut = (e as { code?: string }).code ?? 'other';
        }
        expect(nativeOut).toBe(portableOut);
      }),
      { numRuns: 50 },
    );
  });

  it('DH is symmetric and agreements match one-shot calls', () => {
    fc.assert(
      fc.property(bytes32, bytes32, (s1, s2) => {
        const a = generateX25519KeyPair(deterministicRandomBytes(s1));
        const b = generateX25519KeyPair(deterministicRandomBytes(s2));
        const ab = createX25519Agreement(a.privateKey, 'native').sharedSecret(b.publicKey);
        const ba = createX25519Agreement(b.privateKey, 'portable').sharedSecret(a.publicKey);
        expect(ab).toEqual(ba);
        expect(x25519SharedSecret(a.privateKey, b.publicKey)).toEqual(ab);
      }),
      { numRuns: 30 },
    );
  });

  it('a private key array overwritten in place is imported afresh (no stale cached import)', () => {
    fc.assert(
      fc.property(bytes32, bytes32, bytes32, (s1, s2, peerSeed) => {
        const peer = generateX25519KeyPair(deterministicRandomBytes(peerSeed));
        const key = Uint8Array.from(s1);
        const before = createX25519Agreement(key, 'native');
        expect(before.publicKey).toEqual(x25519PublicKey(s1, 'portable'));
        key.set(s2); // same array, new bytes
        expect(x25519PublicKey(key, 'native')).toEqual(x25519PublicKey(s2, 'portable'));
        expect(createX25519Agreement(key, 'native').sharedSecret(peer.publicKey)).toEqual(
          createX25519Agreement(s2, 'portable').sharedSecret(peer.publicKey),
        );
      }),
      { numRuns: 20 },
    );
  });

  it('Ed25519 sign and verify (valid, tampered and random signatures)', () => {
    fc.assert(
      fc.property(bytes32, fc.uint8Array({ maxLength: 200 }), fc.nat(63), bytes32, (secret, message, flip, junk) => {
        const pub = ed25519PublicKey(secret);
        const sig = ed25519Sign(secret, message, 'native');
        expect(ed25519Sign(secret, message, 'portable')).toEqual(sig);
        expect(ed25519Verify(sig, message, pub, 'native')).toBe(true);
        expect(ed25519Verify(sig, message, pub, 'portable')).toBe(true);
        const tampered = Uint8Array.from(sig);
        tampered[flip] = (tampered[flip] as number) ^ 1;
        expect(ed25519Verify(tampered, message, pub, 'native')).toBe(ed25519Verify(tampered, message, pub, 'portable'));
        // Random 32 bytes as a public key: often not a point at all.
        expect(ed25519Verify(sig, message, junk, 'native')).toBe(ed25519Verify(sig, message, junk, 'portable'));
      }),
      { numRuns: 30 },
    );
  });

  it('SHA-256, HKDF and AEAD', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.oneof(fc.string(), fc.uint8Array({ maxLength: 40 })),
        fc.integer({ min: 1, max: 8160 }),
        bytes32,
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.uint8Array({ maxLength: 50 }),
        (data, salt, info, length, key, nonce, aad) => {
          expect(sha256(data, 'native')).toEqual(sha256(data, 'portable'));
          expect(hkdfSha256(data, salt, info, length, 'native')).toEqual(hkdfSha256(data, salt, info, length, 'portable'));
          const sealed = aeadSeal(key, nonce, data, aad, 'native');
          expect(aeadSeal(key, nonce, data, aad, 'portable')).toEqual(sealed);
          expect(aeadOpen(key, nonce, sealed, aad, 'portable')).toEqual(data);
          expect(aeadOpen(key, nonce, sealed, aad, 'native')).toEqual(data);
          // Random bytes never authenticate, and never throw.
          const junk = Uint8Array.from([...data, ...salt]);
          expect(aeadOpen(key, nonce, junk, aad, 'native')).toBeNull();
          expect(aeadOpen(key, nonce, junk, aad, 'portable')).toBeNull();
        },
      ),
      { numRuns: 50 },
    );
  });

  it('outputs are plain Uint8Arrays, not Buffers', () => {
    const v = vectors.x25519DiffieHellman;
    const out = x25519SharedSecret(hex(v.alicePrivate), hex(v.bobPublic), 'native');
    expect(Object.getPrototypeOf(out)).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(sha256(new Uint8Array(1), 'native'))).toBe(Uint8Array.prototype);
  });
});

describe('private key imports (native backend): no cache, one import per long-term key', () => {
  /** Counts node:crypto private-key imports by curve while `fn` runs. */
  function countImports(fn: () => void): Record<string, number> {
    const mod = process.getBuiltinModule('node:crypto');
    const original = mod.createPrivateKey;
    const counts: Record<string, number> = {};
    mod.createPrivateKey = ((input: { key: { crv?: string } }) => {
      const crv = String(input?.key?.crv);
      counts[crv] = (counts[crv] ?? 0) + 1;
      return original(input as never);
    }) as typeof original;
    try {
      fn();
    } finally {
      mod.createPrivateKey = original;
    }
    return counts;
  }

  it('an Ed25519 signer imports its key once and signs like ed25519Sign; a wiped signer refuses', () => {
    const secret = new Uint8Array(32).fill(7);
    const messages = [ascii('keys'), ascii('survivors'), new Uint8Array(0)];
    for (const backend of BACKENDS) {
      let signer = createEd25519Signer(secret, backend);
      const counts = countImports(() => {
        signer = createEd25519Signer(secret, backend);
        for (const m of messages) expect(signer.sign(m)).toEqual(ed25519Sign(secret, m, 'portable'));
      });
      expect(counts['Ed25519'] ?? 0).toBe(backend === 'native' ? 1 : 0);
      signer.wipe();
      expectSecAggError(() => signer.sign(ascii('again')), 'WRONG_ROUND');
    }
    expectSecAggError(() => createEd25519Signer(new Uint8Array(31)), 'INVALID_LENGTH');
    for (const bad of notBytes) expectSecAggError(() => createEd25519Signer(bad as Uint8Array), 'INVALID_TYPE');
  });

  it('X25519 private keys are not cached: every agreement imports its own key (a rebuilt key leaves no copy behind)', () => {
    const key = new Uint8Array(32).fill(9);
    const counts = countImports(() => {
      createX25519Agreement(key, 'native');
      createX25519Agreement(key, 'native');
      x25519PublicKey(key, 'native');
    });
    expect(counts['X25519']).toBe(3);
  });

  it('a wiped agreement refuses further use (both backends)', () => {
    const peer = generateX25519KeyPair(deterministicRandomBytes(new Uint8Array(32).fill(1)));
    for (const backend of BACKENDS) {
      const a = createX25519Agreement(new Uint8Array(32).fill(5), backend);
      const before = a.sharedSecret(peer.publicKey);
      expect(before).toEqual(x25519SharedSecret(new Uint8Array(32).fill(5), peer.publicKey, 'portable'));
      a.wipe();
      expectSecAggError(() => a.sharedSecret(peer.publicKey), 'WRONG_ROUND');
    }
  });
});

describe('the DRBG of a secret seed (Shamir coefficients)', () => {
  it('is the ChaCha20 keystream under HKDF-SHA-256(seed, salt, info), however the reads are split', () => {
    fc.assert(
      fc.property(bytes32, fc.uint8Array({ maxLength: 40 }), fc.array(fc.nat(150), { maxLength: 6 }), (seedBytes, salt, reads) => {
        const key = hkdf(nobleSha256, seedBytes, salt, ascii('secagg/v2/share-coefficients'), 32);
        const total = reads.reduce((a, b) => a + b, 0);
        const whole = chacha20(key, new Uint8Array(12), new Uint8Array(total));
        const rng = createDrbg(seedBytes, salt, 'secagg/v2/share-coefficients');
        const parts = reads.map((n) => rng(n));
        const joined = new Uint8Array(total);
        let at = 0;
        for (const part of parts) {
          joined.set(part, at);
          at += part.length;
        }
        expect(joined).toEqual(whole);
      }),
      { numRuns: 40 },
    );
  });

  it('another salt (session id) or label gives another stream; bad seeds are refused', () => {
    const s = new Uint8Array(32).fill(1);
    const a = createDrbg(s, new Uint8Array(32), 'x')(64);
    expect(createDrbg(s, new Uint8Array(32).fill(1), 'x')(64)).not.toEqual(a);
    expect(createDrbg(s, new Uint8Array(32), 'y')(64)).not.toEqual(a);
    expect(createDrbg(s, new Uint8Array(32), 'x')(64)).toEqual(a);
    expectSecAggError(() => createDrbg(new Uint8Array(31), new Uint8Array(0), 'x'), 'INVALID_LENGTH');
    for (const bad of notBytes) expectSecAggError(() => createDrbg(bad as Uint8Array, new Uint8Array(0), 'x'), 'INVALID_TYPE');
    expectSecAggError(() => createDrbg(s, new Uint8Array(0), 'x')(-1), 'OUT_OF_RANGE');
  });

  it('sha256Parts hashes the concatenation without making it (both backends)', () => {
    const parts = [ascii('secagg'), new Uint8Array(0), new Uint8Array(100_000).fill(7)];
    const joined = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      joined.set(p, at);
      at += p.length;
    }
    for (const backend of BACKENDS) expect(sha256Parts(parts, backend)).toEqual(sha256(joined, 'portable'));
    expectSecAggError(() => sha256Parts('x' as never), 'INVALID_TYPE');
    expectSecAggError(() => sha256Parts([new Uint16Array(2)] as never), 'INVALID_TYPE');
  });
});

describe('isValidX25519PublicKey', () => {
  it('rejects non-canonical encodings, bit 255, wrong lengths and non-bytes; never throws', () => {
    const top = new Uint8Array(32).fill(0);
    top[0] = 9;
    expect(isValidX25519PublicKey(top)).toBe(true);
    top[31] = 0x80;
    expect(isValidX25519PublicKey(top)).toBe(false);
    // p + 2 (non-canonical 2) and 2^255 - 1.
    expect(isValidX25519PublicKey(hex('efffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'))).toBe(false);
    expect(isValidX25519PublicKey(hex('ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'))).toBe(false);
    // p - 2 is canonical and not small-order.
    expect(isValidX25519PublicKey(hex('ebffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'))).toBe(true);
    expect(isValidX25519PublicKey(new Uint8Array(31))).toBe(false);
    for (const bad of notBytes) expect(isValidX25519PublicKey(bad as Uint8Array)).toBe(false);
  });
});

describe('hostile inputs', () => {
  const k32 = new Uint8Array(32).fill(1);
  const n12 = new Uint8Array(12);
  const e = new Uint8Array(0);
  it('every function rejects non-bytes with INVALID_TYPE', () => {
    for (const bad of notBytes) {
      const b = bad as Uint8Array;
      expectSecAggError(() => x25519PublicKey(b), 'INVALID_TYPE');
      expectSecAggError(() => x25519SharedSecret(b, k32), 'INVALID_TYPE');
      expectSecAggError(() => x25519SharedSecret(k32, b), 'INVALID_TYPE');
      expectSecAggError(() => createX25519Agreement(b), 'INVALID_TYPE');
      expectSecAggError(() => createX25519Agreement(k32, 'portable').sharedSecret(b), 'INVALID_TYPE');
      expectSecAggError(() => ed25519PublicKey(b), 'INVALID_TYPE');
      expectSecAggError(() => ed25519Sign(b, e), 'INVALID_TYPE');
      expectSecAggError(() => ed25519Sign(k32, b), 'INVALID_TYPE');
      expectSecAggError(() => ed25519Verify(b, e, k32), 'INVALID_TYPE');
      expectSecAggError(() => ed25519Verify(new Uint8Array(64), b, k32), 'INVALID_TYPE');
      expectSecAggError(() => ed25519Verify(new Uint8Array(64), e, b), 'INVALID_TYPE');
      expectSecAggError(() => sha256(b), 'INVALID_TYPE');
      expectSecAggError(() => hkdfSha256(b, e, 'x', 32), 'INVALID_TYPE');
      expectSecAggError(() => hkdfSha256(k32, b, 'x', 32), 'INVALID_TYPE');
      if (typeof bad !== 'string') expectSecAggError(() => hkdfSha256(k32, e, b, 32), 'INVALID_TYPE');
      expectSecAggError(() => aeadSeal(b, n12, e, e), 'INVALID_TYPE');
      expectSecAggError(() => aeadSeal(k32, b, e, e), 'INVALID_TYPE');
      expectSecAggError(() => aeadSeal(k32, n12, b, e), 'INVALID_TYPE');
      expectSecAggError(() => aeadSeal(k32, n12, e, b), 'INVALID_TYPE');
      expectSecAggError(() => aeadOpen(b, n12, e, e), 'INVALID_TYPE');
      expectSecAggError(() => aeadOpen(k32, n12, b, e), 'INVALID_TYPE');
    }
  });

  it('wrong key and nonce lengths are INVALID_LENGTH', () => {
    for (const len of [0, 16, 31, 33, 64]) {
      const b = new Uint8Array(len);
      expectSecAggError(() => x25519PublicKey(b), 'INVALID_LENGTH');
      expectSecAggError(() => x25519SharedSecret(b, k32), 'INVALID_LENGTH');
      expectSecAggError(() => x25519SharedSecret(k32, b), 'INVALID_LENGTH');
      expectSecAggError(() => ed25519PublicKey(b), 'INVALID_LENGTH');
      expectSecAggError(() => ed25519Sign(b, e), 'INVALID_LENGTH');
      expectSecAggError(() => aeadSeal(b, n12, e, e), 'INVALID_LENGTH');
      expectSecAggError(() => aeadOpen(k32, b, new Uint8Array(16), e), 'INVALID_LENGTH');
    }
  });

  it('bad rng, bad HKDF length, unknown backend', () => {
    expectSecAggError(() => generateX25519KeyPair(undefined as never), 'INVALID_TYPE');
    expectSecAggError(() => generateX25519KeyPair((() => new Uint8Array(31)) as never), 'INVALID_LENGTH');
    expectSecAggError(() => generateX25519KeyPair((() => [1, 2]) as never), 'INVALID_TYPE');
    for (const len of [0, -1, 1.5, 8161, Number.NaN, Number.POSITIVE_INFINITY]) {
      expectSecAggError(() => hkdfSha256(k32, e, 'x', len), 'OUT_OF_RANGE');
    }
    expectSecAggError(() => hkdfSha256(k32, e, 'x', '32' as never), 'INVALID_TYPE');
    for (const backend of ['openssl', 'NATIVE', 1, null, {}]) {
      expectSecAggError(() => sha256(e, backend as never), 'INVALID_TYPE');
      expectSecAggError(() => x25519SharedSecret(k32, k32, backend as never), 'INVALID_TYPE');
    }
  });

  it('error messages never contain key bytes', () => {
    const secret = new Uint8Array(32).fill(0xab);
    const err = expectSecAggError(() => x25519SharedSecret(secret, new Uint8Array(32)), 'INVALID_PUBLIC_KEY');
    expect(err.message).not.toMatch(/abab|171/);
  });
});

#!/usr/bin/env python3
"""Generates test/vectors/masking-kat.json: known answers for the secagg/v1 mask PRG.

Independent of the TypeScript implementation: HKDF-SHA256 from Python's hmac/hashlib (RFC 5869)
and a from-scratch ChaCha20 block function (RFC 8439 section 2.3), each first checked against
the RFCs' own test vectors and, when the `cryptography` package is installed, cross-checked
against OpenSSL through it. Run: python3 test/vectors/masking-kat.py > test/vectors/masking-kat.json
"""
import hashlib
import hmac
import json
import struct
import sys

# ---------------------------------------------------------------- HKDF-SHA256 (RFC 5869) --
def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out += t
        i += 1
    return out[:length]

# RFC 5869 Appendix A.1 (test case 1).
assert hkdf_sha256(
    bytes.fromhex("0b" * 22), bytes.fromhex("000102030405060708090a0b0c"),
    bytes.fromhex("f0f1f2f3f4f5f6f7f8f9"), 42,
).hex() == ("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
            "34007208d5b887185865")

# ----------------------------------------------------------- ChaCha20 (RFC 8439 2.1-2.4) --
M32 = 0xFFFFFFFF

def _rotl(v, c):
    return ((v << c) & M32) | (v >> (32 - c))

def _qr(s, a, b, c, d):
    s[a] = (s[a] + s[b]) & M32; s[d] = _rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & M32; s[b] = _rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & M32; s[d] = _rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & M32; s[b] = _rotl(s[b] ^ s[c], 7)

def chacha20_block(key: bytes, counter: int, nonce: bytes) -> bytes:
    state = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    state += list(struct.unpack("<8I", key)) + [counter] + list(struct.unpack("<3I", nonce))
    w = state[:]
    for _ in range(10):
        _qr(w, 0, 4, 8, 12); _qr(w, 1, 5, 9, 13); _qr(w, 2, 6, 10, 14); _qr(w, 3, 7, 11, 15)
        _qr(w, 0, 5, 10, 15); _qr(w, 1, 6, 11, 12); _qr(w, 2, 7, 8, 13); _qr(w, 3, 4, 9, 14)
    return struct.pack("<16I", *[(w[i] + state[i]) & M32 for i in range(16)])

def keystream(key: bytes, first_block: int, blocks: int, nonce: bytes = bytes(12)) -> bytes:
    return b"".join(chacha20_block(key, first_block + j, nonce) for j in range(blocks))

# RFC 8439 Appendix A.1 test vector #1 (all-zero key and nonce, counter 0).
assert chacha20_block(bytes(32), 0, bytes(12)).hex() == (
    "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
    "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586")
# RFC 8439 section 2.4.2 (sunscreen): key 00..1f, nonce 000000000000004a00000000, counter 1.
_PLAIN = (b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip "
          b"for the future, sunscreen would be it.")
_KS = keystream(bytes(range(32)), 1, 2, bytes.fromhex("000000000000004a00000000"))
assert bytes(p ^ k for p, k in zip(_PLAIN, _KS)).hex() == (
    "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
    "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
    "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
    "5af90bbf74a35be6b40b8eedf2785e42874d")

try:  # Cross-check against OpenSSL when available (16-byte IV = LE counter || nonce).
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    from cryptography.hazmat.primitives import hashes
    CROSS_CHECK = True
except ImportError:  # pragma: no cover
    CROSS_CHECK = False

# ------------------------------------------------------------------- secagg/v1 mask PRG --
INFO_PREFIX = b"secagg/v1/mask\x00"
MAX_BLOCKS = 2**32 - 1          # block counters 0 .. 2^32 - 2
MAX_ELEMENTS = MAX_BLOCKS * 16

def mask_key(seed: bytes, session_id: bytes, label: str) -> bytes:
    lab = label.encode("utf-8")
    assert len(seed) == 32 and len(session_id) == 32 and 1 <= len(lab) <= 255
    return hkdf_sha256(seed, session_id, INFO_PREFIX + lab, 32)

def width(bits: int) -> int:
    """Keystream bytes per element: ceil(bits / 8)."""
    return (bits + 7) // 8

def mask(key: bytes, offset: int, length: int, bits: int) -> list:
    assert 0 <= offset and 0 <= length and offset + length <= MAX_ELEMENTS and 1 <= bits <= 32
    if length == 0:
        return []
    w = width(bits)
    start, end = w * offset, w * (offset + length)      # byte range in the keystream
    first, last = start // 64, (end - 1) // 64
    ks = keystream(key, first, last - first + 1)[start - 64 * first:end - 64 * first]
    m = (1 << bits) - 1
    return [int.from_bytes(ks[w * i:w * i + w], "little") & m for i in range(length)]

def openssl_mask(key: bytes, offset: int, length: int, bits: int) -> list:
    w = width(bits)
    start = w * offset
    first = start // 64
    skip = start - 64 * first
    enc = Cipher(algorithms.ChaCha20(key, struct.pack("<I", first) + bytes(12)), None).encryptor()
    ks = enc.update(bytes(skip + w * length))[skip:]
    return [int.from_bytes(ks[w * i:w * i + w], "little") & ((1 << bits) - 1) for i in range(length)]

def h(n: int, byte: int) -> bytes:
    """A readable, non-trivial 32-byte pattern."""
    return bytes((byte + 7 * i) & 0xFF for i in range(n))

CASES = [
    # (name, seed, session id, label, bits, offset, length)
    ("zero seed and session, whole first block, 32 bits", bytes(32), bytes(32), "x", 32, 0, 16),
    ("pattern, 40 elements from 0, 32 bits", h(32, 1), h(32, 0x80), "client-7/weights", 32, 0, 40),
    ("same key, 16 bits", h(32, 1), h(32, 0x80), "client-7/weights", 16, 0, 40),
    ("same key, 1 bit", h(32, 1), h(32, 0x80), "client-7/weights", 1, 0, 40),
    ("same key, 31 bits, unaligned offset 5", h(32, 1), h(32, 0x80), "client-7/weights", 31, 5, 30),
    ("same key, 20 bits, offset in a later block crossing two blocks", h(32, 1), h(32, 0x80),
     "client-7/weights", 20, 1000003, 37),
    ("non-ASCII label", h(32, 9), h(32, 0x33), "p\u00e9r-\u5ba2\u6237/\U0001F510", 24, 17, 20),
    ("255-byte label", h(32, 200), h(32, 201), "L" * 255, 32, 0, 8),
    ("label 'b' (self mask)", h(32, 3), h(32, 4), "b", 12, 0, 24),
    ("label 's' (pairwise mask), same seed and session as previous", h(32, 3), h(32, 4), "s", 12, 0, 24),
    ("last elements of the stream", h(32, 5), h(32, 6), "end", 32, MAX_ELEMENTS - 20, 20),
    ("first elements of the last block", h(32, 5), h(32, 6), "end", 32, MAX_ELEMENTS - 16, 3),
    ("8 bits (1 byte each), last elements allowed", h(32, 5), h(32, 6), "end", 8, MAX_ELEMENTS - 5, 5),
    ("24 bits (3 bytes each), elements straddling blocks", h(32, 7), h(32, 8), "w3", 24, 19, 30),
    ("9 bits (2 bytes each), unaligned offset", h(32, 7), h(32, 8), "w2", 9, 33, 40),
    ("empty slice", h(32, 5), h(32, 6), "end", 32, 123, 0),
]

out_cases = []
for name, seed, sid, label, bits, offset, length in CASES:
    key = mask_key(seed, sid, label)
    elems = mask(key, offset, length, bits)
    if CROSS_CHECK:
        ref = HKDF(algorithm=hashes.SHA256(), length=32, salt=sid,
                   info=INFO_PREFIX + label.encode("utf-8")).derive(seed)
        assert ref == key, name
        if length:
            assert openssl_mask(key, offset, length, bits) == elems, name
    out_cases.append({
        "name": name, "seed": seed.hex(), "sessionId": sid.hex(), "label": label,
        "labelUtf8": label.encode("utf-8").hex(), "key": key.hex(), "bits": bits,
        "offset": offset, "length": length, "elements": elems,
    })

# Long slices crossing several 64 KiB chunk boundaries: SHA-256 over the elements encoded as
# little-endian uint32 (4 * length bytes).
DIGEST_CASES = [
    ("70,000 elements from offset 12,345, 32 bits", h(32, 11), h(32, 12), "long", 32, 12345, 70000),
    ("50,000 elements from offset 0, 13 bits", h(32, 11), h(32, 12), "long", 13, 0, 50000),
    ("90,001 elements from offset 7, 24 bits", h(32, 11), h(32, 12), "long", 24, 7, 90001),
    ("140,000 elements from offset 3, 8 bits", h(32, 11), h(32, 12), "long", 8, 3, 140000),
]
out_digests = []
for name, seed, sid, label, bits, offset, length in DIGEST_CASES:
    key = mask_key(seed, sid, label)
    elems = mask(key, offset, length, bits)
    if CROSS_CHECK:
        assert openssl_mask(key, offset, length, bits) == elems, name
    out_digests.append({
        "name": name, "seed": seed.hex(), "sessionId": sid.hex(), "label": label, "key": key.hex(),
        "bits": bits, "offset": offset, "length": length,
        "sha256": hashlib.sha256(struct.pack("<%dI" % length, *elems)).hexdigest(),
    })

json.dump({
    "provenance": (
        "Generated by test/vectors/masking-kat.py (Python %d.%d): HKDF-SHA256 via hmac/hashlib "
        "and a from-scratch ChaCha20 block function, both first checked against RFC 5869 A.1, "
        "RFC 8439 A.1 #1 and RFC 8439 2.4.2; %s. Independent of the TypeScript code."
        % (sys.version_info[0], sys.version_info[1],
           "every key and element cross-checked against OpenSSL via the Python `cryptography` "
           "package" if CROSS_CHECK else "no OpenSSL cross-check (cryptography not installed)")),
    "spec": {
        "key": "HKDF-SHA256(ikm=seed, salt=sessionId, info=UTF8('secagg/v1/mask') || 0x00 || UTF8(label), L=32)",
        "element": "w = ceil(bits / 8); the little-endian integer of ChaCha20(key, nonce=0^12, counter from 0) keystream bytes [w*i, w*i + w), AND (2^bits - 1)",
        "maxElements": MAX_ELEMENTS,
    },
    "cases": out_cases,
    "digests": out_digests,
}, sys.stdout, indent=1, ensure_ascii=False)
sys.stdout.write("\n")

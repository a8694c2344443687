# Graph-seed derivations of docs/protocol-graph.md ("Graph randomness"), computed with Python's hmac
# (RFC 5869 HKDF written out here, independent of the TypeScript and of noble):
#   beacon: HKDF-SHA-256(ikm = beacon value, salt = policy digest, info = "secagg/v2/graph-seed", 32)
#   nonce:  HKDF-SHA-256(ikm = nonce, salt = empty (32 zero bytes), info = "secagg/v2/graph-seed", 32)
# Usage: python3 test/vectors/protocol-graph-seed.py > test/vectors/protocol-graph-seed.json
import hashlib, hmac, json, sys

def hkdf(ikm, salt, info, length):
    prk = hmac.new(salt if salt else bytes(32), ikm, hashlib.sha256).digest()
    out, block, i = b'', b'', 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([i]), hashlib.sha256).digest()
        out += block; i += 1
    return out[:length]

# RFC 5869 A.1 (the HKDF itself; the empty salt is RFC 5869's default, HashLen zero bytes).
assert hkdf(bytes([0x0b] * 22), bytes(range(13)), bytes(range(0xf0, 0xfa)), 42).hex() == \
    '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865'

INFO = b'secagg/v2/graph-seed'
digest = hashlib.sha256(b'secagg test policy').digest()
cases = []
# drand quicknet's round-1 style value: 32 bytes; a 48-byte signature-sized value; the minimum and maximum lengths.
for value in [bytes(range(32)), bytes([0xa5] * 48), bytes([1] * 16), bytes(i % 251 for i in range(1024))]:
    cases.append({'beaconValue': value.hex(), 'policyDigest': digest.hex(), 'seed': hkdf(value, digest, INFO, 32).hex()})
nonces = []
for nonce in [bytes(32), bytes(range(32)), bytes([0xff] * 32)]:
    nonces.append({'nonce': nonce.hex(), 'seed': hkdf(nonce, b'', INFO, 32).hex()})
json.dump({'provenance': 'test/vectors/protocol-graph-seed.py (Python hmac/hashlib HKDF, checked against RFC 5869 A.1); policyDigest = SHA-256("secagg test policy")',
           'beacon': cases, 'nonce': nonces}, sys.stdout, indent=1)

#!/usr/bin/env python3
"""Generates test/vectors/shamir-robust.json, independently of the TypeScript code.

Known answers for robust reconstruction (src/shamir/robust.ts, which uses Gao's algorithm) from
a different decoder: Berlekamp-Welch (L. R. Welch and E. R. Berlekamp, US patent 4,633,470,
1986; as in Gemmell and Sudan, "Highly resilient correctors for polynomials", IPL 43, 1992), by
Gaussian elimination over GF(2^16).

- Field: GF(2^16) = GF(2)[z] / (z^16 + z^12 + z^3 + z + 1) (0x1100B); schoolbook carry-less
  multiplication, inverses by exponentiation, no log/exp tables.
- Sharing: the secret (padded with one zero byte when its length is odd) is read as big-endian
  16-bit elements; element e is the constant term of its own polynomial of degree below t with
  coefficients from a fixed stream (Python's random.Random(seed); any coefficients will do, the
  vectors record the shares); payloads are the big-endian values, plus 0x00 for odd lengths.
- Decoding (the specification the TypeScript decoder must meet): with N shares, e = (N - t) // 2.
  Each element is decoded on its own by Berlekamp-Welch with an error locator of degree e;
  the liars are the union over elements of the holders whose value disagrees with the decoded
  polynomial. The answer is refused when an element does not decode or the union has more than
  e holders; this is exactly "the unique sharing that agrees with at least N - e holders in
  every element, if there is one" (two such sharings agree on N - 2e >= t holders, so are equal).

Run: python3 test/vectors/shamir-robust-gen.py > test/vectors/shamir-robust.json
"""
import json
import random
import sys

POLY = 0x1100B


def gf_mul(a: int, b: int) -> int:
    r = 0
    while b:
        if b & 1:
            r ^= a
        b >>= 1
        a <<= 1
        if a & 0x10000:
            a ^= POLY
    return r


def gf_inv(a: int) -> int:
    assert a != 0
    r, e = 1, 65534
    while e:
        if e & 1:
            r = gf_mul(r, a)
        a = gf_mul(a, a)
        e >>= 1
    return r


def poly_eval(coeffs: list[int], x: int) -> int:
    acc = 0
    for c in reversed(coeffs):
        acc = gf_mul(acc, x) ^ c
    return acc


def interpolate(points: list[tuple[int, int]]) -> list[int]:
    """Coefficients (low to high) of the polynomial of degree < len(points) through the points."""
    k = len(points)
    out = [0] * k
    for i, (xi, yi) in enumerate(points):
        basis = [1]  # prod_{j != i} (z + x_j) / (x_i + x_j)
        denom = 1
        for j, (xj, _) in enumerate(points):
            if j == i:
                continue
            basis = [(basis[d - 1] if d > 0 else 0) ^ (gf_mul(xj, basis[d]) if d < len(basis) else 0)
                     for d in range(len(basis) + 1)]
            denom = gf_mul(denom, xi ^ xj)
        scale = gf_mul(yi, gf_inv(denom))
        for d in range(k):
            out[d] ^= gf_mul(scale, basis[d])
    return out


def solve(matrix: list[list[int]], rhs: list[int]) -> list[int] | None:
    """One solution of matrix . u = rhs over GF(2^16) (free variables 0), or None."""
    rows, cols = len(matrix), len(matrix[0])
    a = [row[:] + [b] for row, b in zip(matrix, rhs)]
    pivots = []
    r = 0
    for c in range(cols):
        p = next((i for i in range(r, rows) if a[i][c] != 0), None)
        if p is None:
            continue
        a[r], a[p] = a[p], a[r]
        inv = gf_inv(a[r][c])
        a[r] = [gf_mul(v, inv) for v in a[r]]
        for i in range(rows):
            if i != r and a[i][c] != 0:
                f = a[i][c]
                a[i] = [v ^ gf_mul(f, w) for v, w in zip(a[i], a[r])]
        pivots.append(c)
        r += 1
    if any(all(v == 0 for v in a[i][:cols]) and a[i][cols] != 0 for i in range(rows)):
        return None
    u = [0] * cols
    for i, c in enumerate(pivots):
        u[c] = a[i][cols]
    return u


def poly_divmod(num: list[int], den: list[int]) -> tuple[list[int], list[int]]:
    num = num[:]
    while den and den[-1] == 0:
        den = den[:-1]
    q = [0] * max(1, len(num) - len(den) + 1)
    inv = gf_inv(den[-1])
    for k in range(len(num) - 1, len(den) - 2, -1):
        if num[k] == 0:
            continue
        c = gf_mul(num[k], inv)
        q[k - len(den) + 1] = c
        for i, d in enumerate(den):
            num[k - len(den) + 1 + i] ^= gf_mul(c, d)
    return q, num[:len(den) - 1]


def berlekamp_welch(points: list[tuple[int, int]], t: int, e: int) -> list[int] | None:
    """f of degree < t agreeing with all but at most e points, or None.

    Unknowns: E monic of degree e (e coefficients), Q of degree < e + t. Equations:
    Q(x_i) = y_i E(x_i), i.e. sum_k Q_k x_i^k + y_i sum_{k<e} E_k x_i^k = y_i x_i^e.
    """
    matrix, rhs = [], []
    for x, y in points:
        row = []
        p = 1
        powers = []
        for _ in range(e + t):
            powers.append(p)
            p = gf_mul(p, x)
        row += powers  # Q coefficients
        row += [gf_mul(y, powers[k]) if k < len(powers) else 0 for k in range(e)]  # E coefficients
        xe = 1
        for _ in range(e):
            xe = gf_mul(xe, x)
        matrix.append(row)
        rhs.append(gf_mul(y, xe))
    u = solve(matrix, rhs)
    if u is None:
        return None
    q = u[:e + t]
    locator = u[e + t:] + [1]
    f, rem = poly_divmod(q, locator)
    if any(rem) or any(f[t:]):
        return None
    f = (f + [0] * t)[:t]
    wrong = sum(1 for x, y in points if poly_eval(f, x) != y)
    return f if wrong <= e else None


def split(secret: bytes, t: int, xs: list[int], rnd: random.Random) -> tuple[list[list[int]], list[bytes]]:
    L = len(secret)
    padded = secret + (b"\x00" if L % 2 else b"")
    m = len(padded) // 2
    polys = [[int.from_bytes(padded[2 * e:2 * e + 2], "big")] + [rnd.randrange(65536) for _ in range(t - 1)]
             for e in range(m)]
    return polys, [payload([poly_eval(p, x) for p in polys], L) for x in xs]


def payload(values: list[int], L: int) -> bytes:
    return b"".join(v.to_bytes(2, "big") for v in values) + (b"\x00" if L % 2 else b"")


def elements(y: bytes, m: int) -> list[int]:
    return [int.from_bytes(y[2 * e:2 * e + 2], "big") for e in range(m)]


def decode(t: int, L: int, shares: list[tuple[int, bytes]]) -> dict:
    """The reference answer: {"secret", "liars"} or {"refused": True}."""
    n = len(shares)
    e = (n - t) // 2
    m = (L + 1) // 2
    liars: set[int] = set()
    secret_elements = []
    for k in range(m):
        points = [(x, elements(y, m)[k]) for x, y in shares]
        f = berlekamp_welch(points, t, e)
        if f is None:
            return {"refused": True}
        liars |= {x for x, y in points if poly_eval(f, x) != y}
        secret_elements.append(f[0])
    if len(liars) > e:
        return {"refused": True}
    raw = b"".join(v.to_bytes(2, "big") for v in secret_elements)
    assert L % 2 == 0 or raw[-1] == 0
    return {"secret": raw[:L].hex(), "liars": sorted(liars)}


def case(name, seed, t, xs, L, corrupt):
    """corrupt(rnd, polys, xs, shares) -> list of (x, payload) after corruption."""
    rnd = random.Random(seed)
    secret = bytes(rnd.randrange(256) for _ in range(L))
    polys, shares = split(secret, t, xs, rnd)
    received = corrupt(rnd, polys, xs, dict(zip(xs, shares)), L)
    expected = decode(t, L, received)
    return {
        "name": name,
        "threshold": t,
        "secretLength": L,
        "secret": secret.hex(),
        "shares": [{"x": x, "y": y.hex()} for x, y in received],
        "expected": expected,
    }


def replace(shares: dict, changes: dict) -> list[tuple[int, bytes]]:
    return [(x, changes.get(x, y)) for x, y in shares.items()]


def flip_element(y: bytes, e: int, mask: int) -> bytes:
    b = bytearray(y)
    v = int.from_bytes(b[2 * e:2 * e + 2], "big") ^ mask
    b[2 * e:2 * e + 2] = v.to_bytes(2, "big")
    return bytes(b)


def every_element(liars):
    def go(rnd, polys, xs, shares, L):
        m = (L + 1) // 2
        return replace(shares, {x: payload([rnd.randrange(65536) for _ in range(m)], L) for x in liars})
    return go


def one_element_each(spec):
    def go(rnd, polys, xs, shares, L):
        return replace(shares, {x: flip_element(shares[x], e, mask) for x, e, mask in spec})
    return go


def coalition(liars):
    """The liars present shares of one other sharing (another secret, consistent among them)."""
    def go(rnd, polys, xs, shares, L):
        m = (L + 1) // 2
        other = [[rnd.randrange(65536) for _ in range(len(polys[0]))] for _ in range(m)]
        return replace(shares, {x: payload([poly_eval(p, x) for p in other], L) for x in liars})
    return go


def framing_coalition(liars, honest_agree, wrong_secret):
    """The liars present f'' with f''(0) = wrong_secret (per element) that also agrees with the
    true polynomials at the honest holders `honest_agree` (t - 1 of them): a coalition that
    knew those holders' shares."""
    def go(rnd, polys, xs, shares, L):
        m = (L + 1) // 2
        changes = {}
        for x in liars:
            values = []
            for k in range(m):
                pts = [(0, wrong_secret[k])] + [(h, poly_eval(polys[k], h)) for h in honest_agree]
                values.append(poly_eval(interpolate(pts), x))
            changes[x] = payload(values, L)
        return replace(shares, changes)
    return go


def main() -> None:
    cases = [
        case("t=2, N=5: holder 3 wrong in every element", 1, 2, [1, 2, 3, 4, 5], 32, every_element([3])),
        case("t=3, N=7: holders 1 and 6 wrong in one element each (different elements)", 2, 3,
             list(range(1, 8)), 32, one_element_each([(1, 0, 0x0001), (6, 15, 0x8000)])),
        case("t=3, N=7: the same holder wrong in one element only (element 9)", 3, 3, list(range(1, 8)), 32,
             one_element_each([(4, 9, 0x1234)])),
        case("t=3, N=7: three liars (one more than e = 2): refused", 4, 3, list(range(1, 8)), 32,
             every_element([2, 5, 7])),
        case("t=4, N=10: three liars present one consistent wrong sharing", 5, 4, list(range(1, 11)), 32,
             coalition([2, 3, 9])),
        case("t=4, N=10: four liars (e + 1) present one consistent wrong sharing: refused", 6, 4,
             list(range(1, 11)), 32, coalition([1, 4, 6, 10])),
        case("t=3, N=7 (N - t even): three colluders whose sharing also passes through two honest "
             "holders' shares decode to their secret, naming the two other honest holders", 7, 3,
             list(range(1, 8)), 4, framing_coalition([5, 6, 7], [1, 2], [0xDEAD, 0xBEEF])),
        case("t=3, N=8 (N - t odd): the same kind of coalition of three is refused", 8, 3,
             list(range(1, 9)), 4, framing_coalition([6, 7, 8], [1, 2], [0xDEAD, 0xBEEF])),
        case("t=2, N=6, 5-byte secret, scattered ids: two liars", 9, 2, [7, 100, 1000, 40000, 65535, 3], 5,
             every_element([1000, 3])),
        case("t=5, N=12: three liars among the first t holders", 10, 5, [9, 4, 17, 2, 30, 31, 32, 33, 34, 35, 36, 37],
             32, every_element([9, 4, 17])),
        case("t=4, N=10: no liar", 11, 4, list(range(1, 11)), 32, lambda rnd, p, xs, s, L: list(s.items())),
        case("t=3, N=4 (e = 0): one liar is detected and refused", 12, 3, [1, 2, 3, 4], 32, every_element([2])),
    ]
    print(json.dumps({
        "provenance": (
            "Generated by test/vectors/shamir-robust-gen.py (Python " + sys.version.split()[0] + "), "
            "independently of src/: GF(2^16) mod 0x1100B without tables, each element decoded by "
            "Berlekamp-Welch (Gaussian elimination), liars = union over elements, refused when an "
            "element does not decode or more than floor((N - t) / 2) holders are liars."
        ),
        "cases": cases,
    }, indent=2))


if __name__ == "__main__":
    main()

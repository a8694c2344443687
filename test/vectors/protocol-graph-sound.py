# Independent Python reading of the sound graph rules of docs/protocol-graph.md ("Rules"), in EXACT
# arithmetic (integers and fractions.Fraction; no log-gamma, no floating-point tails), so that the
# TypeScript search (doubles, Google's summation order) is checked against the definitions:
#   c = given count (or ceil((gamma - 1e-14) n)), d = ceil((delta - 1e-14) n), survivors n - d;
#   t1 = min x with P[X > x] < 2^-(sigma+1) / n, X ~ Hypergeometric(n - 1 others, c corrupt, k drawn);
#   t2 = min r with P[S <= r] >= 2^-eta / n, S ~ Hypergeometric(n, n - d survivors, k drawn);
#   connectivity: k > c + d, or n (n - k - 1) / 2 * prod_{i<k} (B - i) / (n - i) < 2^-(sigma+1), B = c + d;
#   t = max(t1 + 1, 2) (semi-honest) or max(floor((k + 2 + t1) / 2) + 1, 2) (semi-malicious); k works iff t <= t2;
#   search only if 10 (c + d) <= 9 n (semi-honest) or 10 (c + 2 d) <= 9 n (semi-malicious);
#   Harary if found and 2 (k + 1) <= n; else complete with t = n - d if t >= max(2, c + 1) (semi-honest)
#   or max(2, floor((n + c) / 2) + 1) (semi-malicious); else the Harary graph found; else none.
# Usage: python3 test/vectors/protocol-graph-sound.py > test/vectors/protocol-graph-sound.json
import json, math, random, sys
from fractions import Fraction
from math import comb

SMALL = 1e-14

def count(fraction, total):
    return min(total, max(0, math.ceil((fraction - SMALL) * total)))

def t1_bound(n, c, k, sec):
    N = n - 1
    K = min(c, N)
    q_total = Fraction(comb(N, k), 2 ** (sec + 1) * n)  # q * C(N, k)
    x, above = k, 0  # above = sum_{i > x} C(K, i) C(N - K, k - i)
    while x > 0:
        nxt = above + comb(K, x) * comb(N - K, k - x)
        if nxt >= q_total:
            break
        above, x = nxt, x - 1
    return x

def t2_bound(n, survivors, k, eta):
    q_total = Fraction(comb(n, k), 2 ** eta * n)
    r, below = 0, 0
    while True:
        below += comb(survivors, r) * comb(n - survivors, k - r)
        if below >= q_total:
            return r
        r += 1

def connected(n, c, d, k, sec):
    bad = min(n, c + d)
    if k > bad:
        return True
    p = Fraction(n * (n - k - 1), 2)
    for i in range(k):
        p *= Fraction(bad - i, n - i)
    return p < Fraction(1, 2 ** (sec + 1))

def security_threshold(t1, k, mal):
    return max(2, (k + 2 + t1) // 2 + 1 if mal else t1 + 1)

def search(n, c, d, mal, sec, eta):
    k = 2
    while k < n - 1:
        if connected(n, c, d, k, sec):
            t1 = t1_bound(n, c, k, sec)
            t2 = t2_bound(n, n - d, k, eta)
            t = security_threshold(t1, k, mal)
            if t <= t2:
                return k, t
        k += 2
    return None

def choose(n, c, d, mal, policy='secaggplus', sec=40, eta=20):
    harary = None
    if policy == 'secaggplus' and n >= 4 and 10 * (c + (2 * d if mal else d)) <= 9 * n:
        harary = search(n, c, d, mal, sec, eta)
    if harary is not None and 2 * (harary[0] + 1) <= n:
        return ['harary', harary[0], harary[1]]
    t = n - d
    needed = max(2, (n + c) // 2 + 1 if mal else c + 1)
    if t >= needed:
        return ['complete', n - 1, t]
    if harary is not None:
        return ['harary', harary[0], harary[1]]
    return ['none']

ADV = {False: 'semiHonest', True: 'semiMalicious'}
out = {
    'provenance': 'test/vectors/protocol-graph-sound.py (exact arithmetic: integers and fractions, random.Random(14)); '
    'table: n = 3..100 at 5% corrupt, 5% dropout (findGraphParameters); finder: [n, gamma, delta, adversary, kind, k, t] '
    'with c = ceil((gamma - 1e-14) n); derive: [n, c, delta, adversary, policy, kind, k, t] with c = min(n, ceil(gamma * registry)) '
    'for a registry of n..2n (deriveGraph). kind none = NO_FEASIBLE_GRAPH.',
    'table': [], 'finder': [], 'derive': []}
for n in range(3, 101):
    for mal in (False, True):
        out['table'].append([n, ADV[mal]] + choose(n, count(0.05, n), count(0.05, n), mal))
rng = random.Random(14)
for _ in range(300):
    n = rng.choice([rng.randint(2, 100), rng.randint(100, 2000)])
    g = round(rng.uniform(0, 0.45), 3); d = round(rng.uniform(0, 0.45), 3); mal = rng.random() < 0.5
    out['finder'].append([n, g, d, ADV[mal]] + choose(n, count(g, n), count(d, n), mal))
for _ in range(150):
    n = rng.choice([rng.randint(2, 100), rng.randint(100, 2000)])
    registry = n + rng.randint(0, n)
    g = round(rng.uniform(0, 0.3), 3); d = round(rng.uniform(0, 0.3), 3); mal = rng.random() < 0.5
    policy = rng.choice(['complete', 'secaggplus'])
    c = min(n, count(g, registry))
    out['derive'].append([n, c, d, ADV[mal], policy] + choose(n, c, count(d, n), mal, policy))
json.dump(out, sys.stdout, separators=(',', ':'))

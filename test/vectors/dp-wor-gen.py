"""Reference values for fixed-size sampling without replacement (test/dp/wor.test.ts).

Run: python3 test/vectors/dp-wor-gen.py > test/vectors/dp-wor.json
(mpmath only; about a minute.) Optional cross-check: with google/differential-privacy's
python/dp_accounting on PYTHONPATH (and absl importable), the values of its RDP accountant are
added as `dpAccounting` fields; without it they are omitted.

Conventions: `sigma` is the noise multiplier relative to the SUBSTITUTION sensitivity (as
dp_accounting's SampledWithoutReplacementDpEvent expects); secagg events state the add/remove
sensitivity, so the tests compose gaussianEvent(2 * sigma) under neighboringRelation 'replaceOne'.
gamma = sampleSize / populationSize.

1. RDP (Wang, Balle, Kasiviswanathan, AISTATS 2019), computed here from the formulas, never from
   secagg's or dp_accounting's code paths: at integer alpha >= 2,
     A = 1 + sum_{j=2}^{alpha} C(alpha, j) gamma^j B_j,   RDP = log A / (alpha - 1),
   B_j = min(4 sqrt(D(2 floor(j/2)) D(2 ceil(j/2))), 2 e^{(j-1) eps(j)}) for alpha <= 256 (their
   Theorem 27 for the Gaussian), B_2 = min(4 (e^{eps(2)} - 1), 2 e^{eps(2)}) and
   B_j = 2 e^{(j-1) eps(j)} (j >= 3) above 256 (their Theorem 9), eps(j) = j / (2 sigma^2),
   D(k) = sum_i (-1)^{k-i} C(k, i) e^{i (i-1) / (2 sigma^2)} evaluated EXACTLY (mpmath, precision
   raised until two evaluations agree to 45 digits) and checked against the integral
   E_{N(0, sigma^2)}[(e^{(2x-1)/(2 sigma^2)} - 1)^k] by quadrature. Fractional alpha: the cumulant
   (alpha - 1) RDP interpolated between floor and ceil (log A(1) = 0). `rdp` is the bound capped
   by the unsampled Gaussian's alpha / (2 sigma^2) (secagg's value); `wbk` the bound alone.
   Epsilons: RDP x rounds over dp_accounting's 156 default orders, improved conversion
   (Canonne-Kamath-Steinke 2020 Prop. 12), as secagg's RdpAccountant.
2. PLD: the exact (eps, delta) curve of the tight dominating pair (docs/dp.md): for eps >= 0,
   delta(eps) = H_{e^eps}((1 - gamma) N(0, s^2) + gamma N(1, s^2) || N(0, s^2)) in closed form;
   for eps < 0, 1 - e^eps + e^eps delta(-eps). One round: epsilon by bisection. Two rounds:
   delta_2(eps) = E_{l ~ P}[delta(eps - l)] by one-dimensional quadrature over the privacy loss
   (P: the loss l(x) > 0 of x ~ (1 - gamma) N(0, s^2) + gamma N(1, s^2), the mirrored -l(x) of
   x ~ N(0, s^2), and an atom at 0 of the remaining mass).
"""
import json
import mpmath as mp

mp.mp.dps = 50

DEFAULT_ORDERS = [1 + x / 10 for x in range(1, 100)] + list(range(11, 64)) + [128, 256, 512, 1024]


def exact_diff(sigma, k):
    """D(k), exactly: the alternating sum at increasing precision until it is stable."""
    prev = None
    dps = 80
    while True:
        with mp.workdps(dps):
            c = 1 / (2 * mp.mpf(sigma) ** 2)
            s = mp.fsum((-1) ** (k - i) * mp.binomial(k, i) * mp.e ** (c * i * (i - 1)) for i in range(k + 1))
        if prev is not None and abs(s - prev) <= abs(s) * mp.mpf(10) ** -45:
            return +s
        prev = s
        dps *= 2


def diff_by_quadrature(sigma, k):
    s = mp.mpf(sigma)
    f = lambda x: mp.npdf(x, 0, s) * mp.expm1((2 * x - 1) / (2 * s * s)) ** k
    # (l - 1)^k e^{-x^2/2s^2} peaks near |x| = sqrt(k) s for large s, near x = k for small s.
    # Breakpoints every sigma over the whole bulk.
    lo = -mp.sqrt(k) * s - 12 * s
    hi = max(mp.sqrt(k) * s, mp.mpf(k)) + 12 * s
    n = int(mp.ceil((hi - lo) / s))
    pts = [lo + i * (hi - lo) / n for i in range(n + 1)]
    return mp.quad(f, [-mp.inf] + pts + [mp.inf], maxdegree=10)


class Wor:
    def __init__(self, sigma, gamma):
        self.s = mp.mpf(sigma)
        self.g = mp.mpf(gamma)
        self.c = 1 / (2 * self.s ** 2)
        self.diffs = {k: exact_diff(sigma, k) for k in range(2, 257, 2)}
        self.cache = {}

    def eps(self, j):
        return self.c * j

    def log_a(self, alpha):
        if alpha <= 1:
            return mp.mpf(0)
        if alpha in self.cache:
            return self.cache[alpha]
        total = mp.mpf(1)
        for j in range(2, alpha + 1):
            general = 2 * mp.e ** ((j - 1) * self.eps(j))
            if j == 2:
                b = min(4 * mp.expm1(self.eps(2)), general)
            elif alpha <= 256:
                lo = self.diffs[2 * (j // 2)]
                hi = self.diffs[2 * ((j + 1) // 2)]
                b = min(4 * mp.sqrt(lo * hi), general)
            else:
                b = general
            total += mp.binomial(alpha, j) * self.g ** j * b
        v = mp.log(total)
        self.cache[alpha] = v
        return v

    def wbk(self, order):
        order = mp.mpf(order)
        lo, hi = int(mp.floor(order)), int(mp.ceil(order))
        if lo == hi:
            cum = self.log_a(lo)
        else:
            t = order - lo
            cum = (1 - t) * self.log_a(lo) + t * self.log_a(hi)
        return cum / (order - 1)

    def rdp(self, order):
        return min(self.wbk(order), self.c * mp.mpf(order))


def epsilon_improved(orders, rdps, delta):
    delta = mp.mpf(delta)
    best = mp.inf
    for a, r in zip(orders, rdps):
        a = mp.mpf(a)
        if r == 0:
            e = mp.mpf(0)
        elif delta ** 2 + mp.expm1(-r) > 0:
            e = mp.mpf(0)
        elif a > mp.mpf('1.01'):
            e = r + mp.log1p(-1 / a) - mp.log(delta * a) / (a - 1)
        else:
            e = mp.inf
        best = min(best, e)
    return max(mp.mpf(0), best)


def pld_delta(s, g, eps):
    """delta(eps) of the symmetrised dominating pair, one round, any real eps."""
    s, g, eps = mp.mpf(s), mp.mpf(g), mp.mpf(eps)
    if eps < 0:
        return 1 - mp.e ** eps + mp.e ** eps * pld_delta(s, g, -eps)
    x0 = s * s * mp.log1p(mp.expm1(eps) / g) + mp.mpf(1) / 2
    p = (1 - g) * mp.ncdf(-x0 / s) + g * mp.ncdf(-(x0 - 1) / s)
    return p - mp.e ** eps * mp.ncdf(-x0 / s)


def pld_delta2(s, g, eps):
    s, g, eps = mp.mpf(s), mp.mpf(g), mp.mpf(eps)
    loss = lambda x: mp.log1p(g * mp.expm1((2 * x - 1) / (2 * s * s)))
    dens_p = lambda x: (1 - g) * mp.npdf(x, 0, s) + g * mp.npdf(x, 1, s)
    dens_q = lambda x: mp.npdf(x, 0, s)
    half = mp.mpf(1) / 2
    p_pos = (1 - g) * mp.ncdf(-half / s) + g * mp.ncdf(half / s)
    q_pos = mp.ncdf(-half / s)
    atom = 1 - p_pos - q_pos
    pts = [half]
    if eps > 0:
        pts.append(s * s * mp.log1p(mp.expm1(eps) / g) + half)  # where l(x) = eps
    pts += [half + 12 * s, mp.inf]
    pts = sorted(set(pts), key=lambda v: float(v) if v != mp.inf else 1e300)
    a = mp.quad(lambda x: pld_delta(s, g, eps - loss(x)) * dens_p(x), pts)
    b = mp.quad(lambda x: pld_delta(s, g, eps + loss(x)) * dens_q(x), [half, half + 12 * s, mp.inf])
    return a + b + atom * pld_delta(s, g, eps)


def solve_eps(fn, delta, hi=60):
    delta = mp.mpf(delta)
    lo, hi = mp.mpf(0), mp.mpf(hi)
    if fn(lo) <= delta:
        return lo
    for _ in range(80):
        mid = (lo + hi) / 2
        if fn(mid) > delta:
            lo = mid
        else:
            hi = mid
    return hi


def dp_accounting_rdp(gamma, sigma, orders):
    try:
        from dp_accounting.rdp import rdp_privacy_accountant as r
    except Exception:  # not installed: cross-check skipped
        return None
    return [float(v) for v in r._compute_rdp_sample_wor_gaussian(gamma, sigma, orders)]


RDP_ORDERS = [1.5, 2, 3, 4.5, 8, 16, 32, 63, 128, 255, 256, 300, 512]
out = {
    'provenance': 'test/vectors/dp-wor-gen.py: mpmath (see the script docstring); dpAccounting fields: '
                  'google/differential-privacy python/dp_accounting (commit b5b0286) run locally',
    'orders': RDP_ORDERS,
    'rdp': [],
    'epsilon': [],
    'pld': [],
}

# 1. RDP at single orders.
for N, m, sigma in [(1000, 10, 2.0), (60000, 256, 1.1), (100, 10, 0.8), (1000, 500, 2.0), (1000, 10, 10.0), (1000, 10, 50.0)]:
    w = Wor(sigma, mp.mpf(m) / N)
    if sigma in (2.0, 50.0):  # the exact alternating sums against an independent quadrature
        for k in (2, 8, 40):
            d, q = w.diffs[k], diff_by_quadrature(sigma, k)
            assert abs(d - q) <= abs(d) * mp.mpf(10) ** -12, (sigma, k, d, q)
    row = {'populationSize': N, 'sampleSize': m, 'sigma': sigma,
           'rdp': [float(w.rdp(o)) for o in RDP_ORDERS], 'wbk': [float(w.wbk(o)) for o in RDP_ORDERS]}
    dpa = dp_accounting_rdp(m / N, sigma, RDP_ORDERS)
    if dpa is not None:
        row['dpAccounting'] = dpa
    out['rdp'].append(row)

# 2. Epsilon of composed runs over the default orders.
for N, m, sigma, rounds, delta in [(60000, 256, 1.1, 14063, 1e-5), (1000, 50, 1.0, 500, 1e-6), (10000, 100, 2.0, 2000, 1e-6)]:
    w = Wor(sigma, mp.mpf(m) / N)
    rdps = [rounds * w.rdp(o) for o in DEFAULT_ORDERS]
    row = {'populationSize': N, 'sampleSize': m, 'sigma': sigma, 'rounds': rounds, 'delta': delta,
           'epsilon': float(epsilon_improved(DEFAULT_ORDERS, rdps, delta))}
    try:
        from dp_accounting.rdp import rdp_privacy_accountant as r
        from dp_accounting import dp_event, privacy_accountant as pa
        acc = r.RdpAccountant(neighboring_relation=pa.NeighboringRelation.REPLACE_ONE)
        acc.compose(dp_event.SampledWithoutReplacementDpEvent(N, m, dp_event.GaussianDpEvent(sigma)), rounds)
        row['dpAccounting'] = float(acc.get_epsilon(delta))
    except Exception:
        pass
    out['epsilon'].append(row)

# 3. PLD: exact curves of the symmetrised dominating pair, one and two rounds.
for N, m, sigma, delta in [(1000, 10, 0.5, 1e-5), (100, 10, 1.0, 1e-5), (50, 25, 2.0, 1e-6), (20, 20, 1.0, 1e-5)]:
    g = mp.mpf(m) / N
    e1 = solve_eps(lambda e: pld_delta(sigma, g, e), delta)
    e2 = solve_eps(lambda e: pld_delta2(sigma, g, e), delta)
    out['pld'].append({'populationSize': N, 'sampleSize': m, 'sigma': sigma, 'delta': delta,
                       'epsilon1': float(e1), 'epsilon2': float(e2),
                       'delta1AtEpsilon1': float(pld_delta(sigma, g, 1)),
                       'delta2AtEpsilon1': float(pld_delta2(sigma, g, 1))})

print(json.dumps(out, indent=1))

# Generates test/vectors/dp-rdp.json with mpmath (mp.dps = 40): RDP of the Poisson-subsampled
# Gaussian, where A_alpha = E_{z ~ N(0, s^2)} [((1 - q) + q exp((2 z - 1) / (2 s^2)))^alpha]:
# - integer alpha: the exact binomial sum (MTZ 2019);
# - fractional alpha, "rdp": the two-sided erfc series of MTZ 2019 Sec. 3.3 as dp_accounting
#   evaluates it (|generalised binomial| coefficients, stop when both halves decrease and terms
#   fall 30 nats below the total), in multiprecision; this is the formula we must match;
# - fractional alpha, "exactRdp": adaptive quadrature of the defining integral. The series with
#   |binomial| coefficients is an upper bound of it (tight for larger alpha, loose near 1).
# Epsilon values: the conversion formulas of REFERENCES.md applied in mpmath to the 156 default
# orders (1.1..10.9 step 0.1, 11..63, 128, 256, 512, 1024), RDP by the formulas above.
# Run: python3 test/vectors/dp-gen-rdp.py > test/vectors/dp-rdp.json
import json, mpmath
from mpmath import mpf
mpmath.mp.dps = 40

def log_a_int(q, s, a):
    q, s = mpf(q), mpf(s)
    tot = mpf(0)
    for i in range(a + 1):
        tot += mpmath.binomial(a, i) * (1 - q) ** (a - i) * q ** i * mpmath.exp((i * i - i) / (2 * s * s))
    return mpmath.log(tot)

def log_a_frac(q, s, a):
    q, s, a = mpf(q), mpf(s), mpf(a)
    def f(z):
        return mpmath.npdf(z, 0, s) * ((1 - q) + q * mpmath.exp((2 * z - 1) / (2 * s * s))) ** a
    z0 = s * s * mpmath.log(1 / q - 1) + mpf(1) / 2
    pts = sorted(set([-mpmath.inf, -10 * s, 0, mpf(1) / 2, 1, z0, z0 + 10 * s, a * 1 + 10 * s, mpmath.inf]))
    pts = [p for p in pts]
    return mpmath.log(mpmath.quad(f, pts, maxdegree=10))

def log_a_series(q, s, a):
    q, s, a = mpf(q), mpf(s), mpf(a)
    z0 = s * s * mpmath.log(1 / q - 1) + mpf(1) / 2
    a0 = a1 = mpf(0)
    last0 = last1 = mpmath.inf * -1
    for i in range(1000):
        c = abs(mpmath.binomial(a, i))
        j = a - i
        s0 = c * q ** i * (1 - q) ** j * mpmath.exp((i * i - i) / (2 * s * s)) * mpmath.erfc((i - z0) / (mpmath.sqrt(2) * s)) / 2
        s1 = c * q ** j * (1 - q) ** i * mpmath.exp((j * j - j) / (2 * s * s)) * mpmath.erfc((z0 - j) / (mpmath.sqrt(2) * s)) / 2
        l0, l1 = mpmath.log(s0), mpmath.log(s1)
        a0 += s0
        a1 += s1
        tot = mpmath.log(a0 + a1)
        if l0 < last0 and l1 < last1 and max(l0, l1) < tot - 30:
            return tot
        last0, last1 = l0, l1
    raise RuntimeError('no convergence')

def rdp(q, s, a, exact=False):
    if q == 1:
        return mpf(a) / (2 * mpf(s) ** 2)
    if float(a).is_integer():
        la = log_a_int(q, s, int(a))
    else:
        la = log_a_frac(q, s, a) if exact else log_a_series(q, s, a)
    return la / (mpf(a) - 1)

ORDERS = [1 + x / 10.0 for x in range(1, 100)] + list(range(11, 64)) + [128, 256, 512, 1024]

def eps_improved(rdps, delta):
    best = mpmath.inf
    d = mpf(delta)
    for a, r in zip(ORDERS, rdps):
        a = mpf(a)
        if d * d + mpmath.expm1(-r) > 0:
            e = mpf(0)
        elif a > mpf('1.01'):
            e = r + mpmath.log1p(-1 / a) - mpmath.log(d * a) / (a - 1)
        else:
            e = mpmath.inf
        best = min(best, e)
    return max(mpf(0), best)

def eps_classic(rdps, delta):
    return min(r - mpmath.log(mpf(delta)) / (mpf(a) - 1) for a, r in zip(ORDERS, rdps))

points = []
for q, s, a in [(0.01, 4, 2), (0.01, 4, 17), (0.01, 4, 1024), (0.01, 4, 1.5), (0.01, 4, 10.9),
                (256 / 60000, 1.1, 8), (256 / 60000, 1.1, 8.8), (256 / 60000, 1.1, 1.1), (256 / 60000, 1.1, 63),
                (0.1, 0.8, 3.3), (0.1, 0.8, 5), (0.5, 2.0, 2.5), (0.005, 1.0, 30)]:
    points.append({"q": q, "noiseMultiplier": s, "order": a, "rdp": float(rdp(q, s, a)), "exactRdp": float(rdp(q, s, a, True))})

runs = []
for q, s, steps, delta in [(0.01, 4, 10000, 1e-5), (256 / 60000, 1.1, 14063, 1e-5), (0.005, 1.0, 2000, 1e-6)]:
    rd = [rdp(q, s, a) * steps for a in ORDERS]
    runs.append({"q": q, "noiseMultiplier": s, "steps": steps, "delta": delta,
                 "epsilonImproved": float(eps_improved(rd, delta)), "epsilonClassic": float(eps_classic(rd, delta))})

print(json.dumps({
  "provenance": "mpmath %s, mp.dps = 40, script test/vectors/dp-gen-rdp.py (binomial sums at integer orders; at fractional orders the MTZ erfc series as dp_accounting evaluates it (rdp) and adaptive quadrature of the defining integral (exactRdp); epsilons by the conversions of REFERENCES.md over the 156 default orders)" % mpmath.__version__,
  "rdpPoints": points,
  "epsilonRuns": runs,
}, indent=1))

# Generates test/vectors/dp-conversions.json with mpmath (mp.dps = 50):
# - analytic Gaussian (Balle-Wang 2018): delta(sigma, eps) = Phi(D/(2s) - eps s/D) - e^eps Phi(-D/(2s) - eps s/D);
#   epsilon(sigma, delta) and sigma(eps, delta) by bisection on that curve;
# - zCDP (CKS 2020 Prop. 12): epsilon(rho, delta) = min_{a>1} a rho + log(1-1/a) - log(delta a)/(a-1) and
#   delta(rho, eps) = min_{a>1} exp((a-1)(a rho - eps) + a log(1-1/a))/(a-1), minimised with mpmath.findroot
#   on the derivative (checked against a dense grid); rho(eps, delta) by findroot on epsilon(rho, delta) = eps.
# Run: python3 test/vectors/dp-gen-conversions.py > test/vectors/dp-conversions.json
import json, mpmath
from mpmath import mpf
mpmath.mp.dps = 50
Phi = mpmath.ncdf

def ag_delta(s, e, D=1):
    s, e, D = mpf(s), mpf(e), mpf(D)
    return Phi(D / (2 * s) - e * s / D) - mpmath.exp(e) * Phi(-D / (2 * s) - e * s / D)

def bisect(f, lo, hi):
    # f(lo) > 0 >= f(hi) or the reverse; 300 halvings at 50 digits
    flo = f(lo)
    for _ in range(300):
        mid = (lo + hi) / 2
        if (f(mid) > 0) == (flo > 0): lo = mid
        else: hi = mid
    return (lo + hi) / 2

def ag_eps(s, d, D=1):
    return bisect(lambda e: ag_delta(s, e, D) - d, mpf(0), mpf(200))

def ag_sigma(e, d, D=1):
    return mpmath.exp(bisect(lambda t: ag_delta(mpmath.exp(t), e, D) - d, mpf(-10), mpf(10)))

def minimise(f):
    # dense grid in t = log(a - 1), then refine by golden section in mpmath
    ts = [mpf(-20) + mpf(i) / 50 for i in range(2000)]
    vals = [f(t) for t in ts]
    k = min(range(len(ts)), key=lambda i: vals[i])
    a, b = ts[max(k - 1, 0)], ts[min(k + 1, len(ts) - 1)]
    g = (mpmath.sqrt(5) - 1) / 2
    for _ in range(200):
        x1, x2 = b - g * (b - a), a + g * (b - a)
        if f(x1) <= f(x2): b = x2
        else: a = x1
    return f((a + b) / 2)

def z_eps(rho, d):
    rho, d = mpf(rho), mpf(d)
    def f(t):
        a = 1 + mpmath.exp(t)
        return a * rho + mpmath.log(1 - 1 / a) - mpmath.log(d * a) / (a - 1)
    return max(mpf(0), minimise(f))

def z_delta(rho, e):
    rho, e = mpf(rho), mpf(e)
    def f(t):
        a = 1 + mpmath.exp(t)
        return (a - 1) * (a * rho - e) + a * mpmath.log(1 - 1 / a) - mpmath.log(a - 1)
    return min(mpf(1), mpmath.exp(minimise(f)))

def z_rho(e, d):
    return bisect(lambda r: e - z_eps(mpmath.exp(r), d), mpf(-30), mpf(5))

out = {
  "provenance": "mpmath %s, mp.dps = 50, script test/vectors/dp-gen-conversions.py" % mpmath.__version__,
  "analyticGaussianEpsilon": [[s, d, D, float(ag_eps(s, d, D))] for s, d, D in [(1, 1e-5, 1), (0.5, 1e-6, 1), (4, 1e-9, 2), (30, 1e-3, 1)]],
  "analyticGaussianSigma": [[e, d, D, float(ag_sigma(e, d, D))] for e, d, D in [(1, 1e-5, 1), (0.1, 1e-10, 3), (8, 1e-6, 1), (0.5, 1e-3, 1)]],
  "zcdpEpsilon": [[r, d, float(z_eps(r, d))] for r, d in [(0.5, 1e-5), (0.01, 1e-6), (2, 1e-3), (1e-4, 1e-5)]],
  "zcdpDelta": [[r, e, float(z_delta(r, e))] for r, e in [(0.5, 4), (0.01, 0.5), (2, 10), (0.1, 0)]],
  "approxDpToZcdp": [[e, d, float(mpmath.exp(z_rho(e, d)))] for e, d in [(1, 1e-5), (8, 1e-6), (0.1, 1e-5)]],
}
print(json.dumps(out, indent=1))

"""Independent transcription (mpmath, 50 digits) of the distributed-DP RDP bounds, used to produce
test/vectors/dp-distributed-rdp.json. Run: python3 test/vectors/dp-distributed-rdp.py > test/vectors/dp-distributed-rdp.json
Formulas: Kairouz, Liu, Steinke ICML 2021 (distributed discrete Gaussian, RDP form of Theorem 1);
Agarwal, Kairouz, Liu NeurIPS 2021 (Skellam); KLS 2021 sensitivity after conditional rounding.
"""
import json
import mpmath as mp

mp.mp.dps = 50


def ddg(n, s, l2, l1, d, a):
    n, s, l2, l1, d, a = map(mp.mpf, (n, s, l2, l1, d, a))
    tau = 10 * mp.fsum(mp.exp(-2 * mp.pi**2 * s**2 * k / (k + 1)) for k in range(1, int(n)))
    D2 = l2 / (mp.sqrt(n) * s)
    D1 = l1 / (mp.sqrt(n) * s)
    t1 = a * D2**2 / 2 + tau * d
    t2 = a / 2 * (D2**2 + 2 * D1 * tau + tau**2 * d)
    t3 = a / 2 * (D2 + tau * mp.sqrt(d)) ** 2
    return min(t1, t2, t3), tau


def skellam(n, v, l2, l1, a):
    a = mp.ceil(mp.mpf(a))  # bound stated for integer orders; fractional -> next integer
    mu = mp.mpf(n) * mp.mpf(v)
    l2, l1 = mp.mpf(l2), mp.mpf(l1)
    return a * l2**2 / (2 * mu) + min(((2 * a - 1) * l2**2 + 6 * l1) / (4 * mu**2), 3 * l1 / (2 * mu))


def sens(c, d, beta):
    c, d, beta = mp.mpf(c), mp.mpf(d), mp.mpf(beta)
    bound = min((c + mp.sqrt(d)) ** 2, c**2 + d / 4 + mp.sqrt(2 * mp.log(1 / beta)) * (c + mp.sqrt(d) / 2))
    l2 = mp.sqrt(bound)
    return bound, l2, l2 * min(mp.sqrt(d), l2)


ddg_cases = [
    (1, 10, 100, 1000, 100, 2),
    (1, 0.5, 1, 1, 1, 1.5),
    (2, 0.5, 1, 1, 1, 2),
    (10, 0.5, 3, 9, 9, 4),
    (100, 0.5, 10, 100, 100, 8),
    (100, 0.6, 10, 100, 100, 32),
    (100, 1, 50, 2000, 1600, 3.5),
    (1000, 0.55, 20, 400, 1000, 10),
    (100, 10, 500, 5000, 1000, 8),
    (1000, 2, 1000, 100000, 10000, 1.1),
    (50, 0.75, 4, 16, 16, 64),
    (200, 0.5, 1, 1, 1000000, 2),
]
skellam_cases = [
    (1, 2, 1, 1, 2),
    (100, 50, 1000, 30000, 8),
    (100, 50, 1000, 30000, 7.5),
    (10, 1000, 30, 900, 2),
    (1000, 0.5, 3, 9, 128),
    (20, 10000, 5000, 5000 * 100, 1.1),
    (5, 1, 1, 1, 1024),
]
sens_cases = [(1, 1, 0.6065306597126334), (100, 1000, 0.6065306597126334), (17456, 10000, 0.6065306597126334),
              (3, 100000, 1e-9), (1e6, 10, 0.5), (0.1, 400, 0.99)]

out = {
    "provenance": "python3 test/vectors/dp-distributed-rdp.py (mpmath 50 digits), an independent transcription "
    "of KLS 2021 (tau = 10 sum_{k=1}^{n-1} exp(-2 pi^2 s^2 k/(k+1)); eps = min of the three terms), "
    "AKL 2021 (mu = clients * localVariance; fractional orders evaluated at ceil(order)) and the KLS 2021 "
    "rounding sensitivity bounds; printed with 17 significant digits.",
    "distributedDiscreteGaussian": [],
    "skellam": [],
    "sensitivity": [],
}
for n, s, l2, l1, d, a in ddg_cases:
    e, tau = ddg(n, s, l2, l1, d, a)
    out["distributedDiscreteGaussian"].append({"clients": n, "localSigma": s, "l2Sensitivity": l2, "l1Sensitivity": l1,
                                               "dimension": d, "order": a, "tau": float(tau), "rdp": float(e)})
for n, v, l2, l1, a in skellam_cases:
    out["skellam"].append({"clients": n, "localVariance": v, "l2Sensitivity": l2, "l1Sensitivity": l1, "order": a,
                           "rdp": float(skellam(n, v, l2, l1, a))})
for c, d, beta in sens_cases:
    b, l2, l1 = sens(c, d, beta)
    out["sensitivity"].append({"scaledClip": c, "dimension": d, "beta": beta, "normSquaredBound": float(b),
                               "l2": float(l2), "l1": float(l1)})
print(json.dumps(out, indent=1))

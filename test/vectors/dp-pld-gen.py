"""Reference values for the PLD accountant tests (test/dp/pld*.test.ts).

Run: python3 test/vectors/dp-pld-gen.py > test/vectors/dp-pld.json
Everything is computed with mpmath at 50 significant digits from closed forms, never from a
discretised PLD:
- Gaussian mechanism (sensitivity 1, noise sigma), exact hockey-stick divergence
  (Balle and Wang 2018, Thm 8): delta(eps) = Phi(1/(2 s) - eps s) - e^eps Phi(-1/(2 s) - eps s);
  epsilon(delta) by root finding. k-fold composition of Gaussian(sigma) = Gaussian(sigma/sqrt k).
- Poisson-subsampled Gaussian, one step, both directions:
  remove: P = (1-q) N(0,s^2) + q N(1,s^2), Q = N(0,s^2); add: P = N(0,s^2), Q = that mixture;
  delta(eps) = P(L > eps) - e^eps Q(L > eps) with the threshold in closed form; report the max.
- Discrete Gaussian N_Z(0, sigma^2), integer sensitivity s, one step: exact sums over the integers
  (|x| up to 60 sigma + s) of (P(x) - e^eps Q(x))^+ .
"""
import json
import mpmath as mp

mp.mp.dps = 50
Phi = lambda x: mp.ncdf(x)


def gauss_delta(s, eps):
    s = mp.mpf(s); eps = mp.mpf(eps)
    return Phi(1 / (2 * s) - eps * s) - mp.e ** eps * Phi(-1 / (2 * s) - eps * s)


def solve_eps(delta_fn, delta, hi=200):
    delta = mp.mpf(delta)
    if delta_fn(0) <= delta:
        return mp.mpf(0)
    lo, hi = mp.mpf(0), mp.mpf(hi)
    for _ in range(200):
        mid = (lo + hi) / 2
        if delta_fn(mid) > delta:
            lo = mid
        else:
            hi = mid
    return hi


def subsampled_delta(sigma, q, eps):
    s = mp.mpf(sigma); q = mp.mpf(q); eps = mp.mpf(eps)
    # remove: L(x) = log(1 - q + q e^{(2x-1)/(2 s^2)}) increasing; L > eps iff x > x0
    u = mp.expm1(eps) / q
    if u <= -1:
        d_remove = 1 - mp.e ** eps
    else:
        x0 = s * s * mp.log1p(u) + mp.mpf(1) / 2
        p = (1 - q) * (1 - Phi(x0 / s)) + q * (1 - Phi((x0 - 1) / s))
        d_remove = p - mp.e ** eps * (1 - Phi(x0 / s))
    # add: L(x) = -log(1 - q + q e^{(2x-1)/(2 s^2)}) decreasing; L > eps iff x < x1
    u = mp.expm1(-eps) / q
    if u <= -1:
        d_add = mp.mpf(0)
    else:
        x1 = s * s * mp.log1p(u) + mp.mpf(1) / 2
        p = Phi(x1 / s)
        qq = (1 - q) * Phi(x1 / s) + q * Phi((x1 - 1) / s)
        d_add = p - mp.e ** eps * qq
    return max(d_remove, d_add)


def discrete_gaussian_delta(sigma, s, eps):
    sigma = mp.mpf(sigma); eps = mp.mpf(eps)
    T = int(60 * sigma) + s + 10
    w = lambda x: mp.e ** (-mp.mpf(x) ** 2 / (2 * sigma ** 2))
    Z = mp.fsum(w(x) for x in range(-T, T + 1))
    tot = mp.mpf(0)
    for x in range(-T, T + s + 1):
        a = w(x - s) / Z
        b = w(x) / Z
        d = a - mp.e ** eps * b
        if d > 0:
            tot += d
    return tot


out = {
    'provenance': 'test/vectors/dp-pld-gen.py: mpmath 50 digits, closed forms (see the script docstring); '
                  'dp_accounting figures are quoted from issue 7 (dp_accounting PLD accountant output).',
    'gaussian': [],
    'gaussianComposition': [],
    'subsampledGaussian': [],
    'discreteGaussian': [],
    'dpAccounting': [
        {'samplingRate': 0.01, 'noiseMultiplier': 4, 'steps': 10000, 'delta': 1e-5, 'epsilon': 0.9470,
         'source': 'dp_accounting PLD (issue 7); Abadi et al. 2016 setting'},
        {'samplingRate': 5e-3, 'noiseMultiplier': 1.0, 'steps': 2000, 'delta': 1e-6, 'epsilon': 1.405,
         'rdpEpsilon': 1.726, 'source': 'dp_accounting PLD and RDP (issue 7); DP-FedAvg setting'},
    ],
}

for sigma, delta in [(1, 1e-5), (0.5, 1e-5), (2, 1e-6), (5, 1e-5), (1, 1e-9), (0.025, 1e-5)]:
    eps = solve_eps(lambda e: gauss_delta(sigma, e), delta, hi=4000)
    out['gaussian'].append({'sigma': sigma, 'delta': delta, 'epsilon': float(eps),
                            'deltaAtEpsilon1': float(gauss_delta(sigma, 1))})

for sigma, k, delta in [(4, 16, 1e-5), (10, 100, 1e-5), (2, 3, 1e-6), (20, 1000, 1e-5), (3, 7, 1e-3)]:
    eff = mp.mpf(sigma) / mp.sqrt(k)
    eps = solve_eps(lambda e: gauss_delta(eff, e), delta)
    out['gaussianComposition'].append({'sigma': sigma, 'steps': k, 'delta': delta, 'epsilon': float(eps),
                                       'deltaAtEpsilon1': float(gauss_delta(eff, 1))})

for sigma, q, delta in [(1, 0.01, 1e-5), (0.8, 0.1, 1e-5), (2, 0.5, 1e-6), (1.5, 0.001, 1e-7)]:
    eps = solve_eps(lambda e: subsampled_delta(sigma, q, e), delta, hi=60)
    out['subsampledGaussian'].append({'sigma': sigma, 'samplingRate': q, 'delta': delta, 'epsilon': float(eps),
                                      'deltaAtEpsilon0_5': float(subsampled_delta(sigma, q, 0.5))})

for sigma, s, delta in [(1, 1, 1e-5), (3, 2, 1e-5), (0.7, 1, 1e-6), (10, 5, 1e-5)]:
    eps = solve_eps(lambda e: discrete_gaussian_delta(sigma, s, e), delta, hi=60)
    out['discreteGaussian'].append({'sigma': sigma, 'sensitivity': s, 'delta': delta, 'epsilon': float(eps),
                                    'deltaAtEpsilon1': float(discrete_gaussian_delta(sigma, s, 1))})

print(json.dumps(out, indent=1))

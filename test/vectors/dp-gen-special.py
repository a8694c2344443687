# Generates test/vectors/dp-special.json with mpmath at 50 decimal digits.
# Run: python3 test/vectors/dp-gen-special.py > test/vectors/dp-special.json
import json, mpmath
mpmath.mp.dps = 50
def f(x): return float(x)
xs_erfc = [-30, -5, -1.5, -0.7, -1e-3, 0, 1e-8, 0.3, 0.5, 1, 1.5, 1.999, 2, 2.001, 3, 5, 10, 26, 27, 50, 300, 1e4, 1e6]
xs_gamma = [1e-10, 0.1, 0.5, 1, 1.5, 2, 2.5, 3.7, 10, 14.9, 15, 15.1, 100.25, 1025, 1e5, 1e10, -0.5, -1.3, -10.7, -900.3, -1022.9]
xs_ncdf = [-40, -20, -8, -3, -1, 0, 0.5, 2, 6, 9]
binom = [[10, 3], [1024, 512], [1024, 7], [63, 63], [5.5, 2], [5.5, 9], [1.1, 37], [10.9, 700], [300.5, 4]]
out = {
  "provenance": "mpmath %s at mp.dps = 50, script test/vectors/dp-gen-special.py; values rounded to double" % mpmath.__version__,
  "logErfc": [[x, f(mpmath.log(mpmath.erfc(mpmath.mpf(x))))] for x in xs_erfc],
  "logGamma": [[x, f(mpmath.log(abs(mpmath.gamma(mpmath.mpf(x)))))] for x in xs_gamma],
  "normalCdf": [[x, f(mpmath.ncdf(mpmath.mpf(x)))] for x in xs_ncdf],
  "logNormalCdf": [[x, f(mpmath.log(mpmath.ncdf(mpmath.mpf(x))))] for x in xs_ncdf + [-1e3, -1e5]],
  "logBinomial": [[n, k, f(mpmath.log(abs(mpmath.binomial(mpmath.mpf(n), mpmath.mpf(k)))))] for n, k in binom],
}
print(json.dumps(out, indent=1))

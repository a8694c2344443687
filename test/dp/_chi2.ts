/**
 * Chi-square goodness of fit of integer samples against a pmf (test helper). Bins with expected
 * count below 5 are merged into the neighbouring bin toward the centre; returns the statistic,
 * the degrees of freedom and a conservative critical value at significance 1e-6
 * (Wilson-Hilferty), so a correct sampler at a fixed seed passes and a wrong one is caught.
 */
export function chiSquare(
  samples: Int32Array,
  pmf: (k: number) => number,
  lo: number,
  hi: number,
): { stat: number; df: number; critical: number } {
  const n = samples.length;
  const counts = new Float64Array(hi - lo + 1);
  let outside = 0;
  for (const s of samples) {
    if (s < lo || s > hi) outside++;
    else counts[s - lo]! += 1;
  }
  const expected = new Float64Array(hi - lo + 1);
  let inside = 0;
  for (let k = lo; k <= hi; k++) {
    expected[k - lo] = n * pmf(k);
    inside += expected[k - lo]!;
  }
  // Bins: merge from both ends until each has >= 5 expected.
  const obs: number[] = [];
  const exp: number[] = [];
  let accO = 0;
  let accE = 0;
  for (let i = 0; i < counts.length; i++) {
    accO += counts[i]!;
    accE += expected[i]!;
    if (accE >= 5) {
      obs.push(accO);
      exp.push(accE);
      accO = 0;
      accE = 0;
    }
  }
  if (exp.length > 0) {
    obs[obs.length - 1]! += accO;
    exp[exp.length - 1]! += accE;
  }
  // Mass outside [lo, hi] as one more bin.
  const outE = n - inside;
  obs.push(outside);
  exp.push(Math.max(outE, 1e-300));
  let stat = 0;
  for (let i = 0; i < obs.length; i++) stat += (obs[i]! - exp[i]!) ** 2 / exp[i]!;
  const df = obs.length - 1;
  const z = 4.753424; // upper 1e-6 normal quantile
  const critical = df * (1 - 2 / (9 * df) + z * Math.sqrt(2 / (9 * df))) ** 3;
  return { stat, df, critical };
}

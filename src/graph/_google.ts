/**
 * Internal, for the tests only: Google's finder with Google's own rules (floor of the corrupt and
 * dropout counts with its 1e-14 guard, neighbours drawn from n, the semi-malicious
 * t1' = ceil((t1 + k - 1.25) / 2), the complete-graph fallback t = ceil(n (1 - delta))). It
 * lets Google's published table (88 rows) and the independent Python vectors test the search
 * arithmetic of _params.ts exactly, while the library itself uses the sound rules of params.ts.
 * Inputs are trusted (the vectors).
 */
import { SecAggError } from '../errors.js';
import { googleCounts, searchHarary } from './_params.js';
import type { AdversaryClass, GraphParameters } from './params.js';

export function findGraphParametersGoogle(o: {
  readonly clients: number;
  readonly corruptFraction: number;
  readonly dropoutFraction: number;
  readonly adversary: AdversaryClass;
  readonly securityBits?: number;
  readonly correctnessBits?: number;
}): GraphParameters {
  const n = o.clients;
  const semiMalicious = o.adversary === 'semiMalicious';
  const corrupt = o.corruptFraction;
  const dropout = o.dropoutFraction;
  const feasible = semiMalicious ? corrupt + 2 * dropout <= 0.9 : corrupt + dropout <= 0.9;
  if (feasible) {
    const found = searchHarary({
      clients: n,
      ...googleCounts(n, corrupt, dropout),
      semiMalicious,
      securityBits: o.securityBits ?? 40,
      correctnessBits: o.correctnessBits ?? 20,
      rule: 'google',
    });
    if (found !== null) return { kind: 'harary', degree: found.degree, threshold: found.threshold };
  }
  // Google's CheckFullGraphParameters.
  const threshold = Math.ceil(n * (1 - dropout));
  const needed = semiMalicious ? Math.ceil((n + corrupt * n) / 2) : Math.ceil(corrupt * n);
  if (threshold < 2 || threshold > n || threshold <= needed) {
    throw new SecAggError('NO_FEASIBLE_GRAPH', `Google's rules: no feasible graph for ${n} clients`);
  }
  return { kind: 'complete', degree: n - 1, threshold };
}

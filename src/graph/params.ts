/**
 * Choosing the graph and the Shamir threshold of a session: the sound rules of
 * docs/protocol-graph.md ("Rules"). Counts of corrupt and dropped clients are rounded up, never
 * down; the SecAgg+ semi-malicious threshold keeps a margin for the victim's own share; small
 * cohorts, and every case the SecAgg+ search cannot serve, use the complete graph with
 * t = n - d when that meets the security rule.
 *
 * The search arithmetic is _params.ts (which also reproduces Google's finder exactly, for the
 * tests); this file validates inputs and applies the rules.
 */
import { assertInteger, assertNumber, assertOptions, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { SMALL, corruptNeighbourBound, searchHarary, securityThreshold } from './_params.js';
import { MAX_GRAPH_CLIENTS, type GraphKind } from './graph.js';

/** Threat model: honest-but-curious server, or the active variant (`semiMalicious`). */
export type AdversaryClass = 'semiHonest' | 'semiMalicious';

/** Which graphs a session may use: always the complete graph, or SecAgg+ where it pays. */
export type GraphPolicy = 'complete' | 'secaggplus';

/** Largest number of clients the parameter finder accepts (as Google's). */
export const MAX_FINDER_CLIENTS = 1_000_000;

/** Input of {@link findGraphParameters}. */
export interface GraphParameterOptions {
  /** Number of clients n, 1..1,000,000. */
  readonly clients: number;
  /** Assumed fraction of corrupt clients (colluding with the server), in [0, 1). */
  readonly corruptFraction: number;
  /** Assumed fraction of clients that drop out before the end, in [0, 1). */
  readonly dropoutFraction: number;
  /**
   * `'semiHonest'` (honest-but-curious server) or `'semiMalicious'` (active variant). Default:
   * from `active`, as `createSessionConfig` infers it.
   */
  readonly adversary?: AdversaryClass;
  /** The active (malicious-server) variant: `adversary` defaults to `'semiMalicious'` (default false: `'semiHonest'`). */
  readonly active?: boolean;
  /** Security: a breach has probability at most 2^-securityBits. Integer 1..128, default 40. */
  readonly securityBits?: number;
  /** Correctness: the round fails with probability at most 2^-correctnessBits. 1..64, default 20. */
  readonly correctnessBits?: number;
}

/** Input of {@link deriveGraph}. */
export interface DeriveGraphOptions {
  /** Cohort size n, 2..65,535. */
  readonly clients: number;
  /**
   * Assumed corrupt clients in the cohort, 0..clients: a count, already rounded up (see
   * {@link countAtFraction}). In the active variant the server can pack every corrupt client of
   * the registry into the cohort, so pass min(n, countAtFraction(fraction, registrySize)).
   */
  readonly corruptClients: number;
  /** Assumed fraction of the cohort dropping out, in [0, 1); d = countAtFraction(fraction, n). */
  readonly dropoutFraction: number;
  /** `'semiHonest'` or `'semiMalicious'` (active variant). */
  readonly adversary: AdversaryClass;
  /** `'complete'`: always the complete graph; `'secaggplus'`: a Harary graph where it pays. */
  readonly policy: GraphPolicy;
  /** Integer 1..128, default 40. */
  readonly securityBits?: number;
  /** Integer 1..64, default 20. */
  readonly correctnessBits?: number;
}

/** Output of {@link findGraphParameters} and {@link deriveGraph}. */
export interface GraphParameters {
  readonly kind: GraphKind;
  /** Neighbours per client (self not counted): k for Harary, n - 1 for the complete graph. */
  readonly degree: number;
  /**
   * Shamir threshold t. Shares go to the neighbours AND the client itself (Bonawitz et al. and
   * Google's self-edge), so there are degree + 1 holders and 2 <= t <= degree + 1.
   */
  readonly threshold: number;
}

/** Input of {@link minimumThreshold}. */
export interface MinimumThresholdOptions {
  readonly kind: GraphKind;
  /** n, 2..65,535. */
  readonly clients: number;
  /** Harary: k, even, 2..n - 2. Complete: omit it, or n - 1. */
  readonly degree?: number;
  /** Assumed corrupt clients in the cohort, 0..clients. */
  readonly corruptClients: number;
  readonly adversary: AdversaryClass;
  /** Harary only: the bits of the corrupt-neighbour bound, integer 1..128, default 40. */
  readonly securityBits?: number;
}

const FINDER_KEYS = ['clients', 'corruptFraction', 'dropoutFraction', 'adversary', 'active', 'securityBits', 'correctnessBits'];
const DERIVE_KEYS = ['clients', 'corruptClients', 'dropoutFraction', 'adversary', 'policy', 'securityBits', 'correctnessBits'];
const MINIMUM_KEYS = ['kind', 'clients', 'degree', 'corruptClients', 'adversary', 'securityBits'];

/**
 * The number of clients an assumed fraction stands for, rounded up: ceil((fraction - 1e-14)
 * total), the mirror image of Google's guard, so that a count is never rounded down and binary
 * rounding never adds one (7% of 100 is 7, though the double 0.07 is a little above 7/100).
 *
 * @param fraction In [0, 1].
 * @param total Integer 0..2^32 - 1 (a cohort or a registry size).
 * @throws {SecAggError} `INVALID_TYPE`, `OUT_OF_RANGE` for bad arguments.
 * @example
 * ```ts
 * countAtFraction(0.05, 12); // 1 (not 0)
 * countAtFraction(0.07, 100); // 7
 * ```
 */
export function countAtFraction(fraction: number, total: number): number {
  const f = assertNumber(fraction, 'fraction', 0, 1);
  const n = assertInteger(total, 'total', 0, 0xffff_ffff);
  return Math.min(n, Math.max(0, Math.ceil((f - SMALL) * n)));
}

/**
 * Picks the graph and Shamir threshold for n clients of which a fraction may be corrupt and a
 * fraction may drop out, by the rules of {@link deriveGraph} with policy `'secaggplus'` and
 * c = countAtFraction(corruptFraction, n): the corrupt clients are a fraction of the cohort, as
 * when the cohort is a fair sample. An active deployment that draws cohorts from a larger key
 * registry should call {@link deriveGraph} with the registry's count.
 *
 * Unlike Google's finder (whose numbers the tests still reproduce with its own rules), the
 * counts are rounded up, the semi-malicious threshold leaves no route to a client's input at
 * the bound on its corrupt neighbours (2t > k + 2 + t1), and small cohorts get the complete
 * graph: docs/protocol-graph.md, "Rules".
 *
 * Examples at 5% corrupt, 5% dropout: 1,000 clients, k = 30, t = 17 (semi-honest), k = 54,
 * t = 39 (semi-malicious); 10,000 clients: 34 / 20 and 66 / 47; 12 clients: k = 4, t = 2
 * (semi-honest; one corrupt client) and the complete graph with t = 11 (semi-malicious).
 *
 * The adversary is `options.adversary`, or follows `options.active` (semi-malicious when true;
 * semi-honest when both are left out, as `createSessionConfig` without `active`).
 *
 * @throws {SecAggError} `UNKNOWN_OPTION`, `INVALID_TYPE`, `OUT_OF_RANGE` for bad options,
 *   `INVALID_CONFIG` for an unknown adversary class or one that contradicts `active`,
 *   `NO_FEASIBLE_GRAPH` when neither a Harary graph nor the complete graph meets the requirements.
 * @example
 * ```ts
 * findGraphParameters({ clients: 1000, corruptFraction: 0.05, dropoutFraction: 0.05 });
 * // { kind: 'harary', degree: 30, threshold: 17 } (semi-honest)
 * findGraphParameters({ clients: 1000, corruptFraction: 0.05, dropoutFraction: 0.05, active: true });
 * // { kind: 'harary', degree: 52, threshold: 37 }
 * ```
 */
export function findGraphParameters(options: GraphParameterOptions): GraphParameters {
  const o = readObject<GraphParameterOptions>(options, FINDER_KEYS);
  const n = assertInteger(o.clients, 'options.clients', 1, MAX_FINDER_CLIENTS);
  const corrupt = assertNumber(o.corruptFraction, 'options.corruptFraction', 0, 1, { max: true });
  const dropout = assertNumber(o.dropoutFraction, 'options.dropoutFraction', 0, 1, { max: true });
  const semiMalicious = readFinderAdversary(o.adversary, o.active);
  const { securityBits, correctnessBits } = readBits(o);
  return chooseGraph({
    clients: n,
    corrupt: countAtFraction(corrupt, n),
    dropouts: countAtFraction(dropout, n),
    semiMalicious,
    policy: 'secaggplus',
    securityBits,
    correctnessBits,
  });
}

/**
 * The graph and threshold of a session, as both the server and every client derive them from
 * the trusted policy and the cohort size (docs/protocol-graph.md, "Rules").
 * With d = countAtFraction(dropoutFraction, n) and c = `corruptClients`:
 *
 * - complete graph: t = n - d, which must be >= 2 and meet t > c (semi-honest) or 2t > n + c
 *   (semi-malicious);
 * - `'secaggplus'`: the SecAgg+ search (Bell et al. 2020; Google's finder with sound
 *   rounding): the least even k < n - 1 with the survivors connected and t1 < t <= t2, where t1
 *   bounds the corrupt neighbours (P[> t1] <= 2^-(securityBits+1) / n, neighbours drawn from the
 *   n - 1 others), t2 the surviving ones, and t = t1 + 1 (semi-honest) or the least t with
 *   2t > k + 2 + t1 (semi-malicious). The Harary graph is used when its neighbourhood k + 1 is
 *   at most half the cohort; otherwise (small cohorts, or the search fails) the complete graph,
 *   and the Harary graph only if the complete graph is insecure.
 *
 * @throws {SecAggError} `UNKNOWN_OPTION`, `INVALID_TYPE`, `OUT_OF_RANGE` for bad options,
 *   `INVALID_CONFIG` for an unknown adversary class or policy, `NO_FEASIBLE_GRAPH` (naming the
 *   numbers) when no graph meets the rules.
 * @example
 * ```ts
 * deriveGraph({ clients: 1000, corruptClients: 55, dropoutFraction: 0.05, adversary: 'semiMalicious', policy: 'secaggplus' });
 * // { kind: 'harary', degree: 58, threshold: 42 } (55 = 5% of a registry of 1,100)
 * ```
 */
export function deriveGraph(options: DeriveGraphOptions): GraphParameters {
  const o = readObject<DeriveGraphOptions>(options, DERIVE_KEYS);
  const n = assertInteger(o.clients, 'options.clients', 2, MAX_GRAPH_CLIENTS);
  const corrupt = assertInteger(o.corruptClients, 'options.corruptClients', 0, n);
  const dropout = assertNumber(o.dropoutFraction, 'options.dropoutFraction', 0, 1, { max: true });
  const semiMalicious = readAdversary(o.adversary);
  if (o.policy !== 'complete' && o.policy !== 'secaggplus') {
    throw new SecAggError('INVALID_CONFIG', `options.policy must be 'complete' or 'secaggplus', got ${show(o.policy)}`);
  }
  const { securityBits, correctnessBits } = readBits(o);
  return chooseGraph({
    clients: n,
    corrupt,
    dropouts: countAtFraction(dropout, n),
    semiMalicious,
    policy: o.policy,
    securityBits,
    correctnessBits,
  });
}

/**
 * The smallest threshold the security rule allows for a given graph, for config validation
 * and its error messages (the liveness side is the caller's). With c = `corruptClients`:
 * complete graph, c + 1 (semi-honest) or floor((n + c) / 2) + 1 (semi-malicious: 2t > n + c);
 * Harary graph of degree k, with t1 the corrupt-neighbour bound for (n, c, k) that
 * {@link deriveGraph} uses: t1 + 1 (semi-honest) or floor((k + 2 + t1) / 2) + 1 (2t > k + 2 + t1,
 * so 2t > k + 2 at least). Never below 2. The result can exceed the neighbourhood size
 * (degree + 1): then no threshold is secure.
 *
 * @throws {SecAggError} `UNKNOWN_OPTION`, `INVALID_TYPE`, `OUT_OF_RANGE` for bad options,
 *   `INVALID_CONFIG` for an unknown kind or adversary, an odd Harary degree, or a complete-graph
 *   degree other than n - 1.
 * @example
 * ```ts
 * minimumThreshold({ kind: 'complete', clients: 7, corruptClients: 0, adversary: 'semiMalicious' }); // 4
 * minimumThreshold({ kind: 'harary', clients: 1000, degree: 52, corruptClients: 50, adversary: 'semiMalicious' }); // 38
 * ```
 */
export function minimumThreshold(options: MinimumThresholdOptions): number {
  const o = readObject<MinimumThresholdOptions>(options, MINIMUM_KEYS);
  if (o.kind !== 'complete' && o.kind !== 'harary') {
    throw new SecAggError('INVALID_CONFIG', `options.kind must be 'complete' or 'harary', got ${show(o.kind)}`);
  }
  const n = assertInteger(o.clients, 'options.clients', 2, MAX_GRAPH_CLIENTS);
  const corrupt = assertInteger(o.corruptClients, 'options.corruptClients', 0, n);
  const semiMalicious = readAdversary(o.adversary);
  if (o.kind === 'complete') {
    if (o.degree !== undefined && assertInteger(o.degree, 'options.degree', 1, n - 1) !== n - 1) {
      throw new SecAggError('INVALID_CONFIG', `the complete graph on ${n} clients has degree ${n - 1}, got ${o.degree}`);
    }
    if (o.securityBits !== undefined) {
      throw new SecAggError('INVALID_CONFIG', 'options.securityBits applies to Harary graphs only (the complete-graph rule is exact)');
    }
    return completeMinimum(n, corrupt, semiMalicious);
  }
  if (n < 4) throw new SecAggError('OUT_OF_RANGE', `a Harary graph needs at least 4 clients (even degree 2..n - 2), got ${n}`);
  const k = assertInteger(o.degree, 'options.degree', 2, n - 2);
  if (k % 2 !== 0) throw new SecAggError('INVALID_CONFIG', `options.degree must be even, got ${k}`);
  const securityBits = o.securityBits === undefined ? 40 : assertInteger(o.securityBits, 'options.securityBits', 1, 128);
  const t1 = corruptNeighbourBound(
    { clients: n, corrupt, dropouts: 0, survivors: n, semiMalicious, securityBits, correctnessBits: 20, rule: 'sound' },
    k,
  );
  return securityThreshold(t1, k, semiMalicious, 'sound');
}

/** The rules of {@link deriveGraph} on validated counts. */
function chooseGraph(p: {
  clients: number;
  corrupt: number;
  dropouts: number;
  semiMalicious: boolean;
  policy: GraphPolicy;
  securityBits: number;
  correctnessBits: number;
}): GraphParameters {
  const n = p.clients;
  const { corrupt: c, dropouts: d, semiMalicious } = p;
  // The search is tried only where Google's finder tries it (c + d <= 0.9 n, or c + 2d <= 0.9 n
  // for semi-malicious, in integers): outside, no degree works and the search would cost O(n^2).
  const tryHarary = p.policy === 'secaggplus' && n >= 4 && 10 * (c + (semiMalicious ? 2 * d : d)) <= 9 * n;
  const harary = tryHarary
    ? searchHarary({
        clients: n,
        corrupt: c,
        dropouts: d,
        survivors: n - d,
        semiMalicious,
        securityBits: p.securityBits,
        correctnessBits: p.correctnessBits,
        rule: 'sound',
      })
    : null;
  // A sparse graph pays when it at least halves each client's neighbourhood (key agreements,
  // shares, masks); below that the complete graph is exact, needs no beacon and is preferred.
  if (harary !== null && 2 * (harary.degree + 1) <= n) return { kind: 'harary', ...harary };
  const t = n - d;
  const needed = completeMinimum(n, c, semiMalicious);
  if (t >= needed) return { kind: 'complete', degree: n - 1, threshold: t };
  if (harary !== null) return { kind: 'harary', ...harary };
  const rule = semiMalicious ? `2t > n + c = ${n + c}` : `t > c = ${c}`;
  throw new SecAggError(
    'NO_FEASIBLE_GRAPH',
    `no feasible graph for ${n} clients with ${c} assumed corrupt and ${d} assumed dropouts (${semiMalicious ? 'semiMalicious' : 'semiHonest'}): ` +
      `the complete graph's threshold n - d = ${t} is below ${needed}, the least t with ${rule} and t >= 2` +
      (p.policy === 'secaggplus' ? ', and the SecAgg+ search found no degree' : '') +
      '; lower the fractions or add clients',
  );
}

/** Least t the complete graph's security rule allows (and 2). */
function completeMinimum(n: number, c: number, semiMalicious: boolean): number {
  return Math.max(2, semiMalicious ? Math.floor((n + c) / 2) + 1 : c + 1);
}

function readObject<T extends object>(value: unknown, keys: readonly string[]): T {
  if (value === undefined) throw new SecAggError('INVALID_TYPE', 'options must be an object, got undefined');
  return assertOptions<T>(value, 'options', keys);
}

/** The finder's adversary: given, or inferred from `active` (default passive); both must agree. */
function readFinderAdversary(adversary: unknown, active: unknown): boolean {
  if (active !== undefined && typeof active !== 'boolean') {
    throw new SecAggError('INVALID_TYPE', `options.active must be a boolean, got ${show(active)}`);
  }
  if (adversary === undefined) return active === true;
  const semiMalicious = readAdversary(adversary);
  if (active !== undefined && active !== semiMalicious) {
    throw new SecAggError('INVALID_CONFIG', `options.adversary ${show(adversary)} contradicts options.active ${String(active)}: give one of them`);
  }
  return semiMalicious;
}

function readAdversary(value: unknown): boolean {
  if (value !== 'semiHonest' && value !== 'semiMalicious') {
    throw new SecAggError('INVALID_CONFIG', `options.adversary must be 'semiHonest' or 'semiMalicious', got ${show(value)}`);
  }
  return value === 'semiMalicious';
}

function readBits(o: { securityBits?: unknown; correctnessBits?: unknown }): { securityBits: number; correctnessBits: number } {
  return {
    securityBits: o.securityBits === undefined ? 40 : assertInteger(o.securityBits, 'options.securityBits', 1, 128),
    correctnessBits: o.correctnessBits === undefined ? 20 : assertInteger(o.correctnessBits, 'options.correctnessBits', 1, 64),
  };
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, 32)) : describeType(value);
}

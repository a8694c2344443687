/**
 * Session configuration, version 2: the low-level `createSessionConfig`, and the validation
 * every configuration passes wherever it enters (created, derived from a policy, decoded, or
 * handed to `createClient` / `createServer`), with the threshold rules of the security model.
 * The policy-based derivation is ./derive.ts; the canonical encoding ./config-codec.ts.
 */
import { assertInteger, assertNumber, assertOptions, copyBytes, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import {
  MAX_BEACON_ROUND as GRAPH_MAX_BEACON_ROUND,
  countAtFraction as countOf,
  deriveGraph,
  minimumThreshold,
  type AdversaryClass as Adversary,
} from '../graph/index.js';
import type { GraphSpec, SessionConfig, VectorSpec } from './types.js';

/** Largest number of clients in a session (Shamir x-coordinates are 1..65535). */
export const MAX_CLIENTS = 65_535;
/** Largest vector length. */
export const MAX_VECTOR_LENGTH: number = 2 ** 28;
/** Most vectors per session. */
export const MAX_VECTORS = 64;
/** Largest registry a cohort is drawn from (2^24 entries). */
export const MAX_REGISTRY: number = 2 ** 24;
/**
 * Largest beacon round number: 2^32 - 1, the largest round whose time the beacon schedule
 * computes (`beaconRoundTime`), so that a client can check every round a configuration names
 * (at a 3-second period, 400 years of rounds).
 */
export const MAX_BEACON_ROUND: number = GRAPH_MAX_BEACON_ROUND;

/** The Harary graph as `createSessionConfig` takes it. */
export interface HararyGraphInput {
  readonly kind: 'harary';
  /** Neighbours per client (even, 2..clients - 1). */
  readonly degree: number;
  /** 32-byte public seed of the label permutation. */
  readonly seed: Uint8Array;
  /**
   * Active variant: your statement that `seed` is the value a public randomness beacon
   * published after the cohort was fixed (the server must not choose the labelling: the
   * policy API, `deriveSessionConfig`, derives it so). Required with `active: true`.
   */
  readonly seedSource?: 'beacon';
}

/** The SecAgg+ parameter search as `createSessionConfig` takes it. */
export interface AutoGraphInput {
  readonly kind: 'auto';
  /** Assumed fraction of corrupt clients, in [0, 1); the count is rounded up. */
  readonly corruptFraction: number;
  /** Assumed fraction of clients dropping out, in [0, 1); the count is rounded up. */
  readonly dropoutFraction: number;
  /** 32-byte public seed of the Harary label permutation (used when the search picks one). */
  readonly seed: Uint8Array;
  /** As {@link HararyGraphInput.seedSource}. */
  readonly seedSource?: 'beacon';
}

/** Input of {@link createSessionConfig}. */
export interface SessionConfigInput {
  /** Number of clients n, ids 1..n, 2..65535. */
  readonly clients: number;
  /**
   * Shares needed per secret: 2..(neighbours + 1), as each client's secrets are shared among
   * its neighbours and itself (Bonawitz et al.; Google's self-edge), and at least what the
   * security rule needs (`THRESHOLD_TOO_LOW` names the smallest valid t). Required for
   * `complete` and `harary` graphs; chosen by the derivation for `auto`.
   */
  readonly threshold?: number;
  /**
   * The graph (default complete). `auto` derives it like a policy does: the SecAgg+ parameter
   * finder (Bell et al. 2020) from 65 clients, else the complete graph with t = n - dropouts.
   */
  readonly graph?: GraphSpec | HararyGraphInput | AutoGraphInput;
  readonly vectors: readonly VectorSpec[];
  /** 32-byte public nonce, fresh per session (the server picks it). */
  readonly nonce: Uint8Array;
  /** Active variant (default false). Needs `corruptClients` or `corruptFraction`. */
  readonly active?: boolean;
  /** Active variant: Ed25519 verification key of id i at index i - 1 (n keys of 32 bytes). */
  readonly verificationKeys?: readonly Uint8Array[];
  /**
   * The corrupt clients the threshold is set against, 0..n. Required in the active variant
   * (or `corruptFraction`); in the passive one the default is t - 1, the most the threshold
   * tolerates. With `graph.kind === 'auto'` use the graph's `corruptFraction` instead.
   */
  readonly corruptClients?: number;
  /** The same as a fraction of the clients in [0, 1), rounded up (ceil(fraction * n)). */
  readonly corruptFraction?: number;
}

const CONFIG_KEYS = ['clients', 'threshold', 'graph', 'vectors', 'nonce', 'active', 'verificationKeys', 'corruptClients', 'corruptFraction'] as const;
const SESSION_CONFIG_KEYS = [
  'version', 'clients', 'threshold', 'corruptClients', 'graph', 'vectors', 'active', 'nonce',
  'verificationKeys', 'cohort', 'registrySize', 'policyDigest', 'beaconRound',
] as const;
const NAME_PATTERN = /^[\x21-\x7e]{1,64}$/;

function invalid(message: string): SecAggError {
  return new SecAggError('INVALID_CONFIG', message);
}

/**
 * A copy of an array made with one read of its length (then one read per element), or null
 * when `value` is not an array: what is checked afterwards is the copy, so an object cannot
 * show one length to a check and another to the code that keeps it. Internal.
 */
export function copyArray(value: unknown): unknown[] | null {
  if (!Array.isArray(value)) return null;
  const length: unknown = value.length;
  if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 0) return null;
  const out = new Array<unknown>(Math.min(length, MAX_REGISTRY + 1));
  for (let i = 0; i < out.length; i++) out[i] = value[i];
  return out;
}

/**
 * Validates a session configuration and returns a normalised copy (plain data, safe to
 * structured-clone and to share between the server and every client). Ids are 1..n with the
 * cohort 0..n-1 of a registry of n; no policy (`policyDigest` zero). Clients that must hold
 * the server to a trusted policy use `joinRound` instead.
 *
 * @throws {SecAggError} `INVALID_TYPE`, `UNKNOWN_OPTION`, `OUT_OF_RANGE` (clients outside
 *   2..65535, bad lengths, bits or counts), `INVALID_BITS`, `INVALID_LENGTH` (nonce, seed,
 *   keys), `INVALID_CONFIG` (threshold outside 2..neighbourhood size, odd or too large degree,
 *   duplicate or malformed vector names, verification keys missing in the active variant or
 *   given in the passive one, the active variant without its corrupt assumption or with a
 *   Harary seed not stated to come from a beacon), `THRESHOLD_TOO_LOW` (the security rule:
 *   active complete graph 2t > n + corrupt, active Harary 2t > k + 2 + corrupt neighbours,
 *   passive t > corrupt (Harary: corrupt neighbours); the
 *   message names the smallest valid t), `NO_FEASIBLE_GRAPH` (from `auto`).
 * @example
 * ```ts
 * const config = createSessionConfig({
 *   clients: 100, threshold: 60, nonce: cryptoRandomBytes(32),
 *   vectors: [{ name: 'weights', length: 100_000, bits: 24 }],
 * });
 * ```
 */
export function createSessionConfig(input: SessionConfigInput): SessionConfig {
  const o = assertOptions<SessionConfigInput>(input, 'config', CONFIG_KEYS);
  if (input === undefined) throw new SecAggError('INVALID_TYPE', 'config must be an object, got undefined');
  const clients = assertInteger(o.clients, 'clients', 2, MAX_CLIENTS);
  const active = o.active === undefined ? false : o.active;
  if (typeof active !== 'boolean') {
    throw new SecAggError('INVALID_TYPE', `active must be a boolean, got ${describeType(active)}`);
  }
  const adversary: Adversary = active ? 'semiMalicious' : 'semiHonest';
  const nonce = copyBytes(o.nonce, 'nonce', 32);
  const vectors = readVectorSpecs(o.vectors);
  let corrupt = readCorrupt(o, clients);

  let graph: GraphSpec;
  let threshold: number;
  const g: unknown = o.graph ?? { kind: 'complete' };
  if (g === null || typeof g !== 'object') {
    throw new SecAggError('INVALID_TYPE', `graph must be an object, got ${describeType(g)}`);
  }
  const kind = (g as { kind?: unknown }).kind;
  if (kind === 'auto') {
    const a = assertOptions<AutoGraphInput>(g, 'graph', ['kind', 'corruptFraction', 'dropoutFraction', 'seed', 'seedSource']);
    if (o.threshold !== undefined) throw invalid('threshold is chosen by the derivation for graph kind "auto"');
    if (corrupt !== null) throw invalid('graph kind "auto" takes its corrupt assumption as graph.corruptFraction');
    const seed = copyBytes(a.seed, 'graph.seed', 32);
    const dropoutFraction = assertNumber(a.dropoutFraction, 'graph.dropoutFraction', 0, 1, { max: true });
    corrupt = countOf(assertNumber(a.corruptFraction, 'graph.corruptFraction', 0, 1, { max: true }), clients);
    const p = deriveGraph({ clients, corruptClients: corrupt, dropoutFraction, adversary, policy: 'secaggplus' });
    threshold = p.threshold;
    if (p.kind === 'harary') checkSeedSource(a.seedSource, active);
    graph = p.kind === 'complete' ? { kind: 'complete' } : { kind: 'harary', degree: p.degree, seed };
  } else if (kind === 'complete') {
    assertOptions(g, 'graph', ['kind']);
    graph = { kind: 'complete' };
    threshold = requireThreshold(o.threshold);
  } else if (kind === 'harary') {
    const h = assertOptions<HararyGraphInput>(g, 'graph', ['kind', 'degree', 'seed', 'seedSource']);
    const degree = assertInteger(h.degree, 'graph.degree', 2, clients - 1);
    if (degree % 2 !== 0) throw invalid(`graph.degree must be even, got ${degree}`);
    checkSeedSource(h.seedSource, active);
    graph = { kind: 'harary', degree, seed: copyBytes(h.seed, 'graph.seed', 32) };
    threshold = requireThreshold(o.threshold);
  } else {
    throw invalid('graph.kind must be "complete", "harary" or "auto"');
  }
  if (corrupt === null) {
    if (active) {
      throw invalid('the active variant needs the corrupt assumption its threshold is set against: corruptClients or corruptFraction');
    }
    corrupt = Math.max(0, threshold - 1); // passive: the most the threshold tolerates
  }

  let verificationKeys: Uint8Array[] | null = null;
  if (active) {
    const keys = copyArray(o.verificationKeys);
    if (keys === null) {
      throw invalid('the active variant needs verificationKeys: one Ed25519 public key per client id');
    }
    if (keys.length !== clients) {
      throw invalid(`verificationKeys must hold ${clients} keys (index id - 1), got ${keys.length}`);
    }
    verificationKeys = keys.map((k: unknown, i) => copyBytes(k, `verificationKeys[${i}]`, 32));
  } else if (o.verificationKeys !== undefined) {
    throw invalid('verificationKeys are only used by the active variant (set active: true)');
  }
  return validateConfig({
    version: 2,
    clients,
    threshold,
    corruptClients: corrupt,
    graph,
    vectors,
    active,
    nonce,
    verificationKeys,
    cohort: Array.from({ length: clients }, (_, i) => i),
    registrySize: clients,
    policyDigest: new Uint8Array(32),
    beaconRound: null,
  });
}

function readCorrupt(o: SessionConfigInput, clients: number): number | null {
  if (o.corruptClients !== undefined && o.corruptFraction !== undefined) {
    throw invalid('give corruptClients or corruptFraction, not both');
  }
  if (o.corruptClients !== undefined) return assertInteger(o.corruptClients, 'corruptClients', 0, clients);
  if (o.corruptFraction !== undefined) {
    return countOf(assertNumber(o.corruptFraction, 'corruptFraction', 0, 1, { max: true }), clients);
  }
  return null;
}

function requireThreshold(value: unknown): number {
  if (value === undefined) throw invalid('threshold is required for complete and harary graphs');
  return assertInteger(value, 'threshold', 1, Number.MAX_SAFE_INTEGER);
}

function checkSeedSource(source: unknown, active: boolean): void {
  if (source !== undefined && source !== 'beacon') {
    throw invalid(`graph.seedSource must be "beacon" when given, got ${typeof source === 'string' ? JSON.stringify(source.slice(0, 32)) : describeType(source)}`);
  }
  if (active && source !== 'beacon') {
    throw invalid(
      'an active SecAgg+ graph needs a labelling the server cannot choose: derive the configuration from a policy ' +
        'with a beacon (deriveSessionConfig), or state that graph.seed is a beacon value published after the cohort was fixed (seedSource: "beacon")',
    );
  }
}

/** Holders of each client's shares: its neighbours and itself. */
function neighbourhoodSize(clients: number, graph: GraphSpec): number {
  return graph.kind === 'complete' ? clients : graph.degree + 1;
}

/**
 * Validates every field of a version-2 configuration (as `createClient`, `createServer` and
 * `decodeSessionConfig` receive it) and returns a normalised copy: copies first, checks on the
 * copies. Internal.
 *
 * @throws {SecAggError} as {@link createSessionConfig}, and `UNSUPPORTED_VERSION`.
 */
export function validateConfig(config: unknown): SessionConfig {
  if (config === null || typeof config !== 'object') {
    throw new SecAggError('INVALID_TYPE', `config must be an object, got ${describeType(config)}`);
  }
  const c = assertOptions<Record<string, unknown>>(config, 'config', SESSION_CONFIG_KEYS);
  if (c['version'] !== 2) throw new SecAggError('UNSUPPORTED_VERSION', 'config.version must be 2');
  const clients = assertInteger(c['clients'], 'config.clients', 2, MAX_CLIENTS);
  const active = c['active'];
  if (typeof active !== 'boolean') throw new SecAggError('INVALID_TYPE', `config.active must be a boolean, got ${describeType(active)}`);
  const graph = readGraph(c['graph'], clients);
  const threshold = assertInteger(c['threshold'], 'config.threshold', 1, Number.MAX_SAFE_INTEGER);
  const max = neighbourhoodSize(clients, graph);
  if (threshold < 2 || threshold > max) throw invalid(`threshold must be in 2..${max} (the neighbourhood size), got ${threshold}`);
  const corruptClients = assertInteger(c['corruptClients'], 'config.corruptClients', 0, clients);
  checkThreshold(threshold, { clients, graph, corruptClients, active });
  const vectors = readVectorSpecs(c['vectors']);
  const nonce = copyBytes(c['nonce'], 'config.nonce', 32);
  const rawKeys = c['verificationKeys'];
  const keys = copyArray(rawKeys);
  let verificationKeys: Uint8Array[] | null = null;
  if (active) {
    if (keys === null || keys.length !== clients) {
      throw invalid(`the active variant needs verificationKeys: ${clients} Ed25519 public keys (index id - 1)`);
    }
    verificationKeys = keys.map((k: unknown, i) => copyBytes(k, `config.verificationKeys[${i}]`, 32));
  } else if (rawKeys !== null) {
    throw invalid('verificationKeys must be null in the passive variant');
  }
  const registrySize = assertInteger(c['registrySize'], 'config.registrySize', clients, MAX_REGISTRY);
  const cohort = readCohort(c['cohort'], clients, registrySize);
  const policyDigest = copyBytes(c['policyDigest'], 'config.policyDigest', 32);
  const round = c['beaconRound'];
  const beaconRound = round === null ? null : assertInteger(round, 'config.beaconRound', 1, MAX_BEACON_ROUND);
  return {
    version: 2, clients, threshold, corruptClients, graph, vectors, active, nonce, verificationKeys,
    cohort, registrySize, policyDigest, beaconRound,
  };
}

function readGraph(value: unknown, clients: number): GraphSpec {
  if (value === null || typeof value !== 'object') {
    throw new SecAggError('INVALID_TYPE', `config.graph must be an object, got ${describeType(value)}`);
  }
  const kind = (value as { kind?: unknown }).kind;
  if (kind === 'complete') {
    assertOptions(value, 'config.graph', ['kind']);
    return { kind: 'complete' };
  }
  if (kind !== 'harary') throw invalid('config.graph.kind must be "complete" or "harary"');
  const h = assertOptions<{ degree: unknown; seed: unknown }>(value, 'config.graph', ['kind', 'degree', 'seed']);
  const degree = assertInteger(h.degree, 'config.graph.degree', 2, clients - 1);
  if (degree % 2 !== 0) throw invalid(`graph.degree must be even, got ${degree}`);
  return { kind: 'harary', degree, seed: copyBytes(h.seed, 'config.graph.seed', 32) };
}

/**
 * The threshold rule of the security model (TRUST.md B): refuses a threshold below the
 * smallest one the rule allows for the assumed corrupt clients, and names that smallest t.
 */
export function checkThreshold(
  threshold: number,
  c: { readonly clients: number; readonly graph: GraphSpec; readonly corruptClients: number; readonly active: boolean },
): void {
  // A Harary graph of degree n - 1 joins every pair: it is the complete graph, and its rule is.
  const kind = c.graph.kind === 'harary' && c.graph.degree < c.clients - 1 ? 'harary' : 'complete';
  const degree = kind === 'complete' ? c.clients - 1 : (c.graph as { degree: number }).degree;
  const adversary: Adversary = c.active ? 'semiMalicious' : 'semiHonest';
  const min = minimumThreshold({ kind, clients: c.clients, degree, corruptClients: c.corruptClients, adversary });
  if (threshold >= min) return;
  const rule = !c.active
    ? 't > corrupt clients'
    : kind === 'complete'
      ? '2t > n + corrupt clients, so that a server showing two groups of clients different survivor sets cannot collect both shares of a client'
      : '2t > k + 2 + corrupt neighbours, so that a server showing clients different survivor sets cannot collect what unmasks a client';
  const max = neighbourhoodSize(c.clients, c.graph);
  throw new SecAggError(
    'THRESHOLD_TOO_LOW',
    `threshold ${threshold} is too low for ${c.clients} clients (${kind} graph${kind === 'harary' ? `, degree ${degree}` : ''}) ` +
      `with ${c.corruptClients} assumed corrupt (${c.active ? 'active' : 'passive'}: ${rule}); ` +
      (min <= max ? `the smallest valid threshold is ${min}` : `no threshold up to ${max} is valid (it would take ${min}): add clients or assume fewer corrupt`),
  );
}

/**
 * Cohorts this module checked and froze. A frozen array of numbers cannot change, so a
 * configuration that carries one is read without a copy: a simulation of 10,000 clients keeps one
 * cohort of 10,000 entries instead of one per client (800 MB, and the garbage collector's time
 * tracing them).
 */
const checkedCohorts = new WeakSet<readonly number[]>();

function readCohort(value: unknown, clients: number, registrySize: number): readonly number[] {
  if (Array.isArray(value) && checkedCohorts.has(value)) {
    // Strictly increasing from 0 or more when it was checked: only the bounds can differ.
    if (value.length === clients && (value[clients - 1] as number) < registrySize) return value;
  }
  if (!Array.isArray(value) || value.length !== clients) {
    throw invalid(`config.cohort must list the ${clients} clients' registry indices`);
  }
  const out = new Array<number>(clients);
  let previous = -1;
  for (let i = 0; i < clients; i++) {
    const index: unknown = value[i];
    if (typeof index !== 'number' || !Number.isInteger(index) || index <= previous || index >= registrySize) {
      throw invalid(`config.cohort must be strictly increasing registry indices in 0..${registrySize - 1} (entry ${i})`);
    }
    out[i] = previous = index;
  }
  Object.freeze(out);
  checkedCohorts.add(out);
  return out;
}

/** The vector specs of a configuration or policy: 1..64 vectors, unique printable names. Internal. */
export function readVectorSpecs(input: unknown): VectorSpec[] {
  const value = copyArray(input);
  if (value === null) {
    throw new SecAggError('INVALID_TYPE', `vectors must be an array, got ${describeType(input)}`);
  }
  if (value.length < 1 || value.length > MAX_VECTORS) {
    throw invalid(`vectors must list 1..${MAX_VECTORS} vectors, got ${value.length}`);
  }
  const names = new Set<string>();
  const out = new Array<VectorSpec>(value.length);
  for (let i = 0; i < value.length; i++) {
    const v: unknown = value[i];
    if (v === undefined) throw new SecAggError('INVALID_TYPE', `vectors[${i}] must be an object`);
    const s = assertOptions<Record<string, unknown>>(v, `vectors[${i}]`, ['name', 'length', 'bits']);
    const name = s['name'];
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw invalid(`vectors[${i}].name must be 1..64 printable ASCII characters without spaces`);
    }
    if (names.has(name)) throw invalid(`vector name "${name}" is used twice`);
    names.add(name);
    const length = assertInteger(s['length'], `vectors[${i}].length`, 1, MAX_VECTOR_LENGTH);
    const bits = s['bits'];
    if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 1 || bits > 32) {
      throw new SecAggError('INVALID_BITS', `vectors[${i}].bits must be an integer in 1..32`);
    }
    out[i] = { name, length, bits };
  }
  return out;
}

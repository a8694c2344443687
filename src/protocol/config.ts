/**
 * Session configuration: validation, canonical byte encoding (bound into the session id) and
 * neighbourhoods.
 */
import { assertInteger, assertOptions, copyBytes, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { findGraphParameters } from '../graph/index.js';
import type { GraphSpec, SessionConfig, VectorSpec } from './types.js';
import { ByteWriter } from '../_bytes.js';

/** Largest number of clients (Shamir x-coordinates are 1..65535). */
export const MAX_CLIENTS = 65_535;
/** Largest vector length. */
export const MAX_VECTOR_LENGTH: number = 2 ** 28;
/** Most vectors per session. */
export const MAX_VECTORS = 64;

/** Input of {@link createSessionConfig}. */
export interface SessionConfigInput {
  /** Number of clients n, ids 1..n, 2..65535. */
  readonly clients: number;
  /**
   * Shares needed per secret: 2..(neighbours + 1), as each client's secrets are shared among
   * its neighbours and itself (Bonawitz et al.; Google's self-edge). Required for `complete` and `harary`
   * graphs; taken from the parameter finder for `auto`.
   */
  readonly threshold?: number;
  /**
   * The graph (default complete). `auto` runs the SecAgg+ parameter finder (Bell et al. 2020,
   * as in Google's implementation) and falls back to the complete graph for small cohorts.
   */
  readonly graph?:
    | GraphSpec
    | {
        readonly kind: 'auto';
        /** Assumed fraction of corrupt clients, in [0, 1). */
        readonly corruptFraction: number;
        /** Assumed fraction of clients dropping out, in [0, 1). */
        readonly dropoutFraction: number;
        /** 32-byte public seed of the Harary label permutation. */
        readonly seed: Uint8Array;
      };
  readonly vectors: readonly VectorSpec[];
  /** 32-byte public nonce, fresh per session (the server picks it). */
  readonly nonce: Uint8Array;
  /** Active variant (default false). */
  readonly active?: boolean;
  /** Active variant: Ed25519 verification key of id i at index i - 1 (n keys of 32 bytes). */
  readonly verificationKeys?: readonly Uint8Array[];
}

const CONFIG_KEYS = ['clients', 'threshold', 'graph', 'vectors', 'nonce', 'active', 'verificationKeys'] as const;
const NAME_PATTERN = /^[\x21-\x7e]{1,64}$/;

function invalid(message: string): SecAggError {
  return new SecAggError('INVALID_CONFIG', message);
}

/**
 * Validates a session configuration and returns a normalised copy (plain data, safe to
 * structured-clone and to share between the server and every client).
 *
 * @throws {SecAggError} `INVALID_TYPE`, `UNKNOWN_OPTION`, `OUT_OF_RANGE` (clients outside
 *   2..65535, bad lengths or bits), `INVALID_BITS`, `INVALID_LENGTH` (nonce, seed, keys),
 *   `INVALID_CONFIG` (threshold outside 2..neighbourhood size, odd or too large degree,
 *   duplicate or malformed vector names, verification keys missing in the active variant or
 *   given in the passive one), `NO_FEASIBLE_GRAPH` (from the `auto` parameter finder).
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
  const nonce = copyBytes(o.nonce, 'nonce', 32);
  const vectors = readVectors(o.vectors);

  let graph: GraphSpec;
  let threshold: number;
  const g: unknown = o.graph ?? { kind: 'complete' };
  if (g === null || typeof g !== 'object') {
    throw new SecAggError('INVALID_TYPE', `graph must be an object, got ${describeType(g)}`);
  }
  const kind = (g as { kind?: unknown }).kind;
  if (kind === 'auto') {
    const a = assertOptions<{ corruptFraction: number; dropoutFraction: number; seed: Uint8Array }>(
      g,
      'graph',
      ['kind', 'corruptFraction', 'dropoutFraction', 'seed'],
    );
    const seed = copyBytes(a.seed, 'graph.seed', 32);
    if (o.threshold !== undefined) throw invalid('threshold is chosen by the parameter finder for graph kind "auto"');
    const p = findGraphParameters({
      clients,
      corruptFraction: a.corruptFraction,
      dropoutFraction: a.dropoutFraction,
      adversary: active ? 'semiMalicious' : 'semiHonest',
    });
    threshold = p.threshold;
    graph = p.kind === 'complete' ? { kind: 'complete' } : { kind: 'harary', degree: p.degree, seed };
  } else if (kind === 'complete') {
    assertOptions(g, 'graph', ['kind']);
    graph = { kind: 'complete' };
    threshold = readThreshold(o.threshold, clients, graph);
  } else if (kind === 'harary') {
    const h = assertOptions<{ degree: number; seed: Uint8Array }>(g, 'graph', ['kind', 'degree', 'seed']);
    const degree = assertInteger(h.degree, 'graph.degree', 2, clients - 1);
    if (degree % 2 !== 0) throw invalid(`graph.degree must be even, got ${degree}`);
    graph = { kind: 'harary', degree, seed: copyBytes(h.seed, 'graph.seed', 32) };
    threshold = readThreshold(o.threshold, clients, graph);
  } else {
    throw invalid('graph.kind must be "complete", "harary" or "auto"');
  }

  let verificationKeys: Uint8Array[] | null = null;
  if (active) {
    const keys: unknown = o.verificationKeys;
    if (!Array.isArray(keys)) {
      throw invalid('the active variant needs verificationKeys: one Ed25519 public key per client id');
    }
    if (keys.length !== clients) {
      throw invalid(`verificationKeys must hold ${clients} keys (index id - 1), got ${keys.length}`);
    }
    verificationKeys = keys.map((k: unknown, i) => copyBytes(k, `verificationKeys[${i}]`, 32));
  } else if (o.verificationKeys !== undefined) {
    throw invalid('verificationKeys are only used by the active variant (set active: true)');
  }
  return { version: 1, clients, threshold, graph, vectors, active, nonce, verificationKeys };
}

/** Holders of each client's shares: its neighbours and itself. */
function neighbourhoodSize(clients: number, graph: GraphSpec): number {
  return graph.kind === 'complete' ? clients : graph.degree + 1;
}

function readThreshold(value: unknown, clients: number, graph: GraphSpec): number {
  if (value === undefined) throw invalid('threshold is required for complete and harary graphs');
  const max = neighbourhoodSize(clients, graph);
  const t = assertInteger(value, 'threshold', 1, Number.MAX_SAFE_INTEGER);
  if (t < 2 || t > max) {
    throw invalid(`threshold must be in 2..${max} (the neighbourhood size), got ${t}`);
  }
  return t;
}

function readVectors(value: unknown): VectorSpec[] {
  if (!Array.isArray(value)) {
    throw new SecAggError('INVALID_TYPE', `vectors must be an array, got ${describeType(value)}`);
  }
  if (value.length < 1 || value.length > MAX_VECTORS) {
    throw invalid(`vectors must list 1..${MAX_VECTORS} vectors, got ${value.length}`);
  }
  const names = new Set<string>();
  return value.map((v: unknown, i) => {
    const s = assertOptions<VectorSpec>(v, `vectors[${i}]`, ['name', 'length', 'bits']);
    if (v === undefined) throw new SecAggError('INVALID_TYPE', `vectors[${i}] must be an object`);
    if (typeof s.name !== 'string' || !NAME_PATTERN.test(s.name)) {
      throw invalid(`vectors[${i}].name must be 1..64 printable ASCII characters without spaces`);
    }
    if (names.has(s.name)) throw invalid(`vector name "${s.name}" is used twice`);
    names.add(s.name);
    const length = assertInteger(s.length, `vectors[${i}].length`, 1, MAX_VECTOR_LENGTH);
    const bits = s.bits;
    if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 1 || bits > 32) {
      throw new SecAggError('INVALID_BITS', `vectors[${i}].bits must be an integer in 1..32`);
    }
    return { name: s.name, length, bits };
  });
}

/**
 * Canonical encoding of a configuration (bound into every session id and key signature):
 * u8 version | u32 clients | u32 threshold | u8 graph kind (0 complete, 1 harary) | u32 degree
 * (0 for complete) | 32-byte graph seed (zeros for complete) | u8 active | 32-byte nonce |
 * u32 vector count | per vector: u8 name length, name (ASCII), u32 length, u8 bits |
 * 32 bytes: SHA-256 of the concatenated verification keys (zeros in the passive variant).
 * Integers big-endian.
 */
export function encodeConfig(config: SessionConfig, sha256: (b: Uint8Array) => Uint8Array): Uint8Array {
  const w = new ByteWriter(128 + config.vectors.length * 72);
  w.u8(config.version);
  w.u32(config.clients);
  w.u32(config.threshold);
  if (config.graph.kind === 'complete') {
    w.u8(0);
    w.u32(0);
    w.bytes(new Uint8Array(32));
  } else {
    w.u8(1);
    w.u32(config.graph.degree);
    w.bytes(config.graph.seed);
  }
  w.u8(config.active ? 1 : 0);
  w.bytes(config.nonce);
  w.u32(config.vectors.length);
  for (const v of config.vectors) {
    w.u8(v.name.length);
    for (let i = 0; i < v.name.length; i++) w.u8(v.name.charCodeAt(i));
    w.u32(v.length);
    w.u8(v.bits);
  }
  if (config.verificationKeys === null) {
    w.bytes(new Uint8Array(32));
  } else {
    const all = new Uint8Array(32 * config.verificationKeys.length);
    config.verificationKeys.forEach((k, i) => all.set(k, 32 * i));
    w.bytes(sha256(all));
  }
  return w.finish();
}

/**
 * Who shares keys with whom: the complete graph of Bonawitz et al. (CCS 2017) or the sparse,
 * randomly labelled k-regular Harary graph of SecAgg+ (Bell et al., CCS 2020). The parameter
 * finder is params.ts, the seed's derivation beacon.ts.
 *
 * Client ids are 1..n (an id is also its Shamir x-coordinate). A Harary graph H(k, n) puts the
 * n ring positions 0..n-1 in a circle and joins each position to the k/2 nearest on either side
 * (plus the diametrically opposite one when k is odd, n even). The ids are placed on the ring by
 * a permutation drawn from the public 32-byte seed (Fisher-Yates over a ChaCha20 keystream, see
 * docs/protocol-graph.md), so every party derives the same graph from (clients, degree, seed)
 * and a protocol state only needs to store those three values.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { assertBytes, assertInteger, assertOptions, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';

/** The complete graph (every pair of clients) or a k-regular Harary graph. */
export type GraphKind = 'complete' | 'harary';

/** Largest number of clients a graph can have. */
export const MAX_GRAPH_CLIENTS = 65_535;
/** Bytes of the public seed that permutes a Harary graph's labels. */
export const GRAPH_SEED_BYTES = 32;

/** The serialisable description of a graph: enough to rebuild it with {@link buildGraph}. */
export type GraphSpec =
  | { readonly kind: 'complete'; readonly clients: number }
  | { readonly kind: 'harary'; readonly clients: number; readonly degree: number; readonly seed: Uint8Array };

/**
 * A built graph: the spec fields plus the derived ring placement (Harary only). Memory O(n).
 * Rebuild it from the spec rather than serialising it.
 */
export interface SecAggGraph {
  readonly kind: GraphKind;
  readonly clients: number;
  readonly degree: number;
  /** The public seed (Harary), null for the complete graph. */
  readonly seed: Uint8Array | null;
  /** Harary: id at ring position p (length n). Null for the complete graph. */
  readonly idAtPosition: Uint32Array | null;
  /** Harary: ring position of id (length n + 1, index 0 unused). Null for the complete graph. */
  readonly positionOfId: Uint32Array | null;
}

const HARARY_KEYS = ['clients', 'degree', 'seed'];

/**
 * The complete graph on ids 1..clients: every client is a neighbour of every other.
 *
 * @param clients 2..65,535.
 * @throws {SecAggError} `INVALID_TYPE` / `OUT_OF_RANGE` for a bad count.
 * @example
 * ```ts
 * const graph = buildCompleteGraph(100);
 * neighboursOf(graph, 1); // 2..100
 * ```
 */
export function buildCompleteGraph(clients: number): SecAggGraph {
  const n = assertInteger(clients, 'clients', 2, MAX_GRAPH_CLIENTS);
  return { kind: 'complete', clients: n, degree: n - 1, seed: null, idAtPosition: null, positionOfId: null };
}

/**
 * The Harary graph H(degree, clients) with ids placed on the ring by a permutation derived from
 * the public `seed` (deterministic: every party gets the same graph).
 *
 * @param options.clients 2..65,535.
 * @param options.degree 1..clients - 1; odd degrees need an even number of clients.
 * @param options.seed 32 public random bytes, agreed by all parties: from
 *   `graphSeedFromBeacon` (active variant) or `graphSeedFromNonce` (passive). A seed
 *   the server may pick after it knows the cohort lets it seat its clients around a victim
 *   (docs/protocol-graph.md, "Graph randomness").
 * @throws {SecAggError} `UNKNOWN_OPTION`, `INVALID_TYPE`, `OUT_OF_RANGE`, `INVALID_LENGTH` for bad
 *   options, `INVALID_CONFIG` for an odd degree with an odd number of clients.
 * @example
 * ```ts
 * const graph = buildHararyGraph({ clients: 1000, degree: 30, seed });
 * neighboursOf(graph, 17); // 30 ids, ascending
 * ```
 */
export function buildHararyGraph(options: { clients: number; degree: number; seed: Uint8Array }): SecAggGraph {
  const o = assertOptions<{ clients: number; degree: number; seed: Uint8Array }>(options, 'options', HARARY_KEYS);
  if (options === undefined) throw new SecAggError('INVALID_TYPE', 'options must be an object, got undefined');
  const n = assertInteger(o.clients, 'options.clients', 2, MAX_GRAPH_CLIENTS);
  const k = assertInteger(o.degree, 'options.degree', 1, n - 1);
  const seed = Uint8Array.from(assertBytes(o.seed, 'options.seed', GRAPH_SEED_BYTES));
  if (k % 2 === 1 && n % 2 === 1) {
    throw new SecAggError(
      'INVALID_CONFIG',
      `a ${k}-regular graph on ${n} vertices does not exist (odd degree needs an even number of clients)`,
    );
  }
  const idAtPosition = permutationFromSeed(seed, n);
  const positionOfId = new Uint32Array(n + 1);
  for (let p = 0; p < n; p++) positionOfId[idAtPosition[p] as number] = p;
  return { kind: 'harary', clients: n, degree: k, seed, idAtPosition, positionOfId };
}

/**
 * Builds a graph from its serialisable {@link GraphSpec} (the form protocol states store).
 *
 * @throws {SecAggError} as {@link buildCompleteGraph} / {@link buildHararyGraph};
 *   `INVALID_CONFIG` for an unknown kind.
 * @example
 * ```ts
 * const graph = buildGraph({ kind: 'harary', clients: 1000, degree: 30, seed });
 * ```
 */
export function buildGraph(spec: GraphSpec): SecAggGraph {
  if (spec === null || typeof spec !== 'object') {
    throw new SecAggError('INVALID_TYPE', `spec must be an object, got ${describeType(spec)}`);
  }
  if (spec.kind === 'complete') {
    assertOptions(spec, 'spec', ['kind', 'clients']);
    return buildCompleteGraph(spec.clients);
  }
  if (spec.kind === 'harary') {
    const { kind: _kind, ...rest } = spec;
    return buildHararyGraph(rest);
  }
  throw new SecAggError('INVALID_CONFIG', `spec.kind must be 'complete' or 'harary'`);
}

/**
 * The serialisable description of a built graph (inverse of {@link buildGraph}).
 *
 * @example
 * ```ts
 * const spec = graphSpec(graph); // store this in protocol state
 * ```
 */
export function graphSpec(graph: SecAggGraph): GraphSpec {
  checkGraph(graph);
  return graph.kind === 'complete'
    ? { kind: 'complete', clients: graph.clients }
    : { kind: 'harary', clients: graph.clients, degree: graph.degree, seed: Uint8Array.from(graph.seed as Uint8Array) };
}

/**
 * The neighbours of `id` (never `id` itself), ascending; `degree` of them.
 *
 * @param id 1..clients.
 * @param out Optional buffer of at least `degree` elements; the result is a view of it.
 * @throws {SecAggError} `INVALID_TYPE` for a graph not made here, `OUT_OF_RANGE` for a bad id,
 *   `INVALID_LENGTH` for a short `out`.
 * @example
 * ```ts
 * for (const v of neighboursOf(graph, myId)) { ... }
 * ```
 */
export function neighboursOf(graph: SecAggGraph, id: number, out?: Uint32Array): Uint32Array {
  checkGraph(graph);
  const n = graph.clients;
  assertInteger(id, 'id', 1, n);
  const k = graph.degree;
  let result: Uint32Array;
  if (out === undefined) {
    result = new Uint32Array(k);
  } else {
    if (!(out instanceof Uint32Array)) {
      throw new SecAggError('INVALID_TYPE', `out must be a Uint32Array, got ${describeType(out)}`);
    }
    if (out.length < k) throw new SecAggError('INVALID_LENGTH', `out must hold at least ${k} elements, got ${out.length}`);
    result = out.subarray(0, k);
  }
  if (graph.kind === 'complete') {
    let at = 0;
    for (let v = 1; v <= n; v++) if (v !== id) result[at++] = v;
    return result;
  }
  const ids = graph.idAtPosition as Uint32Array;
  const p = (graph.positionOfId as Uint32Array)[id] as number;
  const half = k >>> 1;
  let at = 0;
  for (let d = 1; d <= half; d++) {
    result[at++] = ids[p + d < n ? p + d : p + d - n] as number;
    result[at++] = ids[p - d >= 0 ? p - d : p - d + n] as number;
  }
  if (k % 2 === 1) {
    const opposite = p + n / 2;
    result[at++] = ids[opposite < n ? opposite : opposite - n] as number;
  }
  return result.sort();
}

/**
 * True when clients `a` and `b` are neighbours (false for a === b). O(1).
 *
 * @throws {SecAggError} `INVALID_TYPE` for a graph not made here, `OUT_OF_RANGE` for bad ids.
 * @example
 * ```ts
 * if (!areNeighbours(graph, sender, myId)) abort();
 * ```
 */
export function areNeighbours(graph: SecAggGraph, a: number, b: number): boolean {
  checkGraph(graph);
  assertInteger(a, 'a', 1, graph.clients);
  assertInteger(b, 'b', 1, graph.clients);
  if (a === b) return false;
  if (graph.kind === 'complete') return true;
  const pos = graph.positionOfId as Uint32Array;
  const n = graph.clients;
  const diff = Math.abs((pos[a] as number) - (pos[b] as number));
  const ring = Math.min(diff, n - diff);
  if (ring <= graph.degree >>> 1) return true;
  return graph.degree % 2 === 1 && ring === n / 2;
}

function checkGraph(graph: SecAggGraph): void {
  if (graph === null || typeof graph !== 'object') {
    throw new SecAggError('INVALID_TYPE', `graph must be a SecAggGraph, got ${describeType(graph)}`);
  }
  const ok =
    (graph.kind === 'complete' &&
      Number.isInteger(graph.clients) &&
      graph.clients >= 2 &&
      graph.clients <= MAX_GRAPH_CLIENTS &&
      graph.degree === graph.clients - 1) ||
    (graph.kind === 'harary' &&
      Number.isInteger(graph.clients) &&
      graph.clients >= 2 &&
      graph.clients <= MAX_GRAPH_CLIENTS &&
      Number.isInteger(graph.degree) &&
      graph.degree >= 1 &&
      graph.degree < graph.clients &&
      graph.idAtPosition instanceof Uint32Array &&
      graph.idAtPosition.length === graph.clients &&
      graph.positionOfId instanceof Uint32Array &&
      graph.positionOfId.length === graph.clients + 1);
  if (!ok) {
    throw new SecAggError('INVALID_TYPE', 'graph must come from buildGraph, buildHararyGraph or buildCompleteGraph');
  }
}

// ASCII "secagg-graph": the ChaCha20 nonce that separates this stream from any other use of a seed.
const GRAPH_NONCE = new TextEncoder().encode('secagg-graph');
const STREAM_WORDS = 1024;

/**
 * ids 1..n in the order of a Fisher-Yates shuffle driven by the ChaCha20 keystream of `seed`
 * (RFC 8439 ChaCha20, key = seed, nonce = "secagg-graph", block counter from 0), read as
 * little-endian 32-bit words. For i = n - 1 down to 1, j is uniform in [0, i] by rejection:
 * words w >= 2^32 - (2^32 mod (i + 1)) are skipped, then j = w mod (i + 1); swap i and j.
 */
function permutationFromSeed(seed: Uint8Array, n: number): Uint32Array {
  const ids = new Uint32Array(n);
  for (let p = 0; p < n; p++) ids[p] = p + 1;
  const zeros = new Uint8Array(STREAM_WORDS * 4);
  const bytes = new Uint8Array(STREAM_WORDS * 4);
  const view = new DataView(bytes.buffer);
  let block = 0;
  let word = STREAM_WORDS;
  const next = (): number => {
    if (word === STREAM_WORDS) {
      chacha20(seed, GRAPH_NONCE, zeros, bytes, block);
      block += (STREAM_WORDS * 4) / 64;
      word = 0;
    }
    return view.getUint32(4 * word++, true);
  };
  for (let i = n - 1; i >= 1; i--) {
    const bound = i + 1;
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % bound);
    let w = next();
    while (w >= limit) w = next();
    const j = w % bound;
    const t = ids[i] as number;
    ids[i] = ids[j] as number;
    ids[j] = t;
  }
  return ids;
}

/** Neighbourhoods of a configuration (internal), with a small cache of built Harary graphs. */
import { buildHararyGraph, neighboursOf } from './graph.js';

/**
 * What the neighbourhoods depend on: the number of clients and the graph (kind, and the Harary
 * degree and seed). A protocol `SessionConfig` is one.
 */
export interface GraphConfig {
  readonly clients: number;
  readonly graph:
    | { readonly kind: 'complete' }
    | { readonly kind: 'harary'; readonly degree: number; readonly seed: Uint8Array };
}

type Graph = ReturnType<typeof buildHararyGraph>;
const cache = new Map<string, Graph>();

function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function harary(clients: number, degree: number, seed: Uint8Array): Graph {
  const key = `${clients}/${degree}/${hex(seed)}`;
  let g = cache.get(key);
  if (g === undefined) {
    g = buildHararyGraph({ clients, degree, seed });
    if (cache.size >= 4) cache.delete(cache.keys().next().value as string);
    cache.set(key, g);
  }
  return g;
}

/** Neighbours of `id` (increasing, never `id` itself), as a fresh array. */
export function neighbourIds(config: GraphConfig, id: number): Uint32Array {
  if (config.graph.kind === 'complete') {
    const out = new Uint32Array(config.clients - 1);
    let j = 0;
    for (let v = 1; v <= config.clients; v++) if (v !== id) out[j++] = v;
    return out;
  }
  const raw = neighboursOf(harary(config.clients, config.graph.degree, config.graph.seed), id);
  let self = 0;
  for (let i = 0; i < raw.length; i++) if (raw[i] === id) self++;
  const out = new Uint32Array(raw.length - self);
  let j = 0;
  for (let i = 0; i < raw.length; i++) if (raw[i] !== id) out[j++] = raw[i] as number;
  out.sort();
  return out;
}

/**
 * Where each id's key directory leaf sits (index id, 0 unused): its ring position in a Harary
 * graph, so that a neighbourhood is one or two runs of leaves; null in the complete graph
 * (position id - 1). The cached graph's own table: read it, never write to it.
 */
export function directoryPositions(config: GraphConfig): Uint32Array | null {
  if (config.graph.kind === 'complete') return null;
  return harary(config.clients, config.graph.degree, config.graph.seed).positionOfId;
}

/** The neighbourhood of `id`: its neighbours (increasing) with `id` itself in its place. */
export function withSelf(neighbours: ArrayLike<number>, id: number): number[] {
  const out = Array.from(neighbours);
  const at = out.findIndex((v) => v > id);
  out.splice(at < 0 ? out.length : at, 0, id);
  return out;
}

/**
 * Neighbourhood oracle for the server: `of(id)` returns the sorted neighbours and `has(u, v)`
 * tells adjacency in O(log k).
 */
export interface Topology {
  of(id: number): Uint32Array;
  has(u: number, v: number): boolean;
}

export function topology(config: GraphConfig): Topology {
  if (config.graph.kind === 'complete') {
    const n = config.clients;
    return {
      of(id: number): Uint32Array {
        return neighbourIds(config, id);
      },
      has(u: number, v: number): boolean {
        return u !== v && u >= 1 && v >= 1 && u <= n && v <= n;
      },
    };
  }
  // Every list is a view of one table (a server reads each client's list, ~30 ids: one small
  // ArrayBuffer per list cost ~4.5 us each, 45 ms at 10,000 clients, and as many buffers for the
  // collector to track). A Harary neighbourhood never holds the id itself.
  const graph = harary(config.clients, config.graph.degree, config.graph.seed);
  const k = graph.degree;
  const table = new Uint32Array(k * (config.clients + 1));
  const lists: (Uint32Array | undefined)[] = new Array(config.clients + 1);
  const of = (id: number): Uint32Array => {
    let l = lists[id];
    if (l === undefined) {
      l = neighboursOf(graph, id, table.subarray(k * id, k * id + k));
      lists[id] = l;
    }
    return l;
  };
  return {
    of,
    has(u: number, v: number): boolean {
      return indexOf(of(u), v) >= 0;
    },
  };
}

/** Binary search in a sorted array; -1 when absent. */
export function indexOf(sorted: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const m = sorted[mid] as number;
    if (m === value) return mid;
    if (m < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

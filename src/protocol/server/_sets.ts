/**
 * The server's view of the round sets and neighbourhoods (internal): membership bitmaps, the
 * topology of a configuration, whose shares a client holds, and the threshold checks.
 */
import { topology, type Topology } from '../../graph/index.js';
import type { Pieces } from '../_pieces.js';
import type { SessionConfig } from '../types.js';
import { drop, type Live } from './_live.js';

// Membership bitmaps of the (never mutated) round sets, memoised by array identity, so that
// filtering a neighbourhood costs O(k) instead of O(n).
const bitmaps = new WeakMap<readonly number[], Uint8Array>();
export function bitmapOf(set: readonly number[], n: number): Uint8Array {
  let b = bitmaps.get(set);
  if (b === undefined || b.length !== n + 1) {
    b = new Uint8Array(n + 1);
    for (const id of set) b[id] = 1;
    bitmaps.set(set, b);
  }
  return b;
}

/** The ids of `list` (increasing) that are in `set`. `set` must never be mutated afterwards. */
export function within(list: ArrayLike<number>, set: readonly number[], n: number): number[] {
  const b = bitmapOf(set, n);
  const out: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const id = list[i] as number;
    if (b[id] === 1) out.push(id);
  }
  return out;
}

// Topologies are rebuilt from the config (they are not part of the serialisable state).
const topologies = new WeakMap<SessionConfig, Topology>();
export function topologyOf(s: { config: SessionConfig }): Topology {
  let t = topologies.get(s.config);
  if (t === undefined) {
    t = topology(s.config);
    topologies.set(s.config, t);
  }
  return t;
}

/** Whose shares client `w` holds: its neighbours in U2 and itself, increasing. */
export function ownersOf(s: Live, topo: Topology, w: number): number[] {
  const list = within(topo.of(w), s.rounds.u2, s.config.clients);
  const at = list.findIndex((v) => v > w);
  if (at < 0) list.push(w);
  else list.splice(at, 0, w);
  return list;
}

/** Drops, until none is left, members with fewer than t - 1 neighbours among the members (in pieces: one member each). */
export function* pruneIsolated(s: Live, topo: Topology): Pieces<void> {
  const t = s.config.threshold;
  const alive = new Uint8Array(s.config.clients + 1);
  for (const id of s.members) alive[id] = 1;
  let changed = true;
  while (changed) {
    changed = false;
    for (const u of s.members.slice()) {
      const nb = topo.of(u);
      let c = 1;
      for (let i = 0; i < nb.length; i++) c += alive[nb[i] as number] as number;
      if (c < t) {
        drop(s, u, 'TOO_FEW_NEIGHBOURS');
        alive[u] = 0;
        changed = true;
      }
      yield;
    }
  }
}

/**
 * Checks that unmasking can still succeed when shares come from `responders`: every survivor
 * needs t holders (neighbours or itself) among them, every dropped client with a surviving
 * neighbour t neighbours among them. Returns a reason or null (in pieces: one client each).
 */
export function* unmaskable(s: Live, topo: Topology, survivors: readonly number[], responders: readonly number[]): Pieces<string | null> {
  const t = s.config.threshold;
  const n = s.config.clients;
  if (survivors.length === 0) return 'no client sent its masked input';
  const responding = new Uint8Array(n + 1);
  for (const id of responders) responding[id] = 1;
  const surviving = new Uint8Array(n + 1);
  for (const id of survivors) surviving[id] = 1;
  const count = (list: Uint32Array, map: Uint8Array): number => {
    let c = 0;
    for (let i = 0; i < list.length; i++) c += map[list[i] as number] as number;
    return c;
  };
  for (const u of survivors) {
    const c = count(topo.of(u), responding) + (responding[u] as number);
    if (c < t) return `client ${u}'s self mask has ${c} share holders left, threshold is ${t}`;
    yield;
  }
  for (const v of s.rounds.u2) {
    if (surviving[v] === 1) continue;
    const nb = topo.of(v);
    if (count(nb, surviving) === 0) continue;
    const c = count(nb, responding);
    if (c < t) return `dropped client ${v}'s masking key has ${c} share holders left, threshold is ${t}`;
    yield;
  }
  return null;
}

/**
 * The checks a client makes of the server's survivor and dropped sets (rounds 3 and 4) before
 * it signs or reveals (internal).
 */
import { indexOf } from '../../graph/index.js';
import type { ClientConsistencyState, ClientUnmaskingState } from '../types.js';
import type { Problem } from './_state.js';

/**
 * Survivor/dropped checks: self in survivors and not dropped, disjoint, each neighbour named in
 * either set is one whose shares this client holds, each held neighbour is named in one of them
 * (only when `dropped` is given as a list), and at least t neighbours survive.
 */
export function checkSurvivors(
  s: ClientConsistencyState | ClientUnmaskingState,
  survivors: readonly number[],
  dropped: readonly number[] | null,
): Problem | null {
  const inSurvivors = (v: number): boolean => indexOf(survivors, v) >= 0;
  if (!inSurvivors(s.id)) return ['INCONSISTENT_SETS', 'this client is missing from the survivors'];
  let surviving = 0;
  for (const v of s.neighbours) {
    const alive = inSurvivors(v);
    const dead = dropped !== null && indexOf(dropped, v) >= 0;
    const held = indexOf(s.owners, v) >= 0;
    if (alive && dead) return ['INCONSISTENT_SETS', `client ${v} is listed as both survivor and dropped`];
    if ((alive || dead) && !held) return ['INCONSISTENT_SETS', `client ${v} is listed but did not share keys with this client`];
    if (dropped !== null && held && !alive && !dead) {
      return ['INCONSISTENT_SETS', `client ${v} is neither survivor nor dropped`];
    }
    if (alive) surviving++;
  }
  if (dropped !== null) {
    if (indexOf(dropped, s.id) >= 0) return ['INCONSISTENT_SETS', 'this client is listed as dropped'];
    // Disjointness over the whole lists, neighbours or not.
    let i = 0;
    let j = 0;
    while (i < survivors.length && j < dropped.length) {
      const a = survivors[i] as number;
      const b = dropped[j] as number;
      if (a === b) return ['INCONSISTENT_SETS', `client ${a} is listed as both survivor and dropped`];
      if (a < b) i++;
      else j++;
    }
  }
  surviving++; // this client
  if (surviving < s.config.threshold) {
    return ['TOO_FEW_PEERS', `${surviving} neighbours survive, threshold is ${s.config.threshold}`];
  }
  return null;
}

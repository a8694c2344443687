/**
 * The server's requests of rounds 3 and 4 (the survivor set to sign, the sets to unmask) and
 * the checks a client makes of them before it signs or reveals (internal).
 */
import { equalBytes } from '../../_bytes.js';
import { indexOf } from '../../graph/index.js';
import { isBytes, isObject, typeLabel } from '../_validate.js';
import type { ClientConsistencyState, ClientUnmaskingState } from '../types.js';
import type { Problem } from './_state.js';

/**
 * Checks that `message` is a request of the expected `type` for this client's session: an
 * object, not an abort, of that type, with this session's id. Reads the message's fields, which
 * a hostile object may make throw: the caller catches.
 */
export function checkRequest(
  s: ClientConsistencyState | ClientUnmaskingState,
  message: unknown,
  type: 'consistencyRequest' | 'unmaskingRequest',
): Problem | null {
  if (!isObject(message)) return ['MALFORMED_MESSAGE', 'the message is not an object'];
  if (message['type'] === 'abort') return ['SERVER_ABORTED', 'the server aborted'];
  if (message['type'] !== type) return ['UNEXPECTED_MESSAGE', `expected ${type}, got ${typeLabel(message['type'])}`];
  const sid: unknown = message['sessionId'];
  if (!isBytes(sid, 32)) return ['MALFORMED_MESSAGE', 'sessionId is malformed'];
  if (!equalBytes(sid, s.sessionId)) return ['SESSION_MISMATCH', 'the message is for another session'];
  return null;
}

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

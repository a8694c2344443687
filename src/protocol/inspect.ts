/**
 * Questions a driver asks about a state without stepping it: is the party still in the
 * session, whom does the server still wait for, and can the unmasking close now. None of them
 * consumes or changes the state.
 */
import { SecAggError } from '../errors.js';
import { runPieces } from './_pieces.js';
import type { Live } from './server/_live.js';
import { topologyOf, unmaskable } from './server/_sets.js';
import type { ClientState, ServerLiveState, ServerState } from './types.js';

const LIVE = new Set(['advertiseKeys', 'shareKeys', 'maskedInputCollection', 'consistencyCheck', 'unmasking']);

function roundOf(state: unknown, name: string): unknown {
  if (state === null || typeof state !== 'object') throw new SecAggError('INVALID_TYPE', `${name} must be a client or server state`);
  return (state as { round?: unknown }).round;
}

/**
 * True while a client or server state is in one of the live rounds (it has more to send or to
 * receive); false once it completed or aborted.
 *
 * @throws {SecAggError} `INVALID_TYPE` when `state` is not a state (an object with a round).
 * @example
 * ```ts
 * while (isLive(server)) await nextEvent();
 * ```
 */
export function isLive(state: ClientState | ServerState): boolean {
  const round = roundOf(state, 'state');
  if (round === 'completed' || round === 'aborted') return false;
  if (typeof round !== 'string' || !LIVE.has(round)) throw new SecAggError('INVALID_TYPE', `state has no known round (got ${typeof round})`);
  return true;
}

/**
 * The clients the server still waits for in the current round: the members whose message of
 * this round has not been accepted, increasing. When it is empty, closing the round now loses
 * nobody. Empty for a completed or aborted server.
 *
 * @throws {SecAggError} `INVALID_TYPE` when `state` is not a server state.
 * @example
 * ```ts
 * ({ state: server } = serverReceive(server, message));
 * if (pendingClients(server).length === 0) close();
 * ```
 */
export function pendingClients(state: ServerState): number[] {
  if (!isLive(state)) return [];
  const s = state as ServerLiveState;
  if (!Array.isArray(s.members) || !Array.isArray(s.received)) throw new SecAggError('INVALID_TYPE', 'state must be a server state');
  return s.members.filter((id) => s.received[id] !== true);
}

/**
 * In round `unmasking`: true when the shares received so far let `serverCloseRound` complete,
 * that is every survivor's self-mask seed and every dropped neighbour's masking key has
 * `threshold` shares among the clients that answered. A driver can then close at once, or wait
 * a little longer for shares beyond the threshold (they check the others). False in every other
 * round and state.
 *
 * @throws {SecAggError} `INVALID_TYPE` when `state` is not a server state.
 * @example
 * ```ts
 * if (canUnmask(server)) setTimeout(close, extraSharesWaitMs);
 * ```
 */
export function canUnmask(state: ServerState): boolean {
  if (!isLive(state) || state.round !== 'unmasking') return false;
  const s = state as ServerLiveState;
  if (!Array.isArray(s.revealed) || typeof s.config !== 'object' || s.config === null) throw new SecAggError('INVALID_TYPE', 'state must be a server state');
  const responders: number[] = [];
  for (let id = 1; id < s.revealed.length; id++) if (s.revealed[id] != null) responders.push(id);
  const survivors = s.rounds.u3;
  if (survivors.length === 0) return false;
  // Complete graph: every holder holds every secret, so the count of answers decides.
  if (s.config.graph.kind === 'complete') return responders.length >= s.config.threshold;
  return runPieces(unmaskable(s as Live, topologyOf(s), survivors, responders)) === null;
}

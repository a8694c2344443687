/**
 * What the caller decides outside the message flow: creating the server, dropping a client
 * (e.g. its connection closed), aborting the session.
 */
import { SecAggError } from '../../errors.js';
import { checkConfig } from '../_common.js';
import type { AdvertisedKey, ServerLiveState, ServerState, ServerStep, SessionConfig } from '../types.js';
import { LIVE_ROUNDS, abortServer, consumed, drop, take } from './_live.js';

/**
 * Creates a server in round `advertiseKeys`, expecting clients 1..config.clients.
 *
 * @throws {SecAggError} the configuration errors of `createSessionConfig`.
 * @example
 * ```ts
 * let server = createServer(config);
 * ```
 */
export function createServer(config: SessionConfig): ServerLiveState {
  const cfg = checkConfig(config);
  const n = cfg.clients;
  const members: number[] = [];
  for (let id = 1; id <= n; id++) members.push(id);
  return {
    round: 'advertiseKeys',
    config: cfg,
    sessionId: null,
    members,
    rounds: { u1: [], u2: [], u3: [], u4: [] },
    keys: new Array<AdvertisedKey | null>(n + 1).fill(null),
    received: new Array<boolean>(n + 1).fill(false),
    ciphertexts: [],
    accumulators: [],
    signatures: [],
    revealed: [],
    drops: [],
    ignored: 0,
  };
}

/**
 * Drops a client on the caller's behalf (reason DROPPED_BY_CALLER), e.g. when its connection
 * closed or it sent bytes that do not decode. A masked input already accepted stays in the
 * sums (the client counts as a survivor, and the completed state lists it in
 * `droppedAfterInput`, not in `drops`). Unknown or already dropped ids are ignored. Consumes
 * `state`. After the session ended (completed or aborted) there is nothing to drop: the state
 * comes back unchanged with the note `LATE_MESSAGE`, as for a late message (network events
 * never make a step throw).
 *
 * @throws {SecAggError} `STATE_CONSUMED`, `OUT_OF_RANGE` / `INVALID_TYPE` for a bad id, and
 *   `INVALID_TYPE` when `state` is not a server state.
 * @example
 * ```ts
 * ({ state: server } = serverDropClient(server, 17));
 * ```
 */
export function serverDropClient(state: ServerState, id: number): ServerStep {
  if (state?.round === 'completed' || state?.round === 'aborted') return { state, outbox: [], note: 'LATE_MESSAGE' };
  if (state !== null && typeof state === 'object' && !consumed.has(state) && LIVE_ROUNDS.includes(state.round)) {
    const n = (state as ServerLiveState).config.clients;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > n) {
      throw new SecAggError('OUT_OF_RANGE', `id must be an integer in [1, ${n}]`);
    }
  }
  const s = take(state, 'serverDropClient');
  drop(s, id, 'DROPPED_BY_CALLER');
  return { state: s, outbox: [] };
}

/**
 * Aborts the session locally (LOCAL_ABORT); the outbox tells the remaining clients.
 * Consumes `state`.
 *
 * @throws {SecAggError} `WRONG_ROUND` when completed or aborted, `STATE_CONSUMED`.
 * @example
 * ```ts
 * const { state, outbox } = serverAbort(server, 'deadline passed');
 * ```
 */
export function serverAbort(state: ServerState, reason = 'aborted by the caller'): ServerStep {
  if (typeof reason !== 'string') throw new SecAggError('INVALID_TYPE', 'reason must be a string');
  const s = take(state, 'serverAbort');
  return abortServer(s, 'LOCAL_ABORT', reason);
}

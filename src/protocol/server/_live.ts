/**
 * The server's live state as its steps hold it (internal): taking ownership of a state, dropping
 * clients, aborting, and the per-round bookkeeping shared by the steps.
 */
import { SecAggError } from '../../errors.js';
import { indexOf } from '../../graph/index.js';
import type { AbortCode, DropReason } from '../codes.js';
import type { AdvertisedKey, DropRecord, Round, ServerCompletedState, ServerLiveState, ServerState, ServerStep } from '../types.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
/** A live server state as a step holds it: its own copy (see {@link take}), written in place. */
export interface Live extends Mutable<ServerLiveState> {
  keys: (AdvertisedKey | null)[];
  received: boolean[];
  ciphertexts: (Uint8Array[] | null)[];
  accumulators: Uint32Array[];
  signatures: (Uint8Array | null)[];
  revealed: (Uint8Array[] | null)[];
  drops: DropRecord[];
  members: number[];
}

/**
 * States an earlier step consumed (see the ownership rule in ./index.ts). A consumed state gets a
 * non-enumerable, non-configurable mark under a symbol of this module (object spread, `Object.keys`
 * and `structuredClone` do not carry it); one that cannot take a property (frozen, sealed) goes
 * into a WeakSet. A WeakSet for all took ~1.2 us per step at 10,000 clients (~50 ms a session),
 * ~40,000 entries for the collector to process.
 */
const CONSUMED = Symbol('secagg/consumed');
const consumedFrozen = new WeakSet<object>();
export const consumed = {
  has(state: object): boolean {
    return Object.prototype.hasOwnProperty.call(state, CONSUMED) || (!Object.isExtensible(state) && consumedFrozen.has(state));
  },
  add(state: object): void {
    if (Object.isExtensible(state)) Object.defineProperty(state, CONSUMED, { value: true });
    else consumedFrozen.add(state);
  },
};

/** The rounds in which the server steps run. */
export const LIVE_ROUNDS: readonly Round[] = ['advertiseKeys', 'shareKeys', 'maskedInputCollection', 'consistencyCheck', 'unmasking'];

/** Takes ownership of a live state (throws for consumed or terminal states). */
export function take(state: ServerState, step: string): Live {
  if (state === null || typeof state !== 'object') {
    throw new SecAggError('INVALID_TYPE', `${step} needs a server state`);
  }
  if (consumed.has(state)) {
    throw new SecAggError(
      'STATE_CONSUMED',
      `${step} was given a server state that an earlier step consumed; structuredClone a state to keep it`,
    );
  }
  if (!LIVE_ROUNDS.includes(state.round)) {
    throw new SecAggError('WRONG_ROUND', `${step} cannot run in round "${String(state.round)}"`);
  }
  consumed.add(state);
  return { ...(state as ServerLiveState) } as Live;
}

function removeMember(s: Live, id: number): void {
  const at = indexOf(s.members, id);
  if (at >= 0) s.members.splice(at, 1);
}

/** Drops a member (once) and records why; before U2 is fixed its contribution goes too. */
export function drop(s: Live, id: number, reason: DropReason): void {
  if (indexOf(s.members, id) < 0) return;
  removeMember(s, id);
  s.drops.push({ id, reason, round: s.round });
  // Before U2 is fixed, a dropped client's contribution is withdrawn; later, accepted messages
  // (a masked input already in the sums, revealed shares) stay valid.
  if (s.round === 'advertiseKeys') {
    s.received[id] = false;
    s.keys[id] = null;
  } else if (s.round === 'shareKeys') {
    s.received[id] = false;
    s.ciphertexts[id] = null;
  }
}

/**
 * Records a client named by reconstruction (INCONSISTENT_SHARE): a member is dropped; a client
 * dropped earlier in the round, after it revealed the shares that were used, gets this second
 * record, so that leaving after lying cannot keep a client from being named.
 */
export function nameLiar(s: Live, id: number): void {
  removeMember(s, id);
  s.drops.push({ id, reason: 'INCONSISTENT_SHARE', round: s.round });
}

/**
 * The session id for an outbox: a copy, so that no message shares memory with the state (a
 * transport may transfer or reuse a message's buffers). Messages of one outbox share it.
 */
export function outgoingId(s: Live): Uint8Array {
  return Uint8Array.from(s.sessionId as Uint8Array);
}

/**
 * The step that aborts the session with `code`, telling `to`: by default the members; a round
 * close passes the members it started with, so that the clients it has just dropped (silent,
 * or left isolated by the others' silence) learn of the abort instead of waiting for a timeout.
 */
export function abortServer(s: Live, code: AbortCode, reason: string, present: readonly number[] = s.members): ServerStep {
  const to = present.slice();
  return {
    state: { round: 'aborted', code, reason, atRound: s.round, drops: s.drops },
    outbox: to.length === 0 ? [] : [{ to, message: { type: 'abort', code } }],
  };
}

/** Drops every member that sent nothing this round (NO_MESSAGE). */
export function dropSilent(s: Live): void {
  for (const id of s.members.slice()) if (s.received[id] !== true) drop(s, id, 'NO_MESSAGE');
}

/** Forgets who sent in the round that closed: the next round starts with nobody. */
export function resetReceived(s: Live): void {
  s.received = new Array<boolean>(s.config.clients + 1).fill(false);
}

/**
 * The completed state with the sums: the drops split into those whose input is not in the sums
 * and those dropped after their masked input was accepted (reported once, in the list whose
 * name says their input is in).
 */
export function completedState(s: Live, sums: Record<string, Uint32Array>): ServerCompletedState {
  const included = s.rounds.u3.slice();
  const inSum = new Set(included);
  return {
    round: 'completed',
    config: s.config,
    sessionId: s.sessionId as Uint8Array,
    result: { sums, included },
    drops: s.drops.filter((d) => !inSum.has(d.id)),
    droppedAfterInput: s.drops.filter((d) => inSum.has(d.id)),
  };
}

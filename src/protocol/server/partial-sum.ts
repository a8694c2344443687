/**
 * Sharded ingest of masked inputs: several processes (or hosts) each receive their own clients'
 * masked inputs into a copy of the server state and hand one partial sum per process to the
 * coordinator, which adds it in. Memory stays O(vector length) per process. docs/parallel.md
 * shows the deployment.
 */
import { describeType } from '../../_assert.js';
import { SecAggError } from '../../errors.js';
import { indexOf } from '../../graph/index.js';
import { DropReason } from '../codes.js';
import type { ServerState, ServerStep } from '../types.js';
import { LIVE_ROUNDS, consumed, drop, take, type Live } from './_live.js';

/** What an ingest process hands to the coordinator: whose masked inputs it summed, and the sums. */
export interface PartialSum {
  /** The clients whose masked inputs are in `sums`, increasing. */
  readonly senders: readonly number[];
  /** One sum per configured vector (configuration order), elements mod 2^bits. */
  readonly sums: readonly Uint32Array[];
  /** Clients the ingest process dropped this round, and why (the coordinator drops them too). */
  readonly drops: readonly { readonly id: number; readonly reason: DropReason }[];
}

/**
 * The ingest side: the partial sum of the masked inputs a copy of the server state received.
 * Give each ingest process `structuredClone(server)` right after the close of `shareKeys` (its
 * sums are zero and it has heard nobody), route each client to exactly one of them, receive with
 * `serverReceiveBytes`, then call this when the coordinator closes the round. Consumes `state`
 * (its sums are handed over, not copied).
 *
 * @throws {SecAggError} `WRONG_ROUND` outside `maskedInputCollection`, `STATE_CONSUMED`.
 * @example
 * ```ts
 * let ingest = structuredClone(server);          // in the ingest process, at the round's start
 * ({ state: ingest } = serverReceiveBytes(ingest, bytes, { from }));   // per message
 * queue.send(v8.serialize(serverPartialSum(ingest)));                  // when the round ends
 * ```
 */
export function serverPartialSum(state: ServerState): PartialSum {
  needMaskedInputRound(state, 'serverPartialSum');
  const s = take(state, 'serverPartialSum');
  const senders: number[] = [];
  for (const id of s.rounds.u2) if (s.received[id] === true) senders.push(id);
  const drops = s.drops.filter((d) => d.round === 'maskedInputCollection').map((d) => ({ id: d.id, reason: d.reason }));
  return { senders, sums: s.accumulators.slice(), drops };
}

/**
 * The coordinator side: adds an ingest process's partial sum to the running sums, and counts its
 * senders as heard (they join U3 when the round closes), as if each had been received here. Its
 * drops are applied. The partial is refused whole, before anything changes, when a sender is not
 * a member still awaited (unknown, dropped, already counted here or in another partial) or is
 * also in its drops: a sender's input cannot be taken out of a sum. Partials come from the
 * server's own processes, so a bad one throws (the state is then not consumed). Consumes `state`.
 *
 * @throws {SecAggError} `INVALID_PARTIAL_SUM` (a sender not awaited, or named twice),
 *   `INVALID_TYPE` (malformed partial), `LENGTH_MISMATCH` (vector count or lengths),
 *   `ELEMENT_OUT_OF_RANGE` (a sum element not below 2^bits), `WRONG_ROUND` outside
 *   `maskedInputCollection`, `STATE_CONSUMED`.
 * @example
 * ```ts
 * for (const bytes of partialsFromTheQueue) ({ state: server } = serverReceivePartialSum(server, v8.deserialize(bytes)));
 * const { state, outbox } = serverCloseRound(server);
 * ```
 */
export function serverReceivePartialSum(state: ServerState, partial: PartialSum): ServerStep {
  needMaskedInputRound(state, 'serverReceivePartialSum');
  const live = state as Live;
  const { senders, sums, drops } = readPartial(partial, live);
  const s = take(state, 'serverReceivePartialSum');
  for (const { id, reason } of drops) if (s.received[id] !== true) drop(s, id, reason);
  for (const id of senders) s.received[id] = true;
  live.config.vectors.forEach((spec, j) => {
    const acc = s.accumulators[j] as Uint32Array;
    const x = sums[j] as Uint32Array;
    if (spec.bits === 32) for (let i = 0; i < acc.length; i++) acc[i] = (acc[i] as number) + (x[i] as number);
    else {
      const mask = 2 ** spec.bits - 1;
      for (let i = 0; i < acc.length; i++) acc[i] = ((acc[i] as number) + (x[i] as number)) & mask;
    }
  });
  return { state: s, outbox: [] };
}

/** Throws, without consuming it, unless `state` is a live server collecting masked inputs. */
function needMaskedInputRound(state: ServerState, step: string): void {
  const usable = state !== null && typeof state === 'object' && !consumed.has(state) && LIVE_ROUNDS.includes(state.round);
  if (!usable) take(state, step); // throws the reason (STATE_CONSUMED, WRONG_ROUND, INVALID_TYPE)
  if (state.round !== 'maskedInputCollection') {
    throw new SecAggError('WRONG_ROUND', `${step} needs a server in round "maskedInputCollection", not "${state.round}"`);
  }
}

/** A checked copy of a partial sum (copied first, then checked: what is checked is what is added). */
function readPartial(partial: unknown, s: Live): PartialSum {
  if (partial === null || typeof partial !== 'object') throw new SecAggError('INVALID_TYPE', `partial must be a partial sum, got ${describeType(partial)}`);
  const p = partial as Record<string, unknown>;
  const { config } = s;
  const n = config.clients;
  const rawSenders = p['senders'];
  const rawSums = p['sums'];
  const rawDrops = p['drops'];
  if (!Array.isArray(rawSenders) || !Array.isArray(rawSums) || !Array.isArray(rawDrops)) {
    throw new SecAggError('INVALID_TYPE', 'partial must have senders (ids), sums (Uint32Arrays) and drops arrays');
  }
  const senders: number[] = [];
  for (const id of rawSenders as unknown[]) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > n || (senders.length > 0 && id <= (senders.at(-1) as number))) {
      throw new SecAggError('INVALID_PARTIAL_SUM', `partial.senders must be increasing client ids in 1..${n}`);
    }
    if (indexOf(s.members, id) < 0 || s.received[id] === true) {
      throw new SecAggError('INVALID_PARTIAL_SUM', `client ${id} is not awaited here (unknown, dropped, or already counted)`);
    }
    senders.push(id);
  }
  const drops: { id: number; reason: DropReason }[] = [];
  for (const d of rawDrops as unknown[]) {
    const id = (d as { id?: unknown } | null)?.id;
    const reason = (d as { reason?: unknown } | null)?.reason;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 1 || id > n || typeof reason !== 'string' || !Object.hasOwn(DropReason, reason)) {
      throw new SecAggError('INVALID_TYPE', 'partial.drops must be { id, reason } with a client id and a DropReason name');
    }
    if (indexOf(senders, id) >= 0) throw new SecAggError('INVALID_PARTIAL_SUM', `client ${id} is both a sender and dropped in the partial`);
    drops.push({ id, reason: reason as DropReason });
  }
  if (rawSums.length !== config.vectors.length) {
    throw new SecAggError('LENGTH_MISMATCH', `partial.sums must hold ${config.vectors.length} vectors, got ${rawSums.length}`);
  }
  const sums = config.vectors.map((spec, j) => {
    const x: unknown = rawSums[j];
    if (!(x instanceof Uint32Array)) throw new SecAggError('INVALID_TYPE', `partial.sums[${j}] must be a Uint32Array`);
    const copy = Uint32Array.from(x);
    if (copy.length !== spec.length) throw new SecAggError('LENGTH_MISMATCH', `partial.sums[${j}] must have ${spec.length} elements, got ${copy.length}`);
    if (spec.bits < 32) {
      let any = 0;
      for (let i = 0; i < copy.length; i++) any |= copy[i] as number;
      if (any >>> spec.bits !== 0) throw new SecAggError('ELEMENT_OUT_OF_RANGE', `partial.sums[${j}] has an element not below 2^${spec.bits}`);
    }
    return copy;
  });
  return { senders, sums, drops };
}

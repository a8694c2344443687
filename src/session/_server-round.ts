/**
 * One round of a server session (internal): the protocol server of the round, fed with its
 * cohort's frames; each protocol round closed when every expected message arrived or its
 * deadline passed; every outbox sent (an abort to every member still connected); and the
 * release decoded into a {@link RoundResult}.
 */
import {
  canUnmask,
  createServer,
  encodeMessage,
  isLive,
  pendingClients,
  serverAbort,
  serverDropClient,
  type DropRecord,
  type JobRunner,
  type Outgoing,
  type Round,
  type ServerLiveState,
  type ServerState,
  type SessionConfig,
} from '../protocol/index.js';
import type { Connection } from '../transport/index.js';
import { closeRound, receiveFrom } from './_close.js';
import { Deadline, type Clock } from './clock.js';
import { encodeFrame } from './_frames.js';
import { pacer } from './_pace.js';
import type { SessionSpec } from './spec.js';
import type { FrameCounts, RoundResult, SessionAbortCode, SessionDrop, SessionDropReason } from './types.js';
import { decodeSum } from './update.js';

type LiveRound = Exclude<Round, 'completed' | 'aborted'>;

/** What a round needs from its server session. */
export interface RoundContext {
  readonly spec: SessionSpec;
  readonly identities: readonly string[];
  readonly clock: Clock;
  readonly deadlines: Readonly<Record<LiveRound, number>>;
  readonly extraSharesWait: number | null;
  readonly runner: JobRunner | undefined;
  connectionOf(index: number): Connection | null;
}

export class ServerRound {
  readonly number: number;
  /** Registry indices of the cohort, increasing (client id i is cohort[i - 1]). */
  readonly cohort: readonly number[];
  readonly result: Promise<RoundResult>;
  readonly milliseconds: Partial<Record<Round | 'admission', number>> = {};
  readonly #ctx: RoundContext;
  readonly #ids = new Map<number, number>();
  readonly #reasons = new Map<number, SessionDropReason>();
  readonly #counts = { late: 0, duplicate: 0, malformed: 0 };
  readonly #deadline: Deadline;
  readonly #extra: Deadline;
  readonly #cancel = new AbortController();
  #config: SessionConfig | null = null;
  #state: ServerState | null = null;
  #buffer: [number, Uint8Array][] = [];
  #pendingDrops: [number, SessionDropReason][] = [];
  #closing = false;
  #roundStarted = 0;
  #done = false;
  #resolve: (result: RoundResult) => void = () => undefined;

  constructor(ctx: RoundContext, number: number, cohort: readonly number[]) {
    this.#ctx = ctx;
    this.number = number;
    this.cohort = cohort;
    cohort.forEach((index, i) => this.#ids.set(index, i + 1));
    this.#deadline = new Deadline(ctx.clock);
    this.#extra = new Deadline(ctx.clock);
    this.result = new Promise((resolve) => (this.#resolve = resolve));
  }

  /** The configuration is known (after the beacon, when there is one): the protocol starts. */
  start(config: SessionConfig): void {
    if (this.#done) return;
    this.#config = config;
    this.#state = createServer(config);
    this.#roundStarted = this.#ctx.clock.now();
    this.#arm();
    const buffered = this.#buffer;
    this.#buffer = [];
    for (const [index, reason] of this.#pendingDrops) this.drop(index, reason);
    this.#pendingDrops = [];
    for (const [index, bytes] of buffered) this.receive(index, this.number, bytes);
  }

  /** A protocol frame from registry entry `index`. */
  receive(index: number, round: number, bytes: Uint8Array): void {
    const id = this.#ids.get(index);
    if (round !== this.number || id === undefined || this.#done) {
      this.#counts.late++;
      return;
    }
    if (this.#state === null) {
      // Before the configuration exists (the server still waits for the beacon): one frame each.
      if (this.#buffer.some(([i]) => i === index)) this.#counts.duplicate++;
      else this.#buffer.push([index, bytes]);
      return;
    }
    if (this.#closing || !isLive(this.#state)) {
      this.#counts.late++;
      return;
    }
    const r = receiveFrom(this.#state, bytes, id);
    this.#state = r.state;
    if (r.ignored) this.#counts.duplicate++;
    this.#check();
  }

  /** Bytes from a cohort member that are not a session frame: dropped with MALFORMED_MESSAGE. */
  malformed(index: number): void {
    this.#counts.malformed++;
    if (this.#ids.has(index)) this.drop(index, 'MALFORMED_MESSAGE');
  }

  /** Registry entry `index` leaves the round (its connection closed, or it sent garbage). */
  drop(index: number, reason: SessionDropReason): void {
    const id = this.#ids.get(index);
    if (id === undefined || this.#done) return;
    if (this.#state === null || this.#closing) {
      this.#pendingDrops.push([index, reason]);
      return;
    }
    const state = this.#state;
    if (!isLive(state) || !(state as ServerLiveState).members.includes(id)) return;
    if (!this.#reasons.has(id)) this.#reasons.set(id, reason);
    this.#state = serverDropClient(state, id).state;
    this.#check();
  }

  /** Ends the round here (LOCAL_ABORT): the caller's signal, or the session closing. */
  cancel(reason: string): void {
    if (this.#done) return;
    this.#cancel.abort();
    if (this.#state === null) {
      // Offered, not started (the beacon, or a configuration that failed): tell the cohort.
      void this.#send([{ to: [], message: { type: 'abort', code: 'LOCAL_ABORT' } }]).then(() => this.#finish(null, 'LOCAL_ABORT', reason));
      return;
    }
    if (this.#closing) return; // a close in progress ends on the signal, and finishes the round
    if (!isLive(this.#state)) return;
    const step = serverAbort(this.#state, reason);
    this.#state = step.state;
    void this.#send(step.outbox).then(() => this.#finish(step.state));
  }

  /** Closes the protocol round when nobody is awaited any more, or the unmasking has enough shares. */
  #check(): void {
    const state = this.#state;
    if (state === null || this.#closing || !isLive(state)) return;
    if (pendingClients(state).length === 0) {
      void this.#close();
      return;
    }
    // Armed once, when the unmasking first has the shares it needs: later shares do not push the
    // close back (the wait is a bound, not an idle window).
    const wait = this.#ctx.extraSharesWait;
    if (state.round === 'unmasking' && wait !== null && !this.#extra.armed && canUnmask(state)) this.#extra.arm(wait, () => void this.#close());
  }

  #arm(): void {
    const round = (this.#state as ServerState).round as LiveRound;
    this.#extra.clear();
    this.#deadline.arm(this.#ctx.deadlines[round], () => void this.#close());
  }

  async #close(): Promise<void> {
    const state = this.#state;
    if (state === null || this.#closing || this.#done || !isLive(state)) return;
    this.#closing = true;
    this.#deadline.clear();
    this.#extra.clear();
    const round = state.round as LiveRound;
    const step = await closeRound(state, { runner: this.#ctx.runner, signal: this.#cancel.signal, pause: pacer() });
    this.#state = step.state;
    this.milliseconds[round] = this.#ctx.clock.now() - this.#roundStarted;
    this.#roundStarted = this.#ctx.clock.now();
    this.#closing = false;
    if (this.#cancel.signal.aborted && isLive(step.state)) {
      // Cancelled while the close ran: end it now.
      const aborted = serverAbort(step.state, 'the round was cancelled');
      this.#state = aborted.state;
      await this.#send([...step.outbox, ...aborted.outbox].filter((o) => o.message.type === 'abort'));
      return this.#finish(aborted.state);
    }
    await this.#send(step.outbox);
    if (!isLive(step.state)) return this.#finish(step.state);
    this.#arm();
    const drops = this.#pendingDrops;
    this.#pendingDrops = [];
    for (const [index, reason] of drops) this.drop(index, reason);
    this.#check();
  }

  /** Sends each message once encoded; an abort goes to every member still connected. */
  async #send(outbox: readonly Outgoing[]): Promise<void> {
    // Before the configuration exists only an abort is sent, which needs none of it.
    const config = this.#config ?? ({ vectors: this.#ctx.spec.policy.vectors } as unknown as SessionConfig);
    const pace = pacer();
    for (const { to, message } of outbox) {
      const frame = encodeFrame({ kind: 'protocol', round: this.number, message: encodeMessage(message, config) });
      const recipients = message.type === 'abort' ? this.cohort.map((_, i) => i + 1) : to;
      for (const id of recipients) {
        this.#ctx.connectionOf(this.cohort[id - 1] as number)?.send(frame);
        await pace();
      }
    }
  }

  #identity(id: number): string {
    return this.#ctx.identities[this.cohort[id - 1] as number] as string;
  }

  #drops(records: readonly DropRecord[]): SessionDrop[] {
    return records.map((d) => ({ identity: this.#identity(d.id), reason: d.reason === 'DROPPED_BY_CALLER' ? (this.#reasons.get(d.id) ?? d.reason) : d.reason, round: d.round }));
  }

  /** The round's result (once): the release decoded, or why there is none; the clients are told. */
  async #finish(state: ServerState | null, code?: SessionAbortCode, reason?: string): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#deadline.clear();
    this.#extra.clear();
    const common = {
      round: this.number,
      cohort: this.cohort.map((i) => this.#ctx.identities[i] as string),
      config: this.#config,
      frames: { ...this.#counts } as FrameCounts,
      milliseconds: this.milliseconds,
    };
    const aborted = (c: SessionAbortCode, why: string, drops: readonly DropRecord[]): RoundResult => ({
      ...common, outcome: 'aborted', values: null, totalWeight: null, sum: null, included: [], droppedAfterInput: [], dropped: this.#drops(drops), abort: { code: c, reason: why },
    });
    if (state === null || state.round !== 'completed') {
      const a = state !== null && state.round === 'aborted' ? state : null;
      return this.#resolve(aborted(a?.code ?? code ?? 'LOCAL_ABORT', a?.reason ?? reason ?? 'aborted', a?.drops ?? []));
    }
    const sum = state.result.sums[this.#config?.vectors[0]?.name ?? ''] as Uint32Array;
    const included = state.result.included;
    const dropped = [...state.drops, ...state.droppedAfterInput];
    const release = this.#release(sum, included.length, state.config.nonce);
    if ('refused' in release) {
      const [c, why] = release.refused;
      await this.#send([{ to: [], message: { type: 'abort', code: c === 'TOO_FEW_SURVIVORS' ? 'TOO_FEW_CLIENTS' : 'LOCAL_ABORT' } }]);
      return this.#resolve(aborted(c, why, dropped));
    }
    const inSum = new Set(included);
    const result = encodeFrame({ kind: 'result', round: this.number, included: included.length, inSum: true });
    const without = encodeFrame({ kind: 'result', round: this.number, included: included.length, inSum: false });
    const pace = pacer();
    for (const [i, index] of this.cohort.entries()) {
      this.#ctx.connectionOf(index)?.send(inSum.has(i + 1) ? result : without);
      await pace();
    }
    this.#resolve({
      ...common,
      outcome: 'completed',
      values: release.values,
      totalWeight: release.totalWeight,
      sum,
      included: included.map((id) => this.#identity(id)),
      droppedAfterInput: this.#drops(state.droppedAfterInput),
      dropped: this.#drops(state.drops),
      abort: null,
    });
  }

  /** Decodes the sum, or refuses: fewer survivors than the DP plan's, or a sum no honest encodings make. */
  #release(sum: Uint32Array, count: number, nonce: Uint8Array): ReturnType<typeof decodeSum> | { refused: [SessionAbortCode, string] } {
    const a = this.#ctx.spec.aggregation;
    if (a.kind === 'dp' && count < a.plan.minClients) {
      return { refused: ['TOO_FEW_SURVIVORS', `${count} clients survived; the DP plan's noise is calibrated for ${a.plan.minClients}: nothing is released`] };
    }
    try {
      return decodeSum(sum, count, this.#ctx.spec, nonce);
    } catch (error) {
      const code = error instanceof Error && 'code' in error ? String((error as { code: unknown }).code) : 'error';
      return { refused: ['UNDECODABLE_SUM', `the sum of ${count} clients does not decode (${code}): a client sent an encoding outside the spec; nothing is released`] };
    }
  }
}

/**
 * What a client session does with each frame and each deadline (internal): joining an offer,
 * stepping the protocol state with each request, saving the record before an answer leaves,
 * re-sending stored answers to repeated requests, and ending the caller's submit with an
 * outcome. Every method runs inside the session's queue, one at a time.
 */
import { equalBytes } from '../_bytes.js';
import { SecAggError } from '../errors.js';
import {
  clientAbort,
  clientAdvertiseKeys,
  clientReceive,
  decodeServerMessage,
  encodeMessage,
  type AbortCode,
  type ClientState,
  type RoundParameters,
  type ServerMessage,
  type SessionConfig,
} from '../protocol/index.js';
import { cryptoRandomBytes, type RandomBytes } from '../random.js';
import type { BeaconFetch } from './client.js';
import { Deadline, type Clock } from './clock.js';
import { decodeFrame, encodeFrame, type Frame } from './_frames.js';
import { join, recordingRng, type ClientRecord, type JoinContext, type StoredSession, type StoredStep } from './_record.js';
import { specDigestOf } from './spec-codec.js';
import { UPDATE_VECTOR, type SessionSpec } from './spec.js';
import type { ClientOutcome, SessionAbortCode } from './types.js';
import { encodeUpdate, type PreparedUpdate } from './update.js';

/** What the run needs from its session. */
export interface ClientRunHost {
  send(frame: Uint8Array): boolean;
  save(record: Omit<ClientRecord, 'specDigest' | 'member'>): Promise<void>;
  enqueue(task: () => Promise<void> | void): void;
}

export interface ClientRunSettings {
  readonly spec: SessionSpec;
  readonly member: number;
  readonly signingKey: Uint8Array | undefined;
  readonly beacon: BeaconFetch | undefined;
  readonly rng: RandomBytes | undefined;
  readonly clock: Clock;
  readonly offerMs: number;
  readonly roundMs: number;
}

/** The caller's submit in progress. */
interface Submission {
  readonly prepared: PreparedUpdate;
  readonly resolve: (outcome: ClientOutcome) => void;
  readonly reject: (error: unknown) => void;
  readonly detach: () => void;
}

/** A round this client joined (or restored from its record). */
interface Live {
  readonly round: number;
  readonly parameters: RoundParameters;
  readonly config: SessionConfig;
  state: ClientState;
  readonly steps: StoredStep[];
  readonly randomness: Uint8Array;
  readonly beaconValue: Uint8Array | null;
  readonly offerReceivedAt: number | null;
  /** The encoded input, once it was masked (stored with the record from then on). */
  input: Uint32Array | null;
  /** The encoded input, to mask when the shares arrive. */
  readonly pendingInput: Uint32Array | null;
  /** The submit it answers (null: restored from the record after a restart). */
  readonly submission: Submission | null;
  inputSent: boolean;
  serverCode: AbortCode | null;
}

function outcome(partial: Partial<ClientOutcome> & Pick<ClientOutcome, 'outcome' | 'reason'>): ClientOutcome {
  return { round: null, code: null, serverCode: null, included: null, inputSent: false, ...partial };
}

function sameParameters(a: RoundParameters, b: RoundParameters): boolean {
  return a.beaconRound === b.beaconRound && equalBytes(a.nonce, b.nonce) && a.cohort.length === b.cohort.length && a.cohort.every((x, i) => x === b.cohort[i]);
}

export class ClientRun {
  readonly context: JoinContext;
  readonly #host: ClientRunHost;
  readonly #s: ClientRunSettings;
  readonly #deadline: Deadline;
  #lastBeaconRound = 0;
  #live: Live | null = null;
  #submission: Submission | null = null;
  #resend: Uint8Array | null = null;
  #beaconFetch: AbortController | null = null;
  #closed = false;

  constructor(host: ClientRunHost, settings: ClientRunSettings) {
    this.#host = host;
    this.#s = settings;
    this.context = { spec: settings.spec, member: settings.member, signingKey: settings.signingKey };
    this.#deadline = new Deadline(settings.clock);
  }

  /** After the record was loaded: the last beacon round, and the round to resume (its last answer is re-sent). */
  restore(lastBeaconRound: number, restored: { stored: StoredSession; state: ClientState; config: SessionConfig } | null): void {
    this.#lastBeaconRound = lastBeaconRound;
    if (restored === null) return;
    const { stored, state, config } = restored;
    this.#live = {
      round: stored.round, parameters: stored.parameters, config, state, steps: [...stored.steps], randomness: stored.randomness,
      beaconValue: stored.beaconValue, offerReceivedAt: stored.offerReceivedAt, input: stored.input, pendingInput: stored.input,
      submission: null, inputSent: stored.input !== null, serverCode: null,
    };
    this.#resend = encodeFrame({ kind: 'protocol', round: stored.round, message: (stored.steps.at(-1) as StoredStep).answer });
  }

  connected(): void {
    if (this.#resend !== null && this.#host.send(this.#resend)) this.#resend = null;
  }

  /**
   * A submit begins: the offer deadline runs from now (connecting included). Returns false when
   * it ended at once (a closed session, an aborted signal).
   */
  begin(prepared: PreparedUpdate, resolve: (o: ClientOutcome) => void, reject: (e: unknown) => void, signal: AbortSignal | undefined): boolean {
    const onAbort = (): void => this.#host.enqueue(() => this.#end(submission, outcome({ outcome: 'aborted', code: 'LOCAL_ABORT', reason: 'the submit was aborted by its signal' })));
    signal?.addEventListener('abort', onAbort, { once: true });
    const submission: Submission = { prepared, resolve, reject, detach: () => signal?.removeEventListener('abort', onAbort) };
    this.#submission = submission;
    if (this.#closed) {
      this.#end(submission, outcome({ outcome: 'aborted', code: 'LOCAL_ABORT', reason: 'the session is closed' }));
      return false;
    }
    if (signal?.aborted === true) {
      this.#end(submission, outcome({ outcome: 'aborted', code: 'LOCAL_ABORT', reason: 'the submit was aborted by its signal' }));
      return false;
    }
    this.#arm(this.#s.offerMs, 'no offer came before the offer deadline');
    return true;
  }

  /** Connected: a resumed round's last answer is re-sent, then the client says it is ready. */
  ready(): void {
    if (this.#submission === null) return;
    this.connected();
    this.#host.send(encodeFrame({ kind: 'ready', ready: true, specDigest: specDigestOf(this.#s.spec) }));
  }

  /** No connection could be had: the waiting submit ends. */
  noConnection(reason: string): void {
    const s = this.#submission;
    if (s !== null) this.#end(s, outcome({ outcome: 'aborted', code: 'CONNECTION_CLOSED', reason }));
  }

  connectionClosed(refused: boolean, reason: string): void {
    this.#resend = null;
    const s = this.#submission;
    const live = this.#live;
    if (live !== null && live.submission === null) this.#forget(); // a restored round cannot go on
    if (s === null) return;
    const code: SessionAbortCode = refused ? 'REFUSED' : 'CONNECTION_CLOSED';
    const why = `the connection closed${reason === '' ? '' : `: ${reason.slice(0, 123)}`}`;
    if (live !== null && live.submission === s) this.#finish(live, 'aborted', code, why);
    else this.#end(s, outcome({ outcome: 'aborted', code, reason: why }));
  }

  /** Aborts what is in progress (close()). */
  close(): void {
    this.#closed = true;
    this.#beaconFetch?.abort();
    this.#deadline.clear();
    const s = this.#submission;
    if (s !== null) this.#end(s, outcome({ outcome: 'aborted', code: 'LOCAL_ABORT', reason: 'the client session was closed' }));
  }

  /** An unexpected error inside the queue: the submit rejects with it. */
  fail(error: unknown): void {
    const s = this.#submission;
    if (s === null) return;
    this.#submission = null;
    this.#deadline.clear();
    s.detach();
    this.#forgetLiveOf(s);
    s.reject(error);
  }

  async frame(bytes: Uint8Array): Promise<void> {
    if (this.#closed) return;
    let frame: Frame;
    try {
      frame = decodeFrame(bytes);
    } catch {
      return; // not a session frame: nothing to answer
    }
    if (frame.kind === 'offer') await this.#offer(frame.round, frame.parameters);
    else if (frame.kind === 'protocol') await this.#protocol(frame.round, frame.message);
    else if (frame.kind === 'result') await this.#result(frame.round, frame.included, frame.inSum);
  }

  async #offer(round: number, parameters: RoundParameters): Promise<void> {
    const live = this.#live;
    if (live !== null && live.round === round) {
      // The offer again: the same one gets the same keys; another one for this round, nothing.
      if (sameParameters(live.parameters, parameters)) this.#sendAnswer(live, (live.steps[0] as StoredStep).answer);
      return;
    }
    const submission = this.#submission;
    if (submission === null || (live !== null && live.submission === submission)) return; // not ready, or busy in a round
    if (live !== null) this.#forget(); // a restored round the server has moved on from
    const policy = this.#s.spec.policy;
    let beaconValue: Uint8Array | null = null;
    let offerReceivedAt: number | null = null;
    if (policy.beacon !== null) {
      offerReceivedAt = this.#s.clock.now() / 1000;
      const r = parameters.beaconRound;
      if (r !== null && r <= this.#lastBeaconRound) {
        return this.#end(submission, outcome({ outcome: 'aborted', code: 'UNTRUSTED_CONFIG', reason: `a second offer for beacon round ${r} (this client accepted round ${this.#lastBeaconRound}): each beacon round is one draw` }));
      }
      if (r !== null) {
        beaconValue = await this.#fetchBeacon(r);
        if (beaconValue === null || this.#submission !== submission) return;
      }
    }
    const recorder = recordingRng(this.#s.rng ?? cryptoRandomBytes);
    const joined = join(this.context, parameters, { beaconValue, offerReceivedAt, rng: recorder.rng });
    if ('refused' in joined) return this.#end(submission, outcome({ outcome: 'aborted', code: 'UNTRUSTED_CONFIG', reason: joined.refused, round }));
    const input = encodeUpdate(submission.prepared, this.#s.spec, parameters.nonce, this.#s.rng);
    const step = clientAdvertiseKeys(joined.state);
    const answer = encodeMessage(step.outbox[0] as NonNullable<(typeof step.outbox)[0]>, joined.config);
    const next: Live = {
      round, parameters, config: joined.config, state: step.state, steps: [{ request: null, answer }], randomness: recorder.drawn(),
      beaconValue, offerReceivedAt, input: null, pendingInput: input, submission, inputSent: false, serverCode: null,
    };
    this.#live = next;
    if (parameters.beaconRound !== null) this.#lastBeaconRound = Math.max(this.#lastBeaconRound, parameters.beaconRound);
    await this.#saveLive(next);
    if (this.#live !== next) return;
    this.#sendAnswer(next, answer);
    this.#arm(this.#s.roundMs, 'the server sent nothing more before the round deadline');
  }

  async #fetchBeacon(round: number): Promise<Uint8Array | null> {
    const submission = this.#submission as Submission;
    const fetch = this.#s.beacon;
    if (fetch === undefined) {
      this.#end(submission, outcome({ outcome: 'aborted', code: 'LOCAL_ABORT', reason: 'the policy names a beacon: give options.beacon to fetch its values' }));
      return null;
    }
    const controller = new AbortController();
    this.#beaconFetch = controller;
    const deadline = new Deadline(this.#s.clock);
    deadline.arm(this.#s.roundMs, () => controller.abort());
    try {
      const value = await fetch(round, { signal: controller.signal });
      if (!(value instanceof Uint8Array)) throw new SecAggError('INVALID_TYPE', 'the beacon returned something that is not a Uint8Array');
      return Uint8Array.from(value);
    } catch (error) {
      if (this.#submission === submission) {
        const why = controller.signal.aborted ? 'did not come before the round deadline' : `failed (${error instanceof SecAggError ? error.code : 'error'})`;
        this.#end(submission, outcome({ outcome: 'aborted', code: controller.signal.aborted ? 'TIMEOUT' : 'LOCAL_ABORT', reason: `beacon round ${round} ${why}` }));
      }
      return null;
    } finally {
      deadline.clear();
      this.#beaconFetch = null;
    }
  }

  async #protocol(round: number, bytes: Uint8Array): Promise<void> {
    const live = this.#live;
    if (live === null || live.round !== round) return; // late, or for a round this client is not in
    let message: ServerMessage | null = null;
    try {
      message = decodeServerMessage(bytes);
    } catch {
      message = null; // stepped as what it is: a message the client cannot read (MALFORMED_MESSAGE)
    }
    if (message?.type === 'abort') live.serverCode = message.code;
    if (message?.type === 'unmaskingRequest' && live.state.round === 'unmasking' && this.#tooFewSurvivors(live, message.survivors.length)) return;
    const input = live.input ?? live.pendingInput;
    if (input === null && message?.type === 'encryptedShares' && live.state.round === 'maskedInputCollection') {
      return this.#forget(); // a restored round that had not masked its input: it has none to mask now
    }
    const step = clientReceive(live.state, message as ServerMessage, input === null ? {} : { input: { [UPDATE_VECTOR]: input } });
    if (step.note === 'DUPLICATE_REQUEST') {
      const answered = live.steps.find((s) => s.request !== null && s.request[2] === bytes[2]);
      if (answered !== undefined) this.#sendAnswer(live, answered.answer);
      return;
    }
    if (step.note === 'LATE_MESSAGE') {
      if (message?.type === 'abort') this.#finish(live, 'aborted', 'SERVER_ABORTED', `the server aborted after this client's part (${message.code})`);
      return;
    }
    live.state = step.state;
    const sent = step.outbox[0];
    if (sent !== undefined) {
      const answer = encodeMessage(sent, live.config);
      live.steps.push({ request: Uint8Array.from(bytes), answer });
      if (sent.type === 'maskedInput') live.input = live.pendingInput;
      await this.#saveLive(live);
      if (this.#live !== live) return;
      this.#sendAnswer(live, answer);
      if (sent.type === 'maskedInput') live.inputSent = true;
      if (live.submission !== null) this.#arm(this.#s.roundMs, 'the server sent nothing more before the round deadline');
    }
    if (step.state.round === 'aborted') this.#finish(live, 'aborted', step.state.code, step.state.reason);
  }

  /** DP: a client refuses to reveal for a sum of fewer survivors than the noise was calibrated for. */
  #tooFewSurvivors(live: Live, survivors: number): boolean {
    const a = this.#s.spec.aggregation;
    if (a.kind !== 'dp' || survivors >= a.plan.minClients) return false;
    live.state = clientAbort(live.state, 'too few survivors for the DP plan').state;
    this.#finish(live, 'aborted', 'TOO_FEW_SURVIVORS', `the server would unmask a sum of ${survivors} clients; the DP plan's noise is calibrated for ${a.plan.minClients}`);
    return true;
  }

  async #result(round: number, included: number, inSum: boolean): Promise<void> {
    const live = this.#live;
    if (live === null || live.round !== round) return;
    if (inSum) this.#finish(live, 'completed', null, `the server released a sum of ${included} clients`, included);
    else this.#finish(live, 'aborted', 'DROPPED', `the round completed without this client (${included} clients in the sum)`);
  }

  #sendAnswer(live: Live, answer: Uint8Array): void {
    this.#host.send(encodeFrame({ kind: 'protocol', round: live.round, message: answer }));
  }

  #arm(ms: number, reason: string): void {
    this.#deadline.arm(ms, () => this.#host.enqueue(() => this.#timeout(reason)));
  }

  #timeout(reason: string): void {
    const live = this.#live;
    if (live !== null && live.submission !== null) return this.#finish(live, 'aborted', 'TIMEOUT', reason);
    const s = this.#submission;
    if (s === null) return;
    this.#host.send(encodeFrame({ kind: 'ready', ready: false, specDigest: specDigestOf(this.#s.spec) }));
    this.#end(s, outcome({ outcome: 'aborted', code: 'TIMEOUT', reason }));
  }

  /** The live round ended: its submit (if any) gets the outcome, and the record forgets the round. */
  #finish(live: Live, result: 'completed' | 'aborted', code: SessionAbortCode | null, reason: string, included: number | null = null): void {
    const s = live.submission;
    if (this.#live === live) this.#forget();
    if (s === null || this.#submission !== s) return;
    this.#end(s, outcome({ outcome: result, code, reason, round: live.round, serverCode: live.serverCode, included, inputSent: live.inputSent }));
  }

  #end(s: Submission, result: ClientOutcome): void {
    if (this.#submission !== s) return;
    this.#submission = null;
    this.#deadline.clear();
    s.detach();
    this.#forgetLiveOf(s);
    s.resolve(result);
  }

  #forgetLiveOf(s: Submission): void {
    if (this.#live !== null && this.#live.submission === s) this.#forget();
  }

  /** Drops the live round (its secrets with it) and saves a record without it. */
  #forget(): void {
    const live = this.#live;
    if (live === null) return;
    this.#live = null;
    if (live.state.round !== 'completed' && live.state.round !== 'aborted') clientAbort(live.state, 'the round ended for this client');
    live.randomness.fill(0);
    // A failed save here leaves the finished round's record, which is safe to keep: the next
    // offer replaces it, and a replay answers only what it answered before.
    this.#host.enqueue(() => this.#host.save({ lastBeaconRound: this.#lastBeaconRound, session: null }).catch(() => undefined));
  }

  #saveLive(live: Live): Promise<void> {
    const session: StoredSession = {
      round: live.round, parameters: live.parameters, offerReceivedAt: live.offerReceivedAt, beaconValue: live.beaconValue,
      randomness: live.randomness, input: live.input, steps: live.steps,
    };
    return this.#host.save({ lastBeaconRound: this.#lastBeaconRound, session });
  }
}

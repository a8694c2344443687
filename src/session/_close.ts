/**
 * How the server session closes a protocol round and takes a client's bytes (internal): the one
 * place that calls the core's close and receive, so that the asynchronous, worker-run unmasking
 * of `serverCloseRoundAsync` (issue 15) and its fused `serverReceiveBytes` replace the
 * synchronous steps here and nowhere else.
 */
import {
  decodeClientMessage,
  serverCloseRound,
  serverDropClient,
  serverReceive,
  type ClientMessage,
  type ServerState,
  type ServerStep,
} from '../protocol/index.js';

/**
 * Runs the server's unmasking jobs somewhere (a worker pool): the shape of `secagg/workers`'
 * pool and of `JobRunner` in `secagg/protocol` (issue 15).
 */
export interface UnmaskingRunner {
  run(job: never, options?: { readonly signal?: AbortSignal }): Promise<unknown>;
  readonly concurrency?: number;
}

/** Closes the current round (the unmasking on `runner` when the core can). */
export async function closeRound(state: ServerState, _options: { readonly runner: UnmaskingRunner | undefined; readonly signal: AbortSignal }): Promise<ServerStep> {
  return serverCloseRound(state);
}

/** What became of one client frame. */
export interface Received {
  readonly state: ServerState;
  /** The bytes were not a message from `from`: it was dropped (when awaited) or they were ignored. */
  readonly malformed: boolean;
  /** The core ignored the message (a repeat, or a client not awaited any more). */
  readonly ignored: boolean;
}

/**
 * One client's bytes: decoded with the configuration, and its sender checked against the id the
 * transport authenticated (the core believes `sender`). Bytes that do not decode or name someone
 * else drop the client when it is awaited (the caller reports MALFORMED_MESSAGE).
 */
export function receiveFrom(state: ServerState, bytes: Uint8Array, from: number): Received {
  if (state.round === 'completed' || state.round === 'aborted') return { state, malformed: false, ignored: true };
  let message: ClientMessage | null;
  try {
    message = decodeClientMessage(bytes, state.config);
  } catch {
    message = null;
  }
  if (message !== null && message.sender === from) {
    const before = state.ignored;
    const step = serverReceive(state, message);
    return { state: step.state, malformed: false, ignored: step.state.round !== 'completed' && step.state.round !== 'aborted' && step.state.ignored > before };
  }
  const awaited = state.members.includes(from) && state.received[from] !== true;
  return { state: awaited ? serverDropClient(state, from).state : state, malformed: true, ignored: !awaited };
}

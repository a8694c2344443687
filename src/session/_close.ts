/**
 * How the server session closes a protocol round and takes a client's bytes (internal): the one
 * place that calls the core's close and receive. The unmasking runs on the caller's job runner
 * (`serverCloseRoundAsync`: a worker pool keeps it off the event loop), and a masked input is
 * added to the sums straight from its packed bytes (`serverReceiveBytes`).
 */
import { serverCloseRoundAsync, serverReceiveBytes, type JobRunner, type ServerState, type ServerStep } from '../protocol/index.js';

/**
 * Closes the current round (the unmasking's jobs on `runner`, inline without one), calling
 * `pause` between the pieces of the close's own work (a pacer of ./_pace.ts).
 */
export function closeRound(
  state: ServerState,
  options: { readonly runner: JobRunner | undefined; readonly signal: AbortSignal; readonly pause: () => Promise<void> | undefined },
): Promise<ServerStep> {
  return serverCloseRoundAsync(state, { signal: options.signal, pause: options.pause, ...(options.runner === undefined ? {} : { runner: options.runner }) });
}

/** What became of one client frame. */
export interface Received {
  readonly state: ServerState;
  /** The core ignored the bytes: a repeat, or a client it no longer waits for. */
  readonly ignored: boolean;
}

/**
 * One client's bytes, checked against the id its connection authenticated: bytes that do not
 * decode or name another sender drop the client (MALFORMED_MESSAGE) when it is awaited.
 */
export function receiveFrom(state: ServerState, bytes: Uint8Array, from: number): Received {
  if (state.round === 'completed' || state.round === 'aborted') return { state, ignored: true };
  const before = state.ignored;
  const step = serverReceiveBytes(state, bytes, { from });
  const after = step.state.round === 'completed' || step.state.round === 'aborted' ? before : step.state.ignored;
  return { state: step.state, ignored: after > before };
}

/** The client's receive router (a server message to the step of the round) and local abort. */
import { SecAggError } from '../../errors.js';
import { readClientOptions, type ClientStepOptions } from '../_common.js';
import { isObject } from '../_validate.js';
import type { ClientState, ClientStep, Round, ServerMessage } from '../types.js';
import { aborted, checkNotConsumed, settle } from './_state.js';
import { clientConsistencyCheck } from './consistency-check.js';
import { clientMaskedInput, readInput, type ClientInput } from './masked-input.js';
import { isFinished, screen } from './_screen.js';
import { clientShareKeys } from './share-keys.js';
import { clientUnmask } from './unmasking.js';

/** Options of {@link clientReceive}. */
export interface ClientReceiveOptions extends ClientStepOptions {
  /** The client's input, needed when the message is the `encryptedShares` relay. */
  readonly input?: ClientInput;
}

/**
 * Routes a server message to the step of the current round. A network message never throws:
 * one that does not belong to the round aborts the client (UNEXPECTED_MESSAGE; an `abort`
 * message SERVER_ABORTED); a repeat of a request this client answered returns the state
 * unchanged with the note `DUPLICATE_REQUEST` (re-send the outbox you stored for it), and a
 * different request of an answered round aborts with CONFLICTING_REQUEST; a message to a
 * completed or aborted client returns it unchanged with the note `LATE_MESSAGE`. Every other
 * step consumes `state`: keep stepping the state it returns.
 *
 * @throws {SecAggError} `STATE_CONSUMED` for a state an earlier step consumed; `INVALID_TYPE`
 *   when the relay of shares arrives without `options.input` in round `maskedInputCollection`;
 *   the local-argument errors of the step it calls (a bad input, bad options).
 * @example
 * ```ts
 * ({ state, outbox } = clientReceive(state, decodeServerMessage(bytes), { input }));
 * ```
 */
export function clientReceive(state: ClientState, message: ServerMessage, options?: ClientReceiveOptions): ClientStep {
  const o = readClientOptions(options, ['input']);
  const stepOptions: ClientStepOptions = o.backend === undefined ? {} : { backend: o.backend };
  const input = o['input'] as ClientInput | undefined;
  if (input !== undefined && (state?.round === 'consistencyCheck' || state?.round === 'unmasking') && readType(message) === 'encryptedShares') {
    // A relay of shares this client answered already, with an input: equal to the one it
    // masked, a duplicate; another input, a conflict (never a second vector under its masks).
    const screened = screen(state, message, state.round, 'clientReceive', () => readInput(input, state.config).digest);
    if (isFinished(screened)) return screened;
  }
  switch (state?.round) {
    case 'advertiseKeys': {
      // A server message before this client advertised its keys: nothing to answer.
      checkNotConsumed(state, 'clientReceive');
      const type = readType(message);
      return settle(
        state,
        type === 'abort'
          ? aborted(state, 'SERVER_ABORTED', 'the server aborted')
          : aborted(state, 'UNEXPECTED_MESSAGE', 'a server message before this client advertised its keys'),
      );
    }
    case 'shareKeys':
      return clientShareKeys(state, message, stepOptions);
    case 'maskedInputCollection':
      if (input === undefined && readType(message) === 'encryptedShares') {
        throw new SecAggError('INVALID_TYPE', 'options.input is required to answer encryptedShares');
      }
      return clientMaskedInput(state, message, input ?? {}, stepOptions);
    case 'consistencyCheck':
      return clientConsistencyCheck(state, message, stepOptions);
    case 'unmasking':
      return clientUnmask(state, message, stepOptions);
    case 'completed':
    case 'aborted':
      return clientUnmask(state, message, stepOptions); // a note: a duplicate of its last request, or late
    default:
      throw new SecAggError(
        'WRONG_ROUND',
        `clientReceive needs a client state, got round "${String((state as { round?: unknown } | null)?.round)}"`,
      );
  }
}

/** `message.type`, or undefined when it cannot be read (the step itself then aborts). */
function readType(message: unknown): unknown {
  try {
    return isObject(message) ? message['type'] : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Aborts the client locally (code LOCAL_ABORT), e.g. on a framework timeout or bytes from the
 * server that do not decode. Secrets are dropped. Consumes `state`. A client that already
 * completed or aborted comes back unchanged with the note `LATE_MESSAGE` (late bytes after the
 * end never make a step throw).
 *
 * @throws {SecAggError} `WRONG_ROUND` when `state` is not a client state; `STATE_CONSUMED`;
 *   `INVALID_TYPE` for a reason that is not a string.
 * @example
 * ```ts
 * ({ state } = clientAbort(state, 'timeout'));
 * ```
 */
export function clientAbort(state: ClientState, reason = 'aborted by the caller'): ClientStep {
  const round = state?.round;
  if (typeof reason !== 'string') throw new SecAggError('INVALID_TYPE', 'reason must be a string');
  if (round === 'completed' || round === 'aborted') return { state, outbox: [], note: 'LATE_MESSAGE' };
  if (round === undefined) throw new SecAggError('WRONG_ROUND', `clientAbort cannot run in round "${String(round)}"`);
  checkNotConsumed(state, 'clientAbort');
  return settle(state, aborted(state as { id: number; round: Round }, 'LOCAL_ABORT', reason));
}

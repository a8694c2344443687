/** The client's receive router (a server message to the step of the round) and local abort. */
import { SecAggError } from '../../errors.js';
import { readStepOptions, type StepOptions } from '../_common.js';
import { isObject } from '../_validate.js';
import type { ClientState, ClientStep, Round, ServerMessage } from '../types.js';
import { aborted } from './_state.js';
import { clientConsistencyCheck } from './consistency-check.js';
import { clientMaskedInput, type ClientInput } from './masked-input.js';
import { clientShareKeys } from './share-keys.js';
import { clientUnmask } from './unmasking.js';

/** Options of {@link clientReceive}. */
export interface ClientReceiveOptions extends StepOptions {
  /** The client's input, needed when the message is the `encryptedShares` relay. */
  readonly input?: ClientInput;
}

/**
 * Routes a server message to the step of the current round. A message that does not belong to
 * the round aborts the client with UNEXPECTED_MESSAGE; an `abort` message with SERVER_ABORTED.
 *
 * @throws {SecAggError} `WRONG_ROUND` in `advertiseKeys` (call {@link clientAdvertiseKeys}),
 *   `completed` or `aborted`; `INVALID_TYPE` when the relay of shares arrives without
 *   `options.input`; the errors of the step it calls.
 * @example
 * ```ts
 * ({ state, outbox } = clientReceive(state, decodeServerMessage(bytes), { input }));
 * ```
 */
export function clientReceive(state: ClientState, message: ServerMessage, options?: ClientReceiveOptions): ClientStep {
  const o = readStepOptions(options, ['input']);
  const stepOptions: StepOptions = { rng: o.rng, ...(o.backend === undefined ? {} : { backend: o.backend }) };
  switch (state?.round) {
    case 'shareKeys':
      return clientShareKeys(state, message, stepOptions);
    case 'maskedInputCollection':
      if (o['input'] === undefined && readType(message) === 'encryptedShares') {
        throw new SecAggError('INVALID_TYPE', 'options.input is required to answer encryptedShares');
      }
      return clientMaskedInput(state, message, (o['input'] ?? {}) as ClientInput, stepOptions);
    case 'consistencyCheck':
      return clientConsistencyCheck(state, message, stepOptions);
    case 'unmasking':
      return clientUnmask(state, message, stepOptions);
    default:
      throw new SecAggError(
        'WRONG_ROUND',
        `clientReceive cannot take a message in round "${String((state as { round?: unknown } | null)?.round)}"`,
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
 * Aborts the client locally (code LOCAL_ABORT), e.g. on a framework timeout. Secrets are dropped.
 *
 * @throws {SecAggError} `WRONG_ROUND` when the client already completed or aborted.
 * @example
 * ```ts
 * ({ state } = clientAbort(state, 'timeout'));
 * ```
 */
export function clientAbort(state: ClientState, reason = 'aborted by the caller'): ClientStep {
  const round = state?.round;
  if (round === undefined || round === 'completed' || round === 'aborted') {
    throw new SecAggError('WRONG_ROUND', `clientAbort cannot run in round "${String(round)}"`);
  }
  if (typeof reason !== 'string') throw new SecAggError('INVALID_TYPE', 'reason must be a string');
  return aborted(state as { id: number; round: Round }, 'LOCAL_ABORT', reason);
}

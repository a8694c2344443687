/** Round 3 of the client (active variant): checking the survivor set U3 and signing it. */
import { readStepOptions, wrongRound, type StepOptions } from '../_common.js';
import { consistencySignedBytes } from '../_kdf.js';
import { readIdList } from '../_validate.js';
import type { ClientState, ClientStep, ClientUnmaskingState, ServerMessage } from '../types.js';
import { aborted, common, signerFor } from './_state.js';
import { checkRequest, checkSurvivors } from './_survivors.js';

/**
 * Round 3 (active variant): checks the survivor set U3 and signs it. Outbox: one
 * {@link ConsistencySignatureMessage}. Aborts with MALFORMED_MESSAGE, UNEXPECTED_MESSAGE,
 * SESSION_MISMATCH, INCONSISTENT_SETS or TOO_FEW_PEERS.
 *
 * @throws {SecAggError} `WRONG_ROUND` unless in `consistencyCheck`.
 * @example
 * ```ts
 * ({ state, outbox } = clientConsistencyCheck(state, consistencyRequest));
 * ```
 */
export function clientConsistencyCheck(state: ClientState, message: ServerMessage, options?: StepOptions): ClientStep {
  const o = readStepOptions(options);
  if (state?.round !== 'consistencyCheck') throw wrongRound('clientConsistencyCheck', state?.round, 'consistencyCheck');
  const s = state;
  let survivors: number[] | null = null;
  try {
    const refused = checkRequest(s, message, 'consistencyRequest');
    if (refused !== null) return aborted(s, ...refused);
    const request = message as unknown as Record<string, unknown>;
    survivors = readIdList(request['survivors'], s.config.clients);
  } catch {
    survivors = null;
  }
  if (survivors === null) return aborted(s, 'MALFORMED_MESSAGE', 'consistencyRequest is malformed');
  const problem = checkSurvivors(s, survivors, null);
  if (problem !== null) return aborted(s, problem[0], problem[1]);
  const signature = signerFor(s.signingKey as Uint8Array, o.backend).sign(consistencySignedBytes(s.sessionId, survivors));
  const next: ClientUnmaskingState = {
    ...common(s),
    round: 'unmasking',
    sessionId: s.sessionId,
    owners: s.owners,
    selfMaskShares: s.selfMaskShares,
    maskingKeyShares: s.maskingKeyShares,
    signedSurvivors: survivors,
  };
  return { state: next, outbox: [{ type: 'consistencySignature', sender: s.id, sessionId: s.sessionId.slice(), signature }] };
}

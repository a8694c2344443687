/** Round 3 of the client (active variant): checking the survivor set U3 and signing it. */
import { equalBytes } from '../../_bytes.js';
import { readClientOptions, type ClientStepOptions } from '../_common.js';
import { consistencySignedBytes } from '../_kdf.js';
import type { ClientConsistencyState, ClientState, ClientStep, ClientUnmaskingState, ServerMessage } from '../types.js';
import { idsWithin, isFinished, screen } from './_screen.js';
import { aborted, common, settle, signerFor } from './_state.js';
import { checkSurvivors } from './_survivors.js';

/**
 * Round 3 (active variant): checks the survivor set U3 and signs it. Outbox: one
 * {@link ConsistencySignatureMessage}. Aborts with MALFORMED_MESSAGE, UNEXPECTED_MESSAGE,
 * SESSION_MISMATCH, INCONSISTENT_SETS or TOO_FEW_PEERS. Records the request's digest: the
 * same request again is a `DUPLICATE_REQUEST`, another one `CONFLICTING_REQUEST` (a client
 * signs one survivor set). Consumes `state`, unless it returns a note.
 *
 * @throws {SecAggError} `WRONG_ROUND` unless in `consistencyCheck` (or finished);
 *   `STATE_CONSUMED`.
 * @example
 * ```ts
 * ({ state, outbox } = clientConsistencyCheck(state, consistencyRequest));
 * ```
 */
export function clientConsistencyCheck(state: ClientState, message: ServerMessage, options?: ClientStepOptions): ClientStep {
  const o = readClientOptions(options);
  const screened = screen<'consistencyCheck', ClientConsistencyState>(state, message, 'consistencyCheck', 'clientConsistencyCheck');
  if (isFinished(screened)) return screened;
  const { state: s, request, digest } = screened;
  if (!equalBytes(request.sessionId, s.sessionId)) return settle(s, aborted(s, 'SESSION_MISMATCH', 'the message is for another session'));
  const survivors = idsWithin(request.survivors, s.config.clients);
  if (survivors === null) return settle(s, aborted(s, 'MALFORMED_MESSAGE', 'consistencyRequest is malformed'));
  const problem = checkSurvivors(s, survivors, null);
  if (problem !== null) return settle(s, aborted(s, problem[0], problem[1]));
  const signature = signerFor(s.signingKey as Uint8Array, o.backend).sign(consistencySignedBytes(s.sessionId, survivors));
  const next: ClientUnmaskingState = {
    ...common(s, { consistencyRequest: digest }),
    round: 'unmasking',
    sessionId: s.sessionId,
    owners: s.owners,
    selfMaskShares: s.selfMaskShares,
    maskingKeyShares: s.maskingKeyShares,
    signedSurvivors: survivors,
  };
  return settle(s, { state: next, outbox: [{ type: 'consistencySignature', sender: s.id, sessionId: s.sessionId.slice(), signature }] });
}

/**
 * Round 4 of the client: checking the survivor and dropped sets (and the neighbours'
 * signatures over them), then revealing one share per neighbour.
 */
import { copyAsBlock, equalBytes } from '../../_bytes.js';
import { ed25519Verify, type CryptoBackend } from '../../crypto/index.js';
import { indexOf } from '../../graph/index.js';
import { readClientOptions, type ClientStepOptions } from '../_common.js';
import { SHARE_BYTES, consistencySignedBytes } from '../_kdf.js';
import type { ClientState, ClientStep, ClientUnmaskingState, ServerMessage } from '../types.js';
import { idsWithin, isFinished, screen } from './_screen.js';
import { aborted, settle, type Problem } from './_state.js';
import { checkSurvivors } from './_survivors.js';

/**
 * Round 4: checks the survivor and dropped sets (and, in the active variant, that at least t
 * neighbours signed the very set this client signed), then reveals exactly one share per
 * neighbour whose shares it holds: the self-mask seed share for a survivor, the masking-key
 * share for a dropped one. Outbox: one {@link UnmaskingMessage}; the state becomes `completed`
 * and forgets every secret, keeping the digests of what it answered. Aborts with
 * MALFORMED_MESSAGE, UNEXPECTED_MESSAGE, SESSION_MISMATCH, INCONSISTENT_SETS,
 * INVALID_SIGNATURE or TOO_FEW_PEERS. The same request again is a `DUPLICATE_REQUEST`;
 * another one finds a completed client (`LATE_MESSAGE`): it never reveals a second share of a
 * peer. Consumes `state`, unless it returns a note.
 *
 * @throws {SecAggError} `WRONG_ROUND` unless in `unmasking` (or finished); `STATE_CONSUMED`.
 * @example
 * ```ts
 * ({ state, outbox } = clientUnmask(state, unmaskingRequest));
 * ```
 */
export function clientUnmask(state: ClientState, message: ServerMessage, options?: ClientStepOptions): ClientStep {
  const o = readClientOptions(options);
  const screened = screen<'unmasking', ClientUnmaskingState>(state, message, 'unmasking', 'clientUnmask');
  if (isFinished(screened)) return screened;
  const { state: s, request, digest } = screened;
  const { config } = s;
  if (!equalBytes(request.sessionId, s.sessionId)) return settle(s, aborted(s, 'SESSION_MISMATCH', 'the message is for another session'));
  const survivors = idsWithin(request.survivors, config.clients);
  const dropped = idsWithin(request.dropped, config.clients);
  const signers = idsWithin(request.signers, config.clients);
  const signatures = request.signatures;
  if (survivors === null || dropped === null || signers === null || signatures.length !== signers.length) {
    return settle(s, aborted(s, 'MALFORMED_MESSAGE', 'unmaskingRequest is malformed'));
  }
  if (config.active) {
    const unsigned = checkSigners(s, survivors, signers, signatures, o.backend);
    if (unsigned !== null) return settle(s, aborted(s, ...unsigned));
  } else if (signers.length !== 0) {
    return settle(s, aborted(s, 'MALFORMED_MESSAGE', 'signatures are only sent in the active variant'));
  }
  const problem = checkSurvivors(s, survivors, dropped);
  if (problem !== null) return settle(s, aborted(s, problem[0], problem[1]));
  // Copies (one block): the message must not share memory with `s`, which the caller may keep.
  const shares = copyAsBlock(
    s.owners.map((v, i) => (indexOf(survivors, v) >= 0 ? (s.selfMaskShares[i] as Uint8Array) : (s.maskingKeyShares[i] as Uint8Array))),
    SHARE_BYTES,
  );
  return settle(s, {
    state: { round: 'completed', id: s.id, sessionId: s.sessionId, answered: { ...s.answered, unmaskingRequest: digest } },
    outbox: [{ type: 'unmasking', sender: s.id, sessionId: s.sessionId.slice(), shares }],
  });
}

/**
 * Active variant: the survivors are the set this client signed, and at least t neighbours
 * (this client included) signed it; every neighbour's signature listed must verify.
 */
function checkSigners(
  s: ClientUnmaskingState,
  survivors: readonly number[],
  signers: readonly number[],
  signatures: readonly Uint8Array[],
  backend: CryptoBackend | undefined,
): Problem | null {
  const { config } = s;
  const signed = s.signedSurvivors ?? [];
  if (signed.length !== survivors.length || signed.some((v, i) => survivors[i] !== v)) {
    return ['INCONSISTENT_SETS', 'the survivors differ from the set this client signed'];
  }
  const msg = consistencySignedBytes(s.sessionId, survivors);
  let valid = 0;
  for (let i = 0; i < signers.length; i++) {
    const v = signers[i] as number;
    if (indexOf(s.neighbours, v) < 0) continue; // only neighbours' signatures count
    if (indexOf(survivors, v) < 0) return ['INCONSISTENT_SETS', `signer ${v} is not a survivor`];
    const vk = config.verificationKeys?.[v - 1] as Uint8Array;
    if (!ed25519Verify(signatures[i] as Uint8Array, msg, vk, backend)) {
      return ['INVALID_SIGNATURE', `client ${v}'s signature over the survivors does not verify`];
    }
    valid++;
  }
  valid++; // this client's own signature
  if (valid < config.threshold) {
    return ['TOO_FEW_PEERS', `${valid} neighbours signed the survivors, threshold is ${config.threshold}`];
  }
  return null;
}

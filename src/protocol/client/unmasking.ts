/**
 * Round 4 of the client: checking the survivor and dropped sets (and the neighbours'
 * signatures over them), then revealing one share per neighbour.
 */
import { copyAsBlock } from '../../_bytes.js';
import { ed25519Verify } from '../../crypto/index.js';
import { indexOf } from '../../graph/index.js';
import { readStepOptions, wrongRound, type ResolvedOptions, type StepOptions } from '../_common.js';
import { SHARE_BYTES, consistencySignedBytes } from '../_kdf.js';
import { readBytesList, readIdList } from '../_validate.js';
import type { ClientState, ClientStep, ClientUnmaskingState, ServerMessage } from '../types.js';
import { aborted, type Problem } from './_state.js';
import { checkRequest, checkSurvivors } from './_survivors.js';

/**
 * Round 4: checks the survivor and dropped sets (and, in the active variant, that at least t
 * neighbours signed the very set this client signed), then reveals exactly one share per
 * neighbour whose shares it holds: the self-mask seed share for a survivor, the masking-key
 * share for a dropped one. Outbox: one {@link UnmaskingMessage}; the state becomes `completed`
 * and forgets every secret. Aborts with MALFORMED_MESSAGE, UNEXPECTED_MESSAGE,
 * SESSION_MISMATCH, INCONSISTENT_SETS, INVALID_SIGNATURE or TOO_FEW_PEERS.
 *
 * @throws {SecAggError} `WRONG_ROUND` unless in `unmasking`.
 * @example
 * ```ts
 * ({ state, outbox } = clientUnmask(state, unmaskingRequest));
 * ```
 */
export function clientUnmask(state: ClientState, message: ServerMessage, options?: StepOptions): ClientStep {
  const o = readStepOptions(options);
  if (state?.round !== 'unmasking') throw wrongRound('clientUnmask', state?.round, 'unmasking');
  const s = state;
  const { config } = s;
  let survivors: number[] | null = null;
  let dropped: number[] | null = null;
  let signers: number[] | null = null;
  let signatures: Uint8Array[] | null = null;
  try {
    const refused = checkRequest(s, message, 'unmaskingRequest');
    if (refused !== null) return aborted(s, ...refused);
    const request = message as unknown as Record<string, unknown>;
    survivors = readIdList(request['survivors'], config.clients);
    dropped = readIdList(request['dropped'], config.clients);
    signers = readIdList(request['signers'], config.clients);
    if (signers !== null) signatures = readBytesList(request['signatures'], signers.length, 64);
  } catch {
    survivors = null;
  }
  if (survivors === null || dropped === null || signers === null || signatures === null) {
    return aborted(s, 'MALFORMED_MESSAGE', 'unmaskingRequest is malformed');
  }
  if (config.active) {
    const unsigned = checkSigners(s, survivors, signers, signatures, o.backend);
    if (unsigned !== null) return aborted(s, ...unsigned);
  } else if (signers.length !== 0) {
    return aborted(s, 'MALFORMED_MESSAGE', 'signatures are only sent in the active variant');
  }
  const problem = checkSurvivors(s, survivors, dropped);
  if (problem !== null) return aborted(s, problem[0], problem[1]);
  // Copies (one block): the message must not share memory with `s`, which the caller may keep.
  const shares = copyAsBlock(
    s.owners.map((v, i) => (indexOf(survivors, v) >= 0 ? (s.selfMaskShares[i] as Uint8Array) : (s.maskingKeyShares[i] as Uint8Array))),
    SHARE_BYTES,
  );
  return {
    state: { round: 'completed', id: s.id, sessionId: s.sessionId },
    outbox: [{ type: 'unmasking', sender: s.id, sessionId: s.sessionId.slice(), shares }],
  };
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
  backend: ResolvedOptions['backend'],
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

/**
 * Stable, numbered tables of why a party aborted and why the server dropped a client. Numbers
 * and names are API: once published they are never renumbered, renamed or reused; a retired
 * entry stays listed. The wire codec carries the numbers.
 */

/**
 * Why a client or the server ended up in the `aborted` state (the name is stored in the state,
 * the number goes on the wire). The human-readable `reason` never contains secret bytes.
 *
 * @example
 * ```ts
 * if (state.round === 'aborted' && state.code === 'SESSION_MISMATCH') report(AbortCode[state.code]); // 5
 * ```
 */
export const AbortCode = {
  /** Client: fewer than `threshold` neighbours left in a round (keys, shares, survivors, signatures). */
  TOO_FEW_PEERS: 1,
  /** Client: a peer's X25519 public key is malformed or of small order (all-zero secret). */
  INVALID_PUBLIC_KEY: 2,
  /** Client: two advertised public keys are equal (across parties or within one party). */
  DUPLICATE_PUBLIC_KEY: 3,
  /** Client: the server's key message omits or alters this client's own advertised keys. */
  OWN_KEYS_ALTERED: 4,
  /** Client: a server message carries a session id other than the one the client computed. */
  SESSION_MISMATCH: 5,
  /** Client (active variant): a key or consistency signature does not verify. */
  INVALID_SIGNATURE: 6,
  /** Client: an encrypted share does not decrypt under the pairwise channel key. */
  SHARE_DECRYPTION_FAILED: 7,
  /** Client: a decrypted share names another sender or recipient, or has the wrong layout. */
  SHARE_MISADDRESSED: 8,
  /**
   * Client: the survivor and dropped sets are not disjoint, not subsets of the previous round,
   * name this client as dropped, omit it, or differ from the set it signed; revealing would
   * risk giving out both shares of one peer.
   */
  INCONSISTENT_SETS: 9,
  /** Client: a message of the wrong type for this round, for another client, or a repeat. */
  UNEXPECTED_MESSAGE: 10,
  /** Client: a message whose fields have the wrong type, length or range. */
  MALFORMED_MESSAGE: 11,
  /** Client: the server announced that it aborted. */
  SERVER_ABORTED: 12,
  /** Either party: the caller aborted the session (e.g. a framework timeout). */
  LOCAL_ABORT: 13,
  /** Server: too few clients remain for the round to succeed (a threshold would be missed). */
  TOO_FEW_CLIENTS: 14,
  /**
   * Server: a secret could not be rebuilt: more of its holders' shares are wrong than can be
   * corrected, a rebuilt masking key does not match its public key, or a self-mask seed rests
   * on exactly `threshold` shares (nothing checked) one of which comes from a client named by
   * reconstruction.
   */
  RECONSTRUCTION_FAILED: 15,
  /**
   * Client (`joinRound`): the server's configuration is not the one the client derives from its
   * trusted policy and the round's parameters (cohort, nonce, beacon round), the beacon round
   * is not fresh, or the client is not in the cohort. The reason names the first difference.
   */
  UNTRUSTED_CONFIG: 16,
  /**
   * Client: a request of a round this client already answered differs from the one it answered
   * (or the same relay of shares comes with another input). Nothing is revealed: answering two
   * different requests of one round is what lets a server unmask a client.
   */
  CONFLICTING_REQUEST: 17,
} as const;

/** Name of an abort code (the string stored in aborted states). */
export type AbortCode = keyof typeof AbortCode;

/**
 * Why the server dropped a client from the session (the session may still succeed).
 *
 * @example
 * ```ts
 * for (const d of server.drops) metrics.count(`drop_${DropReason[d.reason]}`);
 * ```
 */
export const DropReason = {
  /** The client sent nothing for the round before the round was closed. */
  NO_MESSAGE: 1,
  /** The client's message has fields of the wrong type, length or range. */
  MALFORMED_MESSAGE: 2,
  /** The client sent a message of the wrong type for the round. */
  UNEXPECTED_MESSAGE: 3,
  /** The client's message carries another session id. */
  SESSION_MISMATCH: 4,
  /** The client advertised a malformed or small-order X25519 key (or two equal keys). */
  INVALID_PUBLIC_KEY: 5,
  /** The client advertised a public key another client also advertised (both are dropped). */
  DUPLICATE_PUBLIC_KEY: 6,
  /** Active variant: the client's signature does not verify under its directory key. */
  INVALID_SIGNATURE: 7,
  /** The client's encrypted shares do not match its neighbours (count or layout). */
  WRONG_RECIPIENTS: 8,
  /** The client's masked input has the wrong vectors, lengths or out-of-range elements. */
  INVALID_VECTOR: 9,
  /** The client's unmasking response has the wrong number or layout of shares. */
  WRONG_SHARES: 10,
  /** Fewer than `threshold` of the client's neighbours remain: its secrets could not be recovered. */
  TOO_FEW_NEIGHBOURS: 11,
  /** The caller dropped the client (e.g. its connection closed). */
  DROPPED_BY_CALLER: 12,
  /**
   * Named by reconstruction (unmasking): a share the client revealed disagrees with the secret
   * rebuilt from the other holders' shares of that owner. Named, not proven malicious: the
   * owner may have dealt it a bad share. A masked input it sent stays in the sums (removing it
   * would need both of its secrets, which the protocol never reveals). Recorded even for a
   * client dropped earlier in the round, whose revealed shares were used.
   */
  INCONSISTENT_SHARE: 13,
} as const;

/** Name of a drop reason. */
export type DropReason = keyof typeof DropReason;

/**
 * Why a step returned its state unchanged with nothing to send (`note` of a step). A note is
 * not an error: a network message that needs no answer. Numbers are never reused.
 *
 * @example
 * ```ts
 * const step = clientReceive(client, message);
 * if (step.note === 'DUPLICATE_REQUEST') resend(storedOutbox); // the request was answered before
 * ```
 */
export const StepNote = {
  /**
   * Client: the request repeats, byte for byte, one this client (or the state it came from)
   * already answered. The state is unchanged and not consumed; re-send the outbox stored for
   * that answer (a client step never produces a second answer).
   */
  DUPLICATE_REQUEST: 1,
  /** Client or server: the party has completed or aborted; the message is ignored. */
  LATE_MESSAGE: 2,
} as const;

/** Name of a step note. */
export type StepNote = keyof typeof StepNote;

const abortByNumber: ReadonlyMap<number, AbortCode> = new Map(
  (Object.entries(AbortCode) as [AbortCode, number][]).map(([k, v]) => [v, k]),
);

/** The abort code name for a wire number, or undefined. */
export function abortCodeFromNumber(n: number): AbortCode | undefined {
  return abortByNumber.get(n);
}

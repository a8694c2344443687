/**
 * Client states shared by the rounds (internal): the common fields, the aborted state, and the
 * rule that a stepped state is consumed.
 */
import {
  createEd25519Signer,
  createX25519Agreement,
  defaultCryptoBackend,
  type CryptoBackend,
  type Ed25519Signer,
  type X25519Agreement,
} from '../../crypto/index.js';
import { SecAggError } from '../../errors.js';
import type { AbortCode } from '../codes.js';
import type { AnsweredRequests, ClientCommon, ClientState, ClientStep, Round } from '../types.js';

/** Why a server message makes the client abort: the code and a reason for the logs. */
export type Problem = readonly [AbortCode, string];

/** True for a {@link Problem} (the checks return one, or what they read). */
export function isProblem(value: object): value is Problem {
  return Array.isArray(value);
}

/** The step that aborts the client with `code`: an `aborted` state and nothing to send. */
export function aborted(state: { id: number; round: Round }, code: AbortCode, reason: string): ClientStep {
  return { state: { round: 'aborted', id: state.id, code, reason, atRound: state.round }, outbox: [] };
}

/** The fields every live client state carries from round to round, with `answered` updated. */
export function common(s: ClientCommon, answered: Partial<AnsweredRequests> = {}): ClientCommon {
  return { config: s.config, id: s.id, neighbours: s.neighbours, signingKey: s.signingKey, answered: { ...s.answered, ...answered } };
}

/** A new client has answered nothing: a record of its own (consumption follows it). */
export function nothingAnswered(): AnsweredRequests {
  return { advertisedKeys: null, encryptedShares: null, input: null, consistencyRequest: null, unmaskingRequest: null };
}

/**
 * Client states that a step consumed: as on the server, a state is used once, so that no
 * caller can answer one round twice by keeping a reference to an old state (structuredClone is
 * the explicit snapshot, and the README's rule covers snapshots). Terminal states are never
 * consumed (a late message leaves them as they are).
 *
 * A live state's `answered` record is consumed with it: every live state has its own (each
 * step and `createClient` make a new one), and a shallow copy (`{ ...state }`,
 * `Object.assign`) shares it, so it is refused too. Such a copy shares every secret buffer of
 * the state it copies: it is that state, not a snapshot.
 */
const consumed = new WeakSet<object>();

/** The `answered` record of a live client state (null for terminal or foreign values). */
function recordOf(state: ClientState): object | null {
  const answered: unknown = (state as { answered?: unknown } | null)?.answered;
  return answered !== null && typeof answered === 'object' ? answered : null;
}

/** Throws `STATE_CONSUMED` for a state an earlier step consumed (or a shallow copy of one). */
export function checkNotConsumed(state: ClientState, step: string): void {
  const record = recordOf(state);
  if (consumed.has(state) || (record !== null && consumed.has(record))) {
    throw new SecAggError(
      'STATE_CONSUMED',
      `${step} was given a client state that an earlier step consumed; step the state it returned (structuredClone a state to keep a snapshot)`,
    );
  }
}

/** Consumes `state` and returns `step` (every step that moves a client on ends here). */
export function settle(state: ClientState, step: ClientStep): ClientStep {
  consumed.add(state);
  const record = recordOf(state);
  if (record !== null) consumed.add(record);
  return step;
}

/**
 * The long-term signing key, imported once per client: by the array the client state holds
 * (createClient's own copy of the caller's key, carried from state to state), so a client's two
 * signatures (its keys, then the survivor set) share one import. A snapshot restored from
 * storage holds a new array and imports again. The entry goes with the array.
 */
const signers = new WeakMap<Uint8Array, Ed25519Signer>();

/** The signer of a client state's signing key (see {@link signers}). */
export function signerFor(signingKey: Uint8Array, backend: CryptoBackend | undefined): Ed25519Signer {
  const want = backend ?? defaultCryptoBackend();
  let signer = signers.get(signingKey);
  if (signer === undefined || signer.backend !== want) {
    signer = createEd25519Signer(signingKey, want);
    signers.set(signingKey, signer);
  }
  return signer;
}

/**
 * The client's own X25519 private keys, imported once each: `createClient` imports a key to
 * compute its public key and leaves the import here, by the array the state holds, for the one
 * round that uses it (shareKeys for the channel key, maskedInputCollection for the masking key),
 * which takes it out and wipes it. No copy of the bytes is kept; a state restored from storage
 * holds new arrays and imports again.
 */
const agreements = new WeakMap<Uint8Array, X25519Agreement>();

/** Leaves `agreement` for the round that will use the private key `privateKey` of a state. */
export function keepAgreement(privateKey: Uint8Array, agreement: X25519Agreement): void {
  agreements.set(privateKey, agreement);
}

/** The agreement of a state's private key (taken out of the cache: the caller wipes it). */
export function takeAgreement(privateKey: Uint8Array, backend: CryptoBackend | undefined): X25519Agreement {
  const want = backend ?? defaultCryptoBackend();
  const kept = agreements.get(privateKey);
  agreements.delete(privateKey);
  if (kept !== undefined && kept.backend === want) return kept;
  kept?.wipe();
  return createX25519Agreement(privateKey, want);
}

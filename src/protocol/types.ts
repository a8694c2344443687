/**
 * Plain data types of the protocol: configuration and party states (the messages are in
 * ./messages.ts, re-exported here). Everything here is structured-clone-able (objects, arrays,
 * numbers, strings, booleans, null, typed arrays), so states can be persisted, posted to
 * workers or replayed.
 */
import type { AbortCode, DropReason, StepNote } from './codes.js';
import type { AdvertisedKey, ClientMessage, Outgoing } from './messages.js';

export type * from './messages.js';

/** One named vector summed in a session: `length` elements mod 2^bits. */
export interface VectorSpec {
  /** 1..64 printable ASCII characters (0x21..0x7e), unique within a session. */
  readonly name: string;
  /** Elements, 1..2^28. */
  readonly length: number;
  /** Modulus exponent, 1..32. */
  readonly bits: number;
}

/** Who masks and shares with whom. */
export type GraphSpec =
  | { readonly kind: 'complete' }
  | {
      readonly kind: 'harary';
      /** Neighbours per client (even, 2..clients - 1). */
      readonly degree: number;
      /** 32-byte public seed of the label permutation. */
      readonly seed: Uint8Array;
    };

/**
 * A validated session configuration, version 2: made by `deriveSessionConfig` from a trusted
 * policy and the round's parameters (the way clients can hold the server to it, `joinRound`),
 * or by the low-level `createSessionConfig`. Its canonical encoding (`encodeSessionConfig`)
 * covers every field and is bound into the session id.
 */
export interface SessionConfig {
  /** Configuration version: 2. */
  readonly version: 2;
  /** Number of clients n; client ids are 1..n (n in 2..65535). */
  readonly clients: number;
  /**
   * Shares needed per secret. Each client's secrets are shared among its neighbours and itself,
   * so t is in 2..(degree + 1) (2..clients for the complete graph), and at least what the
   * security rule needs for `corruptClients` (see `THRESHOLD_TOO_LOW`).
   */
  readonly threshold: number;
  /**
   * The corrupt clients the threshold is set against, in 0..n: in the active variant the
   * server may pack the registry's corrupt clients into the cohort, so a policy counts
   * min(n, ceil(corruptFraction * registry size)); in the passive one ceil(corruptFraction * n).
   */
  readonly corruptClients: number;
  readonly graph: GraphSpec;
  readonly vectors: readonly VectorSpec[];
  /** Active (malicious-server) variant: signed keys and the consistency round. */
  readonly active: boolean;
  /** 32-byte public per-round nonce chosen by the server; never reuse one. */
  readonly nonce: Uint8Array;
  /** Active variant: Ed25519 verification key of client id i at index i - 1; else null. */
  readonly verificationKeys: readonly Uint8Array[] | null;
  /**
   * The registry indices of the clients, strictly increasing: client id i is registry entry
   * `cohort[i - 1]` (ids bound to identities in the registry's order). Without a policy, 0..n-1.
   */
  readonly cohort: readonly number[];
  /** Entries in the registry the cohort is drawn from (n without a policy). */
  readonly registrySize: number;
  /** SHA-256 of the policy's canonical encoding; 32 zero bytes for a config made without one. */
  readonly policyDigest: Uint8Array;
  /** The public-randomness beacon round (1..2^32 - 1) whose value seeded the graph, when the policy names a beacon; else null. */
  readonly beaconRound: number | null;
}

/**
 * Digests of the requests a client has answered (SHA-256 of each request's wire encoding) and
 * of the input it masked: a later request of an answered round is compared with them (equal:
 * `DUPLICATE_REQUEST`; different: `CONFLICTING_REQUEST`). Null until answered.
 */
export interface AnsweredRequests {
  readonly advertisedKeys: Uint8Array | null;
  readonly encryptedShares: Uint8Array | null;
  /** SHA-256 of the masked input (the vectors' bytes in configuration order). */
  readonly input: Uint8Array | null;
  readonly consistencyRequest: Uint8Array | null;
  readonly unmaskingRequest: Uint8Array | null;
}

// ------------------------------------------------------------------------------------------
// States

/** Round names, in the paper's vocabulary. */
export type Round =
  | 'advertiseKeys'
  | 'shareKeys'
  | 'maskedInputCollection'
  | 'consistencyCheck'
  | 'unmasking'
  | 'completed'
  | 'aborted';

/** Fields every live client state has. */
export interface ClientCommon {
  readonly config: SessionConfig;
  readonly id: number;
  /** This client's neighbours in the graph (increasing ids, never itself). */
  readonly neighbours: Uint32Array;
  /** Active variant: the client's Ed25519 signing key (32-byte seed); else null. */
  readonly signingKey: Uint8Array | null;
  /** What this client has answered so far (see {@link AnsweredRequests}). */
  readonly answered: AnsweredRequests;
}

/** This client's round-0 key pairs (secret), drawn when the client is created. */
export interface ClientKeys {
  readonly channelPrivateKey: Uint8Array;
  readonly channelPublicKey: Uint8Array;
  readonly maskingPrivateKey: Uint8Array;
  readonly maskingPublicKey: Uint8Array;
}

/**
 * The per-session randomness of a client, all drawn when it is created (so that every step is
 * a deterministic function of its state, message and input): the key pairs, the self-mask seed
 * b_u, and the seed from which the Shamir coefficients are drawn (a ChaCha20 DRBG keyed by
 * HKDF of it and the session id). Secret.
 */
export interface ClientSecrets {
  readonly keys: ClientKeys;
  /** Self-mask seed b_u (32 bytes). */
  readonly selfMaskSeed: Uint8Array;
  /** Seed of the Shamir coefficients (32 bytes). */
  readonly shareSeed: Uint8Array;
}

/** Created; will advertise keys. */
export interface ClientAdvertiseKeysState extends ClientCommon, ClientSecrets {
  readonly round: 'advertiseKeys';
}

/** Keys advertised; waiting for the server's message of the neighbourhood's keys. */
export interface ClientShareKeysState extends ClientCommon, ClientSecrets {
  readonly round: 'shareKeys';
}

/** Shares sent; waiting for the shares addressed to this client, then sends its masked input. */
export interface ClientMaskedInputState extends ClientCommon {
  readonly round: 'maskedInputCollection';
  readonly keys: ClientKeys;
  readonly sessionId: Uint8Array;
  /** Neighbours that advertised keys (U1 within the neighbourhood), increasing. */
  readonly peers: readonly number[];
  /** Their masking public keys, aligned with `peers`. */
  readonly peerMaskingKeys: readonly Uint8Array[];
  /** Channel keys (AEAD) for the shares each peer sends this client, aligned with `peers` (secret). */
  readonly channelKeysFrom: readonly Uint8Array[];
  /** Self-mask seed b_u (secret). */
  readonly selfMaskSeed: Uint8Array;
  /** This client's own shares (at x = id) of b_u and of its masking private key (secret). */
  readonly ownShares: readonly [Uint8Array, Uint8Array];
}

/** Fields of the states after the masked input was sent. */
export interface ClientAfterInput extends ClientCommon {
  readonly sessionId: Uint8Array;
  /**
   * Clients whose shares this client holds, increasing: the neighbours in U2 and itself.
   */
  readonly owners: readonly number[];
  /** Share of each owner's self-mask seed, aligned with `owners` (secret). */
  readonly selfMaskShares: readonly Uint8Array[];
  /** Share of each owner's masking private key, aligned with `owners` (secret). */
  readonly maskingKeyShares: readonly Uint8Array[];
}

/** Active variant: masked input sent; waiting for the survivor set to sign. */
export interface ClientConsistencyState extends ClientAfterInput {
  readonly round: 'consistencyCheck';
}

/** Waiting for the unmasking request. */
export interface ClientUnmaskingState extends ClientAfterInput {
  readonly round: 'unmasking';
  /** Active variant: the survivor set this client signed; else null. */
  readonly signedSurvivors: readonly number[] | null;
}

/** The client revealed its shares; nothing more to do. Secrets are gone. */
export interface ClientCompletedState {
  readonly round: 'completed';
  readonly id: number;
  readonly sessionId: Uint8Array;
  /** The digests of what it answered (a repeated unmasking request is a duplicate). */
  readonly answered: AnsweredRequests;
}

/** The client stopped. Secrets are gone; `reason` is secret-free. */
export interface AbortedState {
  readonly round: 'aborted';
  readonly code: AbortCode;
  readonly reason: string;
  /** The round the party was in when it aborted. */
  readonly atRound: Round;
}

/** A client's state. */
export type ClientState =
  | ClientAdvertiseKeysState
  | ClientShareKeysState
  | ClientMaskedInputState
  | ClientConsistencyState
  | ClientUnmaskingState
  | ClientCompletedState
  | (AbortedState & { readonly id: number });

/**
 * Result of a client step: the new state and at most one message for the server. With a
 * `note`, the step changed nothing: `state` is the state given (not consumed) and the outbox
 * is empty.
 */
export interface ClientStep {
  readonly state: ClientState;
  readonly outbox: readonly ClientMessage[];
  readonly note?: StepNote;
}

/** The server removed a client from the session. */
export interface DropRecord {
  readonly id: number;
  readonly reason: DropReason;
  readonly round: Round;
}

/** The server's output: the sum of the survivors' inputs. */
export interface AggregationResult {
  /** One sum per configured vector, by name, elements mod 2^bits. */
  readonly sums: Readonly<Record<string, Uint32Array>>;
  /** Ids whose inputs are in the sums (U3), increasing. */
  readonly included: readonly number[];
}

/** A live server state: collecting the messages of `round`. */
export interface ServerLiveState {
  readonly round: 'advertiseKeys' | 'shareKeys' | 'maskedInputCollection' | 'consistencyCheck' | 'unmasking';
  readonly config: SessionConfig;
  readonly sessionId: Uint8Array | null;
  /** Current members (ids still in the session), increasing. */
  readonly members: readonly number[];
  /** Membership of each round's closing set: U1, U2, U3, U4 (empty until closed). */
  readonly rounds: {
    readonly u1: readonly number[];
    readonly u2: readonly number[];
    readonly u3: readonly number[];
    readonly u4: readonly number[];
  };
  /** index id: advertised keys (null when none). */
  readonly keys: readonly (AdvertisedKey | null)[];
  /** index id: this round's message was received (and accepted). */
  readonly received: readonly boolean[];
  /** shareKeys round: index sender, its ciphertexts in recipient order. */
  readonly ciphertexts: readonly (readonly Uint8Array[] | null)[];
  /** maskedInputCollection: running sums, one per vector (owned by the state). */
  readonly accumulators: readonly Uint32Array[];
  /** consistencyCheck: index id, signature over U3. */
  readonly signatures: readonly (Uint8Array | null)[];
  /** unmasking: index responder, its revealed shares in holder order. */
  readonly revealed: readonly (readonly Uint8Array[] | null)[];
  /** Everyone dropped so far, in order. */
  readonly drops: readonly DropRecord[];
  /** Messages ignored (duplicates, unknown or already-dropped senders). */
  readonly ignored: number;
}

/** The server finished: `result` holds the sums. */
export interface ServerCompletedState {
  readonly round: 'completed';
  readonly config: SessionConfig;
  readonly sessionId: Uint8Array;
  readonly result: AggregationResult;
  /** The clients dropped whose inputs are NOT in the sums, in order. */
  readonly drops: readonly DropRecord[];
  /**
   * The clients dropped after their masked input was accepted (in the consistency check or the
   * unmasking): their inputs ARE in the sums, and they are in `result.included`. Each client is
   * in exactly one of `drops` and `droppedAfterInput`, or in neither.
   */
  readonly droppedAfterInput: readonly DropRecord[];
}

/** The server's state. */
export type ServerState =
  | ServerLiveState
  | ServerCompletedState
  | (AbortedState & { readonly drops: readonly DropRecord[] });

/** Result of a server step; with a `note` (a late message), the state given, unchanged. */
export interface ServerStep {
  readonly state: ServerState;
  readonly outbox: readonly Outgoing[];
  readonly note?: StepNote;
}

/**
 * The protocol's messages as plain data (the wire codec, ./codec.ts, gives their bytes): what
 * each client sends per round, and what the server sends. Structured-clone-able.
 */
import type { AbortCode } from './codes.js';

// ------------------------------------------------------------------------------------------
// Messages: client -> server

/** Round 0, client -> server: the client's two fresh X25519 public keys. */
export interface AdvertiseKeysMessage {
  readonly type: 'advertiseKeys';
  readonly sender: number;
  readonly channelPublicKey: Uint8Array;
  readonly maskingPublicKey: Uint8Array;
  /** Active variant: Ed25519 signature over both keys (64 bytes); else null. */
  readonly signature: Uint8Array | null;
}

/**
 * Round 1, client -> server: one ciphertext per neighbour that advertised keys, in increasing
 * id order of those neighbours (the recipients are implicit).
 */
export interface ShareKeysMessage {
  readonly type: 'shareKeys';
  readonly sender: number;
  readonly sessionId: Uint8Array;
  readonly ciphertexts: readonly Uint8Array[];
}

/** Round 2, client -> server: the masked vectors, in configuration order. */
export interface MaskedInputMessage {
  readonly type: 'maskedInput';
  readonly sender: number;
  readonly sessionId: Uint8Array;
  readonly vectors: readonly Uint32Array[];
}

/** Round 3 (active variant), client -> server: signature over the survivor set. */
export interface ConsistencySignatureMessage {
  readonly type: 'consistencySignature';
  readonly sender: number;
  readonly sessionId: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * Round 4, client -> server: exactly one share per neighbour that sent this client shares, in
 * increasing id order of those neighbours: the self-mask seed share when the neighbour is a
 * survivor, the masking-key share when it dropped.
 */
export interface UnmaskingMessage {
  readonly type: 'unmasking';
  readonly sender: number;
  readonly sessionId: Uint8Array;
  readonly shares: readonly Uint8Array[];
}

/** Any message a client sends. */
export type ClientMessage =
  | AdvertiseKeysMessage
  | ShareKeysMessage
  | MaskedInputMessage
  | ConsistencySignatureMessage
  | UnmaskingMessage;

// ------------------------------------------------------------------------------------------
// Messages: server -> client

/** One client's advertised keys (as the server records them). */
export interface AdvertisedKey {
  readonly id: number;
  readonly channelPublicKey: Uint8Array;
  readonly maskingPublicKey: Uint8Array;
  readonly signature: Uint8Array | null;
}

/**
 * Round 1, server -> each client in U1: the advertised keys of its neighbourhood (itself and its
 * neighbours in U1; in the complete graph, everyone in U1) as blocks in increasing id order
 * (entry i belongs to `ids[i]`), and the key directory proof that links them to the root every
 * client hashes into the session id (docs/protocol.md, "Key directory").
 */
export interface AdvertisedKeysMessage {
  readonly type: 'advertisedKeys';
  /** The neighbourhood's ids in U1, increasing (the recipient among them). */
  readonly ids: readonly number[];
  /** 32 bytes per id: the channel public keys. */
  readonly channelPublicKeys: Uint8Array;
  /** 32 bytes per id: the masking public keys. */
  readonly maskingPublicKeys: Uint8Array;
  /** Active variant: 64 bytes per id, the key signatures; else null. */
  readonly signatures: Uint8Array | null;
  /** 32 bytes per hash: the sibling hashes from the neighbourhood's leaves to the root. */
  readonly proof: Uint8Array;
}

/**
 * Round 2, server -> one client: the ciphertexts its neighbours in U2 addressed to it,
 * `ciphertexts[i]` from `senders[i]` (increasing ids).
 */
export interface EncryptedSharesMessage {
  readonly type: 'encryptedShares';
  readonly recipient: number;
  readonly sessionId: Uint8Array;
  readonly senders: readonly number[];
  readonly ciphertexts: readonly Uint8Array[];
}

/** Round 3 (active variant), server -> clients in U3: the survivor set U3 to sign. */
export interface ConsistencyRequestMessage {
  readonly type: 'consistencyRequest';
  readonly sessionId: Uint8Array;
  readonly survivors: readonly number[];
}

/**
 * Round 4, server -> clients: the survivors U3 (clients whose masked input is in the sum), the
 * dropped U2 \ U3 and, in the active variant, the recipient's neighbours' signatures over U3.
 */
export interface UnmaskingRequestMessage {
  readonly type: 'unmaskingRequest';
  readonly sessionId: Uint8Array;
  readonly survivors: readonly number[];
  readonly dropped: readonly number[];
  /** Active variant: ids whose signatures follow (increasing); else empty. */
  readonly signers: readonly number[];
  readonly signatures: readonly Uint8Array[];
}

/** Server -> clients: the server aborted the session. */
export interface AbortMessage {
  readonly type: 'abort';
  readonly code: AbortCode;
}

/** Any message the server sends. */
export type ServerMessage =
  | AdvertisedKeysMessage
  | EncryptedSharesMessage
  | ConsistencyRequestMessage
  | UnmaskingRequestMessage
  | AbortMessage;

/** A server message and the client ids it goes to. */
export interface Outgoing {
  readonly to: readonly number[];
  readonly message: ServerMessage;
}

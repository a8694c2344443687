/**
 * Round 1 of the client: checking the server's key message, computing the session id, and
 * sharing the self-mask seed and the masking key with the neighbours.
 */
import { bytesKey, equalBytes } from '../../_bytes.js';
import { aeadSeal, createDrbg, ed25519Verify, isValidX25519PublicKey, type CryptoBackend } from '../../crypto/index.js';
import { SecAggError } from '../../errors.js';
import { directoryPositions, indexOf, withSelf } from '../../graph/index.js';
import { splitSecret } from '../../shamir/index.js';
import { readClientOptions, type ClientStepOptions } from '../_common.js';
import { absentLeaf, directoryHeight, keyLeaf, rootFromProof } from '../_directory.js';
import {
  AEAD_NONCE,
  SHARE_BYTES,
  SHARE_COEFFICIENTS_INFO,
  advertiseSignedBytes,
  channelKeys,
  computeSessionId,
  configDigest,
  shareAad,
  sharePlaintext,
} from '../_kdf.js';
import type {
  AdvertisedKey,
  AdvertisedKeysMessage,
  ClientMaskedInputState,
  ClientShareKeysState,
  ClientState,
  ClientStep,
  ServerMessage,
  SessionConfig,
} from '../types.js';
import { idsWithin, isFinished, screen } from './_screen.js';
import { aborted, common, isProblem, settle, takeAgreement, type Problem } from './_state.js';

interface ScannedKeys {
  readonly sessionId: Uint8Array;
  /** This client's entry, if present. */
  readonly own: AdvertisedKey | null;
  /** The neighbours' entries, increasing ids. */
  readonly neighbours: AdvertisedKey[];
}

/**
 * Picks this client's and its neighbours' entries of the key message (views into the blocks
 * of the client's own canonical copy: what is checked is what is kept, and the state shares no
 * memory with the caller's message) and computes the session id from their key directory
 * leaves and the proof. Null when malformed: a listed id outside the neighbourhood or above n,
 * blocks of the wrong size, signatures that do not fit the variant, a proof that does not fit.
 */
function scanKeys(msg: AdvertisedKeysMessage, config: SessionConfig, id: number, neighbours: Uint32Array): ScannedKeys | null {
  const ids = idsWithin(msg.ids, config.clients);
  if (ids === null) return null;
  const n = ids.length;
  const { channelPublicKeys: c, maskingPublicKeys: m, signatures: sig, proof } = msg;
  if (c.length !== 32 * n || m.length !== 32 * n) return null;
  if (config.active ? sig === null || sig.length !== 64 * n : sig !== null) return null;
  const entry = (i: number): AdvertisedKey => ({
    id: ids[i] as number,
    channelPublicKey: c.subarray(32 * i, 32 * i + 32),
    maskingPublicKey: m.subarray(32 * i, 32 * i + 32),
    signature: sig === null ? null : sig.subarray(64 * i, 64 * i + 64),
  });
  // The neighbourhood (this client and its neighbours, increasing) and the leaf of each: its
  // keys if listed, else "did not advertise".
  const known = withSelf(neighbours, id);
  const leaves: [number, Uint8Array][] = [];
  const found: AdvertisedKey[] = [];
  let own: AdvertisedKey | null = null;
  let listed = 0;
  for (const v of known) {
    const at = indexOf(ids, v);
    if (at < 0) {
      leaves.push([v, absentLeaf(v)]);
      continue;
    }
    listed++;
    const k = entry(at);
    leaves.push([v, keyLeaf(v, k.channelPublicKey, k.maskingPublicKey)]);
    if (v === id) own = k;
    else found.push(k);
  }
  if (listed !== n) return null; // an id outside the neighbourhood
  const root = rootFromProof(directoryHeight(config.clients), leaves, directoryPositions(config), proof);
  if (root === null) return null;
  return { sessionId: computeSessionId(config, root), own, neighbours: found };
}

/**
 * Round 1: checks the server's key message (its neighbourhood's advertised keys and their key
 * directory proof), computes the session id from them, Shamir-shares the self-mask seed b_u
 * and the masking private key among the neighbours that advertised (threshold t; coefficients
 * from the client's DRBG, keyed by its share seed and the session id) and encrypts each
 * neighbour's pair of shares. Draws nothing. Outbox: one {@link ShareKeysMessage}. Aborts
 * (`aborted` state) with MALFORMED_MESSAGE, UNEXPECTED_MESSAGE, OWN_KEYS_ALTERED,
 * DUPLICATE_PUBLIC_KEY, INVALID_PUBLIC_KEY, INVALID_SIGNATURE or TOO_FEW_PEERS. Consumes
 * `state`, unless it returns a note (a late message to a finished client).
 *
 * @throws {SecAggError} `WRONG_ROUND` unless the state is in `shareKeys` (or finished);
 *   `STATE_CONSUMED`; option errors.
 * @example
 * ```ts
 * ({ state, outbox } = clientShareKeys(state, advertisedKeysMessage));
 * ```
 */
export function clientShareKeys(state: ClientState, message: ServerMessage, options?: ClientStepOptions): ClientStep {
  const o = readClientOptions(options);
  const screened = screen<'shareKeys', ClientShareKeysState>(state, message, 'shareKeys', 'clientShareKeys');
  if (isFinished(screened)) return screened;
  const { state: s, request, digest } = screened;
  const { config, id } = s;
  const scanned = scanKeys(request, config, id, s.neighbours);
  if (scanned === null) return settle(s, aborted(s, 'MALFORMED_MESSAGE', 'advertisedKeys is malformed'));
  const peers = checkPeers(s, scanned, o.backend);
  if (isProblem(peers)) return settle(s, aborted(s, ...peers));
  const sessionId = scanned.sessionId;
  const { ownShares, ciphertexts, channelKeysFrom } = shareSecrets(s, sessionId, peers, o.backend);
  const next: ClientMaskedInputState = {
    ...common(s, { advertisedKeys: digest }),
    round: 'maskedInputCollection',
    keys: s.keys,
    sessionId,
    peers: peers.ids,
    channelKeysFrom,
    peerMaskingKeys: peers.maskingKeys,
    selfMaskSeed: s.selfMaskSeed,
    ownShares,
  };
  return settle(s, { state: next, outbox: [{ type: 'shareKeys', sender: id, sessionId: sessionId.slice(), ciphertexts }] });
}

/** The neighbours that advertised valid keys, increasing ids, with their keys. */
interface Peers {
  readonly ids: number[];
  readonly channelKeys: Uint8Array[];
  readonly maskingKeys: Uint8Array[];
}

/**
 * Checks the advertised keys: this client's own relayed unchanged, every key valid and
 * distinct, each neighbour's signature (active variant), and at least t - 1 neighbours.
 */
function checkPeers(s: ClientShareKeysState, scanned: ScannedKeys, backend: CryptoBackend | undefined): Peers | Problem {
  const { config, id } = s;
  // Own keys must be relayed unchanged.
  const own = scanned.own;
  if (
    own === null ||
    !equalBytes(own.channelPublicKey, s.keys.channelPublicKey) ||
    !equalBytes(own.maskingPublicKey, s.keys.maskingPublicKey)
  ) {
    return ['OWN_KEYS_ALTERED', 'the key message omits or alters this client\'s keys'];
  }
  // Neighbours that advertised. Their keys (and this client's) must be valid and distinct; no
  // other client's keys are sent (the directory proof stands for them).
  const peers: number[] = [];
  const peerChannelKeys: Uint8Array[] = [];
  const peerMaskingKeys: Uint8Array[] = [];
  const seen = new Set<string>();
  const digest = config.active ? configDigest(config) : null;
  for (const k of [own, ...scanned.neighbours]) {
    for (const pk of [k.channelPublicKey, k.maskingPublicKey]) {
      const key = bytesKey(pk);
      if (seen.has(key)) return ['DUPLICATE_PUBLIC_KEY', `client ${k.id} advertised a key already seen`];
      seen.add(key);
      if (!isValidX25519PublicKey(pk)) {
        return ['INVALID_PUBLIC_KEY', `client ${k.id} advertised an invalid or small-order key`];
      }
    }
    if (k.id === id) continue;
    if (digest !== null) {
      const vk = config.verificationKeys?.[k.id - 1] as Uint8Array;
      const msg = advertiseSignedBytes(digest, k.id, k.channelPublicKey, k.maskingPublicKey);
      if (!ed25519Verify(k.signature as Uint8Array, msg, vk, backend)) {
        return ['INVALID_SIGNATURE', `client ${k.id}'s key signature does not verify`];
      }
    }
    peers.push(k.id);
    peerChannelKeys.push(k.channelPublicKey);
    peerMaskingKeys.push(k.maskingPublicKey);
  }
  if (peers.length + 1 < config.threshold) {
    return ['TOO_FEW_PEERS', `${peers.length} neighbours advertised keys, threshold is ${config.threshold}`];
  }
  return { ids: peers, channelKeys: peerChannelKeys, maskingKeys: peerMaskingKeys };
}

/** What {@link shareSecrets} made: this client's own shares, the sealed shares. */
interface SharedSecrets {
  readonly ownShares: [Uint8Array, Uint8Array];
  /** The sealed pair of shares for each peer, in peer order. */
  readonly ciphertexts: Uint8Array[];
  /** The key of the channel from each peer, in peer order. */
  readonly channelKeysFrom: Uint8Array[];
}

/**
 * Shamir-shares b_u and the masking private key among the peers and this client (threshold t)
 * and seals each peer's pair of shares under the channel key. The coefficients come from the
 * DRBG of the share seed bound to the session id: the same state and key message give the same
 * shares and ciphertexts (each channel key, bound to the session id and the direction, seals
 * exactly one plaintext: docs/protocol.md), and another session id gives fresh polynomials.
 */
function shareSecrets(s: ClientShareKeysState, sessionId: Uint8Array, peers: Peers, backend: CryptoBackend | undefined): SharedSecrets {
  const { config, id } = s;
  // Shares go to the neighbours that advertised and to this client itself.
  const holders = withSelf(peers.ids, id);
  const rng = createDrbg(s.shareSeed, sessionId, SHARE_COEFFICIENTS_INFO);
  const bShares = splitSecret(s.selfMaskSeed, { threshold: config.threshold, holders, rng });
  const sShares = splitSecret(s.keys.maskingPrivateKey, { threshold: config.threshold, holders, rng });
  rng.wipe(); // its key and one share would give each secret
  const agreement = takeAgreement(s.keys.channelPrivateKey, backend);
  const ciphertexts: Uint8Array[] = new Array(peers.ids.length);
  const channelKeysFrom: Uint8Array[] = new Array(peers.ids.length);
  let ownShares: [Uint8Array, Uint8Array] | null = null;
  for (let h = 0, i = 0; h < holders.length; h++) {
    const v = holders[h] as number;
    const b = (bShares[h] as { y: Uint8Array }).y;
    const sk = (sShares[h] as { y: Uint8Array }).y;
    if (b.length !== SHARE_BYTES || sk.length !== SHARE_BYTES) {
      throw new SecAggError('INVALID_LENGTH', 'unexpected Shamir share length');
    }
    if (v === id) {
      ownShares = [b, sk];
      continue;
    }
    const shared = agreement.sharedSecret(peers.channelKeys[i] as Uint8Array);
    const [key, from] = channelKeys(shared, sessionId, id, v, backend);
    shared.fill(0);
    channelKeysFrom[i] = from;
    const plaintext = sharePlaintext(id, v, b, sk);
    ciphertexts[i] = aeadSeal(key, AEAD_NONCE, plaintext, shareAad(sessionId, id, v), backend);
    plaintext.fill(0);
    key.fill(0);
    b.fill(0);
    sk.fill(0);
    i++;
  }
  agreement.wipe();
  return { ownShares: ownShares as [Uint8Array, Uint8Array], ciphertexts, channelKeysFrom };
}

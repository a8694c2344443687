/**
 * The client's state machine: pure steps `(state, input, options?) => { state, outbox }`.
 * An illegal call (a step in the wrong round, bad local arguments) throws SecAggError; an
 * invalid message from the network moves the client to `aborted` with an {@link AbortCode}.
 */
import { assertBytes, assertInteger, assertOptions, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { applyMasksInto, type MaskTerm } from '../masking/index.js';
import { splitSecret } from '../shamir/index.js';
import { copyAsBlock, equalBytes } from '../_bytes.js';
import { checkConfig, readStepOptions, wrongRound, type StepOptions } from './_common.js';
import { absentLeaf, directoryHeight, keyLeaf, rootFromProof } from './_directory.js';
import {
  AEAD_NONCE,
  SHARE_BYTES,
  SHARE_PLAINTEXT_BYTES,
  advertiseSignedBytes,
  channelKeys,
  computeSessionId,
  configDigest,
  consistencySignedBytes,
  maskKey,
  pairwiseMaskLabel,
  selfMaskLabel,
  shareAad,
  sharePlaintext,
} from './_kdf.js';
import { indexOf, neighbourIds, withSelf } from '../graph/index.js';
import { isBytes, isObject, readBytesList, readIdList, typeLabel } from './_validate.js';
import type { AbortCode } from './codes.js';
import {
  aeadOpen,
  aeadSeal,
  createX25519Agreement,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  generateX25519KeyPair,
  isValidX25519PublicKey,
  type CryptoBackend,
} from '../crypto/index.js';
import type {
  AdvertisedKey,
  ClientAdvertiseKeysState,
  ClientCommon,
  ClientConsistencyState,
  ClientMaskedInputState,
  ClientMessage,
  ClientShareKeysState,
  ClientState,
  ClientStep,
  ClientUnmaskingState,
  Round,
  ServerMessage,
  SessionConfig,
  VectorSpec,
} from './types.js';

const AEAD_TAG = 16;
/** Ciphertext bytes of one share message. */
export const SHARE_CIPHERTEXT_BYTES: number = SHARE_PLAINTEXT_BYTES + AEAD_TAG;

/** Options of {@link createClient}. */
export interface CreateClientOptions {
  /** This client's id, 1..config.clients. */
  readonly id: number;
  /** Active variant: the client's long-term Ed25519 signing key (32-byte seed). */
  readonly signingKey?: Uint8Array;
}

/** The input vectors of one client, by configured name, each of its configured length. */
export type ClientInput = Readonly<Record<string, Uint32Array>>;

/** Options of {@link clientReceive}. */
export interface ClientReceiveOptions extends StepOptions {
  /** The client's input, needed when the message is the `encryptedShares` relay. */
  readonly input?: ClientInput;
}

function aborted(state: { id: number; round: Round }, code: AbortCode, reason: string): ClientStep {
  return { state: { round: 'aborted', id: state.id, code, reason, atRound: state.round }, outbox: [] };
}

/**
 * Creates a client in round `advertiseKeys`.
 *
 * @throws {SecAggError} config errors (see `createSessionConfig`), `OUT_OF_RANGE` for an id
 *   outside 1..clients, `INVALID_CONFIG` when the active variant has no signing key or it does
 *   not match the directory (or one is given in the passive variant).
 * @example
 * ```ts
 * let client = createClient(config, { id: 7 });
 * ```
 */
export function createClient(config: SessionConfig, options: CreateClientOptions): ClientAdvertiseKeysState {
  const cfg = checkConfig(config);
  const o = assertOptions<CreateClientOptions>(options, 'options', ['id', 'signingKey']);
  if (options === undefined) throw new SecAggError('INVALID_TYPE', 'options must be an object with the client id');
  const id = assertInteger(o.id, 'id', 1, cfg.clients);
  let signingKey: Uint8Array | null = null;
  if (cfg.active) {
    if (o.signingKey === undefined) throw new SecAggError('INVALID_CONFIG', 'the active variant needs signingKey');
    signingKey = Uint8Array.from(assertBytes(o.signingKey, 'signingKey', 32));
    const expected = cfg.verificationKeys?.[id - 1];
    if (expected === undefined || !equalBytes(ed25519PublicKey(signingKey), expected)) {
      throw new SecAggError('INVALID_CONFIG', `signingKey does not match verificationKeys[${id - 1}]`);
    }
  } else if (o.signingKey !== undefined) {
    throw new SecAggError('INVALID_CONFIG', 'signingKey is only used by the active variant');
  }
  return { round: 'advertiseKeys', config: cfg, id, neighbours: neighbourIds(cfg, id), signingKey };
}

function common(s: ClientCommon): ClientCommon {
  return { config: s.config, id: s.id, neighbours: s.neighbours, signingKey: s.signingKey };
}

/**
 * Round 0: draws the channel and masking X25519 key pairs (64 bytes from `rng`) and, in the
 * active variant, signs them. Outbox: one {@link AdvertiseKeysMessage}.
 *
 * @throws {SecAggError} `WRONG_ROUND` unless the state is in `advertiseKeys`; option errors.
 * @example
 * ```ts
 * const { state, outbox } = clientAdvertiseKeys(client, { rng });
 * ```
 */
export function clientAdvertiseKeys(state: ClientState, options?: StepOptions): ClientStep {
  const o = readStepOptions(options);
  if (state?.round !== 'advertiseKeys') throw wrongRound('clientAdvertiseKeys', state?.round, 'advertiseKeys');
  const s = state;
  const c = generateX25519KeyPair(o.rng, o.backend);
  const m = generateX25519KeyPair(o.rng, o.backend);
  const signature =
    s.signingKey === null
      ? null
      : ed25519Sign(
          s.signingKey,
          advertiseSignedBytes(configDigest(s.config), s.id, c.publicKey, m.publicKey),
          o.backend,
        );
  const next: ClientShareKeysState = {
    ...common(s),
    round: 'shareKeys',
    keys: {
      channelPrivateKey: c.privateKey,
      channelPublicKey: c.publicKey,
      maskingPrivateKey: m.privateKey,
      maskingPublicKey: m.publicKey,
    },
  };
  return {
    state: next,
    outbox: [
      // Copies: no message shares memory with the state (a transport may reuse or transfer it).
      { type: 'advertiseKeys', sender: s.id, channelPublicKey: c.publicKey.slice(), maskingPublicKey: m.publicKey.slice(), signature },
    ],
  };
}

interface ScannedKeys {
  readonly sessionId: Uint8Array;
  /** This client's entry, if present. */
  readonly own: AdvertisedKey | null;
  /** The neighbours' entries, increasing ids. */
  readonly neighbours: AdvertisedKey[];
}

/**
 * Checks the message's shape, picks this client's and its neighbours' entries (views into
 * copies of the blocks: what is checked is what is kept, and the state shares no memory with
 * a message a framework may reuse or hand to other clients) and computes the session id from
 * their key directory leaves and the proof. Null when malformed: a listed id outside the
 * neighbourhood, or a proof that does not fit.
 */
function scanKeys(msg: Record<string, unknown>, config: SessionConfig, id: number, neighbours: Uint32Array): ScannedKeys | null {
  const ids = readIdList(msg['ids'], config.clients);
  if (ids === null) return null;
  const n = ids.length;
  const channelBlock: unknown = msg['channelPublicKeys'];
  const maskingBlock: unknown = msg['maskingPublicKeys'];
  const sigBlock: unknown = msg['signatures'];
  const proofBytes: unknown = msg['proof'];
  if (!isBytes(channelBlock, 32 * n) || !isBytes(maskingBlock, 32 * n) || !isBytes(proofBytes)) return null;
  if (config.active ? !isBytes(sigBlock, 64 * n) : sigBlock !== null) return null;
  const c = channelBlock.slice();
  const m = maskingBlock.slice();
  const sig = sigBlock === null ? null : (sigBlock as Uint8Array).slice();
  const proof = proofBytes.slice();
  const entry = (i: number): AdvertisedKey => ({
    id: ids[i] as number,
    channelPublicKey: c.subarray(32 * i, 32 * i + 32),
    maskingPublicKey: m.subarray(32 * i, 32 * i + 32),
    signature: sig === null ? null : (sig as Uint8Array).subarray(64 * i, 64 * i + 64),
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
  const root = rootFromProof(directoryHeight(config.clients), leaves, proof);
  if (root === null) return null;
  return { sessionId: computeSessionId(config, root), own, neighbours: found };
}

function latin1(b: Uint8Array): string {
  return String.fromCharCode.apply(null, b as unknown as number[]);
}

/**
 * Round 1: checks the server's key message (its neighbourhood's advertised keys and their key
 * directory proof), computes the session id from them, draws the self-mask seed b_u,
 * Shamir-shares b_u and the masking private key among the neighbours that advertised
 * (threshold t) and encrypts each neighbour's pair of shares. Outbox: one
 * {@link ShareKeysMessage}. Aborts (`aborted` state) with MALFORMED_MESSAGE,
 * UNEXPECTED_MESSAGE, OWN_KEYS_ALTERED, DUPLICATE_PUBLIC_KEY, INVALID_PUBLIC_KEY,
 * INVALID_SIGNATURE or TOO_FEW_PEERS.
 *
 * @throws {SecAggError} `WRONG_ROUND` unless the state is in `shareKeys`; option errors.
 * @example
 * ```ts
 * ({ state, outbox } = clientShareKeys(state, advertisedKeysMessage, { rng }));
 * ```
 */
export function clientShareKeys(state: ClientState, message: ServerMessage, options?: StepOptions): ClientStep {
  const o = readStepOptions(options);
  if (state?.round !== 'shareKeys') throw wrongRound('clientShareKeys', state?.round, 'shareKeys');
  const s = state;
  const { config, id } = s;
  let scanned: ScannedKeys | null;
  try {
    if (!isObject(message)) return aborted(s, 'MALFORMED_MESSAGE', 'the message is not an object');
    if (message['type'] === 'abort') return aborted(s, 'SERVER_ABORTED', 'the server aborted');
    if (message['type'] !== 'advertisedKeys') {
      return aborted(s, 'UNEXPECTED_MESSAGE', `expected advertisedKeys in round shareKeys, got ${typeLabel(message['type'])}`);
    }
    scanned = scanKeys(message, config, id, s.neighbours);
  } catch {
    scanned = null;
  }
  if (scanned === null) return aborted(s, 'MALFORMED_MESSAGE', 'advertisedKeys is malformed');

  // Own keys must be relayed unchanged.
  const own = scanned.own;
  if (
    own === null ||
    !equalBytes(own.channelPublicKey, s.keys.channelPublicKey) ||
    !equalBytes(own.maskingPublicKey, s.keys.maskingPublicKey)
  ) {
    return aborted(s, 'OWN_KEYS_ALTERED', 'the key message omits or alters this client\'s keys');
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
      const key = latin1(pk);
      if (seen.has(key)) return aborted(s, 'DUPLICATE_PUBLIC_KEY', `client ${k.id} advertised a key already seen`);
      seen.add(key);
      if (!isValidX25519PublicKey(pk)) {
        return aborted(s, 'INVALID_PUBLIC_KEY', `client ${k.id} advertised an invalid or small-order key`);
      }
    }
    if (k.id === id) continue;
    if (digest !== null) {
      const vk = config.verificationKeys?.[k.id - 1] as Uint8Array;
      const msg = advertiseSignedBytes(digest, k.id, k.channelPublicKey, k.maskingPublicKey);
      if (!ed25519Verify(k.signature as Uint8Array, msg, vk, o.backend)) {
        return aborted(s, 'INVALID_SIGNATURE', `client ${k.id}'s key signature does not verify`);
      }
    }
    peers.push(k.id);
    peerChannelKeys.push(k.channelPublicKey);
    peerMaskingKeys.push(k.maskingPublicKey);
  }
  if (peers.length + 1 < config.threshold) {
    return aborted(s, 'TOO_FEW_PEERS', `${peers.length} neighbours advertised keys, threshold is ${config.threshold}`);
  }
  const sessionId = scanned.sessionId;

  // Shares go to the neighbours that advertised and to this client itself.
  const holders = withSelf(peers, id);
  const selfMaskSeed = Uint8Array.from(assertBytes(o.rng(32), 'rng output', 32));
  const bShares = splitSecret(selfMaskSeed, { threshold: config.threshold, holders, rng: o.rng });
  const sShares = splitSecret(s.keys.maskingPrivateKey, { threshold: config.threshold, holders, rng: o.rng });
  const agreement = createX25519Agreement(s.keys.channelPrivateKey, o.backend);
  const ciphertexts: Uint8Array[] = new Array(peers.length);
  const channelKeysFrom: Uint8Array[] = new Array(peers.length);
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
    const shared = agreement.sharedSecret(peerChannelKeys[i] as Uint8Array);
    const [key, from] = channelKeys(shared, sessionId, id, v, o.backend);
    channelKeysFrom[i] = from;
    ciphertexts[i] = aeadSeal(key, AEAD_NONCE, sharePlaintext(id, v, b, sk), shareAad(sessionId, id, v), o.backend);
    i++;
  }
  const next: ClientMaskedInputState = {
    ...common(s),
    round: 'maskedInputCollection',
    keys: s.keys,
    sessionId,
    peers,
    channelKeysFrom,
    peerMaskingKeys,
    selfMaskSeed,
    ownShares: ownShares as [Uint8Array, Uint8Array],
  };
  return { state: next, outbox: [{ type: 'shareKeys', sender: id, sessionId: sessionId.slice(), ciphertexts }] };
}

function readInput(input: unknown, config: SessionConfig): Uint32Array[] {
  const names = config.vectors.map((v) => v.name);
  const o = assertOptions<Record<string, unknown>>(input, 'input', names);
  if (input === undefined) throw new SecAggError('INVALID_TYPE', 'input must be an object of vectors by name');
  return config.vectors.map((spec) => {
    const x: unknown = o[spec.name];
    if (!(x instanceof Uint32Array) || !ArrayBuffer.isView(x)) {
      throw new SecAggError('INVALID_TYPE', `input.${spec.name} must be a Uint32Array, got ${describeType(x)}`);
    }
    if (x.length !== spec.length) {
      throw new SecAggError('LENGTH_MISMATCH', `input.${spec.name} must have ${spec.length} elements, got ${x.length}`);
    }
    if (spec.bits < 32) {
      const limit = 2 ** spec.bits;
      for (let i = 0; i < x.length; i++) {
        if ((x[i] as number) >= limit) {
          throw new SecAggError('ELEMENT_OUT_OF_RANGE', `input.${spec.name}[${i}] is not below 2^${spec.bits}`);
        }
      }
    }
    return x;
  });
}

/**
 * Round 2: decrypts and checks the shares the neighbours addressed to this client, then masks
 * `input`: y = x + PRG(b_u) + sum over those neighbours v of (+PRG(s_uv) if u < v, -PRG(s_uv)
 * if u > v) mod 2^bits, per vector. Outbox: one {@link MaskedInputMessage}. Aborts with
 * MALFORMED_MESSAGE, UNEXPECTED_MESSAGE, SESSION_MISMATCH, INCONSISTENT_SETS, TOO_FEW_PEERS,
 * SHARE_DECRYPTION_FAILED or SHARE_MISADDRESSED.
 *
 * @param input One Uint32Array per configured vector name, elements below 2^bits.
 * @throws {SecAggError} `WRONG_ROUND` unless in `maskedInputCollection`; `INVALID_TYPE`,
 *   `UNKNOWN_OPTION`, `LENGTH_MISMATCH`, `ELEMENT_OUT_OF_RANGE` for a bad input.
 * @example
 * ```ts
 * ({ state, outbox } = clientMaskedInput(state, encryptedShares, { weights: x }));
 * ```
 */
export function clientMaskedInput(
  state: ClientState,
  message: ServerMessage,
  input: ClientInput,
  options?: StepOptions,
): ClientStep {
  const o = readStepOptions(options);
  if (state?.round !== 'maskedInputCollection') {
    throw wrongRound('clientMaskedInput', state?.round, 'maskedInputCollection');
  }
  const s = state;
  const { config, id, sessionId } = s;
  let type: unknown;
  try {
    if (!isObject(message)) return aborted(s, 'MALFORMED_MESSAGE', 'the message is not an object');
    type = message['type'];
  } catch {
    return aborted(s, 'MALFORMED_MESSAGE', 'the message is not readable');
  }
  if (type === 'abort') return aborted(s, 'SERVER_ABORTED', 'the server aborted');
  if (type !== 'encryptedShares') return aborted(s, 'UNEXPECTED_MESSAGE', `expected encryptedShares, got ${typeLabel(type)}`);
  const xs = readInput(input, config);
  let senders: number[] | null = null;
  let cts: Uint8Array[] | null = null;
  try {
    if (!isObject(message)) return aborted(s, 'MALFORMED_MESSAGE', 'the message is not an object');
    if (message['recipient'] !== id) return aborted(s, 'UNEXPECTED_MESSAGE', 'the shares are addressed to another client');
    const sid: unknown = message['sessionId'];
    if (!isBytes(sid, 32)) return aborted(s, 'MALFORMED_MESSAGE', 'sessionId is malformed');
    if (!equalBytes(sid, sessionId)) return aborted(s, 'SESSION_MISMATCH', 'the message is for another session');
    senders = readIdList(message['senders'], config.clients);
    if (senders !== null) cts = readBytesList(message['ciphertexts'], senders.length, SHARE_CIPHERTEXT_BYTES);
  } catch {
    senders = null;
  }
  if (senders === null || cts === null) return aborted(s, 'MALFORMED_MESSAGE', 'encryptedShares is malformed');
  const positions: number[] = [];
  for (const v of senders) {
    const at = indexOf(s.peers, v);
    if (at < 0) return aborted(s, 'INCONSISTENT_SETS', `shares from ${v}, which is not a neighbour that advertised keys`);
    positions.push(at);
  }
  if (senders.length + 1 < config.threshold) {
    return aborted(s, 'TOO_FEW_PEERS', `${senders.length} neighbours sent shares, threshold is ${config.threshold}`);
  }
  const owners: number[] = [];
  const selfMaskShares: Uint8Array[] = [];
  const maskingKeyShares: Uint8Array[] = [];
  let ownPushed = false;
  const pushOwn = (): void => {
    ownPushed = true;
    owners.push(id);
    selfMaskShares.push(s.ownShares[0]);
    maskingKeyShares.push(s.ownShares[1]);
  };
  for (let i = 0; i < senders.length; i++) {
    const v = senders[i] as number;
    if (v > id && !ownPushed) pushOwn();
    const at = positions[i] as number;
    const key = s.channelKeysFrom[at] as Uint8Array;
    const pt = aeadOpen(key, AEAD_NONCE, cts[i] as Uint8Array, shareAad(sessionId, v, id), o.backend);
    if (pt === null) return aborted(s, 'SHARE_DECRYPTION_FAILED', `the shares from ${v} do not decrypt`);
    const view = new DataView(pt.buffer, pt.byteOffset, pt.byteLength);
    if (pt.length !== SHARE_PLAINTEXT_BYTES || view.getUint32(0) !== v || view.getUint32(4) !== id) {
      return aborted(s, 'SHARE_MISADDRESSED', `the shares from ${v} name another sender or recipient`);
    }
    owners.push(v);
    selfMaskShares.push(pt.slice(8, 8 + SHARE_BYTES));
    maskingKeyShares.push(pt.slice(8 + SHARE_BYTES));
  }
  if (!ownPushed) pushOwn();

  // Mask: every vector gets its self mask and all pairwise masks in one streaming pass.
  const masking = createX25519Agreement(s.keys.maskingPrivateKey, o.backend);
  const shared = senders.map((_, i) => masking.sharedSecret(s.peerMaskingKeys[positions[i] as number] as Uint8Array));
  const ys = xs.map((x, j) => {
    const spec = config.vectors[j] as VectorSpec;
    const terms: MaskTerm[] = [{ key: maskKey(s.selfMaskSeed, sessionId, selfMaskLabel(spec.name), o.backend), sign: 1 }];
    for (let i = 0; i < senders.length; i++) {
      const v = senders[i] as number;
      const key = maskKey(shared[i] as Uint8Array, sessionId, pairwiseMaskLabel(id, v, spec.name), o.backend);
      terms.push({ key, sign: id < v ? 1 : -1 });
    }
    const y = Uint32Array.from(x);
    applyMasksInto(y, terms, { bits: spec.bits, ...(o.backend === undefined ? {} : { backend: o.backend }) });
    for (const t of terms) (t.key as Uint8Array).fill(0);
    return y;
  });
  for (const secret of shared) secret.fill(0);
  const after = { ...common(s), sessionId, owners, selfMaskShares, maskingKeyShares };
  const next: ClientState = config.active
    ? ({ ...after, round: 'consistencyCheck' } satisfies ClientConsistencyState)
    : ({ ...after, round: 'unmasking', signedSurvivors: null } satisfies ClientUnmaskingState);
  return { state: next, outbox: [{ type: 'maskedInput', sender: id, sessionId: sessionId.slice(), vectors: ys }] };
}

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
    if (!isObject(message)) return aborted(s, 'MALFORMED_MESSAGE', 'the message is not an object');
    if (message['type'] === 'abort') return aborted(s, 'SERVER_ABORTED', 'the server aborted');
    if (message['type'] !== 'consistencyRequest') {
      return aborted(s, 'UNEXPECTED_MESSAGE', `expected consistencyRequest, got ${typeLabel(message['type'])}`);
    }
    const sid: unknown = message['sessionId'];
    if (!isBytes(sid, 32)) return aborted(s, 'MALFORMED_MESSAGE', 'sessionId is malformed');
    if (!equalBytes(sid, s.sessionId)) return aborted(s, 'SESSION_MISMATCH', 'the message is for another session');
    survivors = readIdList(message['survivors'], s.config.clients);
  } catch {
    survivors = null;
  }
  if (survivors === null) return aborted(s, 'MALFORMED_MESSAGE', 'consistencyRequest is malformed');
  const problem = checkSurvivors(s, survivors, null);
  if (problem !== null) return aborted(s, problem[0], problem[1]);
  const signature = ed25519Sign(s.signingKey as Uint8Array, consistencySignedBytes(s.sessionId, survivors), o.backend);
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

/**
 * Survivor/dropped checks: self in survivors and not dropped, disjoint, each neighbour named in
 * either set is one whose shares this client holds, each held neighbour is named in one of them
 * (only when `dropped` is given as a list), and at least t neighbours survive.
 */
function checkSurvivors(
  s: ClientConsistencyState | ClientUnmaskingState,
  survivors: readonly number[],
  dropped: readonly number[] | null,
): [AbortCode, string] | null {
  const inSurvivors = (v: number): boolean => indexOf(survivors, v) >= 0;
  if (!inSurvivors(s.id)) return ['INCONSISTENT_SETS', 'this client is missing from the survivors'];
  let surviving = 0;
  for (const v of s.neighbours) {
    const alive = inSurvivors(v);
    const dead = dropped !== null && indexOf(dropped, v) >= 0;
    const held = indexOf(s.owners, v) >= 0;
    if (alive && dead) return ['INCONSISTENT_SETS', `client ${v} is listed as both survivor and dropped`];
    if ((alive || dead) && !held) return ['INCONSISTENT_SETS', `client ${v} is listed but did not share keys with this client`];
    if (dropped !== null && held && !alive && !dead) {
      return ['INCONSISTENT_SETS', `client ${v} is neither survivor nor dropped`];
    }
    if (alive) surviving++;
  }
  if (dropped !== null) {
    if (indexOf(dropped, s.id) >= 0) return ['INCONSISTENT_SETS', 'this client is listed as dropped'];
    // Disjointness over the whole lists, neighbours or not.
    let i = 0;
    let j = 0;
    while (i < survivors.length && j < dropped.length) {
      const a = survivors[i] as number;
      const b = dropped[j] as number;
      if (a === b) return ['INCONSISTENT_SETS', `client ${a} is listed as both survivor and dropped`];
      if (a < b) i++;
      else j++;
    }
  }
  surviving++; // this client
  if (surviving < s.config.threshold) {
    return ['TOO_FEW_PEERS', `${surviving} neighbours survive, threshold is ${s.config.threshold}`];
  }
  return null;
}

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
    if (!isObject(message)) return aborted(s, 'MALFORMED_MESSAGE', 'the message is not an object');
    if (message['type'] === 'abort') return aborted(s, 'SERVER_ABORTED', 'the server aborted');
    if (message['type'] !== 'unmaskingRequest') {
      return aborted(s, 'UNEXPECTED_MESSAGE', `expected unmaskingRequest, got ${typeLabel(message['type'])}`);
    }
    const sid: unknown = message['sessionId'];
    if (!isBytes(sid, 32)) return aborted(s, 'MALFORMED_MESSAGE', 'sessionId is malformed');
    if (!equalBytes(sid, s.sessionId)) return aborted(s, 'SESSION_MISMATCH', 'the message is for another session');
    survivors = readIdList(message['survivors'], config.clients);
    dropped = readIdList(message['dropped'], config.clients);
    signers = readIdList(message['signers'], config.clients);
    if (signers !== null) signatures = readBytesList(message['signatures'], signers.length, 64);
  } catch {
    survivors = null;
  }
  if (survivors === null || dropped === null || signers === null || signatures === null) {
    return aborted(s, 'MALFORMED_MESSAGE', 'unmaskingRequest is malformed');
  }
  if (config.active) {
    const signed = s.signedSurvivors ?? [];
    if (signed.length !== survivors.length || signed.some((v, i) => survivors[i] !== v)) {
      return aborted(s, 'INCONSISTENT_SETS', 'the survivors differ from the set this client signed');
    }
    const msg = consistencySignedBytes(s.sessionId, survivors);
    let valid = 0;
    for (let i = 0; i < signers.length; i++) {
      const v = signers[i] as number;
      if (indexOf(s.neighbours, v) < 0) continue; // only neighbours' signatures count
      if (indexOf(survivors, v) < 0) return aborted(s, 'INCONSISTENT_SETS', `signer ${v} is not a survivor`);
      const vk = config.verificationKeys?.[v - 1] as Uint8Array;
      if (!ed25519Verify(signatures[i] as Uint8Array, msg, vk, o.backend)) {
        return aborted(s, 'INVALID_SIGNATURE', `client ${v}'s signature over the survivors does not verify`);
      }
      valid++;
    }
    valid++; // this client's own signature
    if (valid < config.threshold) {
      return aborted(s, 'TOO_FEW_PEERS', `${valid} neighbours signed the survivors, threshold is ${config.threshold}`);
    }
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

/** The message types a client may send, for routing in frameworks. */
export type { ClientMessage };
/** Backends accepted by `options.backend`. */
export type { CryptoBackend };

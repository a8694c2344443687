/**
 * Round 2 of the client: opening the shares the neighbours sent it, then masking its input with
 * the self mask and the pairwise masks.
 */
import { assertOptions, describeType } from '../../_assert.js';
import { equalBytes } from '../../_bytes.js';
import { aeadOpen, sha256Parts, type CryptoBackend } from '../../crypto/index.js';
import { SecAggError } from '../../errors.js';
import { indexOf } from '../../graph/index.js';
import { applyMasksInto, type MaskTerm } from '../../masking/index.js';
import { readClientOptions, type ClientStepOptions } from '../_common.js';
import {
  AEAD_NONCE,
  SHARE_BYTES,
  SHARE_CIPHERTEXT_BYTES,
  SHARE_PLAINTEXT_BYTES,
  maskKey,
  pairwiseMaskLabel,
  selfMaskLabel,
  shareAad,
} from '../_kdf.js';
import type {
  ClientConsistencyState,
  ClientMaskedInputState,
  ClientState,
  ClientStep,
  ClientUnmaskingState,
  EncryptedSharesMessage,
  ServerMessage,
  SessionConfig,
  VectorSpec,
} from '../types.js';
import { idsWithin, isFinished, screen } from './_screen.js';
import { aborted, common, isProblem, settle, takeAgreement, type Problem } from './_state.js';

/** The input vectors of one client, by configured name, each of its configured length. */
export type ClientInput = Readonly<Record<string, Uint32Array>>;

/**
 * Copies of the input vectors in configuration order, checked on the copies (the copies are
 * what is hashed and masked), and the SHA-256 of their bytes: vector after vector, each as its
 * elements in the platform's byte order (little-endian wherever Node and browsers run).
 */
export function readInput(input: unknown, config: SessionConfig): { readonly xs: Uint32Array[]; readonly digest: Uint8Array } {
  const names = config.vectors.map((v) => v.name);
  const o = assertOptions<Record<string, unknown>>(input, 'input', names);
  if (input === undefined) throw new SecAggError('INVALID_TYPE', 'input must be an object of vectors by name');
  const xs = config.vectors.map((spec) => {
    const raw: unknown = o[spec.name];
    if (!(raw instanceof Uint32Array) || !ArrayBuffer.isView(raw)) {
      throw new SecAggError('INVALID_TYPE', `input.${spec.name} must be a Uint32Array, got ${describeType(raw)}`);
    }
    const x = new Uint32Array(raw);
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
  return { xs, digest: sha256Parts([INPUT_LABEL, ...xs.map((x) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength))]) };
}

const INPUT_LABEL = new TextEncoder().encode('secagg/v2/input\0');

/**
 * Round 2: decrypts and checks the shares the neighbours addressed to this client, then masks
 * `input`: y = x + PRG(b_u) + sum over those neighbours v of (+PRG(s_uv) if u < v, -PRG(s_uv)
 * if u > v) mod 2^bits, per vector. Outbox: one {@link MaskedInputMessage}. Aborts with
 * MALFORMED_MESSAGE, UNEXPECTED_MESSAGE, SESSION_MISMATCH, INCONSISTENT_SETS, TOO_FEW_PEERS,
 * SHARE_DECRYPTION_FAILED or SHARE_MISADDRESSED. Records the digests of the relay and of the
 * input: the same relay again is a `DUPLICATE_REQUEST`; another relay, or the same one with
 * another input, is `CONFLICTING_REQUEST` (never a second vector under the same masks).
 * Consumes `state`, unless it returns a note.
 *
 * @param input One Uint32Array per configured vector name, elements below 2^bits.
 * @throws {SecAggError} `WRONG_ROUND` unless in `maskedInputCollection` (or finished: a note;
 *   a repeat of the relay to a client in a later round goes through `clientReceive`, which
 *   screens it as a repeat); `STATE_CONSUMED`; `INVALID_TYPE`, `UNKNOWN_OPTION`,
 *   `LENGTH_MISMATCH`, `ELEMENT_OUT_OF_RANGE` for a bad input.
 * @example
 * ```ts
 * ({ state, outbox } = clientMaskedInput(state, encryptedShares, { weights: x }));
 * ```
 */
export function clientMaskedInput(
  state: ClientState,
  message: ServerMessage,
  input: ClientInput,
  options?: ClientStepOptions,
): ClientStep {
  const o = readClientOptions(options);
  let read: ReturnType<typeof readInput> | null = null;
  const config = (state as { config?: SessionConfig } | null)?.config;
  const inputDigest = config === undefined ? null : (): Uint8Array => (read ??= readInput(input, config)).digest;
  const screened = screen<'maskedInputCollection', ClientMaskedInputState>(state, message, 'maskedInputCollection', 'clientMaskedInput', inputDigest);
  if (isFinished(screened)) return screened;
  const { state: s, request, digest } = screened;
  const { id, sessionId } = s;
  const { xs, digest: inputHash } = read ?? readInput(input, s.config);
  const shares = readEncryptedShares(s, request);
  if (isProblem(shares)) return settle(s, aborted(s, ...shares));
  const held = openShares(s, shares, o.backend);
  if (isProblem(held)) return settle(s, aborted(s, ...held));
  const ys = maskInputs(s, xs, shares, o.backend);
  const after = { ...common(s, { encryptedShares: digest, input: inputHash }), sessionId, ...held };
  const next: ClientState = s.config.active
    ? ({ ...after, round: 'consistencyCheck' } satisfies ClientConsistencyState)
    : ({ ...after, round: 'unmasking', signedSurvivors: null } satisfies ClientUnmaskingState);
  return settle(s, { state: next, outbox: [{ type: 'maskedInput', sender: id, sessionId: sessionId.slice(), vectors: ys }] });
}

/** The senders of an `encryptedShares` message, their ciphertexts, and where each is a peer. */
interface EncryptedShares {
  readonly senders: readonly number[];
  readonly ciphertexts: readonly Uint8Array[];
  /** The index in `peers` of each sender. */
  readonly positions: number[];
}

/**
 * Reads the relay of shares (the client's canonical copy): addressed to this client, for this
 * session, from neighbours that advertised keys, and at least t - 1 of them.
 */
function readEncryptedShares(s: ClientMaskedInputState, message: EncryptedSharesMessage): EncryptedShares | Problem {
  const { config, id, sessionId } = s;
  if (message.recipient !== id) return ['UNEXPECTED_MESSAGE', 'the shares are addressed to another client'];
  if (!equalBytes(message.sessionId, sessionId)) return ['SESSION_MISMATCH', 'the message is for another session'];
  const senders = idsWithin(message.senders, config.clients);
  const cts = message.ciphertexts;
  if (senders === null || cts.length !== senders.length || cts.some((c) => c.length !== SHARE_CIPHERTEXT_BYTES)) {
    return ['MALFORMED_MESSAGE', 'encryptedShares is malformed'];
  }
  const positions: number[] = [];
  for (const v of senders) {
    const at = indexOf(s.peers, v);
    if (at < 0) return ['INCONSISTENT_SETS', `shares from ${v}, which is not a neighbour that advertised keys`];
    positions.push(at);
  }
  if (senders.length + 1 < config.threshold) {
    return ['TOO_FEW_PEERS', `${senders.length} neighbours sent shares, threshold is ${config.threshold}`];
  }
  return { senders, ciphertexts: cts, positions };
}

/** The shares this client holds, by owner (increasing ids, itself included). */
interface HeldShares {
  readonly owners: number[];
  readonly selfMaskShares: Uint8Array[];
  readonly maskingKeyShares: Uint8Array[];
}

/** Opens each sender's pair of shares, checking that it names the sender and this client. */
function openShares(s: ClientMaskedInputState, shares: EncryptedShares, backend: CryptoBackend | undefined): HeldShares | Problem {
  const { id, sessionId } = s;
  const { senders, ciphertexts: cts, positions } = shares;
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
    const pt = aeadOpen(key, AEAD_NONCE, cts[i] as Uint8Array, shareAad(sessionId, v, id), backend);
    if (pt === null) return ['SHARE_DECRYPTION_FAILED', `the shares from ${v} do not decrypt`];
    const view = new DataView(pt.buffer, pt.byteOffset, pt.byteLength);
    if (pt.length !== SHARE_PLAINTEXT_BYTES || view.getUint32(0) !== v || view.getUint32(4) !== id) {
      pt.fill(0);
      return ['SHARE_MISADDRESSED', `the shares from ${v} name another sender or recipient`];
    }
    owners.push(v);
    selfMaskShares.push(pt.slice(8, 8 + SHARE_BYTES));
    maskingKeyShares.push(pt.slice(8 + SHARE_BYTES));
    pt.fill(0); // the state keeps the copies; the plaintext goes
  }
  if (!ownPushed) pushOwn();
  return { owners, selfMaskShares, maskingKeyShares };
}

/**
 * Masks every vector with its self mask and all pairwise masks in one streaming pass:
 * y = x + PRG(b_u) + sum over the senders v of (+PRG(s_uv) if u < v, -PRG(s_uv) if u > v).
 */
function maskInputs(
  s: ClientMaskedInputState,
  xs: readonly Uint32Array[],
  shares: EncryptedShares,
  backend: CryptoBackend | undefined,
): Uint32Array[] {
  const { config, id, sessionId } = s;
  const { senders, positions } = shares;
  const masking = takeAgreement(s.keys.maskingPrivateKey, backend);
  const shared = senders.map((_, i) => masking.sharedSecret(s.peerMaskingKeys[positions[i] as number] as Uint8Array));
  masking.wipe();
  const ys = xs.map((x, j) => {
    const spec = config.vectors[j] as VectorSpec;
    const terms: MaskTerm[] = [{ key: maskKey(s.selfMaskSeed, sessionId, selfMaskLabel(spec.name), backend), sign: 1 }];
    for (let i = 0; i < senders.length; i++) {
      const v = senders[i] as number;
      const key = maskKey(shared[i] as Uint8Array, sessionId, pairwiseMaskLabel(id, v, spec.name), backend);
      terms.push({ key, sign: id < v ? 1 : -1 });
    }
    const y = x; // the input's copy (readInput), masked in place
    applyMasksInto(y, terms, { bits: spec.bits, ...(backend === undefined ? {} : { backend }) });
    for (const t of terms) (t.key as Uint8Array).fill(0);
    return y;
  });
  for (const secret of shared) secret.fill(0);
  return ys;
}

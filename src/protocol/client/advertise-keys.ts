/**
 * Round 0 of the client: creating it (where all of its per-session randomness is drawn), and
 * advertising its two X25519 public keys.
 */
import { assertInteger, assertOptions, copyBytes } from '../../_assert.js';
import { equalBytes } from '../../_bytes.js';
import { createX25519Agreement, ed25519PublicKey, type CryptoBackend } from '../../crypto/index.js';
import { SecAggError } from '../../errors.js';
import { neighbourIds } from '../../graph/index.js';
import type { RandomBytes } from '../../random.js';
import { checkConfig, readClientOptions, readRng, wrongRound, type ClientStepOptions } from '../_common.js';
import { advertiseSignedBytes, configDigest } from '../_kdf.js';
import type { ClientAdvertiseKeysState, ClientShareKeysState, ClientState, ClientStep, SessionConfig } from '../types.js';
import { checkNotConsumed, common, keepAgreement, nothingAnswered, settle, signerFor } from './_state.js';

/** Options of {@link createClient}. */
export interface CreateClientOptions {
  /** This client's id, 1..config.clients. */
  readonly id: number;
  /** Active variant: the client's long-term Ed25519 signing key (32-byte seed). */
  readonly signingKey?: Uint8Array;
  /**
   * Where the client's per-session randomness comes from (default: the platform CSPRNG): 128
   * bytes, drawn here and nowhere else. Inject a deterministic one only to replay tests.
   */
  readonly rng?: RandomBytes;
  /** Crypto backend for the public keys (default: native where available). */
  readonly backend?: CryptoBackend;
}

/**
 * Creates a client in round `advertiseKeys`, drawing all of its per-session randomness now:
 * the channel and masking X25519 key pairs, the self-mask seed b_u and the seed of its Shamir
 * coefficients (32 bytes each, in that order). Every later step is a deterministic function of
 * the state, the server's message and the input. The configuration is re-validated, with the
 * threshold rule of the security model (`THRESHOLD_TOO_LOW`): a client never joins a session
 * whose threshold its corrupt assumption does not support. To hold the server to a trusted
 * policy, use `joinRound`.
 *
 * @throws {SecAggError} config errors (see `createSessionConfig`), `OUT_OF_RANGE` for an id
 *   outside 1..clients, `INVALID_CONFIG` when the active variant has no signing key or it does
 *   not match the directory (or one is given in the passive variant), `INVALID_TYPE` /
 *   `INVALID_LENGTH` for an rng that is not a function or returns the wrong bytes.
 * @example
 * ```ts
 * let client = createClient(config, { id: 7 });
 * ```
 */
export function createClient(config: SessionConfig, options: CreateClientOptions): ClientAdvertiseKeysState {
  const cfg = checkConfig(config);
  const o = assertOptions<CreateClientOptions>(options, 'options', ['id', 'signingKey', 'rng', 'backend']);
  if (options === undefined) throw new SecAggError('INVALID_TYPE', 'options must be an object with the client id');
  const id = assertInteger(o.id, 'id', 1, cfg.clients);
  const { backend } = readClientOptions({ backend: o.backend });
  const rng = readRng(o.rng);
  let signingKey: Uint8Array | null = null;
  if (cfg.active) {
    if (o.signingKey === undefined) throw new SecAggError('INVALID_CONFIG', 'the active variant needs signingKey');
    signingKey = copyBytes(o.signingKey, 'signingKey', 32);
    const expected = cfg.verificationKeys?.[id - 1];
    if (expected === undefined || !equalBytes(ed25519PublicKey(signingKey), expected)) {
      throw new SecAggError('INVALID_CONFIG', `signingKey does not match verificationKeys[${id - 1}]`);
    }
  } else if (o.signingKey !== undefined) {
    throw new SecAggError('INVALID_CONFIG', 'signingKey is only used by the active variant');
  }
  // Each private key is imported once: for its public key now, and kept for its one round.
  const channelPrivateKey = draw(rng);
  const channel = createX25519Agreement(channelPrivateKey, backend);
  const maskingPrivateKey = draw(rng);
  const masking = createX25519Agreement(maskingPrivateKey, backend);
  const selfMaskSeed = draw(rng);
  const shareSeed = draw(rng);
  const keys = { channelPrivateKey, channelPublicKey: channel.publicKey.slice(), maskingPrivateKey, maskingPublicKey: masking.publicKey.slice() };
  keepAgreement(channelPrivateKey, channel);
  keepAgreement(maskingPrivateKey, masking);
  return {
    round: 'advertiseKeys',
    config: cfg,
    id,
    neighbours: neighbourIds(cfg, id),
    signingKey,
    answered: nothingAnswered(),
    keys,
    selfMaskSeed,
    shareSeed,
  };
}

/**
 * 32 secret bytes from `rng`: a copy (checked on the copy), and the rng's own array zeroed (it
 * returned fresh bytes, which are now the client's secret and must not linger).
 */
function draw(rng: RandomBytes): Uint8Array {
  const bytes: unknown = rng(32);
  const copy = copyBytes(bytes, 'rng output', 32);
  (bytes as Uint8Array).fill(0);
  return copy;
}

/**
 * Round 0: advertises the client's two X25519 public keys, signed in the active variant (the
 * signature binds the config digest, so the whole configuration). Draws nothing: the keys were
 * drawn by `createClient`. Outbox: one {@link AdvertiseKeysMessage}. Consumes `state`.
 *
 * @throws {SecAggError} `WRONG_ROUND` unless the state is in `advertiseKeys`; `STATE_CONSUMED`;
 *   option errors.
 * @example
 * ```ts
 * const { state, outbox } = clientAdvertiseKeys(client);
 * ```
 */
export function clientAdvertiseKeys(state: ClientState, options?: ClientStepOptions): ClientStep {
  const o = readClientOptions(options);
  if (state?.round !== 'advertiseKeys') throw wrongRound('clientAdvertiseKeys', state?.round, 'advertiseKeys');
  const s = state;
  checkNotConsumed(s, 'clientAdvertiseKeys');
  const { channelPublicKey, maskingPublicKey } = s.keys;
  const signature =
    s.signingKey === null
      ? null
      : signerFor(s.signingKey, o.backend).sign(advertiseSignedBytes(configDigest(s.config), s.id, channelPublicKey, maskingPublicKey));
  const next: ClientShareKeysState = { ...common(s), round: 'shareKeys', keys: s.keys, selfMaskSeed: s.selfMaskSeed, shareSeed: s.shareSeed };
  return settle(s, {
    state: next,
    outbox: [
      // Copies: no message shares memory with the state (a transport may reuse or transfer it).
      { type: 'advertiseKeys', sender: s.id, channelPublicKey: channelPublicKey.slice(), maskingPublicKey: maskingPublicKey.slice(), signature },
    ],
  });
}

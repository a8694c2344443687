/** Round 0 of the client: creating it, and advertising its two fresh X25519 public keys. */
import { assertInteger, assertOptions, copyBytes } from '../../_assert.js';
import { equalBytes } from '../../_bytes.js';
import { ed25519PublicKey, generateX25519KeyPair } from '../../crypto/index.js';
import { SecAggError } from '../../errors.js';
import { neighbourIds } from '../../graph/index.js';
import { checkConfig, readStepOptions, wrongRound, type StepOptions } from '../_common.js';
import { advertiseSignedBytes, configDigest } from '../_kdf.js';
import type { ClientAdvertiseKeysState, ClientShareKeysState, ClientState, ClientStep, SessionConfig } from '../types.js';
import { common, signerFor } from './_state.js';

/** Options of {@link createClient}. */
export interface CreateClientOptions {
  /** This client's id, 1..config.clients. */
  readonly id: number;
  /** Active variant: the client's long-term Ed25519 signing key (32-byte seed). */
  readonly signingKey?: Uint8Array;
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
    signingKey = copyBytes(o.signingKey, 'signingKey', 32);
    const expected = cfg.verificationKeys?.[id - 1];
    if (expected === undefined || !equalBytes(ed25519PublicKey(signingKey), expected)) {
      throw new SecAggError('INVALID_CONFIG', `signingKey does not match verificationKeys[${id - 1}]`);
    }
  } else if (o.signingKey !== undefined) {
    throw new SecAggError('INVALID_CONFIG', 'signingKey is only used by the active variant');
  }
  return { round: 'advertiseKeys', config: cfg, id, neighbours: neighbourIds(cfg, id), signingKey };
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
      : signerFor(s.signingKey, o.backend).sign(advertiseSignedBytes(configDigest(s.config), s.id, c.publicKey, m.publicKey));
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

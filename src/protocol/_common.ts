/** Helpers shared by client and server steps (internal). */
import { assertOptions, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { cryptoRandomBytes, type RandomBytes } from '../random.js';
import { createSessionConfig } from './config.js';
import type { CryptoBackend } from '../crypto/index.js';
import type { Round, SessionConfig } from './types.js';

/** Options every step accepts. */
export interface StepOptions {
  /** Randomness (default: the platform CSPRNG). Inject a deterministic one to replay sessions. */
  readonly rng?: RandomBytes;
  /** Crypto and mask backend (default: native where available). Both give identical bytes. */
  readonly backend?: CryptoBackend;
}

export interface ResolvedOptions {
  readonly rng: RandomBytes;
  readonly backend: CryptoBackend | undefined;
}

export function readStepOptions(options: unknown, extra: readonly string[] = []): ResolvedOptions & Record<string, unknown> {
  const o = assertOptions<Record<string, unknown>>(options, 'options', ['rng', 'backend', ...extra]);
  const rng = o['rng'];
  if (rng !== undefined && typeof rng !== 'function') {
    throw new SecAggError('INVALID_TYPE', `options.rng must be a function, got ${describeType(rng)}`);
  }
  const backend = o['backend'];
  if (backend !== undefined && backend !== 'native' && backend !== 'portable') {
    throw new SecAggError('INVALID_TYPE', 'options.backend must be "native" or "portable"');
  }
  return { ...o, rng: (rng as RandomBytes | undefined) ?? cryptoRandomBytes, backend: backend as CryptoBackend | undefined };
}

export function wrongRound(step: string, round: unknown, expected: Round): SecAggError {
  return new SecAggError(
    'WRONG_ROUND',
    `${step} is allowed in round "${expected}" only; the state is in round "${typeof round === 'string' ? round : describeType(round)}"`,
  );
}

/** Re-validates a configuration received from a caller (it may have been deserialised). */
export function checkConfig(config: unknown): SessionConfig {
  if (config === null || typeof config !== 'object') {
    throw new SecAggError('INVALID_TYPE', `config must be an object, got ${describeType(config)}`);
  }
  const c = config as Partial<SessionConfig>;
  if (c.version !== 1) throw new SecAggError('UNSUPPORTED_VERSION', 'config.version must be 1');
  const normalised = createSessionConfig({
    clients: c.clients as number,
    threshold: c.threshold as number,
    graph: c.graph as SessionConfig['graph'],
    vectors: c.vectors as SessionConfig['vectors'],
    nonce: c.nonce as Uint8Array,
    active: c.active as boolean,
    ...(c.verificationKeys === null || c.verificationKeys === undefined ? {} : { verificationKeys: c.verificationKeys }),
  });
  return normalised;
}

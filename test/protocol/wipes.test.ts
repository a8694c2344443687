/**
 * Copies of a client's secrets that its steps leave behind (README, "What JavaScript cannot
 * promise": scratch buffers, shared secrets and share plaintexts are zeroed once used). The
 * AEAD and the DRBG are wrapped, not replaced: the real functions run, and the test keeps what
 * they returned to look at it after the step.
 */
import { describe, expect, it, vi } from 'vitest';
import { SecAggError } from '../../src/errors.js';
import type { RandomBytes } from '../../src/random.js';
import { createClient, type AdvertisedKeysMessage, type ClientState, type EncryptedSharesMessage } from '../../src/protocol/index.js';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import { honestTrace, makeConfig, receive, seed } from './_driver.js';

const opened = vi.hoisted(() => [] as Uint8Array[]);
const drbgs = vi.hoisted(() => [] as ((length: number) => Uint8Array)[]);
vi.mock('../../src/crypto/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/crypto/index.js')>();
  return {
    ...real,
    aeadOpen: (...args: Parameters<typeof real.aeadOpen>): ReturnType<typeof real.aeadOpen> => {
      const plaintext = real.aeadOpen(...args);
      if (plaintext !== null) opened.push(plaintext);
      return plaintext;
    },
    createDrbg: (...args: Parameters<typeof real.createDrbg>): ReturnType<typeof real.createDrbg> => {
      const drbg = real.createDrbg(...args);
      drbgs.push(drbg);
      return drbg;
    },
  };
});

describe('a client wipes the copies of its secrets it makes', () => {
  it('the bytes createClient draws (its private keys, self-mask seed and share seed) are zeroed once copied', () => {
    const drawn: Uint8Array[] = [];
    const inner = deterministicRandomBytes(seed(3));
    const rng: RandomBytes = (length) => {
      const bytes = inner(length);
      drawn.push(bytes);
      return bytes;
    };
    const state = createClient(makeConfig(5, 3).config, { id: 1, rng });
    expect(drawn).toHaveLength(4);
    expect(state.round === 'advertiseKeys' && state.selfMaskSeed.some((b) => b !== 0)).toBe(true); // the state keeps its copy
    // Before the fix the rng's own arrays kept all four secrets.
    for (const bytes of drawn) expect(bytes.every((b) => b === 0)).toBe(true);
  });

  it('the stream that draws the Shamir coefficients is wiped once both secrets are shared', () => {
    const trace = honestTrace(5, 3);
    const state = structuredClone(trace.clientStates['shareKeys']?.[1] as ClientState);
    drbgs.length = 0;
    expect(receive(state, trace.serverMessages['shareKeys']?.[1] as AdvertisedKeysMessage).outbox[0]?.type).toBe('shareKeys');
    expect(drbgs).toHaveLength(1);
    // Before the fix it still gave keystream (its key, with one share, gives the secret).
    let code: string | null = null;
    try {
      (drbgs[0] as (length: number) => Uint8Array)(32);
    } catch (error) {
      code = error instanceof SecAggError ? error.code : String(error);
    }
    expect(code).toBe('WRONG_ROUND');
  });

  it('the share plaintexts a client opens are zeroed once its shares are copied out', () => {
    const trace = honestTrace(5, 3);
    const state = structuredClone(trace.clientStates['maskedInputCollection']?.[1] as ClientState);
    opened.length = 0;
    const step = receive(state, trace.serverMessages['maskedInputCollection']?.[1] as EncryptedSharesMessage, trace.inputs[1]);
    expect(step.outbox[0]?.type).toBe('maskedInput');
    expect(opened).toHaveLength(4); // one pair of shares from each neighbour
    // Before the fix each held a neighbour's self-mask share and masking-key share.
    for (const plaintext of opened) expect(plaintext.every((b) => b === 0)).toBe(true);
  });
});

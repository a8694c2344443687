/**
 * The long-term Ed25519 key of a client enters OpenSSL once per client (issue 14, section 4):
 * each JWK import leaves an immutable string copy of the key behind, and the key signs twice
 * per session (its round-0 keys, then the survivor set).
 */
import { describe, expect, it } from 'vitest';
import { isNativeCryptoAvailable } from '../../src/crypto/index.js';
import { honestTrace } from './_driver.js';

function countPrivateImports(fn: () => void): Record<string, number> {
  const mod = process.getBuiltinModule('node:crypto');
  const original = mod.createPrivateKey;
  const counts: Record<string, number> = {};
  mod.createPrivateKey = ((input: { key: { crv?: string } }) => {
    const crv = String(input?.key?.crv);
    counts[crv] = (counts[crv] ?? 0) + 1;
    return original(input as never);
  }) as typeof original;
  try {
    fn();
  } finally {
    mod.createPrivateKey = original;
  }
  return counts;
}

describe('native private-key imports', () => {
  it('an active session imports each client\'s signing key once, though each signs twice', () => {
    expect(isNativeCryptoAvailable()).toBe(true); // the backend's self-test signs once: not counted
    let completed = false;
    const counts = countPrivateImports(() => {
      const trace = honestTrace(5, 4, { active: true });
      completed = trace.final.round === 'completed';
    });
    expect(completed).toBe(true);
    expect(counts['Ed25519']).toBe(5);
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCode, SecAggError, isSecAggError } from '../src/index.js';

describe('SecAggError', () => {
  it('carries a stable code and is an Error', () => {
    const e = new SecAggError('INVALID_BITS', 'bits must be in 1..32');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('SecAggError');
    expect(e.code).toBe(ErrorCode.INVALID_BITS);
    expect(isSecAggError(e, 'INVALID_BITS')).toBe(true);
    expect(isSecAggError(e, 'OUT_OF_RANGE')).toBe(false);
    expect(isSecAggError(new Error('x'))).toBe(false);
  });

  it('has codes equal to their keys, each used once', () => {
    const entries = Object.entries(ErrorCode);
    for (const [key, value] of entries) expect(value).toBe(key);
    expect(new Set(entries.map(([, v]) => v)).size).toBe(entries.length);
  });
});

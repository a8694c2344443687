/** Internal: AbortSignal checks shared by the adapters' async functions. */
import { describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';

/** An AbortSignal or undefined (duck-typed: signals from another realm are fine). */
export function checkSignal(value: unknown, name = 'signal'): AbortSignal | undefined {
  if (value === undefined) return undefined;
  const s = value as AbortSignal | null;
  if (s === null || typeof s !== 'object' || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function' || typeof s.removeEventListener !== 'function') {
    throw new SecAggError('INVALID_TYPE', `${name} must be an AbortSignal, got ${describeType(value)}`);
  }
  return s;
}

/** The error an aborted wait rejects with: `ABORTED`, the signal's reason as its cause. */
export function abortedError(signal: AbortSignal, what: string): SecAggError {
  return new SecAggError('ABORTED', `${what} was aborted`, { cause: signal.reason });
}

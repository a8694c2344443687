/**
 * Time as the sessions see it: one small interface, so that tests drive deadlines with a fake
 * clock and nothing in the session reads `Date` or arms a timer of its own.
 */
import { describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';

/** A timer handle, as the clock returned it. */
export type TimerHandle = unknown;

/**
 * Where a session reads the time and arms its deadlines. The default is the system clock
 * ({@link systemClock}); a test passes a fake one and advances it.
 */
export interface Clock {
  /** Milliseconds since the unix epoch (fractions allowed). */
  now(): number;
  /** Calls `run` once, `ms` milliseconds from now; returns a handle for `clearTimeout`. */
  setTimeout(run: () => void, ms: number): TimerHandle;
  /** Cancels a timer that has not fired (a handle of this clock; anything else is ignored). */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The system clock: `Date.now()` and the global timers. A session clears every timer it arms
 * when it closes, so nothing it armed keeps the process alive after `close()`.
 *
 * @example
 * ```ts
 * const server = new ServerSession({ spec, identities, transport, clock: systemClock });
 * ```
 */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  setTimeout: (run: () => void, ms: number): TimerHandle => globalThis.setTimeout(run, Math.min(Math.max(0, ms), 2_147_483_647)),
  clearTimeout: (handle: TimerHandle): void => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
});

/** A clock option, checked (internal). */
export function readClock(value: unknown, name = 'options.clock'): Clock {
  if (value === undefined) return systemClock;
  const c = value as Partial<Clock> | null;
  if (c === null || typeof c !== 'object' || typeof c.now !== 'function' || typeof c.setTimeout !== 'function' || typeof c.clearTimeout !== 'function') {
    throw new SecAggError('INVALID_TYPE', `${name} must be a clock with now(), setTimeout() and clearTimeout(), got ${describeType(value)}`);
  }
  return { now: () => Number(c.now?.()), setTimeout: (run, ms) => c.setTimeout?.(run, ms), clearTimeout: (h) => c.clearTimeout?.(h) };
}

/** One armed deadline at a time, re-armed or cleared by its owner (internal). */
export class Deadline {
  readonly #clock: Clock;
  #handle: TimerHandle = null;
  #armed = false;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Arms `run` in `ms` (Infinity: never), replacing the armed one. */
  arm(ms: number, run: () => void): void {
    this.clear();
    if (!Number.isFinite(ms)) return;
    this.#armed = true;
    this.#handle = this.#clock.setTimeout(() => {
      if (!this.#armed) return;
      this.#armed = false;
      run();
    }, ms);
  }

  /** Whether a run is armed and has not fired or been cleared. */
  get armed(): boolean {
    return this.#armed;
  }

  clear(): void {
    if (this.#armed) this.#clock.clearTimeout(this.#handle);
    this.#armed = false;
    this.#handle = null;
  }
}

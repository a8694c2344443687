/**
 * Long work on the session's thread, cut into slices (internal): between slices the event loop
 * turns, so that frames, deadlines and other sessions are served while a round closes or a
 * large outbox goes out.
 */

/** Milliseconds of work between turns. */
const SLICE_MS = 8;

/** Gives the event loop a turn (a macrotask: setImmediate in Node, setTimeout elsewhere). */
export const turn = (): Promise<void> =>
  new Promise((resolve) => (typeof globalThis.setImmediate === 'function' ? globalThis.setImmediate(resolve) : setTimeout(resolve, 0)));

/**
 * A pause to call between small pieces of work: a turn (a promise to await) once SLICE_MS went
 * by since the last one, else undefined (go on at once).
 */
export function pacer(): () => Promise<void> | undefined {
  let since = performance.now();
  return () => {
    if (performance.now() - since <= SLICE_MS) return undefined;
    return turn().then(() => {
      since = performance.now();
    });
  };
}

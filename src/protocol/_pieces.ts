/**
 * Work in bounded pieces (internal). A long step of the server (a round close at hundreds of
 * clients) is written as a generator that yields between pieces of about a client's worth of
 * work. The synchronous API runs it straight through ({@link runPieces}); the asynchronous close
 * gives the caller's `pause` a chance between pieces ({@link runPiecesPausing}), so that an edge
 * with an event loop can let it turn. The core keeps no timers: the pause is the edge's. Both
 * runs execute the same code in the same order, so their outcomes cannot differ.
 */

/** A computation in pieces: each `yield` is a point where it may pause; it returns a T. */
export type Pieces<T> = Generator<void, T, void>;

/**
 * Called between pieces: `undefined` goes on at once, a promise is awaited first (a macrotask
 * turn, say, once enough time went by since the last one).
 */
export type Pause = () => Promise<void> | undefined;

/** Runs every piece at once. */
export function runPieces<T>(pieces: Pieces<T>): T {
  for (;;) {
    const r = pieces.next();
    if (r.done === true) return r.value;
  }
}

/**
 * Runs the pieces, calling `pause` between them (and awaiting it when it gives a promise). A
 * pause that throws or rejects is a pause that ended: the work it interrupted goes on, so that a
 * caller's bug cannot leave a consumed state half-stepped.
 */
export async function runPiecesPausing<T>(pieces: Pieces<T>, pause: Pause | undefined): Promise<T> {
  for (;;) {
    const r = pieces.next();
    if (r.done === true) return r.value;
    if (pause === undefined) continue;
    try {
      const p = pause();
      if (p !== undefined) await p;
    } catch {
      // see above
    }
  }
}

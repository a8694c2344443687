/**
 * The server's state machine. Steps are `(state, input, options?) => { state, outbox }` with no
 * I/O and no timers: the framework feeds client messages with {@link serverReceive} and decides
 * when a round ends with {@link serverCloseRound}.
 *
 * Ownership rule: every server step CONSUMES the state it is given. The returned state reuses
 * the given state's buffers (notably the running sums of masked inputs, O(vector length), which
 * are updated in place instead of being copied per message), so the old state object is dead:
 * passing it to any server step again throws `STATE_CONSUMED`. To keep a snapshot, call
 * `structuredClone(state)` before stepping; a clone owns its own buffers.
 *
 * receive.ts accepts messages, close.ts ends rounds 0 to 3, finish.ts ends the unmasking, and
 * control.ts holds what the caller decides outside the message flow (create, drop, abort).
 */
export { createServer, serverAbort, serverDropClient } from './control.js';
export { serverCloseRound } from './close.js';
export { serverReceive } from './receive.js';

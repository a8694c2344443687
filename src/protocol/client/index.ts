/**
 * The client's state machine: pure steps `(state, input, options?) => { state, outbox }`, one
 * file per round (advertise-keys.ts, share-keys.ts, masked-input.ts, consistency-check.ts,
 * unmasking.ts), the router that feeds a server message to the step of the round
 * (receive.ts), and joining a round under a trusted policy (join.ts). An illegal call (a step
 * in the wrong round, a consumed state, bad local arguments) throws SecAggError; a message from
 * the network never throws: an invalid one moves the client to `aborted` with an `AbortCode`, a
 * repeat or a late one returns the state unchanged with a `StepNote`. All randomness is drawn
 * when the client is created (_screen.ts and _state.ts hold the rules every step shares).
 */
export { clientAdvertiseKeys, createClient, type CreateClientOptions } from './advertise-keys.js';
export { joinRound, type JoinRefused, type JoinRoundOptions } from './join.js';
export { clientConsistencyCheck } from './consistency-check.js';
export { clientMaskedInput, type ClientInput } from './masked-input.js';
export { clientAbort, clientReceive, type ClientReceiveOptions } from './receive.js';
export { clientShareKeys } from './share-keys.js';
export { clientUnmask } from './unmasking.js';

/**
 * The client's state machine: pure steps `(state, input, options?) => { state, outbox }`, one
 * file per round (advertise-keys.ts, share-keys.ts, masked-input.ts, consistency-check.ts,
 * unmasking.ts) and the router that feeds a server message to the step of the round
 * (receive.ts). An illegal call (a step in the wrong round, bad local arguments) throws
 * SecAggError; an invalid message from the network moves the client to `aborted` with an
 * `AbortCode`.
 */
export { clientAdvertiseKeys, createClient, type CreateClientOptions } from './advertise-keys.js';
export { clientConsistencyCheck } from './consistency-check.js';
export { clientMaskedInput, type ClientInput } from './masked-input.js';
export { clientAbort, clientReceive, type ClientReceiveOptions } from './receive.js';
export { clientShareKeys } from './share-keys.js';
export { clientUnmask } from './unmasking.js';

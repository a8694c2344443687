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
 * receive.ts accepts messages (receive-bytes.ts: straight from the wire), close.ts ends rounds 0 to 3, finish.ts ends the unmasking, and
 * control.ts holds what the caller decides outside the message flow (create, drop, abort).
 * unmasking.ts and unmasking-jobs.ts cut the unmasking close into jobs that any runner can run;
 * close-async.ts runs them on an injected runner. partial-sum.ts shards the masked-input
 * collection across ingest processes.
 */
export { createServer, serverAbort, serverDropClient } from './control.js';
export { serverCloseRound } from './close.js';
export {
  createInlineRunner,
  serverCloseRoundAsync,
  type CloseRoundAsyncOptions,
  type InlineRunnerOptions,
  type JobRunner,
  type JobRunOptions,
} from './close-async.js';
export { serverReceive } from './receive.js';
export { serverReceiveBytes, type ReceiveBytesOptions } from './receive-bytes.js';
export { serverPartialSum, serverReceivePartialSum, type PartialSum } from './partial-sum.js';
export {
  applyUnmaskingResults,
  unmaskingPlan,
  type UnmaskingDone,
  type UnmaskingPlan,
  type UnmaskingPlanOptions,
  type UnmaskingStage,
} from './unmasking.js';
export {
  runUnmaskingJob,
  wipeUnmaskingJob,
  wipeUnmaskingResult,
  type RunUnmaskingJobOptions,
  type UnmaskingDroppedClient,
  type UnmaskingFailure,
  type UnmaskingJob,
  type UnmaskingKeysJob,
  type UnmaskingKeysResult,
  type UnmaskingMasksJob,
  type UnmaskingMasksResult,
  type UnmaskingResult,
  type UnmaskingShareSet,
} from './unmasking-jobs.js';

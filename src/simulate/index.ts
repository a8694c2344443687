/**
 * secagg/simulate: whole secure-aggregation sessions in memory, for tests, benchmarks and the
 * CLI. One server and n clients of `secagg/protocol` are driven round by round, dropouts are
 * injected on a schedule, every message can pass through the wire codec (to count bytes and
 * fingerprint the transcript), and the result is checked against the plain sum.
 *
 * - {@link simulateSession}: run a session, get a {@link SimulationReport}.
 * - {@link simulatedInput}: the deterministic test input of one simulated client (the default;
 *   pass `inputs` to sum your own vectors).
 *
 * Nothing here is needed to run the protocol for real; it sits above `secagg/protocol` and is
 * never imported by it.
 * @module
 */
export { simulatedInput } from './clients.js';
export { simulateSession } from './run.js';
export type { DropoutRound, RoundReport, SimulationInputs, SimulationOptions, SimulationReport } from './types.js';

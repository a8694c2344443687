/**
 * A whole session in memory: one server and n clients driven round by round, dropouts injected
 * on a schedule, every message optionally passed through the wire codec (to count bytes), the
 * result checked against the plain sum. No I/O; used by the CLI, tests and benchmarks.
 */
import { serverCloseRound, type ServerStep } from '../protocol/index.js';
import { readSetup } from './_setup.js';
import { SessionRun, type ServerWork } from './_session.js';
import { SimulatedClients, type ClientWork, type ClientWorkItem, type Delivery } from './clients.js';
import type { SimulationOptions, SimulationReport } from './types.js';

export type { ServerWork } from './_session.js';

/** Deliveries per {@link ClientWork} batch. */
const WORK_BATCH = 1024;

/**
 * Runs a whole session in memory and checks the result.
 *
 * @throws {SecAggError} option errors (`INVALID_TYPE`, `UNKNOWN_OPTION`, `OUT_OF_RANGE`,
 *   `INVALID_CONFIG`, `NO_FEASIBLE_GRAPH`).
 * @example
 * ```ts
 * const report = simulateSession({ clients: 20, length: 1000, bits: 16, dropout: 0.1 });
 * report.match; // true
 * ```
 */
export function simulateSession(options: SimulationOptions): SimulationReport {
  const driver = runSimulation(options);
  let clients: SimulatedClients | undefined;
  let next = driver.next();
  while (next.done !== true) {
    const work = next.value;
    if (work.kind === 'close') {
      next = driver.next(serverCloseRound(work.state, work.options));
      continue;
    }
    if (work.kind === 'advertise') clients = new SimulatedClients(work.context);
    next = driver.next((clients as SimulatedClients).run(work));
  }
  return next.value;
}

/**
 * The session, with the clients' work handed out: yields each batch of {@link ClientWork}, to
 * be answered with one {@link ClientWorkItem} per client in the same order, and the unmasking
 * round's close ({@link ServerWork}), to be answered with its step (`serverCloseRound`, or
 * `serverCloseRoundAsync` with the jobs on a runner); returns the report. The server, the
 * dropout schedule, the wire codec and every measurement stay here, so a run gives the same
 * transcript whoever steps the clients and runs the jobs. Used by {@link simulateSession} and by
 * the CLI's worker-thread runner.
 *
 * @throws {SecAggError} as {@link simulateSession}.
 */
export function* runSimulation(options: SimulationOptions): Generator<ClientWork | ServerWork, SimulationReport, ClientWorkItem[] | ServerStep> {
  const setup = readSetup(options);
  const run = new SessionRun(setup);
  const all = Array.from({ length: setup.clients }, (_, i) => i + 1);
  // Round 0: clients advertise (those scheduled to drop here make keys but send nothing).
  const advertised = (yield { kind: 'advertise', context: setup.context, ids: all }) as ClientWorkItem[];
  run.collect(all, advertised, (id) => setup.stopAt.get(id) !== 'advertiseKeys');
  for (;;) {
    const due = (yield* run.closeRound() as Generator<ServerWork, Delivery[] | null, ClientWorkItem[] | ServerStep>);
    if (due === null) break;
    // In batches, so that a runner holds few answers (masked vectors) at once, each let go once
    // answered. The next batch is yielded only once this one's answers reached the server: a
    // parallel runner that started it early put the simulated clients on the server's cores,
    // and the server's time per round measured them too (10,000 clients on 2 cores: its steps
    // took 1.9-2.5 s so, 1.6-1.9 s without, for a whole round ~2% faster).
    const batches: (Delivery[] | null)[] = [];
    for (let from = 0; from < due.length; from += WORK_BATCH) batches.push(due.slice(from, from + WORK_BATCH));
    due.length = 0;
    const lastRound = run.round === 'unmasking'; // the clients' reveals end their part
    for (let b = 0; b < batches.length; b++) {
      const batch = batches[b] as Delivery[];
      batches[b] = null;
      const items = (yield { kind: 'deliver', deliveries: batch, final: lastRound && b === batches.length - 1 }) as ClientWorkItem[];
      run.collect(batch.map((d) => d.to), items, () => true);
    }
  }
  return run.report();
}

/**
 * `secagg simulate`: reads and checks the arguments, has the library check the options (before
 * anything is printed, so a refused run prints only its error), then drives the session round
 * by round with the clients in this thread or on worker threads, printing each round, a
 * progress line on long runs (./progress.ts) and the result.
 *
 * Exit codes: 0 when the sum matches, 1 on a mismatch, an abort or an internal failure, 2 when
 * the arguments or options are refused.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { isSecAggError } from '../src/errors.js';
import { serverCloseRound, type ServerStep } from '../src/protocol/index.js';
import { SimulatedClients, type ClientWork, type ClientWorkItem } from '../src/simulate/clients.js';
import { runSimulation, type ServerWork } from '../src/simulate/run.js';
import type { RoundReport, SimulationOptions, SimulationReport } from '../src/simulate/types.js';
import { Progress } from './progress.js';
import { startWorkers } from './simulate-parallel.js';

export const SIMULATE_USAGE = `usage: secagg simulate [options]
  --clients N        number of clients, 2..65535 (default 100)
  --length M         elements per vector (default 100000)
  --bits K           bits per element, 1..32 (default 16)
  --dropout F        fraction of clients dropping, each at a random round (default 0.08)
  --graph G          harary (SecAgg+, default) or complete
  --threshold T      threshold for the complete graph (default ceil(2n/3))
  --active           active variant (signed keys, consistency round)
  --seed S           any text; the session is a deterministic function of it (default "demo")
  --backend B        native or portable crypto and masks (default: native where available)
  --workers N        host the clients on N worker threads, 1..256, at most one per client,
                     which also run the server's unmasking jobs (default 1: all in
                     this thread); the server's other steps stay here, and the transcript
                     and result are the same
  --no-encode        skip the wire codec (no byte counts)
  --json             print one JSON summary line instead of the table
Runs over 2 s show a progress line on stderr (rewritten in place on a terminal).`;

const STRING_OPTIONS = ['clients', 'length', 'bits', 'dropout', 'graph', 'threshold', 'seed', 'backend', 'workers'] as const;

/** The arguments, read and checked (what the library checks is left to it). */
interface SimulateArgs {
  readonly options: SimulationOptions;
  readonly workers: number;
  readonly seedText: string;
  readonly json: boolean;
}

/** A refused argument: printed with the usage, exit code 2. */
class UsageError extends Error {}

/**
 * `parseArgs` reads `--length -5` as an option without its value followed by an unknown
 * option `-5`, and refuses it with its own message. A value that looks like a negative
 * number is joined to its option (`--length=-5`), so that the range check below (or the
 * library's) reports it in our words.
 */
function joinNegativeValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    const takesValue = (STRING_OPTIONS as readonly string[]).includes(arg.slice(2)) && arg.startsWith('--');
    if (takesValue && next !== undefined && /^-(\d|\.\d)/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else {
      out.push(arg);
    }
  }
  return out;
}

/** A decimal number as typed (no hex, no empty string, no `Infinity`). */
function decimal(name: string, text: string): number {
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text.trim())) throw new UsageError(`--${name} must be a number, got "${text}"`);
  return Number(text);
}

function readArgs(args: readonly string[]): SimulateArgs | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: joinNegativeValues(args),
      options: {
        clients: { type: 'string', default: '100' },
        length: { type: 'string', default: '100000' },
        bits: { type: 'string', default: '16' },
        dropout: { type: 'string', default: '0.08' },
        graph: { type: 'string', default: 'harary' },
        threshold: { type: 'string' },
        active: { type: 'boolean', default: false },
        seed: { type: 'string', default: 'demo' },
        backend: { type: 'string' },
        workers: { type: 'string', default: '1' },
        'no-encode': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  const workers = decimal('workers', values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new UsageError(`--workers must be an integer in 1..256, got ${values.workers}`);
  if (values.graph !== 'harary' && values.graph !== 'complete') throw new UsageError(`--graph must be harary or complete, got "${values.graph}"`);
  if (values.backend !== undefined && values.backend !== 'native' && values.backend !== 'portable') {
    throw new UsageError(`--backend must be native or portable, got "${values.backend}"`);
  }
  const options: SimulationOptions = {
    clients: decimal('clients', values.clients),
    length: decimal('length', values.length),
    bits: decimal('bits', values.bits),
    dropout: decimal('dropout', values.dropout),
    graph: values.graph,
    active: values.active,
    seed: new Uint8Array(createHash('sha256').update(values.seed).digest()),
    encode: !values['no-encode'],
    ...(values.threshold === undefined ? {} : { threshold: decimal('threshold', values.threshold) }),
    ...(values.backend === undefined ? {} : { backend: values.backend }),
  };
  return { options, workers, seedText: values.seed, json: values.json };
}

/** Who steps the clients: this thread, or a pool of worker threads. */
interface ClientHost {
  run(work: ClientWork): Promise<ClientWorkItem[]> | ClientWorkItem[];
  /** The server's unmasking close: its jobs on the worker threads with --workers, else on this thread. */
  closeRound(work: ServerWork): Promise<ServerStep> | ServerStep;
  close(): Promise<void>;
}

function localHost(): ClientHost {
  let clients: SimulatedClients | undefined;
  return {
    run(work) {
      if (work.kind === 'advertise') clients = new SimulatedClients(work.context);
      return (clients as SimulatedClients).run(work);
    },
    closeRound: (work) => serverCloseRound(work.state, work.options),
    close: async () => undefined,
  };
}

/** The round whose messages a batch of work answers. */
function roundOf(work: ClientWork): string {
  if (work.kind === 'advertise') return 'advertiseKeys';
  const type = work.deliveries[0]?.message.type;
  const rounds: Record<string, string> = {
    advertisedKeys: 'shareKeys',
    encryptedShares: 'maskedInputCollection',
    consistencyRequest: 'consistencyCheck',
    unmaskingRequest: 'unmasking',
  };
  return (type !== undefined ? rounds[type] : undefined) ?? String(type);
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

/** Lets pending I/O events (a closed pipe, a worker's message) through between batches. */
const breathe = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Runs `secagg simulate` with `args` (after the command name); resolves to the exit code. */
export async function simulateCommand(args: readonly string[]): Promise<number> {
  let parsed: SimulateArgs | 'help';
  try {
    parsed = readArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`secagg simulate: ${error.message}\n${SIMULATE_USAGE}`);
    return 2;
  }
  if (parsed === 'help') {
    console.log(SIMULATE_USAGE);
    return 0;
  }
  const { options, json, seedText } = parsed;
  const progress = new Progress(process.stderr, {
    // For the CLI's own tests, which cannot wait 2 s for each progress line.
    afterMs: Number(process.env['SECAGG_PROGRESS_AFTER_MS'] ?? 2000),
    plainEveryMs: Number(process.env['SECAGG_PROGRESS_EVERY_MS'] ?? 2000),
  });
  const log = (line: string): void => {
    if (json) return;
    progress.clear();
    console.log(line);
  };
  const onRound = (r: RoundReport): void =>
    log(
      `  ${r.round.padEnd(22)} ${String(r.senders).padStart(5)} clients sent | clients ${r.clientSeconds.toFixed(3)} s ` +
        `(slowest ${(r.clientMaxSeconds * 1000).toFixed(1)} ms) | server ${r.serverSeconds.toFixed(3)} s | ` +
        `up ${mb(r.bytesUp)}, down ${mb(r.bytesDown)}`,
    );

  // The library checks every option when the session is set up, before any work: a refused
  // run prints its error and nothing else.
  const driver = runSimulation({ ...options, onRound });
  let next: IteratorResult<ClientWork | ServerWork, SimulationReport>;
  try {
    next = driver.next();
  } catch (error) {
    if (!isSecAggError(error)) throw error;
    console.error(`secagg simulate: error ${error.code}: ${error.message}`);
    return 2;
  }
  const workers = Math.min(parsed.workers, options.clients);
  log(
    `secagg simulate: ${options.clients} clients, ${options.length?.toLocaleString('en-US')} elements at ${options.bits} bits, ` +
      `${options.graph === 'harary' ? 'SecAgg+ (parameters from the finder)' : 'complete graph'}` +
      `${options.active === true ? ', active variant' : ''}, dropout ${options.dropout}, seed "${seedText}"` +
      `${workers > 1 ? `, the clients and the server's unmasking jobs on ${workers} worker threads` : ''}` +
      `${workers < parsed.workers ? ` (--workers ${parsed.workers} capped at one per client)` : ''}`,
  );

  const host = workers > 1 ? startWorkers(workers) : localHost();
  let status = '';
  const show = (text: string): void => {
    status = text;
    progress.update(text);
  };
  // While worker threads step the clients this thread is free: keep the elapsed time moving.
  const ticker = setInterval(() => progress.update(status), 250);
  let report: SimulationReport;
  try {
    let stepped = 0;
    let round = '';
    while (next.done !== true) {
      const work = next.value;
      if (work.kind === 'close') {
        // the server's unmasking close (the status line still says "server at work")
        next = driver.next(await host.closeRound(work));
        continue;
      }
      if (roundOf(work) !== round) [round, stepped] = [roundOf(work), 0];
      show(`${round}: clients at work (${stepped.toLocaleString('en-US')} done)`);
      const items = await host.run(work);
      stepped += items.length;
      show(`${round}: server at work (${stepped.toLocaleString('en-US')} clients done)`);
      await breathe();
      next = driver.next(items);
    }
    report = next.value;
  } catch (error) {
    // Not the arguments' fault (a worker died, a bug): say so, with the stack.
    progress.clear();
    console.error(`secagg simulate: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    clearInterval(ticker);
    await host.close();
  }
  progress.clear();
  printReport(report, log);
  if (json) {
    const c = report.config;
    console.log(
      JSON.stringify({
        clients: options.clients, length: options.length, bits: options.bits, dropout: options.dropout, graph: options.graph,
        active: options.active, workers, degree: c.graph.kind === 'harary' ? c.graph.degree : options.clients - 1,
        threshold: c.threshold, outcome: report.outcome, abort: report.abort, match: report.match,
        included: report.included.length, drops: report.drops.length, totalBytes: report.totalBytes,
        plainBytes: report.plainBytes, seconds: report.seconds, serverSeconds: serverSecondsOf(report),
        clientSeconds: report.rounds.reduce((a, r) => a + r.clientSeconds, 0), rounds: report.rounds,
      }),
    );
  }
  return report.outcome === 'completed' && report.match === true ? 0 : 1;
}

function printReport(report: SimulationReport, log: (line: string) => void): void {
  const c = report.config;
  log(`  graph: ${c.graph.kind === 'harary' ? `Harary, degree ${c.graph.degree}` : 'complete'}, threshold ${c.threshold}`);
  const byRound = new Map<string, number>();
  for (const d of report.drops) byRound.set(`${d.round}/${d.reason}`, (byRound.get(`${d.round}/${d.reason}`) ?? 0) + 1);
  log(`  dropped: ${report.drops.length}${[...byRound].map(([k, v]) => ` ${k}=${v}`).join(',')}`);
  if (report.droppedAfterInput.length > 0) log(`  dropped after their input (in the sum): ${report.droppedAfterInput.length}`);
  if (report.clientAborts.length > 0) log(`  client aborts: ${report.clientAborts.map((a) => `${a.id}:${a.code}`).join(', ')}`);
  if (report.totalBytes > 0) {
    log(
      `  bytes on the wire: ${mb(report.totalBytes)} (plain inputs ${mb(report.plainBytes)}, ` +
        `expansion ${(report.totalBytes / report.plainBytes).toFixed(3)}x)`,
    );
  }
  // The server's own steps (receiving, closing rounds, unmasking on its pool) apart from the
  // simulated clients' work, which a real deployment runs on the clients' machines.
  log(
    `  server's own steps: ${serverSecondsOf(report).toFixed(3)} s (${report.rounds.map((r) => `${r.round} ${r.serverSeconds.toFixed(3)}`).join(', ')}); ` +
      `clients' steps: ${report.rounds.reduce((a, r) => a + r.clientSeconds, 0).toFixed(2)} s summed over clients`,
  );
  if (report.outcome === 'aborted') log(`  ABORTED: ${report.abort?.code} (${report.abort?.reason})`);
  else log(`  sum of ${report.included.length} survivors' inputs: ${report.match === true ? 'matches the plain sum' : 'MISMATCH'}`);
  log(`  total ${report.seconds.toFixed(2)} s`);
}

function serverSecondsOf(report: SimulationReport): number {
  return report.rounds.reduce((a, r) => a + r.serverSeconds, 0);
}

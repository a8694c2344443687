#!/usr/bin/env node
/**
 * `secagg` command-line tool.
 *
 *   secagg simulate [--clients 100] [--length 100000] [--bits 16] [--dropout 0.08]
 *                   [--graph harary|complete] [--threshold t] [--active] [--seed text]
 *                   [--backend native|portable] [--workers N] [--no-encode] [--json]
 *
 * Runs a whole secure aggregation session in memory (one server, n clients, dropouts injected
 * at several rounds), prints per-round progress, timings and bytes on the wire, and checks the
 * server's sum against the plain sum. Exit code 0 when the sum matches, 1 on a mismatch, an
 * abort or an internal failure, 2 on bad arguments.
 */
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { isSecAggError } from '../src/errors.js';
import { simulateSession, type RoundReport, type SimulationOptions, type SimulationReport } from '../src/simulate/index.js';
import { simulateSessionParallel } from './simulate-parallel.js';

const USAGE = `usage: secagg simulate [options]
  --clients N        number of clients (default 100)
  --length M         elements per vector (default 100000)
  --bits K           bits per element, 1..32 (default 16)
  --dropout F        fraction of clients dropping, each at a random round (default 0.08)
  --graph G          harary (SecAgg+, default) or complete
  --threshold T      threshold for the complete graph (default ceil(2n/3))
  --active           active variant (signed keys, consistency round)
  --seed S           any text; the session is a deterministic function of it (default "demo")
  --backend B        native or portable crypto and masks (default: native where available)
  --workers N        host the clients on N worker threads (default 1: all in this thread);
                     the server stays here, the transcript and result are the same
  --no-encode        skip the wire codec (no byte counts)
  --json             print one JSON summary line instead of the table`;

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(2)} MB`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== 'simulate') {
    console.error(command === undefined || command === '--help' || command === '-h' ? USAGE : `unknown command "${command}"\n${USAGE}`);
    return command === '--help' || command === '-h' ? 0 : 2;
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
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
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const num = (name: string, text: string): number => {
    const v = Number(text);
    if (!Number.isFinite(v)) throw new Error(`--${name} must be a number, got "${text}"`);
    return v;
  };
  let clients: number, length: number, bits: number, dropout: number, threshold: number | undefined, workers: number;
  try {
    clients = num('clients', values.clients);
    length = num('length', values.length);
    bits = num('bits', values.bits);
    dropout = num('dropout', values.dropout);
    threshold = values.threshold === undefined ? undefined : num('threshold', values.threshold);
    workers = num('workers', values.workers);
    if (!Number.isInteger(workers) || workers < 1 || workers > 256) throw new Error('--workers must be an integer in 1..256');
    if (values.graph !== 'harary' && values.graph !== 'complete') throw new Error('--graph must be harary or complete');
    if (values.backend !== undefined && values.backend !== 'native' && values.backend !== 'portable') {
      throw new Error('--backend must be native or portable');
    }
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const seed = new Uint8Array(createHash('sha256').update(values.seed).digest());
  const json = values.json;
  const log = (line: string): void => {
    if (!json) console.log(line);
  };
  log(
    `secagg simulate: ${clients} clients, ${length.toLocaleString('en-US')} elements at ${bits} bits, ` +
      `${values.graph === 'harary' ? 'SecAgg+ (parameters from the finder)' : 'complete graph'}` +
      `${values.active ? ', active variant' : ''}, dropout ${dropout}, seed "${values.seed}"` +
      `${workers > 1 ? `, clients on ${workers} worker threads` : ''}`,
  );
  let report: SimulationReport;
  try {
    const options: SimulationOptions = {
      clients,
      length,
      bits,
      dropout,
      graph: values.graph as 'harary' | 'complete',
      active: values.active,
      seed,
      encode: !values['no-encode'],
      ...(threshold === undefined ? {} : { threshold }),
      ...(values.backend === undefined ? {} : { backend: values.backend as 'native' | 'portable' }),
      onRound: (r: RoundReport) =>
        log(
          `  ${r.round.padEnd(22)} ${String(r.senders).padStart(5)} clients sent | clients ${r.clientSeconds.toFixed(3)} s ` +
            `(slowest ${(r.clientMaxSeconds * 1000).toFixed(1)} ms) | server ${r.serverSeconds.toFixed(3)} s | ` +
            `up ${mb(r.bytesUp)}, down ${mb(r.bytesDown)}`,
        ),
    };
    report = workers > 1 ? await simulateSessionParallel({ ...options, workers }) : simulateSession(options);
  } catch (error) {
    if (isSecAggError(error)) {
      console.error(`error ${error.code}: ${error.message}`);
      return 2; // the options were refused
    }
    // Not the arguments' fault (a worker died, a bug): say so, with the stack.
    console.error(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  }
  const c = report.config;
  log(
    `  graph: ${c.graph.kind === 'harary' ? `Harary, degree ${c.graph.degree}` : 'complete'}, threshold ${c.threshold}`,
  );
  const byRound = new Map<string, number>();
  for (const d of report.drops) byRound.set(`${d.round}/${d.reason}`, (byRound.get(`${d.round}/${d.reason}`) ?? 0) + 1);
  log(`  dropped: ${report.drops.length}${[...byRound].map(([k, v]) => ` ${k}=${v}`).join(',')}`);
  if (report.clientAborts.length > 0) {
    log(`  client aborts: ${report.clientAborts.map((a) => `${a.id}:${a.code}`).join(', ')}`);
  }
  if (report.totalBytes > 0) {
    log(
      `  bytes on the wire: ${mb(report.totalBytes)} (plain inputs ${mb(report.plainBytes)}, ` +
        `expansion ${(report.totalBytes / report.plainBytes).toFixed(3)}x)`,
    );
  }
  const ok = report.outcome === 'completed' && report.match === true;
  if (report.outcome === 'aborted') {
    log(`  ABORTED: ${report.abort?.code} (${report.abort?.reason})`);
  } else {
    log(
      `  sum of ${report.included.length} survivors' inputs: ${report.match === true ? 'matches the plain sum' : 'MISMATCH'}`,
    );
  }
  log(`  total ${report.seconds.toFixed(2)} s`);
  if (json) {
    console.log(
      JSON.stringify({
        clients, length, bits, dropout, graph: values.graph, active: values.active, workers,
        degree: c.graph.kind === 'harary' ? c.graph.degree : clients - 1, threshold: c.threshold,
        outcome: report.outcome, abort: report.abort, match: report.match, included: report.included.length,
        drops: report.drops.length, totalBytes: report.totalBytes, plainBytes: report.plainBytes,
        seconds: report.seconds, rounds: report.rounds,
      }),
    );
  }
  return ok ? 0 : 1;
}

process.exitCode = await main(process.argv.slice(2));

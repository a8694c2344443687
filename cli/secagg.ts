#!/usr/bin/env node
/**
 * `secagg` command-line tool.
 *
 *   secagg simulate [options]   a whole secure aggregation session in memory (./simulate-command.ts)
 *   secagg --version            the package version
 *   secagg --help
 *
 * Output that stops being read (`secagg simulate | head`) ends the run quietly with exit code 0:
 * the reader has what it wanted.
 */
import pkg from '../package.json' with { type: 'json' };
import { SIMULATE_USAGE, simulateCommand } from './simulate-command.js';

const USAGE = `usage: secagg <command> [options]
  secagg simulate [options]   run a whole secure aggregation session in memory
  secagg --version            print the version (${pkg.version})
  secagg --help               this text

${SIMULATE_USAGE}`;

// A closed stdout (the reader of a pipe went away) is not an error of ours: stop, exit 0. A
// closed stderr only loses the progress line and messages; keep going.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});
process.stderr.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'simulate':
      return simulateCommand(rest);
    case '--version':
    case '-v':
      console.log(pkg.version);
      return 0;
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`secagg: ${command === undefined ? 'no command given' : `unknown command "${command}"`}\n${USAGE}`);
      return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));

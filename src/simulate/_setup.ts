/**
 * A simulation's options, read and checked once (internal): the session configuration, the
 * dropout schedule and what the simulated clients need.
 */
import { assertBytes, assertInteger, assertNumber, assertOptions, describeType } from '../_assert.js';
import { ed25519PublicKey, type CryptoBackend } from '../crypto/index.js';
import { SecAggError } from '../errors.js';
import { createSessionConfig, type SessionConfig, type SessionConfigInput, type VectorSpec } from '../protocol/index.js';
import { deterministicRandomBytes } from '../testing/index.js';
import { derive, type SimulationContext } from './clients.js';
import { readInputs } from './_inputs.js';
import type { DropoutRound, RoundReport, SimulationOptions } from './types.js';

const DROPOUT_ROUNDS: readonly DropoutRound[] = [
  'advertiseKeys',
  'shareKeys',
  'maskedInputCollection',
  'consistencyCheck',
  'unmasking',
];

const OPTION_KEYS = [
  'clients', 'vectors', 'length', 'bits', 'graph', 'threshold', 'corruptFraction', 'dropoutFraction', 'active',
  'dropout', 'dropouts', 'seed', 'encode', 'backend', 'onRound', 'inputs',
] as const;

/** A simulation, ready to run. */
export interface Setup {
  readonly clients: number;
  readonly seed: Uint8Array;
  readonly vectors: readonly VectorSpec[];
  readonly encode: boolean;
  readonly backend: CryptoBackend | undefined;
  readonly onRound: ((report: RoundReport) => void) | undefined;
  readonly config: SessionConfig;
  /** The rounds of this variant, in order. */
  readonly rounds: readonly DropoutRound[];
  /** The round in which each scheduled client stops sending. */
  readonly stopAt: ReadonlyMap<number, DropoutRound>;
  /** What the simulated clients are made from. */
  readonly context: SimulationContext;
}

/**
 * Reads and checks the options, in a fixed order (the first bad option is the one reported).
 *
 * @throws {SecAggError} as `simulateSession`.
 */
export function readSetup(options: SimulationOptions): Setup {
  const o = assertOptions<SimulationOptions>(options, 'options', OPTION_KEYS);
  if (options === undefined) throw new SecAggError('INVALID_TYPE', 'options must be an object');
  const n = assertInteger(o.clients, 'clients', 2, 65_535);
  const seed = o.seed === undefined ? new Uint8Array(32) : Uint8Array.from(assertBytes(o.seed, 'seed', 32));
  const vectors: readonly VectorSpec[] = o.vectors ?? [
    { name: 'x', length: o.length === undefined ? 1000 : assertInteger(o.length, 'length', 1, 2 ** 28), bits: o.bits ?? 16 },
  ];
  const active = o.active ?? false;
  const dropout = o.dropout === undefined ? 0 : assertNumber(o.dropout, 'dropout', 0, 1);
  const encode = o.encode ?? true;
  const backend = o.backend;
  const onRound = o.onRound;
  if (onRound !== undefined && typeof onRound !== 'function') {
    throw new SecAggError('INVALID_TYPE', `onRound must be a function, got ${describeType(onRound)}`);
  }
  const signingKeys = active ? Array.from({ length: n }, (_, i) => derive(seed, 'secagg/sim/signing', i + 1)) : null;
  const config = sessionConfig(o, { n, seed, vectors, active, dropout, signingKeys });
  const rounds: DropoutRound[] = DROPOUT_ROUNDS.filter((r) => active || r !== 'consistencyCheck');
  const stopAt = dropoutSchedule(o.dropouts, { n, seed, dropout, rounds });
  const inputs = readInputs(o.inputs, n, config.vectors);
  const context: SimulationContext = { config, seed, vectors, signingKeys, backend, inputs };
  return { clients: n, seed, vectors, encode, backend, onRound, config, rounds, stopAt, context };
}

/** The options {@link sessionConfig} and {@link dropoutSchedule} take once they are read. */
interface ReadOptions {
  readonly n: number;
  readonly seed: Uint8Array;
  readonly vectors: readonly VectorSpec[];
  readonly active: boolean;
  readonly dropout: number;
  readonly signingKeys: readonly Uint8Array[] | null;
  readonly rounds: readonly DropoutRound[];
}

/**
 * The session configuration: the complete graph with the threshold given (default ceil(2n/3),
 * at least 2), or the SecAgg+ graph derived as a policy would (the parameter finder from 65
 * clients, else the complete graph with t = n - dropouts).
 */
function sessionConfig(o: SimulationOptions, read: Omit<ReadOptions, 'rounds'>): SessionConfig {
  const { n, seed, vectors, active, dropout, signingKeys } = read;
  const nonce = derive(seed, 'secagg/sim/nonce', 0);
  const graph = o.graph ?? 'complete';
  if (graph !== 'complete' && graph !== 'harary') {
    const got: unknown = graph;
    throw new SecAggError('INVALID_TYPE', `graph must be 'complete' or 'harary', got ${typeof got === 'string' ? JSON.stringify(got.slice(0, 32)) : describeType(got)}`);
  }
  // Options of the other graph would be silently ignored: refuse them.
  if (graph === 'harary' && o.threshold !== undefined) {
    throw new SecAggError('INVALID_CONFIG', "threshold applies to graph 'complete' only; with 'harary' the parameter finder picks it");
  }
  if (graph === 'complete' && (o.corruptFraction !== undefined || o.dropoutFraction !== undefined)) {
    throw new SecAggError('INVALID_CONFIG', "corruptFraction and dropoutFraction apply to graph 'harary' only");
  }
  // Unless dropoutFraction is given, the SecAgg+ graph is planned for the injected dropout.
  const plannedFraction = graph === 'harary' && o.dropoutFraction === undefined ? Math.max(0.05, dropout) : null;
  if (plannedFraction !== null && plannedFraction >= 1) {
    throw new SecAggError('OUT_OF_RANGE', `dropout ${dropout}: a SecAgg+ graph cannot be planned for every client dropping; use graph 'complete' or give dropoutFraction`);
  }
  return plannedConfig(plannedFraction, () => createSessionConfig({
    clients: n,
    vectors,
    nonce,
    active,
    ...(signingKeys === null ? {} : { verificationKeys: signingKeys.map((k) => ed25519PublicKey(k)) }),
    ...(graph === 'harary'
      ? {
          graph: {
            kind: 'auto' as const,
            corruptFraction: o.corruptFraction ?? 0.05,
            dropoutFraction: o.dropoutFraction ?? (plannedFraction as number),
            seed: derive(seed, 'secagg/sim/graph', 0),
            // The simulation stands in for the public beacon of a real active deployment.
            ...(active ? { seedSource: 'beacon' as const } : {}),
          },
        }
      : completeGraph(o.threshold ?? Math.max(2, Math.ceil((2 * n) / 3)), n, active)),
  }));
}

/**
 * The complete graph with threshold t. The active variant is set against the most corrupt
 * clients t tolerates (2t > n + corrupt), at least none: an honest simulation needs no more.
 */
function completeGraph(threshold: number, n: number, active: boolean): Pick<SessionConfigInput, 'graph' | 'threshold' | 'corruptClients'> {
  return {
    graph: { kind: 'complete' },
    threshold,
    ...(active ? { corruptClients: Math.min(n, Math.max(0, 2 * threshold - n - 1)) } : {}),
  };
}

/**
 * Builds the configuration. When the SecAgg+ graph was planned for the injected dropout (no
 * dropoutFraction given) and no graph is feasible, the error says which fraction was used: the
 * caller never set it.
 */
function plannedConfig(plannedFraction: number | null, build: () => SessionConfig): SessionConfig {
  try {
    return build();
  } catch (error) {
    if (plannedFraction === null || !(error instanceof SecAggError) || error.code !== 'NO_FEASIBLE_GRAPH') throw error;
    throw new SecAggError(error.code, `the SecAgg+ graph was planned for dropoutFraction ${plannedFraction} (from the injected dropout): ${error.message}`);
  }
}

/**
 * Who stops in which round: the explicit `dropouts` when given, else each client with
 * probability `dropout`, at a round drawn uniformly from the seed.
 */
function dropoutSchedule(
  dropouts: SimulationOptions['dropouts'],
  read: Pick<ReadOptions, 'n' | 'seed' | 'dropout' | 'rounds'>,
): Map<number, DropoutRound> {
  const { n, seed, dropout, rounds } = read;
  const stopAt = new Map<number, DropoutRound>();
  if (dropouts !== undefined) {
    const d = assertOptions<Record<string, unknown>>(dropouts, 'dropouts', DROPOUT_ROUNDS);
    for (const r of DROPOUT_ROUNDS) {
      const ids: unknown = d[r];
      if (ids === undefined) continue;
      if (!Array.isArray(ids)) throw new SecAggError('INVALID_TYPE', `dropouts.${r} must be an array of ids`);
      if (!rounds.includes(r) && ids.length > 0) {
        throw new SecAggError('INVALID_CONFIG', `dropouts.${r}: the passive variant has no ${r} round (set active: true)`);
      }
      for (const id of ids) {
        const client = assertInteger(id, `dropouts.${r}[]`, 1, n);
        const earlier = stopAt.get(client);
        if (earlier !== undefined) throw new SecAggError('INVALID_CONFIG', `dropouts: client ${client} is listed in ${earlier} and in ${r}`);
        stopAt.set(client, r);
      }
    }
  } else if (dropout > 0) {
    const rng = deterministicRandomBytes(derive(seed, 'secagg/sim/schedule', 0));
    for (let id = 1; id <= n; id++) {
      const r = rng(4);
      const u = (((r[0] as number) << 16) | ((r[1] as number) << 8) | (r[2] as number)) / 2 ** 24;
      if (u < dropout) stopAt.set(id, rounds[(r[3] as number) % rounds.length] as DropoutRound);
    }
  }
  return stopAt;
}

/**
 * Simulated clients: their inputs, their random streams, and the host that steps them on work
 * handed out by the session (./run.ts). One host runs all clients in `simulateSession`;
 * cli/simulate-parallel.ts gives each worker thread a host for its share of them.
 */
import { ascii, concatBytes, u32be } from '../_bytes.js';
import { sha256, type CryptoBackend } from '../crypto/index.js';
import {
  clientAdvertiseKeys,
  clientReceive,
  createClient,
  type AbortCode,
  type ClientInput,
  type ClientMessage,
  type ClientState,
  type Round,
  type ServerMessage,
  type SessionConfig,
  type VectorSpec,
} from '../protocol/index.js';
import { validateConfig } from '../protocol/config.js';
import { deterministicRandomBytes } from '../testing/index.js';

/** SHA-256 of `label || seed || u32(id)`: every simulated random choice starts here. */
export function derive(seed: Uint8Array, label: string, id: number): Uint8Array {
  return sha256(concatBytes(ascii(label), seed, u32be(id)));
}

/**
 * Deterministic test input of client `id` (xorshift32 stream seeded from SHA-256 of the seed,
 * name and id), elements below 2^bits. Used by `simulateSession`; not random enough for
 * anything but tests.
 *
 * @example
 * ```ts
 * const x = simulatedInput(new Uint8Array(32), 3, { name: 'x', length: 10, bits: 16 });
 * ```
 */
export function simulatedInput(seed: Uint8Array, id: number, spec: VectorSpec): Uint32Array {
  const h = derive(seed, `secagg/sim/input/${spec.name}`, id);
  let x = (((h[0] as number) << 24) | ((h[1] as number) << 16) | ((h[2] as number) << 8) | (h[3] as number)) >>> 0;
  if (x === 0) x = 1;
  const out = new Uint32Array(spec.length);
  const mask = spec.bits === 32 ? 0xffffffff : 2 ** spec.bits - 1;
  for (let i = 0; i < out.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = (x & mask) >>> 0;
  }
  return out;
}

/**
 * Everything a simulated client needs, as plain data: what a worker thread receives to host
 * some of the clients (see cli/simulate-parallel.ts).
 */
export interface SimulationContext {
  readonly config: SessionConfig;
  readonly seed: Uint8Array;
  readonly vectors: readonly VectorSpec[];
  readonly signingKeys: readonly Uint8Array[] | null;
  readonly backend: CryptoBackend | undefined;
  /** The caller's inputs by id, copied and checked (`inputs` option), or null: simulated ones. */
  readonly inputs: ReadonlyMap<number, ClientInput> | null;
}

/** One vector of client `id`'s input: the caller's (`inputs` option), or the simulated one. */
export function clientVector(context: Pick<SimulationContext, 'seed' | 'inputs'>, id: number, spec: VectorSpec): Uint32Array {
  return context.inputs?.get(id)?.[spec.name] ?? simulatedInput(context.seed, id, spec);
}

/** The whole input of client `id`, as {@link clientVector}. */
function clientInput(context: SimulationContext, id: number): ClientInput {
  return context.inputs?.get(id) ?? Object.fromEntries(context.vectors.map((v) => [v.name, simulatedInput(context.seed, id, v)]));
}

/**
 * Work for the clients, yielded by `runSimulation` (./run.ts): round 0 (make clients, advertise
 * keys) or the delivery of server messages. Results come back in the same order.
 */
export type ClientWork =
  | { readonly kind: 'advertise'; readonly context: SimulationContext; readonly ids: readonly number[] }
  | {
      readonly kind: 'deliver';
      readonly deliveries: readonly Delivery[];
      /**
       * The session's last client work (the unmasking round's last batch): no client is stepped
       * again, so a host may let its clients go once it has answered.
       */
      readonly final: boolean;
    };

/** A server message for one client. */
export interface Delivery {
  readonly to: number;
  readonly message: ServerMessage;
}

/** One client's answer to one work item: its outbox, its step time and its abort, if any. */
export interface ClientWorkItem {
  readonly outbox: readonly ClientMessage[];
  readonly seconds: number;
  readonly abort: { readonly code: AbortCode; readonly round: Round } | null;
}

/**
 * Simulated clients: their states and random streams, stepped on {@link ClientWork}. One host
 * runs all clients in `simulateSession`; cli/simulate-parallel.ts gives each worker thread
 * a host for its share of them.
 */
export class SimulatedClients {
  private readonly context: SimulationContext;
  private readonly states = new Map<number, ClientState>();

  constructor(context: SimulationContext) {
    // Checked once here: every client then reads the one checked configuration, its frozen cohort
    // shared rather than copied per client (a worker thread gets the context as a structured
    // clone, which is not the checked configuration the caller made).
    this.context = { ...context, config: validateConfig(context.config) };
  }

  /** Steps the clients named by `work`, in order. */
  run(work: ClientWork): ClientWorkItem[] {
    return work.kind === 'advertise'
      ? work.ids.map((id) => this.advertise(id))
      : work.deliveries.map(({ to, message }) => this.deliver(to, message));
  }

  private advertise(id: number): ClientWorkItem {
    const { config, seed, signingKeys, backend } = this.context;
    const rng = deterministicRandomBytes(derive(seed, 'secagg/sim/client', id));
    const t0 = performance.now();
    const signing = signingKeys === null ? {} : { signingKey: signingKeys[id - 1] as Uint8Array };
    const options = backend === undefined ? {} : { backend };
    const step = clientAdvertiseKeys(createClient(config, { id, rng, ...signing, ...options }), options);
    const seconds = (performance.now() - t0) / 1000;
    this.states.set(id, step.state);
    return { outbox: step.outbox, seconds, abort: null };
  }

  private deliver(to: number, message: ServerMessage): ClientWorkItem {
    const { backend } = this.context;
    const state = this.states.get(to) as ClientState;
    const input = message.type === 'encryptedShares' ? clientInput(this.context, to) : undefined;
    const t0 = performance.now();
    const step = clientReceive(state, message, {
      ...(backend === undefined ? {} : { backend }),
      ...(input === undefined ? {} : { input }),
    });
    const seconds = (performance.now() - t0) / 1000;
    this.states.set(to, step.state);
    const abort = step.state.round === 'aborted' ? { code: step.state.code, round: step.state.atRound } : null;
    return { outbox: step.outbox, seconds, abort };
  }
}

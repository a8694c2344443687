/**
 * `secagg/transport/memory`: connections inside one process, for tests and simulations. A pair
 * is two ends of one ordered link; a server hands out such links as if clients had connected.
 * Frames are copied and delivered on a later macrotask (never inside `send`), optionally after a
 * delay or not at all (`drop`), so a session meets the timing of a real network, deterministically.
 * @module
 */
import { assertInteger, assertOptions, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { FramedConnection, type ConnectionMedium } from './_framed.js';
import { ConnectionHub, DEFAULT_MAX_PENDING_CONNECTIONS } from './_hub.js';
import { checkIdentity, readLimits, type ConnectionLimits, type TransportConnection } from './connection.js';
import { CloseCode, type ServerStats, type ServerTransport } from './types.js';

/** How a memory link treats each frame in transit. */
export interface MemoryLinkOptions extends ConnectionLimits {
  /**
   * Milliseconds each frame spends in transit, 0..2^31 - 1 (default 0: the next macrotask), or
   * a function of the frame and its sender's side (0: the first end, 1: the second). Frames stay
   * in order: a frame never overtakes an earlier one.
   */
  readonly delayMs?: number | ((frame: Uint8Array, from: 0 | 1) => number);
  /**
   * Loses a frame in transit when it returns true (a test's lossy network; a real transport
   * would close instead). Gets the frame and its sender's side.
   */
  readonly drop?: (frame: Uint8Array, from: 0 | 1) => boolean;
}

/** Options of {@link createMemoryPair}. */
export interface MemoryPairOptions extends MemoryLinkOptions {
  /** The identity of the party holding the first end (what the second end reports); default `'left'`. */
  readonly left?: string;
  /** The identity of the party holding the second end (what the first end reports); default `'right'`. */
  readonly right?: string;
}

/** One end of a memory link. */
export interface MemoryConnection extends TransportConnection {
  /**
   * Breaks the link without a close handshake, as a killed process or a cut cable would: both
   * ends close with `ABNORMAL` (1006, `local: false`) and frames in transit are lost.
   */
  sever(): void;
}

/** Options of {@link createMemoryServer}. */
export interface MemoryServerOptions extends MemoryLinkOptions {
  /** The identity clients' ends report for the server (default `'memory-server'`). */
  readonly identity?: string;
  /** Connections that may wait for `onConnection` before more are refused, 0..2^31 - 1 (default 1024). */
  readonly maxPendingConnections?: number;
}

/** The server of {@link createMemoryServer}. */
export interface MemoryServer extends ServerTransport {
  /** A snapshot of the counters over every connection. */
  readonly stats: ServerStats;
  /**
   * Connects a client as `identity` (what the server's end reports: the identity the transport
   * "authenticated"). The server's end goes to `onConnection`; the client's end is returned.
   * After `close()`, the returned end closes at once with `GOING_AWAY`.
   *
   * @throws {SecAggError} `INVALID_TYPE` / `INVALID_LENGTH` for an identity that is not a
   *   string of 1..1024 characters.
   */
  connect(identity: string): MemoryConnection;
}

const LINK_OPTIONS = ['maxFrameBytes', 'maxBufferedBytes', 'delayMs', 'drop'] as const;

interface Receiver {
  receive(data: unknown): void;
  closedByPeer(code: unknown, reason: unknown): void;
}

type Flight = { readonly at: number; readonly frame: Uint8Array } | { readonly at: number; readonly close: readonly [number, string] };

// A zero delay is the next macrotask: never a microtask, so that deliveries cannot starve timers.
const nextTask: (run: () => void) => unknown =
  typeof globalThis.setImmediate === 'function' ? (run) => globalThis.setImmediate(run) : (run) => setTimeout(run, 0);

interface LinkSettings {
  readonly limits: { maxFrameBytes: number; maxBufferedBytes: number };
  readonly delayMs: number | ((frame: Uint8Array, from: 0 | 1) => number);
  readonly drop: ((frame: Uint8Array, from: 0 | 1) => boolean) | undefined;
}

function readLinkSettings(o: MemoryLinkOptions): LinkSettings {
  const { maxFrameBytes, maxBufferedBytes, delayMs = 0, drop } = o;
  if (typeof delayMs !== 'function') assertInteger(delayMs, 'delayMs', 0, 2_147_483_647);
  if (drop !== undefined && typeof drop !== 'function') throw new SecAggError('INVALID_TYPE', `drop must be a function, got ${describeType(drop)}`);
  return { limits: readLimits(maxFrameBytes, maxBufferedBytes), delayMs, drop };
}

/** Two directions of frames in transit, each delivered in order on its own timer. */
class Link {
  readonly ends: Receiver[] = [];
  readonly #settings: LinkSettings;
  readonly #flights: [Flight[], Flight[]] = [[], []];
  readonly #buffered = [0, 0];
  readonly #armed = [false, false];
  readonly #timers: [ReturnType<typeof setTimeout> | null, ReturnType<typeof setTimeout> | null] = [null, null];
  #severed = false;

  constructor(settings: LinkSettings) {
    this.#settings = settings;
  }

  medium(from: 0 | 1): ConnectionMedium {
    return {
      write: (frame) => this.#write(from, frame),
      close: (code, reason) => this.#push(from, { at: this.#due(from, 0), close: [code, reason] }),
      bufferedAmount: () => this.#buffered[from] as number,
    };
  }

  sever(): void {
    if (this.#severed) return;
    this.#severed = true;
    for (const from of [0, 1] as const) {
      const timer = this.#timers[from];
      if (timer !== null) clearTimeout(timer);
      this.#timers[from] = null;
      this.#flights[from] = [];
      this.#buffered[from] = 0;
    }
    for (const end of this.ends) end.closedByPeer(CloseCode.ABNORMAL, 'link severed');
  }

  #write(from: 0 | 1, frame: Uint8Array): void {
    const { drop, delayMs } = this.#settings;
    if (drop?.(frame, from) === true) return;
    let delay = typeof delayMs === 'function' ? delayMs(frame, from) : delayMs;
    if (typeof delay !== 'number' || !(delay >= 0)) delay = 0;
    this.#buffered[from] = (this.#buffered[from] as number) + frame.length;
    this.#push(from, { at: this.#due(from, delay), frame });
  }

  /** When a flight sent now with `delay` lands: never before the one ahead of it. */
  #due(from: 0 | 1, delay: number): number {
    const last = this.#flights[from].at(-1);
    return Math.max(performance.now() + delay, last === undefined ? 0 : last.at);
  }

  #push(from: 0 | 1, flight: Flight): void {
    if (this.#severed) return;
    this.#flights[from].push(flight);
    this.#arm(from);
  }

  #arm(from: 0 | 1): void {
    const head = this.#flights[from][0];
    if (this.#armed[from] || head === undefined) return;
    this.#armed[from] = true;
    const wait = head.at - performance.now();
    const run = (): void => {
      this.#armed[from] = false;
      this.#timers[from] = null;
      this.#drain(from);
    };
    if (wait <= 0) nextTask(run);
    else this.#timers[from] = setTimeout(run, Math.ceil(wait));
  }

  #drain(from: 0 | 1): void {
    const to = this.ends[1 - from] as Receiver;
    const queue = this.#flights[from];
    const now = performance.now();
    while (!this.#severed && queue.length > 0 && (queue[0] as Flight).at <= now) {
      const flight = queue.shift() as Flight;
      if ('frame' in flight) {
        this.#buffered[from] = (this.#buffered[from] as number) - flight.frame.length;
        to.receive(flight.frame.buffer);
      } else to.closedByPeer(flight.close[0], flight.close[1]);
    }
    this.#arm(from);
  }
}

class MemoryEnd extends FramedConnection implements MemoryConnection {
  readonly #link: Link;

  constructor(identity: string, link: Link, side: 0 | 1, limits: { maxFrameBytes: number; maxBufferedBytes: number }) {
    super(identity, link.medium(side), limits.maxFrameBytes, limits.maxBufferedBytes);
    this.#link = link;
  }

  sever(): void {
    this.#link.sever();
  }
}

/**
 * Two connected ends in this process. The first end is held by `left` and reports `right` as
 * its peer's identity, and the other way round.
 *
 * @param options {@link MemoryPairOptions}: identities, frame limits, delay and loss.
 * @returns `[leftEnd, rightEnd]`.
 * @throws {SecAggError} `UNKNOWN_OPTION`, `INVALID_TYPE`, `OUT_OF_RANGE`, `INVALID_LENGTH` for
 *   bad options.
 *
 * @example
 * ```ts
 * const [server, alice] = createMemoryPair({ left: 'server', right: 'alice' });
 * server.identity; // 'alice'
 * server.onFrame = (frame) => server.send(frame); // echo
 * alice.onFrame = (frame) => { console.log(frame); alice.close(); };
 * alice.send(new Uint8Array([1, 2, 3]));
 * ```
 */
export function createMemoryPair(options?: MemoryPairOptions): [MemoryConnection, MemoryConnection] {
  const o = assertOptions<MemoryPairOptions>(options, 'options', [...LINK_OPTIONS, 'left', 'right']);
  const { left = 'left', right = 'right' } = o;
  checkIdentity(left, 'left');
  checkIdentity(right, 'right');
  const settings = readLinkSettings(o);
  const link = new Link(settings);
  const ends: [MemoryEnd, MemoryEnd] = [new MemoryEnd(right, link, 0, settings.limits), new MemoryEnd(left, link, 1, settings.limits)];
  link.ends.push(...ends);
  return ends;
}

/**
 * A server transport whose clients connect in this process ({@link MemoryServer.connect}),
 * for simulations and tests of a session.
 *
 * @param options {@link MemoryServerOptions}: the server's identity, frame limits, pending
 *   bound, delay and loss (applied to every link).
 * @throws {SecAggError} `UNKNOWN_OPTION`, `INVALID_TYPE`, `OUT_OF_RANGE`, `INVALID_LENGTH` for
 *   bad options.
 *
 * @example
 * ```ts
 * const server = createMemoryServer();
 * server.onConnection = (connection) => {
 *   connection.onFrame = (frame) => connection.send(frame);
 * };
 * const alice = server.connect('alice');
 * alice.onFrame = (frame) => console.log('echoed', frame);
 * alice.send(new Uint8Array([7]));
 * // ... later
 * await server.close();
 * ```
 */
export function createMemoryServer(options?: MemoryServerOptions): MemoryServer {
  const o = assertOptions<MemoryServerOptions>(options, 'options', [...LINK_OPTIONS, 'identity', 'maxPendingConnections']);
  const { identity = 'memory-server', maxPendingConnections = DEFAULT_MAX_PENDING_CONNECTIONS } = o;
  checkIdentity(identity, 'identity');
  assertInteger(maxPendingConnections, 'maxPendingConnections', 0, 2_147_483_647);
  const settings = readLinkSettings(o);
  const hub = new ConnectionHub(settings.limits, maxPendingConnections);
  let closed: Promise<void> | null = null;
  return {
    get onConnection() {
      return hub.onConnection;
    },
    set onConnection(handler) {
      hub.onConnection = handler;
    },
    get stats() {
      return hub.stats;
    },
    connect(client: string): MemoryConnection {
      checkIdentity(client, 'identity');
      const link = new Link(settings);
      const serverEnd = hub.open(client, link.medium(0));
      const clientEnd = new MemoryEnd(identity, link, 1, settings.limits);
      link.ends.push({ receive: serverEnd.receive, closedByPeer: (code, reason) => serverEnd.closed(code as number, reason as string) }, clientEnd);
      return clientEnd;
    },
    close(): Promise<void> {
      if (closed === null) {
        hub.closeAll();
        closed = Promise.resolve();
      }
      return closed;
    },
  };
}

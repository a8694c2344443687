/** Shared helpers of the session tests: specs, a memory network of clients, a fake clock. */
import { createMemoryServer, type MemoryConnection, type MemoryServer } from '../../src/transport/memory.js';
import type { Connection } from '../../src/transport/index.js';
import { interceptIncoming } from './_intercept.js';
import { ClientSession, createSessionSpec, ServerSession, type ClientSessionOptions, type ServerSessionOptions, type SessionSpec, type SessionSpecInput } from '../../src/session/index.js';
import type { Clock } from '../../src/session/index.js';
import { decodeFrame, encodeFrame } from '../../src/session/_frames.js';
import { specDigestOf } from '../../src/session/spec-codec.js';
import {
  clientAdvertiseKeys,
  clientReceive,
  decodeServerMessage,
  deriveSessionConfig,
  encodeMessage,
  joinRound,
  type ClientMessage,
  type ClientState,
  type SessionConfig,
} from '../../src/protocol/index.js';

export const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `client-${i}`);

/** A small spec: `n` registry entries, two tensors, a quantised mean at 24 bits. */
export function smallSpec(n: number, extra: Partial<SessionSpecInput> = {}): SessionSpec {
  return createSessionSpec({
    policy: { registry: { size: n }, corruptFraction: 0, dropoutFraction: 0.2, minClients: Math.min(3, n) },
    model: [
      { name: 'w', length: 6 },
      { name: 'b', length: 2 },
    ],
    aggregation: { kind: 'mean', clip: 1, bits: 24 },
    ...extra,
  });
}

export interface Network {
  readonly transport: MemoryServer;
  readonly server: ServerSession;
  readonly clients: ClientSession[];
  /** Each client's current connection, steerable; its hooks carry over to a reconnection. */
  readonly links: SteeredConnection[];
  readonly hooks: { incoming: (frame: Uint8Array) => FrameAction; outgoing: (frame: Uint8Array) => FrameAction }[];
  close(): Promise<void>;
}

/** A server session over a memory transport and `count` clients (registry entries 0..count-1) connected to it. */
export function network(
  spec: SessionSpec,
  count: number,
  options: {
    server?: Partial<ServerSessionOptions>;
    client?: (i: number) => Partial<ClientSessionOptions>;
    registry?: number;
    identity?: (i: number) => string;
    maxFrameBytes?: number;
  } = {},
): Network {
  const identities = names(options.registry ?? count);
  const transport = createMemoryServer(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes });
  const server = new ServerSession({ spec, identities, transport, deadlines: { round: 5_000 }, ...options.server });
  const links: SteeredConnection[] = [];
  const hooks = Array.from({ length: count }, () => ({ incoming: (): FrameAction => 'pass', outgoing: (): FrameAction => 'pass' }) as Network['hooks'][number]);
  const clients = Array.from({ length: count }, (_, i) => {
    const extra = options.client?.(i) ?? {};
    return new ClientSession({
      spec,
      member: i,
      transport: async () => {
        const link = new SteeredConnection(transport.connect(options.identity?.(i) ?? (identities[i] as string)));
        link.incoming = (frame) => (hooks[i] as Network['hooks'][number]).incoming(frame);
        link.outgoing = (frame) => (hooks[i] as Network['hooks'][number]).outgoing(frame);
        links[i] = link;
        return link.connection;
      },
      deadlines: { offer: 5_000, round: 5_000 },
      ...extra,
    });
  });
  return {
    transport,
    server,
    clients,
    links,
    hooks,
    async close() {
      await Promise.all(clients.map((c) => c.close()));
      await server.close();
    },
  };
}

/** A fake clock: timers fire only when the test advances it. */
export class FakeClock implements Clock {
  #now = 1_700_000_000_000;
  #timers = new Map<number, { at: number; run: () => void }>();
  #next = 1;
  now(): number {
    return this.#now;
  }
  setTimeout(run: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + ms, run });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  /** Pending timers. */
  get pending(): number {
    return this.#timers.size;
  }
  /** Moves time on by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.#timers.delete(due[0]);
      this.#now = Math.max(this.#now, due[1].at);
      due[1].run();
    }
    this.#now = end;
  }
}

/** Resolves after the event loop turned `times` times (memory links deliver on macrotasks). */
export async function settle(times = 20): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A float tensor of `length` filled with `value`. */
export const filled = (length: number, value: number): Float32Array => new Float32Array(length).fill(value);

/** What a test connection does with a frame. */
export type FrameAction = 'pass' | 'drop' | 'sever';

/**
 * A connection around a memory end that a test can steer: `incoming` sees each frame the client
 * receives (before the session does) and `outgoing` each frame it sends; either may pass it,
 * drop it, or sever the link (a killed process). `extra` sends raw bytes as the client.
 */
export class SteeredConnection {
  incoming: (frame: Uint8Array) => FrameAction = () => 'pass';
  outgoing: (frame: Uint8Array) => FrameAction = () => 'pass';
  readonly sent: Uint8Array[] = [];
  readonly end: MemoryConnection;
  readonly connection: Connection;

  constructor(end: MemoryConnection) {
    this.end = end;
    const incoming = (frame: Uint8Array, deliver: (frame: Uint8Array) => void): void => {
      const action = this.incoming(frame);
      if (action === 'sever') end.sever();
      else if (action === 'pass') deliver(frame);
    };
    const send = (frame: Uint8Array): boolean => {
      const action = this.outgoing(frame);
      if (action === 'sever') {
        end.sever();
        return false;
      }
      if (action === 'drop') return true;
      this.sent.push(Uint8Array.from(frame));
      return end.send(frame);
    };
    this.connection = interceptIncoming(end, incoming, { send });
  }

  /** Sends raw bytes as this client, past the session. */
  extra(bytes: Uint8Array): void {
    this.end.send(bytes);
  }
}

/** The wire message type byte of a protocol frame (0x5A 0x46 v kind | u32 round | 0x5A 0x02 type), or null. */
export function protocolType(frame: Uint8Array): number | null {
  return frame.length > 10 && frame[3] === 3 ? (frame[10] as number) : null;
}

/** The wire's message type bytes, by message type (the codec's own table). */
export { MessageType as MessageByte } from '../../src/protocol/codec.js';

/**
 * A client spoken with the pure protocol over a raw memory end (no session, none of its checks):
 * says it is ready, joins the offer, answers every request with `input`. Resolves with the
 * result frame's verdict, or 'aborted' on an abort message.
 */
export function coreClient(spec: SessionSpec, member: number, end: MemoryConnection, input: Uint32Array): Promise<'in' | 'out' | 'aborted'> {
  return new Promise((resolve) => {
    let state: ClientState | null = null;
    let config: SessionConfig | null = null;
    let round = 0;
    const send = (step: { outbox: readonly ClientMessage[] }): void => {
      for (const m of step.outbox) end.send(encodeFrame({ kind: 'protocol', round, message: encodeMessage(m, config as SessionConfig) }));
    };
    end.onFrame = (bytes) => {
      const f = decodeFrame(bytes);
      if (f.kind === 'offer') {
        round = f.round;
        config = deriveSessionConfig(spec.policy, f.parameters);
        const joined = joinRound(spec.policy, config, { member });
        const step = clientAdvertiseKeys(joined);
        state = step.state;
        send(step);
      } else if (f.kind === 'protocol' && state !== null) {
        const message = decodeServerMessage(f.message);
        if (message.type === 'abort') return resolve('aborted');
        const step = clientReceive(state, message, { input: { update: input } });
        state = step.state;
        send(step);
      } else if (f.kind === 'result') resolve(f.inSum ? 'in' : 'out');
    };
    end.send(encodeFrame({ kind: 'ready', ready: true, specDigest: specDigestOf(spec) }));
  });
}

/** Shared helpers of the session tests: specs, a memory network of clients, a fake clock. */
import { createMemoryServer, type MemoryConnection, type MemoryServer } from '../../src/transport/memory.js';
import { ClientSession, createSessionSpec, ServerSession, type ClientSessionOptions, type ServerSessionOptions, type SessionSpec, type SessionSpecInput } from '../../src/session/index.js';
import type { Clock } from '../../src/session/index.js';

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
  readonly ends: (MemoryConnection | null)[];
  close(): Promise<void>;
}

/** A server session over a memory transport and `count` clients (registry entries 0..count-1) connected to it. */
export function network(
  spec: SessionSpec,
  count: number,
  options: { server?: Partial<ServerSessionOptions>; client?: (i: number) => Partial<ClientSessionOptions>; registry?: number } = {},
): Network {
  const identities = names(options.registry ?? count);
  const transport = createMemoryServer();
  const server = new ServerSession({ spec, identities, transport, deadlines: { round: 5_000 }, ...options.server });
  const ends: (MemoryConnection | null)[] = [];
  const clients = Array.from({ length: count }, (_, i) => {
    const extra = options.client?.(i) ?? {};
    return new ClientSession({
      spec,
      member: i,
      transport: async () => {
        const end = transport.connect(identities[i] as string);
        ends[i] = end;
        return end;
      },
      deadlines: { offer: 5_000, round: 5_000 },
      ...extra,
    });
  });
  return {
    transport,
    server,
    clients,
    ends,
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

/**
 * A child process hosting many session clients for bench/session.ts, at the lowest CPU priority
 * (nice 19) so that the server's thread, the one measured, is not preempted by them: one
 * ClientSession per member over its own WebSocket to the server on loopback, each submitting a
 * random float update once (quantised by the session). Members listed in DROP close their
 * connection when the shares arrive (after sharing their keys: the costly dropout for the
 * server). Prints `{"completed": k}` when every client has its outcome.
 *
 *   node --import tsx bench/_session-clients.ts <url> <members, comma-separated>   (SPEC_HEX, DROP)
 */
import { setPriority } from 'node:os';
import { ClientSession, decodeSessionSpec } from '../src/session/index.js';
import type { Connection } from '../src/transport/index.js';
import { connectWebSocket } from '../src/transport/ws/index.js';
import { interceptIncoming } from '../test/session/_intercept.js';

try {
  setPriority(19);
} catch {
  // not allowed here: the measurement is then noisier
}
const [url, list] = process.argv.slice(2) as [string, string];
const members = list.split(',').map(Number);
const spec = decodeSessionSpec(Uint8Array.from(Buffer.from(process.env['SPEC_HEX'] ?? '', 'hex')));
const dropping = new Set((process.env['DROP'] ?? '').split(',').filter((x) => x !== '').map(Number));
const length = (spec.policy.vectors[0] as { length: number }).length;

/** The connection, closed by this client when the shares (0x12) arrive. */
function leaving(connection: Connection): Connection {
  return interceptIncoming(connection, (frame, deliver) => {
    if (frame.length > 10 && frame[3] === 3 && frame[10] === 0x12) connection.close();
    else deliver(frame);
  });
}

const outcomes = await Promise.all(
  members.map(async (member) => {
    const client = new ClientSession({
      spec,
      member,
      transport: async ({ signal }) => {
        const c = await connectWebSocket(url, { protocols: ['secagg', `client-${member}`], maxFrameBytes: 1 << 30, signal });
        return dropping.has(member) ? leaving(c) : c;
      },
      deadlines: { offer: 1_800_000, round: 1_800_000 },
    });
    const update = Float32Array.from({ length }, () => Math.random() * 2 - 1);
    const outcome = await client.submit({ update });
    await client.close();
    return outcome;
  }),
);
console.log(JSON.stringify({ completed: outcomes.filter((o) => o.outcome === 'completed').length }));

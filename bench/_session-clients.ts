/**
 * A worker thread hosting many session clients for bench/session.ts: one ClientSession per
 * member, each over its own MessagePort (the server's end is on the main thread), each
 * submitting a random float update once (quantised by the session). Members listed in `drop` close their connection when
 * the shares arrive (after sharing their keys: the costly dropout for the server). Posts
 * `{ done, completed }` to the parent when every client has its outcome.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { ClientSession, decodeSessionSpec } from '../src/session/index.js';
import type { Connection } from '../src/transport/index.js';
import { openPort } from '../src/transport/port.js';

interface Data {
  readonly spec: Uint8Array;
  readonly members: readonly number[];
  readonly ports: readonly MessagePort[];
  readonly drop: readonly number[];
}
const data = workerData as Data;
const spec = decodeSessionSpec(data.spec);
const v = spec.policy.vectors[0] as { length: number };
const dropping = new Set(data.drop);

/** The connection, closed by this client when the shares (0x12) arrive, for a dropping member. */
function leaving(connection: Connection): Connection {
  let handler: ((frame: Uint8Array) => void) | null = null;
  connection.onFrame = (frame) => {
    if (frame.length > 10 && frame[3] === 3 && frame[10] === 0x12) connection.close();
    else handler?.(frame);
  };
  return {
    get identity() {
      return connection.identity;
    },
    get maxFrameBytes() {
      return connection.maxFrameBytes;
    },
    get bufferedAmount() {
      return connection.bufferedAmount;
    },
    get closed() {
      return connection.closed;
    },
    send: (frame) => connection.send(frame),
    close: (code, reason) => connection.close(code, reason),
    get onFrame() {
      return handler;
    },
    set onFrame(h) {
      handler = h;
    },
    get onClose() {
      return connection.onClose;
    },
    set onClose(h) {
      connection.onClose = h;
    },
  };
}

const outcomes = await Promise.all(
  data.members.map(async (member, i) => {
    const port = openPort(data.ports[i] as MessagePort, { identity: 'server', maxFrameBytes: 1 << 30 });
    const client = new ClientSession({ spec, member, transport: dropping.has(member) ? leaving(port) : port, deadlines: { offer: 600_000, round: 600_000 } });
    const update = Float32Array.from({ length: v.length }, () => Math.random() * 2 - 1);
    const outcome = await client.submit({ update });
    await client.close();
    return outcome;
  }),
);
parentPort?.postMessage({ done: true, completed: outcomes.filter((o) => o.outcome === 'completed').length });

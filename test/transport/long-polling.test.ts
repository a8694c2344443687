/**
 * The HTTP long-polling adapter of docs/session.md (examples/transport/long-polling.ts), run over
 * a real http server on loopback with Node's fetch: the interface is small enough that a whole
 * adapter fits in one short file, and that file keeps the Connection contract.
 */
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { connectLongPolling, createLongPollingServer } from '../../examples/transport/long-polling.js';
import { CloseCode, type Connection } from '../../src/transport/index.js';
import { bytes, pattern, record, sameBytes, within } from './_helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(maxFrameBytes = 4096) {
  const polling = createLongPollingServer({
    path: '/secagg',
    maxFrameBytes,
    pollMs: 200,
    authenticate: (request) => (request.headers.authorization === 'Bearer alice' ? 'alice' : null),
  });
  const http: Server = createServer((request, response) => {
    if (!polling.handle(request, response)) response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => (http.closeAllConnections(), http.close(resolve))));
  cleanups.push(() => polling.transport.close());
  const accepted = new Promise<Connection>((resolve) => (polling.transport.onConnection = resolve));
  const base = `http://127.0.0.1:${(http.address() as { port: number }).port}/secagg`;
  return { polling, accepted, base };
}

describe('the long-polling example adapter', () => {
  it('round-trips frames byte-exact and in order both ways, across polls that time out empty', async () => {
    const { accepted, base } = await start();
    const client = await connectLongPolling(base, { headers: { authorization: 'Bearer alice' }, maxFrameBytes: 4096 });
    const server = await accepted;
    expect(server.identity).toBe('alice');
    const atServer = record(server);
    const atClient = record(client);
    const frames = [bytes(), bytes(1, 2), pattern(4096, 9)];
    for (const f of frames) client.send(f);
    const got = await within(atServer.next(3), 5000, 'up');
    expect(got.map((f, i) => sameBytes(f, frames[i]))).toEqual([true, true, true]);
    await new Promise((r) => setTimeout(r, 300)); // a poll times out empty and the client polls again
    for (const f of frames) server.send(f);
    const back = await within(atClient.next(3), 5000, 'down');
    expect(back.map((f, i) => sameBytes(f, frames[i]))).toEqual([true, true, true]);
    client.close(4000, 'bye');
    expect(await within(atServer.closed, 5000, 'close')).toEqual({ code: 4000, reason: 'bye', local: false });
  });

  it('refuses an oversized frame from its Content-Length (FRAME_TOO_LARGE both sides), and strangers (401)', async () => {
    const { accepted, base } = await start(100);
    await expect(connectLongPolling(base, { headers: { authorization: 'Bearer mallory' }, maxFrameBytes: 100 })).rejects.toThrow('401');
    const client = await connectLongPolling(base, { headers: { authorization: 'Bearer alice' }, maxFrameBytes: 100 });
    const server = record(await accepted);
    const atClient = record(client);
    client.send(new Uint8Array(101));
    expect(await within(server.closed, 5000, 'server')).toMatchObject({ code: CloseCode.FRAME_TOO_LARGE, local: true });
    expect(await within(atClient.closed, 5000, 'client')).toMatchObject({ code: CloseCode.FRAME_TOO_LARGE, local: false });
  });

  it('closing the server transport reaches the client as GOING_AWAY', async () => {
    const { polling, accepted, base } = await start();
    const client = await connectLongPolling(base, { headers: { authorization: 'Bearer alice' }, maxFrameBytes: 4096 });
    await accepted;
    const atClient = record(client);
    await polling.transport.close();
    expect(await within(atClient.closed, 5000, 'client')).toEqual({ code: CloseCode.GOING_AWAY, reason: 'server closing', local: false });
  });
});

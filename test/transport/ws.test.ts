/**
 * secagg/transport/ws with real parts: a `ws` server on loopback, real client connections (our
 * Node client, raw `ws` clients and a raw TCP socket for what a well-behaved client never does),
 * the browser entry over Node's own WHATWG WebSocket in a child process, and the missing-`ws`
 * import in a child process.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { connect as tcpConnect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket as RawWebSocket, WebSocketServer as RawServer } from 'ws';
import { CloseCode, type Connection } from '../../src/transport/index.js';
import { loadWs } from '../../src/transport/ws/_ws.js';
import { connectWebSocket, listenWebSocket, type WebSocketServerOptions, type WebSocketServerTransport } from '../../src/transport/ws/index.js';
import { bytes, fixture, pattern, record, runChild, sameBytes, within } from './_helpers.js';

const TOKENS = new Map([['token-alice', 'alice'], ['token-bob', 'bob']]);
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(options: Partial<WebSocketServerOptions> = {}): Promise<WebSocketServerTransport & { url: string }> {
  const transport = await listenWebSocket({
    port: 0,
    host: '127.0.0.1',
    heartbeatMs: 0,
    maxFrameBytes: 64 * 1024,
    authenticate: (request) => TOKENS.get(String(request.headers.authorization)) ?? null,
    ...options,
  } as WebSocketServerOptions);
  cleanups.push(() => transport.close());
  return Object.assign(transport, { url: `ws://127.0.0.1:${transport.port}/` });
}

/** The next connection the server hands out. */
function nextConnection(transport: WebSocketServerTransport): Promise<Connection> {
  return new Promise((resolve) => (transport.onConnection = resolve));
}

function rawClient(url: string, token = 'token-alice', options: Record<string, unknown> = {}): Promise<RawWebSocket> {
  const raw = new RawWebSocket(url, { headers: { authorization: token }, ...options });
  cleanups.push(() => raw.terminate());
  return new Promise((resolve, reject) => {
    raw.once('open', () => resolve(raw));
    raw.once('error', reject);
  });
}

async function client(url: string, token = 'token-alice', options: Parameters<typeof connectWebSocket>[1] = {}) {
  const connection = await connectWebSocket(url, { headers: { authorization: token }, ...options });
  cleanups.push(() => connection.close());
  return connection;
}

describe('listenWebSocket + connectWebSocket (Node, ws)', () => {
  it('authenticates, round-trips frames byte-exact both ways, and reports the close code and reason', async () => {
    const transport = await server();
    const accepted = nextConnection(transport);
    const connection = await client(transport.url);
    expect(connection.identity).toBe(transport.url);
    const peer = await accepted;
    expect(peer.identity).toBe('alice');
    const atServer = record(peer);
    peer.onFrame = (frame) => {
      atServer.frames.push(frame);
      peer.send(frame.slice().reverse());
    };
    const atClient = record(connection);
    const frames = [bytes(), bytes(1), pattern(1000, 3), pattern(64 * 1024, 4)];
    for (const f of frames) connection.send(f);
    const echoed = await within(atClient.next(frames.length), 10_000, 'echoes');
    expect(echoed.map((f, i) => sameBytes(f, frames[i]?.slice().reverse()))).toEqual([true, true, true, true]);
    expect(atServer.frames.map((f, i) => sameBytes(f, frames[i]))).toEqual([true, true, true, true]);
    const serverClosed = record(peer).closed;
    connection.close(4000, 'done');
    expect(await within(serverClosed, 5000, 'server close')).toEqual({ code: 4000, reason: 'done', local: false });
    expect(await atClient.closed).toEqual({ code: 4000, reason: 'done', local: true });
    expect(transport.stats).toMatchObject({ connectionsAccepted: 1, connectionsOpen: 0, framesReceived: 4, framesSent: 4 });
  });

  it('holds connections and frames that arrive before onConnection is set', async () => {
    const transport = await server();
    const connection = await client(transport.url, 'token-bob');
    connection.send(bytes(7));
    await new Promise((r) => setTimeout(r, 50));
    const peer = await nextConnection(transport);
    expect(peer.identity).toBe('bob');
    expect(await within(record(peer).next(1), 5000, 'held frame')).toEqual([bytes(7)]);
  });

  it('refuses an oversized frame from its header, before reading the payload (FRAME_TOO_LARGE)', async () => {
    const transport = await server({ maxFrameBytes: 1024 });
    // Through the client: the server closes with 1009 and says so.
    const accepted = nextConnection(transport);
    const connection = await client(transport.url);
    const peer = record(await accepted);
    const atClient = record(connection);
    connection.send(new Uint8Array(1024));
    connection.send(new Uint8Array(1025));
    expect(await within(peer.closed, 5000, 'server close')).toMatchObject({ code: CloseCode.FRAME_TOO_LARGE, local: true });
    expect(await within(atClient.closed, 5000, 'client close')).toMatchObject({ code: CloseCode.FRAME_TOO_LARGE, local: false });
    expect(peer.frames.map((f) => f.length)).toEqual([1024]);

    // Through a raw socket: a header that announces 10 MB, and no payload at all. The close
    // frame (1009) comes back although not one payload byte was sent.
    const socket = await rawHandshake(transport.port as number, 'token-alice');
    const header = Uint8Array.of(0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0x98, 0x96, 0x80, 1, 2, 3, 4); // len 10,000,000, masked
    socket.write(header);
    const reply = await within(readSome(socket, 4), 5000, 'close frame');
    expect([reply[0], (reply[2] as number) * 256 + (reply[3] as number)]).toEqual([0x88, CloseCode.FRAME_TOO_LARGE]);
    expect(transport.stats.oversizedRefused).toBe(2);
  });

  it('refuses text frames (UNSUPPORTED_DATA), at the server and at the client', async () => {
    const transport = await server();
    const accepted = nextConnection(transport);
    const raw = await rawClient(transport.url);
    const peer = record(await accepted);
    const rawClosed = new Promise<number>((resolve) => raw.once('close', resolve));
    raw.send('hello');
    expect(await within(peer.closed, 5000, 'server close')).toMatchObject({ code: CloseCode.UNSUPPORTED_DATA, local: true });
    expect(await within(rawClosed, 5000, 'raw close')).toBe(CloseCode.UNSUPPORTED_DATA);
    expect(transport.stats.textRefused).toBe(1);

    const plain = new RawServer({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => new Promise((r) => plain.close(r)));
    await new Promise((r) => plain.once('listening', r));
    plain.on('connection', (socket) => socket.send('a text frame'));
    const connection = await connectWebSocket(`ws://127.0.0.1:${(plain.address() as { port: number }).port}/`);
    expect(await within(record(connection).closed, 5000, 'client close')).toMatchObject({ code: CloseCode.UNSUPPORTED_DATA, local: true });
    expect(connection.stats.textRefused).toBe(1);
  });

  it('a client refuses an oversized frame from the server', async () => {
    const plain = new RawServer({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => new Promise((r) => plain.close(r)));
    await new Promise((r) => plain.once('listening', r));
    plain.on('connection', (socket) => socket.send(new Uint8Array(2048)));
    const connection = await connectWebSocket(`ws://127.0.0.1:${(plain.address() as { port: number }).port}/`, { maxFrameBytes: 2047 });
    expect(await within(record(connection).closed, 5000, 'close')).toMatchObject({ code: CloseCode.FRAME_TOO_LARGE, local: true });
  });

  it('refuses unauthenticated connections before any WebSocket exists (401; a throwing hook 500; a slow one 503)', async () => {
    let slowSignal: AbortSignal | undefined;
    const transport = await server({
      authenticateTimeoutMs: 200,
      authenticate: async (request, { signal }) => {
        const token = String(request.headers.authorization);
        if (token === 'throw') throw new Error('hook bug');
        if (token === 'number') return 42 as unknown as string;
        if (token === 'slow') {
          slowSignal = signal;
          await new Promise((r) => setTimeout(r, 2000));
        }
        return TOKENS.get(token) ?? null;
      },
    });
    let handed = 0;
    transport.onConnection = () => handed++;
    for (const [token, status] of [['wrong', 401], ['throw', 500], ['number', 500], ['slow', 503]] as const) {
      const error = await connectWebSocket(transport.url, { headers: { authorization: token } }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'TRANSPORT_FAILED' });
      expect(String((error as Error).message)).toContain(String(status));
    }
    expect(slowSignal?.aborted).toBe(true);
    expect(handed).toBe(0);
    expect(transport.stats).toMatchObject({ connectionsRefused: 4, authenticationErrors: 2, connectionsAccepted: 0 });
  });

  it('reports a socket destroyed without a close handshake as ABNORMAL, on both sides', async () => {
    const transport = await server();
    const accepted = nextConnection(transport);
    const raw = await rawClient(transport.url);
    const peer = record(await accepted);
    raw.terminate(); // destroys the TCP socket: no close frame
    expect(await within(peer.closed, 5000, 'server close')).toEqual({ code: CloseCode.ABNORMAL, reason: '', local: false });

    const plain = new RawServer({ port: 0, host: '127.0.0.1' });
    cleanups.push(() => new Promise((r) => plain.close(r)));
    await new Promise((r) => plain.once('listening', r));
    plain.on('connection', (socket) => setTimeout(() => socket.terminate(), 20));
    const connection = await connectWebSocket(`ws://127.0.0.1:${(plain.address() as { port: number }).port}/`);
    expect(await within(record(connection).closed, 5000, 'client close')).toMatchObject({ code: CloseCode.ABNORMAL, local: false });
  });

  it('closes a peer that stops answering pings (heartbeat) with ABNORMAL', async () => {
    const transport = await server({ heartbeatMs: 100 });
    const accepted = nextConnection(transport);
    const raw = await rawClient(transport.url, 'token-alice', { autoPong: false });
    const peer = record(await accepted);
    const rawClosed = new Promise<number>((resolve) => raw.once('close', resolve));
    expect(await within(peer.closed, 5000, 'heartbeat')).toMatchObject({ code: CloseCode.ABNORMAL, reason: 'no answer to ping', local: true });
    expect(await within(rawClosed, 5000, 'raw close')).toBe(CloseCode.ABNORMAL);
  });

  it('closes a connection whose peer does not read, once bufferedAmount passes maxBufferedBytes', async () => {
    const transport = await server({ maxBufferedBytes: 1 << 20 });
    const accepted = nextConnection(transport);
    const raw = await rawClient(transport.url);
    (raw as unknown as { _socket: Socket })._socket.pause(); // the client stops reading
    const peer = await accepted;
    const seen = record(peer);
    const frame = new Uint8Array(256 * 1024);
    let sent = 0;
    let buffered = 0;
    while (sent < 400 && peer.send(frame)) {
      sent++;
      buffered = Math.max(buffered, peer.bufferedAmount);
      await new Promise((r) => setImmediate(r));
    }
    expect(sent).toBeLessThan(400);
    expect(buffered).toBeGreaterThan(1 << 20);
    expect(await within(seen.closed, 5000, 'close')).toMatchObject({ code: CloseCode.POLICY_VIOLATION, local: true });
  });

  it('close() says GOING_AWAY to every client, resolves, and refuses what comes after', async () => {
    const transport = await server();
    const accepted = nextConnection(transport);
    const connection = await client(transport.url);
    await accepted;
    const closed = record(connection).closed;
    await within(transport.close(), 5000, 'server close');
    expect(await within(closed, 5000, 'client close')).toEqual({ code: CloseCode.GOING_AWAY, reason: 'server closing', local: false });
    expect(transport.port).toBe(null);
    await expect(connectWebSocket(transport.url)).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
  });

  it('attaches to an http server of the caller: takes its path, leaves other paths and the server alone', async () => {
    const http: Server = createServer((_, response) => response.end('plain http'));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => http.close(r)));
    const port = (http.address() as { port: number }).port;
    const transport = await listenWebSocket({ server: http, path: '/secagg', heartbeatMs: 0, authenticate: () => 'anyone' });
    cleanups.push(() => transport.close());
    expect(transport.port).toBe(port);
    const accepted = nextConnection(transport);
    const connection = await client(`ws://127.0.0.1:${port}/secagg?room=1`);
    expect(connection.identity).toBe(`ws://127.0.0.1:${port}/secagg`);
    expect((await accepted).identity).toBe('anyone');
    await expect(connectWebSocket(`ws://127.0.0.1:${port}/other`)).rejects.toMatchObject({ code: 'TRANSPORT_FAILED', message: expect.stringContaining('404') });
    await transport.close();
    expect(http.listening).toBe(true);
    expect(http.listenerCount('upgrade')).toBe(0);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('plain http');
  });

  it('waits take an AbortSignal: an aborted connect rejects with ABORTED, and the server hook sees its signal fire', async () => {
    let hookSignal: AbortSignal | undefined;
    const transport = await server({
      authenticate: (_request, { signal }) => {
        hookSignal = signal;
        return new Promise((resolve) => signal.addEventListener('abort', () => resolve(null)));
      },
    });
    await expect(connectWebSocket(transport.url, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    const controller = new AbortController();
    const attempt = connectWebSocket(transport.url, { signal: controller.signal });
    await within(new Promise<void>((r) => { const t = setInterval(() => hookSignal && (clearInterval(t), r()), 5); }), 5000, 'hook called');
    controller.abort(new Error('user cancelled'));
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ABORTED', cause: expect.objectContaining({ message: 'user cancelled' }) });
    await within(new Promise<void>((r) => { const t = setInterval(() => hookSignal?.aborted && (clearInterval(t), r()), 5); }), 5000, 'hook aborted');
    await expect(listenWebSocket({ port: 0, authenticate: () => 'x', signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('rejects bad options with codes, and a taken port with TRANSPORT_FAILED', async () => {
    const transport = await server();
    const auth = (): string => 'x';
    await expect(listenWebSocket({ port: transport.port as number, host: '127.0.0.1', authenticate: auth })).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
    await expect(listenWebSocket(undefined as never)).rejects.toMatchObject({ code: 'INVALID_TYPE' });
    await expect(listenWebSocket({ port: 0 } as never)).rejects.toMatchObject({ code: 'INVALID_TYPE' });
    await expect(listenWebSocket({ authenticate: auth } as never)).rejects.toMatchObject({ code: 'INVALID_TYPE' });
    await expect(listenWebSocket({ port: 0, server: createServer(), authenticate: auth })).rejects.toMatchObject({ code: 'INVALID_TYPE' });
    await expect(listenWebSocket({ port: 70_000, authenticate: auth })).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
    await expect(listenWebSocket({ port: 0, authenticate: auth, path: 'x' })).rejects.toMatchObject({ code: 'INVALID_TYPE' });
    await expect(listenWebSocket({ port: 0, authenticate: auth, heartbeat: 1 } as never)).rejects.toMatchObject({ code: 'UNKNOWN_OPTION' });
    await expect(listenWebSocket({ port: 0, authenticate: auth, maxFrameBytes: 0 })).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
    await expect(connectWebSocket('http://127.0.0.1/')).rejects.toMatchObject({ code: 'INVALID_TYPE' });
    await expect(connectWebSocket('not a url')).rejects.toMatchObject({ code: 'INVALID_TYPE' });
    await expect(connectWebSocket(5 as never)).rejects.toMatchObject({ code: 'INVALID_TYPE' });
    await expect(connectWebSocket(transport.url, { protocols: [''] })).rejects.toMatchObject({ code: 'INVALID_TYPE' });
    await expect(connectWebSocket(transport.url, { headers: { a: 1 } as never })).rejects.toMatchObject({ code: 'INVALID_TYPE' });
    await expect(connectWebSocket(transport.url, { signal: {} as never })).rejects.toMatchObject({ code: 'INVALID_TYPE' });
    await expect(connectWebSocket(transport.url, { timeout: 1 } as never)).rejects.toMatchObject({ code: 'UNKNOWN_OPTION' });
    await expect(connectWebSocket('ws://127.0.0.1:1/')).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
  });
});

/** A throwaway CA, a server certificate for 127.0.0.1 and a client certificate (CN=alice), by openssl. */
function certificates(): Record<'ca' | 'serverKey' | 'serverCert' | 'clientKey' | 'clientCert', string> {
  const dir = mkdtempSync(join(tmpdir(), 'secagg-tls-'));
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  try {
    run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=secagg test CA');
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    for (const [name, cn, ext] of [['server', 'localhost', ['-extfile', 'san.ext']], ['client', 'alice', []]] as const) {
      run('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
      run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', ...ext);
    }
    const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
    return { ca: read('ca.crt'), serverKey: read('server.key'), serverCert: read('server.crt'), clientKey: read('client.key'), clientCert: read('client.crt') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('wss with mutual TLS (an https server of the caller, openssl certificates)', () => {
  it('authenticates the client by its certificate; an unknown CA or a missing client certificate fails', async () => {
    const pem = certificates();
    const https = createHttpsServer({ key: pem.serverKey, cert: pem.serverCert, ca: pem.ca, requestCert: true, rejectUnauthorized: true });
    await new Promise<void>((r) => https.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => (https.closeAllConnections(), https.close(r))));
    const transport = await listenWebSocket({
      server: https,
      heartbeatMs: 0,
      authenticate: (request) => {
        const socket = request.socket as TLSSocket;
        const subject = socket.authorized ? socket.getPeerCertificate().subject?.CN : undefined;
        return typeof subject === 'string' ? subject : null;
      },
    });
    cleanups.push(() => transport.close());
    const url = `wss://127.0.0.1:${(https.address() as { port: number }).port}/`;
    const accepted = nextConnection(transport);
    const connection = await connectWebSocket(url, { tls: { ca: pem.ca, cert: pem.clientCert, key: new TextEncoder().encode(pem.clientKey) } });
    cleanups.push(() => connection.close());
    const peer = await accepted;
    expect(peer.identity).toBe('alice');
    connection.send(bytes(1, 2, 3));
    expect(await within(record(peer).next(1), 5000, 'frame over TLS')).toEqual([bytes(1, 2, 3)]);
    await expect(connectWebSocket(url, { tls: { cert: pem.clientCert, key: pem.clientKey } })).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
    await expect(connectWebSocket(url, { tls: { ca: pem.ca } })).rejects.toMatchObject({ code: 'TRANSPORT_FAILED' });
    await expect(connectWebSocket(url, { tls: { rejectUnauthorized: false } as never })).rejects.toMatchObject({ code: 'UNKNOWN_OPTION' });
    await expect(connectWebSocket(url, { tls: { ca: 5 } as never })).rejects.toMatchObject({ code: 'INVALID_TYPE' });
  });
});

describe('loading ws', () => {
  it('without ws, secagg/transport/ws imports, and connecting or listening rejects with UNSUPPORTED_ENVIRONMENT naming `npm install ws` (child process)', async () => {
    const out = await runChild(fixture('no-ws.ts'), { timeoutMs: 20_000 });
    expect(out.code, out.stderr).toBe(0);
    const [imported, connect, listen, browser] = out.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(imported).toEqual({ imported: 'function' });
    for (const use of [connect, listen]) {
      expect(use).toMatchObject({ name: 'SecAggError', code: 'UNSUPPORTED_ENVIRONMENT', cause: 'ERR_MODULE_NOT_FOUND' });
      expect(use?.['message']).toContain('npm install ws');
    }
    expect(browser).toEqual({ browserEntry: 'function' });
  }, 25_000);

  it('refuses a module that is not ws 8', async () => {
    await expect(loadWs(() => Promise.reject(new Error('x')))).rejects.toMatchObject({ code: 'UNSUPPORTED_ENVIRONMENT' });
    await expect(loadWs(() => Promise.resolve({ default: {} }))).rejects.toMatchObject({ code: 'UNSUPPORTED_ENVIRONMENT' });
  });
});

describe('the browser entry over a WHATWG WebSocket (Node 20 --experimental-websocket, child process)', () => {
  it('connects with a subprotocol token, round-trips frames byte-exact, refuses headers and tls, closes', async () => {
    const transport = await server({
      maxFrameBytes: 1 << 20,
      authenticate: (request) => {
        const offered = String(request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
        return offered[0] === 'secagg' ? (TOKENS.get(offered[1] ?? '') ?? null) : null;
      },
    });
    transport.onConnection = (connection) => {
      connection.onFrame = (frame) => connection.send(frame);
    };
    const out = await runChild(fixture('native-client.ts'), { nodeArgs: ['--experimental-websocket', '--no-warnings'], args: [transport.url, 'token-bob'], timeoutMs: 20_000 });
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({
      native: true,
      headers: 'UNSUPPORTED_ENVIRONMENT',
      tls: 'UNSUPPORTED_ENVIRONMENT',
      identity: transport.url,
      exact: true,
      close: { code: 4000, reason: 'native done', local: true },
    });
  }, 25_000);
});

/** Opens a TCP socket and completes a WebSocket handshake by hand (for frames no client would send). */
async function rawHandshake(port: number, token: string): Promise<Socket> {
  const socket = tcpConnect(port, '127.0.0.1');
  cleanups.push(() => socket.destroy());
  await new Promise((r) => socket.once('connect', r));
  socket.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: ${token}\r\n\r\n`,
  );
  let head = '';
  while (!head.includes('\r\n\r\n')) head += (await readSome(socket, 1)).toString();
  expect(head.startsWith('HTTP/1.1 101')).toBe(true);
  return socket;
}

/** Resolves with the next chunk of at least `min` bytes. */
function readSome(socket: Socket, min: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      got = Buffer.concat([got, d]);
      if (got.length >= min) {
        socket.off('data', onData);
        socket.off('error', reject);
        resolve(got);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

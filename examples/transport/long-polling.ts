/**
 * A complete transport adapter for HTTP long-polling, in one file: what docs/session.md
 * ("Transports") walks through, and what test/transport/long-polling.test.ts runs. Use it where
 * WebSockets cannot pass (some proxies); the session layer does not know the difference.
 *
 * The protocol, under a path prefix (e.g. `/secagg`), every request authenticated afresh:
 *   POST /open          -> 200, body: a random connection id (unguessable, bound to the identity)
 *   POST /send?id=      body: one frame; 413 when Content-Length is over maxFrameBytes (unread)
 *   GET  /poll?id=      -> 200, body: frames as [u32 big-endian length][bytes]... (empty after
 *                          pollMs), or 410 with x-close-code / x-close-reason once closed
 *   POST /close?id=&code=&reason=
 *
 * In your project, import from 'secagg/transport' instead of the relative path.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CloseCode, createConnection, type Connection, type ConnectionController, type ServerTransport } from '../../src/transport/index.js';

type Authenticate = (request: IncomingMessage) => string | null | Promise<string | null>;
interface Polled {
  readonly id: string;
  readonly identity: string;
  readonly controller: ConnectionController;
  readonly outbox: Uint8Array[];
  poll: { response: ServerResponse; timer: ReturnType<typeof setTimeout> } | null;
  closed: { code: number; reason: string } | null;
}

/** Frames as [u32 length][bytes]..., the body of a poll. */
function pack(frames: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(frames.reduce((n, f) => n + 4 + f.length, 0));
  let at = 0;
  for (const f of frames) {
    new DataView(out.buffer).setUint32(at, f.length);
    out.set(f, at + 4);
    at += 4 + f.length;
  }
  return out;
}

/** The server side: route your http server's requests to `handle`; hand `transport` to the session. */
export function createLongPollingServer(options: { path: string; authenticate: Authenticate; maxFrameBytes: number; pollMs?: number }): {
  transport: ServerTransport;
  handle(request: IncomingMessage, response: ServerResponse): boolean;
} {
  const { path, authenticate, maxFrameBytes, pollMs = 25_000 } = options;
  const connections = new Map<string, Polled>();
  let closing = false;

  /** Answers the waiting poll, if there is something to say: frames first, then the close. */
  const answer = (p: Polled): void => {
    if (p.poll === null || (p.outbox.length === 0 && p.closed === null)) return;
    const { response, timer } = p.poll;
    clearTimeout(timer);
    p.poll = null;
    if (p.outbox.length > 0) return void response.writeHead(200).end(pack(p.outbox.splice(0)));
    response.writeHead(410, { 'x-close-code': String(p.closed?.code), 'x-close-reason': encodeURIComponent(p.closed?.reason ?? '') }).end();
    connections.delete(p.id); // the client knows: forget it
  };

  const open = (identity: string, handler: (connection: Connection) => void): string => {
    const p: Polled = {
      id: randomBytes(16).toString('hex'),
      identity,
      outbox: [],
      poll: null,
      closed: null,
      controller: createConnection(identity, {
        write: (frame) => (p.outbox.push(frame), answer(p)),
        close: (code, reason) => ((p.closed = { code, reason }), answer(p)),
        bufferedAmount: () => p.outbox.reduce((n, f) => n + f.length, 0),
      }, { maxFrameBytes }),
    };
    connections.set(p.id, p);
    handler(p.controller.connection);
    return p.id;
  };

  const route = async (request: IncomingMessage, response: ServerResponse, action: string, id: string, query: URLSearchParams): Promise<void> => {
    const identity = await authenticate(request);
    if (identity === null) return void response.writeHead(401).end();
    if (action === '/open') {
      const handler = transport.onConnection;
      if (closing || handler === null) return void response.writeHead(503).end();
      return void response.writeHead(200).end(open(identity, handler));
    }
    const p = connections.get(id);
    if (p === undefined || p.identity !== identity) return void response.writeHead(404).end();
    if (action === '/send') {
      const length = Number(request.headers['content-length']);
      if (!Number.isSafeInteger(length)) return void response.writeHead(411).end();
      if (length > maxFrameBytes) {
        p.controller.refuseOversized(); // refused before a byte of the body is read
        return void response.writeHead(413, { connection: 'close' }).end();
      }
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      p.controller.receive(new Uint8Array(Buffer.concat(chunks)));
      return void response.writeHead(204).end();
    }
    if (action === '/poll') {
      if (p.poll !== null) clearTimeout(p.poll.timer), p.poll.response.writeHead(200).end(); // replaced by this one
      const timer = setTimeout(() => ((p.poll = null), response.writeHead(200).end()), pollMs);
      p.poll = { response, timer };
      response.once('close', () => p.poll?.response === response && (clearTimeout(timer), (p.poll = null)));
      return answer(p);
    }
    if (action === '/close') {
      p.controller.closed(Number(query.get('code')), query.get('reason') ?? '');
      connections.delete(id);
      return void response.writeHead(204).end();
    }
    response.writeHead(404).end();
  };

  const transport: ServerTransport = {
    onConnection: null,
    async close() {
      closing = true;
      // Each client learns it at its next poll (410), and is forgotten then.
      for (const p of connections.values()) p.controller.end(CloseCode.GOING_AWAY, 'server closing');
    },
  };
  return {
    transport,
    handle(request, response) {
      const url = new URL(request.url ?? '/', 'http://localhost');
      if (!url.pathname.startsWith(`${path}/`)) return false;
      const action = url.pathname.slice(path.length);
      route(request, response, action, url.searchParams.get('id') ?? '', url.searchParams).catch(() => response.destroy());
      return true;
    },
  };
}

/** The client side: resolves with the open connection; polls until it closes. */
export async function connectLongPolling(base: string, options: { headers?: Record<string, string>; maxFrameBytes: number; signal?: AbortSignal }): Promise<Connection> {
  const headers = options.headers ?? {};
  const opened = await fetch(`${base}/open`, { method: 'POST', headers, ...(options.signal ? { signal: options.signal } : {}) });
  if (opened.status !== 200) throw new Error(`long-polling open refused: HTTP ${opened.status}`);
  const id = await opened.text();
  const stop = new AbortController();
  let sending: Promise<unknown> = Promise.resolve();
  let unsent = 0;
  const controller = createConnection(base, {
    write(frame) {
      // One request at a time, so that frames arrive in order.
      unsent += frame.length;
      sending = sending
        .then(() => fetch(`${base}/send?id=${id}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/octet-stream' }, body: frame, signal: stop.signal }))
        .then((r) => r.status === 204 || controller.closed(r.status === 413 ? CloseCode.FRAME_TOO_LARGE : CloseCode.ABNORMAL, `HTTP ${r.status}`))
        .catch(() => controller.closed(CloseCode.ABNORMAL, 'send failed'))
        .finally(() => (unsent -= frame.length));
    },
    close(code, reason) {
      const query = new URLSearchParams({ id, code: String(code), reason });
      void sending.then(() => fetch(`${base}/close?${query}`, { method: 'POST', headers })).catch(() => {}).finally(() => stop.abort());
    },
    bufferedAmount: () => unsent,
  }, { maxFrameBytes: options.maxFrameBytes });

  void (async () => {
    while (!controller.connection.closed) {
      const response = await fetch(`${base}/poll?id=${id}`, { headers, signal: stop.signal }).catch(() => null);
      if (response === null) return controller.closed(CloseCode.ABNORMAL, 'poll failed');
      if (response.status === 410) return controller.closed(Number(response.headers.get('x-close-code')), decodeURIComponent(response.headers.get('x-close-reason') ?? ''));
      if (response.status !== 200) return controller.closed(CloseCode.ABNORMAL, `HTTP ${response.status}`);
      const body = new Uint8Array(await response.arrayBuffer());
      const view = new DataView(body.buffer);
      for (let at = 0; at + 4 <= body.length; ) {
        const length = view.getUint32(at);
        if (length > options.maxFrameBytes) return controller.refuseOversized();
        controller.receive(body.subarray(at + 4, at + 4 + length));
        at += 4 + length;
      }
    }
  })();
  return controller.connection;
}

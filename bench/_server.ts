/**
 * A server state right before the close of its unmasking round, with real keys and real Shamir
 * shares (synthetic masked vectors), for bench/protocol.ts: the server and parallel sections
 * close clones of it.
 */
import {
  clientAdvertiseKeys,
  createClient,
  createServer,
  createSessionConfig,
  encodeMessage,
  serverCloseRound,
  serverReceive,
  type ClientState,
  type ServerState,
} from '../src/protocol/index.js';
import { deterministicRandomBytes } from '../src/testing/index.js';
import { splitSecret } from '../src/shamir/index.js';

const now = (): number => performance.now();

/** A deterministic vector of `length` elements below 2^bits. */
export function randomVector(length: number, bits: number, seedByte: number): Uint32Array {
  const bytes = deterministicRandomBytes(new Uint8Array(32).fill(seedByte))(length * 4);
  const v = new Uint32Array(bytes.buffer);
  if (bits < 32) for (let i = 0; i < length; i++) v[i] = (v[i] as number) & (2 ** bits - 1);
  return v;
}

/**
 * A server right before it closes the unmasking round: n clients, one vector of `length` 24-bit
 * elements, `dropout` of them dropping after shareKeys; the times of the steps that led there.
 * `liars` (survivor ids) reveal a random share for every owner they hold.
 */
export function serverAtUnmasking(n: number, length: number, dropout: number, liars: readonly number[] = []): { server: ServerState; receiveMasked: number; other: number } {
  const t = Math.ceil((2 * n) / 3);
  const config = createSessionConfig({
    clients: n,
    threshold: Math.min(t, Math.floor(n * (1 - dropout))),
    nonce: new Uint8Array(32).fill(4),
    vectors: [{ name: 'x', length, bits: 24 }],
  });
  const rng = deterministicRandomBytes(new Uint8Array(32).fill(5));
  let other = 0;
  let server: ServerState = createServer(config);
  const maskingKeys: Uint8Array[] = [];
  for (let id = 1; id <= n; id++) {
    const step = clientAdvertiseKeys(createClient(config, { id, rng }));
    const st = step.state as Extract<ClientState, { round: 'shareKeys' }>;
    maskingKeys[id] = st.keys.maskingPrivateKey;
    const t0 = now();
    server = serverReceive(server, step.outbox[0] as never).state;
    other += now() - t0;
  }
  let t0 = now();
  let closed = serverCloseRound(server);
  other += now() - t0;
  server = closed.state;
  const sid = server.round === 'shareKeys' ? (server.sessionId as Uint8Array) : new Uint8Array(32);
  const ct = new Uint8Array(88);
  for (let id = 1; id <= n; id++) {
    t0 = now();
    server = serverReceive(server, { type: 'shareKeys', sender: id, sessionId: sid, ciphertexts: new Array(n - 1).fill(ct) }).state;
    other += now() - t0;
  }
  t0 = now();
  server = serverCloseRound(server).state;
  other += now() - t0;
  const dropped = Math.round(n * dropout);
  const survivors = Array.from({ length: n - dropped }, (_, i) => i + 1);
  const y = randomVector(length, 24, 6);
  t0 = now();
  for (const id of survivors) server = serverReceive(server, { type: 'maskedInput', sender: id, sessionId: sid, vectors: [y] }).state;
  const receiveMasked = (now() - t0) / 1000;
  t0 = now();
  closed = serverCloseRound(server);
  other += now() - t0;
  server = closed.state;
  // Real shares: b_u for survivors, the masking private key for dropped clients, at every holder.
  const all = Array.from({ length: n }, (_, i) => i + 1);
  const revealed: Uint8Array[][] = survivors.map(() => []);
  for (let owner = 1; owner <= n; owner++) {
    const secret = owner <= survivors.length ? rng(32) : (maskingKeys[owner] as Uint8Array);
    const shares = splitSecret(secret, { threshold: config.threshold, holders: all, rng });
    for (let w = 1; w <= survivors.length; w++) (revealed[w - 1] as Uint8Array[])[owner - 1] = (shares[w - 1] as { y: Uint8Array }).y;
  }
  for (const w of liars) revealed[w - 1] = (revealed[w - 1] as Uint8Array[]).map(() => rng(32));
  for (const w of survivors) {
    t0 = now();
    server = serverReceive(server, { type: 'unmasking', sender: w, sessionId: sid, shares: revealed[w - 1] as Uint8Array[] }).state;
    other += now() - t0;
  }
  return { server, receiveMasked, other: other / 1000 };
}


/**
 * A server collecting masked inputs (n clients, one vector of `length` elements at `bits`), and
 * each client's masked-input message as bytes (synthetic vectors), for the ingest benchmark.
 */
export function serverAtMaskedInput(n: number, length: number, bits: number): { server: ServerState; messages: Uint8Array[] } {
  const config = createSessionConfig({ clients: n, threshold: Math.ceil((2 * n) / 3), nonce: new Uint8Array(32).fill(6), vectors: [{ name: 'x', length, bits }] });
  const rng = deterministicRandomBytes(new Uint8Array(32).fill(7));
  let server: ServerState = createServer(config);
  for (let id = 1; id <= n; id++) server = serverReceive(server, clientAdvertiseKeys(createClient(config, { id, rng })).outbox[0] as never).state;
  server = serverCloseRound(server).state;
  const sid = (server as { sessionId: Uint8Array }).sessionId;
  const ct = new Uint8Array(88);
  for (let id = 1; id <= n; id++) server = serverReceive(server, { type: 'shareKeys', sender: id, sessionId: sid, ciphertexts: new Array(n - 1).fill(ct) }).state;
  server = serverCloseRound(server).state;
  const messages = Array.from({ length: n }, (_, i) =>
    encodeMessage({ type: 'maskedInput', sender: i + 1, sessionId: sid, vectors: [randomVector(length, bits, 40 + (i % 50))] }, config),
  );
  return { server, messages };
}

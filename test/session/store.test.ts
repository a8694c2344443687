/**
 * The client's store: linearity across crashes (a client killed between any two steps and
 * restarted from its store never answers one request two ways: never two masked inputs, never
 * two reveals), and stored records read like network input (truncated, torn, altered, stale:
 * refused with a code, never stepped).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalBytes } from '../../src/_bytes.js';
import { ed25519PublicKey } from '../../src/crypto/index.js';
import {
  clientAdvertiseKeys,
  clientReceive,
  createServer,
  decodeClientMessage,
  decodeServerMessage,
  deriveSessionConfig,
  encodeMessage,
  joinRound,
  serverCloseRound,
  serverReceive,
  type ClientState,
  type Outgoing,
  type ServerMessage,
  type ServerState,
  type SessionConfig,
} from '../../src/protocol/index.js';
import { decodeFrame, encodeFrame } from '../../src/session/_frames.js';
import { decodeRecord, encodeRecord } from '../../src/session/_record.js';
import { specDigestOf } from '../../src/session/spec-codec.js';
import { ClientSession, createSessionSpec, type ClientStore, type SessionSpec } from '../../src/session/index.js';
import { createMemoryPair, type MemoryConnection } from '../../src/transport/memory.js';
import { sumVectors } from '../../src/vector/index.js';
import { settle, smallSpec, SteeredConnection } from './_helpers.js';

/** A store in memory, with every save kept. */
function memoryStore(): ClientStore & { saves: Uint8Array[]; bytes: Uint8Array | null } {
  const store = {
    saves: [] as Uint8Array[],
    bytes: null as Uint8Array | null,
    load: async () => store.bytes,
    save: async (b: Uint8Array) => {
      store.saves.push(Uint8Array.from(b));
      store.bytes = Uint8Array.from(b);
    },
  };
  return store;
}

const vectorOf = (spec: SessionSpec, seed: number): Uint32Array =>
  Uint32Array.from({ length: (spec.policy.vectors[0] as { length: number }).length }, (_, k) => (seed * 31 + k * 7) % 4096);

/**
 * The scripted server of the crash tests: the core server state of one round, pure clients for
 * members 1..n-1, and the session client (member 0, id 1) behind a memory end. It records every
 * frame member 0 sent.
 */
class Script {
  readonly spec: SessionSpec;
  readonly config: SessionConfig;
  readonly parameters;
  readonly inputs: Uint32Array[];
  readonly fromClient: Uint8Array[] = [];
  /** The requests sent to member 0, in order (offer first). */
  readonly requests: Uint8Array[] = [];
  server: ServerState;
  readonly others = new Map<number, ClientState>();
  end: MemoryConnection | null = null;
  #waiters: (() => void)[] = [];

  constructor(spec: SessionSpec, signingKeys: Uint8Array[] | null) {
    this.spec = spec;
    const n = (spec.policy.registry as { size?: number }).size ?? (signingKeys as Uint8Array[]).length;
    this.parameters = { cohort: Array.from({ length: n }, (_, i) => i), nonce: new Uint8Array(32).fill(9), beaconRound: null };
    this.config = deriveSessionConfig(spec.policy, this.parameters);
    this.inputs = Array.from({ length: n }, (_, i) => vectorOf(spec, i + 1));
    this.server = createServer(this.config);
    for (let id = 2; id <= n; id++) {
      const joined = joinRound(spec.policy, this.config, { member: id - 1, ...(signingKeys === null ? {} : { signingKey: signingKeys[id - 1] as Uint8Array }) });
      const step = clientAdvertiseKeys(joined);
      this.others.set(id, step.state);
      for (const m of step.outbox) this.server = serverReceive(this.server, m).state;
    }
  }

  /** A new link for a (re)started client; frames it sends are recorded. */
  link(): MemoryConnection {
    const [server, client] = createMemoryPair({ left: 'server', right: 'client-0' });
    this.end = server;
    server.onFrame = (frame) => {
      this.fromClient.push(frame);
      for (const w of this.#waiters.splice(0)) w();
    };
    return client;
  }

  /** Sends a request to member 0 (recorded for replays unless `replay`). */
  send(frame: Uint8Array, replay = false): void {
    if (!replay) this.requests.push(frame);
    this.end?.send(frame);
  }

  offer(): Uint8Array {
    return encodeFrame({ kind: 'offer', round: 1, parameters: this.parameters });
  }

  /** Waits until member 0 sent `count` frames in all, or a while (a killed client sends nothing). */
  async frames(count: number): Promise<void> {
    for (let i = 0; i < 40 && this.fromClient.length < count; i++) {
      await Promise.race([new Promise<void>((r) => this.#waiters.push(r)), settle(3)]);
    }
  }

  /** Member 0's protocol messages of round 1, decoded. */
  clientMessages(): Uint8Array[] {
    return this.fromClient.map((f) => decodeFrame(f)).flatMap((f) => (f.kind === 'protocol' && f.round === 1 ? [f.message] : []));
  }

  /** Feeds member 0's first answer of the current round to the server, if it sent one. */
  deliverClient(type: string): void {
    const answer = this.clientMessages().find((m) => decodeClientMessage(m, this.config).type === type);
    if (answer !== undefined) this.server = serverReceive(this.server, decodeClientMessage(answer, this.config)).state;
  }

  /** Closes the round; pure clients answer their requests; returns member 0's requests (as frames). */
  close(): Uint8Array[] {
    const step = serverCloseRound(this.server);
    this.server = step.state;
    const mine: Uint8Array[] = [];
    for (const out of step.outbox as Outgoing[]) {
      for (const to of out.to) {
        if (to === 1) {
          mine.push(encodeFrame({ kind: 'protocol', round: 1, message: encodeMessage(out.message, this.config) }));
          continue;
        }
        const state = this.others.get(to) as ClientState;
        const reply = clientReceive(state, out.message, { input: { update: this.inputs[to - 1] as Uint32Array } });
        this.others.set(to, reply.state);
        for (const m of reply.outbox) this.server = serverReceive(this.server, m).state;
      }
    }
    return mine;
  }
}

/** A request of the same round that differs from `frame` (what a server shows to split a client). */
function conflicting(script: Script, frame: Uint8Array): Uint8Array | null {
  const f = decodeFrame(frame);
  if (f.kind !== 'protocol') return null;
  const m = decodeServerMessage(f.message);
  let changed: ServerMessage;
  if (m.type === 'unmaskingRequest') {
    // The last survivor moved to the dropped: the client would reveal its masking key instead.
    const moved = m.survivors.at(-1) as number;
    changed = { ...m, survivors: m.survivors.filter((x) => x !== moved), dropped: [...m.dropped, moved].sort((a, b) => a - b) };
  } else if (m.type === 'encryptedShares') {
    changed = { ...m, senders: m.senders.slice(0, -1), ciphertexts: m.ciphertexts.slice(0, -1) };
  } else if (m.type === 'consistencyRequest') {
    changed = { ...m, survivors: m.survivors.slice(1) };
  } else if (m.type === 'advertisedKeys') {
    const keys = Uint8Array.from(m.maskingPublicKeys);
    keys[keys.length - 1] = (keys[keys.length - 1] as number) ^ 1;
    changed = { ...m, maskingPublicKeys: keys };
  } else return null;
  return encodeFrame({ kind: 'protocol', round: 1, message: encodeMessage(changed, script.config) });
}

type KillMode = 'beforeSave' | 'afterSave' | 'afterSend';
type Adversary = 'replay' | 'conflictFirst' | 'conflictLast';
const adversaries = fc.constantFrom<Adversary>('replay', 'conflictFirst', 'conflictLast');

/**
 * One crash: member 0 runs honestly until it is killed at its `step`-th answer (`mode`), is
 * restarted from its store with another update, and the server replays every request it sent,
 * then a conflicting variant of the last one, then continues honestly. Returns the script.
 */
async function crashRun(active: boolean, step: number, mode: KillMode, adversary: Adversary): Promise<{ script: Script; completedWith: number[] | null }> {
  const n = 4;
  const seeds = active ? Array.from({ length: n }, (_, i) => new Uint8Array(32).fill(40 + i)) : null;
  const spec = active
    ? createSessionSpec({
        policy: { registry: { verificationKeys: (seeds as Uint8Array[]).map((k) => ed25519PublicKey(k)) }, active: true, corruptFraction: 0, dropoutFraction: 0.25, minClients: 3 },
        model: [{ name: 'w', length: 5 }],
        aggregation: { kind: 'sum', clip: 4, bits: 16 },
      })
    : smallSpec(n, { aggregation: { kind: 'sum', clip: 4, bits: 16 } });
  const script = new Script(spec, seeds);
  const store = memoryStore();
  let dead = false;
  let saves = 0;
  let killSave = -1;
  const killable: ClientStore = {
    load: () => store.load(),
    save: async (bytes) => {
      if (dead) return;
      saves++;
      if (saves - 1 === killSave && mode !== 'afterSend') {
        if (mode === 'afterSave') await store.save(bytes);
        dead = true; // the process dies: nothing more leaves it (what it sent before still lands)
        return;
      }
      await store.save(bytes);
    },
  };
  const start = (store: ClientStore, input: Uint32Array): ClientSession => {
    const link = new SteeredConnection(script.link());
    link.outgoing = () => (dead ? 'drop' : 'pass');
    const client = new ClientSession({ spec, member: 0, transport: async () => link.connection, store, deadlines: { offer: 5_000, round: 5_000 }, ...(seeds === null ? {} : { signingKey: seeds[0] as Uint8Array }) });
    void client.submit(input);
    return client;
  };

  // Phase 1: honest until the kill. Saves: the offer's answer is save 0, each later answer one more.
  killSave = step;
  const a = start(killable, script.inputs[0] as Uint32Array);
  await script.frames(1); // ready
  script.send(script.offer());
  const types = active ? ['advertiseKeys', 'shareKeys', 'maskedInput', 'consistencySignature', 'unmasking'] : ['advertiseKeys', 'shareKeys', 'maskedInput', 'unmasking'];
  let k = 0;
  for (; k < types.length; k++) {
    await script.frames(1 + script.clientMessages().length + 1);
    if (mode === 'afterSend' && k === step) dead = true;
    if (dead) break;
    script.deliverClient(types[k] as string);
    for (const request of script.close()) script.send(request);
  }
  script.end?.sever();
  await a.close();

  // Phase 2: restart from the store with another update; the server replays, then conflicts.
  const maskedBeforeCrash = store.bytes !== null && decodeRecord(store.bytes, { specDigest: specDigestOf(spec), member: 0 }).session?.input != null;
  dead = false;
  killSave = -1;
  const b = start(store, vectorOf(spec, 99));
  await settle(30);
  // The adversary: replays every request; with 'conflictFirst' it shows the restarted client a
  // different version of the last request before the original (the order that splits a client
  // whose record lags behind what it sent), with 'conflictLast' after it.
  const last = script.requests.at(-1);
  const other = last === undefined || adversary === 'replay' ? null : conflicting(script, last);
  for (const request of script.requests) {
    if (request === last && other !== null && adversary === 'conflictFirst') {
      script.send(other, true);
      await settle(10);
    }
    script.send(request, true);
    await settle(10);
  }
  if (other !== null && adversary === 'conflictLast') {
    script.send(other, true);
    await settle(20);
  }
  // Continue honestly: member 0's answer to the current request (from before or after the
  // restart) goes in, and the round runs to its end.
  let completedWith: number[] | null = null;
  for (let r = k; r < types.length && script.server.round !== 'completed' && script.server.round !== 'aborted'; r++) {
    script.deliverClient(types[r] as string);
    for (const request of script.close()) script.send(request);
    await settle(15);
  }
  while (script.server.round !== 'completed' && script.server.round !== 'aborted') script.close();
  if (script.server.round === 'completed') completedWith = [...script.server.result.included];
  if (script.server.round === 'completed') {
    // Member 0's input is the first update when that one was masked before the crash (the
    // record keeps it), else the restarted client's: never a mix of the two.
    const sum = script.server.result.sums['update'] as Uint32Array;
    const withInput = (x: Uint32Array): Uint32Array => sumVectors(completedWith?.map((id) => (id === 1 ? x : (script.inputs[id - 1] as Uint32Array))) ?? [], 16);
    const first = equalBytes(new Uint8Array(sum.buffer), new Uint8Array(withInput(script.inputs[0] as Uint32Array).buffer));
    const second = equalBytes(new Uint8Array(sum.buffer), new Uint8Array(withInput(vectorOf(spec, 99)).buffer));
    expect(first || second).toBe(true);
    if (maskedBeforeCrash) expect(first).toBe(true);
  }
  await b.close();
  return { script, completedWith };
}

describe('crash and resume from the store', () => {
  it('fast-check over kill points: a restarted client never answers a request two ways (passive)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 }), fc.constantFrom<KillMode>('beforeSave', 'afterSave', 'afterSend'), adversaries, async (step, mode, adversary) => {
        const { script } = await crashRun(false, step, mode, adversary);
        checkLinear(script);
      }),
      { numRuns: 36 },
    );
  });

  it('the same in the active variant (with the consistency round)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 4 }), fc.constantFrom<KillMode>('beforeSave', 'afterSave', 'afterSend'), adversaries, async (step, mode, adversary) => {
        const { script } = await crashRun(true, step, mode, adversary);
        checkLinear(script);
      }),
      { numRuns: 16 },
    );
  });

  it('killed after its masked input was sent and restarted with another update: the sum has the first input, never the second', async () => {
    const { script, completedWith } = await crashRun(false, 2, 'afterSend', 'replay');
    expect(completedWith).toEqual([1, 2, 3, 4]); // the sum check inside crashRun used the first input
    const masked = script.clientMessages().filter((m) => m[2] === 0x03);
    expect(masked.length).toBeGreaterThanOrEqual(2); // sent, then re-sent after the restart
    checkLinear(script);
  });
});

/** Member 0 never sent two different answers of one kind (two masked inputs, two reveals, ...). */
function checkLinear(script: Script): void {
  const byType = new Map<number, Uint8Array[]>();
  for (const m of script.clientMessages()) {
    const list = byType.get(m[2] as number) ?? [];
    if (!list.some((x) => equalBytes(x, m))) list.push(m);
    byType.set(m[2] as number, list);
  }
  for (const [type, distinct] of byType) expect(distinct.length, `message type ${type}`).toBe(1);
}

describe('stored records are read like network input', () => {
  async function liveRecord(): Promise<{ spec: SessionSpec; record: Uint8Array }> {
    const spec = smallSpec(4, { aggregation: { kind: 'sum', clip: 4, bits: 16 } });
    const script = new Script(spec, null);
    const store = memoryStore();
    const link = script.link();
    const client = new ClientSession({ spec, member: 0, transport: async () => link, store });
    void client.submit(script.inputs[0] as Uint32Array);
    await script.frames(1);
    script.send(script.offer());
    for (const type of ['advertiseKeys', 'shareKeys', 'maskedInput']) {
      await script.frames(1 + script.clientMessages().length + 1);
      script.deliverClient(type);
      for (const request of script.close()) script.send(request);
    }
    await script.frames(5);
    await client.close();
    const record = store.saves.find((s) => decodeRecord(s, { specDigest: specDigestOf(spec), member: 0 }).session?.steps.length === 3);
    return { spec, record: record as Uint8Array };
  }

  async function refusal(spec: SessionSpec, bytes: Uint8Array | null, member = 0): Promise<unknown> {
    const [, end] = createMemoryPair();
    const sent: Uint8Array[] = [];
    const onSend = end.send.bind(end);
    end.send = (f) => (sent.push(f), onSend(f));
    const client = new ClientSession({ spec, member, transport: end, store: { load: async () => bytes, save: async () => undefined } });
    try {
      await client.submit(vectorOf(spec, 1));
      return null;
    } catch (error) {
      expect(sent).toEqual([]); // refused before anything left
      return error;
    } finally {
      await client.close();
    }
  }

  it('a whole record resumes; truncated, torn, bit-flipped, versioned, foreign and altered records are refused with codes', async () => {
    const { spec, record } = await liveRecord();
    expect(record).toBeDefined();
    const digest = specDigestOf(spec);
    expect(decodeRecord(record, { specDigest: digest, member: 0 }).session?.input).not.toBeNull();
    // Truncated anywhere, or any byte flipped: the checksum or the layout refuses it.
    for (let cut = 0; cut < record.length; cut += Math.max(1, Math.floor(record.length / 40))) {
      expect(await refusal(spec, record.subarray(0, cut))).toMatchObject({ code: 'INVALID_RECORD' });
    }
    for (const at of [0, 1, 5, 40, 100, record.length - 1]) {
      const flipped = Uint8Array.from(record);
      flipped[at] = (flipped[at] as number) ^ 0x10;
      expect(await refusal(spec, flipped)).toMatchObject({ code: 'INVALID_RECORD' });
    }
    const versioned = Uint8Array.from(record);
    versioned[2] = 2;
    expect(await refusal(spec, versioned)).toMatchObject({ code: 'UNSUPPORTED_VERSION' });
    // Another registry entry's, or another spec's (stale).
    expect(await refusal(spec, record, 1)).toMatchObject({ code: 'INVALID_RECORD' });
    const other = smallSpec(4, { aggregation: { kind: 'sum', clip: 3, bits: 16 } });
    expect(await refusal(other, record)).toMatchObject({ code: 'INVALID_RECORD' });
    // Altered with a valid checksum: the replay gives other answers.
    const parsed = decodeRecord(record, { specDigest: digest, member: 0 });
    const session = parsed.session as NonNullable<typeof parsed.session>;
    const alter = (change: (s: typeof session) => typeof session): Uint8Array => encodeRecord({ ...parsed, session: change(session) });
    // (Not bit 0 of a private key: X25519 clears it, so that change replays to the same answers.)
    const randomness = Uint8Array.from(session.randomness);
    randomness[70] = (randomness[70] as number) ^ 1; // the self-mask seed
    const input = Uint32Array.from(session.input as Uint32Array);
    input[0] = ((input[0] as number) + 1) % 4096;
    const answer = Uint8Array.from(session.steps[1]?.answer as Uint8Array);
    answer[answer.length - 1] = (answer[answer.length - 1] as number) ^ 1;
    const request = Uint8Array.from(session.steps[2]?.request as Uint8Array);
    request[request.length - 1] = (request[request.length - 1] as number) ^ 1;
    for (const altered of [
      alter((s) => ({ ...s, randomness })),
      alter((s) => ({ ...s, input })),
      alter((s) => ({ ...s, steps: s.steps.map((t, i) => (i === 1 ? { ...t, answer } : t)) })),
      alter((s) => ({ ...s, steps: s.steps.map((t, i) => (i === 2 ? { ...t, request } : t)) })),
      alter((s) => ({ ...s, parameters: { ...s.parameters, nonce: new Uint8Array(32) } })),
      alter((s) => ({ ...s, steps: s.steps.slice(1) })),
    ]) {
      expect(await refusal(spec, altered)).toMatchObject({ code: 'INVALID_RECORD' });
    }
    expect(await refusal(spec, 'not bytes' as never)).toMatchObject({ code: 'INVALID_RECORD' });
  });

  it('a store that fails: STORE_FAILED on load, and on save before anything is sent', async () => {
    const spec = smallSpec(3);
    const [, end] = createMemoryPair();
    const client = new ClientSession({ spec, member: 0, transport: end, store: { load: () => Promise.reject(new Error('disk')), save: async () => undefined } });
    await expect(client.submit(vectorOf(spec, 1))).rejects.toMatchObject({ code: 'STORE_FAILED' });
    await client.close();

    const script = new Script(spec, null);
    const link = script.link();
    const failing = new ClientSession({ spec, member: 0, transport: async () => link, store: { load: async () => null, save: () => Promise.reject(new Error('full')) } });
    const outcome = failing.submit(vectorOf(spec, 1));
    await script.frames(1);
    script.send(script.offer());
    await expect(outcome).rejects.toMatchObject({ code: 'STORE_FAILED' });
    expect(script.clientMessages()).toEqual([]); // its keys never left
    await failing.close();
  });
});

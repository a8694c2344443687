/**
 * The record a client session keeps in its store (internal; the layout is in docs/session.md,
 * "The client's record"): what it needs to rebuild its protocol state after a crash, and the
 * bytes it answered, so that a repeated request gets the identical answer.
 *
 * The record holds no serialised state. It holds the inputs of a deterministic computation: the
 * round's parameters, the 128 bytes of randomness the client drew when it joined, the beacon
 * value, the encoded input once it was masked, and each server request with the answer sent.
 * Loading replays them through the protocol's own steps, which check every message as network
 * input, and compares each answer with the stored one: a truncated, altered or foreign record
 * is refused (`INVALID_RECORD`), never stepped. A SHA-256 over the record catches a torn write
 * before the replay runs.
 *
 *   0x5A | 0x43 ('C') | u8 version (1) | SHA-256 of the rest (32)
 *   spec digest (32) | u32 member | u32 last beacon round accepted (0: none) | u8 has session
 *   session: u32 round | nonce (32) | u32 beacon round (0: none) | u32 count, count x u32 cohort
 *            u8 has time, [f64 offer received at (unix s)] | u16 beacon value length, value
 *            randomness (128) | u32 input elements (0: none), elements (u32 little-endian)
 *            u8 steps | per step: u32 request length (0: none), request, u32 answer length, answer
 */
import { ByteReader, ByteWriter, equalBytes } from '../_bytes.js';
import { sha256 } from '../crypto/index.js';
import { SecAggError } from '../errors.js';
import {
  clientAdvertiseKeys,
  clientReceive,
  decodeServerMessage,
  deriveSessionConfig,
  encodeMessage,
  joinRound,
  MAX_CLIENTS,
  type ClientState,
  type ClientStep,
  type RoundParameters,
  type SessionConfig,
} from '../protocol/index.js';
import type { RandomBytes } from '../random.js';
import type { SessionSpec } from './spec.js';

const RECORD_MAGIC = [0x5a, 0x43] as const;
export const RECORD_VERSION = 1;
/** Bytes of randomness a client draws when it joins (createClient: four 32-byte draws). */
export const CLIENT_RANDOMNESS_BYTES = 128;
const MAX_STEPS = 8;

/** One answered request: the server's bytes (null for the offer, answered by advertising keys) and the client's answer. */
export interface StoredStep {
  readonly request: Uint8Array | null;
  readonly answer: Uint8Array;
}

/** A protocol session the client joined and has not finished. */
export interface StoredSession {
  readonly round: number;
  readonly parameters: RoundParameters;
  readonly offerReceivedAt: number | null;
  readonly beaconValue: Uint8Array | null;
  readonly randomness: Uint8Array;
  readonly input: Uint32Array | null;
  readonly steps: readonly StoredStep[];
}

export interface ClientRecord {
  readonly specDigest: Uint8Array;
  readonly member: number;
  /** The last beacon round whose offer this client accepted (0: none): it never accepts one again. */
  readonly lastBeaconRound: number;
  readonly session: StoredSession | null;
}

function refused(message: string): SecAggError {
  return new SecAggError('INVALID_RECORD', `the stored record is refused: ${message}`);
}

/** The record's bytes. */
export function encodeRecord(record: ClientRecord): Uint8Array {
  const s = record.session;
  const size = 128 + (s === null ? 0 : 256 + 4 * s.parameters.cohort.length + 4 * (s.input?.length ?? 0) + s.steps.reduce((a, t) => a + 8 + (t.request?.length ?? 0) + t.answer.length, 0));
  const w = new ByteWriter(size);
  w.bytes(record.specDigest);
  w.u32(record.member);
  w.u32(record.lastBeaconRound);
  w.u8(s === null ? 0 : 1);
  if (s !== null) {
    w.u32(s.round);
    w.bytes(s.parameters.nonce);
    w.u32(s.parameters.beaconRound ?? 0);
    w.u32(s.parameters.cohort.length);
    for (const i of s.parameters.cohort) w.u32(i);
    w.u8(s.offerReceivedAt === null ? 0 : 1);
    if (s.offerReceivedAt !== null) w.f64(s.offerReceivedAt);
    w.u16(s.beaconValue?.length ?? 0);
    if (s.beaconValue !== null) w.bytes(s.beaconValue);
    w.bytes(s.randomness);
    w.u32(s.input?.length ?? 0);
    if (s.input !== null) {
      const bytes = w.reserve(4 * s.input.length);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < s.input.length; i++) view.setUint32(4 * i, s.input[i] as number, true);
    }
    w.u8(s.steps.length);
    for (const step of s.steps) {
      w.u32(step.request?.length ?? 0);
      if (step.request !== null) w.bytes(step.request);
      w.u32(step.answer.length);
      w.bytes(step.answer);
    }
  }
  const body = w.finish();
  const out = new Uint8Array(3 + 32 + body.length);
  out.set([RECORD_MAGIC[0], RECORD_MAGIC[1], RECORD_VERSION]);
  out.set(sha256(body), 3);
  out.set(body, 35);
  body.fill(0); // it holds the randomness and the input
  return out;
}

/**
 * Reads a stored record (a copy) and checks that it is whole and belongs to this spec and
 * member. The session it holds is checked by {@link replaySession}.
 *
 * @throws {SecAggError} `INVALID_RECORD` (not a record, a checksum that fails, truncated,
 *   trailing bytes, another spec or member, bad fields), `UNSUPPORTED_VERSION`.
 */
export function decodeRecord(bytes: Uint8Array, expect: { readonly specDigest: Uint8Array; readonly member: number }): ClientRecord {
  if (!(bytes instanceof Uint8Array) || !ArrayBuffer.isView(bytes)) throw refused('the store returned something that is not a Uint8Array');
  const copy = new Uint8Array(bytes);
  if (copy.length < 35 || copy[0] !== RECORD_MAGIC[0] || copy[1] !== RECORD_MAGIC[1]) throw refused('not a secagg client record (or truncated)');
  if (copy[2] !== RECORD_VERSION) throw new SecAggError('UNSUPPORTED_VERSION', `client record version ${String(copy[2])} is not supported (expected ${RECORD_VERSION})`);
  const body = copy.subarray(35);
  if (!equalBytes(sha256(body), copy.subarray(3, 35))) throw refused('its checksum does not match (a torn write, or altered bytes)');
  try {
    const r = new ByteReader(body);
    const specDigest = r.bytes(32, 'spec digest');
    if (!equalBytes(specDigest, expect.specDigest)) throw refused('it belongs to another session spec (stale: clear it once you replaced the spec)');
    const member = r.u32('member');
    if (member !== expect.member) throw refused(`it belongs to registry entry ${member}, not ${expect.member}`);
    const lastBeaconRound = r.u32('last beacon round');
    const has = r.u8('session flag');
    if (has > 1) throw refused('bad session flag');
    const session = has === 1 ? readSession(r) : null;
    r.end();
    return { specDigest, member, lastBeaconRound, session };
  } catch (error) {
    if (error instanceof SecAggError && error.code === 'MALFORMED_ENCODING') throw refused(error.message);
    throw error;
  } finally {
    copy.fill(0);
  }
}

function readSession(r: ByteReader): StoredSession {
  const round = r.u32('round');
  if (round === 0) throw refused('round 0');
  const nonce = r.bytes(32, 'nonce');
  const beacon = r.u32('beacon round');
  const count = r.u32('cohort size');
  if (count < 2 || count > MAX_CLIENTS || 4 * count > r.remaining) throw refused('bad cohort size');
  const cohort = Array.from({ length: count }, () => r.u32('cohort'));
  const timed = r.u8('time flag');
  if (timed > 1) throw refused('bad time flag');
  const offerReceivedAt = timed === 1 ? r.f64('offer time') : null;
  const valueLength = r.u16('beacon value length');
  const beaconValue = valueLength === 0 ? null : r.bytes(valueLength, 'beacon value');
  const randomness = r.bytes(CLIENT_RANDOMNESS_BYTES, 'randomness');
  const elements = r.u32('input length');
  if (4 * elements > r.remaining) throw refused('the input is truncated');
  let input: Uint32Array | null = null;
  if (elements > 0) {
    const bytes = r.view_(4 * elements, 'input');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    input = new Uint32Array(elements);
    for (let i = 0; i < elements; i++) input[i] = view.getUint32(4 * i, true);
  }
  const stepCount = r.u8('step count');
  if (stepCount < 1 || stepCount > MAX_STEPS) throw refused(`${stepCount} steps`);
  const steps: StoredStep[] = [];
  for (let i = 0; i < stepCount; i++) {
    const requestLength = r.u32('request length');
    if (requestLength > r.remaining) throw refused('a request is truncated');
    const request = requestLength === 0 ? null : r.bytes(requestLength, 'request');
    if ((request === null) !== (i === 0)) throw refused('only the first step answers the offer');
    const answerLength = r.u32('answer length');
    if (answerLength === 0 || answerLength > r.remaining) throw refused('an answer is empty or truncated');
    steps.push({ request, answer: r.bytes(answerLength, 'answer') });
  }
  return { round, parameters: { cohort, nonce, beaconRound: beacon === 0 ? null : beacon }, offerReceivedAt, beaconValue, randomness, input, steps };
}

/** A randomness source that records what it hands out (the client's 128 bytes, drawn at join). */
export function recordingRng(source: RandomBytes): { readonly rng: RandomBytes; readonly drawn: () => Uint8Array } {
  const parts: Uint8Array[] = [];
  return {
    rng: (length) => {
      const bytes = source(length);
      parts.push(Uint8Array.from(bytes));
      return bytes;
    },
    drawn: () => {
      const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
        p.fill(0);
      }
      return out;
    },
  };
}

/** What joining needs besides the stored session: the spec's policy, who we are, our key. */
export interface JoinContext {
  readonly spec: SessionSpec;
  readonly member: number;
  readonly signingKey: Uint8Array | undefined;
}

/**
 * Joins a round (or replays a join): the configuration derived from the policy and the round's
 * parameters, then `joinRound` (membership, beacon freshness, the whole configuration). Returns
 * the client in round advertiseKeys, or the refusal's reason.
 */
export function join(
  context: JoinContext,
  parameters: RoundParameters,
  extra: { readonly beaconValue: Uint8Array | null; readonly offerReceivedAt: number | null; readonly rng: RandomBytes },
): { readonly state: ClientState; readonly config: SessionConfig } | { readonly refused: string } {
  const { spec, member, signingKey } = context;
  let config: SessionConfig;
  try {
    config = deriveSessionConfig(spec.policy, parameters, extra.beaconValue ?? undefined);
  } catch (error) {
    if (!(error instanceof SecAggError)) throw error;
    return { refused: `the round's parameters do not give a configuration under the policy (${error.code}): ${error.message}` };
  }
  const state = joinRound(spec.policy, config, {
    member,
    rng: extra.rng,
    ...(signingKey === undefined ? {} : { signingKey }),
    ...(extra.beaconValue === null ? {} : { beaconValue: extra.beaconValue }),
    ...(extra.offerReceivedAt === null ? {} : { offerReceivedAt: extra.offerReceivedAt }),
  });
  if (state.round === 'aborted') return { refused: state.reason };
  return { state, config };
}

/**
 * Rebuilds the client's protocol state from a stored session: joins again with the stored
 * randomness, then steps each stored request through the protocol, checking that every answer
 * is the stored one, byte for byte. The state returned is the one the client had after its
 * last stored step.
 *
 * @throws {SecAggError} `INVALID_RECORD` when anything differs or does not replay.
 */
export function replaySession(stored: StoredSession, context: JoinContext): { readonly state: ClientState; readonly config: SessionConfig } {
  let offset = 0;
  const rng: RandomBytes = (length) => {
    if (offset + length > stored.randomness.length) throw refused('the join needs more randomness than it stored');
    const out = stored.randomness.slice(offset, offset + length);
    offset += length;
    return out;
  };
  let joined: ReturnType<typeof join>;
  try {
    joined = join(context, stored.parameters, { beaconValue: stored.beaconValue, offerReceivedAt: stored.offerReceivedAt, rng });
  } catch (error) {
    throw error instanceof SecAggError && error.code === 'INVALID_RECORD' ? error : refused(`its join does not replay (${error instanceof SecAggError ? error.code : 'error'})`);
  }
  if ('refused' in joined) throw refused(`its join is refused now: ${joined.refused}`);
  if (offset !== CLIENT_RANDOMNESS_BYTES) throw refused('the join used another amount of randomness');
  const { config } = joined;
  let state = joined.state;
  const input = stored.input === null ? undefined : { [config.vectors[0]?.name as string]: stored.input };
  stored.steps.forEach((step, i) => {
    let taken: ClientStep;
    try {
      taken = step.request === null ? clientAdvertiseKeys(state) : clientReceive(state, decodeServerMessage(step.request), input === undefined ? {} : { input });
    } catch (error) {
      throw refused(`step ${i} does not replay (${error instanceof SecAggError ? error.code : 'error'})`);
    }
    const message = taken.outbox[0];
    if (taken.note !== undefined || message === undefined || taken.outbox.length !== 1) throw refused(`step ${i} gives no answer when replayed`);
    if (!equalBytes(encodeMessage(message, config), step.answer)) throw refused(`step ${i}'s answer differs from the stored one`);
    state = taken.state;
  });
  if (state.round === 'aborted') throw refused('it replays to an aborted client');
  return { state, config };
}

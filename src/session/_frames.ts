/**
 * The session's frames: a thin envelope around the protocol's wire messages (internal; the
 * layout is in docs/session.md, "Frames"). Every frame is
 *
 *   0x5A | 0x46 ('F') | u8 version (1) | u8 kind | payload
 *
 *   ready    (client -> server): u8 ready (1) or withdrawn (0), spec digest (32)
 *   offer    (server -> client): u32 round, nonce (32), u32 beacon round (0: none),
 *                                u32 count, count x u32 registry indices (strictly increasing)
 *   protocol (both ways):        u32 round, one wire message (secagg/protocol's codec)
 *   result   (server -> client): u32 round, u32 clients in the sum, u8 the recipient's input is in it
 *
 * Integers are big-endian; rounds are 1..2^32 - 1. Decoding copies, checks every length before
 * reading, refuses trailing bytes and throws only SecAggError (MALFORMED_ENCODING,
 * UNSUPPORTED_VERSION, INVALID_TYPE).
 */
import { describeType } from '../_assert.js';
import { ByteReader, ByteWriter } from '../_bytes.js';
import { SecAggError } from '../errors.js';
import { MAX_CLIENTS, type RoundParameters } from '../protocol/index.js';

export const FRAME_MAGIC = [0x5a, 0x46] as const;
export const FRAME_VERSION = 1;
const KIND = { ready: 1, offer: 2, protocol: 3, result: 4 } as const;
/** Bytes before a protocol frame's message. */
export const PROTOCOL_HEADER_BYTES = 8;

export type Frame =
  | { readonly kind: 'ready'; readonly ready: boolean; readonly specDigest: Uint8Array }
  | { readonly kind: 'offer'; readonly round: number; readonly parameters: RoundParameters }
  | { readonly kind: 'protocol'; readonly round: number; readonly message: Uint8Array }
  | { readonly kind: 'result'; readonly round: number; readonly included: number; readonly inSum: boolean };

function bad(message: string): SecAggError {
  return new SecAggError('MALFORMED_ENCODING', message);
}

function header(w: ByteWriter, kind: number): void {
  w.u8(FRAME_MAGIC[0]);
  w.u8(FRAME_MAGIC[1]);
  w.u8(FRAME_VERSION);
  w.u8(kind);
}

/** The bytes of a frame (the caller built it from checked values). */
export function encodeFrame(frame: Frame): Uint8Array {
  switch (frame.kind) {
    case 'ready': {
      const w = new ByteWriter(40);
      header(w, KIND.ready);
      w.u8(frame.ready ? 1 : 0);
      w.bytes(frame.specDigest);
      return w.finish();
    }
    case 'offer': {
      const p = frame.parameters;
      const w = new ByteWriter(48 + 4 * p.cohort.length);
      header(w, KIND.offer);
      w.u32(frame.round);
      w.bytes(p.nonce);
      w.u32(p.beaconRound ?? 0);
      w.u32(p.cohort.length);
      for (const i of p.cohort) w.u32(i);
      return w.finish();
    }
    case 'protocol': {
      // One allocation: a masked input may be megabytes.
      const out = new Uint8Array(PROTOCOL_HEADER_BYTES + frame.message.length);
      out.set([FRAME_MAGIC[0], FRAME_MAGIC[1], FRAME_VERSION, KIND.protocol]);
      new DataView(out.buffer).setUint32(4, frame.round);
      out.set(frame.message, PROTOCOL_HEADER_BYTES);
      return out;
    }
    case 'result': {
      const w = new ByteWriter(16);
      header(w, KIND.result);
      w.u32(frame.round);
      w.u32(frame.included);
      w.u8(frame.inSum ? 1 : 0);
      return w.finish();
    }
  }
}

function readRound(r: ByteReader): number {
  const round = r.u32('round');
  if (round === 0) throw bad('round must be 1..2^32 - 1');
  return round;
}

function readFlag(r: ByteReader, what: string): boolean {
  const f = r.u8(what);
  if (f > 1) throw bad(`${what} must be 0 or 1`);
  return f === 1;
}

/** Decodes a frame from the network (a copy; throws only SecAggError). */
export function decodeFrame(bytes: Uint8Array): Frame {
  if (!(bytes instanceof Uint8Array) || !ArrayBuffer.isView(bytes)) throw new SecAggError('INVALID_TYPE', `a frame must be a Uint8Array, got ${describeType(bytes)}`);
  const r = new ByteReader(bytes);
  if (r.u8('magic') !== FRAME_MAGIC[0] || r.u8('magic') !== FRAME_MAGIC[1]) throw bad('not a secagg session frame');
  const version = r.u8('version');
  if (version !== FRAME_VERSION) throw new SecAggError('UNSUPPORTED_VERSION', `session frame version ${version} is not supported (expected ${FRAME_VERSION})`);
  const kind = r.u8('kind');
  let frame: Frame;
  switch (kind) {
    case KIND.ready:
      frame = { kind: 'ready', ready: readFlag(r, 'ready flag'), specDigest: r.bytes(32, 'spec digest') };
      break;
    case KIND.offer: {
      const round = readRound(r);
      const nonce = r.bytes(32, 'nonce');
      const beacon = r.u32('beacon round');
      const count = r.u32('cohort size');
      if (count < 2 || count > MAX_CLIENTS || 4 * count > r.remaining) throw bad(`the offer declares a cohort of ${count} but is shorter, or that is not 2..${MAX_CLIENTS}`);
      const cohort = new Array<number>(count);
      let previous = -1;
      for (let i = 0; i < count; i++) {
        const index = r.u32('registry index');
        if (index <= previous) throw bad('the cohort must be strictly increasing registry indices');
        cohort[i] = previous = index;
      }
      frame = { kind: 'offer', round, parameters: { cohort, nonce, beaconRound: beacon === 0 ? null : beacon } };
      break;
    }
    case KIND.protocol: {
      const round = readRound(r);
      if (r.remaining === 0) throw bad('a protocol frame needs a message');
      frame = { kind: 'protocol', round, message: r.bytes(r.remaining, 'message') };
      break;
    }
    case KIND.result:
      frame = { kind: 'result', round: readRound(r), included: r.u32('included'), inSum: readFlag(r, 'in-sum flag') };
      break;
    default:
      throw bad(`unknown session frame kind ${kind}`);
  }
  r.end();
  return frame;
}

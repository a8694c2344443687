/**
 * Wire codec of secagg messages (wire version 3). Every message is:
 *
 *   0x5A (magic) | 0x03 (version) | u8 type | fields...
 *
 * Integers are big-endian; client ids are u16 (1..65535); byte strings have fixed or declared
 * lengths; masked vectors are bit-packed at their bit width. Id sets are either a list
 * (u8 0 | u32 count | count x u16, strictly increasing) or a bitmap (u8 1 | u16 byte length |
 * bytes, bit (id - 1) % 8 of byte floor((id - 1) / 8), least significant first), whichever is
 * shorter. The byte-level layout of each type is in docs/protocol.md. Decoding checks every
 * length before allocating and throws only SecAggError (MALFORMED_ENCODING,
 * UNSUPPORTED_VERSION, INVALID_TYPE).
 */
import { describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { ByteReader, ByteWriter } from '../_bytes.js';
import { copyOf, isBytes, isObject } from './_validate.js';
import { packBits, unpackBits } from './bitpack.js';
import { AbortCode, abortCodeFromNumber } from './codes.js';
import { MAX_VECTOR_LENGTH } from './config.js';
import type { ClientMessage, ServerMessage, SessionConfig, VectorSpec } from './types.js';

/** First byte of every message. */
export const WIRE_MAGIC = 0x5a;
/** Second byte: the wire format version. */
export const WIRE_VERSION = 3;

/** Message type bytes. */
export const MessageType = {
  advertiseKeys: 0x01,
  shareKeys: 0x02,
  maskedInput: 0x03,
  consistencySignature: 0x04,
  unmasking: 0x05,
  advertisedKeys: 0x11,
  encryptedShares: 0x12,
  consistencyRequest: 0x13,
  unmaskingRequest: 0x14,
  abort: 0x15,
} as const;

const MAX_ID = 65_535;

function bad(message: string): SecAggError {
  return new SecAggError('MALFORMED_ENCODING', message);
}

function invalidMessage(what: string): SecAggError {
  return new SecAggError('INVALID_TYPE', `cannot encode: ${what}`);
}

function checkId(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_ID) throw invalidMessage(`${what} must be an id in 1..65535`);
  return v;
}

/** A copy of a byte field, checked on the copy (what is written is what was checked). */
function checkBytes(v: unknown, what: string, length?: number): Uint8Array {
  const copy = copyOf(v, length);
  if (copy === null) throw invalidMessage(`${what} must be a Uint8Array${length === undefined ? '' : ` of ${length} bytes`}`);
  return copy;
}

function checkIdList(v: unknown, what: string): number[] {
  if (!Array.isArray(v)) throw invalidMessage(`${what} must be an array of ids`);
  // An index loop: map() would skip the holes of a sparse array, which then encode as id 0.
  const out = new Array<number>(v.length);
  let prev = 0;
  for (let i = 0; i < v.length; i++) {
    const id = checkId(v[i], what);
    if (id <= prev) throw invalidMessage(`${what} must be strictly increasing`);
    out[i] = prev = id;
  }
  return out;
}

/**
 * The vector specs of a session configuration, shape-checked (only what the codec reads: a full
 * re-validation would cost more than encoding a small message).
 */
function vectorSpecs(config: unknown, what: string): readonly VectorSpec[] {
  const vectors = isObject(config) ? config['vectors'] : undefined;
  if (!Array.isArray(vectors) || vectors.length === 0 || vectors.length > 255) {
    throw new SecAggError('INVALID_TYPE', `${what} must be a session configuration (createSessionConfig), got ${describeType(config)}`);
  }
  for (let j = 0; j < vectors.length; j++) {
    const spec: unknown = vectors[j];
    const ok =
      isObject(spec) &&
      typeof spec['name'] === 'string' &&
      Number.isInteger(spec['length']) &&
      (spec['length'] as number) >= 1 &&
      (spec['length'] as number) <= MAX_VECTOR_LENGTH &&
      Number.isInteger(spec['bits']) &&
      (spec['bits'] as number) >= 1 &&
      (spec['bits'] as number) <= 32;
    if (!ok) throw new SecAggError('INVALID_TYPE', `${what}.vectors[${j}] must have a name, a length in 1..2^28 and bits in 1..32`);
  }
  return vectors as readonly VectorSpec[];
}

function writeIdSet(w: ByteWriter, ids: readonly number[]): void {
  const max = ids.length === 0 ? 0 : (ids[ids.length - 1] as number);
  const bitmapBytes = Math.ceil(max / 8);
  if (3 + bitmapBytes < 5 + 2 * ids.length) {
    w.u8(1);
    w.u16(bitmapBytes);
    const map = w.reserve(bitmapBytes);
    for (const id of ids) map[(id - 1) >>> 3] = (map[(id - 1) >>> 3] as number) | (1 << ((id - 1) & 7));
  } else {
    w.u8(0);
    w.u32(ids.length);
    for (const id of ids) w.u16(id);
  }
}

function readIdSet(r: ByteReader, what: string): number[] {
  const form = r.u8(`${what} form`);
  if (form === 0) {
    const count = r.u32(`${what} count`);
    if (count * 2 > r.remaining) throw bad(`${what} declares ${count} ids but the message is shorter`);
    const out = new Array<number>(count);
    let prev = 0;
    for (let i = 0; i < count; i++) {
      const id = r.u16(what);
      if (id <= prev) throw bad(`${what} ids must be strictly increasing and non-zero`);
      out[i] = id;
      prev = id;
    }
    return out;
  }
  if (form === 1) {
    const length = r.u16(`${what} bitmap length`);
    if (length > 8192) throw bad(`${what} bitmap longer than 8192 bytes`);
    const map = r.view_(length, `${what} bitmap`);
    const out: number[] = [];
    for (let i = 0; i < length; i++) {
      const byte = map[i] as number;
      if (byte === 0) continue;
      for (let b = 0; b < 8; b++) {
        if ((byte >>> b) & 1) {
          const id = i * 8 + b + 1;
          if (id > MAX_ID) throw bad(`${what} bitmap names an id above 65535`);
          out.push(id);
        }
      }
    }
    return out;
  }
  throw bad(`${what} has unknown id set form ${form}`);
}

/** The intrinsic length of a typed array (an own `length` property cannot stand in for it). */
const typedArrayLength = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(Uint8Array.prototype), 'length')?.get as (this: Uint8Array) => number;

/**
 * A list of equal-length byte strings, written straight into the message: each entry is read
 * once from the list, its intrinsic length checked, and its bytes copied into the output by
 * `TypedArray.prototype.set`, which runs no user code; so what is written is what was checked,
 * without a copy per entry (an outbox of encrypted shares holds hundreds of thousands).
 */
function writeBytesList(w: ByteWriter, list: unknown, what: string): void {
  if (!Array.isArray(list)) throw invalidMessage(`${what} must be an array of Uint8Array`);
  const n = list.length;
  if (n > MAX_ID) throw invalidMessage(`${what} has more than ${MAX_ID} entries`);
  const items = new Array<Uint8Array>(n);
  let size = 0;
  for (let i = 0; i < n; i++) {
    const x: unknown = list[i];
    if (!(x instanceof Uint8Array) || !ArrayBuffer.isView(x)) throw invalidMessage(`${what}[${i}] must be a Uint8Array`);
    const length = typedArrayLength.call(x);
    if (i === 0) size = length;
    else if (length !== size) throw invalidMessage(`${what} entries must have equal lengths`);
    items[i] = x;
  }
  if (size > 0xffff) throw invalidMessage(`${what} entries longer than 65535 bytes`);
  if (n > 0 && size === 0) throw invalidMessage(`${what} entries must not be empty`);
  w.u32(n);
  w.u16(size);
  const out = w.reserve(n * size);
  for (let i = 0; i < n; i++) out.set(items[i] as Uint8Array, i * size);
}

function readBytesList(r: ByteReader, what: string, count?: number): Uint8Array[] {
  const n = count ?? r.u32(`${what} count`);
  const size = r.u16(`${what} entry length`);
  // Without these two, a 43-byte message declaring 2^32 empty entries would make us allocate
  // 2^32 views (V8 runs out of memory and the process dies).
  if (n > MAX_ID) throw bad(`${what} declares ${n} entries; a session has at most ${MAX_ID} clients`);
  if (n > 0 && size === 0) throw bad(`${what} declares empty entries`);
  if (n * size > r.remaining) throw bad(`${what} declares ${n} entries of ${size} bytes but the message is shorter`);
  // One copy of the whole list, entries as views into it: a list of ciphertexts or shares is
  // one allocation rather than one per entry (a server holds hundreds of thousands of them).
  const block = r.bytes(n * size, what);
  const out = new Array<Uint8Array>(n);
  for (let i = 0; i < n; i++) out[i] = block.subarray(i * size, (i + 1) * size);
  return out;
}

/**
 * The encoded length of a masked input for these vectors: its writer is sized once. A 10,000 x
 * 16-bit message grew through eight buffers (64 KiB of garbage) and was then copied out: ~13% of
 * its encoding time, and three times its size in garbage on the sender's heap.
 */
function maskedInputLength(specs: readonly VectorSpec[]): number {
  let length = 3 + 2 + 32 + 1; // magic, version, type; sender; session id; vector count
  for (const spec of specs) length += 4 + 1 + packedLength(spec.length, spec.bits);
  return length;
}

function packedLength(length: number, bits: number): number {
  return Math.ceil((length * bits) / 8);
}

/**
 * Encodes a message for the wire. `config` gives the bit widths used to pack masked vectors.
 *
 * @throws {SecAggError} `INVALID_TYPE` for a message that is not one of the protocol's messages
 *   or has fields of the wrong type, or a `config` without valid vector specs;
 *   `ELEMENT_OUT_OF_RANGE` / `LENGTH_MISMATCH` for masked vectors that do not match `config`.
 * @example
 * ```ts
 * const bytes = encodeMessage(outbox[0], config);
 * ```
 */
export function encodeMessage(message: ClientMessage | ServerMessage, config: SessionConfig): Uint8Array {
  if (!isObject(message)) throw invalidMessage(`message must be an object, got ${describeType(message)}`);
  return encodeWith(message, vectorSpecs(config, 'config'), false).bytes;
}

/**
 * Encodes a server message (none needs the configuration's vector widths) and gives the copy
 * the encoding was written from: every field read once from `message`, checked, copied, and
 * equal to what decoding the bytes gives. Internal: a client hashes the encoding of each
 * request it answers, and answers the copy.
 *
 * @throws {SecAggError} as {@link encodeMessage}; `INVALID_TYPE` for a client message.
 */
export function encodeServerMessage(message: unknown): { readonly bytes: Uint8Array; readonly copy: ServerMessage } {
  if (!isObject(message)) throw invalidMessage(`message must be an object, got ${describeType(message)}`);
  const { bytes, copy } = encodeWith(message, null, true);
  if (copy === null) throw invalidMessage('a client message is not a server message');
  return { bytes, copy };
}

/**
 * The encoding, and for a server message the checked copy it was written from (else null). The
 * relayed ciphertexts' views are made only when `views` asks for them: a server's outbox of
 * encrypted shares holds 250,000 ciphertexts at 500 clients, and sending needs only the bytes.
 */
function encodeWith(m: Record<string, unknown>, specs: readonly VectorSpec[] | null, views: boolean): { bytes: Uint8Array; copy: ServerMessage | null } {
  const type = m['type'];
  const code = typeof type === 'string' && Object.hasOwn(MessageType, type) ? MessageType[type as keyof typeof MessageType] : undefined;
  if (code === undefined) throw invalidMessage('unknown message type');
  const w = new ByteWriter(type === 'maskedInput' && specs !== null ? maskedInputLength(specs) : 256);
  w.u8(WIRE_MAGIC);
  w.u8(WIRE_VERSION);
  w.u8(code);
  let copy: ServerMessage | null = null;
  switch (type) {
    case 'advertiseKeys': {
      w.u16(checkId(m['sender'], 'sender'));
      w.bytes(checkBytes(m['channelPublicKey'], 'channelPublicKey', 32));
      w.bytes(checkBytes(m['maskingPublicKey'], 'maskingPublicKey', 32));
      const sig = m['signature'];
      if (sig === null) w.u8(0);
      else {
        w.u8(1);
        w.bytes(checkBytes(sig, 'signature', 64));
      }
      break;
    }
    case 'shareKeys':
      w.u16(checkId(m['sender'], 'sender'));
      w.bytes(checkBytes(m['sessionId'], 'sessionId', 32));
      writeBytesList(w, m['ciphertexts'], 'ciphertexts');
      break;
    case 'maskedInput': {
      if (specs === null) throw invalidMessage('a masked input needs the configuration');
      w.u16(checkId(m['sender'], 'sender'));
      w.bytes(checkBytes(m['sessionId'], 'sessionId', 32));
      const vectors = m['vectors'];
      if (!Array.isArray(vectors)) throw invalidMessage('vectors must be an array');
      if (vectors.length !== specs.length) {
        throw new SecAggError('LENGTH_MISMATCH', `the configuration has ${specs.length} vectors, the message ${vectors.length}`);
      }
      w.u8(vectors.length);
      // Index loops here and below: forEach would skip the holes of a sparse array.
      for (let j = 0; j < vectors.length; j++) {
        const raw: unknown = vectors[j];
        const spec = specs[j] as VectorSpec;
        if (!(raw instanceof Uint32Array) || !ArrayBuffer.isView(raw)) throw invalidMessage(`vectors[${j}] must be a Uint32Array`);
        const v = new Uint32Array(raw); // checked and packed: the same copy
        if (v.length !== spec.length) {
          throw new SecAggError('LENGTH_MISMATCH', `vector ${spec.name} must have ${spec.length} elements, got ${v.length}`);
        }
        if (spec.bits < 32) {
          const limit = 2 ** spec.bits;
          for (let i = 0; i < v.length; i++) {
            if ((v[i] as number) >= limit) throw new SecAggError('ELEMENT_OUT_OF_RANGE', `vector ${spec.name} has an element not below 2^${spec.bits}`);
          }
        }
        w.u32(v.length);
        w.u8(spec.bits);
        packBits(v, spec.bits, w.reserve(packedLength(v.length, spec.bits)));
      }
      break;
    }
    case 'consistencySignature':
      w.u16(checkId(m['sender'], 'sender'));
      w.bytes(checkBytes(m['sessionId'], 'sessionId', 32));
      w.bytes(checkBytes(m['signature'], 'signature', 64));
      break;
    case 'unmasking':
      w.u16(checkId(m['sender'], 'sender'));
      w.bytes(checkBytes(m['sessionId'], 'sessionId', 32));
      writeBytesList(w, m['shares'], 'shares');
      break;
    // The server messages: what is written is the copy (checkIdList and checkBytes return fresh
    // arrays; the ciphertexts are views of a list written once), so no decoding is needed to
    // get a message that is exactly its encoding.
    case 'advertisedKeys': {
      const ids = checkIdList(m['ids'], 'ids');
      const sig = m['signatures'];
      w.u8(sig === null ? 0 : 1);
      writeIdSet(w, ids);
      const channelPublicKeys = checkBytes(m['channelPublicKeys'], 'channelPublicKeys', 32 * ids.length);
      const maskingPublicKeys = checkBytes(m['maskingPublicKeys'], 'maskingPublicKeys', 32 * ids.length);
      const signatures = sig === null ? null : checkBytes(sig, 'signatures', 64 * ids.length);
      w.bytes(channelPublicKeys);
      w.bytes(maskingPublicKeys);
      if (signatures !== null) w.bytes(signatures);
      const proof = checkBytes(m['proof'], 'proof');
      if (proof.length % 32 !== 0) throw invalidMessage('proof must be whole 32-byte hashes');
      w.u32(proof.length / 32);
      w.bytes(proof);
      copy = { type: 'advertisedKeys', ids, channelPublicKeys, maskingPublicKeys, signatures, proof };
      break;
    }
    case 'encryptedShares': {
      const recipient = checkId(m['recipient'], 'recipient');
      const sessionId = checkBytes(m['sessionId'], 'sessionId', 32);
      w.u16(recipient);
      w.bytes(sessionId);
      const senders = checkIdList(m['senders'], 'senders');
      const cts = m['ciphertexts'];
      if (!Array.isArray(cts) || cts.length !== senders.length) throw invalidMessage('one ciphertext per sender');
      writeIdSet(w, senders);
      const w2 = new ByteWriter(8);
      writeBytesList(w2, cts, 'ciphertexts');
      const list = w2.finish();
      w.bytes(list.subarray(4)); // the count is implied by the sender set
      if (views) {
        const size = senders.length === 0 ? 0 : (list.length - 6) / senders.length;
        const ciphertexts = senders.map((_, i) => list.subarray(6 + i * size, 6 + (i + 1) * size));
        copy = { type: 'encryptedShares', recipient, sessionId, senders, ciphertexts };
      }
      break;
    }
    case 'consistencyRequest': {
      const sessionId = checkBytes(m['sessionId'], 'sessionId', 32);
      const survivors = checkIdList(m['survivors'], 'survivors');
      w.bytes(sessionId);
      writeIdSet(w, survivors);
      copy = { type: 'consistencyRequest', sessionId, survivors };
      break;
    }
    case 'unmaskingRequest': {
      const sessionId = checkBytes(m['sessionId'], 'sessionId', 32);
      const survivors = checkIdList(m['survivors'], 'survivors');
      const dropped = checkIdList(m['dropped'], 'dropped');
      w.bytes(sessionId);
      writeIdSet(w, survivors);
      writeIdSet(w, dropped);
      const signers = checkIdList(m['signers'], 'signers');
      const sigs = m['signatures'];
      if (!Array.isArray(sigs) || sigs.length !== signers.length) throw invalidMessage('one signature per signer');
      writeIdSet(w, signers);
      const signatures = new Array<Uint8Array>(signers.length);
      for (let i = 0; i < signers.length; i++) w.bytes((signatures[i] = checkBytes(sigs[i], `signatures[${i}]`, 64)));
      copy = { type: 'unmaskingRequest', sessionId, survivors, dropped, signers, signatures };
      break;
    }
    case 'abort': {
      const c = m['code'];
      if (typeof c !== 'string' || !Object.hasOwn(AbortCode, c)) throw invalidMessage('code must be an abort code name');
      w.u16(AbortCode[c as AbortCode]);
      copy = { type: 'abort', code: c as AbortCode };
      break;
    }
  }
  return { bytes: w.finish(), copy };
}

/**
 * Decodes bytes from the wire into a message object (client or server message; the typed
 * {@link decodeClientMessage} and {@link decodeServerMessage} say which one you expect). Vectors are
 * unpacked into fresh Uint32Arrays. Without `config` their number, lengths and bit widths are
 * checked by the receiving step; a server should pass its session configuration, so that a
 * masked input whose vectors do not match it is refused before anything is unpacked (a message
 * declaring 1-bit vectors would otherwise unpack to 32 times its size).
 *
 * @throws {SecAggError} `INVALID_TYPE` when `bytes` is not a Uint8Array or `config` has no valid
 *   vector specs, `UNSUPPORTED_VERSION` for another version byte, `MALFORMED_ENCODING` for
 *   anything else wrong (magic, type, truncation, trailing bytes, bad id sets, lengths, vectors
 *   that do not match `config`).
 * @example
 * ```ts
 * const message = decodeMessage(bytes, config);
 * if (message.type === 'maskedInput') ({ state: server } = serverReceive(server, message));
 * ```
 */
export function decodeMessage(bytes: Uint8Array, config?: SessionConfig): ClientMessage | ServerMessage {
  if (!isBytes(bytes)) throw new SecAggError('INVALID_TYPE', `bytes must be a Uint8Array, got ${describeType(bytes)}`);
  const specs = config === undefined ? null : vectorSpecs(config, 'config');
  const r = new ByteReader(bytes);
  if (r.u8('magic') !== WIRE_MAGIC) throw bad('not a secagg message (bad magic byte)');
  const version = r.u8('version');
  if (version !== WIRE_VERSION) throw new SecAggError('UNSUPPORTED_VERSION', `wire version ${version} is not supported (expected ${WIRE_VERSION})`);
  const type = r.u8('type');
  let out: ClientMessage | ServerMessage;
  switch (type) {
    case MessageType.advertiseKeys: {
      const sender = readId(r, 'sender');
      const channelPublicKey = r.bytes(32, 'channelPublicKey');
      const maskingPublicKey = r.bytes(32, 'maskingPublicKey');
      const flag = r.u8('signature flag');
      if (flag > 1) throw bad('signature flag must be 0 or 1');
      const signature = flag === 1 ? r.bytes(64, 'signature') : null;
      out = { type: 'advertiseKeys', sender, channelPublicKey, maskingPublicKey, signature };
      break;
    }
    case MessageType.shareKeys: {
      const sender = readId(r, 'sender');
      const sessionId = r.bytes(32, 'sessionId');
      out = { type: 'shareKeys', sender, sessionId, ciphertexts: readBytesList(r, 'ciphertexts') };
      break;
    }
    case MessageType.maskedInput: {
      const sender = readId(r, 'sender');
      const sessionId = r.bytes(32, 'sessionId');
      const vectors = readPackedVectors(r, specs).map((v) => unpackBits(v.packed, v.bits, v.length));
      out = { type: 'maskedInput', sender, sessionId, vectors };
      break;
    }
    case MessageType.consistencySignature: {
      const sender = readId(r, 'sender');
      const sessionId = r.bytes(32, 'sessionId');
      out = { type: 'consistencySignature', sender, sessionId, signature: r.bytes(64, 'signature') };
      break;
    }
    case MessageType.unmasking: {
      const sender = readId(r, 'sender');
      const sessionId = r.bytes(32, 'sessionId');
      out = { type: 'unmasking', sender, sessionId, shares: readBytesList(r, 'shares') };
      break;
    }
    case MessageType.advertisedKeys: {
      const flag = r.u8('signature flag');
      if (flag > 1) throw bad('signature flag must be 0 or 1');
      const ids = readIdSet(r, 'ids');
      if (ids.length * (64 + 64 * flag) > r.remaining) throw bad('keys truncated');
      const channelPublicKeys = r.bytes(32 * ids.length, 'channelPublicKeys');
      const maskingPublicKeys = r.bytes(32 * ids.length, 'maskingPublicKeys');
      const signatures = flag === 1 ? r.bytes(64 * ids.length, 'signatures') : null;
      const hashes = r.u32('proof length');
      if (hashes * 32 > r.remaining) throw bad('proof truncated');
      out = { type: 'advertisedKeys', ids, channelPublicKeys, maskingPublicKeys, signatures, proof: r.bytes(32 * hashes, 'proof') };
      break;
    }
    case MessageType.encryptedShares: {
      const recipient = readId(r, 'recipient');
      const sessionId = r.bytes(32, 'sessionId');
      const senders = readIdSet(r, 'senders');
      out = { type: 'encryptedShares', recipient, sessionId, senders, ciphertexts: readBytesList(r, 'ciphertexts', senders.length) };
      break;
    }
    case MessageType.consistencyRequest: {
      const sessionId = r.bytes(32, 'sessionId');
      out = { type: 'consistencyRequest', sessionId, survivors: readIdSet(r, 'survivors') };
      break;
    }
    case MessageType.unmaskingRequest: {
      const sessionId = r.bytes(32, 'sessionId');
      const survivors = readIdSet(r, 'survivors');
      const dropped = readIdSet(r, 'dropped');
      const signers = readIdSet(r, 'signers');
      if (signers.length * 64 > r.remaining) throw bad('signatures truncated');
      const signatures = signers.map(() => r.bytes(64, 'signature'));
      out = { type: 'unmaskingRequest', sessionId, survivors, dropped, signers, signatures };
      break;
    }
    case MessageType.abort: {
      const code = abortCodeFromNumber(r.u16('abort code'));
      if (code === undefined) throw bad('unknown abort code');
      out = { type: 'abort', code };
      break;
    }
    default:
      throw bad(`unknown message type 0x${type.toString(16)}`);
  }
  r.end();
  return out;
}

/** A masked vector as it lies in a message: its declared length and width, and a view of its bytes. */
export interface PackedVector {
  readonly length: number;
  readonly bits: number;
  /** Exactly ceil(length * bits / 8) bytes, padding bits zero (a view into the message). */
  readonly packed: Uint8Array;
}

/**
 * The masked vectors of a masked-input message, framed and checked (count, lengths, widths and
 * padding; against `specs` when given) without unpacking anything.
 */
function readPackedVectors(r: ByteReader, specs: readonly VectorSpec[] | null): PackedVector[] {
  const count = r.u8('vector count');
  if (specs !== null && count !== specs.length) throw bad(`${count} vectors; the session has ${specs.length}`);
  const vectors: PackedVector[] = [];
  for (let j = 0; j < count; j++) {
    const length = r.u32('vector length');
    const bits = r.u8('vector bits');
    if (bits < 1 || bits > 32) throw bad('vector bits must be in 1..32');
    if (length < 1 || length > MAX_VECTOR_LENGTH) throw bad('vector length out of range');
    const spec = specs?.[j];
    if (spec !== undefined && (length !== spec.length || bits !== spec.bits)) {
      throw bad(`vector ${j} has ${length} elements of ${bits} bits; the session's ${spec.name} has ${spec.length} of ${spec.bits}`);
    }
    const size = packedLength(length, bits);
    if (size > r.remaining) throw bad('vector truncated');
    const packed = r.view_(size, 'vector');
    // Padding bits of the last byte must be zero (one encoding per message).
    const used = (length * bits) % 8;
    if (used !== 0 && ((packed[size - 1] as number) >>> used) !== 0) throw bad('non-zero padding bits');
    vectors.push({ length, bits, packed });
  }
  return vectors;
}

/**
 * A masked-input message read without unpacking its vectors (internal: the server's fused
 * receive, `serverReceiveBytes`): the same checks as {@link decodeMessage} with a config.
 * Null when `bytes` is another message type (decode it with decodeMessage).
 *
 * @throws {SecAggError} as decodeMessage.
 */
export function readMaskedInputFrame(
  bytes: Uint8Array,
  config: SessionConfig,
): { readonly sender: number; readonly sessionId: Uint8Array; readonly vectors: readonly PackedVector[] } | null {
  const r = new ByteReader(bytes);
  if (r.u8('magic') !== WIRE_MAGIC) throw bad('not a secagg message (bad magic byte)');
  const version = r.u8('version');
  if (version !== WIRE_VERSION) throw new SecAggError('UNSUPPORTED_VERSION', `wire version ${version} is not supported (expected ${WIRE_VERSION})`);
  if (r.u8('type') !== MessageType.maskedInput) return null;
  const sender = readId(r, 'sender');
  const sessionId = r.view_(32, 'sessionId');
  const vectors = readPackedVectors(r, config.vectors);
  r.end();
  return { sender, sessionId, vectors };
}

const CLIENT_TYPES: ReadonlySet<string> = new Set(['advertiseKeys', 'shareKeys', 'maskedInput', 'consistencySignature', 'unmasking']);

/**
 * Decodes the bytes a client sent: {@link decodeMessage} for the server side, typed. Pass the
 * session configuration so that a masked input whose vectors do not match it is refused before
 * anything is unpacked.
 *
 * @throws {SecAggError} as {@link decodeMessage}, and `MALFORMED_ENCODING` for a server message
 *   (bytes that decode, but not as anything a client sends).
 * @example
 * ```ts
 * const message = decodeClientMessage(bytes, config);
 * if (message.sender === from) ({ state: server } = serverReceive(server, message));
 * ```
 */
export function decodeClientMessage(bytes: Uint8Array, config?: SessionConfig): ClientMessage {
  const message = decodeMessage(bytes, config);
  if (!CLIENT_TYPES.has(message.type)) throw bad(`a server message (${message.type}) where a client message was expected`);
  return message as ClientMessage;
}

/**
 * Decodes the bytes the server sent: {@link decodeMessage} for the client side, typed.
 *
 * @throws {SecAggError} as {@link decodeMessage}, and `MALFORMED_ENCODING` for a client message.
 * @example
 * ```ts
 * ({ state, outbox } = clientReceive(state, decodeServerMessage(bytes), { input }));
 * ```
 */
export function decodeServerMessage(bytes: Uint8Array): ServerMessage {
  const message = decodeMessage(bytes);
  if (CLIENT_TYPES.has(message.type)) throw bad(`a client message (${message.type}) where a server message was expected`);
  return message as ServerMessage;
}

function readId(r: ByteReader, what: string): number {
  const id = r.u16(what);
  if (id === 0) throw bad(`${what} must be a client id (1..65535)`);
  return id;
}

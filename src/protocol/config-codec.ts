/**
 * The canonical byte encoding of a session configuration (version 2): what the session layer
 * sends to clients, and what every session id and key signature binds (through the config
 * digest, ./_kdf.ts). One encoding per configuration: decoding refuses anything `encode` would
 * not have written, then validates the result like any configuration.
 *
 *   0x5A | 0x43 ('C') | u8 version (2)
 *   u32 clients | u32 threshold | u32 corruptClients
 *   u8 graph kind (0 complete, 1 harary) | u32 degree (0 for complete) | 32-byte seed (zeros for complete)
 *   u8 active | 32-byte nonce
 *   u32 registrySize | clients x u32 cohort (registry indices, strictly increasing)
 *   32-byte policy digest
 *   u8 has beacon round | [u32 high (0) | u32 low: the round number, 1..2^32 - 1]
 *   u8 vector count | per vector: u8 name length, name (ASCII), u32 length, u8 bits
 *   u8 has keys | [clients x 32-byte Ed25519 verification keys]
 *
 * Integers are big-endian.
 */
import { describeType } from '../_assert.js';
import { ByteReader, ByteWriter, concatBytes } from '../_bytes.js';
import { SecAggError } from '../errors.js';
import { isBytes } from './_validate.js';
import { MAX_CLIENTS, MAX_VECTORS, validateConfig } from './config.js';
import type { GraphSpec, SessionConfig, VectorSpec } from './types.js';

/** First two bytes of an encoded configuration: the wire magic, then 'C'. */
const CONFIG_MAGIC = [0x5a, 0x43] as const;
/** The configuration version this build reads and writes. */
export const CONFIG_VERSION = 2;

/**
 * The canonical encoding of a configuration (after validating it: what is encoded is what was
 * checked). Deterministic: equal configurations give equal bytes.
 *
 * @throws {SecAggError} the errors of `createSessionConfig` for an invalid configuration.
 * @example
 * ```ts
 * const bytes = encodeSessionConfig(config); // send to the clients; they decode and joinRound
 * ```
 */
export function encodeSessionConfig(config: SessionConfig): Uint8Array {
  return writeConfig(validateConfig(config));
}

// The encodings of frozen cohorts (they cannot change): every client of a simulation, and every
// configuration a server derives for one cohort, writes the same O(n) bytes.
const cohortEncodings = new WeakMap<readonly number[], Uint8Array>();

/** A cohort's registry indices as u32 big-endian, one after the other. */
function cohortBytes(cohort: readonly number[]): Uint8Array {
  const known = cohortEncodings.get(cohort);
  if (known !== undefined) return known;
  const out = new Uint8Array(4 * cohort.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < cohort.length; i++) view.setUint32(4 * i, cohort[i] as number);
  if (Object.isFrozen(cohort)) cohortEncodings.set(cohort, out);
  return out;
}

/**
 * The encoding of a configuration already validated (internal: the config digest hashes it, the
 * codec sends it).
 */
export function writeConfig(c: SessionConfig): Uint8Array {
  return concatBytes(...configParts(c));
}

/**
 * The encoding in three pieces, the O(n) cohort in the middle as its cached bytes, so that a
 * hash can take them without writing the whole encoding again per client.
 */
export function configParts(c: SessionConfig): readonly [Uint8Array, Uint8Array, Uint8Array] {
  const head = new ByteWriter(160);
  head.u8(CONFIG_MAGIC[0]);
  head.u8(CONFIG_MAGIC[1]);
  head.u8(CONFIG_VERSION);
  head.u32(c.clients);
  head.u32(c.threshold);
  head.u32(c.corruptClients);
  if (c.graph.kind === 'complete') {
    head.u8(0);
    head.u32(0);
    head.bytes(new Uint8Array(32));
  } else {
    head.u8(1);
    head.u32(c.graph.degree);
    head.bytes(c.graph.seed);
  }
  head.u8(c.active ? 1 : 0);
  head.bytes(c.nonce);
  head.u32(c.registrySize);
  const tail = new ByteWriter(64 + c.vectors.length * 72 + (c.verificationKeys === null ? 0 : 32 * c.clients));
  tail.bytes(c.policyDigest);
  if (c.beaconRound === null) tail.u8(0);
  else {
    tail.u8(1);
    tail.u32(Math.floor(c.beaconRound / 2 ** 32));
    tail.u32(c.beaconRound >>> 0);
  }
  writeVectorSpecs(tail, c.vectors);
  if (c.verificationKeys === null) tail.u8(0);
  else {
    tail.u8(1);
    for (const k of c.verificationKeys) tail.bytes(k);
  }
  return [head.finish(), cohortBytes(c.cohort), tail.finish()];
}

/** u8 count | per vector: u8 name length, name (ASCII), u32 length, u8 bits. Internal. */
export function writeVectorSpecs(w: ByteWriter, vectors: readonly VectorSpec[]): void {
  w.u8(vectors.length);
  for (const v of vectors) {
    w.u8(v.name.length);
    for (let i = 0; i < v.name.length; i++) w.u8(v.name.charCodeAt(i));
    w.u32(v.length);
    w.u8(v.bits);
  }
}

/** Reads what {@link writeVectorSpecs} wrote (the names and ranges are validated afterwards). Internal. */
export function readVectorSpecList(r: ByteReader): VectorSpec[] {
  const count = r.u8('vector count');
  if (count > MAX_VECTORS) throw bad(`${count} vectors; at most ${MAX_VECTORS}`);
  const out: VectorSpec[] = [];
  for (let j = 0; j < count; j++) {
    const nameLength = r.u8('vector name length');
    const name = String.fromCharCode(...r.view_(nameLength, 'vector name'));
    out.push({ name, length: r.u32('vector length'), bits: r.u8('vector bits') });
  }
  return out;
}

/** A MALFORMED_ENCODING error (shared with ./policy-codec.ts). */
export function bad(message: string): SecAggError {
  return new SecAggError('MALFORMED_ENCODING', message);
}

/** A canonical boolean byte: 0 or 1, anything else refused (shared with ./policy-codec.ts). */
export function flag(r: ByteReader, what: string): boolean {
  const f = r.u8(what);
  if (f > 1) throw bad(`${what} must be 0 or 1`);
  return f === 1;
}

/**
 * Decodes and validates a configuration sent by the server (network input: every length is
 * checked before anything is allocated; only the canonical encoding is accepted). A client
 * then holds the server to its policy with `joinRound`.
 *
 * @throws {SecAggError} `INVALID_TYPE` when `bytes` is not a Uint8Array, `UNSUPPORTED_VERSION`
 *   for another version, `MALFORMED_ENCODING` (magic, truncation, trailing bytes, flags,
 *   non-canonical fields), and the errors of `createSessionConfig` for a configuration that
 *   decodes but is invalid (`INVALID_CONFIG`, `THRESHOLD_TOO_LOW`, ...).
 * @example
 * ```ts
 * const config = decodeSessionConfig(offerBytes);
 * const client = joinRound(policy, config, { member, rng });
 * ```
 */
export function decodeSessionConfig(bytes: Uint8Array): SessionConfig {
  if (!isBytes(bytes)) throw new SecAggError('INVALID_TYPE', `bytes must be a Uint8Array, got ${describeType(bytes)}`);
  const r = new ByteReader(new Uint8Array(bytes));
  if (r.u8('magic') !== CONFIG_MAGIC[0] || r.u8('kind') !== CONFIG_MAGIC[1]) throw bad('not a secagg session configuration');
  const version = r.u8('version');
  if (version !== CONFIG_VERSION) {
    throw new SecAggError('UNSUPPORTED_VERSION', `configuration version ${version} is not supported (expected ${CONFIG_VERSION})`);
  }
  const clients = r.u32('clients');
  if (clients < 2 || clients > MAX_CLIENTS) throw bad(`clients ${clients} is outside 2..${MAX_CLIENTS}`);
  const threshold = r.u32('threshold');
  const corruptClients = r.u32('corruptClients');
  const kind = r.u8('graph kind');
  const degree = r.u32('graph degree');
  const seed = r.bytes(32, 'graph seed');
  let graph: GraphSpec;
  if (kind === 0) {
    if (degree !== 0 || seed.some((b) => b !== 0)) throw bad('a complete graph has degree 0 and a zero seed');
    graph = { kind: 'complete' };
  } else if (kind === 1) graph = { kind: 'harary', degree, seed };
  else throw bad(`unknown graph kind ${kind}`);
  const active = flag(r, 'active flag');
  const nonce = r.bytes(32, 'nonce');
  const registrySize = r.u32('registrySize');
  if (4 * clients > r.remaining) throw bad('cohort truncated');
  const cohort = new Array<number>(clients);
  for (let i = 0; i < clients; i++) cohort[i] = r.u32('cohort');
  const policyDigest = r.bytes(32, 'policy digest');
  let beaconRound: number | null = null;
  if (flag(r, 'beacon flag')) {
    const high = r.u32('beacon round');
    const low = r.u32('beacon round');
    if (high !== 0) throw bad('beacon round above 2^32 - 1');
    beaconRound = high * 2 ** 32 + low;
  }
  const vectors = readVectorSpecList(r);
  let verificationKeys: Uint8Array[] | null = null;
  if (flag(r, 'keys flag')) {
    if (32 * clients > r.remaining) throw bad('verification keys truncated');
    verificationKeys = Array.from({ length: clients }, () => r.bytes(32, 'verification key'));
  }
  r.end();
  return validateConfig({
    version: 2, clients, threshold, corruptClients, graph, vectors, active, nonce, verificationKeys,
    cohort, registrySize, policyDigest, beaconRound,
  });
}

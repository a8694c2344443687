/**
 * The canonical bytes of a session spec (version 1) and their digest. Whoever issues the spec
 * can sign these bytes; a client sends the digest when it joins, so a server holding another
 * spec refuses it before any round.
 *
 *   0x5A | 0x53 ('S') | u8 version (1)
 *   u32 policy length | the policy's canonical encoding (encodeSessionPolicy)
 *   u32 maxClients
 *   u16 tensor count | per tensor: u8 name length, name (ASCII), u32 length
 *   u8 aggregation: 0 sum -> f64 clip, u8 bits
 *                   1 mean -> f64 clip, u8 bits, u32 maxWeight (0: unweighted)
 *                   2 dp -> u32 length, the plan as JSON (UTF-8; the validated plan's own key order)
 */
import { describeType } from '../_assert.js';
import { ByteReader, ByteWriter } from '../_bytes.js';
import { sha256 } from '../crypto/index.js';
import type { DpPlan } from '../dp/index.js';
import { SecAggError } from '../errors.js';
import { decodeSessionPolicy, encodeSessionPolicy } from '../protocol/index.js';
import { createSessionSpec, MAX_TENSORS, SPEC_VERSION, type AggregationInput, type SessionSpec, type TensorSpec } from './spec.js';

const SPEC_MAGIC = [0x5a, 0x53] as const;
/** Largest DP plan JSON accepted (a plan is about 1 KB). */
const MAX_PLAN_JSON = 65_536;

/**
 * The canonical encoding of a spec (validated first). Equal specs give equal bytes.
 *
 * @throws {SecAggError} the errors of {@link createSessionSpec}.
 * @example
 * ```ts
 * const bytes = encodeSessionSpec(spec); // sign, ship with the app, decode on each client
 * ```
 */
export function encodeSessionSpec(spec: SessionSpec): Uint8Array {
  return writeSpec(createSessionSpec(spec));
}

function writeSpec(s: SessionSpec): Uint8Array {
  const policy = encodeSessionPolicy(s.policy);
  const w = new ByteWriter(64 + policy.length + 72 * s.model.length);
  w.u8(SPEC_MAGIC[0]);
  w.u8(SPEC_MAGIC[1]);
  w.u8(SPEC_VERSION);
  w.u32(policy.length);
  w.bytes(policy);
  w.u32(s.maxClients);
  w.u16(s.model.length);
  for (const t of s.model) {
    w.u8(t.name.length);
    for (let i = 0; i < t.name.length; i++) w.u8(t.name.charCodeAt(i));
    w.u32(t.length);
  }
  const a = s.aggregation;
  if (a.kind === 'dp') {
    w.u8(2);
    const json = new TextEncoder().encode(JSON.stringify(a.plan));
    w.u32(json.length);
    w.bytes(json);
  } else {
    w.u8(a.kind === 'sum' ? 0 : 1);
    w.f64(a.clip);
    w.u8(a.bits);
    if (a.kind === 'mean') w.u32(a.maxWeight ?? 0);
  }
  return w.finish();
}

/**
 * SHA-256 of the spec's canonical encoding.
 *
 * @throws {SecAggError} the errors of {@link createSessionSpec}.
 * @example
 * ```ts
 * console.log(Buffer.from(sessionSpecDigest(spec)).toString('hex')); // the same on every party
 * ```
 */
export function sessionSpecDigest(spec: SessionSpec): Uint8Array {
  return sha256(encodeSessionSpec(spec));
}

const digests = new WeakMap<SessionSpec, Uint8Array>();

/** The digest of a spec validated by the caller, cached by object. Internal. */
export function specDigestOf(spec: SessionSpec): Uint8Array {
  let d = digests.get(spec);
  if (d === undefined) {
    d = sha256(writeSpec(spec));
    digests.set(spec, d);
  }
  return d;
}

function bad(message: string): SecAggError {
  return new SecAggError('MALFORMED_ENCODING', message);
}

/**
 * Decodes and validates a spec (untrusted bytes until you checked their signature): every
 * length is checked before it is read, and only the canonical encoding is accepted.
 *
 * @throws {SecAggError} `INVALID_TYPE` when `bytes` is not a Uint8Array, `UNSUPPORTED_VERSION`,
 *   `MALFORMED_ENCODING` (magic, truncation, trailing bytes, an unknown aggregation, a plan that
 *   is not JSON, a non-canonical encoding), and the errors of {@link createSessionSpec}.
 * @example
 * ```ts
 * const spec = decodeSessionSpec(verifiedSpecBytes);
 * ```
 */
export function decodeSessionSpec(bytes: Uint8Array): SessionSpec {
  if (!(bytes instanceof Uint8Array) || !ArrayBuffer.isView(bytes)) throw new SecAggError('INVALID_TYPE', `bytes must be a Uint8Array, got ${describeType(bytes)}`);
  const copy = new Uint8Array(bytes);
  const r = new ByteReader(copy);
  if (r.u8('magic') !== SPEC_MAGIC[0] || r.u8('kind') !== SPEC_MAGIC[1]) throw bad('not a secagg session spec');
  const version = r.u8('version');
  if (version !== SPEC_VERSION) throw new SecAggError('UNSUPPORTED_VERSION', `spec version ${version} is not supported (expected ${SPEC_VERSION})`);
  const policyLength = r.u32('policy length');
  if (policyLength > r.remaining) throw bad('the policy is truncated');
  const policy = decodeSessionPolicy(r.bytes(policyLength, 'policy'));
  const maxClients = r.u32('maxClients');
  const count = r.u16('tensor count');
  if (count > MAX_TENSORS || count * 6 > r.remaining) throw bad(`the spec declares ${count} tensors but is shorter`);
  const model: TensorSpec[] = [];
  for (let i = 0; i < count; i++) {
    const length = r.u8('tensor name length');
    model.push({ name: String.fromCharCode(...r.view_(length, 'tensor name')), length: r.u32('tensor length') });
  }
  const kind = r.u8('aggregation');
  let aggregation: AggregationInput;
  if (kind === 2) {
    const length = r.u32('plan length');
    if (length > MAX_PLAN_JSON || length > r.remaining) throw bad('the DP plan is truncated or too long');
    let plan: unknown;
    try {
      plan = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(r.view_(length, 'plan')));
    } catch (error) {
      if (error instanceof SecAggError) throw error;
      throw bad('the DP plan is not JSON');
    }
    aggregation = { kind: 'dp', plan: plan as DpPlan };
  } else if (kind === 0 || kind === 1) {
    const clip = r.f64('clip');
    const bits = r.u8('bits');
    if (kind === 0) aggregation = { kind: 'sum', clip, bits };
    else {
      const w = r.u32('maxWeight');
      aggregation = { kind: 'mean', clip, bits, maxWeight: w === 0 ? null : w };
    }
  } else throw bad(`unknown aggregation ${kind}`);
  r.end();
  const spec = createSessionSpec({ policy, model, aggregation, maxClients });
  const canonical = writeSpec(spec);
  if (canonical.length !== copy.length || canonical.some((b, i) => b !== copy[i])) throw bad('not the canonical encoding of its spec');
  return spec;
}

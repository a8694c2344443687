/**
 * secagg/masking: seed-derived masks. A mask is the ChaCha20 (RFC 8439) keystream under a key
 * derived by HKDF-SHA256 from a 32-byte seed, salted with the 32-byte session id and labelled,
 * read as elements of w = ceil(bits / 8) keystream bytes each (little-endian, w of them per
 * element, so 2 bytes at 16 bits and 3 at 24), reduced mod 2^bits. Any slice can be produced
 * without the elements before it, and masks can be added to or subtracted from a vector in one
 * pass without materialising them. Byte-level specification: docs/masking.md.
 * @module
 */
import { assertBits, assertBytes, assertInteger, assertOptions, assertUint32Array, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { available, resolveBackend, type MaskBackend } from './_backends.js';
import { deriveKey, MAX_ELEMENTS } from './_spec.js';
import { ADD, SET, streamInto, streamTermsInto, SUB, type Op, type StreamTerm } from './_stream.js';

export type { MaskBackend } from './_backends.js';

/**
 * Elements in one mask stream, for every width: (2^32 - 1) * 16 = 68,719,476,720 (ChaCha20
 * block counters 0 .. 2^32 - 2, sixteen elements per block at the widest, 4-byte, element).
 * `offset + length` may not exceed it.
 *
 * @example
 * ```ts
 * const last = expandMask({ key, bits: 32, offset: MAX_MASK_ELEMENTS - 1, length: 1 });
 * ```
 */
export const MAX_MASK_ELEMENTS: number = MAX_ELEMENTS;

/**
 * Where a mask comes from: either the seed, session id and label (the key is derived on each
 * call), or a key precomputed with {@link deriveMaskKey} (give `key` and none of the others).
 */
export type MaskSource =
  | {
      /** 32 secret bytes (e.g. a self-mask seed or a pairwise agreed secret). */
      readonly seed: Uint8Array;
      /** 32 bytes binding the mask to one aggregation session. */
      readonly sessionId: Uint8Array;
      /** Purpose of the mask, 1..255 UTF-8 bytes, well-formed Unicode (e.g. `'b'`, `'s'`). */
      readonly label: string;
      readonly key?: undefined;
    }
  | {
      /** 32-byte mask key from {@link deriveMaskKey}. */
      readonly key: Uint8Array;
      readonly seed?: undefined;
      readonly sessionId?: undefined;
      readonly label?: undefined;
    };

/** Options of {@link addMaskInto} and {@link subtractMaskInto}. */
export type MaskIntoOptions = MaskSource & {
  /** Elements are mod 2^bits, 1..32. */
  readonly bits: number;
  /** First mask element to use (default 0); offset + target.length <= MAX_MASK_ELEMENTS. */
  readonly offset?: number;
  /** Keystream implementation (default: {@link defaultMaskBackend}). */
  readonly backend?: MaskBackend;
};

/** One mask of a sum of masks: its source and whether it is added (+1) or subtracted (-1). */
export type MaskTerm = MaskSource & {
  /** +1 adds the mask, -1 subtracts it. */
  readonly sign: 1 | -1;
};

/** Options of {@link applyMasksInto}. */
export interface ApplyMasksOptions {
  /** Elements are mod 2^bits, 1..32. */
  readonly bits: number;
  /** First element of every mask to use (default 0); offset + target.length <= MAX_MASK_ELEMENTS. */
  readonly offset?: number;
  /** Keystream implementation (default: {@link defaultMaskBackend}). */
  readonly backend?: MaskBackend;
}

/** Options of {@link expandMask}. */
export type ExpandMaskOptions = MaskIntoOptions & {
  /** Number of elements, 0..MAX_MASK_ELEMENTS - offset. */
  readonly length: number;
  /** Write here instead of allocating; must hold exactly `length` elements. */
  readonly out?: Uint32Array;
};

const SOURCE_SEED = ['seed', 'sessionId', 'label', 'key'] as const;
const SOURCE_KEY = ['key'] as const;
const INTO_OPTIONS = ['bits', 'offset', 'backend'] as const;
const INTO_SEED_KEYS: readonly string[] = [...SOURCE_SEED, ...INTO_OPTIONS];
const INTO_KEY_KEYS: readonly string[] = [...SOURCE_KEY, ...INTO_OPTIONS];
const EXPAND_SEED_KEYS: readonly string[] = [...INTO_SEED_KEYS, 'length', 'out'];
const EXPAND_KEY_KEYS: readonly string[] = [...INTO_KEY_KEYS, 'length', 'out'];

interface Resolved {
  readonly key: Uint8Array;
  readonly bits: number;
  readonly offset: number;
  readonly backend: MaskBackend;
}

/**
 * bits, offset, the element count `n` reads, and backend, in that order; offset + count must stay
 * inside the mask stream.
 */
function readStreamOptions(
  o: Record<string, unknown>,
  n: () => number,
  what: string,
): Omit<Resolved, 'key'> & { readonly length: number } {
  const bits = assertBits(o['bits']);
  const rawOffset = o['offset'];
  const offset = rawOffset === undefined ? 0 : assertInteger(rawOffset, 'offset', 0, MAX_ELEMENTS);
  const length = n();
  if (offset + length > MAX_ELEMENTS) {
    throw new SecAggError(
      'OUT_OF_RANGE',
      `offset + ${what} must be at most ${MAX_ELEMENTS} (the end of the mask stream), got ${offset} + ${length}`,
    );
  }
  return { bits, offset, length, backend: resolveBackend(o['backend']) };
}

/**
 * The mask key of a source (`key`, or `seed`/`sessionId`/`label`): always a fresh array the
 * caller wipes, a copy even of a given key, because the target may share its buffer and keys
 * are read once per span.
 */
function sourceKey(o: Record<string, unknown>, keyForm: boolean, name: string): Uint8Array {
  return keyForm ? Uint8Array.from(assertBytes(o['key'], name, 32)) : deriveKey(o['seed'], o['sessionId'], o['label']);
}

/**
 * Validates the options in a fixed order (cheap checks first, key derivation last), before
 * anything is written. `length` reads and checks the element count.
 */
function resolve(
  options: unknown,
  seedKeys: readonly string[],
  keyKeys: readonly string[],
  length: (o: Record<string, unknown>) => number,
): Resolved & { readonly length: number } {
  const keyForm =
    options !== null && typeof options === 'object' && (options as { key?: unknown }).key !== undefined;
  if (options === undefined) {
    throw new SecAggError('INVALID_TYPE', 'options must be an object, got undefined');
  }
  const o = assertOptions<Record<string, unknown>>(options, 'options', keyForm ? keyKeys : seedKeys);
  const stream = readStreamOptions(o, () => length(o), 'length');
  return { ...stream, key: sourceKey(o, keyForm, 'key') };
}

function intoTarget(target: unknown, options: unknown, op: Op): Uint32Array {
  const t = assertUint32Array(target, 'target');
  const r = resolve(options, INTO_SEED_KEYS, INTO_KEY_KEYS, () => t.length);
  try {
    streamInto(t, r.key, r.offset, r.bits, op, r.backend);
  } finally {
    r.key.fill(0); // resolve's own copy or derivation
  }
  return t;
}

/**
 * Derives the 32-byte mask key: HKDF-SHA256(ikm = seed, salt = sessionId,
 * info = UTF-8 `secagg/v1/mask` || 0x00 || UTF-8 label, L = 32). Pass it as `key` to the other
 * functions to skip the derivation when the same mask is used many times (e.g. in slices).
 * The key is as secret as the seed.
 *
 * @param seed 32 bytes.
 * @param sessionId 32 bytes.
 * @param label 1..255 UTF-8 bytes, well-formed Unicode.
 * @throws {SecAggError} `INVALID_TYPE` / `INVALID_LENGTH` for a seed or session id that is not
 *   32 bytes, `INVALID_TYPE` for a label that is not a string, `INVALID_LABEL` for an empty,
 *   too long or ill-formed label.
 * @example
 * ```ts
 * const key = deriveMaskKey(seed, sessionId, 'b');
 * addMaskInto(vector, { key, bits: 16 });
 * ```
 */
export function deriveMaskKey(seed: Uint8Array, sessionId: Uint8Array, label: string): Uint8Array {
  return deriveKey(seed, sessionId, label);
}

/**
 * Mask elements [offset, offset + length) of the stream under (seed, sessionId, label) or `key`,
 * each in 0..2^bits - 1. Seekable: the cost is that of `length` elements, whatever the offset.
 *
 * @returns `out` when given, else a new Uint32Array of `length` elements.
 * @throws {SecAggError} `INVALID_TYPE` (not an object, wrong field type, unknown backend name),
 *   `UNKNOWN_OPTION`, `INVALID_BITS` (bits outside 1..32), `OUT_OF_RANGE` (length or offset not
 *   a safe non-negative integer, or offset + length > MAX_MASK_ELEMENTS), `INVALID_LENGTH`
 *   (seed, sessionId or key not 32 bytes), `LENGTH_MISMATCH` (out.length !== length),
 *   `INVALID_LABEL`, `BACKEND_UNAVAILABLE` ('native' requested where node:crypto is absent).
 * @example
 * ```ts
 * const seed = cryptoRandomBytes(32), sessionId = cryptoRandomBytes(32);
 * const m = expandMask({ seed, sessionId, label: 'b', length: 1000, bits: 16 });
 * const tail = expandMask({ seed, sessionId, label: 'b', length: 10, bits: 16, offset: 990 });
 * // tail equals m.subarray(990)
 * ```
 */
export function expandMask(options: ExpandMaskOptions): Uint32Array {
  let out: Uint32Array | undefined;
  const r = resolve(options, EXPAND_SEED_KEYS, EXPAND_KEY_KEYS, (o) => {
    const n = assertInteger(o['length'], 'length', 0, MAX_ELEMENTS);
    if (o['out'] !== undefined) out = assertUint32Array(o['out'], 'out', n);
    return n;
  });
  const target = out ?? new Uint32Array(r.length);
  try {
    streamInto(target, r.key, r.offset, r.bits, SET, r.backend);
  } finally {
    r.key.fill(0); // resolve's own copy or derivation
  }
  return target;
}

/**
 * Adds mask elements [offset, offset + target.length) into `target` mod 2^bits, in place,
 * streaming the keystream through a reused 64 KiB chunk (the mask is never materialised).
 * Elements of `target` are read mod 2^bits; every element written is below 2^bits.
 *
 * @returns `target`.
 * @throws {SecAggError} `INVALID_TYPE` (target not a Uint32Array, options malformed), and the
 *   option errors of {@link expandMask}.
 * @example
 * ```ts
 * const y = Uint32Array.from(x);                       // x: quantised update mod 2^16
 * addMaskInto(y, { seed: b, sessionId, label: 'b', bits: 16 });
 * subtractMaskInto(y, { seed: b, sessionId, label: 'b', bits: 16 }); // y equals x again
 * ```
 */
export function addMaskInto(target: Uint32Array, options: MaskIntoOptions): Uint32Array {
  return intoTarget(target, options, ADD);
}

/**
 * Subtracts mask elements [offset, offset + target.length) from `target` mod 2^bits, in place;
 * the inverse of {@link addMaskInto} with the same options (for elements below 2^bits).
 *
 * @returns `target`.
 * @throws {SecAggError} as {@link addMaskInto}.
 * @example
 * ```ts
 * subtractMaskInto(sum, { key: deriveMaskKey(b, sessionId, 'b'), bits: 16 });
 * ```
 */
export function subtractMaskInto(target: Uint32Array, options: MaskIntoOptions): Uint32Array {
  return intoTarget(target, options, SUB);
}

const TERM_SEED_KEYS: readonly string[] = [...SOURCE_SEED, 'sign'];
const TERM_KEY_KEYS: readonly string[] = [...SOURCE_KEY, 'sign'];

/**
 * Adds and subtracts many masks into `target` in one pass: for every k,
 * `target[k] = target[k] + sum_j sign_j * mask_j[offset + k] mod 2^bits`. The same result as one
 * {@link addMaskInto} / {@link subtractMaskInto} call per term, but the target is walked in
 * cache-sized spans into which every term's keystream is folded, so a client adding hundreds of
 * pairwise masks (or a server removing them) reads and writes its vector once per span, not
 * once per mask. Every term is validated (and its key derived) before anything is written.
 *
 * @param terms Each `{ key, sign }` or `{ seed, sessionId, label, sign }`; may be empty.
 * @returns `target`.
 * @throws {SecAggError} `INVALID_TYPE` (target not a Uint32Array, terms not an array, a term or
 *   options not an object, sign not +1 or -1), `UNKNOWN_OPTION`, and the option and source
 *   errors of {@link addMaskInto} (`INVALID_BITS`, `OUT_OF_RANGE`, `INVALID_LENGTH`,
 *   `INVALID_LABEL`, `BACKEND_UNAVAILABLE`); messages name the failing term's index.
 * @example
 * ```ts
 * // A client of Bonawitz et al.: y = x + PRG(b_u) + sum over peers v of +/-PRG(s_uv)
 * const y = Uint32Array.from(x);
 * applyMasksInto(y, [
 *   { key: selfMaskKey, sign: 1 },
 *   ...peers.map((v) => ({ key: pairKeys.get(v), sign: id < v ? 1 : -1 })),
 * ], { bits: 16 });
 * ```
 */
export function applyMasksInto(
  target: Uint32Array,
  terms: readonly MaskTerm[],
  options: ApplyMasksOptions,
): Uint32Array {
  const t = assertUint32Array(target, 'target');
  if (!Array.isArray(terms)) {
    throw new SecAggError('INVALID_TYPE', `terms must be an array of mask terms, got ${describeType(terms)}`);
  }
  if (options === undefined) throw new SecAggError('INVALID_TYPE', 'options must be an object, got undefined');
  const o = assertOptions<Record<string, unknown>>(options, 'options', INTO_OPTIONS);
  const { bits, offset, backend } = readStreamOptions(o, () => t.length, 'target.length');
  const resolved: StreamTerm[] = new Array(terms.length); // keys copied or derived here: wiped after use
  try {
    for (let j = 0; j < terms.length; j++) {
      const term: unknown = terms[j];
      const name = `terms[${j}]`;
      if (term === null || typeof term !== 'object' || Array.isArray(term)) {
        throw new SecAggError('INVALID_TYPE', `${name} must be an object, got ${describeType(term)}`);
      }
      const keyForm = (term as { key?: unknown }).key !== undefined;
      const u = assertOptions<Record<string, unknown>>(term, name, keyForm ? TERM_KEY_KEYS : TERM_SEED_KEYS);
      const sign = u['sign'];
      if (sign !== 1 && sign !== -1) throw new SecAggError('INVALID_TYPE', `${name}.sign must be 1 or -1`);
      resolved[j] = { key: sourceKey(u, keyForm, `${name}.key`), op: sign === 1 ? ADD : SUB };
    }
    streamTermsInto(t, resolved, offset, bits, backend);
  } finally {
    for (const term of resolved) term?.key.fill(0); // holes where validation stopped
  }
  return t;
}

/**
 * Keystream backends usable in this environment, fastest first: `['native', 'portable']` on
 * Node >= 20.16 with an OpenSSL that has chacha20, else `['portable']`. Both give identical masks.
 *
 * @example
 * ```ts
 * availableMaskBackends(); // ['native', 'portable'] on Node
 * ```
 */
export function availableMaskBackends(): MaskBackend[] {
  return available();
}

/**
 * The backend used when `backend` is omitted: `'native'` where available, else `'portable'`.
 *
 * @example
 * ```ts
 * defaultMaskBackend(); // 'native' on Node, 'portable' in browsers
 * ```
 */
export function defaultMaskBackend(): MaskBackend {
  return resolveBackend(undefined);
}

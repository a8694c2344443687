/**
 * JSON form of a privacy ledger (internal): versioned, canonical, with a SHA-256 digest over the
 * canonical body, and a decoder that treats its input like network input.
 *
 * The digest detects corruption and naive edits (a truncated file, a changed survivor count); it
 * is not a signature: anyone who can write the file can recompute it. Keep the ledger where the
 * server's other secrets are, or sign it with a key when the storage is not trusted.
 * @module
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { SecAggError } from '../errors.js';
import { describeType } from '../_assert.js';
import type { NeighboringRelation } from './accountant.js';
import type { DpEvent } from './events.js';
import type { LedgerBudget, LedgerRound, LedgerSampling, PrivacyLedgerOptions } from './ledger.js';
import type { LedgerAccountant } from './_ledger-views.js';

/** The format tag and the one version this build reads and writes. */
export const LEDGER_FORMAT: 'secagg-privacy-ledger' = 'secagg-privacy-ledger';
export const LEDGER_VERSION: 1 = 1;
/** Longest JSON text accepted (characters). */
export const MAX_LEDGER_TEXT: number = 64 * 1024 * 1024;

/** The JSON object a ledger serialises to. */
export interface LedgerJson {
  readonly format: typeof LEDGER_FORMAT;
  readonly version: typeof LEDGER_VERSION;
  readonly accountant: LedgerAccountant;
  readonly neighboringRelation: NeighboringRelation;
  readonly sampling: LedgerSampling;
  readonly delta: number;
  readonly budget: LedgerBudget | null;
  readonly rounds: readonly {
    readonly event: DpEvent;
    readonly cohortSize: number;
    readonly survivors: number;
    readonly count: number;
  }[];
  /** Hex SHA-256 of the canonical JSON of every field above. */
  readonly digest: string;
}

interface Body {
  readonly accountant: LedgerAccountant;
  readonly neighboringRelation: NeighboringRelation;
  readonly sampling: LedgerSampling;
  readonly delta: number;
  readonly budget: LedgerBudget | undefined;
  readonly rounds: readonly { event: DpEvent; cohortSize: number; survivors: number; count: number }[];
}

/** The body in canonical key order (every nested object rebuilt field by field). */
function canonical(b: Body): Omit<LedgerJson, 'digest'> {
  const s = b.sampling;
  const sampling: LedgerSampling =
    s.kind === 'fixedSize'
      ? { kind: s.kind, populationSize: s.populationSize }
      : s.kind === 'poisson'
        ? { kind: s.kind, samplingRate: s.samplingRate }
        : { kind: s.kind };
  const budget =
    b.budget === undefined
      ? null
      : {
          ...(b.budget.server === undefined ? {} : { server: b.budget.server }),
          ...(b.budget.release === undefined ? {} : { release: b.budget.release }),
        };
  return {
    format: LEDGER_FORMAT,
    version: LEDGER_VERSION,
    accountant: b.accountant,
    neighboringRelation: b.neighboringRelation,
    sampling,
    delta: b.delta,
    budget,
    rounds: b.rounds.map((r) => ({ event: r.event, cohortSize: r.cohortSize, survivors: r.survivors, count: r.count })),
  };
}

function digestOf(body: Omit<LedgerJson, 'digest'>): string {
  return bytesToHex(sha256(utf8ToBytes(JSON.stringify(body))));
}

/** The JSON object of a ledger's state. */
export function encodeLedger(b: Body): LedgerJson {
  const body = canonical(b);
  return { ...body, digest: digestOf(body) };
}

function bad(message: string): never {
  throw new SecAggError('MALFORMED_ENCODING', `ledger: ${message}`);
}

function object(v: unknown, path: string, keys: readonly string[]): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) bad(`${path} must be an object, got ${describeType(v)}`);
  const o = v as Record<string, unknown>;
  for (const key of Object.keys(o)) if (!keys.includes(key)) bad(`${path} has an unknown field "${key.slice(0, 40)}"`);
  for (const key of keys) if (!(key in o)) bad(`${path} lacks the field "${key}"`);
  return o;
}

function safeCount(v: unknown, path: string, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) bad(`${path} must be a safe integer >= ${min}`);
  return v;
}

/**
 * Validates a ledger's JSON (text or parsed value) and returns the constructor options and the
 * rounds to replay. Counts, sizes, deltas and events are validated again by the ledger itself.
 */
export function decodeLedger(
  input: unknown,
  maxEntries: number,
): { options: PrivacyLedgerOptions; rounds: { round: LedgerRound; count: number }[] } {
  let value: unknown;
  try {
    if (typeof input === 'string') {
      if (input.length > MAX_LEDGER_TEXT) bad(`text longer than ${MAX_LEDGER_TEXT} characters`);
      value = JSON.parse(input);
    } else {
      // A copy through JSON: getters run once, cycles and BigInts fail here, NaN becomes null.
      const text = JSON.stringify(input);
      if (typeof text !== 'string') bad(`input is not JSON data (${describeType(input)})`);
      if (text.length > MAX_LEDGER_TEXT) bad(`text longer than ${MAX_LEDGER_TEXT} characters`);
      value = JSON.parse(text);
    }
  } catch (error) {
    if (error instanceof SecAggError) throw error;
    bad('not valid JSON (truncated or corrupted)');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) bad(`must be an object, got ${describeType(value)}`);
  const top = value as Record<string, unknown>;
  if (top['format'] !== LEDGER_FORMAT) bad(`format must be "${LEDGER_FORMAT}"`);
  if (top['version'] !== LEDGER_VERSION) {
    if (typeof top['version'] === 'number' && Number.isSafeInteger(top['version'])) {
      throw new SecAggError('UNSUPPORTED_VERSION', `ledger: version ${top['version']} is not supported (this build reads version ${LEDGER_VERSION})`);
    }
    bad('version must be an integer');
  }
  const o = object(top, 'ledger', [
    'format',
    'version',
    'accountant',
    'neighboringRelation',
    'sampling',
    'delta',
    'budget',
    'rounds',
    'digest',
  ]);
  if (typeof o['digest'] !== 'string' || !/^[0-9a-f]{64}$/.test(o['digest'])) bad('digest must be 64 hex digits');
  const rounds = o['rounds'];
  if (!Array.isArray(rounds)) bad('rounds must be an array');
  if (rounds.length > maxEntries) bad(`more than ${maxEntries} round entries`);
  const replay: { round: LedgerRound; count: number }[] = [];
  const stored: Body['rounds'][number][] = [];
  let total = 0;
  rounds.forEach((r, i) => {
    const e = object(r, `rounds[${i}]`, ['event', 'cohortSize', 'survivors', 'count']);
    const count = safeCount(e['count'], `rounds[${i}].count`, 1);
    total += count;
    if (!Number.isSafeInteger(total)) bad('more than 2^53 - 1 rounds in total');
    const cohortSize = safeCount(e['cohortSize'], `rounds[${i}].cohortSize`, 1);
    const survivors = safeCount(e['survivors'], `rounds[${i}].survivors`, 1);
    const event = e['event'] as DpEvent;
    replay.push({ round: { event, cohortSize, survivors }, count });
    stored.push({ event, cohortSize, survivors, count });
  });
  const sampling = o['sampling'] as LedgerSampling;
  const budget = o['budget'] === null ? undefined : (o['budget'] as LedgerBudget);
  const options: PrivacyLedgerOptions = {
    sampling,
    delta: o['delta'] as number,
    accountant: o['accountant'] as LedgerAccountant,
    neighboringRelation: o['neighboringRelation'] as NeighboringRelation,
    ...(budget === undefined ? {} : { budget }),
  };
  // The digest covers the body exactly as this build writes it; fields are type-checked by
  // the ledger's constructor and recordRound, so a wrong type fails one way or the other.
  let expected: string;
  try {
    expected = digestOf(
      canonical({
        accountant: options.accountant as LedgerAccountant,
        neighboringRelation: options.neighboringRelation as NeighboringRelation,
        sampling: sampling === null || typeof sampling !== 'object' ? ({ kind: 'none' } as LedgerSampling) : sampling,
        delta: options.delta,
        budget: budget === null || typeof budget !== 'object' ? undefined : budget,
        rounds: stored,
      }),
    );
  } catch {
    bad('fields of the wrong type');
  }
  if (expected !== o['digest']) bad('digest does not match the content (modified or corrupted)');
  return { options, rounds: replay };
}

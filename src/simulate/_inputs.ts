/**
 * The caller's client inputs for a simulation (internal): read once, before the session starts,
 * copied, and checked against the configured vectors exactly as a client checks its own input
 * (a Uint32Array per configured name, of its length, every element below 2^bits). The session
 * then uses only the copies, so a caller that reuses or changes its buffers changes nothing.
 */
import { assertInteger, assertOptions, describeType } from '../_assert.js';
import { SecAggError } from '../errors.js';
import type { ClientInput, VectorSpec } from '../protocol/index.js';
import type { SimulationInputs } from './types.js';

/**
 * Every client's input (ids 1..clients), copied and checked, or null when `inputs` is not given
 * (the simulated inputs are used).
 *
 * @throws {SecAggError} `INVALID_TYPE` (neither a function nor a Map, a missing entry, a vector
 *   that is not a Uint32Array), `OUT_OF_RANGE` (a Map key that is not a client id),
 *   `UNKNOWN_OPTION` (a vector name the configuration lacks), `LENGTH_MISMATCH`,
 *   `ELEMENT_OUT_OF_RANGE`; whatever the caller's function throws.
 */
export function readInputs(
  inputs: SimulationInputs | undefined,
  clients: number,
  vectors: readonly VectorSpec[],
): ReadonlyMap<number, ClientInput> | null {
  if (inputs === undefined) return null;
  let lookup: (id: number) => unknown;
  if (typeof inputs === 'function') {
    lookup = (id) => inputs(id);
  } else if (inputs instanceof Map) {
    // A key that names no client is a mistake (an id off by one, a population index).
    for (const key of inputs.keys()) assertInteger(key, 'inputs key', 1, clients);
    lookup = (id) => inputs.get(id);
  } else {
    throw new SecAggError('INVALID_TYPE', `inputs must be a function (id) => vectors or a Map from id to vectors, got ${describeType(inputs)}`);
  }
  const out = new Map<number, ClientInput>();
  for (let id = 1; id <= clients; id++) out.set(id, readOne(lookup(id), id, vectors));
  return out;
}

/** One client's vectors: each copied, then the copy checked. */
function readOne(value: unknown, id: number, vectors: readonly VectorSpec[]): ClientInput {
  const name = `inputs of client ${id}`;
  if (value === undefined) throw new SecAggError('INVALID_TYPE', `${name} must be an object of vectors by name, got undefined`);
  const o = assertOptions<Record<string, unknown>>(value, name, vectors.map((v) => v.name));
  const copy: Record<string, Uint32Array> = {};
  for (const spec of vectors) {
    const x: unknown = o[spec.name];
    if (!(x instanceof Uint32Array) || !ArrayBuffer.isView(x)) {
      throw new SecAggError('INVALID_TYPE', `${name}: ${spec.name} must be a Uint32Array, got ${describeType(x)}`);
    }
    // The constructor reads the typed array's own storage, not an overridable length or iterator.
    const v = new Uint32Array(x);
    if (v.length !== spec.length) {
      throw new SecAggError('LENGTH_MISMATCH', `${name}: ${spec.name} must have ${spec.length} elements, got ${v.length}`);
    }
    if (spec.bits < 32) {
      const limit = 2 ** spec.bits;
      for (let i = 0; i < v.length; i++) {
        if ((v[i] as number) >= limit) {
          throw new SecAggError('ELEMENT_OUT_OF_RANGE', `${name}: ${spec.name}[${i}] is not below 2^${spec.bits}`);
        }
      }
    }
    copy[spec.name] = v;
  }
  return Object.freeze(copy);
}

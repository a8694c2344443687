/**
 * The key directory: a Merkle tree over every client's advertised keys, whose root enters the
 * session id. The server sends each client only its neighbours' keys and the sibling hashes
 * that link them to the root, so a SecAgg+ client downloads and hashes O(k log n) bytes instead
 * of every key of the cohort, while the session id still commits to every advertised key.
 * Normative text: docs/protocol.md ("Key directory"). Internal.
 *
 * Leaf of client `id`: SHA-256(0x00 || u32 id || c^PK || s^PK) if it advertised keys, else
 * SHA-256(0x00 || u32 id). It sits at the client's ring position in a Harary graph (a
 * neighbourhood is then one or two runs of leaves, and its proof at most 4 ceil(log2 n) hashes,
 * 14 on average at 10,000 clients: in id order it was ~250, 8 KB of each client's key message),
 * at position id - 1 in the complete graph. Padding positions p = clients .. 2^height - 1 hold
 * SHA-256(0x00 || u32 (p + 1)). Inner node: SHA-256(0x01 || left || right). The tree has
 * 2^height leaves, height = ceil(log2 clients).
 */
import { sha256Fast as sha256 } from '../crypto/index.js';
import { runPieces, type Pieces } from './_pieces.js';

// One message scratch (JS is single-threaded, and directoryPieces yields only between two
// hashes): leaf and node preimages are at most 69 bytes, and hashing them without concatenating
// saves a third of a node (measured).
const PREIMAGE = new Uint8Array(69);

/** Levels above the leaves for a cohort of `clients` (>= 1): ceil(log2 clients). */
export function directoryHeight(clients: number): number {
  let height = 0;
  while (2 ** height < clients) height++;
  return height;
}

function leafPreimage(id: number): void {
  PREIMAGE[0] = 0x00;
  PREIMAGE[1] = id >>> 24;
  PREIMAGE[2] = (id >>> 16) & 0xff;
  PREIMAGE[3] = (id >>> 8) & 0xff;
  PREIMAGE[4] = id & 0xff;
}

/** The leaf of a client that advertised keys. */
export function keyLeaf(id: number, channelPublicKey: Uint8Array, maskingPublicKey: Uint8Array): Uint8Array {
  leafPreimage(id);
  PREIMAGE.set(channelPublicKey, 5);
  PREIMAGE.set(maskingPublicKey, 37);
  return sha256(PREIMAGE);
}

/** The leaf of a client (or padding id) that did not advertise keys. */
export function absentLeaf(id: number): Uint8Array {
  leafPreimage(id);
  return sha256(PREIMAGE.subarray(0, 5));
}

function innerNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  PREIMAGE[0] = 0x01;
  PREIMAGE.set(left, 1);
  PREIMAGE.set(right, 33);
  return sha256(PREIMAGE.subarray(0, 65));
}

/**
 * Walks from known leaves (sorted, distinct positions) to the root, level by level and left to
 * right: two known siblings combine; a missing sibling comes from `missing(level, position)`.
 * The order of the `missing` calls is the order of a proof's hashes.
 */
function walk<T>(
  height: number,
  leaves: readonly (readonly [number, T])[],
  combine: (left: T, right: T) => T,
  missing: (level: number, position: number) => T,
): T {
  let nodes = leaves;
  for (let level = 0; level < height; level++) {
    const next: [number, T][] = [];
    for (let i = 0; i < nodes.length; ) {
      const [p, x] = nodes[i] as readonly [number, T];
      const pair = nodes[i + 1];
      if ((p & 1) === 0 && pair !== undefined && pair[0] === p + 1) {
        next.push([p >>> 1, combine(x, pair[1])]);
        i += 2;
      } else {
        const sibling = missing(level, p ^ 1);
        next.push([p >>> 1, (p & 1) === 0 ? combine(x, sibling) : combine(sibling, x)]);
        i += 1;
      }
    }
    nodes = next;
  }
  return (nodes[0] as readonly [number, T])[1];
}

/**
 * Where each id's leaf sits (index id, 0 unused): `directoryPositions` of the configuration (the
 * ring positions of a Harary graph), null for position id - 1.
 */
export type LeafPositions = Uint32Array | null;

function positionOf(positions: LeafPositions, id: number): number {
  return positions === null ? id - 1 : (positions[id] as number);
}

/** The whole tree, leaves first: what the server keeps while it writes the proofs. */
export interface Directory {
  readonly height: number;
  readonly positions: LeafPositions;
  /**
   * words[0] = the leaves (2^height hashes), ..., words[height] = the root: each level one table
   * of 32-bit words, 8 per hash, so that a proof copies words rather than 32-byte arrays.
   */
  readonly words: readonly Uint32Array[];
  readonly root: Uint8Array;
}

/** Builds the directory of a cohort; `keysOf(id)` gives the keys of an advertised client. */
export function buildDirectory(clients: number, keysOf: KeysOf, positions: LeafPositions): Directory {
  return runPieces(directoryPieces(clients, keysOf, positions));
}

type KeysOf = (id: number) => { readonly channelPublicKey: Uint8Array; readonly maskingPublicKey: Uint8Array } | null;

/** {@link buildDirectory} in pieces of 64 hashes (a server of 500 clients hashes ~1,000 times). */
export function* directoryPieces(clients: number, keysOf: KeysOf, positions: LeafPositions): Pieces<Directory> {
  const height = directoryHeight(clients);
  const words: Uint32Array[] = [];
  let below = new Uint8Array(32 * 2 ** height);
  words.push(new Uint32Array(below.buffer));
  for (let id = 1; id <= clients; id++) {
    const keys = keysOf(id);
    below.set(keys === null ? absentLeaf(id) : keyLeaf(id, keys.channelPublicKey, keys.maskingPublicKey), 32 * positionOf(positions, id));
    if (id % 64 === 0) yield;
  }
  for (let p = clients; p < 2 ** height; p++) {
    below.set(absentLeaf(p + 1), 32 * p);
    if (p % 64 === 63) yield;
  }
  for (let level = 0; level < height; level++) {
    const above = new Uint8Array(below.length / 2);
    for (let p = 0; 32 * p < above.length; p++) {
      above.set(innerNode(below.subarray(64 * p, 64 * p + 32), below.subarray(64 * p + 32, 64 * p + 64)), 32 * p);
      if (p % 64 === 63) yield;
    }
    words.push(new Uint32Array(above.buffer));
    below = above;
  }
  return { height, positions, words, root: below.slice(0, 32) };
}

// Reused by directoryProof, which does not yield (JS is single-threaded); kept only while small
// (a SecAgg+ neighbourhood needs ~2 KiB; a complete graph's one proof per round gets its own).
const MAX_KEPT_SCRATCH = 65_536;
let proofScratch = new Int32Array(0);

function walkScratch(length: number): Int32Array {
  if (length > MAX_KEPT_SCRATCH) return new Int32Array(length);
  if (proofScratch.length < length) proofScratch = new Int32Array(Math.min(MAX_KEPT_SCRATCH, Math.max(length, 2 * proofScratch.length)));
  return proofScratch;
}

/**
 * The proof for a client who knows the leaves of `ids` (distinct, in any order): the sibling
 * hashes its walk to the root needs, concatenated (32 bytes each) in walk order.
 */
export function directoryProof(directory: Directory, ids: readonly number[]): Uint8Array {
  return new Uint8Array(directoryProofInto(directory, ids, (hashes) => new Uint32Array(8 * hashes), 0).buffer);
}

/**
 * {@link directoryProof} written into the words `place(hashes)` gives, from word `offset` (8 words
 * per hash), and returned: the server sizes one buffer for a whole key message once it knows the
 * proof's length.
 */
export function directoryProofInto(directory: Directory, ids: readonly number[], place: (hashes: number) => Uint32Array, offset: number): Uint32Array {
  // The walk of rootFromProof without its hashes, on typed arrays, then the hashes copied as
  // words from the level tables. The server writes one proof per client: at 10,000 clients,
  // while leaves were in id order (hundreds of hashes a proof), a proof took ~26 us with the
  // generic walk's tuples and arrays per level, ~11 us this way (a TypedArray.set per 32-byte
  // hash instead of the word copy costs more).
  const { height, positions, words } = directory;
  let count = ids.length;
  // One scratch: the known positions at the current level (ascending), then the level and
  // position of each proof hash in walk order (at most one per known node per level).
  const scratch = walkScratch(count + 2 * count * height);
  const known = scratch.subarray(0, count);
  const at = scratch.subarray(count);
  for (let i = 0; i < count; i++) known[i] = positionOf(positions, ids[i] as number);
  known.sort();
  let hashes = 0;
  for (let level = 0; level < height; level++) {
    let up = 0;
    for (let i = 0; i < count; ) {
      const p = known[i] as number;
      if ((p & 1) === 0 && i + 1 < count && known[i + 1] === p + 1) {
        i += 2;
      } else {
        at[2 * hashes] = level;
        at[2 * hashes + 1] = p ^ 1;
        hashes++;
        i += 1;
      }
      known[up++] = p >>> 1;
    }
    count = up;
  }
  const out = place(hashes);
  for (let h = 0; h < hashes; h++) {
    const table = words[at[2 * h] as number] as Uint32Array;
    const from = 8 * (at[2 * h + 1] as number);
    const to = offset + 8 * h;
    for (let w = 0; w < 8; w++) out[to + w] = table[from + w] as number;
  }
  return out;
}

/**
 * The root from known leaves (distinct ids with their leaf hashes, in any order), the leaf
 * positions of the configuration and a proof; null when the proof has too few or too many
 * hashes.
 */
export function rootFromProof(
  height: number,
  leaves: readonly (readonly [number, Uint8Array])[],
  positions: LeafPositions,
  proof: Uint8Array,
): Uint8Array | null {
  if (proof.length % 32 !== 0) return null;
  let used = 0;
  let short = false;
  const root = walk<Uint8Array>(
    height,
    leaves.map(([id, leaf]) => [positionOf(positions, id), leaf] as const).sort((a, b) => a[0] - b[0]),
    (left, right) => innerNode(left, right),
    () => {
      if (used + 32 > proof.length) {
        short = true;
        return new Uint8Array(32);
      }
      used += 32;
      return proof.subarray(used - 32, used);
    },
  );
  return short || used !== proof.length ? null : root;
}

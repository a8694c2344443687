/**
 * The key directory (src/protocol/_directory.ts): a Merkle tree over every client's advertised
 * keys whose root enters the session id; each client gets its neighbourhood's keys and a proof.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { absentLeaf, buildDirectory, directoryHeight, directoryProof, keyLeaf, rootFromProof } from '../../src/protocol/_directory.js';
import { directoryPositions, neighbourIds, type GraphConfig } from '../../src/graph/index.js';
import { computeSessionId } from '../../src/protocol/_kdf.js';
import { validateConfig } from '../../src/protocol/config.js';
import type { AdvertisedKeysMessage, SessionConfig } from '../../src/protocol/index.js';
import { honestTrace, seed } from './_driver.js';

const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const u32 = (x: number): Uint8Array => Uint8Array.of(x >>> 24, (x >>> 16) & 0xff, (x >>> 8) & 0xff, x & 0xff);
const keyOf = (id: number, which: number): Uint8Array => new Uint8Array(32).fill((7 * id + which) & 0xff);

describe('key directory', () => {
  it('matches the spec written out with node:crypto (3 clients, client 2 silent)', () => {
    const leaf1 = sha(Uint8Array.of(0), u32(1), keyOf(1, 0), keyOf(1, 1));
    const leaf2 = sha(Uint8Array.of(0), u32(2));
    const leaf3 = sha(Uint8Array.of(0), u32(3), keyOf(3, 0), keyOf(3, 1));
    const leaf4 = sha(Uint8Array.of(0), u32(4)); // padding to 2^2 leaves
    const root = sha(Uint8Array.of(1), sha(Uint8Array.of(1), leaf1, leaf2), sha(Uint8Array.of(1), leaf3, leaf4));
    const keys = (id: number) => (id === 2 ? null : { channelPublicKey: keyOf(id, 0), maskingPublicKey: keyOf(id, 1) });
    const d = buildDirectory(3, keys, null);
    expect(d.height).toBe(2);
    expect(Buffer.from(d.root).toString('hex')).toBe(Buffer.from(root).toString('hex'));
    // Client 1 knows leaves 1 and 2 (its neighbourhood in a 2-regular graph, say): the proof is
    // the one sibling it cannot compute, the node over leaves 3 and 4.
    const proof = directoryProof(d, [1, 2]);
    expect(Buffer.from(proof).toString('hex')).toBe(Buffer.from(sha(Uint8Array.of(1), leaf3, leaf4)).toString('hex'));
    expect(rootFromProof(2, [[1, keyLeaf(1, keyOf(1, 0), keyOf(1, 1))], [2, absentLeaf(2)]], null, proof)).toEqual(d.root);
  });

  it('places each leaf at its ring position when given one (3 clients on the ring 2, 3, 1)', () => {
    const leaf1 = sha(Uint8Array.of(0), u32(1), keyOf(1, 0), keyOf(1, 1));
    const leaf2 = sha(Uint8Array.of(0), u32(2));
    const leaf3 = sha(Uint8Array.of(0), u32(3), keyOf(3, 0), keyOf(3, 1));
    const padding = sha(Uint8Array.of(0), u32(4)); // position 3
    const root = sha(Uint8Array.of(1), sha(Uint8Array.of(1), leaf2, leaf3), sha(Uint8Array.of(1), leaf1, padding));
    const keys = (id: number) => (id === 2 ? null : { channelPublicKey: keyOf(id, 0), maskingPublicKey: keyOf(id, 1) });
    const positions = Uint32Array.of(0, 2, 0, 1); // id 1 at position 2, id 2 at 0, id 3 at 1
    const d = buildDirectory(3, keys, positions);
    expect(Buffer.from(d.root).toString('hex')).toBe(Buffer.from(root).toString('hex'));
    // Client 1 knows ids 1 and 3 (positions 2 and 1): it needs leaf 2 (position 0) and the
    // padding (position 3), in walk order; the ids may come in any order.
    const proof = directoryProof(d, [3, 1]);
    expect(Buffer.from(proof).toString('hex')).toBe(Buffer.from([...leaf2, ...padding]).toString('hex'));
    const known: [number, Uint8Array][] = [[1, keyLeaf(1, keyOf(1, 0), keyOf(1, 1))], [3, keyLeaf(3, keyOf(3, 0), keyOf(3, 1))]];
    expect(rootFromProof(2, known, positions, proof)).toEqual(d.root);
    // The same leaves read in id order give another root: the order is part of the session.
    expect(rootFromProof(2, known, null, directoryProof(buildDirectory(3, keys, null), [1, 3]))).not.toEqual(d.root);
  });

  it('heights: ceil(log2 clients)', () => {
    expect([1, 2, 3, 4, 5, 1000, 1024, 1025, 65_535].map(directoryHeight)).toEqual([0, 1, 2, 2, 3, 10, 10, 11, 16]);
  });

  const cohort = fc
    .integer({ min: 2, max: 300 })
    .chain((n) =>
      fc.record({
        n: fc.constant(n),
        advertised: fc.uniqueArray(fc.integer({ min: 1, max: n }), { minLength: 1, maxLength: n }),
        known: fc.uniqueArray(fc.integer({ min: 1, max: n }), { minLength: 1, maxLength: Math.min(n, 40) }),
        // null: id order; else the ids ranked by these keys give each id's position.
        order: fc.option(fc.array(fc.nat(), { minLength: n, maxLength: n }), { nil: null }),
      }),
    );
  const positionsOf = (order: number[] | null): Uint32Array | null => {
    if (order === null) return null;
    const byKey = order.map((key, i) => [key, i + 1] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const positions = new Uint32Array(order.length + 1);
    byKey.forEach(([, id], p) => (positions[id] = p));
    return positions;
  };
  const setUp = ({ n, advertised, known, order }: { n: number; advertised: number[]; known: number[]; order: number[] | null }) => {
    const inU1 = new Set(advertised);
    const keys = (id: number) => (inU1.has(id) ? { channelPublicKey: keyOf(id, 0), maskingPublicKey: keyOf(id, 1) } : null);
    const positions = positionsOf(order);
    const d = buildDirectory(n, keys, positions);
    const ids = [...known];
    const leaves = ids.map((id) => [id, inU1.has(id) ? keyLeaf(id, keyOf(id, 0), keyOf(id, 1)) : absentLeaf(id)] as [number, Uint8Array]);
    return { d, ids, leaves, positions, proof: directoryProof(d, ids) };
  };

  it('any set of known leaves and its proof give the root, with at most height hashes per leaf', () => {
    fc.assert(
      fc.property(cohort, (c) => {
        const { d, ids, leaves, positions, proof } = setUp(c);
        expect(rootFromProof(d.height, leaves, positions, proof)).toEqual(d.root);
        expect(proof.length / 32).toBeLessThanOrEqual(ids.length * d.height);
      }),
    );
  });

  it('a changed proof hash or leaf gives another root; a short or long proof gives none', () => {
    fc.assert(
      fc.property(cohort, fc.nat(), fc.nat(), (c, pick, bit) => {
        const { d, leaves, positions, proof } = setUp(c);
        if (proof.length > 0) {
          const bad = Uint8Array.from(proof);
          const at = pick % bad.length;
          bad[at] = (bad[at] as number) ^ (1 << (bit % 8));
          expect(rootFromProof(d.height, leaves, positions, bad)).not.toEqual(d.root);
          expect(rootFromProof(d.height, leaves, positions, proof.subarray(0, proof.length - 32))).toBeNull();
          expect(rootFromProof(d.height, leaves, positions, proof.subarray(0, proof.length - 1))).toBeNull();
        }
        expect(rootFromProof(d.height, leaves, positions, new Uint8Array([...proof, ...new Uint8Array(32)]))).toBeNull();
        expect(rootFromProof(d.height, leaves, positions, new Uint8Array([...proof, 0]))).toBeNull();
        const [id, leaf] = leaves[pick % leaves.length] as [number, Uint8Array];
        const other = leaves.map((l) => (l[0] === id ? ([id, Uint8Array.from(leaf, (b, i) => (i === 0 ? b ^ 1 : b))] as [number, Uint8Array]) : l));
        expect(rootFromProof(d.height, other, positions, proof)).not.toEqual(d.root);
      }),
    );
  });

  it("a SecAgg+ neighbourhood's proof has at most 4 height hashes (a ring interval, wrapped at most once, and for odd degrees the opposite client)", () => {
    const harary = fc
      .integer({ min: 3, max: 3000 })
      .chain((n) => fc.record({ n: fc.constant(n), degree: fc.integer({ min: 1, max: Math.min(n - 1, 60) }), seedByte: fc.nat(255), pick: fc.nat() }))
      .filter(({ n, degree }) => degree % 2 === 0 || n % 2 === 0);
    fc.assert(
      fc.property(harary, ({ n, degree, seedByte, pick }) => {
        const config: GraphConfig = { clients: n, graph: { kind: 'harary', degree, seed: new Uint8Array(32).fill(seedByte) } };
        const keys = (id: number) => ({ channelPublicKey: keyOf(id, 0), maskingPublicKey: keyOf(id, 1) });
        const d = buildDirectory(n, keys, directoryPositions(config));
        for (const u of [1 + (pick % n), 1, n]) {
          const hood = [u, ...neighbourIds(config, u)];
          const proof = directoryProof(d, hood);
          expect(proof.length / 32).toBeLessThanOrEqual(4 * d.height);
          const leaves = hood.map((v) => [v, keyLeaf(v, keyOf(v, 0), keyOf(v, 1))] as [number, Uint8Array]);
          expect(rootFromProof(d.height, leaves, directoryPositions(config), proof)).toEqual(d.root);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('key messages in a SecAgg+ round', () => {
  const graphSeed = seed(40);
  const trace = honestTrace(16, 3, { graph: { kind: 'harary', degree: 4, seed: graphSeed } }, [7]);

  it("each client gets only its neighbourhood's keys (itself included) and a proof, not the cohort's", () => {
    for (let u = 1; u <= 16; u++) {
      if (u === 7) continue;
      const m = trace.serverMessages['shareKeys']?.[u] as AdvertisedKeysMessage;
      const hood = [...neighbourIds(trace.config, u), u].filter((v) => v !== 7).sort((a, b) => a - b);
      expect(m.ids).toEqual(hood);
      expect(m.proof.length / 32).toBeLessThanOrEqual(4 * directoryHeight(16));
    }
    expect(trace.final.round).toBe('completed');
  });

  it('every client derives the same session id from its own part of the directory', () => {
    const ids = new Set<string>();
    for (let u = 1; u <= 16; u++) {
      const st = trace.clientStates['maskedInputCollection']?.[u];
      if (st?.round === 'maskedInputCollection') ids.add(Buffer.from(st.sessionId).toString('hex'));
    }
    expect(ids.size).toBe(1);
    if (trace.final.round === 'completed') expect(ids.has(Buffer.from(trace.final.sessionId).toString('hex'))).toBe(true);
  });
});

describe('the session id binds the whole configuration', () => {
  it('changing any one field of the configuration changes the session id', () => {
    const keys = Array.from({ length: 6 }, (_, i) => seed(40 + i));
    const base: SessionConfig = validateConfig({
      version: 2, clients: 6, threshold: 5, corruptClients: 1, graph: { kind: 'harary', degree: 4, seed: seed(1) },
      vectors: [{ name: 'x', length: 8, bits: 16 }, { name: 'y', length: 3, bits: 32 }], active: true, nonce: seed(2),
      verificationKeys: keys, cohort: [0, 2, 3, 5, 8, 9], registrySize: 12, policyDigest: seed(3), beaconRound: 77,
    });
    const swapped = (i: number, key: Uint8Array): Uint8Array[] => keys.map((k, j) => (j === i ? key : k));
    const variants: Partial<SessionConfig>[] = [
      { threshold: 4, corruptClients: 0 },
      { corruptClients: 0 },
      { graph: { kind: 'harary', degree: 4, seed: seed(4) } },
      { graph: { kind: 'complete' }, threshold: 5 },
      { active: false, verificationKeys: null },
      { nonce: seed(5) },
      { verificationKeys: swapped(5, seed(50)) },
      { verificationKeys: [...keys].reverse() },
      { cohort: [0, 2, 3, 5, 8, 10] },
      { registrySize: 13 },
      { policyDigest: seed(6) },
      { beaconRound: 78 },
      { beaconRound: null },
      { vectors: [{ name: 'x', length: 8, bits: 15 }, { name: 'y', length: 3, bits: 32 }] },
      { vectors: [{ name: 'x', length: 9, bits: 16 }, { name: 'y', length: 3, bits: 32 }] },
      { vectors: [{ name: 'y', length: 3, bits: 32 }, { name: 'x', length: 8, bits: 16 }] },
      { vectors: [{ name: 'x', length: 8, bits: 16 }, { name: 'z', length: 3, bits: 32 }] },
    ];
    const root = seed(9);
    const ids = new Set([Buffer.from(computeSessionId(base, root)).toString('hex')]);
    for (const change of variants) ids.add(Buffer.from(computeSessionId(validateConfig({ ...base, ...change }), root)).toString('hex'));
    expect(ids.size).toBe(1 + variants.length);
    // More clients (the cohort, keys and n together), and the directory root.
    const seven = validateConfig({ ...base, clients: 7, cohort: [...base.cohort, 11], verificationKeys: [...keys, seed(60)] });
    ids.add(Buffer.from(computeSessionId(seven, root)).toString('hex'));
    ids.add(Buffer.from(computeSessionId(base, seed(10))).toString('hex'));
    expect(ids.size).toBe(3 + variants.length);
  });
});

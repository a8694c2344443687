import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { simulateSession, type SimulationOptions } from '../../src/simulate/index.js';

interface GoldenCase {
  name: string;
  options: Omit<SimulationOptions, 'seed'>;
  seedHex: string;
  outcome: string;
  included: number[];
  totalBytes: number;
  sumHex: string;
  transcriptSha256: string;
}

const golden = JSON.parse(readFileSync(new URL('../vectors/protocol-session-golden.json', import.meta.url), 'utf8')) as {
  provenance: string;
  cases: GoldenCase[];
};

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('golden replay: the same seed gives the same bytes on the wire', () => {
  for (const c of golden.cases) {
    it(c.name, () => {
      const seed = Uint8Array.from(Buffer.from(c.seedHex, 'hex'));
      const r = simulateSession({ ...c.options, seed });
      expect(r.outcome).toBe(c.outcome);
      expect(r.match).toBe(true);
      expect(r.included).toEqual(c.included);
      expect(r.totalBytes).toBe(c.totalBytes);
      expect(hex(new Uint8Array((r.sums?.['x'] as Uint32Array).buffer))).toBe(c.sumHex);
      expect(hex(r.transcriptHash as Uint8Array)).toBe(c.transcriptSha256);
    });
  }

  it('the portable backend (noble) replays the same transcript as the native one', () => {
    const c = golden.cases[0] as GoldenCase;
    const seed = Uint8Array.from(Buffer.from(c.seedHex, 'hex'));
    const r = simulateSession({ ...c.options, seed, backend: 'portable' });
    expect(hex(r.transcriptHash as Uint8Array)).toBe(c.transcriptSha256);
  });

  it('a different seed gives a different transcript but the same (exact) sum semantics', () => {
    const c = golden.cases[0] as GoldenCase;
    const r = simulateSession({ ...c.options, seed: new Uint8Array(32).fill(0x43) });
    expect(r.match).toBe(true);
    expect(hex(r.transcriptHash as Uint8Array)).not.toBe(c.transcriptSha256);
  });
});

describe('key derivation agrees with src/masking', () => {
  it('maskKey (native HKDF) equals deriveMaskKey', async () => {
    const { maskKey } = await import('../../src/protocol/_kdf.js');
    const { deriveMaskKey } = await import('../../src/masking/index.js');
    for (const label of ['b/x', 's/weights', 'b/a.b-c_1']) {
      const seedBytes = new Uint8Array(32).map((_, i) => i * 7 + label.length);
      const sid = new Uint8Array(32).fill(label.charCodeAt(0));
      expect(maskKey(seedBytes, sid, label)).toEqual(deriveMaskKey(seedBytes, sid, label));
      expect(maskKey(seedBytes, sid, label, 'portable')).toEqual(deriveMaskKey(seedBytes, sid, label));
    }
  });
});

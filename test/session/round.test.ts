/** Whole rounds over the in-memory transport: the aggregations, repeated rounds, cohorts, the active variant. */
import { describe, expect, it } from 'vitest';
import { ed25519PublicKey } from '../../src/crypto/index.js';
import { createInlineRunner } from '../../src/protocol/index.js';
import { createSessionSpec, maxFrameBytes, type SessionSpec } from '../../src/session/index.js';
import { dequantizeSum, planQuantization, sumVectors } from '../../src/vector/index.js';
import { filled, names, network, smallSpec } from './_helpers.js';

/** Client i's encoded vector of round r (elements below 2^bits, deterministic). */
function encoded(spec: SessionSpec, i: number, r: number): Uint32Array {
  const v = spec.policy.vectors[0] as { length: number; bits: number };
  return Uint32Array.from({ length: v.length }, (_, k) => (1000 * (i + 1) + 17 * k + 5 * r) % 2 ** 12);
}

describe('a session round in memory', () => {
  it('three clients, a quantised mean of two tensors, by name and as a list', async () => {
    const spec = smallSpec(3);
    const net = network(spec, 3);
    try {
      const round = net.server.runRound();
      const outcomes = await Promise.all(
        net.clients.map((c, i) => c.submit(i === 2 ? [filled(6, 0.3), filled(2, -0.5)] : { w: filled(6, 0.1 * (i + 1)), b: filled(2, -0.5) })),
      );
      const result = await round;
      expect(result.outcome, JSON.stringify(result.abort)).toBe('completed');
      if (result.outcome !== 'completed') return;
      expect(result.included).toEqual(['client-0', 'client-1', 'client-2']);
      expect(result.cohort).toEqual(['client-0', 'client-1', 'client-2']);
      expect(result.dropped).toEqual([]);
      for (const v of result.values['w'] as Float64Array) expect(v).toBeCloseTo(0.2, 4);
      for (const v of result.values['b'] as Float64Array) expect(v).toBeCloseTo(-0.5, 4);
      expect(result.totalWeight).toBeNull();
      for (const o of outcomes) expect(o).toMatchObject({ outcome: 'completed', round: 1, included: 3, inputSent: true, code: null });
      expect(Object.keys(result.milliseconds).sort()).toEqual(['admission', 'advertiseKeys', 'maskedInputCollection', 'shareKeys', 'unmasking']);
    } finally {
      await net.close();
    }
  });

  it('repeated rounds on the same connections: each sum exact over its clients (pre-encoded vectors, kind sum)', async () => {
    const spec = smallSpec(4, { aggregation: { kind: 'sum', clip: 4, bits: 16 } });
    const plan = planQuantization({ clip: 4, bits: 16, clients: spec.maxClients });
    const net = network(spec, 4, { server: { cohort: { min: 4 } } });
    try {
      for (let r = 1; r <= 3; r++) {
        const round = net.server.runRound();
        const outcomes = await Promise.all(net.clients.map((c, i) => c.submit(encoded(spec, i, r))));
        const result = await round;
        expect(result.outcome).toBe('completed');
        if (result.outcome !== 'completed') return;
        expect(result.round).toBe(r);
        const plain = sumVectors([0, 1, 2, 3].map((i) => encoded(spec, i, r)), 16);
        expect(result.sum).toEqual(plain);
        const decoded = dequantizeSum(plain, plan, { count: 4 });
        expect(Float64Array.from([...(result.values['w'] as Float64Array), ...(result.values['b'] as Float64Array)])).toEqual(decoded);
        for (const o of outcomes) expect(o.outcome).toBe('completed');
      }
      expect(net.server.status).toMatchObject({ connected: 4, ready: 0, round: null });
    } finally {
      await net.close();
    }
  });

  it('FedAvg: a weighted mean with integer weights, the weight element sized by the library', async () => {
    const spec = smallSpec(3, { aggregation: { kind: 'mean', clip: 1, bits: 32, maxWeight: 1000 } });
    expect(spec.policy.vectors).toEqual([{ name: 'update', length: 9, bits: 32 }]); // 6 + 2 + the weight
    const net = network(spec, 3);
    try {
      const round = net.server.runRound();
      const weights = [10, 30, 60];
      const values = [0.5, -0.25, 0.1];
      await Promise.all(net.clients.map((c, i) => c.submit({ w: filled(6, values[i] as number), b: filled(2, 0) }, { weight: weights[i] as number })));
      const result = await round;
      expect(result.outcome).toBe('completed');
      if (result.outcome !== 'completed') return;
      expect(result.totalWeight).toBe(100);
      const expected = (10 * 0.5 + 30 * -0.25 + 60 * 0.1) / 100;
      for (const v of result.values['w'] as Float64Array) expect(v).toBeCloseTo(expected, 5);
      // A weighted spec needs the weight, an unweighted one refuses it.
      await expect(net.clients[0]?.submit({ w: filled(6, 0), b: filled(2, 0) })).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
      await expect(net.clients[0]?.submit({ w: filled(6, 0), b: filled(2, 0) }, { weight: 1001 })).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
    } finally {
      await net.close();
    }
  });

  it('more ready clients than the cohort allows: a sample of max in registry order, the others stay ready', async () => {
    const spec = smallSpec(6);
    const net = network(spec, 6, { server: { cohort: { max: 4 } } });
    try {
      const submit = (i: number) => (net.clients[i] as (typeof net.clients)[number]).submit({ w: filled(6, i), b: filled(2, 0) });
      const pending = new Map(net.clients.map((_, i) => [i, submit(i)]));
      while (net.server.status.ready < 6) await new Promise((r) => setTimeout(r, 2));
      for (let r = 1; r <= 3; r++) {
        const result = await net.server.runRound();
        expect(result.outcome).toBe('completed');
        expect(result.cohort).toHaveLength(4);
        expect(result.cohort.map((n) => Number(n.slice(7)))).toEqual([...result.cohort.map((n) => Number(n.slice(7)))].sort((a, b) => a - b));
        expect(net.server.status.ready).toBe(2); // the two left out are still waiting
        for (const name of result.cohort) {
          const i = Number(name.slice(7));
          expect((await pending.get(i))?.outcome).toBe('completed');
          pending.set(i, submit(i));
        }
        while (net.server.status.ready < 6) await new Promise((resolve) => setTimeout(resolve, 2));
      }
    } finally {
      await net.close();
    }
  });

  it('the active variant: signed keys and the consistency round, in the registry of verification keys', async () => {
    const seeds = Array.from({ length: 4 }, (_, i) => new Uint8Array(32).fill(i + 1));
    const spec = createSessionSpec({
      policy: { registry: { verificationKeys: seeds.map((k) => ed25519PublicKey(k)) }, active: true, corruptFraction: 0, dropoutFraction: 0.25, minClients: 3 },
      model: [{ name: 'w', length: 4 }],
      aggregation: { kind: 'sum', clip: 1, bits: 20 },
    });
    const net = network(spec, 4, { server: { cohort: { min: 4 } }, client: (i) => ({ signingKey: seeds[i] as Uint8Array }) });
    try {
      const round = net.server.runRound();
      const outcomes = await Promise.all(net.clients.map((c, i) => c.submit({ w: filled(4, i / 10) })));
      const result = await round;
      expect(result.outcome).toBe('completed');
      if (result.outcome !== 'completed') return;
      expect(result.config?.active).toBe(true);
      expect(result.milliseconds.consistencyCheck).toBeGreaterThanOrEqual(0);
      for (const v of result.values['w'] as Float64Array) expect(v).toBeCloseTo(0.6, 4);
      expect(outcomes.every((o) => o.outcome === 'completed')).toBe(true);
      expect(names(4)).toEqual(result.included);
    } finally {
      await net.close();
    }
  });

  it('maxFrameBytes(spec) admits every frame of a round (the active variant, a 1,000-element model), and a smaller limit refuses the masked input', async () => {
    const seeds = Array.from({ length: 4 }, (_, i) => new Uint8Array(32).fill(i + 1));
    const spec = createSessionSpec({
      policy: { registry: { verificationKeys: seeds.map((k) => ed25519PublicKey(k)) }, active: true, corruptFraction: 0, dropoutFraction: 0.25, minClients: 3 },
      model: [{ name: 'w', length: 1000 }],
      aggregation: { kind: 'sum', clip: 1, bits: 20 },
    });
    const limit = maxFrameBytes(spec);
    expect(limit).toBeGreaterThanOrEqual(8 + 43 + 2500);
    for (const [bytes, completes] of [[limit, 4], [2500, 0]] as const) {
      const net = network(spec, 4, { maxFrameBytes: bytes, server: { cohort: { min: 4 } }, client: (i) => ({ signingKey: seeds[i] as Uint8Array }) });
      try {
        const round = net.server.runRound();
        const outcomes = await Promise.all(net.clients.map((c) => c.submit({ w: filled(1000, 0.25) })));
        const result = await round;
        expect(outcomes.filter((o) => o.outcome === 'completed')).toHaveLength(completes);
        expect(result.outcome).toBe(completes === 4 ? 'completed' : 'aborted');
      } finally {
        await net.close();
      }
    }
  });

  it('the unmasking runs on the runner it is given (a job runner of secagg/protocol)', async () => {
    const spec = smallSpec(4);
    const inline = createInlineRunner();
    let jobs = 0;
    const runner = { concurrency: 2, run: (job: Parameters<typeof inline.run>[0]) => (jobs++, inline.run(job)) };
    const net = network(spec, 4, { server: { runner, cohort: { min: 4 } } });
    try {
      const round = net.server.runRound();
      await Promise.all(net.clients.map((c) => c.submit({ w: filled(6, 0.5), b: filled(2, 0.5) })));
      const result = await round;
      expect(result.outcome).toBe('completed');
      expect(jobs).toBeGreaterThan(0);
    } finally {
      await net.close();
    }
  });
});

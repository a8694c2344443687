/**
 * Sessions under a DP plan: the noisy sum released and decoded with the round's nonce, weights
 * capped to [0, 1], and a sum of fewer survivors than the noise was calibrated for never
 * released (refused by the clients, and by the server when clients do not check).
 */
import { describe, expect, it } from 'vitest';
import { decodeServerSum, planDistributedNoise } from '../../src/dp/index.js';
import { createSessionSpec, flatten } from '../../src/session/index.js';
import { coreClient, filled, MessageByte, network, protocolType } from './_helpers.js';

const model = [
  { name: 'w', length: 6 },
  { name: 'b', length: 2 },
];

describe('a DP session', () => {
  it('releases the noisy sum, decoded with the round nonce; weights in [0, 1], never example counts', async () => {
    const plan = planDistributedNoise({ clipNorm: 10, dimension: 8, clients: 6, minClients: 4, bits: 24, noiseMultiplier: 0.5, rotation: 'hadamard' });
    const spec = createSessionSpec({ policy: { registry: { size: 6 }, corruptFraction: 0, dropoutFraction: 0.2, minClients: 5 }, model, aggregation: { kind: 'dp', plan } });
    const net = network(spec, 6, { server: { cohort: { min: 6 } } });
    try {
      const round = net.server.runRound();
      const outcomes = await Promise.all(net.clients.map((c, i) => c.submit({ w: filled(6, 1), b: filled(2, -1) }, { weight: i === 0 ? 0.5 : 1 })));
      const result = await round;
      expect(result.outcome).toBe('completed');
      if (result.outcome !== 'completed') return;
      const decoded = decodeServerSum(result.sum, plan, { count: 6, round: result.config?.nonce as Uint8Array });
      expect(flatten(result.values, spec)).toEqual(decoded);
      // Noise of stddev about 0.5 * 10 * sqrt(6/4) per coordinate around 5.5 and -5.5.
      for (const v of result.values['w'] as Float64Array) expect(Math.abs(v - 5.5)).toBeLessThan(40);
      for (const v of result.values['b'] as Float64Array) expect(Math.abs(v + 5.5)).toBeLessThan(40);
      expect(outcomes.every((o) => o.outcome === 'completed')).toBe(true);
      await expect(net.clients[0]?.submit({ w: filled(6, 1), b: filled(2, 1) }, { weight: 80 })).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
    } finally {
      await net.close();
    }
  });

  it('fewer survivors than the plan is calibrated for (SecAgg+ allows it): the clients refuse to reveal, nothing is released', async () => {
    const plan = planDistributedNoise({ clipNorm: 1, dimension: 8, clients: 5, minClients: 5, bits: 24, noiseMultiplier: 0.5 });
    const spec = createSessionSpec({
      policy: { registry: { size: 5 }, graph: 'secaggplus', corruptFraction: 0, dropoutFraction: 0.2, minClients: 5 },
      model,
      aggregation: { kind: 'dp', plan },
    });
    const net = network(spec, 5, { server: { deadlines: { round: 5_000, unmasking: 300 } } });
    (net.hooks[4] as (typeof net.hooks)[number]).incoming = (frame) => (protocolType(frame) === MessageByte.encryptedShares ? 'sever' : 'pass');
    try {
      const round = net.server.runRound();
      const outcomes = await Promise.all(net.clients.map((c) => c.submit({ w: filled(6, 0.1), b: filled(2, 0) })));
      const result = await round;
      expect(result).toMatchObject({ outcome: 'aborted', sum: null, values: null });
      for (const o of outcomes.slice(0, 4)) expect(o).toMatchObject({ outcome: 'aborted', code: 'TOO_FEW_SURVIVORS', inputSent: true });
    } finally {
      await net.close();
    }
  });

  it('the server refuses to release such a sum even when every client reveals (TOO_FEW_SURVIVORS), and tells the clients', async () => {
    const plan = planDistributedNoise({ clipNorm: 1, dimension: 8, clients: 5, minClients: 5, bits: 24, noiseMultiplier: 0.5 });
    const spec = createSessionSpec({
      policy: { registry: { size: 5 }, graph: 'secaggplus', corruptFraction: 0, dropoutFraction: 0.2, minClients: 5 },
      model,
      aggregation: { kind: 'dp', plan },
    });
    const net = network(spec, 0, { registry: 5 });
    try {
      const round = net.server.runRound();
      const input = new Uint32Array(8);
      const ends = [0, 1, 2, 3, 4].map((i) => net.transport.connect(`client-${i}`));
      const verdicts = ends.slice(0, 4).map((end, i) => coreClient(spec, i, end, input));
      // Client 4 joins and leaves before its masked input.
      const last = ends[4] as (typeof ends)[number];
      void coreClient(spec, 4, last, input);
      const onFrame = last.onFrame;
      last.onFrame = (bytes) => (protocolType(bytes) === MessageByte.encryptedShares ? last.close() : onFrame?.(bytes));
      const result = await round;
      expect(result).toMatchObject({ outcome: 'aborted', sum: null, values: null, abort: { code: 'TOO_FEW_SURVIVORS' } });
      expect(await Promise.all(verdicts)).toEqual(['aborted', 'aborted', 'aborted', 'aborted']);
    } finally {
      await net.close();
    }
  });
});

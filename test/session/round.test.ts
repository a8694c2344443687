/** Whole rounds over the in-memory transport: the happy path, repeated rounds, decoding. */
import { describe, expect, it } from 'vitest';
import { filled, network, smallSpec } from './_helpers.js';

describe('a session round in memory', () => {
  it('three clients, a quantised mean of two tensors', async () => {
    const spec = smallSpec(3);
    const net = network(spec, 3);
    try {
      const round = net.server.runRound();
      const outcomes = await Promise.all(net.clients.map((c, i) => c.submit({ w: filled(6, 0.1 * (i + 1)), b: filled(2, -0.5) })));
      const result = await round;
      expect(result.outcome, JSON.stringify(result.abort)).toBe('completed');
      if (result.outcome !== 'completed') return;
      expect(result.included).toEqual(['client-0', 'client-1', 'client-2']);
      for (const v of result.values['w'] as Float64Array) expect(v).toBeCloseTo(0.2, 4);
      for (const v of result.values['b'] as Float64Array) expect(v).toBeCloseTo(-0.5, 4);
      for (const o of outcomes) expect(o).toMatchObject({ outcome: 'completed', round: 1, included: 3, inputSent: true, code: null });
    } finally {
      await net.close();
    }
  });
});

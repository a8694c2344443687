import { describe, expect, it } from 'vitest';
import { simulateSessionParallel } from '../../cli/simulate-parallel.js';
import { SecAggError } from '../../src/errors.js';
import { simulateSession, type SimulationOptions } from '../../src/simulate/index.js';

const hex = (b: Uint8Array | null): string | null => (b === null ? null : Buffer.from(b).toString('hex'));

describe('simulateSessionParallel (clients on worker threads)', () => {
  it('gives the transcript, sums, drops and aborts of the single-threaded run', async () => {
    const cases: SimulationOptions[] = [
      { clients: 80, length: 300, bits: 16, graph: 'harary', dropout: 0.2, seed: new Uint8Array(32).fill(3) },
      { clients: 12, length: 50, bits: 24, graph: 'complete', active: true, dropout: 0.25, seed: new Uint8Array(32).fill(4) },
      // Batches of 1024 deliveries: more clients than one batch, so a batch is started ahead.
      { clients: 1100, length: 8, bits: 8, graph: 'harary', dropout: 0.02, encode: false },
    ];
    for (const options of cases) {
      const serial = simulateSession(options);
      const parallel = await simulateSessionParallel({ ...options, workers: 3 });
      expect(parallel.outcome).toBe(serial.outcome);
      expect(parallel.match).toBe(true);
      expect(hex(parallel.transcriptHash)).toBe(hex(serial.transcriptHash));
      expect(parallel.included).toEqual(serial.included);
      expect(parallel.sums).toEqual(serial.sums);
      expect(parallel.drops).toEqual(serial.drops);
      expect(parallel.clientAborts).toEqual(serial.clientAborts);
      expect(parallel.rounds.map((r) => [r.round, r.senders, r.bytesUp, r.bytesDown])).toEqual(
        serial.rounds.map((r) => [r.round, r.senders, r.bytesUp, r.bytesDown]),
      );
    }
  }, 120_000);

  it('rejects bad options before starting any worker', async () => {
    await expect(simulateSessionParallel({ clients: 1 })).rejects.toBeInstanceOf(SecAggError);
    for (const options of [undefined, null, 5]) {
      await expect(simulateSessionParallel(options as never)).rejects.toMatchObject({ code: 'INVALID_TYPE' });
    }
    for (const workers of [0, 1.5, 257, Number.NaN, '2']) {
      await expect(simulateSessionParallel({ clients: 10, workers: workers as number })).rejects.toMatchObject({ code: 'OUT_OF_RANGE' });
    }
  });
});

/**
 * PrivacyLedger: two labelled epsilons per run, survivors setting the distributed noise, the
 * budget refusing before recording, JSON round trips, and hostile ledger JSON.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PrivacyLedger, type LedgerRound, type PrivacyLedgerOptions } from '../../src/dp/ledger.js';
import { decodeLedger } from '../../src/dp/_ledger-codec.js';
import {
  composedEvent,
  distributedDiscreteGaussianEvent,
  gaussianEvent,
  poissonSampledEvent,
  sampledWithoutReplacementEvent,
  skellamEvent,
} from '../../src/dp/events.js';
import { RdpAccountant } from '../../src/dp/rdp.js';
import { planDistributedNoise } from '../../src/dp/distributed-pipeline.js';
import { planCentralGaussian } from '../../src/dp/central-gaussian.js';
import { dpEventForRound } from '../../src/dp/plan-validate.js';
import { PldAccountant } from '../../src/dp/pld/index.js';
import { expectSecAggError, notNumbers } from '../_hostile.js';

/** A distributed plan's event: 80 clients (the threshold) of local sigma 220 give noise ~1.97 C. */
const plan = distributedDiscreteGaussianEvent({ clients: 80, localSigma: 220, l2Sensitivity: 1000, l1Sensitivity: 30000, dimension: 1000 });
const fixed: PrivacyLedgerOptions = { sampling: { kind: 'fixedSize', populationSize: 1000 }, delta: 1e-6 };

describe('PrivacyLedger: two epsilons', () => {
  it('fixed-size cohorts: release = the sampled event, server = the unamplified one, both labelled', () => {
    const ledger = new PrivacyLedger(fixed);
    for (let i = 0; i < 20; i++) ledger.recordRound({ event: gaussianEvent(2), cohortSize: 50, survivors: 45 });
    const eps = ledger.epsilon();
    expect(Object.keys(eps).sort()).toEqual(['delta', 'release', 'server']);
    const opts = { neighboringRelation: 'replaceOne' } as const;
    expect(eps.server).toBe(new RdpAccountant(opts).compose(gaussianEvent(2), 20).getEpsilon(1e-6));
    expect(eps.release).toBe(new RdpAccountant(opts).compose(sampledWithoutReplacementEvent(1000, 50, gaussianEvent(2)), 20).getEpsilon(1e-6));
    expect(eps.release).toBeLessThan(eps.server / 3);
    expect(ledger.rounds).toBe(20);
    expect(ledger.epsilon(1e-3).server).toBeLessThan(eps.server);
  });

  it('Poisson sampling and no sampling use their own events and relations', () => {
    const poisson = new PrivacyLedger({ sampling: { kind: 'poisson', samplingRate: 0.05 }, delta: 1e-5, accountant: 'pld' });
    poisson.recordRound({ event: gaussianEvent(1.5), cohortSize: 48, survivors: 40 });
    expect(poisson.neighboringRelation).toBe('addOrRemoveOne');
    expect(poisson.epsilon().release).toBe(new PldAccountant().compose(poissonSampledEvent(0.05, gaussianEvent(1.5))).getEpsilon(1e-5));
    const none = new PrivacyLedger({ sampling: { kind: 'none' }, delta: 1e-5 });
    none.recordRound({ event: gaussianEvent(3), cohortSize: 10, survivors: 10 });
    expect(none.epsilon().release).toBe(none.epsilon().server);
  });

  it('a Poisson ledger refuses distributed noise (INVALID_EVENT) and records nothing: its bound does not cover add/remove', () => {
    const poisson = new PrivacyLedger({ sampling: { kind: 'poisson', samplingRate: 0.05 }, delta: 1e-5 });
    expectSecAggError(() => poisson.recordRound({ event: plan, cohortSize: 100, survivors: 80 }), 'INVALID_EVENT');
    expectSecAggError(() => poisson.previewRound({ event: composedEvent([gaussianEvent(1), plan]), cohortSize: 100, survivors: 80 }), 'INVALID_EVENT');
    expect(poisson.rounds).toBe(0);
  });

  it('distributed noise is accounted for the survivors actually summed (fewer survivors, more epsilon)', () => {
    const run = (survivors: number): number => {
      const ledger = new PrivacyLedger(fixed);
      for (let i = 0; i < 10; i++) ledger.recordRound({ event: plan, cohortSize: 100, survivors });
      return ledger.epsilon().server;
    };
    const full = run(100);
    const dropped = run(80);
    expect(dropped).toBeGreaterThan(full);
    const opts = { neighboringRelation: 'replaceOne' } as const;
    expect(dropped).toBe(new RdpAccountant(opts).compose({ ...plan, clients: 80 } as typeof plan, 10).getEpsilon(1e-6));
    // Inside compositions too (e.g. an update plus an adaptive-clipping bit).
    const bit = skellamEvent({ clients: 80, localVariance: 400, l2Sensitivity: 1, l1Sensitivity: 1 });
    const ledger = new PrivacyLedger(fixed);
    ledger.recordRound({ event: composedEvent([plan, bit]), cohortSize: 100, survivors: 90 });
    const direct = new RdpAccountant(opts).compose(composedEvent([{ ...plan, clients: 90 } as typeof plan, { ...bit, clients: 90 } as typeof bit]));
    expect(ledger.epsilon().server).toBe(direct.getEpsilon(1e-6));
  });

  it("records the mechanisms' plans: dpEventForRound(plan, { survivors }) per round (distributed, central, adaptive clipping)", () => {
    const distributed = planDistributedNoise({ clipNorm: 1, dimension: 1000, clients: 100, minClients: 80, bits: 24, noiseMultiplier: 1 });
    const central = planCentralGaussian({
      clipNorm: 1, dimension: 1000, clients: 100, bits: 32, noiseMultiplier: 1, adaptiveClipping: { targetQuantile: 0.5 },
    });
    for (const plan of [distributed, central]) {
      const ledger = new PrivacyLedger({ sampling: { kind: 'fixedSize', populationSize: 10_000 }, delta: 1e-6 });
      const direct = new RdpAccountant({ neighboringRelation: 'replaceOne' });
      for (const survivors of [100, 93, 85]) {
        const event = dpEventForRound(plan, { survivors });
        ledger.recordRound({ event, cohortSize: 100, survivors });
        direct.compose(event);
      }
      const eps = ledger.epsilon();
      expect(eps.server).toBe(direct.getEpsilon(1e-6));
      expect(eps.release).toBeLessThan(eps.server);
      expect(PrivacyLedger.fromJSON(JSON.stringify(ledger)).epsilon()).toEqual(eps);
    }
  });

  it('a PRV ledger reports the bounds behind both epsilons', () => {
    const ledger = new PrivacyLedger({ ...fixed, accountant: 'prv' });
    ledger.recordRound({ event: gaussianEvent(2), cohortSize: 50, survivors: 50 });
    const eps = ledger.epsilon();
    expect(eps.bounds?.server.upper).toBe(eps.server);
    expect(eps.bounds?.release.upper).toBe(eps.release);
    expect(eps.bounds?.release.lower).toBeLessThanOrEqual(eps.release);
  });
});

describe('PrivacyLedger: budget', () => {
  it('refuses (BUDGET_EXCEEDED) the round that would cross a cap, records nothing, keeps accepting cheaper views', () => {
    const ledger = new PrivacyLedger({ ...fixed, budget: { release: 1.5 } });
    const round: LedgerRound = { event: gaussianEvent(4), cohortSize: 50, survivors: 50 };
    let accepted = 0;
    for (;;) {
      const before = ledger.epsilon();
      try {
        const after = ledger.recordRound(round);
        expect(after.release).toBeLessThanOrEqual(1.5);
        accepted++;
      } catch (error) {
        expectSecAggError(() => {
          throw error;
        }, 'BUDGET_EXCEEDED');
        expect(ledger.epsilon()).toEqual(before);
        expect(ledger.rounds).toBe(accepted);
        break;
      }
    }
    expect(accepted).toBeGreaterThan(5);
    expect(ledger.previewRound(round).release).toBeGreaterThan(1.5);
    // The server view has no cap here, so only the release view can refuse.
    expect(ledger.epsilon().server).toBeGreaterThan(1.5);
  });

  it('a server cap refuses independently of the release view', () => {
    const ledger = new PrivacyLedger({ ...fixed, budget: { server: 5 } });
    expectSecAggError(() => ledger.recordRound({ event: gaussianEvent(0.5), cohortSize: 10, survivors: 10 }), 'BUDGET_EXCEEDED');
    expect(ledger.rounds).toBe(0);
    expect(ledger.epsilon()).toEqual({ server: 0, release: 0, delta: 1e-6 });
  });

  it('an unsupported event is refused before recording (UNSUPPORTED_EVENT), a sampled one as INVALID_EVENT', () => {
    const ledger = new PrivacyLedger({ ...fixed, accountant: 'pld' });
    expectSecAggError(() => ledger.recordRound({ event: plan, cohortSize: 100, survivors: 90 }), 'UNSUPPORTED_EVENT');
    expectSecAggError(
      () => ledger.recordRound({ event: sampledWithoutReplacementEvent(1000, 50, gaussianEvent(1)), cohortSize: 50, survivors: 50 }),
      'INVALID_EVENT',
    );
    expect(ledger.rounds).toBe(0);
  });
});

describe('PrivacyLedger: options and rounds are validated', () => {
  it('refuses bad options', () => {
    const bad: unknown[] = [
      undefined,
      null,
      { ...fixed, delta: 0 },
      { ...fixed, delta: 1 },
      { ...fixed, delta: Number.NaN },
      { ...fixed, accountant: 'moments' },
      { ...fixed, neighboringRelation: 'addOrRemoveOne' },
      { ...fixed, budget: {} },
      { ...fixed, budget: { server: -1 } },
      { ...fixed, budget: { release: Number.POSITIVE_INFINITY } },
      { ...fixed, extra: 1 },
      { sampling: { kind: 'fixedSize', populationSize: 0 }, delta: 1e-6 },
      { sampling: { kind: 'fixedSize', populationSize: 10, samplingRate: 0.1 }, delta: 1e-6 },
      { sampling: { kind: 'poisson', samplingRate: 1.5 }, delta: 1e-6 },
      { sampling: { kind: 'poisson', samplingRate: 0.1 }, delta: 1e-6, neighboringRelation: 'replaceOne' },
      { sampling: { kind: 'shuffle' }, delta: 1e-6 },
      { sampling: 'fixedSize', delta: 1e-6 },
    ];
    for (const o of bad) expectSecAggError(() => new PrivacyLedger(o as PrivacyLedgerOptions));
  });

  it('refuses bad rounds before recording anything', () => {
    const ledger = new PrivacyLedger(fixed);
    const ok: LedgerRound = { event: gaussianEvent(2), cohortSize: 50, survivors: 40 };
    const bad: unknown[] = [
      undefined,
      { ...ok, survivors: 0 },
      { ...ok, survivors: 51 },
      { ...ok, cohortSize: 1001 },
      { ...ok, extra: 1 },
      { ...ok, event: { kind: 'gaussian', noiseMultiplier: -1 } },
      ...notNumbers.filter((v) => v !== undefined).map((v) => ({ ...ok, survivors: v })),
    ];
    for (const r of bad) expectSecAggError(() => ledger.recordRound(r as LedgerRound));
    expect(ledger.rounds).toBe(0);
  });

  it('a Poisson sampling rate of 0 is refused: rounds with survivors would count as releasing nothing', () => {
    // Review finding: samplingRate 0 was accepted, and every round then cost release epsilon 0.
    expectSecAggError(() => new PrivacyLedger({ sampling: { kind: 'poisson', samplingRate: 0 }, delta: 1e-6 }), 'OUT_OF_RANGE');
    const tiny = new PrivacyLedger({ sampling: { kind: 'poisson', samplingRate: Number.MIN_VALUE }, delta: 1e-6 });
    expect(tiny.sampling).toEqual({ kind: 'poisson', samplingRate: Number.MIN_VALUE });
  });

  it('its settings cannot be edited after construction, so toJSON cannot launder an edit past the digest', () => {
    // Review finding: sampling, delta, neighboringRelation and budget were plain writable fields
    // (TypeScript's readonly only); an assignment changed the budget check at once and toJSON
    // then wrote the edited settings with a fresh, valid digest.
    const options: PrivacyLedgerOptions = {
      sampling: { kind: 'none' },
      delta: 1e-6,
      neighboringRelation: 'replaceOne',
      budget: { server: 5 },
    };
    const ledger = new PrivacyLedger(options);
    const round: LedgerRound = { event: gaussianEvent(8), cohortSize: 10, survivors: 10 };
    for (let i = 0; i < 3; i++) ledger.recordRound(round);
    const before = ledger.epsilon();
    const edits: [string, unknown][] = [
      ['neighboringRelation', 'addOrRemoveOne'],
      ['delta', 0.5],
      ['budget', undefined],
      ['sampling', { kind: 'poisson', samplingRate: 1e-9 }],
      ['accountant', 'pld'],
    ];
    for (const [key, value] of edits) {
      expect(() => {
        (ledger as unknown as Record<string, unknown>)[key] = value;
      }).toThrow(TypeError);
    }
    expect(ledger.epsilon()).toEqual(before);
    expectSecAggError(() => {
      for (let i = 0; i < 100; i++) ledger.recordRound(round);
    }, 'BUDGET_EXCEEDED');
    const restored = PrivacyLedger.fromJSON(JSON.stringify(ledger));
    expect(restored.neighboringRelation).toBe('replaceOne');
    expect(restored.budget).toEqual({ server: 5 });
    expect(restored.epsilon().server).toBe(ledger.epsilon().server);
  });
});

describe('PrivacyLedger: JSON', () => {
  const roundArb = fc.record({
    z: fc.double({ min: 1, max: 8, noNaN: true }),
    cohortSize: fc.integer({ min: 10, max: 100 }),
    dropped: fc.integer({ min: 0, max: 9 }),
    repeat: fc.integer({ min: 1, max: 3 }),
  });

  it('round-trips through JSON text for every accountant and sampling: same rounds, same epsilons, same text', () => {
    const configs: PrivacyLedgerOptions[] = [
      { ...fixed, budget: { server: 1e6, release: 1e3 } },
      { sampling: { kind: 'poisson', samplingRate: 0.02 }, delta: 1e-5, accountant: 'pld' },
      { sampling: { kind: 'none' }, delta: 1e-5, accountant: 'prv', neighboringRelation: 'replaceOne' },
    ];
    fc.assert(
      fc.property(fc.constantFrom(...configs), fc.array(roundArb, { minLength: 0, maxLength: 6 }), (config, rounds) => {
        const ledger = new PrivacyLedger(config);
        for (const r of rounds) {
          for (let i = 0; i < r.repeat; i++) {
            ledger.recordRound({ event: gaussianEvent(r.z), cohortSize: r.cohortSize, survivors: r.cohortSize - r.dropped });
          }
        }
        const text = JSON.stringify(ledger);
        const back = PrivacyLedger.fromJSON(text);
        expect(JSON.stringify(back)).toBe(text);
        expect(back.rounds).toBe(ledger.rounds);
        expect(back.epsilon()).toEqual(ledger.epsilon());
        expect(PrivacyLedger.fromJSON(JSON.parse(text)).rounds).toBe(ledger.rounds); // parsed object
      }),
      { numRuns: 6 },
    );
  });

  it('consecutive identical rounds share one entry; distributed events survive with their survivors', () => {
    const ledger = new PrivacyLedger(fixed);
    for (let i = 0; i < 50; i++) ledger.recordRound({ event: plan, cohortSize: 100, survivors: i < 30 ? 95 : 88 });
    const json = ledger.toJSON();
    expect(json.rounds.map((r) => [r.survivors, r.count])).toEqual([
      [95, 30],
      [88, 20],
    ]);
    expect(json.format).toBe('secagg-privacy-ledger');
    expect(json.version).toBe(1);
    expect(json.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(PrivacyLedger.fromJSON(JSON.stringify(json)).epsilon()).toEqual(ledger.epsilon());
  });

  describe('hostile ledger JSON is refused with a code', () => {
    const ledger = new PrivacyLedger({ ...fixed, budget: { release: 10 } });
    for (let i = 0; i < 3; i++) ledger.recordRound({ event: gaussianEvent(2), cohortSize: 50, survivors: 40 + i });
    const text = JSON.stringify(ledger);
    const json = JSON.parse(text) as Record<string, unknown> & { rounds: Record<string, unknown>[] };
    const edit = (f: (j: typeof json) => void): string => {
      const j = JSON.parse(text) as typeof json;
      f(j);
      return JSON.stringify(j);
    };

    it('tampered: a changed survivor count, round removed, budget raised, digest changed', () => {
      for (const t of [
        edit((j) => (j.rounds[0]!['survivors'] = 50)),
        edit((j) => j.rounds.pop()),
        edit((j) => (j['budget'] = { release: 100 })),
        edit((j) => (j['delta'] = 1e-3)),
        edit((j) => (j['digest'] = '0'.repeat(64))),
        edit((j) => (j['digest'] = 'not hex')),
      ]) {
        expectSecAggError(() => PrivacyLedger.fromJSON(t), 'MALFORMED_ENCODING');
      }
    });

    it('truncated or not JSON at all', () => {
      for (const t of [text.slice(0, text.length - 1), text.slice(0, text.length / 2), '', 'null', '[]', '42', '"ledger"', '{}']) {
        expectSecAggError(() => PrivacyLedger.fromJSON(t), 'MALFORMED_ENCODING');
      }
      for (const v of [undefined, null, 42, [], new Map(), () => 1, 10n]) expectSecAggError(() => PrivacyLedger.fromJSON(v), 'MALFORMED_ENCODING');
      const cyclic: Record<string, unknown> = { ...json };
      cyclic['self'] = cyclic;
      expectSecAggError(() => PrivacyLedger.fromJSON(cyclic), 'MALFORMED_ENCODING');
    });

    it('wrong version, wrong format', () => {
      expectSecAggError(() => PrivacyLedger.fromJSON(edit((j) => (j['version'] = 2))), 'UNSUPPORTED_VERSION');
      expectSecAggError(() => PrivacyLedger.fromJSON(edit((j) => (j['version'] = '1'))), 'MALFORMED_ENCODING');
      expectSecAggError(() => PrivacyLedger.fromJSON(edit((j) => (j['format'] = 'other'))), 'MALFORMED_ENCODING');
    });

    it('NaN, huge counts, wrong types, unknown or missing fields', () => {
      const parsed = JSON.parse(text) as typeof json;
      parsed.rounds[0]!['survivors'] = Number.NaN; // an object input: NaN becomes null in the copy
      expectSecAggError(() => PrivacyLedger.fromJSON(parsed), 'MALFORMED_ENCODING');
      for (const t of [
        edit((j) => (j.rounds[0]!['count'] = 2 ** 60)),
        edit((j) => (j.rounds[0]!['count'] = 2 ** 52 + 1) && (j.rounds[1]!['count'] = 2 ** 52)),
        edit((j) => (j.rounds[0]!['count'] = 0)),
        edit((j) => (j.rounds[0]!['count'] = 1.5)),
        edit((j) => (j.rounds[0]!['cohortSize'] = 1e300)),
        edit((j) => (j.rounds[0]!['event'] = { kind: 'gaussian', noiseMultiplier: 0 })),
        edit((j) => (j.rounds[0]!['extra'] = 1)),
        edit((j) => delete j.rounds[0]!['survivors']),
        edit((j) => ((j as Record<string, unknown>)['rounds'] = {})),
        edit((j) => (j['extra'] = true)),
        edit((j) => delete j['budget']),
        edit((j) => (j['sampling'] = 'fixedSize')),
        edit((j) => (j['accountant'] = 'moments')),
      ]) {
        expectSecAggError(() => PrivacyLedger.fromJSON(t), 'MALFORMED_ENCODING');
      }
    });

    it('too many entries or too much text (limits checked before any work)', () => {
      const many = JSON.parse(text) as typeof json;
      many.rounds = Array.from({ length: 11 }, () => json.rounds[0]!);
      expectSecAggError(() => decodeLedger(many, 10), 'MALFORMED_ENCODING');
      expectSecAggError(() => PrivacyLedger.fromJSON(' '.repeat(64 * 1024 * 1024 + 1)), 'MALFORMED_ENCODING');
    });
  });
});

/** The session's frames: layout, round trips, and hostile bytes. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SecAggError } from '../../src/errors.js';
import { decodeFrame, encodeFrame, type Frame } from '../../src/session/_frames.js';
import { expectSecAggError, notBytes } from '../_hostile.js';

const frames: Frame[] = [
  { kind: 'ready', ready: true, specDigest: new Uint8Array(32).fill(7) },
  { kind: 'ready', ready: false, specDigest: new Uint8Array(32) },
  { kind: 'offer', round: 1, parameters: { cohort: [0, 3, 9], nonce: new Uint8Array(32).fill(1), beaconRound: null } },
  { kind: 'offer', round: 2 ** 32 - 1, parameters: { cohort: [4, 5], nonce: new Uint8Array(32).fill(2), beaconRound: 123_456 } },
  { kind: 'protocol', round: 7, message: Uint8Array.of(0x5a, 2, 0x15, 0, 14) },
  { kind: 'result', round: 3, included: 100, inSum: true },
  { kind: 'result', round: 3, included: 0, inSum: false },
];

describe('session frames', () => {
  it('round-trip byte for byte, after the magic, version and kind', () => {
    for (const f of frames) {
      const bytes = encodeFrame(f);
      expect(Array.from(bytes.subarray(0, 3))).toEqual([0x5a, 0x46, 1]);
      expect(decodeFrame(bytes)).toEqual(f);
      expect(encodeFrame(decodeFrame(bytes))).toEqual(bytes);
    }
    expect(encodeFrame(frames[4] as Frame)).toEqual(Uint8Array.of(0x5a, 0x46, 1, 3, 0, 0, 0, 7, 0x5a, 2, 0x15, 0, 14));
  });

  it('refuses what is not a frame, other versions, round 0, bad flags, cohorts out of order or of one, truncation and trailing bytes', () => {
    for (const bad of notBytes) expectSecAggError(() => decodeFrame(bad as Uint8Array), 'INVALID_TYPE');
    const at = (f: Frame, i: number, v: number): Uint8Array => {
      const b = Uint8Array.from(encodeFrame(f));
      b[i] = v;
      return b;
    };
    expectSecAggError(() => decodeFrame(at(frames[0] as Frame, 2, 2)), 'UNSUPPORTED_VERSION');
    expectSecAggError(() => decodeFrame(at(frames[0] as Frame, 0, 0x5b)), 'MALFORMED_ENCODING');
    expectSecAggError(() => decodeFrame(at(frames[0] as Frame, 3, 9)), 'MALFORMED_ENCODING');
    expectSecAggError(() => decodeFrame(at(frames[0] as Frame, 4, 2)), 'MALFORMED_ENCODING');
    expectSecAggError(() => decodeFrame(at(frames[4] as Frame, 7, 0)), 'MALFORMED_ENCODING'); // round 0
    const offer = encodeFrame(frames[2] as Frame);
    const swapped = Uint8Array.from(offer);
    swapped.set([0, 0, 0, 3], offer.length - 8); // 3 then 9 -> 3, 3
    swapped.set([0, 0, 0, 3], offer.length - 4);
    expectSecAggError(() => decodeFrame(swapped), 'MALFORMED_ENCODING');
    const single = encodeFrame({ kind: 'offer', round: 1, parameters: { cohort: [0, 1], nonce: new Uint8Array(32), beaconRound: null } });
    const one = Uint8Array.from(single.subarray(0, single.length - 4));
    one[47] = 1; // a cohort of one client
    expectSecAggError(() => decodeFrame(one), 'MALFORMED_ENCODING');
    expect(() => decodeFrame(single)).not.toThrow();
    expectSecAggError(() => decodeFrame(Uint8Array.of(0x5a, 0x46, 1, 3, 0, 0, 0, 1)), 'MALFORMED_ENCODING'); // no message
    for (const f of frames) {
      const bytes = encodeFrame(f);
      for (let cut = 0; cut < bytes.length; cut++) if (f.kind !== 'protocol' || cut < 9) expectSecAggError(() => decodeFrame(bytes.subarray(0, cut)));
      if (f.kind !== 'protocol') expectSecAggError(() => decodeFrame(Uint8Array.of(...bytes, 0)), 'MALFORMED_ENCODING');
    }
  });

  it('hostile bytes: random and mutated frames decode or fail with SecAggError, never anything else', () => {
    const all = frames.map((f) => encodeFrame(f));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        try {
          decodeFrame(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(SecAggError);
        }
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: all.length - 1 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (which, at, value) => {
        const bytes = Uint8Array.from(all[which] as Uint8Array);
        bytes[at % bytes.length] = value;
        try {
          expect(encodeFrame(decodeFrame(bytes))).toEqual(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(SecAggError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { SecAggError } from '../../src/errors.js';
import {
  combineShares,
  createCombiner,
  decodeShare,
  encodeShare,
  splitSecret,
  type Share,
} from '../../src/shamir/index.js';
import { expectSecAggError, notBytes, notCounts, notNumbers } from '../_hostile.js';

const secret = new Uint8Array(32).fill(1);
const shares = splitSecret(secret, { threshold: 3, holders: 5 });
const three = shares.slice(0, 3);
const call = (fn: (...args: never[]) => unknown, ...args: unknown[]) => () => (fn as (...a: unknown[]) => unknown)(...args);

/** Values that are not x-coordinates but are numbers. */
const badXs: readonly number[] = [0, -1, 65536, 1.5, Number.NaN, Number.POSITIVE_INFINITY, -0, 2 ** 53];

describe('shamir hostile inputs', () => {
  describe('splitSecret', () => {
    it('rejects non-byte secrets and the empty secret', () => {
      for (const v of notBytes) expectSecAggError(call(splitSecret, v, { threshold: 2, holders: 3 }), 'INVALID_TYPE');
      expectSecAggError(() => splitSecret(new Uint8Array(0), { threshold: 2, holders: 3 }), 'INVALID_LENGTH');
    });

    it('rejects bad options objects and unknown options', () => {
      for (const v of [undefined, null, 3, 'x', [1]]) expectSecAggError(call(splitSecret, secret, v));
      expectSecAggError(call(splitSecret, secret, { threshold: 2, holders: 3, treshold: 2 }), 'UNKNOWN_OPTION');
    });

    it('rejects bad thresholds with INVALID_TYPE or INVALID_THRESHOLD', () => {
      for (const v of notNumbers) expectSecAggError(call(splitSecret, secret, { threshold: v, holders: 3 }));
      for (const v of [notNumbers.filter((n) => typeof n === 'number'), [0, 1, 4, 1.5, -2, 2 ** 53]].flat()) {
        expectSecAggError(call(splitSecret, secret, { threshold: v, holders: 3 }), 'INVALID_THRESHOLD');
      }
      for (const v of ['3', 3n, null, undefined, {}]) {
        expectSecAggError(call(splitSecret, secret, { threshold: v, holders: 3 }), 'INVALID_TYPE');
      }
      expectSecAggError(() => splitSecret(secret, { threshold: 2, holders: 1 }), 'INVALID_THRESHOLD');
      expectSecAggError(() => splitSecret(secret, { threshold: 2, holders: [7] }), 'INVALID_THRESHOLD');
      expect(splitSecret(secret, { threshold: 3, holders: 3 }).length).toBe(3); // t = n is fine
    });

    it('rejects bad holder counts and lists', () => {
      for (const v of notCounts) expectSecAggError(call(splitSecret, secret, { threshold: 2, holders: v }));
      for (const v of [0, 65536, 1e9]) expectSecAggError(call(splitSecret, secret, { threshold: 2, holders: v }), 'OUT_OF_RANGE');
      expectSecAggError(call(splitSecret, secret, { threshold: 2, holders: new Uint16Array([1, 2]) }), 'INVALID_TYPE');
      expectSecAggError(call(splitSecret, secret, { threshold: 2, holders: [] }), 'INVALID_LENGTH');
      for (const x of badXs) {
        expectSecAggError(call(splitSecret, secret, { threshold: 2, holders: [1, x] }), 'INVALID_SHARE_INDEX');
      }
      for (const x of ['2', null, undefined, 2n, {}]) {
        expectSecAggError(call(splitSecret, secret, { threshold: 2, holders: [1, x] }), 'INVALID_TYPE');
      }
      // eslint-disable-next-line no-sparse-arrays
      expectSecAggError(call(splitSecret, secret, { threshold: 2, holders: [1, , 3] }), 'INVALID_TYPE');
      expectSecAggError(() => splitSecret(secret, { threshold: 2, holders: [4, 9, 4] }), 'DUPLICATE_SHARE');
      const many = Array.from({ length: 40 }, (_, i) => i + 1);
      expectSecAggError(() => splitSecret(secret, { threshold: 2, holders: [...many, 17] }), 'DUPLICATE_SHARE');
    });

    it('rejects a non-function rng and an rng returning the wrong thing', () => {
      for (const v of [null, 3, 'rng', {}, new Uint8Array(64)]) {
        expectSecAggError(call(splitSecret, secret, { threshold: 2, holders: 3, rng: v }), 'INVALID_TYPE');
      }
      expectSecAggError(() => splitSecret(secret, { threshold: 2, holders: 3, rng: (n) => new Uint8Array(n - 1) }), 'INVALID_LENGTH');
      for (const bad of notBytes) {
        expectSecAggError(() => splitSecret(secret, { threshold: 2, holders: 3, rng: () => bad as Uint8Array }), 'INVALID_TYPE');
      }
    });
  });

  describe('combineShares', () => {
    it('rejects bad thresholds and options', () => {
      for (const v of notNumbers) expectSecAggError(call(combineShares, three, { threshold: v }));
      for (const v of [0, 1, 1.5, 65536, -3]) expectSecAggError(call(combineShares, three, { threshold: v }), 'INVALID_THRESHOLD');
      expectSecAggError(call(combineShares, three, undefined), 'INVALID_TYPE');
      expectSecAggError(call(combineShares, three, { threshold: 3, t: 3 }), 'UNKNOWN_OPTION');
    });

    it('rejects a non-array, too few shares, and non-share elements', () => {
      for (const v of [undefined, null, 3, 'abc', new Uint8Array(3), { length: 3 }]) {
        expectSecAggError(call(combineShares, v, { threshold: 3 }), 'INVALID_TYPE');
      }
      expectSecAggError(() => combineShares(three.slice(0, 2), { threshold: 3 }), 'TOO_FEW_SHARES');
      expectSecAggError(() => combineShares([], { threshold: 2 }), 'TOO_FEW_SHARES');
      for (const v of [undefined, null, 3, 'share', new Uint8Array(35)]) {
        expectSecAggError(call(combineShares, [three[0], three[1], v], { threshold: 3 }), 'INVALID_TYPE');
      }
    });

    it('rejects bad x-coordinates and payloads', () => {
      const y = (three[2] as Share).y;
      for (const x of badXs) {
        expectSecAggError(call(combineShares, [three[0], three[1], { x, y }], { threshold: 3 }), 'INVALID_SHARE_INDEX');
      }
      for (const x of ['3', null, undefined, 3n]) {
        expectSecAggError(call(combineShares, [three[0], three[1], { x, y }], { threshold: 3 }), 'INVALID_TYPE');
      }
      for (const v of notBytes) {
        expectSecAggError(call(combineShares, [three[0], three[1], { x: 3, y: v }], { threshold: 3 }), 'INVALID_TYPE');
      }
      expectSecAggError(() => combineShares([three[0], three[1], three[0]] as Share[], { threshold: 3 }), 'DUPLICATE_SHARE');
      // Payloads no split produces: length 0 or 1, odd length with a non-zero marker byte.
      const p = (len: number, fill = 0): Share[] => [1, 2, 3].map((x) => ({ x, y: new Uint8Array(len).fill(fill) }));
      expectSecAggError(() => combineShares(p(0), { threshold: 3 }), 'INVALID_LENGTH');
      expectSecAggError(() => combineShares(p(1), { threshold: 3 }), 'INVALID_LENGTH');
      expectSecAggError(() => combineShares(p(5, 7), { threshold: 3 }), 'MALFORMED_ENCODING');
      const odd = p(5);
      (odd[2] as { y: Uint8Array }).y[4] = 1;
      expectSecAggError(() => combineShares(odd, { threshold: 3 }), 'MALFORMED_ENCODING');
      expect(combineShares(p(5), { threshold: 3 })).toEqual(new Uint8Array(3));
    });

    it('a share whose getter changes x between reads gets an error, never a silent mix', () => {
      let reads = 0;
      const tricky = {
        get x() {
          reads++;
          return reads === 1 ? 3 : 4;
        },
        y: (three[2] as Share).y,
      };
      expectSecAggError(() => combineShares([three[0], three[1], tricky] as Share[], { threshold: 3 }), 'MISMATCHED_SHARES');
      let reads2 = 0;
      const zeroLater = {
        get x() {
          reads2++;
          return reads2 === 1 ? 3 : 0;
        },
        y: (three[2] as Share).y,
      };
      expectSecAggError(() => combineShares([three[0], three[1], zeroLater] as Share[], { threshold: 3 }), 'INVALID_SHARE_INDEX');
    });

    it('errors never carry share or secret bytes in their message', () => {
      const e = expectSecAggError(() => combineShares([three[0], three[1], { x: 0, y: (three[2] as Share).y }] as Share[], { threshold: 3 }));
      for (const s of three) expect(e.message).not.toContain(Buffer.from(s.y).toString('hex').slice(0, 8));
    });
  });

  describe('createCombiner / combine', () => {
    it('rejects bad x lists and thresholds', () => {
      for (const v of [undefined, null, 3, 'abc', new Uint16Array([1, 2, 3])]) {
        expectSecAggError(call(createCombiner, v, { threshold: 2 }), 'INVALID_TYPE');
      }
      expectSecAggError(() => createCombiner([], { threshold: 2 }), 'INVALID_LENGTH');
      for (const x of badXs) expectSecAggError(() => createCombiner([1, 2, x], { threshold: 2 }), 'INVALID_SHARE_INDEX');
      expectSecAggError(() => createCombiner([1, 2, 1], { threshold: 2 }), 'DUPLICATE_SHARE');
      expectSecAggError(() => createCombiner([1, 2], { threshold: 3 }), 'TOO_FEW_SHARES');
      for (const v of notNumbers) expectSecAggError(call(createCombiner, [1, 2, 3], { threshold: v }));
      expectSecAggError(call(createCombiner, [1, 2, 3], { threshold: 1 }), 'INVALID_THRESHOLD');
      expectSecAggError(call(createCombiner, [1, 2, 3], { threshold: 2, rng: null }), 'INVALID_TYPE');
      expectSecAggError(call(createCombiner, [1, 2, 3], { threshold: 2, seed: 1 }), 'UNKNOWN_OPTION');
      expectSecAggError(() => createCombiner([1, 2, 3], { threshold: 2, rng: (n) => new Uint8Array(n + 1) }), 'INVALID_LENGTH');
      expect(createCombiner([1, 2], { threshold: 2, rng: () => { throw new Error('unused'); } }).xs).toEqual([1, 2]);
    });

    it('combine insists on exactly the combiner x set', () => {
      const combiner = createCombiner([1, 2, 3], { threshold: 3 });
      expect(combiner.xs).toEqual([1, 2, 3]);
      expect(combiner.threshold).toBe(3);
      expect(Object.isFrozen(combiner.xs)).toBe(true);
      expect(combiner.combine(three)).toEqual(secret);
      expectSecAggError(() => combiner.combine(three.slice(0, 2)), 'MISMATCHED_SHARES');
      expectSecAggError(() => combiner.combine(shares.slice(0, 4)), 'MISMATCHED_SHARES');
      expectSecAggError(() => combiner.combine([shares[0], shares[1], shares[3]] as Share[]), 'MISMATCHED_SHARES');
      expectSecAggError(() => combiner.combine([shares[0], shares[1], shares[1]] as Share[]), 'DUPLICATE_SHARE');
      expectSecAggError(() => combiner.combine([shares[0], shares[0], shares[2]] as Share[]), 'DUPLICATE_SHARE');
      for (const v of [undefined, null, 3, 'abc']) expectSecAggError(call(combiner.combine.bind(combiner), v), 'INVALID_TYPE');
      for (const v of [null, 3, 'x']) expectSecAggError(call(combiner.combine.bind(combiner), [three[0], three[1], v]), 'INVALID_TYPE');
      for (const x of badXs) {
        expectSecAggError(call(combiner.combine.bind(combiner), [three[0], three[1], { x, y: (three[2] as Share).y }]), 'INVALID_SHARE_INDEX');
      }
      for (const v of notBytes) {
        expectSecAggError(call(combiner.combine.bind(combiner), [three[0], three[1], { x: 3, y: v }]), 'INVALID_TYPE');
      }
      // Still works after errors (no state corrupted), including past the table-building point.
      for (let i = 0; i < 20; i++) expect(combiner.combine([...three].reverse())).toEqual(secret);
    });
  });

  describe('encodeShare / decodeShare', () => {
    it('encodeShare rejects non-shares and payloads no split produces', () => {
      for (const v of [undefined, null, 3, 'x', new Uint8Array(35)]) expectSecAggError(call(encodeShare, v), 'INVALID_TYPE');
      for (const x of badXs) expectSecAggError(call(encodeShare, { x, y: new Uint8Array(32) }), 'INVALID_SHARE_INDEX');
      for (const v of notBytes) expectSecAggError(call(encodeShare, { x: 1, y: v }), 'INVALID_TYPE');
      expectSecAggError(() => encodeShare({ x: 1, y: new Uint8Array(1) }), 'INVALID_LENGTH');
      expectSecAggError(() => encodeShare({ x: 1, y: Uint8Array.of(1, 2, 3) }), 'MALFORMED_ENCODING');
    });

    it('decodeShare rejects non-bytes, bad versions and malformed encodings', () => {
      for (const v of notBytes) expectSecAggError(call(decodeShare, v), 'INVALID_TYPE');
      const good = encodeShare(three[0] as Share);
      expect(decodeShare(good).x).toBe(1);
      expectSecAggError(() => decodeShare(new Uint8Array(0)), 'MALFORMED_ENCODING');
      for (const version of [0, 2, 255]) {
        const bad = Uint8Array.from(good);
        bad[0] = version;
        expectSecAggError(() => decodeShare(bad), 'UNSUPPORTED_VERSION');
      }
      for (let len = 1; len < 5; len++) expectSecAggError(() => decodeShare(good.subarray(0, len)), 'MALFORMED_ENCODING');
      const zeroX = Uint8Array.from(good);
      zeroX[1] = 0;
      zeroX[2] = 0;
      expectSecAggError(() => decodeShare(zeroX), 'MALFORMED_ENCODING');
      // An odd payload must end in the 0x00 marker.
      expect(decodeShare(Uint8Array.of(1, 0, 1, 7, 7, 0)).y).toEqual(Uint8Array.of(7, 7, 0));
      expectSecAggError(() => decodeShare(Uint8Array.of(1, 0, 1, 7, 7, 1)), 'MALFORMED_ENCODING');
      // Truncating a 35-byte encoding by one byte yields an odd payload whose last byte is share data.
      const truncated = good.subarray(0, good.length - 1);
      if (truncated[truncated.length - 1] !== 0) expectSecAggError(() => decodeShare(truncated), 'MALFORMED_ENCODING');
      // x = 65535 round-trips.
      expect(decodeShare(Uint8Array.of(1, 0xff, 0xff, 1, 2)).x).toBe(65535);
    });

    it('every thrown error is a SecAggError', () => {
      expect(() => decodeShare(new Uint8Array(0))).toThrow(SecAggError);
    });
  });
});

import { createCipheriv } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { _setNativeCryptoForTests, type NativeCrypto } from '../../src/masking/_backends.js';
import { byteSwap32 } from '../../src/masking/_stream.js';
import {
  addMaskInto,
  availableMaskBackends,
  defaultMaskBackend,
  expandMask,
  subtractMaskInto,
} from '../../src/masking/index.js';
import { expectSecAggError } from '../_hostile.js';
import { expectSameWords } from './_helpers.js';

const key = new Uint8Array(32).map((_, i) => 3 * i + 1);
const realNative: NativeCrypto = {
  createCipheriv: (alg, k, iv) => createCipheriv(alg, k, iv),
};

afterEach(() => {
  vi.restoreAllMocks();
  _setNativeCryptoForTests(undefined); // detect the real environment again
});

describe('backend selection', () => {
  it('on Node both backends are available and native is the default', () => {
    expect(availableMaskBackends()).toEqual(['native', 'portable']);
    expect(defaultMaskBackend()).toBe('native');
  });

  it('returns a fresh list each time', () => {
    const list = availableMaskBackends();
    list.pop();
    expect(availableMaskBackends()).toEqual(['native', 'portable']);
  });

  it('without node:crypto: portable only, native requests fail with BACKEND_UNAVAILABLE', () => {
    _setNativeCryptoForTests(null);
    expect(availableMaskBackends()).toEqual(['portable']);
    expect(defaultMaskBackend()).toBe('portable');
    const m = expandMask({ key, bits: 32, length: 40 }); // the default still works
    _setNativeCryptoForTests(undefined);
    expectSameWords(m, expandMask({ key, bits: 32, length: 40, backend: 'native' }));
    _setNativeCryptoForTests(null);
    expectSecAggError(() => expandMask({ key, bits: 32, length: 4, backend: 'native' }), 'BACKEND_UNAVAILABLE');
    expectSecAggError(() => addMaskInto(new Uint32Array(4), { key, bits: 8, backend: 'native' }), 'BACKEND_UNAVAILABLE');
    expectSecAggError(() => subtractMaskInto(new Uint32Array(4), { key, bits: 8, backend: 'native' }), 'BACKEND_UNAVAILABLE');
  });

  it('detects node:crypto through process.getBuiltinModule, not a static import', () => {
    const spy = vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined as never);
    _setNativeCryptoForTests(undefined);
    expect(availableMaskBackends()).toEqual(['portable']);
    expect(spy).toHaveBeenCalledWith('node:crypto');
  });

  it('rejects a node:crypto whose chacha20 is missing or wrong (self-test)', () => {
    const throwing = { createCipheriv: () => { throw new Error('Unknown cipher'); } };
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(throwing as never);
    _setNativeCryptoForTests(undefined);
    expect(defaultMaskBackend()).toBe('portable');

    // A cipher that ignores the IV's counter word: caught by the self-test at counter 1.
    const noCounter = {
      createCipheriv: (alg: 'chacha20', k: Uint8Array) => createCipheriv(alg, k, new Uint8Array(16)),
    };
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(noCounter as never);
    _setNativeCryptoForTests(undefined);
    expect(availableMaskBackends()).toEqual(['portable']);
  });

  it('native output at an unaligned byte offset is copied, not misread', () => {
    const unaligned: NativeCrypto = {
      createCipheriv: (alg, k, iv) => {
        const c = createCipheriv(alg, k, iv);
        return {
          update: (data: Uint8Array): Uint8Array => {
            const out = c.update(data);
            const shifted = new Uint8Array(out.length + 1).subarray(1);
            shifted.set(out);
            return shifted;
          },
        };
      },
    };
    const want = expandMask({ key, bits: 32, length: 40_000, offset: 9, backend: 'portable' });
    _setNativeCryptoForTests(unaligned);
    expectSameWords(expandMask({ key, bits: 32, length: 40_000, offset: 9, backend: 'native' }), want);
    _setNativeCryptoForTests(realNative);
    expectSameWords(expandMask({ key, bits: 32, length: 40_000, offset: 9, backend: 'native' }), want);
  });
});

describe('byteSwap32 (big-endian hosts)', () => {
  it('reverses the bytes of the selected words only', () => {
    const w = Uint32Array.of(0x01020304, 0xa1b2c3d4, 0xffeeddcc, 0x00000080);
    byteSwap32(w, 1, 2);
    expect(Array.from(w)).toEqual([0x01020304, 0xd4c3b2a1, 0xccddeeff, 0x00000080]);
    byteSwap32(w, 0, 4);
    expect(Array.from(w)).toEqual([0x04030201, 0xa1b2c3d4, 0xffeeddcc, 0x80000000]);
  });
});

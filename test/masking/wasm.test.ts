import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chachaModuleBytes, moduleBytes } from '../../src/masking/_simd.js';
import { assembleAll, render, SOURCES } from '../../scripts/build-wasm.js';

// The WebAssembly modules ship as bytes in src/masking/_simd-module.ts; their source is the
// hand-written text in src/masking/wasm/*.wat. Editing a .wat without `npm run build:wasm`
// (or the generated file by hand) fails here, as it does in .ci/steps/20-wat.sh.
describe('WebAssembly modules come from their .wat sources', () => {
  it('the loaded bytes are wabt\'s assembly of folds.wat and chacha20.wat, byte for byte', async () => {
    const assembled = await assembleAll();
    expect(assembled.map((m) => m.wat)).toEqual(SOURCES.map((s) => s.wat));
    const [folds, chacha] = assembled;
    expect(Buffer.from(moduleBytes()).equals(Buffer.from(folds?.bytes ?? []))).toBe(true);
    expect(Buffer.from(chachaModuleBytes()).equals(Buffer.from(chacha?.bytes ?? []))).toBe(true);
    // and the generated file, header (hashes of the .wat) included, is what the build writes
    expect(readFileSync(new URL('../../src/masking/_simd-module.ts', import.meta.url), 'utf8')).toBe(render(assembled));
  });
});

/**
 * How the transports are published: a subpath per adapter, `ws` an optional peer dependency,
 * and browser bundles that never reach `ws` or a Node built-in (the `browser` condition of
 * `secagg/transport/ws` takes the native WebSocket).
 */
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './_helpers.js';

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, Record<string, string>>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
  devDependencies: Record<string, string>;
};

describe('package surface of the transports', () => {
  it('has one subpath per adapter, each a file tsc emits into dist/; ws picks the browser build first under the browser condition', () => {
    const expected: Record<string, string> = {
      './transport': 'transport/index',
      './transport/ws': 'transport/ws/index',
      './transport/port': 'transport/port',
      './transport/memory': 'transport/memory',
    };
    for (const [subpath, entry] of Object.entries(expected)) {
      expect(pkg.exports[subpath]).toEqual(expect.objectContaining({ types: `./dist/${entry}.d.ts`, default: `./dist/${entry}.js` }));
      expect(existsSync(join(root, 'src', `${entry}.ts`)), entry).toBe(true);
    }
    const ws = pkg.exports['./transport/ws'] as Record<string, string>;
    expect(Object.keys(ws)).toEqual(['types', 'browser', 'default']);
    expect(ws['browser']).toBe('./dist/transport/ws/browser.js');
    expect(existsSync(join(root, 'src/transport/ws/browser.ts'))).toBe(true);
  });

  it('ws is an optional peer dependency (and a dev dependency), never a runtime dependency', () => {
    expect(pkg.peerDependencies['ws']).toMatch(/^\^8\./);
    expect(pkg.peerDependenciesMeta['ws']).toEqual({ optional: true });
    expect(pkg.devDependencies['ws']).toBeDefined();
    expect(Object.keys(pkg.dependencies).every((name) => name.startsWith('@noble/'))).toBe(true);
  });

  it('browser bundles of every transport entry reach neither ws nor a Node built-in', async () => {
    for (const entry of ['src/transport/ws/browser.ts', 'src/transport/port.ts', 'src/transport/memory.ts', 'src/transport/index.ts']) {
      const result = await build({
        entryPoints: [join(root, entry)],
        bundle: true,
        write: false,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        metafile: true,
        logLevel: 'silent',
      });
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.filter((p) => p.includes('node_modules/ws') || p.includes('ws/server') || p.includes('ws/_ws')), entry).toEqual([]);
      const code = result.outputFiles[0]?.text ?? '';
      expect(code, entry).not.toMatch(/from ["'](node:)?(http|https|net|stream|crypto|worker_threads)["']|import\(["']ws["']\)/);
    }
  });
});

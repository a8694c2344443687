/**
 * The layout of src/ (STYLE.md, "Layout shows the architecture"): no folder imports one above
 * it, the core never imports the edge. The checker is scripts/check-layers.ts (also
 * `npm run check:layers`); the synthetic sources below show that it reports each kind of bad
 * import it guards against.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALLOWED, ROOT, checkLayers, readSources, specifiersOf } from '../scripts/check-layers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = (files: Record<string, string>) => checkLayers(new Map(Object.entries(files)));

describe('layout of src/', () => {
  it('every import of every src file follows the layer table', () => {
    const files = readSources(root);
    expect(files.size).toBeGreaterThan(50);
    expect(files.has('src/protocol/index.ts')).toBe(true);
    expect(checkLayers(files)).toEqual([]);
  });

  it('every folder of src/ is in the table', () => {
    const folders = new Set([...readSources(root).keys()].map((p) => p.split('/')).filter((p) => p.length > 2).map((p) => p[1]));
    for (const folder of folders) expect(ALLOWED, `src/${folder}`).toHaveProperty([folder as string]);
  });

  it('the table has no cycle: a part never reaches itself through others', () => {
    const reaches = (from: string, seen: Set<string>): boolean =>
      (ALLOWED[from] ?? []).some((to) => to === ROOT ? false : seen.has(to) || reaches(to, new Set([...seen, to])));
    for (const part of Object.keys(ALLOWED)) expect(reaches(part, new Set([part])), part).toBe(false);
  });
});

describe('the layer check reports what it guards against', () => {
  it('a lower folder importing a higher one (crypto borrowing the protocol byte helpers)', () => {
    const v = check({ 'src/crypto/_native.ts': "import { equalBytes, isAllZero } from '../protocol/_bytes.js';\n" });
    expect(v).toEqual([
      {
        file: 'src/crypto/_native.ts',
        specifier: '../protocol/_bytes.js',
        reason: 'crypto -> protocol: crypto may import root',
      },
    ]);
  });

  it('the core re-exporting the edge (the protocol face re-exporting the harness)', () => {
    const v = check({ 'src/protocol/index.ts': "export { simulateSession, type SimulationOptions } from '../simulate/index.js';\n" });
    expect(v.map((x) => [x.file, x.specifier])).toEqual([['src/protocol/index.ts', '../simulate/index.js']]);
    expect(v[0]?.reason).toMatch(/^protocol -> simulate: /);
  });

  it('type-only, star and dynamic imports count too', () => {
    const v = check({
      'src/graph/_topology.ts': "import type { SessionConfig } from '../protocol/types.js';\n",
      'src/vector/a.ts': "export * from '../dp/index.js';\n",
      'src/masking/b.ts': "export type * from '../shamir/index.js';\n",
      'src/shamir/c.ts': "export async function f() { return (await import('../session/index.js')).x; }\n",
      'src/errors.ts': "import { x } from './vector/index.js';\n",
    });
    expect(v.map((x) => x.reason)).toEqual([
      'graph -> protocol: graph may import root',
      'vector -> dp: vector may import root',
      'masking -> shamir: masking may import root, crypto',
      'shamir -> session: shamir may import root',
      'root -> vector: root may import only the root files',
    ]);
  });

  it('imports leaving src/, and folders missing from the table', () => {
    const v = check({
      'src/protocol/a.ts': "import { simulateSessionParallel } from '../../cli/simulate-parallel.js';\n",
      'src/plugins/p.ts': "import { SecAggError } from '../errors.js';\n",
    });
    expect(v.map((x) => x.reason)).toEqual([
      'cli/simulate-parallel.js is outside src/',
      'src/plugins is not in the layer table (scripts/check-layers.ts)',
    ]);
  });

  it('secagg/testing is reached only from the harness: never from the core or another edge folder', () => {
    const v = check({
      'src/protocol/client/advertise-keys.ts': "import { deterministicRandomBytes } from '../../testing/index.js';\n",
      'src/random.ts': "export { deterministicRandomBytes } from './testing/index.js';\n",
      'src/session/driver.ts': "import { deterministicRandomBytes } from '../testing/index.js';\n",
      'src/simulate/clients.ts': "import { deterministicRandomBytes } from '../testing/index.js';\n",
      'src/testing/index.ts': "import { assertBytes } from '../_assert.js';\nimport { sha256 } from '../crypto/index.js';\n",
    });
    expect(v.map((x) => x.file)).toEqual(['src/protocol/client/advertise-keys.ts', 'src/random.ts', 'src/session/driver.ts']);
    expect(v[0]?.reason).toMatch(/^protocol -> testing: /);
  });

  it('allowed imports pass: down the core, the edge onto the core, within a folder, bare packages', () => {
    expect(
      check({
        'src/protocol/client/index.ts': "import { neighbourIds } from '../../graph/index.js';\nimport { x } from './round.js';\n",
        'src/masking/_spec.ts': "import { hkdfSha256Fast } from '../crypto/_hkdf.js';\n",
        'src/simulate/run.ts': "import { createServer } from '../protocol/index.js';\nimport { chacha20 } from '@noble/ciphers/chacha.js';\n",
        'src/dp/a.ts': "import type * as NodeCrypto from 'node:crypto';\nimport { assertNumber } from '../_assert.js';\n",
        'test/x.test.ts': "import { y } from '../src/simulate/index.js';\n",
      }),
    ).toEqual([]);
  });

  it('reads specifiers of every import form, and none from comments or strings', () => {
    const source = [
      "import a from './a.js';",
      "import type { B } from './b.js';",
      "import './c.js';",
      "export { d } from './d.js';",
      "export * as e from './e.js';",
      "const f = await import('./f.js');",
      "type G = import('./g.js').G;",
      "import h = require('./h.js');",
      "// import i from './i.js';",
      "const j = \"import k from './k.js'\";",
    ].join('\n');
    expect(specifiersOf(source)).toEqual(['./a.js', './b.js', './c.js', './d.js', './e.js', './f.js', './g.js', './h.js']);
  });
});

/**
 * examples/ws is the README's quick start: the README shows its files as they are (so the
 * README runs as written, and is typechecked with them: tsconfig.json includes examples/), and
 * the lines a user writes stay under the bar, counted by scripts/count-lines.ts (non-blank,
 * non-comment lines after Prettier). The examples run in CI: .ci/steps/63-example-ws.sh (Node),
 * 43-browser-session.sh (Chromium); the count: 64-line-count.sh.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FILES, LIMIT, codeLines, countFiles, formatted } from '../../scripts/count-lines.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** The README's code blocks introduced by a line naming an example file: `examples/ws/x.ts`:. */
function readmeBlocks(file = 'README.md'): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const m of read(file).matchAll(/`(examples\/ws\/[\w-]+\.ts)`:\n\n```ts\n([\s\S]*?)```\n/g)) blocks.set(m[1] as string, m[2] as string);
  return blocks;
}

describe('examples/ws: the README quick start', () => {
  it('the README shows the spec, the server and the Node client, each equal to its file', () => {
    const blocks = readmeBlocks();
    expect([...blocks.keys()].sort()).toEqual([...FILES].sort());
    for (const file of FILES) expect(blocks.get(file), file).toBe(read(file));
  });

  it('docs/session.md walks through the same files, each equal to its file', () => {
    const blocks = readmeBlocks('docs/session.md');
    expect([...blocks.keys()].sort()).toEqual([...FILES].sort());
    for (const file of FILES) expect(blocks.get(file), file).toBe(read(file));
  });

  it(`server, client and spec: at most ${LIMIT} lines of code after Prettier`, async () => {
    const counts = await countFiles(root);
    expect(counts.map((c) => c.file)).toEqual([...FILES]);
    const total = counts.reduce((sum, c) => sum + c.lines, 0);
    expect(total).toBeGreaterThan(30);
    expect(total).toBeLessThanOrEqual(LIMIT);
    expect(/together\s+are (\d+) lines/.exec(read('README.md'))?.[1]).toBe(String(total)); // the README's figure
  });
});

describe('scripts/count-lines.ts', () => {
  it('counts lines holding code: not blank lines, not comment-only lines', () => {
    expect(codeLines('')).toBe(0);
    expect(codeLines('\n\n   \n')).toBe(0);
    expect(codeLines('// a\n/* b\n   c */\n/** d\n * e\n */\n')).toBe(0);
    expect(codeLines('const a = 1; // trailing\n\n// alone\nconst b = 2;\n')).toBe(2);
    expect(codeLines('/** doc */\nexport const f = () => 1;\n')).toBe(1);
    expect(codeLines('const x = /* inline */ 1;\n/* before */ const y = 2;\n')).toBe(2);
  });

  it('a multi-line string or template counts every line it spans; comment-like text inside is code', () => {
    expect(codeLines('const t = `a\n\nb ${1 + 1}\n// not a comment\n`;\n')).toBe(5);
    expect(codeLines("const s = '// nor this';\n")).toBe(1);
    expect(codeLines('const u = `${`${1}`}\n`;\n')).toBe(2);
  });

  it("formats with Prettier's defaults first: one long line becomes several", async () => {
    const long = `export const spec = { policy: { registry: { size: 4 }, corruptFraction: 0, dropoutFraction: 0.25, minClients: 3 } };\n`;
    expect(codeLines(long)).toBe(1);
    expect(codeLines(await formatted(long))).toBeGreaterThan(3);
  });
});

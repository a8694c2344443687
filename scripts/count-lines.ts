/**
 * `npm run count:lines`: the lines a user writes for secure rounds over WebSocket (issue 16's
 * bar: under 60 for a server and one client). The files are the README's quick start,
 * examples/ws: the spec both sides hold, the Node server and the Node client. Each is formatted
 * with Prettier's defaults first (so long lines cannot hide code), then a line counts when it
 * holds any code: blank lines and lines that are only comments do not (a line of code with a
 * trailing comment does; a multi-line string counts every line it spans). Prints the count per
 * file and the total; exits 1 above the limit. .ci/steps/64-line-count.sh runs it in CI, and
 * test/examples/ws.test.ts checks the counting on small sources.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'prettier';
import ts from 'typescript';

/** The files a user writes, relative to the repository root. */
export const FILES = ['examples/ws/spec.ts', 'examples/ws/server.ts', 'examples/ws/client.ts'] as const;

/** The bar: a server and one client (with the spec they share) in fewer lines than this. */
export const LIMIT = 60;

/** The lines of `source` that hold a token other than whitespace and comments. */
export function codeLines(source: string): number {
  const file = ts.createSourceFile('count.ts', source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const code = new Set<number>();
  // The leaves of the syntax tree are its tokens (a template's pieces included); comments are
  // trivia between them, and JSDoc nodes are skipped.
  const visit = (node: ts.Node): void => {
    if (ts.isJSDoc(node) || node.kind === ts.SyntaxKind.EndOfFileToken) return;
    const children = node.getChildren(file);
    if (children.length > 0) return children.forEach(visit);
    if (node.end === node.getStart(file)) return; // an empty list
    const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
    const last = file.getLineAndCharacterOfPosition(node.end - 1).line;
    for (let line = first; line <= last; line++) code.add(line);
  };
  visit(file);
  return code.size;
}

/** The Prettier-formatted source (defaults; TypeScript parser). */
export function formatted(source: string): Promise<string> {
  return format(source, { parser: 'typescript' });
}

/** Each file's count after formatting, read from `root`. */
export async function countFiles(root: string): Promise<{ file: string; lines: number }[]> {
  const counts = [];
  for (const file of FILES) counts.push({ file, lines: codeLines(await formatted(readFileSync(join(root, file), 'utf8'))) });
  return counts;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const counts = await countFiles(join(dirname(fileURLToPath(import.meta.url)), '..'));
  const total = counts.reduce((sum, c) => sum + c.lines, 0);
  for (const { file, lines } of counts) console.log(`${String(lines).padStart(4)}  ${file}`);
  console.log(`${String(total).padStart(4)}  total (non-blank, non-comment lines after Prettier's default formatting; limit ${LIMIT})`);
  if (total > LIMIT) {
    console.error(`over the limit: ${total} > ${LIMIT}`);
    process.exitCode = 1;
  }
}

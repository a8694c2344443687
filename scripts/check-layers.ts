/**
 * `npm run check:layers`: fails when a folder of src/ imports one it must not (STYLE.md, "Layout
 * shows the architecture"). Every import of every .ts file under src/ counts: static `import` and
 * `import type`, `export ... from`, and dynamic `import()`; relative specifiers name the folder
 * they reach, bare ones (`@noble/...`, `node:...`) are not layer questions. test/layout.test.ts
 * runs it in `npm test`, and shows it reports a bad import.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

/** The files directly in src/ (errors, asserts, randomness, bytes): every folder may use them. */
export const ROOT = 'root';

const CORE = ['vector', 'crypto', 'masking', 'shamir', 'graph', 'protocol', 'dp'] as const;

/**
 * What each part of src/ may import besides itself. The core, bottom to top: the root files;
 * vector, crypto, masking (its key derivation is crypto's HKDF) and shamir; graph; protocol;
 * with dp beside them. The edge (round driver, transports, workers, the harness, test
 * helpers) may import the core and never is imported by it. A folder not listed here is
 * reported: place a new one in this table, with the reason, in the commit that adds it.
 */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  [ROOT]: [],
  vector: [ROOT],
  crypto: [ROOT],
  masking: [ROOT, 'crypto'],
  shamir: [ROOT],
  graph: [ROOT],
  protocol: [ROOT, 'vector', 'crypto', 'masking', 'shamir', 'graph'],
  dp: [ROOT, 'vector', 'crypto'],
  // The edge: the core, and the edge folders before it in this list. `testing` (secagg/testing:
  // deterministic streams for tests) is an edge folder that only the harness imports (and the
  // tests and benches, outside src/): no core folder and no other edge folder may reach it, so
  // production code cannot pick a test generator by accident. Transports are byte pipes below
  // the session: the session drives rounds over the Connection interface they define.
  testing: [ROOT, ...CORE],
  transport: [ROOT, ...CORE],
  session: [ROOT, ...CORE, 'transport'],
  workers: [ROOT, ...CORE, 'session', 'transport'],
  simulate: [ROOT, ...CORE, 'session', 'transport', 'workers', 'testing'],
};

/** One import that breaks the table. */
export interface Violation {
  /** The importing file, relative to the repository (`src/crypto/x25519.ts`). */
  readonly file: string;
  /** The specifier as written. */
  readonly specifier: string;
  /** Why it is refused. */
  readonly reason: string;
}

/** The part of src/ a repository path belongs to: ROOT, a folder name, or null outside src/. */
export function partOf(path: string): string | null {
  const parts = path.split('/');
  if (parts[0] !== 'src' || parts.length < 2) return null;
  return parts.length === 2 ? ROOT : (parts[1] as string);
}

/**
 * The module specifiers of a TypeScript source, in order: imports (`import type` too),
 * re-exports (`export * as x from` too), `import x = require()`, dynamic `import()` and type
 * queries `import('...').T`. Parsed, not matched with a pattern: comments and strings never count.
 */
export function specifiersOf(source: string): string[] {
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    let target: ts.Node | undefined;
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) target = node.moduleSpecifier;
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      target = node.moduleReference.expression;
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) target = node.arguments[0];
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) target = node.argument.literal;
    if (target !== undefined && ts.isStringLiteralLike(target)) out.push(target.text);
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile('source.ts', source, ts.ScriptTarget.Latest, false));
  return out;
}

/**
 * Checks sources against {@link ALLOWED}. `files` maps repository paths (forward slashes, e.g.
 * `src/protocol/client.ts`) to their text; paths outside src/ are skipped.
 */
export function checkLayers(files: ReadonlyMap<string, string>): Violation[] {
  const violations: Violation[] = [];
  for (const [file, source] of files) {
    const from = partOf(file);
    if (from === null) continue;
    const allowed = ALLOWED[from];
    for (const specifier of specifiersOf(source)) {
      if (!specifier.startsWith('.')) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), specifier));
      const to = partOf(target);
      let reason: string | null = null;
      if (allowed === undefined) reason = `src/${from} is not in the layer table (scripts/check-layers.ts)`;
      else if (to === null) reason = `${target} is outside src/`;
      else if (to !== from && !allowed.includes(to)) {
        reason = `${from} -> ${to}: ${from} may import ${allowed.length === 0 ? 'only the root files' : allowed.join(', ')}`;
      }
      if (reason !== null) violations.push({ file, specifier, reason });
    }
  }
  return violations;
}

/** Every `.ts` file under `<root>/src`, keyed by its repository path. */
export function readSources(root: string): Map<string, string> {
  const files = new Map<string, string>();
  const entries = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' });
  for (const entry of entries.sort()) {
    if (!entry.endsWith('.ts')) continue;
    const path = join(root, 'src', entry);
    files.set(relative(root, path).split(sep).join('/'), readFileSync(path, 'utf8'));
  }
  return files;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const files = readSources(root);
  const violations = checkLayers(files);
  for (const v of violations) console.error(`${v.file}: '${v.specifier}': ${v.reason}`);
  console.log(`check:layers: ${files.size} files under src/, ${violations.length} violations of the layer table`);
  process.exitCode = violations.length === 0 ? 0 : 1;
}

/**
 * What a user's project does with the installed package, each in a real `node` (or `tsc`)
 * process in that project: import and require every subpath, run its smoke test, run the
 * `secagg` bin, and compile TypeScript against the shipped declarations.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Checks } from './_report.js';
import { run } from './_scratch.js';
import { ROOT, SMOKE, readPackageJson, type Subpath } from './_subpaths.js';

interface Loaded {
  readonly names: string[];
  readonly smoke: boolean | null;
}

function loader(kind: 'import' | 'require', subpath: Subpath): string {
  const body = SMOKE[subpath.key];
  const load =
    kind === 'import'
      ? `import * as api from ${JSON.stringify(subpath.specifier)};`
      : `const api = require(${JSON.stringify(subpath.specifier)});`;
  const smoke = body === undefined ? 'null' : `((api) => { ${body} })(api)`;
  return `${load}\nconsole.log(JSON.stringify({ names: Object.keys(api).sort(), smoke: ${smoke} }));\n`;
}

/**
 * For every subpath: a static `import` (an .mjs file) and a `require` (a .cjs file) in
 * `project`, each in its own node process; both must load with nothing on stderr, see the
 * same non-empty export names and pass the smoke test. Two checks per subpath.
 */
export function checkLoads(checks: Checks, project: string, subpaths: readonly Subpath[], where: string): void {
  subpaths.forEach((subpath, i) => {
    const seen: Partial<Record<'import' | 'require', Loaded>> = {};
    for (const kind of ['import', 'require'] as const) {
      const file = join(project, `${kind}-${i}.${kind === 'import' ? 'mjs' : 'cjs'}`);
      writeFileSync(file, loader(kind, subpath));
      const ran = run(process.execPath, [file], project);
      let loaded: Loaded | undefined;
      try {
        loaded = JSON.parse(ran.stdout) as Loaded;
      } catch {
        loaded = undefined;
      }
      if (loaded !== undefined) seen[kind] = loaded;
      const sameAsImport = kind === 'import' || JSON.stringify(loaded?.names) === JSON.stringify(seen.import?.names);
      const pass =
        ran.status === 0 && ran.stderr.trim() === '' && loaded !== undefined && loaded.names.length > 0 && loaded.smoke !== false && sameAsImport;
      const what = kind === 'import' ? `import * from '${subpath.specifier}'` : `require('${subpath.specifier}')`;
      checks.check(
        `${where}: ${what}`,
        pass,
        `exit ${ran.status}; smoke ${String(loaded?.smoke)}; same names as import: ${sameAsImport}\n${ran.output}`,
        `${loaded?.names.length} exports${loaded?.smoke === true ? ', smoke test passed' : ''}${kind === 'require' ? ', same as import' : ''}`,
      );
    }
  });
}

/** `secagg --version` and a tiny `secagg simulate` through the installed bin. Two checks. */
export function checkBin(checks: Checks, project: string, where: string): void {
  const bin = join(project, 'node_modules', '.bin', 'secagg');
  const version = run(bin, ['--version'], project);
  const expected = readPackageJson().version;
  checks.check(
    `${where}: node_modules/.bin/secagg --version`,
    existsSync(bin) && version.status === 0 && version.stdout.trim() === expected,
    `exit ${version.status}\n${version.output}`,
    version.stdout.trim(),
  );
  const sim = run(bin, ['simulate', '--clients', '8', '--length', '100', '--workers', '2', '--json'], project);
  let match = false;
  try {
    match = (JSON.parse(sim.stdout.trim().split('\n').pop() ?? '') as { match?: unknown }).match === true;
  } catch {
    match = false;
  }
  checks.check(`${where}: secagg simulate --workers 2 --json`, sim.status === 0 && match, `exit ${sim.status}, match ${match}\n${sim.output}`, 'sum matches');
}

/**
 * TypeScript against the shipped declarations, as consumers compile, `strict` throughout:
 * - a Node project (`@types/node` installed, `skipLibCheck: false`, so every shipped .d.ts is
 *   checked): ESM under `nodenext`, and CommonJS (`.cts`, `import x = require()`, which
 *   TypeScript >= 5.8 allows for ESM under `nodenext`);
 * - a browser project (`bundler` resolution, no Node types, `skipLibCheck: true` as Vite's
 *   templates set it).
 * Three checks. The project must have `@types/node` installed for the first two.
 */
export function checkTypes(checks: Checks, project: string, subpaths: readonly Subpath[]): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const names = subpaths.map((s, i) => ({ s, alias: `api${i}` }));
  const all = `export const all: object[] = [${names.map((n) => n.alias).join(', ')}];\n`;
  const esm = `${names.map(({ s, alias }) => `import * as ${alias} from '${s.specifier}';`).join('\n')}\n${all}`;
  const cjs = `${names.map(({ s, alias }) => `import ${alias} = require('${s.specifier}');`).join('\n')}\n${all}`;
  writeFileSync(join(project, 'consumer.mts'), esm);
  writeFileSync(join(project, 'consumer.cts'), cjs);
  writeFileSync(join(project, 'consumer-browser.ts'), esm);
  const base = { strict: true, noEmit: true, lib: ['ES2022', 'DOM'], target: 'ES2022' };
  const node = { module: 'nodenext', moduleResolution: 'nodenext', types: ['node'], skipLibCheck: false };
  const configs = [
    { name: 'Node ESM: nodenext, @types/node, skipLibCheck false', file: 'consumer.mts', options: node },
    { name: 'Node CommonJS: nodenext require, @types/node, skipLibCheck false', file: 'consumer.cts', options: node },
    { name: 'browser: bundler, no Node types', file: 'consumer-browser.ts', options: { module: 'preserve', moduleResolution: 'bundler', types: [], skipLibCheck: true } },
  ];
  for (const config of configs) {
    const path = join(project, `tsconfig.${config.file}.json`);
    writeFileSync(path, JSON.stringify({ compilerOptions: { ...base, ...config.options }, files: [config.file] }, null, 2));
    const ran = run(process.execPath, [tsc, '-p', path], project);
    checks.check(`TypeScript consumer (${config.name}) compiles against every subpath`, ran.status === 0, ran.output);
  }
}

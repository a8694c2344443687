/**
 * The packed tarball, as a user gets it (.ci/steps/30-package.sh):
 * - `npm pack` on a copy of the working tree that has no dist/ builds it (prepack/prepare) and
 *   ships every `exports` and `bin` target, the LICENSE, README, CHANGELOG and docs/;
 * - every relative link in README.md and docs/*.md, and every source of every source map,
 *   resolves inside the package;
 * - publint (strict) and @arethetypeswrong/cli (`--profile esm-only`) find nothing;
 * - a fresh project installs the tarball, then `import`s and `require`s every subpath in real
 *   node processes, compiles TypeScript against the declarations, and runs the `secagg` bin.
 * The subpaths come from package.json's `exports` (test/package/_subpaths.ts).
 */
import { existsSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { checkBin, checkLoads, checkTypes } from './_consumer.js';
import { Checks } from './_report.js';
import { NPM_QUIET, copyWorkingTree, makeProject, npmPack, run, scratchDir, tarballFiles } from './_scratch.js';
import { ROOT, packageSubpaths, readPackageJson } from './_subpaths.js';

const checks = new Checks();
const scratch = scratchDir('package');
const subpaths = packageSubpaths();
const pkg = readPackageJson();

// 1. Pack a tree without dist/: the pack scripts must build it.
const tree = join(scratch, 'tree');
copyWorkingTree(tree);
symlinkSync(join(ROOT, 'node_modules'), join(tree, 'node_modules'), 'dir');
const hadDist = existsSync(join(tree, 'dist'));
const { tarball, ran: packed } = npmPack(tree, scratch);
checks.check('npm pack on a copy of the tree without dist/ builds it', !hadDist && packed.status === 0 && tarball !== '', packed.output, `${packed.seconds.toFixed(1)} s`);
if (tarball === '') {
  checks.finish();
  process.exit();
}
const files = new Set(tarballFiles(tarball));

// 2. What the tarball holds.
const targets = [...subpaths.flatMap((s) => [s.types, s.file]), ...Object.values(pkg.bin ?? {})].map((t) => normalize(t));
const missing = targets.filter((t) => !files.has(t));
checks.check('the tarball holds every exports and bin target', missing.length === 0, `missing: ${missing.join(', ')}`, `${targets.length} files`);
const required = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'SECURITY.md', 'docs/protocol.md'];
const absent = required.filter((f) => !files.has(f));
checks.check('the tarball holds package.json, README.md, LICENSE, CHANGELOG.md, SECURITY.md and docs/', absent.length === 0, `missing: ${absent.join(', ')}`);
const license = files.has('LICENSE') ? run('tar', ['-xzOf', tarball, 'package/LICENSE'], scratch).stdout : '';
checks.check('LICENSE is the MIT licence that package.json names', pkg.license === 'MIT' && license.startsWith('MIT License'), `license ${pkg.license}: ${license.slice(0, 80)}`);
const topLevel = new Set(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'SECURITY.md']);
const stray = [...files].filter((f) => !topLevel.has(f) && !/^(dist|src|docs|examples)\//.test(f));
checks.check('nothing else ships (no tests, benches or scripts; examples are documentation)', stray.length === 0, `unexpected: ${stray.slice(0, 20).join(', ')}`);

// 3. Links and source maps resolve inside the package.
const unpacked = join(scratch, 'unpacked');
run('mkdir', ['-p', unpacked], scratch);
const extracted = run('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1'], scratch);
if (extracted.status !== 0) checks.check('tar -xzf', false, extracted.output);
const broken: string[] = [];
for (const doc of [...files].filter((f) => f === 'README.md' || /^(docs|examples)\/.*\.md$/.test(f))) {
  const text = readFileSync(join(unpacked, doc), 'utf8');
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    if (target === undefined || /^(https?:|mailto:|#)/.test(target)) continue;
    const path = normalize(join(dirname(doc), decodeURI(target.split('#')[0] as string)));
    if (path.startsWith('..') || !existsSync(join(unpacked, path))) broken.push(`${doc}: ${target}`);
  }
}
checks.check('every relative link in README.md and docs/*.md resolves inside the package', broken.length === 0, broken.join('\n'));
const maps = [...files].filter((f) => f.endsWith('.map'));
const unresolved: string[] = [];
for (const map of maps) {
  const { sources = [], sourcesContent = [], sourceRoot = '' } = JSON.parse(readFileSync(join(unpacked, map), 'utf8')) as {
    sources?: string[];
    sourcesContent?: (string | null)[];
    sourceRoot?: string;
  };
  sources.forEach((source, i) => {
    const path = normalize(join(dirname(map), sourceRoot, source));
    if (typeof sourcesContent[i] !== 'string' && (path.startsWith('..') || !existsSync(join(unpacked, path)))) unresolved.push(`${map}: ${source}`);
  });
}
checks.check('every source of every source map ships (in src/, or embedded)', maps.length > 0 && unresolved.length === 0, unresolved.slice(0, 20).join('\n'), `${maps.length} maps`);

// 4. The ecosystem's checkers, on the tarball.
const bin = (name: string): string => join(ROOT, 'node_modules', '.bin', name);
const publint = run(bin('publint'), ['run', tarball, '--strict'], scratch);
checks.check('publint --strict: all good', publint.status === 0 && /All good/.test(publint.stdout), publint.output);
const attw = run(bin('attw'), [tarball, '--profile', 'esm-only', '--format', 'ascii', '--no-color', '--no-emoji'], scratch);
checks.check('@arethetypeswrong/cli --profile esm-only: no problems', attw.status === 0, attw.output);

// 5. A fresh project installs the tarball and uses it.
const project = join(scratch, 'project');
makeProject(project);
const installed = run('npm', ['install', ...NPM_QUIET, tarball], project, { timeoutMs: 300_000 });
checks.check('npm install <tarball> into a fresh project', installed.status === 0, installed.output, `${installed.seconds.toFixed(1)} s`);
checkLoads(checks, project, subpaths, 'tarball');
const typesNode = JSON.parse(readFileSync(join(ROOT, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string };
const withTypes = run('npm', ['install', ...NPM_QUIET, '--save-dev', `@types/node@${typesNode.version}`], project, { timeoutMs: 300_000 });
if (withTypes.status !== 0) checks.check('npm install @types/node into the project', false, withTypes.output);
checkTypes(checks, project, subpaths);
checkBin(checks, project, 'tarball');
console.log(`(tarball ${relative(scratch, tarball)}, ${files.size} files)`);
checks.finish();

/**
 * Installing from git, as `npm install git+file://<clone>` does it (.ci/steps/31-package-git.sh):
 * npm clones the repository, installs its dev dependencies there, runs its `prepare` script
 * (the build) and installs what `npm pack` would ship. A plain folder path would be linked
 * instead, never built, so the checks use a git repository made from the working tree.
 *
 * npm 11 lists a git dependency's `prepare` among the install scripts that need approval
 * (`allowScripts` in the consumer's package.json; with `--strict-allow-scripts`, as future npm
 * versions will default to, an unapproved one fails the install). The checks run strict:
 * - without the approval, npm refuses (so the README's instructions are needed and enough);
 * - with it, the install succeeds with no install-script warning, and every subpath imports
 *   and requires in real node processes, and the bin runs.
 */
import { existsSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { checkBin, checkLoads } from './_consumer.js';
import { Checks } from './_report.js';
import { NPM_QUIET, copyWorkingTree, makeProject, run, scratchDir } from './_scratch.js';
import { packageSubpaths } from './_subpaths.js';

const checks = new Checks();
const scratch = scratchDir('git');
const subpaths = packageSubpaths();

// A git repository holding the working tree as it is (one commit, no node_modules, no dist).
const repo = join(scratch, 'secagg.git-source');
copyWorkingTree(repo);
const git = (...args: string[]) => run('git', ['-c', 'user.name=secagg-ci', '-c', 'user.email=ci@localhost', '-c', 'commit.gpgsign=false', ...args], repo);
const made = [git('init', '--quiet'), git('add', '--all'), git('commit', '--quiet', '--message', 'working tree')];
const madeOk = made.every((r) => r.status === 0) && !existsSync(join(repo, 'dist'));
checks.check('a git repository of the working tree, without dist/', madeOk, made.map((r) => r.output).join('\n'));
const spec = `git+file://${repo}`;

// Strict, without the approval: npm must refuse to run the build.
const refused = join(scratch, 'unapproved');
makeProject(refused);
const strict = run('npm', ['install', ...NPM_QUIET, '--strict-allow-scripts', spec], refused, { timeoutMs: 300_000 });
checks.check(
  `npm install --strict-allow-scripts ${spec} without approval is refused (ESTRICTALLOWSCRIPTS)`,
  strict.status !== 0 && /ESTRICTALLOWSCRIPTS/.test(strict.output) && /secagg@[\d.]+ \(prepare: npm run build\)/.test(strict.output),
  strict.output,
);

// Strict, with the approval the README documents.
const project = join(scratch, 'project');
makeProject(project, { allowScripts: { [spec]: true } });
const installed = run('npm', ['install', ...NPM_QUIET, '--strict-allow-scripts', spec], project, { timeoutMs: 300_000 });
checks.check(
  `npm install --strict-allow-scripts ${spec} with allowScripts approving it: builds, no install-script warning`,
  installed.status === 0 && !/install-scripts/.test(installed.output),
  installed.output,
  `${installed.seconds.toFixed(1)} s`,
);
const pkgDir = join(project, 'node_modules', 'secagg');
const missing = subpaths.flatMap((s) => [s.types, s.file]).filter((f) => !existsSync(join(pkgDir, normalize(f))));
checks.check('the git install holds every exports target (built by prepare)', installed.status === 0 && missing.length === 0, `missing: ${missing.join(', ')}`);
checkLoads(checks, project, subpaths, 'git install');
checkBin(checks, project, 'git install');
checks.finish();

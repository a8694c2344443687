import { readFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

/**
 * The command-line tool only: the library itself is emitted by `tsc -p tsconfig.build.json`,
 * one file per source file (see package.json's `build`). The CLI imports the library from
 * `../src/...`; this plugin leaves those imports out of the bundle and points them at the same
 * files in dist/ (which mirrors src/), so the CLI runs on the library as shipped, module for
 * module, instead of a second copy of it.
 */
const libraryFromDist: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'library-from-dist',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/src\// }, (args) => ({ path: args.path.replace(/^\.\.\/src\//, '../'), external: true }));
  },
};

/** `secagg --version` needs the version, not the rest of package.json inlined into the bin. */
const versionOnly: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'package-json-version-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]package\.json$/ }, (args) => {
      const { version } = JSON.parse(readFileSync(args.path, 'utf8')) as { version: string };
      return { contents: JSON.stringify({ version }), loader: 'json' };
    });
  },
};

export default defineConfig({
  entry: {
    'cli/secagg': 'cli/secagg.ts',
    'cli/simulate-worker': 'cli/simulate-worker.ts',
  },
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  dts: false,
  // Runs first in `npm run build` and empties dist/ for the tsc step after it.
  clean: true,
  splitting: false,
  removeNodeProtocol: false,
  sourcemap: true,
  esbuildPlugins: [libraryFromDist, versionOnly],
});

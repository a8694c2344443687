// @ts-check
/**
 * The API reference (`npm run docs`, into api/, which git ignores): one module per subpath of
 * package.json's `exports`, from the doc comments of src/. Every export must be documented and
 * every {@link} must resolve: warnings are errors, so CI (.ci/steps/35-api-docs.sh) fails on any.
 */
import { readFileSync } from 'node:fs';
import { Converter } from 'typedoc';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
// dist/<x>/index.js is built from src/<x>/index.ts (tsconfig.build.json: rootDir src, outDir dist).
const entryPoints = Object.entries(pkg.exports)
  .filter(([key]) => key !== './package.json')
  .map(([, target]) => target.default.replace(/^\.\/dist\//, './src/').replace(/\.js$/, '.ts'));

/** @type {Partial<import('typedoc').TypeDocOptions>} */
const config = {
  name: `${pkg.name} ${pkg.version}`,
  entryPoints,
  tsconfig: './tsconfig.lib.json',
  out: './api',
  readme: 'none',
  excludePrivate: true,
  excludeInternal: true,
  validation: { notExported: true, invalidLink: true, notDocumented: true },
  // Every export, and every method of an exported class, needs its doc comment. Fields of
  // exported types are not required (a discriminant `kind`, a share's `x` and `y`).
  requiredToBeDocumented: ['Enum', 'Variable', 'Function', 'Class', 'Interface', 'TypeAlias', 'Method', 'Accessor'],
  treatWarningsAsErrors: true,
  treatValidationWarningsAsErrors: true,
  // This file is also the plugin below.
  plugin: ['./typedoc.config.mjs'],
};
export default config;

/**
 * A plugin: modules are named as users import them (`secagg`, `secagg/dp`), not by their
 * folder (`index`, `dp`).
 * @param {import('typedoc').Application} app
 */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.children ?? []) {
      module.name = module.name === 'index' ? pkg.name : `${pkg.name}/${module.name}`;
    }
  });
}

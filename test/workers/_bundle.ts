/**
 * Test workers as one bundled .js file each (esbuild, a dev dependency): a worker then starts in
 * tens of milliseconds instead of loading tsx and compiling the sources, which keeps the pool
 * tests within seconds. Same code as the sources; the tsx path is tested by the tests that use
 * `createWorkerPool` itself.
 */
import { build } from 'esbuild';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export async function bundleWorker(entry: URL, outdir: string): Promise<URL> {
  const outfile = join(outdir, `${entry.pathname.split('/').pop()?.replace(/\.ts$/, '')}.mjs`);
  await build({ entryPoints: [entry.pathname], bundle: true, format: 'esm', platform: 'node', target: 'node20', outfile, logLevel: 'error' });
  return pathToFileURL(outfile);
}

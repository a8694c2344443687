/**
 * The package's subpaths, as the package checks see them: read from package.json's `exports`
 * (so a subpath added there is installed, imported, required, linted and bundled by every
 * check without editing them), with the one list of subpaths that browsers are not expected to
 * load, and a short smoke test per subpath that the checks run wherever they load it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root (test/package/ is two levels down). */
export const ROOT: string = join(import.meta.dirname, '..', '..');

/**
 * Subpaths that need Node (or are not meant for pages): left out of the browser bundles and
 * the Chromium run, and only there. Every other subpath, including any added to `exports`
 * later, must bundle with esbuild and Vite with zero warnings and run in headless Chromium.
 * Add a Node-only subpath here, with the reason, in the same change that exports it.
 */
export const NOT_FOR_BROWSERS: Readonly<Record<string, string>> = {
  './simulate': 'the in-memory harness for tests, benchmarks and the CLI; it may host clients on worker threads',
  './workers': 'a pool of worker_threads (Node only)',
  './session/file': 'a durable ClientStore over node:fs (Node only; browsers use IndexedDB)',
};

/** One subpath of the package. */
export interface Subpath {
  /** The key in `exports`, e.g. `./vector` (`.` for the root). */
  readonly key: string;
  /** What a user writes: `secagg/vector`, `secagg`. */
  readonly specifier: string;
  /** The `types` target, relative to the package root. */
  readonly types: string;
  /** The `default` target (the ESM file every condition resolves to). */
  readonly file: string;
  /** False for the subpaths listed in {@link NOT_FOR_BROWSERS}. */
  readonly browser: boolean;
}

interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly license?: string;
  readonly exports: Readonly<Record<string, string | Readonly<Record<string, string>>>>;
  readonly bin?: Readonly<Record<string, string>>;
  readonly files?: readonly string[];
}

/** The repository's package.json. */
export function readPackageJson(): PackageJson {
  return JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
}

/** Every code subpath of `exports` (not `./package.json`), in the order package.json lists them. */
export function packageSubpaths(): Subpath[] {
  const pkg = readPackageJson();
  const out: Subpath[] = [];
  for (const [key, target] of Object.entries(pkg.exports)) {
    if (key === './package.json') continue;
    const keys = typeof target === 'object' ? Object.keys(target) : [];
    const shape = keys.join(',');
    if (
      typeof target !== 'object' ||
      typeof target['types'] !== 'string' ||
      typeof target['default'] !== 'string' ||
      (shape !== 'types,default' && !(shape === 'types,browser,default' && typeof target['browser'] === 'string'))
    ) {
      throw new Error(
        `exports["${key}"] must be { types, default } or { types, browser, default } (ESM-only; default serves import and require, browser is a bundlers' build without Node built-ins)`,
      );
    }
    out.push({
      key,
      specifier: key === '.' ? pkg.name : `${pkg.name}/${key.slice(2)}`,
      types: target['types'],
      file: target['default'],
      browser: !(key in NOT_FOR_BROWSERS),
    });
  }
  return out;
}

/**
 * A smoke test per subpath: the body of `(api) => boolean`, in plain JavaScript, run on the
 * subpath's namespace in Node (by import and by require) and in Chromium (from each bundle). A
 * subpath without one is still loaded everywhere and its export names compared; add one here
 * when a new subpath has something that runs without a peer.
 */
export const SMOKE: Readonly<Record<string, string>> = {
  '.': `return api.cryptoRandomBytes(16).length === 16 && api.isSecAggError(new api.SecAggError('OUT_OF_RANGE', 'x'));`,
  './vector': `
    const plan = api.planQuantization({ clip: 1, bits: 32, clients: 10 });
    const q = api.quantize(Float32Array.of(0.25, -0.5, 3), plan);
    const acc = new api.ModularAccumulator(q.length, plan.bits);
    acc.add(q);
    return Array.from(api.dequantizeSum(acc.snapshot(), plan, { count: acc.count })).join(',') === '0.25,-0.5,1';`,
  './masking': `
    const zeros = new Uint8Array(32);
    const m = api.expandMask({ seed: zeros, sessionId: zeros, label: 'x', bits: 32, length: 4, backend: 'portable' });
    return m.join(',') === '3535174219,3089074084,4199425599,3574129225';`,
  './shamir': `
    const secret = Uint8Array.of(1, 2, 3, 4, 5);
    const shares = api.splitSecret(secret, { threshold: 3, holders: 5 });
    return api.combineShares([shares[4], shares[0], shares[2]], { threshold: 3 }).join(',') === '1,2,3,4,5';`,
  './protocol': `
    const config = api.createSessionConfig({ clients: 3, graph: { kind: 'complete' }, threshold: 2,
      vectors: [{ name: 'v', length: 4, bits: 16 }], nonce: new Uint8Array(32) });
    const { outbox } = api.clientAdvertiseKeys(api.createClient(config, { id: 1 }));
    return api.decodeMessage(api.encodeMessage(outbox[0], config), config).type === 'advertiseKeys';`,
  './dp': `
    const eps = new api.RdpAccountant().compose(api.poissonSampledEvent(0.01, api.gaussianEvent(4)), 10000).getEpsilon(1e-5);
    return Math.abs(eps - 1.03549) < 1e-4;`,
  './session': `
    const spec = api.createSessionSpec({ policy: { registry: { size: 3 }, corruptFraction: 0, dropoutFraction: 0.2, minClients: 3 },
      model: [{ name: 'w', length: 2 }], aggregation: { kind: 'mean', clip: 1, bits: 16 } });
    const back = api.decodeSessionSpec(api.encodeSessionSpec(spec));
    return back.policy.vectors[0].length === 2 && api.unflatten(api.flatten({ w: Float32Array.of(1, 2) }, back), back).w[1] === 2;`,
  './session/file': `
    const store = api.fileStore('alice.secagg');
    return store.path === 'alice.secagg' && typeof store.save === 'function' && typeof store.clear === 'function';`,
  './simulate': `
    const r = api.simulateSession({ clients: 6, length: 50, dropout: 0.2, seed: new Uint8Array(32).fill(1) });
    return r.outcome === 'completed' && r.match === true;`,
};

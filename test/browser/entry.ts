/**
 * Runs in the browser: a whole secure-aggregation round (SecAgg+, active variant, dropouts),
 * Shamir, masks and the DP accountants, with whatever backends the page has (portable: no
 * node:crypto there). Reports on the page for the runner to read.
 */
import { simulateSession } from '../../src/simulate/index.js';
import { applyMasksInto, availableMaskBackends, expandMask } from '../../src/masking/index.js';
import { _setSimdKernelsForTests, simdKernels } from '../../src/masking/_simd.js';
import golden from '../vectors/protocol-session-golden.json' with { type: 'json' };
import { RdpAccountant, PldAccountant, gaussianEvent, poissonSampledEvent } from '../../src/dp/index.js';
import { splitSecret, combineShares } from '../../src/shamir/index.js';
import { cryptoRandomBytes } from '../../src/index.js';

const report: string[] = [];
let ok = true;
function check(name: string, pass: boolean, detail = ''): void {
  ok &&= pass;
  report.push(`${pass ? 'ok' : 'FAIL'} ${name}${detail ? ` (${detail})` : ''}`);
}

try {
  check('portable backend only', availableMaskBackends().join(',') === 'portable', availableMaskBackends().join(','));
  check('WebAssembly SIMD mask kernels load', simdKernels() !== null);
  check('WebAssembly SIMD ChaCha20 loads (no silent fallback to noble)', (simdKernels()?.chacha20 ?? null) !== null);
  const zeros = new Uint8Array(32);
  const first = expandMask({ seed: zeros, sessionId: zeros, label: 'x', bits: 32, length: 4 });
  check('mask known answer (README example)', first.join(',') === '3535174219,3089074084,4199425599,3574129225', first.join(','));
  const terms = [{ key: new Uint8Array(32).fill(1), sign: 1 as const }, { key: new Uint8Array(32).fill(2), sign: -1 as const }];
  const simd = applyMasksInto(new Uint32Array(70_000).fill(5), terms, { bits: 24, offset: 3 });
  _setSimdKernelsForTests(null);
  const js = applyMasksInto(new Uint32Array(70_000).fill(5), terms, { bits: 24, offset: 3 });
  _setSimdKernelsForTests(undefined);
  check('SIMD kernels equal the JS loops', simd.every((v, i) => v === js[i]));
  const g = golden.cases[0] as (typeof golden.cases)[number];
  const replay = simulateSession({ ...(g.options as object), seed: Uint8Array.from(g.seedHex.match(/../g)!.map((h) => parseInt(h, 16))) } as never);
  const hash = Array.from(replay.transcriptHash as Uint8Array, (b) => b.toString(16).padStart(2, '0')).join('');
  check('golden session replays byte for byte (same transcript as Node)', hash === g.transcriptSha256, hash.slice(0, 16));
  // 26 clients: the smallest cohorts get the complete graph (the finder's rules), this one a Harary graph (k = 12, t = 9).
  const round = simulateSession({ clients: 26, length: 2000, bits: 20, graph: 'harary', active: true, dropout: 0.1, seed: new Uint8Array(32).fill(3) });
  check(
    'SecAgg+ active round with dropouts',
    round.config.graph.kind === 'harary' && round.outcome === 'completed' && round.match === true && round.drops.length > 0,
    `${round.config.graph.kind}, ${round.included.length} included, ${round.drops.length} dropped`,
  );
  const plain = simulateSession({ clients: 8, length: 500, dropouts: { maskedInputCollection: [2], unmasking: [5] } });
  check('complete graph with scheduled dropouts', plain.match === true);
  const secret = cryptoRandomBytes(32);
  const shares = splitSecret(secret, { threshold: 3, holders: 5 });
  const back = combineShares([shares[4]!, shares[0]!, shares[2]!], { threshold: 3 });
  check('shamir round trip', back.every((b, i) => b === secret[i]));
  const step = poissonSampledEvent(0.01, gaussianEvent(4));
  const rdp = new RdpAccountant().compose(step, 10_000).getEpsilon(1e-5);
  const pld = new PldAccountant().compose(step, 10_000).getEpsilon(1e-5);
  check('accountants', Math.abs(rdp - 1.03549) < 1e-4 && Math.abs(pld - 0.947) < 2e-3, `rdp ${rdp.toFixed(5)}, pld ${pld.toFixed(4)}`);
} catch (error) {
  check('no exception', false, String(error));
}
// One line per check, for test/browser/run.ts to count.
(document.getElementById('report') as HTMLElement).textContent = `${ok ? 'SECAGG_BROWSER_OK' : 'SECAGG_BROWSER_FAIL'}\n${report.join('\n')}`;

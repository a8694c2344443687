import { simulateSession } from '../src/simulate/index.js';
const n = Number(process.argv[2] ?? 2000);
const t0 = performance.now();
const r = simulateSession({ clients: n, length: 10_000, bits: 16, graph: 'harary', dropout: 0.05, seed: new Uint8Array(32).fill(7) });
console.log(n, r.outcome, ((performance.now() - t0) / 1000).toFixed(2), 's', r.rounds.map((x) => x.serverSeconds.toFixed(2)).join(' / '));

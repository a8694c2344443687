import { readFile, writeFile } from 'node:fs/promises';
import { ClientSession } from 'secagg/session';
import { connectWebSocket } from 'secagg/transport/ws';
import { identities, spec } from './spec.js';

const name = process.argv[2] ?? 'alice';
const url = process.env.SECAGG_URL ?? 'ws://localhost:8080';
const record = `${name}.secagg`; // saved before each answer is sent: a restarted client resumes, never answers twice
const client = new ClientSession({
  spec,
  member: identities.indexOf(name),
  transport: ({ signal }) => connectWebSocket(url, { protocols: ['secagg', name], signal }),
  store: { load: () => readFile(record).catch(() => null), save: (bytes) => writeFile(record, bytes) },
});
for (let round = 1; round <= 3; round++) {
  const weights = new Float32Array(1000).fill(0.01 * round); // train here
  const bias = new Float32Array(10).fill(identities.indexOf(name) / 10);
  const { outcome, code } = await client.submit({ weights, bias });
  console.log(`${name} round ${round}: ${outcome} ${code ?? ''}`);
}
await client.close();

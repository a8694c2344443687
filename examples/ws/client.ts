import { ClientSession } from 'secagg/session';
import { fileStore } from 'secagg/session/file';
import { connectWebSocket } from 'secagg/transport/ws';
import { identities, spec } from './spec.js';

const name = process.argv[2] ?? 'alice';
const url = process.env.SECAGG_URL ?? 'ws://localhost:8080';
const client = new ClientSession({
  spec,
  member: identities.indexOf(name),
  transport: ({ signal }) => connectWebSocket(url, { protocols: ['secagg', name], signal }),
  store: fileStore(`${name}.secagg`), // saved durably before each answer is sent: a restarted client never answers twice
});
for (let round = 1; round <= 3; round++) {
  const weights = new Float32Array(1000).fill(0.01 * round); // train here
  const bias = new Float32Array(10).fill(identities.indexOf(name) / 10);
  const { outcome, code } = await client.submit({ weights, bias });
  console.log(`${name} round ${round}: ${outcome} ${code ?? ''}`);
}
await client.close();

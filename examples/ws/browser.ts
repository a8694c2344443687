// The client in a browser: the same session over the browser's own WebSocket (bundlers pick
// secagg/transport/ws's browser build). Open page.html?name=bob once the server runs.
import { ClientSession } from 'secagg/session';
import { connectWebSocket } from 'secagg/transport/ws';
import { identities, spec } from './spec.js';

const params = new URLSearchParams(location.search);
const name = params.get('name') ?? 'alice';
const url = params.get('server') ?? 'ws://localhost:8080';
const log = (line: string): void => void document.body.append(`${line}\n`);
const client = new ClientSession({
  spec,
  member: identities.indexOf(name),
  transport: ({ signal }) => connectWebSocket(url, { protocols: ['secagg', name], signal }),
});
for (let round = 1; round <= 3; round++) {
  const weights = new Float32Array(1000).fill(0.01 * round); // train here
  const bias = new Float32Array(10).fill(identities.indexOf(name) / 10);
  const { outcome, code } = await client.submit({ weights, bias });
  log(`${name} round ${round}: ${outcome} ${code ?? ''}`);
}
await client.close();
log('done');

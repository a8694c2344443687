import { ServerSession } from 'secagg/session';
import { listenWebSocket } from 'secagg/transport/ws';
import { identities, spec } from './spec.js';

const transport = await listenWebSocket({
  port: Number(process.env.PORT ?? 8080),
  // Who is connecting: verify a real token here (or use mTLS); this demo trusts the name it is sent.
  authenticate: (request) => request.headers['sec-websocket-protocol']?.split(',')[1]?.trim() ?? null,
});
const server = new ServerSession({ spec, identities, transport, deadlines: { admission: 2000, round: 10_000 } });
for (let round = 1; round <= 3; round++) {
  const result = await server.runRound();
  if (result.outcome === 'completed') console.log(`round ${round}: mean over ${result.included.join(' ')}: bias[0] ${result.values.bias?.[0]}`);
  else console.log(`round ${round}: ${result.abort.code} (${result.abort.reason})`);
}
await server.close();

import { ServerSession } from 'secagg/session';
import { listenWebSocket } from 'secagg/transport/ws';
import { identities, spec } from './spec.js';

const transport = await listenWebSocket({
  port: Number(process.env.PORT ?? 8080),
  // Who is connecting: verify a real token here (or use mTLS); this demo trusts the name it is sent.
  authenticate: (request) => request.headers['sec-websocket-protocol']?.split(',')[1]?.trim() ?? null,
});
const deadlines = { admission: 2000, round: 10_000 }; // ms: wait for late joiners, then per protocol step
const server = new ServerSession({ spec, identities, transport, deadlines });
for (let round = 1; round <= 3; round++) {
  const { included, values, abort } = await server.runRound(); // the next round, once enough clients are ready
  const mean = `mean over ${included.join(' ')}: bias[0] ${values?.bias?.[0]}`;
  console.log(`round ${round}: ${abort?.code ?? mean}`);
}
await server.close();

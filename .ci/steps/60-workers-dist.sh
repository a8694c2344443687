#!/usr/bin/env bash
# secagg/workers from the build (dist/), as an installed package runs it: the pool finds its
# worker entry whether the bundler left the pool in dist/workers/index.js or in a shared chunk,
# its workers load the built job handler, and the parallel close equals the single-threaded one.
# (npm test covers the same pool from the TypeScript sources.) Needs `npm run build` first, as
# .ci/run does. A few seconds.
set -uo pipefail
cd "$(dirname "$0")/../.."

passed=0
failed=0
check() { # name, command...
  local name=$1
  shift
  if out=$("$@" 2>&1); then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name"
    echo "$out" | tail -n 15 | sed 's/^/    /'
  fi
}

check "dist/workers/index.js and dist/workers/worker.js are built" test -s dist/workers/index.js -a -s dist/workers/worker.js

# --input-type and a V8 option: the workers must start all the same (neither can be passed on).
check "a pool from dist/ closes an unmasking round as serverCloseRound does, then exits" timeout 60 node --max-old-space-size=512 --input-type=module -e '
import { createWorkerPool } from "./dist/workers/index.js";
import {
  clientAdvertiseKeys, clientReceive, createClient, createServer, createSessionConfig,
  serverCloseRound, serverCloseRoundAsync, serverReceive,
} from "./dist/protocol/index.js";
import { isDeepStrictEqual } from "node:util";
const n = 9;
const config = createSessionConfig({ clients: n, threshold: 6, nonce: new Uint8Array(32).fill(1), vectors: [{ name: "x", length: 1001, bits: 24 }] });
const input = (id) => ({ x: Uint32Array.from({ length: 1001 }, (_, i) => (i * 31 + id) & 0xffffff) });
const clients = [];
let server = createServer(config);
for (let id = 1; id <= n; id++) {
  const step = clientAdvertiseKeys(createClient(config, { id }));
  clients[id] = step.state;
  server = serverReceive(server, step.outbox[0]).state;
}
for (;;) {
  const closed = serverCloseRound(server);
  server = closed.state;
  if (server.round !== "maskedInputCollection" && server.round !== "shareKeys" && server.round !== "unmasking") throw new Error(server.round);
  for (const out of closed.outbox) for (const to of out.to) {
    const step = clientReceive(clients[to], out.message, { input: input(to) });
    clients[to] = step.state;
    // clients 2 and 5 drop after sharing keys: their pairwise masks are removed by key jobs
    if (server.round === "maskedInputCollection" && (to === 2 || to === 5)) continue;
    for (const m of step.outbox) server = serverReceive(server, m).state;
  }
  if (server.round === "unmasking") break;
}
const pool = createWorkerPool({ size: 2 });
await pool.ready();
const want = serverCloseRound(structuredClone(server));
const got = await serverCloseRoundAsync(server, { runner: pool, sliceLength: 300 });
await pool.close();
if (want.state.round !== "completed" || !isDeepStrictEqual(got, want)) throw new Error("the pool close differs: " + got.state.round);
console.log("same step; included", want.state.result.included.join(","));
'

check "secagg simulate --workers 2 from dist/ (clients on workers, unmasking on the pool): sum matches" bash -c '
out=$(timeout 120 node dist/cli/secagg.js simulate --clients 60 --length 2000 --dropout 0.1 --workers 2 --json) || exit 1
echo "$out" | node -e "let s=\"\";process.stdin.on(\"data\",(d)=>s+=d).on(\"end\",()=>{const r=JSON.parse(s);if(r.match!==true||r.outcome!==\"completed\"||!(r.serverSeconds>0))process.exit(1);console.log(\"server\",r.serverSeconds.toFixed(3),\"s\")})"
'

echo "checks: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]

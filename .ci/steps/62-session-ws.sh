#!/usr/bin/env bash
# secagg/session over a real network: a ServerSession on a `ws` server on loopback, eight clients
# in their own Node processes with records in files, five rounds; clients SIGKILLed at each
# round boundary and restarted from their records, one SIGSTOPped (it stops answering), one
# round that must abort. One check per line (sums exact over the included clients, every live
# client's outcome, coded aborts, drops, every process exiting by itself). ~20-40 s.
set -uo pipefail
cd "$(dirname "$0")/../.."
timeout 300 node --import tsx test/session/e2e/ws-processes.ts
status=$?
if [ "$status" -eq 124 ]; then
  echo "FAIL the run did not finish within 300 s (a process hung)"
  echo "checks: 0 passed, 1 failed"
fi
exit "$status"

#!/usr/bin/env bash
# The lines a user writes for secure rounds over WebSocket (issue 16's bar: under 60; this step fails above 60): the
# README's quick start, examples/ws's spec, server and Node client, formatted with Prettier's
# defaults, blank lines and comment-only lines aside (scripts/count-lines.ts, `npm run
# count:lines`). One check. ~2 s.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=$(timeout 60 node --import tsx scripts/count-lines.ts 2>&1)
status=$?
echo "$out"
total=$(sed -n 's/^ *\([0-9]*\)  total.*/\1/p' <<<"$out")
if [ "$status" -eq 0 ] && [ -n "$total" ]; then
  echo "ok   examples/ws: $total lines of code after Prettier (limit 60)"
  echo "checks: 1 passed, 0 failed"
else
  echo "FAIL examples/ws: ${total:-no} lines of code after Prettier (limit 60; exit $status)"
  echo "checks: 0 passed, 1 failed"
  exit 1
fi

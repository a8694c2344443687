#!/usr/bin/env bash
# Browser clients of a session (test/browser/session.ts): examples/ws/browser.ts bundled with
# esbuild from the built package (its browser entry), four pages of Debian's headless Chromium
# whose ClientSessions join a Node `ws` ServerSession, one page closed mid-round; each round's
# mean over its included clients, the drop, every page's rounds, Chromium exiting. One check per
# line. ~5-10 s.
set -uo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib/chromium.sh
[ -f dist/transport/ws/browser.js ] || npm run --silent build >/dev/null
timeout 200 node --import tsx test/browser/session.ts
status=$?
if [ "$status" -eq 124 ]; then
  echo "FAIL the run did not finish within 200 s"
  echo "checks: 0 passed, 1 failed"
fi
exit "$status"

#!/usr/bin/env bash
# The API reference (`npm run docs`: TypeDoc, typedoc.config.mjs): every export of every
# subpath documented, every {@link} resolved, warnings treated as errors. Checks: TypeDoc
# exits 0 with no warning or error, and one page per subpath of package.json's `exports`.
# About 20 s.
set -uo pipefail
cd "$(dirname "$0")/../.."

passed=0
failed=0
pass() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
rm -rf api
NO_COLOR=1 npm run --silent docs >"$log" 2>&1
status=$?
problems=$(grep -cE '^\[(warning|error)\]' "$log")
if [ "$status" -eq 0 ] && [ "$problems" -eq 0 ]; then
  pass "npm run docs: TypeDoc with warnings as errors, every export documented ($(grep -c . "$log") lines of log)"
else
  fail "npm run docs: exit ${status}, ${problems} warnings or errors (undocumented exports, broken links):"
  sed 's/^/       /' "$log" | tail -n 60
fi

# One page per subpath (when TypeDoc wrote any: on a failure above it writes nothing).
[ "$status" -eq 0 ] && while read -r name; do
  page="api/modules/${name//\//_}.html"
  if [ -s "$page" ]; then pass "API reference page for ${name}"; else fail "no API reference page for ${name} (${page})"; fi
done < <(node -e '
  const p = require("./package.json");
  for (const key of Object.keys(p.exports)) if (key !== "./package.json") console.log(key === "." ? p.name : `${p.name}/${key.slice(2)}`);
')

echo "checks: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]

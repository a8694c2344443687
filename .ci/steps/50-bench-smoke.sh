#!/usr/bin/env bash
# Bench smoke: every bench/*.ts (not the `_` modules, not run-all) once at its smallest setting
# (`--smoke --quick`: smallest sizes, one run, no warm-up), with its charts written to a scratch
# directory, so that the benches and their chart wiring cannot rot. One check per bench: it
# exits 0, prints at least one BENCH_JSON line, and every chart it names exists. The figures
# mean nothing (one cold run); this is not a performance check. About 20-30 s in all.
set -uo pipefail
cd "$(dirname "$0")/../.."

passed=0
failed=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
start=$SECONDS

for file in bench/*.ts; do
  name=$(basename "$file" .ts)
  case "$name" in _* | run-all) continue ;; esac
  log="$scratch/$name.log"
  t0=$SECONDS
  timeout 120 node --import tsx "$file" --smoke --quick --chart-dir="$scratch/charts" >"$log" 2>&1
  status=$?
  json=$(grep -c '^BENCH_JSON {' "$log")
  missing=0
  while read -r chart; do
    [ -s "$chart" ] || missing=$((missing + 1))
  done < <(sed -n 's/^chart: //p' "$log")
  if [ "$status" -eq 0 ] && [ "$json" -ge 1 ] && [ "$missing" -eq 0 ]; then
    passed=$((passed + 1))
    echo "ok   bench/$name.ts: exit 0, $json BENCH_JSON lines, $(grep -c '^chart: ' "$log") charts ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1))
    echo "FAIL bench/$name.ts: exit $status, $json BENCH_JSON lines, $missing missing charts ($((SECONDS - t0)) s); last lines:"
    tail -n 20 "$log" | sed 's/^/    /'
  fi
done

echo "bench smoke took $((SECONDS - start)) s"
echo "checks: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]

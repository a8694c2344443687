#!/usr/bin/env bash
# examples/ws as the README's quick start tells a user to run it: in a fresh project that has
# `secagg` (this package, built) and `ws` installed, the example's spec.ts, server.ts and
# client.ts copied as they are, `npx tsx server.ts`, then `npx tsx client.ts <name>` for alice,
# bob, carol and dave. (Each runs as `node --import tsx`, which is what the tsx command starts:
# a SIGKILL then reaches the client itself and not only tsx's wrapper.) dave is SIGKILLed
# mid-round (once he has saved his first answer: usually in round 1, a later one on a slow
# machine; the line says when) and does not come back. One check per line: each of
# the server's three rounds completes with the mean over the clients it names (each client
# sends bias = its registry index / 10), round 3 without dave; every
# surviving client completes its three rounds; every process exits by itself with status 0.
# Bounded by timeouts; no process is left behind. ~15 s.
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

passed=0
failed=0
check() { # check <ok: 0|1> <what> [detail]
  if [ "$1" -eq 1 ]; then
    passed=$((passed + 1))
    echo "ok   $2"
  else
    failed=$((failed + 1))
    echo "FAIL $2${3:+
     $3}"
  fi
}

[ -f dist/session/index.js ] || npm run --silent build >/dev/null

scratch=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  rm -rf "$scratch"
}
trap cleanup EXIT

# The user's project: the package and ws installed (linked here), the example files as they are.
mkdir -p "$scratch/node_modules"
ln -s "$root" "$scratch/node_modules/secagg"
ln -s "$root/node_modules/ws" "$scratch/node_modules/ws"
ln -s "$root/node_modules/tsx" "$scratch/node_modules/tsx"
echo '{ "type": "module" }' >"$scratch/package.json"
cp examples/ws/spec.ts examples/ws/server.ts examples/ws/client.ts "$scratch/"
cd "$scratch"

port=$((20000 + RANDOM % 20000))
export PORT=$port SECAGG_URL="ws://localhost:$port"
node --import tsx server.ts >server.log 2>&1 &
server=$!
pids+=("$server")
for _ in $(seq 1 100); do # until the server listens (tsx compiles first)
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
declare -A client
for name in alice bob carol dave; do
  node --import tsx client.ts "$name" >"$name.log" 2>&1 &
  client[$name]=$!
  pids+=("$!")
done

# dave: killed mid-round, as soon as his record file appears (he saves it before his first
# answer of round 1 is sent), so the server has him in the round's cohort.
for _ in $(seq 1 6000); do
  [ -e dave.secagg ] && break
  sleep 0.005
done
kill -KILL "${client[dave]}" 2>/dev/null
wait "${client[dave]}" 2>/dev/null
dave_rounds=$(grep -c '^dave round' dave.log)

# Every other process must exit by itself; the watchdog kills what is left after 90 s.
touch watchdog
( sleep 90; [ -e watchdog ] && kill -KILL "${pids[@]}" 2>/dev/null ) >/dev/null 2>&1 &
watchdog=$!
wait "$server"
server_status=$?
declare -A exit_status
for name in alice bob carol; do
  wait "${client[$name]}"
  exit_status[$name]=$?
done
rm -f watchdog
kill "$watchdog" 2>/dev/null

# The server's lines: `round R: mean over NAMES: bias[0] V` (or `round R: CODE (reason)`).
index() { case "$1" in alice) echo 0 ;; bob) echo 1 ;; carol) echo 2 ;; dave) echo 3 ;; *) echo x ;; esac; }
for r in 1 2 3; do
  line=$(grep "^round $r:" server.log | head -n 1)
  names=$(sed -n 's/^round [0-9]*: mean over \(.*\): bias\[0\] .*/\1/p' <<<"$line")
  value=$(sed -n 's/.*: bias\[0\] \(.*\)$/\1/p' <<<"$line")
  expected=0
  count=0
  for n in $names; do
    i=$(index "$n")
    [ "$i" = x ] && { expected=nan; break; }
    expected=$(awk -v e="$expected" -v i="$i" 'BEGIN { print e + i / 10 }')
    count=$((count + 1))
  done
  ok=0
  if [ -n "$names" ] && [ "$expected" != nan ] && [ "$count" -gt 0 ]; then
    ok=$(awk -v v="$value" -v e="$expected" -v c="$count" 'BEGIN { d = v - e / c; if (d < 0) d = -d; print (d < 1e-5) ? 1 : 0 }')
  fi
  check "$ok" "round $r completes with the mean of the clients it names, to 1e-5 (quantisation) ($names: bias[0] $value)" "server: ${line:-no line}"
done
check "$(grep '^round 3:' server.log | grep -q 'mean over alice bob carol:' && echo 1 || echo 0)" \
  "round 3 is over alice, bob and carol (dave killed after completing $dave_rounds round(s))" "$(grep '^round 3:' server.log)"
for name in alice bob carol; do
  check "$([ "$(grep -c "^$name round [123]: completed" "$name.log")" -eq 3 ] && echo 1 || echo 0)" \
    "$name completes rounds 1, 2 and 3" "$(tr '\n' '|' <"$name.log")"
done
check "$([ "$server_status" -eq 0 ] && echo 1 || echo 0)" "the server exits by itself with status 0 after its three rounds" "status $server_status (137: killed at 90 s); $(tail -n 5 server.log | tr '\n' '|')"
for name in alice bob carol; do
  check "$([ "${exit_status[$name]}" -eq 0 ] && echo 1 || echo 0)" "$name exits by itself with status 0" "status ${exit_status[$name]} (137: killed at 90 s)"
done
left=0
for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && left=$((left + 1)); done
check "$([ "$left" -eq 0 ] && echo 1 || echo 0)" "no process left behind" "$left still running"

echo "checks: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]

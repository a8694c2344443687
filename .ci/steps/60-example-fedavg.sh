#!/usr/bin/env bash
# The federated-training example (examples/fedavg, `npm run example:fedavg`) at a short setting:
# 5 rounds, 20 clients, 5 per round, cohorts and dropouts from a fixed seed (one round falls
# below the threshold and releases nothing). Checks: it exits 0 and prints its FEDAVG_JSON line;
# accuracy above chance (10%) by a margin, without DP and at the smallest noise; every DP arm's
# two epsilons finite and rising with each released round; every released secure-aggregation
# sum equal to the plain sum of the encoded updates; every session summing exactly the clients
# the schedule says; dropouts exercised; the chart written. About 10 s.
set -uo pipefail
cd "$(dirname "$0")/../.."

passed=0
failed=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
log="$scratch/fedavg.log"
start=$SECONDS

check() { # name, then a command that succeeds when the check holds
  local name=$1
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok   $name"
  else
    failed=$((failed + 1))
    echo "FAIL $name"
  fi
}

timeout 300 node --import tsx examples/fedavg/main.ts --rounds 5 --clients 20 --sample 0.25 --schedule-seed 7 \
  --chart "$scratch/fedavg.svg" >"$log" 2>&1
status=$?
check "example exits 0 (exit $status)" test "$status" -eq 0
grep -E '^(plain|dp z=)' "$log" | tail -n 4 | sed 's/^/    /'
json=$(sed -n 's/^FEDAVG_JSON //p' "$log" | tail -n 1)
check "prints a FEDAVG_JSON line" test -n "$json"

# Each query prints "true" or a reason; the check passes on "true".
query() {
  FEDAVG="$json" node -e '
    const r = JSON.parse(process.env.FEDAVG || "null");
    if (r === null) { console.log("no JSON"); process.exit(); }
    const plain = r.arms.find((a) => a.noiseMultiplier === null);
    const dp = r.arms.filter((a) => a.noiseMultiplier !== null);
    const leastNoise = dp.reduce((a, b) => (b.noiseMultiplier < a.noiseMultiplier ? b : a), dp[0]);
    const q = {
      plainAboveChance: () => plain.finalAccuracy > 0.3 || `plain accuracy ${plain.finalAccuracy}`,
      dpAboveChance: () => leastNoise.finalAccuracy > 0.2 || `${leastNoise.name} accuracy ${leastNoise.finalAccuracy}`,
      epsilons: () => (dp.length >= 2 && dp.every((a) => a.epsilonIncreasing && Number.isFinite(a.epsilonServer) && a.epsilonRelease <= a.epsilonServer)) || JSON.stringify(dp.map((a) => [a.name, a.epsilonServer, a.epsilonRelease, a.epsilonIncreasing])),
      sums: () => (r.checks.sumMismatches === 0 && r.checks.sumMatches === dp.reduce((n, a) => n + a.releasedRounds, 0) && r.checks.sumMatches > 0) || JSON.stringify(r.checks),
      schedule: () => r.checks.scheduleMismatches === 0 || JSON.stringify(r.checks),
      dropouts: () => (r.clientsDropped > 0 && r.roundsAborted > 0 && dp.every((a) => a.releasedRounds === r.options.rounds - r.roundsAborted)) || `dropped ${r.clientsDropped}, aborted ${r.roundsAborted}`,
    };
    console.log(String(q[process.argv[1]]()));
  ' "$1"
}
is_true() { local out; out=$(query "$1"); [ "$out" = true ] || { echo "    $out"; return 1; }; }

check "accuracy without DP above chance (> 30%)" is_true plainAboveChance
check "accuracy at the smallest noise above chance (> 20%)" is_true dpAboveChance
check "both epsilons finite, rising with each released round, release <= server" is_true epsilons
check "every released secure-aggregation sum equals the plain sum of the encoded updates" is_true sums
check "every session summed exactly the scheduled survivors (and aborted when too few)" is_true schedule
check "dropouts exercised: clients dropped, a round below the threshold released nothing" is_true dropouts
check "chart written" test -s "$scratch/fedavg.svg"

if [ "$failed" -gt 0 ]; then
  echo "last lines of the example's output:"
  tail -n 25 "$log" | sed 's/^/    /'
fi
echo "example fedavg took $((SECONDS - start)) s"
echo "checks: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]

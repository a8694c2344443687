#!/usr/bin/env bash
# The WebAssembly modules of the masking kernels: their source of truth is the hand-written text
# in src/masking/wasm/*.wat; the shipped bytes (src/masking/_simd-module.ts) must be its
# assembly by wabt. Checks:
#   - each .wat assembles to a valid module under 4 KB, the committed constant is that assembly
#     byte for byte, and the generated file is exactly what `npm run build:wasm` writes (one
#     line each from `scripts/build-wasm.ts --check`);
#   - wabt is a dev dependency only, and nothing in src/ or dist/ imports it;
#   - dist/ embeds exactly the committed bytes, and runs the portable backend's known answer
#     from a scratch folder where wabt is not installed.
set -uo pipefail
cd "$(dirname "$0")/../.."

passed=0
failed=0
pass() { echo "ok $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }

# 1. Reassemble and compare (the script prints one ok/FAIL line per check).
out=$(npx --no-install tsx scripts/build-wasm.ts --check 2>&1)
status=$?
echo "$out"
ok=$(grep -c '^ok ' <<<"$out")
bad=$(grep -c '^FAIL ' <<<"$out")
passed=$((passed + ok))
failed=$((failed + bad))
if [ "$status" -ne 0 ] && [ "$bad" -eq 0 ]; then fail "scripts/build-wasm.ts --check exited with status ${status}"; fi

# 2. wabt stays a dev dependency.
if node -e '
  const p = require("./package.json");
  const runtime = ["dependencies", "peerDependencies", "optionalDependencies"].some((k) => p[k] && "wabt" in p[k]);
  process.exit(p.devDependencies && "wabt" in p.devDependencies && !runtime ? 0 : 1);
'; then pass "wabt is a devDependency and no runtime dependency"; else fail "wabt must be in devDependencies only"; fi

# 3. Nothing the package ships imports it.
if grep -rnE "(from|import|require)\s*\(?\s*['\"]wabt['\"]" src dist 2>/dev/null; then
  fail "src/ or dist/ imports wabt (lines above)"
else
  pass "nothing in src/ or dist/ imports wabt"
fi

# 4. The built library carries the committed bytes and runs without wabt installed.
if [ ! -f dist/masking/index.js ]; then
  fail "dist/masking/index.js missing (the build step runs before this one)"
else
  if npx --no-install tsx -e '
    import * as src from "./src/masking/_simd-module.ts";
    import * as dist from "./dist/masking/_simd-module.js";
    process.exit(dist.FOLDS_WASM === src.FOLDS_WASM && dist.CHACHA20_WASM === src.CHACHA20_WASM ? 0 : 1);
  '; then pass "dist/ embeds the committed module bytes"; else fail "dist/ does not embed the committed module bytes (stale build?)"; fi

  scratch=$(mktemp -d)
  mkdir -p "$scratch/node_modules"
  cp -r dist "$scratch/dist"
  cp -r node_modules/@noble "$scratch/node_modules/@noble"
  echo '{ "type": "module" }' >"$scratch/package.json"
  if (cd "$scratch" && node --input-type=module -e '
    import { expandMask } from "./dist/masking/index.js";
    let wabt = false;
    try { await import("wabt"); wabt = true; } catch {}
    const zeros = new Uint8Array(32);
    const got = expandMask({ seed: zeros, sessionId: zeros, label: "x", bits: 32, length: 4, backend: "portable" });
    process.exit(!wabt && got.join(",") === "3535174219,3089074084,4199425599,3574129225" ? 0 : 1);
  '); then
    pass "dist/ runs the portable backend's known answer where wabt is not installed"
  else
    fail "dist/ without wabt: the portable backend's known answer"
  fi
  rm -rf "$scratch"
fi

echo "checks: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]

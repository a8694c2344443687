#!/usr/bin/env bash
# The package as npm ships it (test/package/install.ts): `npm pack` on a copy of the tree
# without dist/ builds it; the tarball's contents, links and source maps; publint --strict and
# @arethetypeswrong/cli --profile esm-only on it; then a fresh project installs it, imports and
# requires every subpath of package.json's `exports` in real node processes, compiles
# TypeScript against it and runs the bin. One line per check. About a minute.
set -uo pipefail
cd "$(dirname "$0")/../.."
npx --no-install tsx test/package/install.ts

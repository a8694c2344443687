#!/usr/bin/env bash
# Browser bundles (test/package/bundles.ts): every browser subpath of package.json's `exports`
# (all but NOT_FOR_BROWSERS in test/package/_subpaths.ts), installed from the tarball and
# linked as a folder, bundled by esbuild and by Vite with zero warnings, and run in headless
# Chromium (the export names Node sees, the subpath's smoke test). One line per check. ~20 s.
set -uo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib/chromium.sh
npx --no-install tsx test/package/bundles.ts

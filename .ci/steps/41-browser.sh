#!/usr/bin/env bash
# `npm run test:browser` (test/browser/run.ts): a whole round, the WebAssembly kernels, Shamir
# and the accountants from the sources, bundled for the browser and run in headless Chromium;
# one check per line the page reports. ~10 s.
set -uo pipefail
cd "$(dirname "$0")/../.."
. .ci/lib/chromium.sh
npm run --silent test:browser

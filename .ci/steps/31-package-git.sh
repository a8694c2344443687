#!/usr/bin/env bash
# Installing from git (test/package/git-install.ts): `npm install git+file://<repo>` of a git
# repository made from the working tree, with npm's install-script approval (strict: refused
# without it, clean with it); then import and require of every subpath and the bin. One line
# per check. About 30-60 s (npm installs the dev dependencies in its clone and builds).
set -uo pipefail
cd "$(dirname "$0")/../.."
npx --no-install tsx test/package/git-install.ts

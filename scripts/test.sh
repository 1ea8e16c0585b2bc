#!/usr/bin/env bash
# The whole test suite, from a fresh clone on Debian 12 as root: installs the tools the tests check our output
# against (apt), the npm dependencies, type-checks, bundles, and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "the test suite needs root (apt, chroot and, later, network namespaces): run it with sudo" >&2
  exit 1
fi
bash scripts/install-test-deps.sh
bash scripts/ensure-node-modules.sh
npx tsc -p tsconfig.json
node scripts/build.mjs
npx ava "$@"

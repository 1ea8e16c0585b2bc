#!/usr/bin/env bash
# The whole test suite, from a fresh clone on Debian 12 as root: installs the tools the tests check our output
# against (apt), the npm dependencies, type-checks, bundles, and runs every test (or the test files given)
# inside the tripwire: this machine's host name, resolver, hosts, root's shadow entry, addresses, routes and
# mounts are recorded before the first test and compared after the last; any difference fails the run.
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
state=$(mktemp /tmp/osconf-tripwire.XXXXXX)
[ -n "$state" ] && [ -f "$state" ] || { echo "mktemp failed" >&2; exit 1; }
bash scripts/tripwire.sh snapshot "$state"
code=0
npx ava "$@" || code=$?
bash scripts/tripwire.sh compare "$state" || code=1
rm -f -- "$state"
exit "$code"

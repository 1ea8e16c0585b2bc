#!/usr/bin/env bash
# The tripwire (test/tripwire/): `tripwire.sh snapshot FILE` before a run, `tripwire.sh compare FILE` after it;
# compare names every difference in this machine's host name, resolver, hosts, root's shadow entry, addresses,
# routes and mounts, and exits 1 if there is one. Bundled on the fly so that it needs no type-check first.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/tripwire.cjs
mkdir -p build
node_modules/.bin/esbuild test/tripwire/main.ts --bundle --platform=node --format=cjs --target=node18 \
  --log-level=warning --outfile="$out.$$" && mv -f -- "$out.$$" "$out"
exec node "$out" "$@"

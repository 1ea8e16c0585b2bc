#!/usr/bin/env bash
# The quick-start's main job on the bundled example: read examples/classic.conf, show what osconf
# understood, and write the cloud-init NoCloud seed it would hand over, into a throwaway directory.
# Nothing on this machine is changed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-node-modules.sh
node scripts/build.mjs
conf="${1:-examples/classic.conf}"
sandbox=$(mktemp -d)
trap 'rm -rf -- "$sandbox"' EXIT

echo "== osconf show --conf $conf"
./dist/osconf show --conf "$conf"
echo
echo "== osconf datasource --conf $conf --nocloud-dir <sandbox>"
./dist/osconf datasource --conf "$conf" --nocloud-dir "$sandbox/seed"
for f in meta-data network-config user-data; do
  echo "-- $f ($(stat -c %a "$sandbox/seed/$f"))"
  cat "$sandbox/seed/$f"
done

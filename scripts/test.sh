#!/usr/bin/env bash
# The test suites, from a fresh clone on Debian 12. `test.sh SUITE [ARG...]`:
#   unit         test/unit/, as any user: installs the npm dependencies if needed, type-checks and compiles
#                what the unit tests import (tsconfig.unit.json) and runs them. No root, no apt, no bundle,
#                no namespaces: the unit tests use in-memory hosts and roots and temporary directories only.
#   integration  test/integration/, as root;
#   boot         test/boot/ (real boots under qemu), as root;
#   all          every test in one ava run (npm test), as root.
# The root suites install the tools the tests check our output against (apt), the npm dependencies,
# type-check, bundle, and run their tests inside the tripwire: this machine's host name, resolver, hosts,
# root's shadow entry, addresses, routes and mounts are recorded before the first test and compared after the
# last; any difference fails the run.
# ARGs go to ava. Test files among them (*.js, *.js:LINE) are run instead of the suite's; anything else
# (--match, --verbose, ...) is passed along with the suite's files.
set -euo pipefail
cd "$(dirname "$0")/.."

suite=${1:-}
if [ $# -gt 0 ]; then shift; fi
case "$suite" in
  unit | integration | boot) files=("build/test/$suite/**/*.test.js") ;;
  all) files=() ;; # ava's own "files" (package.json): every test
  *)
    echo "usage: scripts/test.sh unit|integration|boot|all [AVA ARG...]" >&2
    exit 2
    ;;
esac
for arg in "$@"; do
  case "$arg" in
    -*) ;;
    *.js | *.js:*) files=() ;;
  esac
done

# Compiled tests whose source is gone (moved or deleted) would still match ava's globs.
prune_stale_tests() {
  [ -d build/test ] || return 0
  local js source
  while IFS= read -r -d '' js; do
    source=${js#build/}
    [ -e "${source%.js}.ts" ] || rm -f -- "$js" "$js.map"
  done < <(find build/test -name '*.test.js' -print0)
}

if [ "$suite" = unit ]; then
  bash scripts/ensure-node-modules.sh
  node_modules/.bin/tsc -p tsconfig.unit.json
  prune_stale_tests
  exec node_modules/.bin/ava "${files[@]}" "$@"
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "the $suite tests need root (apt, chroot, network namespaces): run them with sudo, or run the unit tests alone (npm run test:unit)" >&2
  exit 1
fi
bash scripts/install-test-deps.sh
bash scripts/ensure-node-modules.sh
node_modules/.bin/tsc -p tsconfig.json
node scripts/build.mjs
if [ "$suite" = boot ] || [ "$suite" = all ]; then
  # The guest roots (kernel, initramfs, every stack) take minutes to build the first time: built and cached
  # here, before the tests and their time limits start, and before the tripwire's first look.
  tools_dir="${OSCONF_TOOLS_DIR:-$PWD/.tools}"
  # All at once: each is mostly downloads and dpkg (each writes only its own directory). Debian 12 with systemd,
  # with sysvinit and then with OpenRC (made from the sysvinit one); Debian 11 and 13 with systemd.
  pids=()
  bash test/vm/build-rootfs.sh "$tools_dir/vm" systemd & pids+=($!)
  { bash test/vm/build-rootfs.sh "$tools_dir/vm-sysv" sysvinit && bash test/vm/build-rootfs.sh "$tools_dir/vm-openrc" openrc; } & pids+=($!)
  DEBIAN_SUITE=bullseye bash test/vm/build-rootfs.sh "$tools_dir/vm-debian11" systemd & pids+=($!)
  DEBIAN_SUITE=trixie bash test/vm/build-rootfs.sh "$tools_dir/vm-debian13" systemd & pids+=($!)
  built=0
  for pid in "${pids[@]}"; do wait "$pid" || built=1; done
  [ "$built" -eq 0 ] || { echo "building a guest root failed (see .tools/vm*/build.log)" >&2; exit 1; }
fi
prune_stale_tests
state=$(mktemp /tmp/osconf-tripwire.XXXXXX)
[ -n "$state" ] && [ -f "$state" ] || { echo "mktemp failed" >&2; exit 1; }
bash scripts/tripwire.sh snapshot "$state"
code=0
node_modules/.bin/ava "${files[@]}" "$@" || code=$?
bash scripts/tripwire.sh compare "$state" || code=1
rm -f -- "$state"
exit "$code"

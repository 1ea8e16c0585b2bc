#!/usr/bin/env bash
# Builds a Debian root (12 unless SUITE or DEBIAN_SUITE names bullseye or trixie) with debootstrap
# --variant=minbase from the mirror apt already uses, then installs packages inside it with apt (which resolves
# dependencies debootstrap's --include cannot). Services are never started while installing (policy-rc.d); the
# build machine's resolver is copied in for apt and removed afterwards.
# With BASE_ROOT=DIR2 (a root this script built): DIR starts as a copy of DIR2 instead of a debootstrap (INCLUDE
# is then ignored), and PACKAGES are installed into the copy.
# Usage: [DEBIAN_SUITE=bookworm|bullseye|trixie] [BASE_ROOT=DIR2] debian-root.sh DIR INCLUDE(comma list, may be empty) "PACKAGES" LOG [SUITE]
set -euo pipefail
dir=${1:?usage: debian-root.sh DIR INCLUDE PACKAGES LOG [SUITE]} include=${2?} packages=${3:-} log=${4:?}
suite=${5:-${DEBIAN_SUITE:-bookworm}}
case "$suite" in bullseye | bookworm | trixie) ;; *) echo "unknown Debian suite: $suite" >&2; exit 2 ;; esac
case "$dir" in /?*) ;; *) echo "DIR must be absolute" >&2; exit 2 ;; esac

mirror=$(apt-get indextargets --format '$(SITE)' 'Release: bookworm' 2>/dev/null | grep -v security | head -n 1)
[ -n "$mirror" ] || mirror=$(apt-get indextargets --format '$(SITE)' | grep -v security | head -n 1)
[ -n "$mirror" ] || { echo "cannot find the Debian mirror in apt's sources" >&2; exit 1; }

rm -rf -- "$dir"
base=${BASE_ROOT:-}
if [ -n "$base" ]; then
  [ -d "$base/usr" ] || { echo "BASE_ROOT $base is not a root" >&2; exit 2; }
  cp -a -- "$base" "$dir"
  echo "copied from $base" >"$log"
else
  # debootstrap mounts /proc into the root and runs maintainer scripts there: sandboxed (scripts/sandbox.sh), with
  # this machine's network only because it downloads from the mirror.
  bash "$(dirname "$0")/sandbox.sh" run --host-network -- debootstrap --variant=minbase ${include:+--include="$include"} "$suite" "$dir" "$mirror" >"$log" 2>&1 || {
    tail -n 20 "$log" >&2
    exit 1
  }
fi
printf '#!/bin/sh\nexit 101\n' > "$dir/usr/sbin/policy-rc.d"
chmod +x "$dir/usr/sbin/policy-rc.d"
if [ -n "$packages" ]; then
  cp /etc/resolv.conf "$dir/etc/resolv.conf"
  # apt needs this machine's network; the rest of the sandbox is private.
  bash "$(dirname "$0")/sandbox.sh" run --host-network -- sh -c '
    set -e
    mount -t proc proc "$1/proc"
    mount -t sysfs sysfs "$1/sys"
    chroot "$1" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
      sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends $2 && apt-get clean"
  ' sh "$dir" "$packages" >>"$log" 2>&1 || {
    tail -n 20 "$log" >&2
    exit 1
  }
fi
# The root must not carry this machine's resolver settings.
rm -f -- "$dir/etc/resolv.conf"

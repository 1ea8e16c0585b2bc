#!/usr/bin/env bash
# Installs what the test suite needs on a Debian 12 machine, as root: the real tools our output is checked
# against. Nothing here changes how the machine itself boots or is configured:
# - cloud-init is unpacked into a private directory, never installed, so its boot units are never enabled;
# - Debian 12's own Node.js 18 lives in a debootstrap root used with chroot.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
tools_dir="${OSCONF_TOOLS_DIR:-$here/.tools}"
case "$tools_dir" in
  /?*) ;;
  *) echo "OSCONF_TOOLS_DIR must be an absolute path" >&2; exit 1 ;;
esac
mkdir -p "$tools_dir"

export DEBIAN_FRONTEND=noninteractive
apt_packages=(
  # cloud-init's runtime dependencies (Debian 12), for `cloud-init devel net-convert` and `schema`
  python3 python3-configobj python3-jinja2 python3-jsonpatch python3-jsonschema python3-netifaces
  python3-oauthlib python3-requests python3-serial python3-yaml
  # openssl verifies crypt hashes; dash is the reference shell; debootstrap builds the Node 18 root
  openssl dash debootstrap iproute2
  # rpmbuild and rpm build and inspect the .rpm; e2fsprogs makes the test partitions
  rpm e2fsprogs man-db
  # npm run package builds the .deb with debhelper; each package's own checker judges it (test/integration/
  # packages.test.ts): lintian, rpmlint (cpio unpacks the .rpm), packer validates the Packer example
  debhelper dpkg-dev lintian rpmlint cpio packer
  # btrfs-progs makes the btrfs root of the locate test (a root whose mountinfo has no block device)
  btrfs-progs
  # the real-boot tests: qemu, and tools that build disk images without mounting (mtools, sfdisk, mkfs.vfat)
  qemu-system-x86 mtools dosfstools fdisk
  # syslinux's MBR boot code for the sealed test disk, which `osconf check` wants bootable; syslinux itself
  # installs its loader onto the FAT partition 1 of the disks that boot by firmware (osconf test-image's)
  syslinux-common syslinux
  # qemu-img and qemu-io: osconf test-image's copy-on-write overlay and its partition reads and writes
  qemu-utils
  # qemu-user runs the aarch64 standalone tarball's Node.js (test/integration/packages.test.ts)
  qemu-user-static
  # shellcheck judges the boot pre-check (dist/osconf-boot) as POSIX sh
  shellcheck
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
updated=no
apt_update_once() {
  if [ "$updated" = no ]; then
    apt-get update -qq
    updated=yes
  fi
}
if [ ${#missing[@]} -gt 0 ]; then
  apt_update_once
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# cloud-init 22.4 as Debian 12 ships it (the newest 22.4 revision the archive serves).
cloud_init_dir="$tools_dir/cloud-init"
if [ ! -x "$cloud_init_dir/usr/bin/cloud-init" ]; then
  apt_update_once
  version=$(apt-cache madison cloud-init | awk '$3 ~ /^22\.4/ { print $3; exit }')
  [ -n "$version" ] || { echo "no cloud-init 22.4 in the apt sources" >&2; exit 1; }
  work=$(mktemp -d)
  (cd "$work" && apt-get download -qq "cloud-init=$version")
  rm -rf -- "$cloud_init_dir.tmp"
  mkdir -p "$cloud_init_dir.tmp"
  dpkg-deb -x "$work"/cloud-init_*.deb "$cloud_init_dir.tmp"
  rm -rf -- "$work"
  mv -- "$cloud_init_dir.tmp" "$cloud_init_dir"
fi

# A minimal Debian 12 root: Debian's own nodejs (18) for the compatibility test, and the network stacks whose
# tools check our files (netplan, ifupdown, systemd-networkd, NetworkManager), with systemd-resolved, the
# resolver they hand name servers to. Services are never started while installing (policy-rc.d); tests run
# the daemons inside throwaway network and mount namespaces. A root that lacks any of the checked programs
# (an older build) is rebuilt.
debian_root="$tools_dir/debian12"
stack_packages=(netplan.io ifupdown network-manager dbus systemd systemd-resolved udev)
root_ready() {
  local p
  for p in usr/sbin/NetworkManager usr/bin/node lib/systemd/systemd-resolved usr/bin/resolvectl; do
    [ -x "$debian_root/$p" ] || return 1
  done
}
if ! root_ready; then
  staging="$debian_root.tmp"
  bash "$here/scripts/debian-root.sh" "$staging" nodejs,openssl,iproute2 "${stack_packages[*]}" "$tools_dir/debootstrap.log"
  rm -rf -- "$debian_root"
  mv -- "$staging" "$debian_root"
fi
# Debian 12's SysV boot ordering for the init script's test (test/integration/sysv-order.test.ts), as .debs the
# test installs into a throwaway overlay of the Debian root: insserv orders the scripts; initscripts brings
# mountnfs.sh (the $remote_fs provider that once made a loop with osconf); openssh-server only for its
# /etc/init.d/ssh. Kept out of the root itself so its other tests see the same system as before.
sysv_dir="$tools_dir/sysv-debs"
sysv_packages=(insserv startpar sysv-rc initscripts openssh-server)
if [ "$(ls "$sysv_dir"/*.deb 2>/dev/null | wc -l)" -ne ${#sysv_packages[@]} ]; then
  apt_update_once
  rm -rf -- "$sysv_dir.tmp"
  mkdir -p "$sysv_dir.tmp"
  # apt's download user cannot write a root-only directory: fetch as root (-o APT::Sandbox::User=root).
  (cd "$sysv_dir.tmp" && apt-get download -qq -o APT::Sandbox::User=root "${sysv_packages[@]}")
  rm -rf -- "$sysv_dir"
  mv -- "$sysv_dir.tmp" "$sysv_dir"
fi
# ifupdown-ng, the interfaces(5) implementation Alpine ships, as Debian 12 packages it: its .deb (its name
# carries the version), which test/integration/ifupdown-ng.test.ts installs in place of ifupdown into a
# throwaway overlay of the Debian root. Not installed here or in the root: it conflicts with ifupdown, which
# the other stack tests use. One small download, no root to build.
ifupdown_ng_dir="$tools_dir/ifupdown-ng-debs"
if ! compgen -G "$ifupdown_ng_dir/ifupdown-ng_*.deb" >/dev/null; then
  apt_update_once
  rm -rf -- "$ifupdown_ng_dir.tmp"
  mkdir -p "$ifupdown_ng_dir.tmp"
  (cd "$ifupdown_ng_dir.tmp" && apt-get download -qq -o APT::Sandbox::User=root ifupdown-ng)
  rm -rf -- "$ifupdown_ng_dir"
  mv -- "$ifupdown_ng_dir.tmp" "$ifupdown_ng_dir"
fi

# The Node.js builds the bundle is run under by the Node matrix test (8 for the refusal, 10 to 22).
bash "$here/scripts/node-runtimes.sh" "$tools_dir"

# For the standalone tarballs' tests (test/integration/packages.test.ts): a Debian 11 (bullseye) root without
# nodejs (debootstrap --variant=minbase from deb.debian.org, which still serves bullseye as oldoldstable), and
# Debian 11's aarch64 libraries (glibc, libstdc++), unpacked only (--foreign: nothing of it runs here), that
# qemu-aarch64-static -L loads the aarch64 runtime with. About 4 and 2 minutes on the development machine.
# Both at once (each is downloads and dpkg unpacking, about 4 and 2 minutes alone on the development machine).
debian11_root="$tools_dir/debian11"
build_debian11() {
  grep -qs '^11\.' "$debian11_root/etc/debian_version" && return 0
  bash "$here/scripts/debian-root.sh" "$debian11_root.tmp" "" "" "$tools_dir/debootstrap11.log" bullseye
  rm -rf -- "$debian11_root"
  mv -- "$debian11_root.tmp" "$debian11_root"
}
arm64_root="$tools_dir/debian11-arm64"
build_arm64_libs() {
  [ ! -e "$arm64_root/lib/ld-linux-aarch64.so.1" ] || return 0
  rm -rf -- "$arm64_root.tmp"
  bash "$here/scripts/sandbox.sh" run --host-network -- debootstrap --foreign --arch=arm64 --variant=minbase bullseye "$arm64_root.tmp" http://deb.debian.org/debian >"$tools_dir/debootstrap11-arm64.log" 2>&1 || {
    tail -n 20 "$tools_dir/debootstrap11-arm64.log" >&2
    return 1
  }
  # The downloaded .debs and debootstrap's second stage are not needed: only the unpacked libraries are.
  rm -rf -- "$arm64_root.tmp/debootstrap" "$arm64_root.tmp/var/cache/apt/archives"
  mkdir -p "$arm64_root.tmp/var/cache/apt/archives"
  rm -rf -- "$arm64_root"
  mv -- "$arm64_root.tmp" "$arm64_root"
}
build_debian11 &
debian11_job=$!
build_arm64_libs &
arm64_job=$!
# The runtime the standalone tarballs carry (npm run package fetches it too, into the same cache).
bash "$here/scripts/node-standalone.sh" "$tools_dir" >/dev/null
failed=0
wait "$debian11_job" || failed=1
wait "$arm64_job" || failed=1
[ "$failed" -eq 0 ] || { echo "building the Debian 11 roots failed (see $tools_dir/debootstrap11*.log)" >&2; exit 1; }
echo "test tools ready in $tools_dir"

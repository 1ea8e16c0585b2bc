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
  # the real-boot tests: qemu, and tools that build disk images without mounting (mtools, sfdisk, mkfs.vfat)
  qemu-system-x86 mtools dosfstools fdisk
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
echo "test tools ready in $tools_dir"

#!/usr/bin/env bash
# Builds (once, cached) the Debian 12 guest root for the real-boot tests: kernel and initramfs, Debian's
# nodejs, and every network stack the matrix boots with (ifupdown, systemd-networkd, netplan, NetworkManager),
# none of them enabled (each boot's disk enables one, see make-disk.sh), plus cloud-init, disabled, for the
# boot benchmark. With INIT=sysvinit: sysvinit-core instead of systemd as PID 1, and ifupdown only.
# Usage: build-rootfs.sh DIR [systemd|sysvinit]   (DIR/rootfs, DIR/vmlinuz, DIR/initrd.img)
set -euo pipefail
out=${1:?usage: build-rootfs.sh DIR [systemd|sysvinit]}
init=${2:-systemd}
case "$out" in /?*) ;; *) echo "DIR must be absolute" >&2; exit 2 ;; esac
stamp="$out/rootfs.stamp"
version="4-$init" # bump when the package list or setup below changes
if [ "$(cat "$stamp" 2>/dev/null || true)" = "$version" ] && [ -f "$out/vmlinuz" ]; then
  echo "guest root is up to date in $out"
  exit 0
fi
rootfs="$out/rootfs"
staging="$out/rootfs.tmp"
mkdir -p "$out"
rm -rf -- "$staging"

mirror=$(apt-get indextargets --format '$(SITE)' 'Release: bookworm' 2>/dev/null | grep -v security | head -n 1)
[ -n "$mirror" ] || mirror=$(apt-get indextargets --format '$(SITE)' | grep -v security | head -n 1)
[ -n "$mirror" ] || { echo "cannot find the Debian mirror in apt's sources" >&2; exit 1; }

log="$out/build.log"
if [ "$init" = sysvinit ]; then
  base=sysvinit-core,udev,kmod,iproute2,nodejs
  packages="linux-image-amd64 initramfs-tools ifupdown e2fsprogs procps openssl"
else
  base=systemd-sysv,udev,kmod,iproute2,nodejs
  packages="linux-image-amd64 initramfs-tools dbus ifupdown netplan.io network-manager e2fsprogs procps openssl cloud-init"
fi
debootstrap --variant=minbase --include="$base" bookworm "$staging" "$mirror" >"$log" 2>&1 || {
  tail -n 20 "$log" >&2
  exit 1
}
printf '#!/bin/sh\nexit 101\n' > "$staging/usr/sbin/policy-rc.d"
chmod +x "$staging/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$staging/etc/resolv.conf"
unshare --mount --propagation private sh -c '
  set -e
  mount -t proc proc "$1/proc"
  mount -t sysfs sysfs "$1/sys"
  mount -t tmpfs tmpfs "$1/dev/shm" 2>/dev/null || true
  chroot "$1" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive sh -c "
    apt-get update -qq &&
    apt-get install -y -qq --no-install-recommends $2 &&
    apt-get clean"
' sh "$staging" "$packages" >>"$log" 2>&1 || {
  tail -n 20 "$log" >&2
  exit 1
}
rm -f -- "$staging/usr/sbin/policy-rc.d"
# The guest needs no resolver of the build machine's, and starts with no network stack enabled.
rm -f -- "$staging/etc/resolv.conf"
if [ -d "$staging/etc/systemd/system" ]; then
  for unit in NetworkManager.service networking.service systemd-networkd.service systemd-resolved.service NetworkManager-wait-online.service systemd-networkd-wait-online.service; do
    find "$staging/etc/systemd/system" -name "$unit" -type l -delete
  done
fi
# cloud-init stays off unless a boot turns it on (the benchmark's cloud-init runs).
[ ! -d "$staging/etc/cloud" ] || touch "$staging/etc/cloud/cloud-init.disabled"
echo "osconf-guest" > "$staging/etc/hostname"
printf '127.0.0.1\tlocalhost\n' > "$staging/etc/hosts"
# Root's password is locked until os.conf sets one.
sed -i 's/^root:[^:]*:/root:*:/' "$staging/etc/shadow"
cp "$staging/boot/vmlinuz-"* "$out/vmlinuz"
cp "$staging/boot/initrd.img-"* "$out/initrd.img"
rm -rf -- "$rootfs"
mv -- "$staging" "$rootfs"
echo "$version" > "$stamp"
echo "guest root built in $out"

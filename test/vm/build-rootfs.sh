#!/usr/bin/env bash
# Builds (once, cached) a Debian guest root for the real-boot tests: kernel and initramfs, Debian's nodejs, and
# the network stacks its boots use, none of them enabled (each boot's disk enables one, see make-disk.sh).
# Debian 12 (DEBIAN_SUITE=bookworm, the default) with systemd: every stack (ifupdown, systemd-networkd, netplan,
# NetworkManager) plus cloud-init, disabled, for the boot benchmark and the cloud-init boots (which enable it).
# Debian 11 (bullseye) and 13 (trixie) with systemd: ifupdown, systemd-networkd and netplan only (small: their
# boots cover those stacks). With INIT=sysvinit: sysvinit-core instead of systemd as PID 1, and ifupdown only;
# with INIT=openrc: that sysvinit root (built first) with Debian's openrc added as sysvinit's rc (Debian 12 only).
# Usage: [DEBIAN_SUITE=SUITE] build-rootfs.sh DIR [systemd|sysvinit|openrc]   (DIR/rootfs, DIR/vmlinuz, DIR/initrd.img)
set -euo pipefail
out=${1:?usage: build-rootfs.sh DIR [systemd|sysvinit|openrc]}
init=${2:-systemd}
suite=${DEBIAN_SUITE:-bookworm}
case "$out" in /?*) ;; *) echo "DIR must be absolute" >&2; exit 2 ;; esac
case "$init/$suite" in
  systemd/bookworm | systemd/bullseye | systemd/trixie | sysvinit/bookworm | openrc/bookworm) ;;
  *) echo "no guest root for $init on $suite" >&2; exit 2 ;;
esac
stamp="$out/rootfs.stamp"
# Bump when the package list or setup below changes (per init system and suite: each root is rebuilt only when its own changes).
sysv_version=5-sysvinit
case "$init/$suite" in
  sysvinit/*) version=$sysv_version ;;
  # Made from the sysvinit root: rebuilt when that one is.
  openrc/*) version="2-openrc-from-$sysv_version" ;;
  systemd/bookworm) version=7-systemd ;;
  *) version="1-systemd-$suite" ;;
esac
if [ "$(cat "$stamp" 2>/dev/null || true)" = "$version" ] && [ -f "$out/vmlinuz" ]; then
  echo "guest root is up to date in $out"
  exit 0
fi
rootfs="$out/rootfs"
staging="$out/rootfs.tmp"
mkdir -p "$out"
log="$out/build.log"
rm -f -- "$log" # a new file, not the (possibly hard-linked) old one truncated
case "$init/$suite" in
  sysvinit/*)
    base=sysvinit-core,udev,kmod,iproute2,nodejs
    packages="linux-image-amd64 initramfs-tools ifupdown e2fsprogs procps openssl"
    ;;
  openrc/*)
    # Debian's openrc runs under sysvinit's init (its /etc/inittab calls openrc for each runlevel): the sysvinit
    # root (built first, see scripts/test.sh) with openrc added, instead of a second debootstrap and kernel.
    sysv_root="${SYSV_ROOT:-$(dirname "$out")/vm-sysv}"
    [ "$(cat "$sysv_root/rootfs.stamp" 2>/dev/null || true)" = "$sysv_version" ] || { echo "the OpenRC root is made from the sysvinit root: build $sysv_root first" >&2; exit 2; }
    export BASE_ROOT="$sysv_root/rootfs"
    base=
    packages="openrc"
    ;;
  systemd/bookworm)
    base=systemd-sysv,udev,kmod,iproute2,nodejs
    # systemd-resolved (disabled like the stacks) for the boot cells whose image runs it; net-tools: cloud-init
    # 22.4 writes ifupdown routes as `post-up route add` (route(8)), which Debian's cloud-init package does not
    # pull in; the cloud-init boots need it (the image builder's guide says so).
    packages="linux-image-amd64 initramfs-tools dbus ifupdown netplan.io network-manager systemd-resolved e2fsprogs procps openssl cloud-init openssh-server net-tools"
    ;;
  systemd/*)
    base=systemd-sysv,udev,kmod,iproute2,nodejs
    packages="linux-image-amd64 initramfs-tools dbus ifupdown netplan.io e2fsprogs procps openssl openssh-server"
    ;;
esac
DEBIAN_SUITE="$suite" bash "$(dirname "$0")/../../scripts/debian-root.sh" "$staging" "$base" "$packages" "$log"
rm -f -- "$staging/usr/sbin/policy-rc.d"
# The guest starts with no network stack enabled.
if [ -d "$staging/etc/systemd/system" ]; then
  for unit in NetworkManager.service networking.service systemd-networkd.service systemd-resolved.service dbus-org.freedesktop.resolve1.service NetworkManager-wait-online.service systemd-networkd-wait-online.service; do
    find "$staging/etc/systemd/system" -name "$unit" -type l -delete
  done
fi
# cloud-init stays off unless a boot turns it on (the benchmark's cloud-init runs).
[ ! -d "$staging/etc/cloud" ] || touch "$staging/etc/cloud/cloud-init.disabled"
echo "osconf-guest" > "$staging/etc/hostname"
printf '127.0.0.1\tlocalhost\n' > "$staging/etc/hosts"
# Root's password is locked until os.conf sets one.
sed -i 's/^root:[^:]*:/root:*:/' "$staging/etc/shadow"
# Replaced, never rewritten in place: a test tools tree may share these files with others through hard links.
rm -f -- "$out/vmlinuz" "$out/initrd.img" "$stamp"
cp "$staging/boot/vmlinuz-"* "$out/vmlinuz"
cp "$staging/boot/initrd.img-"* "$out/initrd.img"
rm -rf -- "$rootfs"
mv -- "$staging" "$rootfs"
echo "$version" > "$stamp"
echo "guest root built in $out"

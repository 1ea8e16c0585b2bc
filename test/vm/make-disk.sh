#!/usr/bin/env bash
# Builds one bootable test disk: MBR, partition 1 (FAT32 or ext4) holding aliyun_custom_image/[os.conf],
# partition 2 the guest root (from build-rootfs.sh) with the osconf .deb installed, one network stack
# enabled and the probe unit (the OpenRC root: osconf from the .tar.gz with its install.sh, as
# docs/image-builders.md tells an OpenRC image builder, PACKAGE is then the tarball). No mounts on this machine: the root is staged through an overlay in a sandbox
# (scripts/sandbox.sh: private mount, UTS and network namespaces) and written with mkfs.ext4 -d; partitions are placed with dd.
# Usage: make-disk.sh VMDIR PACKAGE(.deb|.tar.gz) STACK(eni|networkd|netplan|network-manager) P1FS(vfat|ext4) OS_CONF|- EXPECT_ADDRS OUT.img [INIT(systemd|sysvinit|openrc)]
# With CLOUD_INIT_SEED=DIR (the boot benchmark): osconf disabled, cloud-init enabled with that NoCloud seed.
# With CLOUD_INIT=1: cloud-init enabled beside osconf (mode auto), the image prepared as docs/image-builders.md
# says: NoCloud alone in datasource_list, so ds-identify enables cloud-init before osconf has written its seed.
# With EXTRA_ROOT=DIR: DIR's files are copied into the root as they are (leftovers of the system an image was
# made from), after the stack is set up. With ENABLE_UNITS="UNIT ...": those units are enabled too; with
# DISABLE_UNITS="UNIT ...": those are disabled (osconf installed but not enabled).
# With FIRMWARE=1: the disk boots by firmware as an imported image does (BIOS, no -kernel), without the probe: partition
# 1 is a 160 MiB FAT32 (P1FS must be vfat) holding the kernel, the initramfs and SYSLINUX (`syslinux --install`
# writes its loader into the unmounted FAT image through mtools), marked active, with syslinux's mbr.bin in the
# MBR; the image's SSH host keys are removed, as a sealed image ships none (osconf makes them at first boot).
# With PREPARE_REPORTS=DIR (ext4 partition 1 only): the image is sealed with `osconf prepare` (root and
# partition 1), checked with `osconf check --root` and, once built, `osconf check --image`; the disk is 6 GiB
# (sparse) as the platform needs more than 5 GiB. Outputs and reports go to DIR.
set -euo pipefail
vmdir=${1:?} deb=${2:?} stack=${3:?} p1fs=${4:?} osconf=${5:?} expect=${6:?} out=${7:?} init=${8:-systemd}
firmware=${FIRMWARE:-}
if [ -n "$firmware" ] && [ "$p1fs" != vfat ]; then echo "FIRMWARE needs a vfat partition 1" >&2; exit 2; fi
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
[ -n "$work" ] && [ -d "$work" ] || exit 1
trap 'rm -rf -- "$work"' EXIT
mkdir -p "$work/upper" "$work/ovl" "$work/merged" "$work/p1"
reports=${PREPARE_REPORTS:-}
osconf_bin="$here/../../dist/osconf"
if [ -n "$reports" ]; then
  [ "$p1fs" = ext4 ] || { echo "PREPARE_REPORTS needs an ext4 partition 1" >&2; exit 2; }
  mkdir -p "$reports"
fi

bash "$here/../../scripts/sandbox.sh" run --no-network -- env ROOT="$vmdir/rootfs" W="$work" DEB="$deb" STACK="$stack" EXPECT="$expect" HERE="$here" INIT="$init" SEED="${CLOUD_INIT_SEED:-}" CLOUD_INIT="${CLOUD_INIT:-}" EXTRA="${EXTRA_ROOT:-}" UNITS="${ENABLE_UNITS:-}" OFF_UNITS="${DISABLE_UNITS:-}" REPORTS="$reports" OSCONF="$osconf_bin" FIRMWARE="$firmware" sh -c '
  set -eu
  mount -t overlay overlay -o "lowerdir=$ROOT,upperdir=$W/upper,workdir=$W/ovl" "$W/merged"
  M="$W/merged"
  case "$DEB" in *.tar.gz) cp "$DEB" "$M/tmp/osconf.tar.gz" ;; *) cp "$DEB" "$M/tmp/osconf.deb" ;; esac
  if [ -n "$FIRMWARE" ]; then
    rm -f "$M"/etc/ssh/ssh_host_*
  else
    install -m 0755 "$HERE/osconf-probe" "$M/usr/local/bin/osconf-probe"
    case "$INIT" in
      sysvinit) install -m 0755 "$HERE/osconf-probe.init" "$M/etc/init.d/osconf-probe" ;;
      openrc)
        install -m 0755 "$HERE/osconf-probe.openrc" "$M/etc/init.d/osconf-probe"
        # rc_logger: OpenRC logs each service start, in order, to /var/log/rc.log (rc.conf(5)); the probe prints it.
        sed -i "s/^#* *rc_logger=.*/rc_logger=\"YES\"/" "$M/etc/rc.conf"
        ;;
      *) install -m 0644 "$HERE/osconf-probe.service" "$M/etc/systemd/system/osconf-probe.service" ;;
    esac
  fi
  mkdir -p "$M/etc/osconf-test" && echo "$EXPECT" > "$M/etc/osconf-test/expect-addresses"
  if [ -n "$SEED" ]; then
    mkdir -p "$M/var/lib/cloud/seed/nocloud" && cp "$SEED"/* "$M/var/lib/cloud/seed/nocloud/"
    rm -f "$M/etc/cloud/cloud-init.disabled"
    printf "datasource_list: [ NoCloud, None ]\n" > "$M/etc/cloud/cloud.cfg.d/90-bench.cfg"
    mkdir -p "$M/etc/osconf" && touch "$M/etc/osconf/disabled"
  fi
  if [ -n "$CLOUD_INIT" ]; then
    rm -f "$M/etc/cloud/cloud-init.disabled"
    printf "datasource_list: [ NoCloud, None ]\n" > "$M/etc/cloud/cloud.cfg.d/90-osconf-datasource.cfg"
    # The modules that touch what os.conf sets stay; the others (locales, apt, ntp, ...) take minutes under TCG.
    printf "%s\n" "cloud_init_modules: [migrator, seed_random, bootcmd, write-files, set_hostname, update_hostname, update_etc_hosts, users-groups, ssh]" \
      "cloud_config_modules: [set-passwords]" "cloud_final_modules: [final-message]" > "$M/etc/cloud/cloud.cfg.d/95-osconf-test.cfg"
  fi
  mount -t proc proc "$M/proc"
  chroot "$M" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c "
    set -e
    if [ -e /tmp/osconf.tar.gz ]; then
      mkdir /tmp/osconf-tarball && tar -xzf /tmp/osconf.tar.gz -C /tmp/osconf-tarball --strip-components=1
      /tmp/osconf-tarball/install.sh >/dev/null
      rm -rf /tmp/osconf-tarball /tmp/osconf.tar.gz
    else
      dpkg -i /tmp/osconf.deb >/dev/null
      rm -f /tmp/osconf.deb
    fi
    if [ -z \"$FIRMWARE\" ]; then
      case $INIT in
        sysvinit) update-rc.d osconf-probe defaults >/dev/null 2>&1 ;;
        openrc) rc-update add osconf-probe default >/dev/null ;;
        *) systemctl enable osconf-probe.service >/dev/null 2>&1 ;;
      esac
    fi
    case $STACK in
      eni) [ $INIT != systemd ] || systemctl enable networking.service >/dev/null 2>&1 ;;
      networkd|netplan) systemctl enable systemd-networkd.service >/dev/null 2>&1 ;;
      network-manager) systemctl enable NetworkManager.service >/dev/null 2>&1 ;;
    esac
    for u in $UNITS; do systemctl enable \$u >/dev/null 2>&1; done
    for u in $OFF_UNITS; do systemctl disable \$u >/dev/null 2>&1; done
    # systemd-resolved is in the guest root for the disks that enable it; on the others, its tmpfiles rule
    # (which links /etc/resolv.conf to the stub at boot when it is missing) is masked, as without the package.
    case \" $UNITS \" in *\" systemd-resolved.service \"*) ;; *) [ ! -e /usr/lib/tmpfiles.d/systemd-resolve.conf ] || { mkdir -p /etc/tmpfiles.d && ln -sf /dev/null /etc/tmpfiles.d/systemd-resolve.conf; } ;; esac
    mkdir -p /etc/osconf
    printf \"[network]\\nstack = %s\\n\" $STACK > /etc/osconf/osconf.conf
  "
  umount "$M/proc"
  if [ -n "$EXTRA" ]; then cp -a "$EXTRA/." "$M/"; fi
  if [ -n "$REPORTS" ]; then
    node "$OSCONF" prepare --root "$M" --first-partition "$W/p1" > "$REPORTS/prepare.txt"
    node "$OSCONF" check --root "$M" -p "$REPORTS/root" --json > "$REPORTS/check-root.json" || true
  fi
  mkfs.ext4 -q -F -L osconf-root -d "$M" "$W/root.img" 2400M
'

# Partition 1: aliyun_custom_image/ (and os.conf when given, $1 = with), as the platform leaves it.
p1_mib=64
[ -z "$firmware" ] || p1_mib=160
make_p1() {
  rm -f -- "$work/p1.img"
  if [ "$p1fs" = vfat ]; then
    mkfs.vfat -F 32 -n OSCONFP1 -C "$work/p1.img" $((p1_mib * 1024)) >/dev/null
    mmd -i "$work/p1.img" ::/aliyun_custom_image
    [ "$osconf" = - ] || [ "$1" != with ] || mcopy -i "$work/p1.img" "$osconf" ::/aliyun_custom_image/os.conf
    if [ -n "$firmware" ]; then
      mcopy -i "$work/p1.img" "$vmdir/vmlinuz" ::/vmlinuz
      mcopy -i "$work/p1.img" "$vmdir/initrd.img" ::/initrd.img
      printf '%s\n' 'DEFAULT linux' 'PROMPT 0' 'TIMEOUT 0' 'LABEL linux' '  KERNEL /vmlinuz' \
        '  APPEND initrd=/initrd.img root=LABEL=osconf-root rw console=ttyS0 net.ifnames=0 panic=-1' > "$work/syslinux.cfg"
      mcopy -i "$work/p1.img" "$work/syslinux.cfg" ::/syslinux.cfg
      syslinux --install "$work/p1.img"
    fi
  else
    [ -n "$reports" ] || mkdir -p "$work/p1/aliyun_custom_image"
    rm -f -- "$work/p1/aliyun_custom_image/os.conf"
    [ "$osconf" = - ] || [ "$1" != with ] || cp "$osconf" "$work/p1/aliyun_custom_image/os.conf"
    mkfs.ext4 -q -F -L osconfp1 -d "$work/p1" "$work/p1.img" ${p1_mib}M
  fi
}
# A sealed image is checked as its builder checks it, before import: without os.conf, which the platform
# writes only later (check FAILs a leftover one: it holds a password).
if [ -n "$reports" ]; then make_p1 without; else make_p1 with; fi

root_mib=2400
total_mib=$((1 + p1_mib + root_mib + 1))
[ -z "$reports" ] || total_mib=6144
rm -f -- "$out"
truncate -s ${total_mib}M "$out"
p1type=$([ "$p1fs" = vfat ] && echo c || echo 83)
p1boot=$([ -n "$firmware" ] && echo ', bootable' || true)
printf 'label: dos\nstart=2048, size=%d, type=%s%s\nstart=%d, size=%d, type=83\n' \
  $((p1_mib * 2048)) "$p1type" "$p1boot" $((2048 + p1_mib * 2048)) $((root_mib * 2048)) | sfdisk -q "$out"
dd if="$work/p1.img" of="$out" bs=1M seek=1 conv=notrunc,sparse status=none
dd if="$work/root.img" of="$out" bs=1M seek=$((1 + p1_mib)) conv=notrunc,sparse status=none
[ -z "$firmware" ] || dd if=/usr/lib/syslinux/mbr/mbr.bin of="$out" bs=440 count=1 conv=notrunc status=none
if [ -n "$reports" ]; then
  # A bootable disk has boot code in its MBR (qemu starts this one's kernel directly; check looks for the code).
  dd if=/usr/lib/syslinux/mbr/mbr.bin of="$out" bs=440 count=1 conv=notrunc status=none
  node "$osconf_bin" check --image "$out" -p "$reports/image" --json > "$reports/check-image.json" || true
  # Then the platform's os.conf, as it arrives on the imported image.
  make_p1 with
  dd if="$work/p1.img" of="$out" bs=1M seek=1 conv=notrunc,sparse status=none
fi
echo "$out"

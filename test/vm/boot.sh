#!/usr/bin/env bash
# Boots a test disk under qemu (TCG; OSCONF_VM_ACCEL=kvm where KVM really works), direct kernel boot, NICs on user-mode networks
# restricted to the guest (no traffic leaves the VM), serial console to SERIAL_LOG. Returns when the guest
# powers off or TIMEOUT seconds pass. The probe writes its facts to the second serial port, SERIAL_LOG.probe,
# so nothing on the console (kernel, systemd, getty) interleaves with them.
# Usage: boot.sh VMDIR DISK SERIAL_LOG "MAC [MAC...]" [APPEND_EXTRA] [snapshot|persist]
set -euo pipefail
vmdir=${1:?} disk=${2:?} serial=${3:?} macs=${4:?} extra=${5:-} mode=${6:-snapshot}
timeout_s=${OSCONF_VM_TIMEOUT:-900}
# Software emulation by default: on these machines /dev/kvm may exist without working.
accel=${OSCONF_VM_ACCEL:-tcg,thread=multi}
nics=()
i=0
for mac in $macs; do
  nics+=(-netdev "user,id=n$i,restrict=on" -device "virtio-net-pci,netdev=n$i,mac=$mac")
  i=$((i + 1))
done
drive="file=$disk,if=virtio,format=raw"
[ "$mode" = snapshot ] && drive="$drive,snapshot=on"
exec timeout --kill-after=10 "$timeout_s" qemu-system-x86_64 \
  -accel "$accel" -smp 2 -m 1024 -no-reboot -display none -monitor none -serial "file:$serial" -serial "file:$serial.probe" \
  -kernel "$vmdir/vmlinuz" -initrd "$vmdir/initrd.img" \
  -append "root=LABEL=osconf-root rw console=ttyS0 panic=-1 $extra" \
  -drive "$drive" "${nics[@]}"

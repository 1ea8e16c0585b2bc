#!/bin/sh
# osconf-boot: what the boot path runs first (osconf.service, init.d/osconf, init.d/openrc/osconf). It execs
# `osconf apply` unless it is sure there is nothing to do; then it ends the boot step itself, without Node.
# Sure means: the record osconf apply wrote of where it found aliyun_custom_image/ (/var/lib/osconf/located,
# src/source/located-record.ts) is newer than osconf.conf, names exactly one device (or a directory), the
# partition mounts read-only (or is mounted), there is no os.conf (of any type) in aliyun_custom_image/, and
# SSH host keys are not missing. It only reads that record: the locate rules live in osconf alone.
# Installed as /usr/lib/osconf/osconf-boot by scripts/build.mjs from src/boot/osconf-boot.sh, which fills in
# the @...@ values from src/distro/facts.ts (the one definition of the host key test).
# `osconf-boot verify` is osconf-verify.service's start: it hands the deferred verify step to the apply still
# running from osconf.service when there is one (src/apply/handoff.ts), else it execs `osconf verify`.
# POSIX sh; no output but one line saying what it decided (two for a hand-off).
set -u

# osconf-verify.service: the hand-off of src/apply/handoff.ts (the same paths).
if [ "${1:-}" = verify ]; then
  WAITING=/run/osconf/verify-waiting
  GO=/run/osconf/verify-go
  RESULT=/run/osconf/verify-result
  LOCK=/run/osconf/apply.lock
  run_verify() {
    echo "osconf-verify: $1; running osconf verify"
    exec osconf verify
  }
  # The step's result as the unit's: one line, STATUS (READY=1 with it when it passed; --pid, as for the
  # apply's READY below: the message names this shell, alive until systemd-notify returns), the exit code.
  finish() {
    printf 'osconf-verify: %s\n' "$2"
    if [ "$1" = 0 ]; then
      systemd-notify --pid=$$ --ready --status="$2" || exit 1
    else
      systemd-notify --pid=$$ --status="$2" || true
    fi
    exit "$1"
  }
  [ -n "${NOTIFY_SOCKET:-}" ] || run_verify 'not started by systemd'
  [ -f "$WAITING" ] || run_verify 'no osconf apply is waiting to verify'
  pid=
  read -r pid < "$WAITING" 2>/dev/null || true
  case "$pid" in
    '' | *[!0-9]*) run_verify "$WAITING: unexpected content" ;;
  esac
  # A WAITING left by an apply that was killed: its PID is gone, or nobody holds the apply lock.
  kill -0 "$pid" 2>/dev/null || run_verify "osconf apply (pid $pid) is gone"
  # Exit 1: held. 0: free (a left-over PID file); anything else: flock itself failed.
  flock -n "$LOCK" true 2>/dev/null
  held=$?
  [ "$held" = 1 ] || run_verify "osconf apply (pid $pid) holds no lock (flock -n: exit $held)"
  rm -f "$RESULT"
  : > "$GO" || run_verify "cannot write $GO"
  echo "osconf-verify: handed to osconf apply (pid $pid), which verifies once the stack is up"
  # The apply holds the lock until its result is written; the kernel releases it however the apply ends. The
  # bound: the step's own (mount 20 s, check 60 s) on a slow machine, inside the unit's 15 min.
  flock -w 600 "$LOCK" true
  waited=$?
  # The apply removes the go file when it takes the step: from then on it owes a result.
  taken=yes
  [ -e "$GO" ] && taken=no
  rm -f "$GO"
  [ "$waited" = 1 ] && finish 1 "failed: osconf apply (pid $pid) did not finish the verify step in 600 s"
  [ "$waited" = 0 ] || run_verify "flock failed (exit $waited)"
  code=
  result=
  if [ -f "$RESULT" ]; then
    { read -r code && read -r result; } < "$RESULT" || code=
    rm -f "$RESULT"
  fi
  case "$code" in
    0 | 1) ;;
    *)
      [ "$taken" = yes ] || run_verify "osconf apply (pid $pid) ended before it took the step"
      # Taken and unanswered (killed part way, or the result not written): `osconf verify` could now find
      # nothing pending and pass; the unit fails instead, and the apply's journal says why.
      finish 1 "failed: osconf apply (pid $pid) took the verify step but left no result (see journalctl -u osconf)"
      ;;
  esac
  finish "$code" "$result"
fi

RECORD=/var/lib/osconf/located
SETTINGS=/etc/osconf/osconf.conf
LAST_RUN=/var/lib/osconf/last-run.json
INSTANCE_DATA_RECORD=/var/lib/osconf/instance-data.json
INSTANCE_DATA=/run/osconf/instance-data.json
SSHD='@SSHD_PATH@'
STATUS='no os.conf; nothing to apply'

# Milliseconds since boot, from /proc/uptime (centiseconds), into $ms without a child process.
uptime_ms() {
  ms=0
  read -r up _ < /proc/uptime 2>/dev/null || return 0
  case "$up" in
    *.[0-9][0-9]) ;;
    *) return 0 ;;
  esac
  cs=${up#*.}
  cs=${cs#0}
  ms=$(( ${up%.*} * 1000 + cs * 10 ))
}
uptime_ms
started=$ms

mnt=
stuck=
cleanup() {
  if [ -n "$mnt" ]; then
    # Lazily when busy: detached either way, so nothing stays mounted.
    if umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null; then
      rmdir "$mnt" 2>/dev/null
    else
      stuck=$mnt
    fi
    mnt=
  fi
}
trap cleanup EXIT
trap 'cleanup; exit 1' HUP INT TERM

# Anything not known to be a no-op: osconf apply decides (and logs) everything.
run_osconf() {
  cleanup
  trap - EXIT HUP INT TERM
  echo "osconf-boot: $1; running osconf apply"
  exec osconf apply
}

# The disable switches: osconf apply reports them (status disabled, READY with its reason).
[ -e /etc/osconf/disabled ] && run_osconf 'disabled by /etc/osconf/disabled'
if read -r cmdline < /proc/cmdline 2>/dev/null; then
  for word in $cmdline; do
    [ "$word" = osconf=disabled ] && run_osconf 'disabled on the kernel command line'
  done
fi

# First-boot duty: sshd installed without host keys (src/apply/ssh-host-keys.ts, the same test).
if [ -e "$SSHD" ]; then
  found=no
  # shellcheck disable=SC2043 # a glob once built (scripts/build.mjs fills it in)
  for key in /etc/ssh/@SSH_HOST_KEY_GLOB@; do
    if [ -e "$key" ] || [ -L "$key" ]; then
      found=yes
      break
    fi
  done
  [ "$found" = yes ] || run_osconf 'SSH host keys missing'
fi

[ -f "$RECORD" ] || run_osconf "no $RECORD"
# A newer osconf.conf may name another source: the record then says nothing.
if [ -e "$SETTINGS" ] && [ -n "$(find "$SETTINGS" -newer "$RECORD" 2>/dev/null)" ]; then
  run_osconf "$SETTINGS is newer than $RECORD"
fi
path=''
partuuid=''
uuid=''
type=''
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in
    '#'* | '') ;;
    path=/*) path=${line#path=} ;;
    partuuid=*) partuuid=${line#partuuid=} ;;
    uuid=*) uuid=${line#uuid=} ;;
    type=*) type=${line#type=} ;;
    *) run_osconf "$RECORD: unexpected line" ;;
  esac
done < "$RECORD"
# The characters located-record.ts writes; anything else was not written by it.
case "$path$partuuid$uuid$type" in
  *[!A-Za-z0-9/._+-]*) run_osconf "$RECORD: unexpected characters" ;;
esac
case "$path/" in
  */../*) run_osconf "$RECORD: unexpected path" ;;
esac

if [ -n "$path" ]; then
  base=$path
  where=$path
else
  [ -n "$type" ] || run_osconf "$RECORD names no file system type"
  if [ -n "$partuuid" ]; then tag="PARTUUID=$partuuid"; elif [ -n "$uuid" ]; then tag="UUID=$uuid"; else run_osconf "$RECORD names no device"; fi
  # Every device with that identifier: exactly one, or another disk (a clone) might be the one osconf finds.
  # Probed, not from blkid's cache (-c /dev/null): the cache keeps devices gone since and files once probed.
  devices=$(blkid -c /dev/null -o device -t "$tag" 2>/dev/null) || run_osconf "no device has $tag"
  case "$devices" in
    /dev/*) ;;
    *) run_osconf "no device has $tag" ;;
  esac
  [ "$devices" = "${devices%%[!A-Za-z0-9/._+-]*}" ] || run_osconf "more than one device has $tag"
  dev=$devices
  [ -b "$dev" ] || run_osconf "$dev is not a block device"
  # Mounted already: used where it is mounted, as osconf does (major:minor in mountinfo(5), field 3).
  majmin=
  if [ -r "/sys/class/block/${dev##*/}/dev" ]; then
    read -r majmin < "/sys/class/block/${dev##*/}/dev"
  else
    hex=$(stat -L -c '%t:%T' "$dev" 2>/dev/null) && majmin=$((0x${hex%:*})):$((0x${hex#*:}))
  fi
  [ -n "$majmin" ] || run_osconf "no major:minor for $dev"
  base=
  while read -r _ _ mm _ point _; do
    if [ "$mm" = "$majmin" ]; then
      base=$point
      break
    fi
  done < /proc/self/mountinfo
  # mountinfo escapes odd characters (\040); only plain paths are taken as they are.
  case "$base" in
    *[!A-Za-z0-9/._+-]*) run_osconf "$dev is mounted at a path with odd characters" ;;
  esac
  if [ -n "$base" ]; then
    where="$dev (mounted at $base)"
  else
    umask 077
    mnt=/run/osconf/boot.$$
    mkdir -p /run/osconf "$mnt" || { mnt=; run_osconf "cannot make $mnt"; }
    mount -t "$type" -o ro,nosuid,nodev,noexec "$dev" "$mnt" 2>/dev/null || { rmdir "$mnt" 2>/dev/null; mnt=; run_osconf "cannot mount $dev read-only"; }
    base=$mnt
    where=$dev
  fi
fi

dir=$base/aliyun_custom_image
# osconf judges odd entries (a link, a file where the directory should be): not a no-op.
if [ -L "$dir" ] || { [ -e "$dir" ] && [ ! -d "$dir" ]; }; then run_osconf "$where: aliyun_custom_image is not a directory"; fi
if [ -e "$dir/os.conf" ] || [ -L "$dir/os.conf" ]; then run_osconf "$where: os.conf present"; fi
if [ -e "$dir" ] && { [ ! -r "$dir" ] || [ ! -x "$dir" ]; }; then run_osconf "$where: aliyun_custom_image unreadable"; fi
cleanup
[ -z "$stuck" ] || run_osconf "cannot unmount $stuck"

# Nothing to do. Recorded as osconf apply records a run without os.conf (src/apply/state.ts RunRecord), for
# `osconf status`: atomically, mode 0600.
umask 077
boot_id=
read -r boot_id < /proc/sys/kernel/random/boot_id 2>/dev/null
case "$boot_id" in
  *[!0-9a-f-]*) boot_id= ;;
esac
if [ -n "$boot_id" ]; then boot_json="\"$boot_id\""; else boot_json=null; fi
now=$(date -u '+%Y-%m-%dT%H:%M:%S.000Z') || run_osconf 'date failed'
uptime_ms
took=$(( ms - started ))
[ "$took" -ge 0 ] || took=0
detail="$where: no aliyun_custom_image/os.conf; nothing to apply (osconf-boot)"
tmp=$LAST_RUN.boot.$$
{
  printf '{\n  "time": "%s",\n  "bootId": %s,\n  "kind": "absent",\n  "exitCode": 0,\n  "message": null,\n' "$now" "$boot_json"
  printf '  "steps": [\n    {\n      "name": "pre-check",\n      "state": "done",\n      "durationMs": %s,\n      "detail": "%s"\n    }\n  ]\n}\n' "$took" "$detail"
} > "$tmp"
if ! mv -f "$tmp" "$LAST_RUN"; then
  rm -f "$tmp"
  run_osconf "cannot write $LAST_RUN"
fi

# This boot's copy of the last apply's instance data (/run is empty after a reboot), as osconf apply does.
if [ ! -e "$INSTANCE_DATA" ] && [ -f "$INSTANCE_DATA_RECORD" ]; then
  copy=$INSTANCE_DATA.boot.$$
  if ! { mkdir -p /run/osconf && (umask 022 && cp "$INSTANCE_DATA_RECORD" "$copy") && mv -f "$copy" "$INSTANCE_DATA"; }; then
    rm -f "$copy"
  fi
fi

echo "osconf: $detail"
# Readiness and status in one message. --pid: the message carries this shell's PID (alive until
# systemd-notify returns), so systemd attributes it to the unit even after systemd-notify has exited.
if [ -n "${NOTIFY_SOCKET:-}" ]; then
  systemd-notify --pid=$$ --ready --status="$STATUS" || exit 1
fi
exit 0

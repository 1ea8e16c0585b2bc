#!/usr/bin/env bash
# The quick start's main job: a real `osconf apply` of examples/classic.conf (or the file given), as at boot,
# inside a throwaway instance: a network namespace with veth NICs at the example's MACs, a private mount and
# UTS namespace with an overlay over /etc (this machine's /etc is only the lower layer) and tmpfs on /run,
# /var/lib and /var/log, and an ext4 image on a loop device as the first partition. Prints what changed.
# Nothing on this machine is changed; everything is removed at the end. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "the example runs a real apply in throwaway namespaces and needs root: run it with sudo" >&2
  exit 1
fi
bash scripts/ensure-node-modules.sh
node scripts/build.mjs
conf="${1:-examples/classic.conf}"
osconf=(node "$PWD/dist/osconf")

work=$(mktemp -d /tmp/osconf-example.XXXXXX)
[ -n "$work" ] && [ -d "$work" ] || { echo "mktemp failed" >&2; exit 1; }
# The tripwire: this machine's host name, resolver, hosts, shadow entry, addresses, routes and mounts are
# compared before and after; the example fails if any changed.
bash scripts/tripwire.sh snapshot "$work/tripwire.json"
id=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
ns="osconf-ex-$id"
loop=""
cleanup() {
  bash scripts/sandbox.sh net-del "$ns"
  [ -z "$loop" ] || losetup -d "$loop" 2>/dev/null || true
  rm -rf -- "$work"
}
trap cleanup EXIT

echo "== what osconf reads: $conf"
"${osconf[@]}" show --conf "$conf" || true

# The instance: NICs named and addressed as os.conf says.
mapfile -t nics < <("${osconf[@]}" show --conf "$conf" --json | node -e '
  const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
  for (const n of j.interfaces) console.log(`${n.name}=${n.mac}`);')
bash scripts/sandbox.sh net-add "$ns" "${nics[@]}"

# The first partition: aliyun_custom_image/os.conf on ext4, as the platform writes it.
mkdir -p "$work/part/aliyun_custom_image" "$work/etc-upper/osconf" "$work/etc-work"
cp -- "$conf" "$work/part/aliyun_custom_image/os.conf"
mkfs.ext4 -q -F -L osconf-example -d "$work/part" "$work/partition1.img" 16M
loop=$(losetup --find --show "$work/partition1.img")
printf '[source]\ndevice=%s\n' "$loop" > "$work/etc-upper/osconf/osconf.conf"

echo
echo "== osconf apply (inside the throwaway instance)"
bash scripts/sandbox.sh run --netns "$ns" -- env WORK="$work" OSCONF="${osconf[*]}" bash -c '
  set -euo pipefail
  mount -t overlay overlay -o "lowerdir=/etc,upperdir=$WORK/etc-upper,workdir=$WORK/etc-work" /etc
  mount -t tmpfs tmpfs /run
  mount -t tmpfs tmpfs /var/lib
  mount -t tmpfs tmpfs /var/log
  hostname before-osconf
  set +e
  $OSCONF apply
  code=$?
  set -e
  echo "exit code: $code"
  echo
  echo "== the instance afterwards"
  echo "host name: $(hostname)"
  ip -br -4 addr show | grep -v "^lo"
  ip -4 route show
  echo
  $OSCONF status
'
echo
echo "== files osconf wrote into the instance's /etc (overlay upper layer)"
(cd "$work/etc-upper" && find . -type f ! -path ./osconf/osconf.conf | sort | sed 's|^\./|/etc/|')
for f in hostname hosts resolv.conf; do
  [ -f "$work/etc-upper/$f" ] && { echo "-- /etc/$f"; cat "$work/etc-upper/$f"; }
done
echo
echo "== the first partition's aliyun_custom_image/ afterwards (os.conf removed, directory kept)"
debugfs -R 'ls -l /aliyun_custom_image' "$work/partition1.img" 2>/dev/null
echo
bash scripts/sandbox.sh net-del "$ns"
losetup -d "$loop" && loop=""
bash scripts/tripwire.sh compare "$work/tripwire.json"

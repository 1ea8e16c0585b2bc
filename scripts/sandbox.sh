#!/usr/bin/env bash
# The one way the tests, the example and the image builds make and enter a sandbox. Every sandbox gets a fresh
# mount namespace (private propagation), a fresh UTS namespace (so `hostname` inside never renames this
# machine) and a network namespace other than this machine's.
#
#   sandbox.sh net-add NAME [NIC=MAC ...]  network namespace NAME with veth NICs at those MACs, their peers (up)
#                                          in NAME-peer, so nothing but the test's own addresses answers there
#   sandbox.sh net-del NAME                ends the processes left in NAME and NAME-peer, then removes them
#                                          (their NICs go with them)
#   sandbox.sh run --netns NAME -- COMMAND [ARG...]    COMMAND in NAME
#   sandbox.sh run --no-network -- COMMAND [ARG...]    COMMAND in a fresh, empty network namespace
#   sandbox.sh run --host-network -- COMMAND [ARG...]  this machine's network, for apt and debootstrap only:
#                                                      nothing run there may configure a network
# Before COMMAND runs, its namespaces are compared with the caller's: COMMAND never runs in a mount or UTS
# namespace (nor, but for --host-network, a network namespace) that it shares with whoever called this script.
set -euo pipefail

usage() {
  sed -n '6,13p' "$0" >&2
  exit 2
}

case "${1:-}" in
  --inside)
    # Second stage, inside the new namespaces: prove they differ from the caller's (passed by the first stage
    # as kind:[inode] in $3), then become COMMAND. A namespace that cannot be read counts as shared.
    net=${2:?} callers=${3:?}
    shift 3
    [ "${1:-}" = -- ] && shift
    for kind in mnt uts net; do
      if [ "$kind" = net ] && [ "$net" = host ]; then continue; fi
      mine=$(readlink "/proc/self/ns/$kind" 2>/dev/null || true)
      case " $callers " in
        *" $mine "* | *" $kind: "*)
          echo "sandbox.sh: refusing to run $1: its $kind namespace is the caller's" >&2
          exit 70
          ;;
      esac
      if [ -z "$mine" ]; then
        echo "sandbox.sh: refusing to run $1: cannot read its $kind namespace" >&2
        exit 70
      fi
    done
    exec "$@"
    ;;
  net-add)
    name=${2:-}
    [ -n "$name" ] || usage
    shift 2
    ip netns add "$name"
    if ! {
      ip netns add "$name-peer" &&
        ip -n "$name" link set lo up &&
        i=0 &&
        for spec in "$@"; do
          nic=${spec%%=*} mac=${spec#*=}
          [ -n "$nic" ] && [ -n "$mac" ] && [ "$nic" != "$spec" ] || { echo "sandbox.sh: NIC=MAC expected, got '$spec'" >&2; false; }
          ip -n "$name" link add "$nic" address "$mac" type veth peer name "peer$i" netns "$name-peer"
          ip -n "$name-peer" link set "peer$i" up
          i=$((i + 1))
        done
    }; then
      ip netns del "$name" 2>/dev/null || true
      ip netns del "$name-peer" 2>/dev/null || true
      exit 1
    fi
    ;;
  net-del)
    name=${2:-}
    [ -n "$name" ] || usage
    case "$name" in
      osconf-*) ;;
      *) echo "sandbox.sh net-del: $name is not a namespace of ours (osconf-*)" >&2; exit 2 ;;
    esac
    # Daemons a test started inside (a stack, dbus-daemon --fork, systemd-resolved) outlive its script: ended
    # here, by the PIDs the kernel lists in these namespaces (ip-netns(8) pids), before the namespaces go. Never
    # in this machine's own network namespace (a name attached to it), never this shell or PID 1.
    own=$(stat -L -c '%d:%i' /proc/self/ns/net)
    for ns in "$name" "$name-peer"; do
      [ -e "/run/netns/$ns" ] || continue
      [ "$(stat -L -c '%d:%i' "/run/netns/$ns" 2>/dev/null || echo "$own")" != "$own" ] || continue
      for signal in TERM KILL; do
        pids=()
        while read -r pid; do
          case "$pid" in '' | *[!0-9]* | 1 | "$$") ;; *) pids+=("$pid") ;; esac
        done < <(ip netns pids "$ns" 2>/dev/null || true)
        [ "${#pids[@]}" -gt 0 ] || break
        kill "-$signal" "${pids[@]}" 2>/dev/null || true
        for _ in $(seq 1 20); do
          [ -n "$(ip netns pids "$ns" 2>/dev/null || true)" ] || break
          sleep 0.1
        done
      done
    done
    ip netns del "$name" 2>/dev/null || true
    ip netns del "$name-peer" 2>/dev/null || true
    ;;
  run)
    self=$(readlink -f "$0")
    callers=""
    for kind in mnt uts net; do callers="$callers $(readlink "/proc/self/ns/$kind" 2>/dev/null || echo "$kind:")"; done
    case "${2:-}" in
      --netns)
        ns=${3:-}
        [ -n "$ns" ] && [ "${4:-}" = -- ] && [ $# -gt 4 ] || usage
        shift 4
        exec ip netns exec "$ns" unshare --mount --uts --propagation private -- bash "$self" --inside named "$callers" -- "$@"
        ;;
      --no-network)
        [ "${3:-}" = -- ] && [ $# -gt 3 ] || usage
        shift 3
        exec unshare --net --mount --uts --propagation private -- bash "$self" --inside new "$callers" -- "$@"
        ;;
      --host-network)
        [ "${3:-}" = -- ] && [ $# -gt 3 ] || usage
        shift 3
        exec unshare --mount --uts --propagation private -- bash "$self" --inside host "$callers" -- "$@"
        ;;
      *) usage ;;
    esac
    ;;
  *) usage ;;
esac

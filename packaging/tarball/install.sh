#!/bin/sh
# Installs osconf from this tarball on a distribution with neither dpkg nor rpm, and enables it at boot for
# the init system found (systemd, OpenRC or SysV init). Run as root from the unpacked directory.
# Two layouts, one script: the plain tarball installs the launcher as PREFIX/bin/osconf, run by the system's
# Node.js (>= 10); the standalone tarball (it carries lib/node/bin/node) installs that runtime as
# PREFIX/lib/node/bin/node and the launcher as PREFIX/bin/osconf with its #! line naming that runtime.
# /usr/bin/osconf, which the units and init scripts run, is the launcher or a link to it in both.
# Options: --prefix DIR (default /usr, /opt/osconf for the standalone tarball), --uninstall.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
standalone=no
[ -f "$here/lib/node/bin/node" ] && standalone=yes
if [ $standalone = yes ]; then prefix=/opt/osconf; else prefix=/usr; fi
action=install
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=${2:-}; shift 2 ;;
    --uninstall) action=uninstall; shift ;;
    *) echo "usage: $0 [--prefix DIR] [--uninstall]" >&2; exit 2 ;;
  esac
done
# The prefix ends up in a #! line (execve(2): one path, no blanks, at most 127 bytes in all on Linux).
case "$prefix" in
  /*) ;;
  *) echo "--prefix must be an absolute path" >&2; exit 2 ;;
esac
case "$prefix" in
  *[!A-Za-z0-9/._+-]* | *//* ) echo "--prefix may hold only letters, digits and / . _ + -" >&2; exit 2 ;;
esac
prefix=${prefix%/}
[ -n "$prefix" ] && [ ${#prefix} -le 80 ] || { echo "--prefix must not be / and at most 80 characters" >&2; exit 2; }

if [ $standalone = yes ]; then
  if [ "$action" = install ]; then
    # The runtime needs glibc >= 2.17 on this tarball's architecture; say so instead of failing at boot.
    "$here/lib/node/bin/node" -e '' 2>/dev/null ||
      { echo "osconf: the Node.js in this tarball does not run on this $(uname -m) system (it needs glibc >= 2.17 and the tarball of this architecture)" >&2; exit 1; }
  fi
else
  # The bundle runs on Node.js 10 and later; `node -p` works on every version, so older ones are named.
  node_version=$(node -p 'process.versions.node' 2>/dev/null) || node_version=
  node_major=${node_version%%.*}
  case "$node_major" in
    '' | *[!0-9]*) echo "osconf: needs Node.js >= 10 (node) installed first" >&2; exit 1 ;;
  esac
  if [ "$node_major" -lt 10 ]; then
    echo "osconf: needs Node.js >= 10 (found v${node_version%.*})" >&2
    exit 1
  fi
fi

if [ -d /run/systemd/system ] || command -v systemctl >/dev/null 2>&1; then init=systemd
elif command -v openrc-run >/dev/null 2>&1 || [ -x /sbin/openrc-run ]; then init=openrc
else init=sysvinit
fi

if [ "$action" = uninstall ]; then
  case $init in
    systemd) systemctl disable osconf.service >/dev/null 2>&1 || true; rm -f /etc/systemd/system/osconf.service /etc/systemd/system/osconf.path /etc/systemd/system/osconf-retrigger.service /etc/systemd/system/osconf-verify.service /etc/systemd/system-preset/80-osconf.preset ;;
    openrc) rc-update del osconf boot >/dev/null 2>&1 || true; rc-update del osconf sysinit >/dev/null 2>&1 || true; rc-update del osconf-verify default >/dev/null 2>&1 || true; rm -f /etc/init.d/osconf /etc/init.d/osconf-verify ;;
    sysvinit) (update-rc.d osconf remove || chkconfig --del osconf) >/dev/null 2>&1 || true; (update-rc.d osconf-verify remove || chkconfig --del osconf-verify) >/dev/null 2>&1 || true; rm -f /etc/init.d/osconf /etc/init.d/osconf-verify ;;
  esac
  # /usr/bin/osconf and /usr/lib/osconf/osconf-boot only when they are our links (another osconf may own them).
  if [ "$prefix" != /usr ] && [ "$(readlink /usr/bin/osconf 2>/dev/null || true)" = "$prefix/bin/osconf" ]; then rm -f /usr/bin/osconf; fi
  if [ "$prefix" != /usr ] && [ "$(readlink /usr/lib/osconf/osconf-boot 2>/dev/null || true)" = "$prefix/lib/osconf/osconf-boot" ]; then
    rm -f /usr/lib/osconf/osconf-boot
    rmdir /usr/lib/osconf 2>/dev/null || true
  fi
  rm -f "$prefix/bin/osconf" "$prefix/lib/osconf/osconf-boot" "$prefix/lib/osconf/compile-cache" "$prefix/share/man/man8/osconf.8.gz" "$prefix/share/man/man5/osconf.conf.5.gz"
  rmdir "$prefix/lib/osconf" 2>/dev/null || true
  if [ "$prefix" != /usr ]; then
    # Our own prefix: its runtime, then whichever of its directories are left empty.
    rm -f "$prefix/lib/node/bin/node" "$prefix/lib/node/LICENSE"
    for d in lib/node/bin lib/node lib share/man/man8 share/man/man5 share/man share bin; do rmdir "$prefix/$d" 2>/dev/null || true; done
    rmdir "$prefix" 2>/dev/null || true
  fi
  rm -rf /var/cache/osconf
  echo "osconf removed ($init); /etc/osconf and /var/lib/osconf kept"
  exit 0
fi

if [ $standalone = yes ]; then
  install -D -m 0755 "$here/lib/node/bin/node" "$prefix/lib/node/bin/node"
  install -D -m 0644 "$here/lib/node/LICENSE" "$prefix/lib/node/LICENSE"
  # The launcher's first line (#!/usr/bin/env node) becomes this runtime's path.
  install -d -m 0755 "$prefix/bin"
  { echo "#!$prefix/lib/node/bin/node"; sed 1d "$here/osconf"; } > "$prefix/bin/osconf.new"
  chmod 0755 "$prefix/bin/osconf.new"
  mv -f "$prefix/bin/osconf.new" "$prefix/bin/osconf"
else
  install -D -m 0755 "$here/osconf" "$prefix/bin/osconf"
fi
install -d -m 0755 /var/cache/osconf
# The boot pre-check the units and init scripts start (/usr/lib/osconf/osconf-boot): it execs osconf apply.
install -D -m 0755 "$here/osconf-boot" "$prefix/lib/osconf/osconf-boot"
install -D -m 0755 "$here/compile-cache" "$prefix/lib/osconf/compile-cache"
if [ "$prefix" != /usr ]; then
  ln -sf "$prefix/bin/osconf" /usr/bin/osconf
  mkdir -p /usr/lib/osconf && ln -sf "$prefix/lib/osconf/osconf-boot" /usr/lib/osconf/osconf-boot
fi
install -D -m 0644 "$here/osconf.8.gz" "$prefix/share/man/man8/osconf.8.gz"
install -D -m 0644 "$here/osconf.conf.5.gz" "$prefix/share/man/man5/osconf.conf.5.gz"
[ -f /etc/osconf/osconf.conf ] || install -D -m 0644 "$here/osconf.conf" /etc/osconf/osconf.conf
case $init in
  systemd)
    install -D -m 0644 "$here/units/osconf.service" /etc/systemd/system/osconf.service
    install -D -m 0644 "$here/units/osconf.path" /etc/systemd/system/osconf.path
    install -D -m 0644 "$here/units/osconf-retrigger.service" /etc/systemd/system/osconf-retrigger.service
    install -D -m 0644 "$here/units/osconf-verify.service" /etc/systemd/system/osconf-verify.service
    # Keeps osconf enabled when `systemctl preset` runs over a `disable *` default (systemd.preset(5)).
    install -D -m 0644 "$here/units/80-osconf.preset" /etc/systemd/system-preset/80-osconf.preset
    systemctl enable osconf.service >/dev/null 2>&1 || true
    ;;
  openrc)
    install -D -m 0755 "$here/init.d/openrc/osconf" /etc/init.d/osconf
    # The runlevel the network starts in: boot on Alpine and Gentoo; Debian's openrc puts the services of rcS,
    # networking among them, in sysinit, which ends before boot starts.
    runlevel=boot
    [ ! -e /etc/runlevels/sysinit/networking ] || runlevel=sysinit
    rc-update add osconf "$runlevel" >/dev/null 2>&1 || true
    install -D -m 0755 "$here/init.d/openrc/osconf-verify" /etc/init.d/osconf-verify
    rc-update add osconf-verify default >/dev/null 2>&1 || true
    ;;
  sysvinit)
    install -D -m 0755 "$here/init.d/osconf" /etc/init.d/osconf
    (update-rc.d osconf defaults || chkconfig --add osconf) >/dev/null 2>&1 || true
    install -D -m 0755 "$here/init.d/osconf-verify" /etc/init.d/osconf-verify
    (update-rc.d osconf-verify defaults || chkconfig --add osconf-verify) >/dev/null 2>&1 || true
    ;;
esac
# The V8 code cache, made now rather than on the first boot (run compile-cache again after a Node.js upgrade).
"$prefix/lib/osconf/compile-cache" "$prefix/bin/osconf" || true
echo "osconf installed and enabled ($init)"

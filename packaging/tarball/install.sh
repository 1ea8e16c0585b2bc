#!/bin/sh
# Installs osconf from this tarball on a distribution with neither dpkg nor rpm, and enables it at boot for
# the init system found (systemd, OpenRC or SysV init). Run as root from the unpacked directory.
# Options: --prefix DIR (default /usr), --uninstall.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix=/usr
action=install
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=$2; shift 2 ;;
    --uninstall) action=uninstall; shift ;;
    *) echo "usage: $0 [--prefix DIR] [--uninstall]" >&2; exit 2 ;;
  esac
done
[ -n "$prefix" ] || { echo "empty --prefix" >&2; exit 2; }
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
  rm -f "$prefix/bin/osconf" "$prefix/share/man/man8/osconf.8.gz" "$prefix/share/man/man5/osconf.conf.5.gz"
  rm -rf /var/cache/osconf
  echo "osconf removed ($init); /etc/osconf and /var/lib/osconf kept"
  exit 0
fi

install -D -m 0755 "$here/osconf" "$prefix/bin/osconf"
install -d -m 0755 /var/cache/osconf
if [ "$prefix" != /usr ]; then ln -sf "$prefix/bin/osconf" /usr/bin/osconf; fi
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
echo "osconf installed and enabled ($init)"

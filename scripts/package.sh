#!/usr/bin/env bash
# `npm run package`: the .deb, the .rpm and a .tar.gz with install.sh, in dist/packages/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-node-modules.sh
node scripts/build.mjs
version=$(node -p 'require("./package.json").version')
out="$PWD/dist/packages"
work=$(mktemp -d)
[ -n "$work" ] && [ -d "$work" ] || exit 1
trap 'rm -rf -- "$work"' EXIT
mkdir -p "$out"

node scripts/man.mjs | gzip -9n > "$work/osconf.8.gz"
docs=(README.md docs/operators.md docs/image-builders.md docs/design.md)

# stage DIR UNITDIR INITDIR: the installed tree.
stage() {
  local root=$1 unitdir=$2 initdir=$3
  install -D -m 0755 dist/osconf "$root/usr/bin/osconf"
  for u in units/*; do install -D -m 0644 "$u" "$root$unitdir/$(basename "$u")"; done
  install -D -m 0755 init.d/osconf "$root$initdir/osconf"
  install -D -m 0755 init.d/osconf-verify "$root$initdir/osconf-verify"
  install -D -m 0644 packaging/osconf.conf "$root/etc/osconf/osconf.conf"
  for d in "${docs[@]}"; do install -D -m 0644 "$d" "$root/usr/share/doc/osconf/$(basename "$d")"; done
  install -D -m 0644 "$work/osconf.8.gz" "$root/usr/share/man/man8/osconf.8.gz"
  # The launcher's V8 code cache (see src/launcher/launcher.cjs); root's alone.
  install -d -m 0755 "$root/var/cache/osconf"
}

# .deb
deb="$work/deb"
stage "$deb" /lib/systemd/system /etc/init.d
mkdir -p "$deb/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$deb" | cut -f1)
cat > "$deb/DEBIAN/control" <<CONTROL
Package: osconf
Version: $version
Architecture: all
Maintainer: osconf developers <osconf@localhost>
Depends: nodejs (>= 10)
Recommends: iproute2
Section: admin
Priority: optional
Installed-Size: $size
Description: apply Alibaba Cloud Customized Linux settings from os.conf
 osconf reads aliyun_custom_image/os.conf from the system disk's first partition as data
 (never executing it) and applies the root password, network, host name and DNS with the
 distribution's own tools at boot.
CONTROL
printf '/etc/osconf/osconf.conf\n/etc/init.d/osconf\n/etc/init.d/osconf-verify\n' > "$deb/DEBIAN/conffiles"
for s in postinst prerm postrm; do install -m 0755 "packaging/deb/$s" "$deb/DEBIAN/$s"; done
dpkg-deb --root-owner-group -Zxz --build "$deb" "$out/osconf_${version}_all.deb" >/dev/null

# .rpm
rpmstage="$work/rpmstage"
stage "$rpmstage" /usr/lib/systemd/system /etc/rc.d/init.d
rpmbuild -bb --quiet \
  --define "_topdir $work/rpmbuild" --define "osconf_version $version" --define "staging $rpmstage" \
  --define "_rpmdir $work/rpms" --define '_build_id_links none' --define '__os_install_post %{nil}' \
  packaging/rpm/osconf.spec >/dev/null
cp "$work"/rpms/noarch/osconf-"$version"-1.noarch.rpm "$out/"

# .tar.gz with install.sh
tarroot="$work/osconf-$version"
mkdir -p "$tarroot/units" "$tarroot/init.d/openrc" "$tarroot/doc"
install -m 0755 dist/osconf packaging/tarball/install.sh "$tarroot/"
install -m 0644 units/* "$tarroot/units/"
install -m 0755 init.d/osconf "$tarroot/init.d/osconf"
install -m 0755 init.d/openrc/osconf "$tarroot/init.d/openrc/osconf"
install -m 0755 init.d/osconf-verify "$tarroot/init.d/osconf-verify"
install -m 0755 init.d/openrc/osconf-verify "$tarroot/init.d/openrc/osconf-verify"
install -m 0644 packaging/osconf.conf "$work/osconf.8.gz" "$tarroot/"
install -m 0644 "${docs[@]}" "$tarroot/doc/"
tar -C "$work" --owner=0 --group=0 -czf "$out/osconf-$version.tar.gz" "osconf-$version"

ls -l "$out"

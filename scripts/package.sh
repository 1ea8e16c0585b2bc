#!/usr/bin/env bash
# `npm run package`: the .deb (debian/, built with debhelper), the .rpm (packaging/rpm/osconf.spec), a
# .tar.gz with install.sh, and the standalone tarballs (the same with a Node.js runtime that runs on glibc 2.17,
# one per architecture: scripts/node-standalone.sh), in dist/packages/.
# Needs Node.js and npm (the bundle; npm fetches the runtime from the registry once, cached in .tools or
# OSCONF_TOOLS_DIR), and from Debian: dpkg-dev and debhelper (the .deb), rpm (rpmbuild), binutils (readelf).
# A missing tool is named with the command that installs it; with --install-deps (as root, on Debian or
# Ubuntu) they are installed with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."
# One run at a time (the test files that boot guests and the package tests each call it, in parallel
# processes): they share dist/ and the runtime cache. Each output then appears in dist/packages whole (mv).
mkdir -p dist
exec 9>>dist/.package.lock
flock 9

install_deps=no
for arg in "$@"; do
  case "$arg" in
    --install-deps) install_deps=yes ;;
    *) echo "usage: scripts/package.sh [--install-deps]" >&2; exit 2 ;;
  esac
done

# command → the Debian package that provides it.
declare -A needs=([dpkg-buildpackage]=dpkg-dev [dh]=debhelper [rpmbuild]=rpm [gzip]=gzip [tar]=tar [readelf]=binutils)
missing=()
for cmd in "${!needs[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${needs[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$install_deps" = yes ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "npm run package needs: ${missing[*]} (Debian packages). Install them with:" >&2
    echo "  apt-get install --no-install-recommends ${missing[*]}" >&2
    echo "or run as root: npm run package -- --install-deps" >&2
    exit 1
  fi
fi

bash scripts/ensure-node-modules.sh
node scripts/build.mjs
version=$(node -p 'require("./package.json").version')
[ "$(dpkg-parsechangelog -S Version)" = "$version" ] || { echo "debian/changelog's version is not package.json's $version" >&2; exit 1; }
out="$PWD/dist/packages"
work=$(mktemp -d)
[ -n "$work" ] && [ -d "$work" ] || exit 1
trap 'rm -rf -- "$work"' EXIT
mkdir -p "$out"
# FILE into dist/packages as NAME, replaced in one rename.
publish() {
  cp "$1" "$out/.$2.$$"
  mv -f "$out/.$2.$$" "$out/$2"
}

# Generated from the code (scripts/man.mjs) and from what the bundle carries (scripts/notices.mjs).
node scripts/man.mjs dist/man
node scripts/notices.mjs > "dist/THIRD-PARTY-NOTICES.tmp.$$"
mv -f "dist/THIRD-PARTY-NOTICES.tmp.$$" dist/THIRD-PARTY-NOTICES
docs=(README.md docs/operators.md docs/image-builders.md docs/design.md)

# The tree the deb and the rpm are built from: the repository's files they install, and dist/ with the
# bundle's interpreter named by path (distribution packages run their own /usr/bin/node; `env` in a
# shebang is what rpmlint and Debian policy reject).
src="$work/osconf-$version"
mkdir -p "$src/dist"
cp -a debian units init.d packaging docs README.md LICENSE "$src/"
cp -a dist/man dist/THIRD-PARTY-NOTICES dist/osconf-boot "$src/dist/"
sed '1s|^#!/usr/bin/env node$|#!/usr/bin/node|' dist/osconf > "$src/dist/osconf"
chmod 0755 "$src/dist/osconf"
head -1 "$src/dist/osconf" | grep -qx '#!/usr/bin/node' || { echo "dist/osconf has an unexpected first line" >&2; exit 1; }

# .deb: dpkg-buildpackage writes it next to the source tree, in $work.
(cd "$src" && SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -S Timestamp) dpkg-buildpackage -b -us -uc >"$work/deb.log" 2>&1) ||
  { cat "$work/deb.log" >&2; echo "dpkg-buildpackage failed" >&2; exit 1; }
publish "$work/osconf_${version}_all.deb" "osconf_${version}_all.deb"

# .rpm, from a staged tree (nothing to compile). Man pages compressed here, as rpm's brp-compress would.
rpmstage="$work/rpmstage"
install -D -m 0755 "$src/dist/osconf" "$rpmstage/usr/bin/osconf"
install -D -m 0755 dist/osconf-boot "$rpmstage/usr/lib/osconf/osconf-boot"
install -D -m 0755 packaging/lib/compile-cache "$rpmstage/usr/lib/osconf/compile-cache"
for u in units/*; do install -D -m 0644 "$u" "$rpmstage/usr/lib/systemd/system/$(basename "$u")"; done
install -D -m 0644 packaging/80-osconf.preset "$rpmstage/usr/lib/systemd/system-preset/80-osconf.preset"
install -D -m 0755 init.d/osconf "$rpmstage/etc/rc.d/init.d/osconf"
install -D -m 0755 init.d/osconf-verify "$rpmstage/etc/rc.d/init.d/osconf-verify"
install -D -m 0644 packaging/osconf.conf "$rpmstage/etc/osconf/osconf.conf"
install -d -m 0755 "$rpmstage/var/cache/osconf"
install -d -m 0755 "$rpmstage/usr/share/man/man8" "$rpmstage/usr/share/man/man5"
gzip -9n < dist/man/osconf.8 > "$rpmstage/usr/share/man/man8/osconf.8.gz"
gzip -9n < dist/man/osconf.conf.5 > "$rpmstage/usr/share/man/man5/osconf.conf.5.gz"
for d in "${docs[@]}"; do install -D -m 0644 "$d" "$rpmstage/usr/share/doc/osconf/$(basename "$d")"; done
install -D -m 0644 LICENSE "$rpmstage/usr/share/licenses/osconf/LICENSE"
install -D -m 0644 dist/THIRD-PARTY-NOTICES "$rpmstage/usr/share/licenses/osconf/THIRD-PARTY-NOTICES"
rpmbuild -bb --quiet \
  --define "_topdir $work/rpmbuild" --define "osconf_version $version" --define "staging $rpmstage" \
  --define "_rpmdir $work/rpms" --define '_build_id_links none' --define '__os_install_post %{nil}' \
  --define "_source_date_epoch_from_changelog 1" --define "use_source_date_epoch_as_buildtime 1" \
  packaging/rpm/osconf.spec >"$work/rpm.log" 2>&1 || { cat "$work/rpm.log" >&2; echo "rpmbuild failed" >&2; exit 1; }
publish "$work/rpms/noarch/osconf-$version-1.noarch.rpm" "osconf-$version-1.noarch.rpm"

# .tar.gz with install.sh: the bundle keeps `#!/usr/bin/env node` (Node.js may live anywhere there).
tarroot="$work/osconf-$version-tarball/osconf-$version"
mkdir -p "$tarroot/units" "$tarroot/init.d/openrc" "$tarroot/doc"
install -m 0755 dist/osconf dist/osconf-boot packaging/tarball/install.sh packaging/lib/compile-cache "$tarroot/"
install -m 0644 units/* packaging/80-osconf.preset "$tarroot/units/"
install -m 0755 init.d/osconf "$tarroot/init.d/osconf"
install -m 0755 init.d/openrc/osconf "$tarroot/init.d/openrc/osconf"
install -m 0755 init.d/osconf-verify "$tarroot/init.d/osconf-verify"
install -m 0755 init.d/openrc/osconf-verify "$tarroot/init.d/openrc/osconf-verify"
install -m 0644 packaging/osconf.conf LICENSE dist/THIRD-PARTY-NOTICES "$tarroot/"
gzip -9n < dist/man/osconf.8 > "$tarroot/osconf.8.gz"
gzip -9n < dist/man/osconf.conf.5 > "$tarroot/osconf.conf.5.gz"
install -m 0644 "${docs[@]}" "$tarroot/doc/"
tar -C "$(dirname "$tarroot")" --owner=0 --group=0 -czf "$work/osconf-$version.tar.gz" "osconf-$version"
publish "$work/osconf-$version.tar.gz" "osconf-$version.tar.gz"

# The standalone tarballs: the same files plus the Node.js runtime (bin/node and its LICENSE only) in lib/node/,
# which install.sh finds and installs under its own prefix (/opt/osconf). For images with no usable Node.js.
tools_dir="${OSCONF_TOOLS_DIR:-$PWD/.tools}"
node_version=$(bash scripts/node-standalone.sh "$tools_dir")
for arch in x86_64 aarch64; do
  runtime="$tools_dir/node-standalone/$node_version-$arch"
  bash scripts/glibc-ceiling.sh "$runtime/bin/node" >/dev/null
  name="osconf-$version-standalone-$arch"
  standalone="$work/$name"
  cp -a "$tarroot" "$standalone"
  install -D -m 0755 "$runtime/bin/node" "$standalone/lib/node/bin/node"
  install -m 0644 "$runtime/LICENSE" "$standalone/lib/node/LICENSE"
  tar -C "$work" --owner=0 --group=0 -czf "$work/$name.tar.gz" "$name"
  publish "$work/$name.tar.gz" "$name.tar.gz"
done

ls -l "$out"

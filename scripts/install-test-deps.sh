#!/usr/bin/env bash
# Installs what the test suite needs on a Debian 12 machine, as root: the real tools our output is checked
# against. cloud-init is unpacked into a private directory rather than installed, so its boot units are
# never enabled on the machine running the tests.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
tools_dir="${OSCONF_TOOLS_DIR:-$here/.tools}"
[ -n "$tools_dir" ] || { echo "tools dir is empty" >&2; exit 1; }

export DEBIAN_FRONTEND=noninteractive
apt_packages=(
  # cloud-init's runtime dependencies (Debian 12), for `cloud-init devel net-convert` and `schema`
  python3-configobj python3-jinja2 python3-jsonpatch python3-jsonschema python3-netifaces
  python3-oauthlib python3-requests python3-serial python3-yaml
  # whois provides mkpasswd; openssl verifies crypt hashes
  whois openssl iproute2
)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cloud_init_version=22.4.2-1+deb12u4
stamp="$tools_dir/cloud-init/.version"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$cloud_init_version" ]; then
  work=$(mktemp -d)
  trap 'rm -rf -- "$work"' EXIT
  (cd "$work" && apt-get download -qq "cloud-init=$cloud_init_version" 2>/dev/null) || {
    apt-get update -qq
    (cd "$work" && apt-get download -qq "cloud-init=$cloud_init_version")
  }
  rm -rf -- "$tools_dir/cloud-init"
  mkdir -p "$tools_dir/cloud-init"
  dpkg-deb -x "$work"/cloud-init_*.deb "$tools_dir/cloud-init"
  echo "$cloud_init_version" > "$stamp"
fi
echo "test tools ready in $tools_dir"

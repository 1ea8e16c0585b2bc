#!/usr/bin/env bash
# Fails unless an ELF executable runs on CentOS 7 / Alibaba Cloud Linux 2, the oldest systems the standalone
# tarball serves: every symbol version it needs (readelf -V, the .gnu.version_r section) must be at most what
# glibc 2.17 and GCC 4.8.5's libstdc++ and libgcc_s define (GLIBCXX_3.4.19, CXXABI_1.3.7, GCC_4.8.0: the
# libstdc++ manual's "ABI Policy and Guidelines", libgcc's libgcc-std.ver), and it may link only glibc's
# libraries, libstdc++ and libgcc_s (what a minimal CentOS 7 has).
# Usage: glibc-ceiling.sh BINARY    (prints what it needs above the ceiling; exit 1 then, 0 when within)
set -euo pipefail
binary=${1:?usage: glibc-ceiling.sh BINARY}
[ -f "$binary" ] || { echo "glibc-ceiling.sh: no file $binary" >&2; exit 2; }
command -v readelf >/dev/null 2>&1 || { echo "glibc-ceiling.sh: needs readelf (Debian package binutils)" >&2; exit 2; }

declare -A ceiling=([GLIBC]=2.17 [GLIBCXX]=3.4.19 [CXXABI]=1.3.7 [GCC]=4.8.0)
allowed_libs='^(libc|libm|libdl|libpthread|librt|libutil|libresolv|libstdc\+\+|libgcc_s|ld-linux-x86-64|ld-linux-aarch64)\.so\.[0-9]+$'

needs=$(readelf -V --wide "$binary" | awk '/^Version needs section/ { n = 1 } /^Version (symbols|definition)/ { n = 0 } n && $2 == "Name:" { print $3 }' | sort -u)
libs=$(readelf -d --wide "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p')
[ -n "$libs" ] || { echo "glibc-ceiling.sh: $binary is not a dynamically linked ELF executable" >&2; exit 2; }

above=()
for lib in $libs; do
  [[ $lib =~ $allowed_libs ]] || above+=("links $lib")
done
for need in $needs; do
  family=${need%%_*} version=${need#*_}
  max=${ceiling[$family]:-}
  if [ -z "$max" ]; then above+=("$need (unknown to CentOS 7)"); continue; fi
  # sort -V orders 2.3.4 < 2.17 < 2.28 as version numbers.
  [ "$(printf '%s\n%s\n' "$version" "$max" | sort -V | tail -n 1)" = "$max" ] || above+=("$need (above ${family}_$max)")
done
if [ ${#above[@]} -gt 0 ]; then
  printf 'glibc-ceiling.sh: %s does not run on CentOS 7 (glibc 2.17, libstdc++ 4.8.5): needs %s\n' "$binary" "${above[*]}" >&2
  exit 1
fi
echo "$binary: within glibc 2.17 and libstdc++ 4.8.5 (needs $(echo "$needs" | grep -E '^(GLIBC|GLIBCXX)_' | sort -V | awk -F_ '{ top[$1] = $0 } END { print top["GLIBC"], top["GLIBCXX"] }'))"

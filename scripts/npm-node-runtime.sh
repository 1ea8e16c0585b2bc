# Sourced by node-runtimes.sh and node-standalone.sh: one official Node.js build as the npm registry serves it.
# fetch_node_runtime PACKAGE VERSION DEST: unpacks PACKAGE@VERSION's bin/node and LICENSE into DEST.tmp (replaced
# if there); the caller checks it and moves it to DEST. Only the registry is needed (npm pack).
fetch_node_runtime() {
  local package=${1:?} version=${2:?} dest=${3:?} work
  work=$(mktemp -d)
  [ -n "$work" ] && [ -d "$work" ] || return 1
  (cd "$work" && npm pack --silent "$package@$version" >/dev/null)
  mkdir -p "$work/x"
  tar -xzf "$work/$package-$version.tgz" -C "$work/x" package/bin/node package/LICENSE
  rm -rf -- "$dest.tmp"
  mv -- "$work/x/package" "$dest.tmp"
  rm -rf -- "$work"
}

#!/usr/bin/env bash
# flotilla-sim: SIMULATOR. Generates the k3s release the lab's get.k3s.io installs (see
# test/lab/sim/README.md "## k3s"):
#   update.k3s.io/v1-release/channels/{stable,latest}  302 to the release tag (as the channel server)
#   github.com/k3s-io/k3s/releases/tag/<v>             the tag page the redirect lands on
#   github.com/k3s-io/k3s/releases/download/<v>/k3s, k3s-arm64, k3s-armhf, sha256sum-<arch>.txt
#       the "binary": a launcher for the k3s stand-in (/usr/lib/flotilla-sim/k3s.mjs on sim nodes)
#   github.com/flotilla-sim/k3s-corrupt/releases/download/<v>/...
#       the same release with a sha256sum file that does not match (GITHUB_URL=... to test the
#       install script's hash check)
#
#   k3s.sh OUTDIR
set -euo pipefail
OUT=$1
VERSION=v1.32.4+k3s1

launcher() {
  cat <<LAUNCHER
#!/bin/sh
# flotilla-sim: SIMULATOR, not k3s ${VERSION}. A launcher for the k3s stand-in, installed by the
# lab's get.k3s.io as the k3s binary; it runs only on lab nodes with the sim trait.
if [ ! -f /usr/lib/flotilla-sim/k3s.mjs ]; then
  echo "flotilla-sim: this k3s is a simulator stand-in; it runs only on lab nodes with the sim trait" >&2
  exit 1
fi
FLOTILLA_SIM_ARGV0="\$0" exec /usr/bin/node /usr/lib/flotilla-sim/k3s.mjs "\$@"
LAUNCHER
}

release() {
  local dir=$1 corrupt=${2:-}
  mkdir -p "$dir"
  launcher >"$dir/k3s"
  cp "$dir/k3s" "$dir/k3s-arm64"
  cp "$dir/k3s" "$dir/k3s-armhf"
  chmod 755 "$dir/k3s" "$dir/k3s-arm64" "$dir/k3s-armhf"
  local sum
  sum=$(sha256sum "$dir/k3s" | cut -d' ' -f1)
  [ -n "$corrupt" ] && sum=$(printf '%s' "$sum" | tr '0-9a-f' '1-9a-f0')
  printf '%s  k3s\n' "$sum" >"$dir/sha256sum-amd64.txt"
  printf '%s  k3s-arm64\n' "$sum" >"$dir/sha256sum-arm64.txt"
  printf '%s  k3s-armhf\n' "$sum" >"$dir/sha256sum-arm.txt"
}

release "$OUT/github.com/k3s-io/k3s/releases/download/$VERSION"
release "$OUT/github.com/flotilla-sim/k3s-corrupt/releases/download/$VERSION" corrupt
mkdir -p "$OUT/github.com/k3s-io/k3s/releases/tag" "$OUT/update.k3s.io/v1-release/channels"
printf '<html><body>flotilla-sim: k3s %s (SIMULATOR release page)</body></html>\n' "$VERSION" \
  >"$OUT/github.com/k3s-io/k3s/releases/tag/$VERSION"
for channel in stable latest v1.32; do
  printf 'https://github.com/k3s-io/k3s/releases/tag/%s\n' "$VERSION" >"$OUT/update.k3s.io/v1-release/channels/$channel.302"
done

#!/usr/bin/env bash
# FLOTILLA SIMULATOR: the fast path to the simulator's packages on a lab node, for tests that are
# not about installing. It installs, with the real dpkg, the very .deb files the lab's upstream
# serves from its apt repositories (https://pkgs.k8s.io/core:/stable:/v1.32/deb/ and
# https://download.docker.com/linux/...), copied to /usr/lib/flotilla-sim/debs at boot:
#
#   sim-pkg install containerd kubelet kubeadm
#
# `containerd` means containerd.io (Docker's package, the one the guides install). Dependencies
# found among those files come along (kubeadm brings cri-tools, kubelet kubernetes-cni). The
# maintainer scripts are the packages' own: containerd.io's postinst enables and starts it; the
# kubelet is installed but neither enabled nor started.
set -euo pipefail

DEBS=/usr/lib/flotilla-sim/debs

[ "$(id -u)" = 0 ] || { echo "sim-pkg: must be root" >&2 && exit 1; }
if [ "${1:-}" != install ] || [ "$#" -lt 2 ]; then
  echo "usage: sim-pkg install PACKAGE..." >&2
  exit 1
fi
shift
compgen -G "$DEBS/*.deb" >/dev/null || {
  echo "sim-pkg: no packages in $DEBS (is the lab's upstream host running? lab.sh upstream)" >&2
  exit 1
}

# The native architecture of the node's dpkg (amd64: the host's build, also on Pi profiles whose
# `dpkg --print-architecture` wrapper says arm64), as apt would choose.
ARCH=$( (command -v dpkg.real >/dev/null && dpkg.real --print-architecture) || dpkg --print-architecture)

deb_of() { # PACKAGE -> its .deb file, or nothing
  local f
  for f in "$DEBS/$1"_*_"$ARCH".deb; do [ -f "$f" ] && echo "$f" && return; done
  return 0
}

declare -A chosen=()
order=()
add() { # PACKAGE -- with the dependencies the repository has
  local pkg=$1 deb dep
  [ "$pkg" != containerd ] || pkg=containerd.io
  [ -z "${chosen[$pkg]:-}" ] || return 0
  deb=$(deb_of "$pkg")
  [ -n "$deb" ] || { echo "E: Unable to locate package $1" >&2 && exit 100; }
  chosen[$pkg]=$deb
  for dep in $(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -e 's/(.*)//' -e 's/[[:space:]]//g'); do
    [ -z "$(deb_of "$dep")" ] || add "$dep"
  done
  order+=("$deb")
}
for pkg in "$@"; do add "$pkg"; done
DEBIAN_FRONTEND=noninteractive dpkg --force-confold -i "${order[@]}"

#!/usr/bin/env bash
# FLOTILLA SIMULATOR: installs the simulator's stand-in packages on a lab node, laying out the
# files the real packages would (binaries in /usr/bin, units in /usr/lib/systemd/system). Phase 2
# of the simulator serves these as .deb from a signed apt repository; until then tests call
#
#   sim-pkg install containerd kubelet kubeadm
#
# As with the real packages, containerd's postinst enables and starts it; the kubelet is installed
# but neither enabled nor started (the kubeadm install guide runs `systemctl enable --now kubelet`).
set -euo pipefail

LIB=/usr/lib/flotilla-sim
UNITS=/usr/lib/systemd/system

[ "$(id -u)" = 0 ] || { echo "sim-pkg: must be root" >&2 && exit 1; }
if [ "${1:-}" != install ] || [ "$#" -lt 2 ]; then
  echo "usage: sim-pkg install PACKAGE..." >&2
  exit 1
fi
shift

wrapper() { # NAME SCRIPT
  printf '#!/bin/sh\n# FLOTILLA SIMULATOR STAND-IN for %s -- not the real tool (test/lab/sim).\nexec /usr/bin/node %s "$@"\n' \
    "$1" "$LIB/$2" >"/usr/bin/$1"
  chmod 755 "/usr/bin/$1"
}

for pkg in "$@"; do
  case $pkg in
    containerd)
      wrapper containerd containerd.mjs
      install -m 644 "$LIB/units/containerd.service" "$UNITS/containerd.service"
      mkdir -p /etc/systemd/system/multi-user.target.wants
      ln -sfn "$UNITS/containerd.service" /etc/systemd/system/multi-user.target.wants/containerd.service
      /usr/bin/systemctl start containerd.service # the postinst starts it (deb-systemd-invoke)
      ;;
    kubelet)
      wrapper kubelet kubelet.mjs
      install -m 644 "$LIB/units/kubelet.service" "$UNITS/kubelet.service"
      ;;
    kubeadm)
      wrapper kubeadm kubeadm.mjs
      mkdir -p "$UNITS/kubelet.service.d"
      install -m 644 "$LIB/units/10-kubeadm.conf" "$UNITS/kubelet.service.d/10-kubeadm.conf"
      ;;
    *) echo "E: Unable to locate package $pkg" >&2 && exit 100 ;;
  esac
  echo "Setting up $pkg (flotilla-sim) ..."
done

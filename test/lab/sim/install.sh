#!/usr/bin/env bash
# Installs the simulator's stand-ins into a lab node's root. Called by the node's init
# (node/init.sh) on every boot of a node with the `sim` trait, before pivot_root, while the
# checkout is still visible: a changed stand-in takes effect at the node's next boot.
#
#   install.sh ROOT REPO
#
# What lands in the node (all marked as simulator stand-ins in their first lines):
#   /usr/bin/systemctl         the service manager stand-in; reboot/poweroff/halt/shutdown link to
#                              it as on Debian, so `reboot` and `systemctl reboot` both reach it
#   /usr/bin/journalctl        prints a unit's output (-u UNIT)
#   /usr/sbin/modprobe, lsmod  kernel-module state of this node (the host kernel is shared)
#   /usr/lib/flotilla-sim/     the stand-ins' code (kubeadm, kubelet, containerd: installed into
#                              /usr/bin by `sim-pkg install`, as packages would) and the boot hook;
#                              the `yaml` package the Node stand-ins use is copied along
#   /etc/flotilla-lab/boot.d/  the boot hook the node's init runs after sshd and avahi
set -euo pipefail

ROOT=$1
REPO=$2
SIM=$(cd "$(dirname "$0")" && pwd)
LIB=$ROOT/usr/lib/flotilla-sim

# First install: the node's /etc is the host's, whose enabled units (haproxy, etcd, postgresql...
# packages installed on this machine) are none of the node's business. A fresh node starts with
# nothing enabled; sshd and avahi are run by the lab's init, not by the simulator.
if [ ! -e "$ROOT/var/lib/flotilla-sim/installed" ]; then
  find "$ROOT/etc/systemd/system" -mindepth 2 -maxdepth 2 -path '*.wants/*' -exec rm -f {} + 2>/dev/null || true
  mkdir -p "$ROOT/var/lib/flotilla-sim"
  : >"$ROOT/var/lib/flotilla-sim/installed"
fi

rm -rf "$LIB"
mkdir -p "$LIB/node_modules" "$ROOT/etc/flotilla-lab/boot.d"
cp -a "$SIM/node/." "$LIB/"
cp -a "$SIM/units" "$LIB/units"
# The node's root hides the checkout, so the one library the Node stand-ins use comes along.
cp -a "$REPO/node_modules/yaml" "$LIB/node_modules/yaml"
chmod 755 "$LIB"/*.sh "$LIB"/*.mjs

# systemctl replaces the host's (useless without systemd as PID 1). The reboot family are links
# to it, as systemd ships them; the stand-in dispatches on the name it was called by.
install -m 755 "$SIM/node/systemctl.sh" "$ROOT/usr/bin/systemctl"
for name in reboot poweroff halt shutdown; do
  ln -sfn /usr/bin/systemctl "$ROOT/usr/sbin/$name"
done
install -m 755 "$SIM/node/modprobe.sh" "$ROOT/usr/sbin/modprobe"
install -m 755 "$SIM/node/journalctl.sh" "$ROOT/usr/bin/journalctl"
# Where kmod puts them on Debian: modprobe in sbin, lsmod in bin (on a user's PATH).
ln -sfn /usr/sbin/modprobe "$ROOT/usr/bin/lsmod"
ln -sfn /usr/lib/flotilla-sim/sim-pkg.sh "$ROOT/usr/sbin/sim-pkg"
install -m 755 "$SIM/node/boot.sh" "$ROOT/etc/flotilla-lab/boot.d/50-flotilla-sim"

#!/usr/bin/env bash
# Installs the simulator's stand-ins into a lab node's root. Called by the node's init
# (node/init.sh) on every boot of a node with the `sim` trait, before pivot_root, while the
# checkout is still visible: a changed stand-in takes effect at the node's next boot.
#
#   install.sh ROOT REPO [UPSTREAM]
#
# UPSTREAM is the lab's upstream state directory (upstream/start.sh): its CA, the /etc/hosts line
# naming it, and the .deb files it serves (sim-pkg installs those very files).
#
# What lands in the node (all marked as simulator stand-ins in their first lines):
#   /usr/bin/systemctl         the service manager stand-in; reboot/poweroff/halt/shutdown link to
#                              it as on Debian, so `reboot` and `systemctl reboot` both reach it
#   /usr/bin/journalctl        prints a unit's output (-u UNIT)
#   /usr/sbin/modprobe, lsmod  kernel-module state of this node (the host kernel is shared)
#   /usr/sbin/swapoff, swapon  swap state of this node (/proc/swaps), see node/swap.sh
#   /usr/sbin/dphys-swapfile   Raspberry Pi OS 12 only, with its unit (enabled, as on a Pi)
#   /usr/bin/timedatectl       reads the time sync stand-in (node/timesync.sh), whose unit is the
#                              OS's own name: systemd-timesyncd or chronyd (MicroOS), enabled
#   /usr/bin/zypper, rpm, /usr/sbin/transactional-update   MicroOS only (node/zypper.sh...), with
#                              openSUSE's repo-oss configured and its (lab) key trusted
#   /usr/lib/flotilla-sim/     the stand-ins' code (kubeadm, kubelet, containerd: installed into
#                              /usr/bin by their packages, from the upstream's apt repository or
#                              with `sim-pkg install`), the .deb files, and the boot hook; the
#                              `yaml` package the Node stand-ins use is copied along
#   /etc/flotilla-lab/boot.d/  the boot hook the node's init runs before sshd and after avahi
set -euo pipefail

ROOT=$1
REPO=$2
UPSTREAM=${3:-}
SIM=$(cd "$(dirname "$0")" && pwd)
LIB=$ROOT/usr/lib/flotilla-sim
OS_ID=$(sed -n 's/^ID=//p' "$ROOT/usr/lib/os-release" | tr -d '"')
OS_CODENAME=$(sed -n 's/^VERSION_CODENAME=//p' "$ROOT/usr/lib/os-release" | tr -d '"')
RASPIOS=no
[ ! -f "$ROOT/etc/rpi-issue" ] || RASPIOS=yes
# The packages the simulator's repositories serve; the host may have its own (this machine's
# kubectl comes from the Google Cloud SDK): a fresh node has none of them.
SIM_PACKAGES="kubeadm kubelet kubectl cri-tools kubernetes-cni containerd containerd.io runc"

# First install: the node's /etc is the host's, whose enabled units (haproxy, etcd, postgresql...
# packages installed on this machine) are none of the node's business. A fresh node starts with
# nothing enabled; sshd and avahi are run by the lab's init, not by the simulator.
if [ ! -e "$ROOT/var/lib/flotilla-sim/installed" ]; then
  find "$ROOT/etc/systemd/system" -mindepth 2 -maxdepth 2 -path '*.wants/*' -exec rm -f {} + 2>/dev/null || true
  mkdir -p "$ROOT/var/lib/flotilla-sim"
  first_install=yes
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

# Time: timedatectl reads what the time sync stand-in (node/timesync.sh) says; each OS family's
# own daemon is installed (enabled at the first install, as the OS's preset does).
install -m 755 "$SIM/node/timedatectl.sh" "$ROOT/usr/bin/timedatectl"
if [ "$OS_ID" = opensuse-microos ]; then TIME_UNIT=chronyd.service; else TIME_UNIT=systemd-timesyncd.service; fi
install -m 644 "$SIM/units/$TIME_UNIT" "$ROOT/usr/lib/systemd/system/$TIME_UNIT"

install -m 755 "$SIM/node/swap.sh" "$ROOT/usr/sbin/swapoff"
cp /usr/sbin/swapon "$LIB/swapon.real"
install -m 755 "$SIM/node/swap.sh" "$ROOT/usr/sbin/swapon"

# kubectl: the package links /usr/bin/kubectl here; this machine's kubectl (1.32) does the work.
host_kubectl=$(readlink -f /usr/bin/kubectl 2>/dev/null || true)
if [ -n "$host_kubectl" ] && [ -x "$host_kubectl" ]; then
  ln -sfn "$host_kubectl" "$LIB/kubectl"
else
  printf '#!/bin/sh\n# FLOTILLA SIMULATOR STAND-IN for kubectl -- not the real tool (test/lab/sim).\necho "flotilla-sim: this machine has no kubectl to lend the node" >&2\nexit 1\n' >"$LIB/kubectl"
  chmod 755 "$LIB/kubectl"
fi

# The upstream host: its CA trusted the Debian way (the real update-ca-certificates, run in the
# node's root), its names in /etc/hosts, and its .deb files for sim-pkg.
if [ -n "$UPSTREAM" ] && [ -f "$UPSTREAM/ca.crt" ]; then
  ca=$ROOT/usr/local/share/ca-certificates/flotilla-lab-upstream.crt
  if ! cmp -s "$UPSTREAM/ca.crt" "$ca"; then
    install -D -m 644 "$UPSTREAM/ca.crt" "$ca"
    chroot "$ROOT" update-ca-certificates >/dev/null 2>&1 || echo "flotilla-sim: update-ca-certificates failed in the node" >&2
  fi
  if [ "$OS_ID" = opensuse-microos ]; then install -D -m 644 "$UPSTREAM/ca.crt" "$ROOT/etc/pki/trust/anchors/flotilla-lab-upstream.crt"; fi
  sed -i '/# flotilla-lab upstream/,/# end flotilla-lab upstream/d' "$ROOT/etc/hosts"
  { echo '# flotilla-lab upstream (SIMULATOR: the internet as this lab node sees it)'; cat "$UPSTREAM/etc-hosts"; echo '# end flotilla-lab upstream'; } >>"$ROOT/etc/hosts"
  mkdir -p "$LIB/debs"
  find "$UPSTREAM/www" -name '*.deb' -exec cp {} "$LIB/debs/" \;
fi

if [ "${first_install:-no}" = yes ]; then
  # The node's package managers see only the lab. The host's apt sources and its index files are
  # visible through the overlay: gone, so apt knows what the upstream serves and nothing else.
  # /usr/sbin/policy-rc.d (which forbids starting services on the host) goes too: a package's
  # postinst starts its service through the systemctl stand-in, as on a real machine.
  rm -f "$ROOT/etc/apt/sources.list" "$ROOT"/etc/apt/sources.list.d/* "$ROOT/usr/sbin/policy-rc.d"
  find "$ROOT/var/lib/apt/lists" -maxdepth 1 -type f ! -name lock -delete 2>/dev/null || true
  rm -f "$ROOT"/var/cache/apt/*.bin "$ROOT"/var/cache/apt/archives/*.deb
  # The host's own packages of the same names are not installed on a fresh node.
  if [ -f "$ROOT/var/lib/dpkg/status" ]; then
    for pkg in $SIM_PACKAGES; do
      grep -qx "Package: $pkg" "$ROOT/var/lib/dpkg/status" || continue
      for f in $(grep -v '^/\.$' "$ROOT/var/lib/dpkg/info/$pkg.list" 2>/dev/null | grep -E '^/usr/(s?bin|local/bin)/'); do
        rm -f "$ROOT$f"
      done
      rm -f "$ROOT/var/lib/dpkg/info/$pkg".*
      awk -v p="Package: $pkg" 'BEGIN { RS = ""; ORS = "\n\n" } $0 !~ "(^|\n)" p "(\n|$)"' \
        "$ROOT/var/lib/dpkg/status" >"$ROOT/var/lib/dpkg/status.flotilla" &&
        mv "$ROOT/var/lib/dpkg/status.flotilla" "$ROOT/var/lib/dpkg/status"
    done
  fi
  # The swap this machine comes with (the lab's /proc/swaps at first boot): boot.sh turns it on
  # at each boot the way the OS would, unless configured off.
  tail -n +2 "$ROOT/proc/swaps" >"$ROOT/var/lib/flotilla-sim/swap-devices"
  # A Pi's dpkg says arm64 (the lab's wrapper) while apt and dpkg are the host's amd64 builds:
  # arm64 as a foreign architecture lets the guides' `deb [arch=$(dpkg --print-architecture) ...]`
  # lines find arm64 packages, as on a Pi.
  if [ -x "$ROOT/usr/bin/dpkg.real" ]; then chroot "$ROOT" /usr/bin/dpkg.real --add-architecture arm64; fi
  if [ "$RASPIOS" = yes ] && [ "$OS_CODENAME" = bookworm ]; then
    # Raspberry Pi OS 12: dphys-swapfile's service sets the swap file up at boot.
    mkdir -p "$ROOT/etc/systemd/system/multi-user.target.wants"
    ln -sfn /usr/lib/systemd/system/dphys-swapfile.service "$ROOT/etc/systemd/system/multi-user.target.wants/dphys-swapfile.service"
  elif [ "$RASPIOS" = yes ]; then
    # Raspberry Pi OS 13: rpi-swap's generator sets zram up at boot, configured by swap.conf.
    install -D -m 644 "$SIM/units/rpi-swap.conf" "$ROOT/etc/rpi/swap.conf"
  fi
  mkdir -p "$ROOT/etc/systemd/system/multi-user.target.wants"
  ln -sfn "/usr/lib/systemd/system/$TIME_UNIT" "$ROOT/etc/systemd/system/multi-user.target.wants/$TIME_UNIT"
  : >"$ROOT/var/lib/flotilla-sim/installed"
fi

if [ "$RASPIOS" = yes ] && [ "$OS_CODENAME" = bookworm ]; then
  install -m 755 "$SIM/node/dphys-swapfile.sh" "$ROOT/usr/sbin/dphys-swapfile"
  install -m 644 "$SIM/units/dphys-swapfile.service" "$ROOT/usr/lib/systemd/system/dphys-swapfile.service"
fi
if [ "$OS_ID" = opensuse-microos ]; then
  # MicroOS: zypper (with the rpm query it relies on) and transactional-update replace the lab's
  # record-only stand-in. /usr becomes read-only in boot.sh, after this copy.
  install -m 755 "$SIM/node/zypper.sh" "$ROOT/usr/bin/zypper"
  install -m 755 "$SIM/node/rpm.sh" "$ROOT/usr/bin/rpm"
  install -m 755 "$SIM/node/transactional-update.sh" "$ROOT/usr/sbin/transactional-update"
  mkdir -p "$ROOT/etc/zypp/repos.d" "$ROOT/usr/lib/sysimage/flotilla-sim-rpm"
  touch "$ROOT/usr/lib/sysimage/flotilla-sim-rpm/installed"
  # As MicroOS comes: openSUSE's OSS repository configured (repo-oss; the text of a Tumbleweed
  # install's file, baseurl https here: the upstream has no port 80; UNVERIFIED against today's
  # openSUSE-repos service layout) and openSUSE's signing key trusted (on MicroOS it is in the rpm
  # database from openSUSE-build-key; here zypper's trusted keyring). Once per node: a test may
  # remove either and the next boot does not put it back.
  oss_key=${UPSTREAM:+$UPSTREAM/www/download.opensuse.org/tumbleweed/repo/oss/repodata/repomd.xml.key}
  if [ -n "$oss_key" ] && [ -f "$oss_key" ] && [ ! -e "$ROOT/var/lib/flotilla-sim/opensuse-repo" ]; then
    mkdir -p "$ROOT/var/lib/zypp"
    gpg --batch --dearmor <"$oss_key" >>"$ROOT/var/lib/zypp/trusted.gpg"
    printf '[repo-oss]\nname=openSUSE-Tumbleweed-Oss\nenabled=1\nautorefresh=1\nbaseurl=https://download.opensuse.org/tumbleweed/repo/oss/\ntype=rpm-md\nkeeppackages=0\n' \
      >"$ROOT/etc/zypp/repos.d/repo-oss.repo"
    touch "$ROOT/var/lib/flotilla-sim/opensuse-repo"
  fi
fi

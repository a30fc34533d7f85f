#!/usr/bin/env bash
# FLOTILLA SIMULATOR: what systemd does at boot, for a lab node with the `sim` trait. The node's
# init (node/init.sh) runs it on every boot, including the lab's reboots: `boot.sh early` before
# sshd starts (1 and 2: a real boot applies them before the network), `boot.sh late` after (3).
#   1. systemd-modules-load: /etc/modules-load.d/*.conf and /etc/modules (module state is in
#      /run, so a reboot forgets modules loaded by hand, as a real one does)
#   2. systemd-sysctl: /etc/sysctl.conf and /etc/sysctl.d/*.conf. The node's network namespace
#      outlives the lab's reboot, so forwarding is first reset to the kernel's default (off).
#   3. multi-user.target: every enabled unit is started; nothing else is.
# Also early: /run/systemd/system (systemd's "I am running" directory: Debian's maintainer scripts
# start services only when it exists); the kernel's swap starts empty and is set up as the OS would
# (swap lines of /etc/fstab; Raspberry Pi OS 13's rpi-swap generator unless swap.conf says
# Mechanism=none; Pi OS 12's dphys-swapfile is a unit, started late if enabled); on MicroOS the
# snapshot transactional-update made the default becomes the running system, and /usr is read-only
# (/usr/local stays writable, as on MicroOS).
set -uo pipefail

say() { printf '%s flotilla-sim boot: %s\n' "$(date -u +%H:%M:%S.%3N)" "$*"; }
shopt -s nullglob

if [ "${1:-}" = late ]; then
  for link in /etc/systemd/system/multi-user.target.wants/*.service; do
    unit=${link##*/}
    if /usr/bin/systemctl start "$unit"; then say "started $unit"; else say "failed to start $unit"; fi
  done
  exit 0
fi
[ "${1:-}" = early ] || { echo "usage: boot.sh early|late" >&2 && exit 1; }

install -d -m 755 /run/flotilla-sim /run/systemd/system
echo 0 >/proc/sys/net/ipv4/ip_forward

# MicroOS: boot into the default snapshot (node/transactional-update.sh), then /usr read-only.
if grep -q '^ID="\{0,1\}opensuse-microos' /usr/lib/os-release 2>/dev/null; then
  if ! grep -q ' /usr/local ' /proc/self/mountinfo; then
    mount --bind /usr/local /usr/local
    mount --rbind /usr /usr
  else
    mount -o remount,bind,rw /usr
  fi
  snapshots=/var/lib/flotilla-sim/snapshots
  current=$(cat "$snapshots/current" 2>/dev/null || echo 1)
  default=$(cat "$snapshots/default" 2>/dev/null || echo "$current")
  if [ "$default" != "$current" ] && [ -d "$snapshots/$default/root" ]; then
    if cp -a "$snapshots/$default/root/." / && echo "$default" >"$snapshots/current"; then
      say "booted snapshot $default"
    else
      say "snapshot $default could not be applied"
    fi
  fi
  mount -o remount,bind,ro /usr
fi

# Swap: none until something turns it on (util-linux's swapon reads /proc/swaps).
if [ -f /var/lib/flotilla-sim/swap-devices ]; then
  /usr/sbin/swapoff -a
  # systemd activates the swap lines of /etc/fstab
  /usr/sbin/swapon -a 2>/dev/null
  if [ -f /etc/rpi/swap.conf ]; then
    # rpi-swap-generator: the main file (first found), then drop-ins sorted by name; last wins.
    mechanism=auto
    for f in /etc/rpi/swap.conf /run/rpi/swap.conf /usr/local/lib/rpi/swap.conf /usr/lib/rpi/swap.conf; do
      [ -f "$f" ] || continue
      files=("$f")
      break
    done
    while IFS= read -r f; do files+=("$f"); done < <(
      for d in /usr/lib/rpi/swap.conf.d /usr/local/lib/rpi/swap.conf.d /run/rpi/swap.conf.d /etc/rpi/swap.conf.d; do
        for c in "$d"/*.conf; do [ -f "$c" ] && printf '%s\t%s\n' "${c##*/}" "$c"; done
      done | sort -s -k1,1 | cut -f2
    )
    for f in "${files[@]}"; do
      m=$(awk -F= '/^\[/ { s = $0 } s == "[Main]" && $1 ~ /^[ \t]*Mechanism[ \t]*$/ { v = $2 } END { gsub(/[ \t]/, "", v); print v }' "$f")
      [ -z "$m" ] || mechanism=$m
    done
    case $mechanism in
      none) say "rpi-swap: Mechanism=none, no swap" ;;
      auto | zram | zram+file | swapfile)
        while read -r dev _; do /usr/sbin/swapon "$dev" 2>/dev/null; done </var/lib/flotilla-sim/swap-devices
        ;;
      *) say "rpi-swap: unknown Mechanism=$mechanism, no swap" ;;
    esac
  fi
fi

for f in /etc/modules-load.d/*.conf /etc/modules; do
  [ -f "$f" ] || continue
  while read -r module _; do
    case $module in '' | '#'* | ';'*) continue ;; esac
    /usr/sbin/modprobe "$module" || say "module $module from $f failed to load"
  done <"$f"
done

for f in /etc/sysctl.conf /etc/sysctl.d/*.conf; do
  [ -f "$f" ] || continue
  sysctl -q -p "$f" >/dev/null 2>&1 || say "some settings of $f were not applied"
done


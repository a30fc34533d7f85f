#!/usr/bin/env bash
# FLOTILLA SIMULATOR: what systemd does at boot, for a lab node with the `sim` trait. The node's
# init (node/init.sh) runs it on every boot, including the lab's reboots: `boot.sh early` before
# sshd starts (1 and 2: a real boot applies them before the network), `boot.sh late` after (3).
#   1. systemd-modules-load: /etc/modules-load.d/*.conf and /etc/modules (module state is in
#      /run, so a reboot forgets modules loaded by hand, as a real one does)
#   2. systemd-sysctl: /etc/sysctl.conf and /etc/sysctl.d/*.conf. The node's network namespace
#      outlives the lab's reboot, so forwarding is first reset to the kernel's default (off).
#   3. multi-user.target: every enabled unit is started; nothing else is.
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

install -d -m 755 /run/flotilla-sim
echo 0 >/proc/sys/net/ipv4/ip_forward

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


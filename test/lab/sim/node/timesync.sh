#!/usr/bin/env bash
# FLOTILLA SIMULATOR STAND-IN for a time sync daemon -- not systemd-timesyncd, not chronyd. Run by
# their units (units/systemd-timesyncd.service on Debian, Ubuntu and Raspberry Pi OS nodes,
# units/chronyd.service on MicroOS). Lab nodes share the host's clock, which the host keeps, so the
# first "synchronization" is immediate: once running, the daemon marks the clock synchronized in
# /run/flotilla-sim/clock-synchronized -- the kernel's "synchronized" state (adjtimex without
# STA_UNSYNC) that timedatectl reports as NTPSynchronized (node/timedatectl.sh). Like the kernel's,
# it is lost at reboot and outlives the daemon (the real flag expires only hours after the last
# adjustment).
#
#   timesync.sh systemd-timesyncd|chronyd
set -euo pipefail

case ${1:-} in
  systemd-timesyncd | chronyd) name=$1 ;;
  *) echo "flotilla-sim: timesync.sh ${1:-} is not simulated (systemd-timesyncd or chronyd)" >&2 && exit 1 ;;
esac
[ "$(id -u)" = 0 ] || { echo "$name: must run as root" >&2 && exit 1; }
mkdir -p /run/flotilla-sim
echo "$name" >/run/flotilla-sim/clock-synchronized
echo "$name: clock synchronized (flotilla-sim: the lab host's clock)"
# Type=notify: the systemctl stand-in's notification file, next to its socket (see sd-notify.mjs).
case ${NOTIFY_SOCKET:-} in /run/flotilla-sim/*) echo READY=1 >>"${NOTIFY_SOCKET%/*}/notify" ;; esac
trap 'exit 0' TERM INT
# Wait without a child process (tests look for their own `sleep`s with pgrep): read from a pipe
# nobody writes to, held open read-write so it never reaches end of file.
exec {idle}<> <(:)
while :; do read -r -t 3600 -u "$idle" _ || :; done

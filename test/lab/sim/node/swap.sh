#!/usr/bin/env bash
# FLOTILLA SIMULATOR STAND-IN for swapoff and swapon (util-linux) -- not the real tools. The lab
# node shares the host's kernel, so its swap is a description: /proc/swaps and the Swap lines of
# /proc/meminfo (files the lab's init bind-mounts over procfs). The swap areas this machine has
# are listed in /var/lib/flotilla-sim/swap-devices (taken from /proc/swaps at first boot).
#
#   swapoff -a | swapoff DEVICE...      take swap areas out of /proc/swaps until the next boot
#   swapon -a | swapon DEVICE...        put them back (-a: the swap lines of /etc/fstab)
#   swapon [--show ...] [-s]            the real swapon, which reads /proc/swaps
#
# Exit statuses are util-linux 2.36+'s: 4 swapoff(2)/swapon(2) failed, 16 usage, 32 every
# swapoff of --all failed, 64 some did.
set -uo pipefail

NAME=$(basename "$0")
DEVICES=/var/lib/flotilla-sim/swap-devices
SWAPS=/proc/swaps
HEADER=$'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority'

active() { tail -n +2 "$SWAPS" | awk '{print $1}'; }

# write_swaps LINES -- /proc/swaps and the meminfo Swap lines, written in place (bind mounts).
write_swaps() {
  local lines=$1 total=0
  if [ -n "$lines" ]; then total=$(awk '{s += $3} END {print s + 0}' <<<"$lines"); fi
  { echo "$HEADER"; [ -z "$lines" ] || printf '%s\n' "$lines"; } >"$SWAPS"
  local mem
  mem=$(awk -v t="$total" '
    /^SwapTotal:/ { printf "SwapTotal:      %8d kB\n", t; next }
    /^SwapFree:/ { printf "SwapFree:       %8d kB\n", t; next }
    { print }' /proc/meminfo)
  printf '%s\n' "$mem" >/proc/meminfo
}

perm_fail() { # DEVICE VERB
  echo "$NAME: $1: $2 failed: Operation not permitted" >&2
}

do_swapoff() {
  local all=no devs=()
  for a in "$@"; do
    case $a in
      -a | --all) all=yes ;;
      -v | --verbose) ;;
      -*) echo "$NAME: unrecognized option '$a'" >&2 && echo "Try '$NAME --help' for more information." >&2 && exit 16 ;;
      *) devs+=("$a") ;;
    esac
  done
  if [ "$all" = no ] && [ "${#devs[@]}" = 0 ]; then
    echo "$NAME: bad usage" >&2 && echo "Try '$NAME --help' for more information." >&2 && exit 16
  fi
  local current
  current=$(tail -n +2 "$SWAPS")
  if [ "$all" = yes ]; then
    [ -n "$current" ] || exit 0
    if [ "$(id -u)" != 0 ]; then
      for d in $(active); do perm_fail "$d" swapoff; done
      exit 32
    fi
    write_swaps ""
    exit 0
  fi
  local rc=0 d
  for d in "${devs[@]}"; do
    if [ "$(id -u)" != 0 ]; then
      perm_fail "$d" swapoff
      rc=4
    elif grep -q "^${d}[[:space:]]" <<<"$current"; then
      current=$(grep -v "^${d}[[:space:]]" <<<"$current")
    else
      echo "$NAME: $d: swapoff failed: Invalid argument" >&2
      rc=4
    fi
  done
  [ "$(id -u)" != 0 ] || write_swaps "$current"
  exit "$rc"
}

# swap_on DEVICE -- 0 on, 1 already on (EBUSY), 2 no such area
swap_on() {
  local cur line
  cur=$(tail -n +2 "$SWAPS")
  grep -q "^$1[[:space:]]" <<<"$cur" && return 1
  line=$(grep "^$1[[:space:]]" "$DEVICES" 2>/dev/null | head -n1)
  [ -n "$line" ] || return 2
  if [ -n "$cur" ]; then write_swaps "$cur"$'\n'"$line"; else write_swaps "$line"; fi
}

do_swapon() {
  local all=no devs=() show=no
  for a in "$@"; do
    case $a in
      -a | --all) all=yes ;;
      -v | --verbose | -e | --ifexists) ;;
      -s | --summary | --show | --show=* | --noheadings | --raw | --bytes) show=yes ;;
      -*) echo "$NAME: unrecognized option '$a'" >&2 && echo "Try '$NAME --help' for more information." >&2 && exit 16 ;;
      *) devs+=("$a") ;;
    esac
  done
  if [ "$show" = yes ] || { [ "$all" = no ] && [ "${#devs[@]}" = 0 ]; }; then
    exec /usr/lib/flotilla-sim/swapon.real "$@"
  fi
  [ "$(id -u)" = 0 ] || {
    for d in "${devs[@]}"; do perm_fail "$d" swapon; done
    exit 4
  }
  if [ "$all" = yes ]; then
    # systemd and `swapon -a` activate the swap lines of /etc/fstab.
    while read -r dev _ type _; do
      case $dev in '' | '#'*) continue ;; esac
      [ "$type" = swap ] && devs+=("$dev")
    done </etc/fstab 2>/dev/null
  fi
  local rc=0 d
  for d in "${devs[@]}"; do
    swap_on "$d"
    case $? in
      1) [ "$all" = yes ] || { echo "$NAME: $d: swapon failed: Device or resource busy" >&2 && rc=4; } ;;
      2) echo "$NAME: cannot open $d: No such file or directory" >&2 && rc=4 ;;
    esac
  done
  exit "$rc"
}

case $NAME in
  swapoff) do_swapoff "$@" ;;
  swapon) do_swapon "$@" ;;
  *) echo "flotilla-sim: $NAME is not simulated" >&2 && exit 1 ;;
esac

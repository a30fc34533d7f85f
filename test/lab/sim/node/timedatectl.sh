#!/usr/bin/env bash
# FLOTILLA SIMULATOR STAND-IN for timedatectl(1) -- not systemd's (which asks systemd-timedated over
# D-Bus; lab nodes have neither). Only what Flotilla reads:
#
#   timedatectl show [-p NAME | --property=NAME | --property NAME]... [--value]
#
# Properties: NTPSynchronized (yes once a time sync daemon ran since boot: node/timesync.sh) and
# NTP (yes when one of them is active, as timedated says of its NTP unit). Anything else fails
# loudly.
set -euo pipefail

not_simulated() { echo "flotilla-sim: timedatectl $* is not simulated" >&2 && exit 1; }
[ "${1:-}" = show ] || not_simulated "${@:-(no arguments)}"
shift
props=()
value=no
while [ $# -gt 0 ]; do
  case $1 in
    -p | --property) [ $# -ge 2 ] || { echo "timedatectl: option requires an argument -- '$1'" >&2 && exit 1; }; props+=("$2"); shift ;;
    --property=*) props+=("${1#--property=}") ;;
    --value) value=yes ;;
    *) not_simulated "show $1" ;;
  esac
  shift
done
[ "${#props[@]}" -gt 0 ] || not_simulated "show without --property (all properties)"
for p in "${props[@]}"; do
  case $p in
    NTPSynchronized) if [ -f /run/flotilla-sim/clock-synchronized ]; then v=yes; else v=no; fi ;;
    NTP)
      v=no
      for unit in systemd-timesyncd.service chronyd.service; do
        if /usr/bin/systemctl is-active -q "$unit" 2>/dev/null; then v=yes; fi
      done
      ;;
    *) not_simulated "show --property=$p" ;;
  esac
  if [ "$value" = yes ]; then echo "$v"; else echo "$p=$v"; fi
done

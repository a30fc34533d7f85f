#!/usr/bin/env bash
# FLOTILLA SIMULATOR STAND-IN for journalctl(1) -- not journald. What a unit started by the
# simulator's systemctl writes to stdout/stderr is in /var/log/flotilla-sim/<unit>.log; this
# prints it for `journalctl -u UNIT` (with -x, -e, -n N, --no-pager, -f refused).
set -euo pipefail
units=()
lines=all
while [ "$#" -gt 0 ]; do
  case $1 in
    -u | --unit) units+=("$2") && shift ;;
    -u*) units+=("${1#-u}") ;;
    -xeu | -eu | -xu) units+=("$2") && shift ;;
    -n | --lines) lines=$2 && shift ;;
    -x | -e | --no-pager | -q | --quiet | -b | --boot) ;;
    *) echo "flotilla-sim: journalctl $1 is not simulated" >&2 && exit 1 ;;
  esac
  shift
done
[ "${#units[@]}" -gt 0 ] || { echo "flotilla-sim: journalctl without -u is not simulated" >&2 && exit 1; }
for u in "${units[@]}"; do
  [[ $u == *.* ]] || u=$u.service
  log=/var/log/flotilla-sim/$u.log
  if [ ! -f "$log" ]; then echo "-- No entries --" && continue; fi
  if [ "$lines" = all ]; then cat "$log"; else tail -n "$lines" "$log"; fi
done

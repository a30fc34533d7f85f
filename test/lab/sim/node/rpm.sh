#!/usr/bin/env bash
# FLOTILLA SIMULATOR STAND-IN for rpm (openSUSE MicroOS) -- not the real tool: queries only, over
# the packages the zypper stand-in installed (/usr/lib/sysimage/flotilla-sim-rpm/installed, part
# of the snapshot like the real rpm database).
#
#   rpm -q NAME...     rpm -qa
set -uo pipefail
DB=/usr/lib/sysimage/flotilla-sim-rpm/installed
case ${1:-} in
  -q)
    shift
    [ "$#" -gt 0 ] || { echo "rpm: no arguments given for query" >&2 && exit 1; }
    rc=0
    for p in "$@"; do
      line=$(grep "^$p " "$DB" 2>/dev/null | head -n1)
      if [ -n "$line" ]; then
        read -r n v a <<<"$line"
        echo "$n-$v.$a"
      else
        echo "package $p is not installed"
        rc=1
      fi
    done
    exit "$rc"
    ;;
  -qa)
    while read -r n v a; do echo "$n-$v.$a"; done <"$DB" 2>/dev/null
    ;;
  *) echo "flotilla-sim: rpm $* is not simulated" >&2 && exit 1 ;;
esac

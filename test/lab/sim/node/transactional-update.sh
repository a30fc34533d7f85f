#!/usr/bin/env bash
# FLOTILLA SIMULATOR STAND-IN for transactional-update (openSUSE MicroOS) -- not the real tool.
# Packages go into a new snapshot that becomes the running system only after a reboot:
#
#   transactional-update [--no-selfupdate] [-n] [-d] [-c [N]] [--quiet] pkg install|in PACKAGE...
#   transactional-update [options] run COMMAND...     transactional-update reboot | cleanup
#
# A snapshot here is /var/lib/flotilla-sim/snapshots/N/root: the files the transaction added (the
# zypper stand-in installs into it with --root), its rpm database included. The node's boot hook
# (boot.sh) copies the default snapshot over / at the next boot, before /usr is made read-only.
# Like the real tool, a new snapshot is based on the running one, so two transactions without a
# reboot in between keep only the second (unless -c/--continue); `run` gives COMMAND the
# snapshot through FLOTILLA_TU_ROOT (the zypper stand-in honours it), not a chroot.
set -uo pipefail

VERSION=4.8.3
SNAPSHOTS=/var/lib/flotilla-sim/snapshots
LOG=/var/log/transactional-update.log
DB_REL=usr/lib/sysimage/flotilla-sim-rpm/installed

printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >>"$LOG" 2>/dev/null
[ "$(id -u)" = 0 ] || { echo "transactional-update: this program must be run as root" >&2 && exit 1; }

quiet=no
drop=no
continue_from=""
zypper_opts=()
args=()
while [ "$#" -gt 0 ]; do
  case $1 in
    --no-selfupdate | -i | --interactive) ;;
    -n | --non-interactive) zypper_opts+=(-n) ;;
    -d | --drop-if-no-change) drop=yes ;;
    --quiet) quiet=yes ;;
    -c | --continue)
      continue_from=latest
      if [[ ${2:-} =~ ^[0-9]+$ ]]; then
        continue_from=$2
        shift
      fi
      ;;
    -*) echo "flotilla-sim: transactional-update option $1 is not simulated" >&2 && exit 1 ;;
    *)
      args=("$@")
      break
      ;;
  esac
  shift
done
[ "${#args[@]}" -gt 0 ] || { echo "flotilla-sim: transactional-update without a command (up) is not simulated" >&2 && exit 1; }

say() { [ "$quiet" = yes ] || printf '%s\n' "$*"; }
stamp() { say "$(date '+%Y-%m-%d %H:%M:%S') $*"; }

mkdir -p "$SNAPSHOTS"
current=$(cat "$SNAPSHOTS/current" 2>/dev/null || echo 1)
[ -f "$SNAPSHOTS/current" ] || echo "$current" >"$SNAPSHOTS/current"
latest() { find "$SNAPSHOTS" -mindepth 1 -maxdepth 1 -type d -name '[0-9]*' -printf '%f\n' | sort -n | tail -n1; }

case ${args[0]} in
  reboot) exec /usr/bin/systemctl reboot ;;
  cleanup)
    say "Nothing to clean up."
    exit 0
    ;;
  pkg | run) ;;
  *) echo "flotilla-sim: transactional-update ${args[0]} is not simulated" >&2 && exit 1 ;;
esac

say "Checking for newer version."
say "transactional-update $VERSION started"
say "Options: ${args[*]}"
say "Separate /var detected."
stamp "tukit $VERSION started"

base=$current
if [ "$continue_from" = latest ]; then base=$(latest) && base=${base:-$current}; elif [ -n "$continue_from" ]; then base=$continue_from; fi
new=$(($(latest || echo 0) + 1))
[ "$new" -gt "$current" ] || new=$((current + 1))
snap=$SNAPSHOTS/$new/root
mkdir -p "$snap/$(dirname "$DB_REL")"
if [ "$base" != "$current" ] && [ -d "$SNAPSHOTS/$base/root" ]; then
  cp -a "$SNAPSHOTS/$base/root/." "$snap/"
else
  cp "/$DB_REL" "$snap/$DB_REL" 2>/dev/null || : >"$snap/$DB_REL"
  cp "/$DB_REL.provides" "$snap/$DB_REL.provides" 2>/dev/null || true
fi
before=$(cat "$snap/$DB_REL")
stamp "Using snapshot $base as base for new snapshot $new."

rc=0
case ${args[0]} in
  pkg)
    case ${args[1]:-} in
      install | in) /usr/bin/zypper "${zypper_opts[@]}" --root "$snap" install -y "${args[@]:2}" || rc=$? ;;
      *)
        echo "flotilla-sim: transactional-update pkg ${args[1]:-} is not simulated" >&2
        rc=1
        ;;
    esac
    ;;
  run) FLOTILLA_TU_ROOT=$snap "${args[@]:1}" || rc=$? ;;
esac

if [ "$rc" != 0 ]; then
  rm -rf "${SNAPSHOTS:?}/$new"
  stamp "Application returned with exit status $rc."
  say "transactional-update finished"
  exit "$rc"
fi
if [ "$drop" = yes ] && [ "$before" = "$(cat "$snap/$DB_REL")" ] && [ -z "$(find "$snap" -type f ! -path "*/$DB_REL" ! -path "*/$DB_REL.provides" -print -quit)" ]; then
  rm -rf "${SNAPSHOTS:?}/$new"
  stamp "No changes to the root file system - discarding snapshot."
  say "transactional-update finished"
  exit 0
fi
echo "$new" >"$SNAPSHOTS/default"
stamp "Transaction completed."
say "Please reboot your machine to activate the changes and avoid data loss."
say "New default snapshot is #$new (/.snapshots/$new/snapshot)."
say "transactional-update finished"

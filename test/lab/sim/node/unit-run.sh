#!/usr/bin/env bash
# FLOTILLA SIMULATOR: supervises one unit's main process, as systemd would (Restart=, RestartSec=,
# the start rate limit). systemctl.mjs starts it in a session of its own, so stopping the unit
# signals the whole process group (KillMode=control-group).
#
#   unit-run.sh STATE_DIR   (STATE_DIR holds env, exec-start, restart, restart-sec; we write
#                            main-pid and result)
set -uo pipefail

STATE=$1
mapfile -d '' ENVS <"$STATE/env"
mapfile -d '' ARGV <"$STATE/exec-start"
RESTART=$(cat "$STATE/restart")
RESTART_SEC=$(cat "$STATE/restart-sec")
child=""
trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; wait; echo stopped >"$STATE/result"; exit 0' TERM INT

# systemd's default start limit: more than 5 starts within 10 s puts the unit in "failed".
starts=()
while :; do
  now=$(date +%s)
  recent=()
  for t in "${starts[@]}"; do ((now - t < 10)) && recent+=("$t"); done
  starts=("${recent[@]}" "$now")
  if ((${#starts[@]} > 5)); then
    echo "start-limit-hit" >"$STATE/result"
    echo "flotilla-sim: ${STATE##*/}: Start request repeated too quickly." >&2
    exit 1
  fi
  env -i "${ENVS[@]}" "${ARGV[@]}" &
  child=$!
  echo "$child" >"$STATE/main-pid"
  echo running >"$STATE/result"
  wait "$child"
  rc=$?
  child=""
  echo "flotilla-sim: ${STATE##*/}: main process exited, status=$rc" >&2
  case $RESTART in
    always) ;;
    on-failure | on-abnormal) [ "$rc" != 0 ] || break ;;
    *) break ;;
  esac
  echo "exit-code $rc" >"$STATE/result"
  sleep "$RESTART_SEC"
done
if [ "$rc" = 0 ]; then echo exited >"$STATE/result"; else echo "exit-code $rc" >"$STATE/result"; fi
exit "$rc"

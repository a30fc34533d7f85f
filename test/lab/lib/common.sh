# Shared settings and helpers for the lab scripts. Sourced by lab.sh, never executed on its own.
#
# A lab is identified by its PREFIX (namespace names, state directory) and lives on one /24 (NET).
# Everything a lab creates is named after its prefix, so `down` can find it again even when the
# state directory is gone or `up` died half-way.

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Defaults for interactive use (`npm run lab -- up 6`). run-tests.sh uses a different prefix and
# subnet so a developer's lab and a test run never meet.
readonly LAB_DEFAULT_PREFIX=lab
readonly LAB_DEFAULT_NET=10.77.0.0/24
# Node K gets NET.(NODE_ADDR_OFFSET + K). .1 is the desk; .2-.10 are left free for tests that need
# an extra address on the LAN (a keepalived/kube-vip virtual IP, for instance).
readonly NODE_ADDR_OFFSET=10
readonly MAX_NODE_INDEX=200

log() { printf 'lab: %s\n' "$*" >&2; }
die() {
  printf 'lab: error: %s\n' "$*" >&2
  exit 1
}

# lab_configure PREFIX NET -- validate the identity of the lab and derive every name from it.
lab_configure() {
  PREFIX=$1
  local net=$2
  # Short and plain: it ends up in namespace names and in `ip netns list` patterns.
  [[ $PREFIX =~ ^[a-z][a-z0-9]{0,11}$ ]] ||
    die "prefix '$PREFIX' must be 1-12 characters [a-z0-9], starting with a letter"
  # Only /24 subnets: addresses are NET.1 (desk) and NET.(10+K) (nodes). Accept "10.77.0" too.
  if [[ $net =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})(\.0/24)?$ ]]; then
    local o
    for o in "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"; do
      ((o <= 255)) || die "subnet '$net' has an octet above 255"
    done
    NET_BASE="${BASH_REMATCH[1]}.${BASH_REMATCH[2]}.${BASH_REMATCH[3]}"
  else
    die "subnet '$net' must look like 10.77.0.0/24 (only /24 is supported)"
  fi
  NET_CIDR="$NET_BASE.0/24"
  DESK_ADDR="$NET_BASE.1"
  NS_SW="$PREFIX-sw"     # holds the bridge: the root namespace is never on the lab LAN
  NS_DESK="$PREFIX-desk" # where tests and the app's services run
  STATE_ROOT=${LAB_STATE_ROOT:-/tmp/flotilla-lab}
  STATE="$STATE_ROOT/$PREFIX"
  DISK="$STATE/disk"           # tmpfs holding every node's writable layer ("its SD card")
  KEY="$STATE/keys/id_ed25519" # client key the desk uses to log in to the nodes
  LOCK="$STATE_ROOT/$PREFIX.lock"
}

node_ns() { printf '%s-node%d' "$PREFIX" "$1"; }
node_addr() { printf '%s.%d' "$NET_BASE" "$((NODE_ADDR_OFFSET + $1))"; }
node_dir() { printf '%s/nodes/%d' "$STATE" "$1"; }
# The switch-side end of node K's cable. Names only need to be unique inside the switch namespace.
node_port() { printf 'v%d' "$1"; }

# Every namespace that belongs to this lab, whether or not the state directory knows about it.
lab_namespaces() {
  ip netns list 2>/dev/null | awk '{print $1}' | grep -E "^$PREFIX-(sw|desk|node[0-9]+)$" || true
}

lab_is_up() { [ -f "$STATE/lab.env" ]; }

# Indexes of the nodes recorded in the state directory, in ascending order.
lab_node_indexes() {
  local d
  [ -d "$STATE/nodes" ] || return 0
  for d in "$STATE"/nodes/*/; do
    [ -f "$d/node.env" ] && basename "$d"
  done | sort -n
}

# Serialise structural changes (up/down/add/remove) of one lab; concurrent `add` calls from
# parallel tests would otherwise race on the node counter.
lab_lock() {
  mkdir -p "$STATE_ROOT"
  exec {LAB_LOCK_FD}>"$LOCK"
  flock -w 60 "$LAB_LOCK_FD" || die "could not lock $LOCK within 60 s (another lab.sh is busy with '$PREFIX')"
}

# Namespace plumbing (ip netns add, the disk tmpfs) must happen in the host's mount namespace: a
# netns bind mount made under `ip netns exec` stays in that command's private mount namespace and
# the namespace is unusable from outside ("Peer netns reference is invalid", verified). `lab.sh
# exec` exports LAB_HOST_PID (its own PID, alive while the command runs); a lab.sh started inside
# the desk re-executes itself in that process's mount and network namespaces.
lab_reenter_host_namespaces() {
  local host_pid=${LAB_HOST_PID:-}
  if [ -z "$host_pid" ]; then
    local here
    here=$(ip netns identify "$$" 2>/dev/null || true)
    [ -z "$here" ] ||
      die "lab.sh runs inside namespace '$here' without LAB_HOST_PID; run it on the host or via 'lab.sh exec'"
    return 0
  fi
  [ -e "/proc/$host_pid/ns/mnt" ] || die "LAB_HOST_PID=$host_pid is not a running process"
  if [ "$(readlink /proc/self/ns/mnt)" = "$(readlink "/proc/$host_pid/ns/mnt")" ] &&
    [ "$(readlink /proc/self/ns/net)" = "$(readlink "/proc/$host_pid/ns/net")" ]; then
    return 0
  fi
  # LAB_CALLER_NETNS remembers where the request came from: `down` refuses to take down the lab
  # whose desk it was called from (it would kill its own caller).
  LAB_CALLER_NETNS=$(ip netns identify "$$" 2>/dev/null || true) \
    exec nsenter --target "$host_pid" --mount --net --wd="$PWD" -- bash "$LAB_DIR/lab.sh" "$@"
}

# run_detached LOG CMD... -- start CMD in its own session, stdin from /dev/null, output appended to
# LOG, and without the lab lock's descriptor: an inherited lock would be held for the node's life.
# Sets DETACHED_PID (the PID CMD keeps: setsid does not fork here, we are no group leader).
run_detached() {
  local log=$1
  shift
  (
    [ -z "${LAB_LOCK_FD:-}" ] || exec {LAB_LOCK_FD}>&-
    exec setsid "$@" </dev/null >>"$log" 2>&1
  ) &
  DETACHED_PID=$!
}

# wait_for SECONDS DESCRIPTION COMMAND... -- poll COMMAND every 0.1 s; fail with DESCRIPTION.
wait_for() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      log "timed out after ${seconds}s waiting for $what"
      return 1
    fi
    sleep 0.1
  done
}

# JSON string literal. Lab values are plain ASCII, but quote and backslash must still be escaped.
json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}
json_bool() { if [ "$1" = yes ]; then printf true; else printf false; fi; }
json_str_or_null() { if [ -n "$1" ]; then json_str "$1"; else printf null; fi; }

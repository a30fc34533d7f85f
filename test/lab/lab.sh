#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The Flotilla lab: a fake LAN of Raspberry Pis, MicroOS boxes and other hosts on this machine,
# each a small container running the real sshd and avahi-daemon. See test/lab/README.md.
#
#   lab.sh [--prefix P] [--net 10.77.0.0/24] <command> [args]
#
#   up [N] [--profile LIST]    switch + desk + N nodes (LIST: comma-separated profiles, cycled;
#                              N defaults to the length of LIST). Fails if the lab is already up.
#   down                       remove everything the lab made: processes, namespaces, disk, state
#   status [--json]            nodes, addresses, users, states (--json adds passwords: for tools)
#   exec CMD...                run CMD in the desk namespace (NET.1), where tests and services run
#   add --profile LIST         add nodes to a running lab; prints their indexes
#   remove NODE...             power off and remove nodes
#   fault NODE KIND [OPTS]     inject a fault (see lib/faults.sh): unplug replug kill-sshd
#                              start-sshd host-key power-cut power-on reboot impair
#   node-exec NODE CMD...      run CMD as root inside a node, without SSH (for inspection)
#   ssh NODE [CMD...]          log in from the desk with the lab key as the node's user
#   browse [SECONDS]           list what mDNS shows from the desk
#   profiles                   list profiles, traits and aliases
#   upstream [restart]         the simulator's upstream HTTPS host at NET.254 (started by itself
#                              when the first node with the `sim` trait is added): start it if
#                              needed and print its address, CA and logs; `restart` regenerates
#                              its sites (test/lab/sim/upstream/README.md)
#
# Prefix and subnet also come from LAB_PREFIX / LAB_NET; defaults: lab, 10.77.0.0/24.
# Needs root, Linux network namespaces and the packages listed in README.md.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"
# shellcheck source=lib/profiles.sh
source "$HERE/lib/profiles.sh"
# shellcheck source=lib/net.sh
source "$HERE/lib/net.sh"
# shellcheck source=lib/nodes.sh
source "$HERE/lib/nodes.sh"
# shellcheck source=lib/faults.sh
source "$HERE/lib/faults.sh"

usage() {
  sed -n '3,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$HERE/lab.sh"
}

# Binaries the lab runs, and the Debian package each comes from.
readonly REQUIRED_TOOLS="ip:iproute2 unshare:util-linux nsenter:util-linux setsid:util-linux flock:util-linux
sshd:openssh-server ssh:openssh-client ssh-keygen:openssh-client avahi-daemon:avahi-daemon sudo:sudo
perl:perl-base openssl:openssl"

preflight() {
  [ "$(id -u)" = 0 ] || die "the lab needs root (network namespaces, mounts)"
  ip netns list >/dev/null 2>&1 || die "'ip netns' does not work here"
  local entry missing=""
  for entry in $REQUIRED_TOOLS; do
    command -v "${entry%%:*}" >/dev/null 2>&1 || [ -x "/usr/sbin/${entry%%:*}" ] || missing+=" ${entry#*:}"
  done
  [ -z "$missing" ] || die "missing packages:$(tr ' ' '\n' <<<"$missing" | sort -u | tr '\n' ' ')(apt-get install -y --no-install-recommends ...)"
}

# ---------------------------------------------------------------------------------------------
# profile_list_expand COUNT LIST -- COUNT profile specs from comma-separated LIST, cycled.
profile_list_expand() {
  local count=$1 list=$2 specs i
  IFS=, read -r -a specs <<<"$list"
  ((${#specs[@]})) || die "empty profile list"
  for ((i = 0; i < count; i++)); do printf '%s\n' "${specs[i % ${#specs[@]}]}"; done
}

# add_nodes SPEC... -- create, cable and boot nodes; hosts that take another's name boot last, so
# the first owner of a name keeps it and the newcomer is the one avahi renames.
add_nodes() {
  ((MAX_NODE_INDEX >= $(next_index) + $# - 1)) || die "a lab holds at most $MAX_NODE_INDEX nodes"
  # Check every spec before creating anything: a typo must not leave half a lab behind.
  local spec
  for spec in "$@"; do (profile_resolve "$spec" 0 >/dev/null); done

  local first=() second=() k name_owner="" sim=no
  for spec in "$@"; do
    k=$(next_index)
    echo $((k + 1)) >"$STATE/next-index"
    CREATED+=("$k")
    node_create "$k" "$spec"
    [ "$NODE_SIM" = no ] || sim=yes
    if [ "$NODE_SAME_NAME" = yes ]; then
      second+=("$k")
    else
      first+=("$k")
      [ -n "$name_owner" ] || name_owner=$NODE_HOSTNAME
    fi
  done
  if ((${#second[@]})); then
    [ -n "$name_owner" ] || die "'same-name' copies the name of another node started with it; there is none"
    for k in "${second[@]}"; do
      sed -i "s/^NODE_HOSTNAME=.*/NODE_HOSTNAME=$name_owner/" "$(node_dir "$k")/node.env"
    done
  fi
  for k in "${first[@]}" "${second[@]}"; do node_plug "$k"; done
  # Simulator nodes download from the lab's upstream host: it must be up before they boot (their
  # init copies its CA and address in).
  [ "$sim" = no ] || upstream_start start
  if ((${#first[@]})); then
    for k in "${first[@]}"; do node_boot "$k"; done
    node_wait_ready "${first[@]}"
  fi
  if ((${#second[@]})); then
    for k in "${second[@]}"; do node_boot "$k"; done
    node_wait_ready "${second[@]}"
  fi
  ADDED=("${first[@]}" "${second[@]}")
}

CREATED=() # nodes created by this invocation, for add's rollback
next_index() { cat "$STATE/next-index" 2>/dev/null || echo 1; }

# Whiteouts (character devices 0/0) in a lower layer hide those paths of the host's / in every
# node: the host's home directories, the checkout this lab runs from, the host's SSH host keys,
# and state directories of cluster software installed on this machine (the etcd package creates
# /var/lib/etcd): a fresh node must not look like it has cluster leftovers.
readonly MASKED_CLUSTER_PATHS="etc/kubernetes etc/cni var/lib/etcd var/lib/kubelet var/lib/rancher etc/rancher"
make_mask() {
  local mask="$DISK/mask" top d
  mkdir -p "$mask"
  top=${LAB_DIR#/}
  top=${top%%/*}
  for d in root home mnt media srv "$top"; do
    case $d in bin | boot | dev | etc | lib | lib64 | proc | run | sbin | sys | tmp | usr | var) continue ;; esac
    mask_path "$d"
  done
  for d in /etc/ssh/ssh_host_*; do mask_path "${d#/}"; done
  for d in $MASKED_CLUSTER_PATHS; do mask_path "$d"; done
}
mask_path() { # PATH relative to / -- hide it if the host has it
  local mask="$DISK/mask"
  [ -e "/$1" ] || return 0
  [ -e "$mask/$1" ] && return 0
  mkdir -p "$(dirname "$mask/$1")"
  mknod "$mask/$1" c 0 0
}

cmd_up() {
  local count="" profiles=""
  while [ "$#" -gt 0 ]; do
    case $1 in
      --profile | --profiles)
        profiles=${2:?--profile needs a list}
        shift 2
        ;;
      [0-9]*)
        count=$1
        shift
        ;;
      *) die "up: unexpected '$1'" ;;
    esac
  done
  [ -n "$profiles" ] || profiles=$PROFILE_DEFAULT_MIX
  if [ -z "$count" ]; then
    if [ "$profiles" = "$PROFILE_DEFAULT_MIX" ]; then count=3; else count=$(tr ',' '\n' <<<"$profiles" | grep -c .); fi
  fi
  [[ $count =~ ^[0-9]+$ ]] || die "up: node count must be a number"

  preflight
  lab_lock
  if lab_is_up; then
    die "lab '$PREFIX' is already up (since $(sed -n 's/^CREATED_AT=//p' "$STATE/lab.env")); run 'lab.sh --prefix $PREFIX down' first, or use another --prefix and --net"
  fi
  local leftovers
  leftovers=$(lab_namespaces | tr '\n' ' ')
  [ -z "$leftovers" ] || die "namespaces of lab '$PREFIX' are left from an earlier run ($leftovers); run 'lab.sh --prefix $PREFIX down' first"
  local specs=()
  mapfile -t specs < <(profile_list_expand "$count" "$profiles")
  for spec in "${specs[@]+"${specs[@]}"}"; do (profile_resolve "$spec" 0 >/dev/null); done

  local t0=$SECONDS
  mkdir -p "$STATE/nodes" "$DISK" "$(dirname "$KEY")"
  chmod 700 "$STATE"
  printf 'PREFIX=%s\nNET=%s\nCREATED_AT=%s\n' "$PREFIX" "$NET_CIDR" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" >"$STATE/lab.env"
  # The nodes' disks: one tmpfs for the lab, so `down` frees it in one umount.
  mount -t tmpfs -o mode=700,size=4g "flotilla-lab-$PREFIX" "$DISK"
  make_mask
  ssh-keygen -q -t ed25519 -N '' -C "flotilla-lab-$PREFIX" -f "$KEY"
  net_create_switch
  net_attach "$NS_DESK" vdesk "$DESK_ADDR"
  ADDED=()
  if ((${#specs[@]})); then
    trap 'log "bring-up failed; inspect $STATE, then run: lab.sh --prefix $PREFIX down"' EXIT
    add_nodes "${specs[@]}"
    trap - EXIT
  fi
  log "lab '$PREFIX' up in $((SECONDS - t0))s: desk $DESK_ADDR (ip netns exec $NS_DESK ...), ${#ADDED[@]} nodes"
  cmd_status
}

cmd_add() {
  local profiles=""
  while [ "$#" -gt 0 ]; do
    case $1 in
      --profile | --profiles)
        profiles=${2:?--profile needs a list}
        shift 2
        ;;
      *) die "add: unexpected '$1'" ;;
    esac
  done
  [ -n "$profiles" ] || die "add: --profile LIST is required"
  lab_lock
  lab_is_up || die "lab '$PREFIX' is not up"
  local specs=()
  IFS=, read -r -a specs <<<"$profiles"
  # All or nothing: if any node fails to boot (its console is printed), remove what was added.
  CREATED=()
  trap 'add_rollback' EXIT
  add_nodes "${specs[@]}"
  trap - EXIT
  echo "${ADDED[*]}"
}

add_rollback() {
  local k
  log "adding nodes failed; removing nodes ${CREATED[*]}"
  for k in "${CREATED[@]}"; do node_destroy "$k"; done
}

cmd_remove() {
  [ "$#" -gt 0 ] || die "remove: which nodes?"
  lab_lock
  local ref k
  for ref in "$@"; do
    k=$(node_resolve "$ref")
    node_destroy "$k"
  done
}

# down: works from the namespace names and the PIDs living in them, not only from the state
# directory, so it also cleans up after an `up` that died half-way or a lost state directory.
cmd_down() {
  lab_lock
  [ "${LAB_CALLER_NETNS:-}" != "$NS_DESK" ] || die "refusing to take down lab '$PREFIX' from inside its own desk"

  local k ns namespaces
  for k in $(lab_node_indexes); do
    impair_kill_relay "$k"
    node_power_off "$k"
  done
  namespaces=$(lab_namespaces)
  # Anything else still running in the lab's namespaces: services the tests started in the desk,
  # relays in the switch, nodes whose records were lost. TERM first (a node's init and its
  # unshare parent ignore it: they get KILL), then KILL.
  lab_signal_namespaces TERM 3 || lab_signal_namespaces KILL 5 ||
    die "processes survive in lab '$PREFIX' namespaces; not deleting them"
  for ns in $namespaces; do ip netns del "$ns"; done
  if mountpoint -q "$DISK" 2>/dev/null; then umount "$DISK" 2>/dev/null || umount -l "$DISK"; fi
  rm -rf "$STATE"
  # The lock file stays: deleting it while others wait on it would let two of them in at once.
  log "lab '$PREFIX' is down"
}

# lab_signal_namespaces SIGNAL SECONDS -- signal every process in the lab's namespaces; succeed
# once none is left, fail if some still are after SECONDS.
lab_signal_namespaces() {
  local signal=$1 deadline=$((SECONDS + $2)) ns pids=()
  for ns in $(lab_namespaces); do
    mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null || true)
    ((${#pids[@]} == 0)) || kill "-$signal" "${pids[@]}" 2>/dev/null || true
  done
  until lab_namespaces_empty; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

lab_namespaces_empty() {
  local ns
  for ns in $(lab_namespaces); do
    [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] || return 1
  done
}

cmd_status() {
  local json=no
  [ "${1:-}" != --json ] || json=yes
  if ! lab_is_up; then
    if [ "$json" = yes ]; then
      printf '{"up":false,"prefix":%s}\n' "$(json_str "$PREFIX")"
    else
      echo "lab '$PREFIX' is not up$( [ -z "$(lab_namespaces)" ] || echo " (but namespaces are left: run down)")"
    fi
    return 0
  fi
  local k
  if [ "$json" = yes ]; then
    printf '{"up":true,"prefix":%s,"net":%s,"desk":{"namespace":%s,"address":%s},"keyPath":%s,"stateDir":%s,"nodes":[' \
      "$(json_str "$PREFIX")" "$(json_str "$NET_CIDR")" "$(json_str "$NS_DESK")" "$(json_str "$DESK_ADDR")" \
      "$(json_str "$KEY")" "$(json_str "$STATE")"
    local sep=""
    for k in $(lab_node_indexes); do
      printf '%s' "$sep"
      node_json "$k"
      sep=,
    done
    printf ']}\n'
    return 0
  fi
  echo "lab '$PREFIX': LAN $NET_CIDR, desk $DESK_ADDR (namespace $NS_DESK), client key $KEY"
  printf '%-4s %-16s %-34s %-18s %-9s %-10s %-17s %s\n' node hostname profile address user login mac state
  for k in $(lab_node_indexes); do
    (
      # shellcheck source=/dev/null
      source "$(node_dir "$k")/node.env"
      login=""
      [ "$NODE_SSHD" = no ] && login="no ssh"
      [ "$NODE_SSHD" = yes ] && [ "$NODE_KEY_LOGIN" = yes ] && login="key"
      [ "$NODE_SSHD" = yes ] && [ "$NODE_PASSWORD_LOGIN" = yes ] && login="${login:+$login+}pw"
      state=$(node_state "$k")
      [ ! -f "$(node_dir "$k")/unplugged" ] || state+=",unplugged"
      [ ! -f "$(node_dir "$k")/impair" ] || state+=",impaired"
      printf '%-4s %-16s %-34s %-18s %-9s %-10s %-17s %s\n' "$k" "$NODE_HOSTNAME" "$NODE_PROFILE" \
        "$NODE_ADDR:$NODE_SSH_PORT" "$NODE_USER" "$login" "$NODE_MAC" "$state"
    )
  done
}

# exec: the command runs in the desk's network namespace; this shell stays alive as its parent,
# and its PID (LAB_HOST_PID) lets a lab.sh started by the command get back to the host's
# namespaces (see lab_reenter_host_namespaces).
cmd_exec() {
  [ "$#" -gt 0 ] || die "exec: which command?"
  lab_is_up || die "lab '$PREFIX' is not up"
  env -u LAB_CALLER_NETNS LAB_PREFIX="$PREFIX" LAB_NET="$NET_CIDR" LAB_STATE_ROOT="$STATE_ROOT" LAB_HOST_PID=$$ \
    ip netns exec "$NS_DESK" "$@"
}

cmd_node_exec() {
  [ "$#" -ge 2 ] || die "node-exec: usage: node-exec NODE CMD..."
  local k pid
  k=$(node_resolve "$1")
  shift
  pid=$(node_pid1 "$k")
  [ -n "$pid" ] || die "node $k is powered off"
  nsenter --target "$pid" --mount --uts --net --pid --root --wd -- "$@"
}

cmd_ssh() {
  [ "$#" -ge 1 ] || die "ssh: which node?"
  local k
  k=$(node_resolve "$1")
  shift
  local user addr port
  user=$(node_env_get "$k" NODE_USER)
  addr=$(node_env_get "$k" NODE_ADDR)
  port=$(node_env_get "$k" NODE_SSH_PORT)
  cmd_exec ssh -i "$KEY" -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR "$user@$addr" "$@"
}

cmd_browse() {
  lab_is_up || die "lab '$PREFIX' is not up"
  cmd_exec "$LAB_DIR/../../node_modules/.bin/tsx" "$LAB_DIR/mdns-browse.ts" "${1:-3}"
}

# The simulator's upstream HTTPS host (test/lab/sim/upstream): NET.254, a second address of the
# desk, so `down` stops it with the desk's other processes.
UPSTREAM_DIR_NAME=upstream
upstream_addr() { printf '%s.254' "$NET_BASE"; }
upstream_start() { # start|restart
  local addr
  addr=$(upstream_addr)
  ip -n "$NS_DESK" -4 addr show dev eth0 | grep -q "inet $addr/" ||
    ip -n "$NS_DESK" addr add "$addr/24" dev eth0
  bash "$LAB_DIR/sim/upstream/start.sh" "$STATE/$UPSTREAM_DIR_NAME" "$addr" "$NS_DESK" "$1" ||
    die "the upstream host did not start (see $STATE/$UPSTREAM_DIR_NAME/)"
}

cmd_upstream() {
  local mode=start
  case ${1:-} in
    '') ;;
    restart) mode=restart ;;
    *) die "upstream: unexpected '$1' (upstream [restart])" ;;
  esac
  lab_lock
  lab_is_up || die "lab '$PREFIX' is not up"
  upstream_start "$mode"
  local d="$STATE/$UPSTREAM_DIR_NAME"
  printf 'address   %s:443 (in %s)\nnames     %s\nca        %s\nrequests  %s\ngenerated %s\n' \
    "$(upstream_addr)" "$NS_DESK" "$(cut -d' ' -f2- "$d/etc-hosts")" "$d/ca.crt" "$d/requests.log" "$d/www"
}

cmd_profiles() {
  echo "bases:   $PROFILE_BASES"
  echo "traits:  $PROFILE_TRAITS   (BASE+TRAIT+TRAIT, e.g. pi5+port=2222)"
  echo "aliases:"
  local a
  for a in "${!PROFILE_ALIASES[@]}"; do printf '  %-14s = %s\n' "$a" "${PROFILE_ALIASES[$a]}"; done | sort
  echo "default mix for 'up N': $PROFILE_DEFAULT_MIX"
}

main() {
  local prefix=${LAB_PREFIX:-$LAB_DEFAULT_PREFIX} net=${LAB_NET:-$LAB_DEFAULT_NET} args=()
  # Global options may appear anywhere before the command's own arguments of exec/node-exec/ssh.
  while [ "$#" -gt 0 ]; do
    case $1 in
      --prefix)
        prefix=${2:?--prefix needs a value}
        shift 2
        ;;
      --net)
        net=${2:?--net needs a value}
        shift 2
        ;;
      exec | node-exec | ssh)
        args+=("$@")
        break
        ;;
      *)
        args+=("$1")
        shift
        ;;
    esac
  done
  set -- "${args[@]+"${args[@]}"}"
  [ "$#" -gt 0 ] || {
    usage
    exit 2
  }
  lab_configure "$prefix" "$net"
  local cmd=$1
  shift
  case $cmd in
    help | -h | --help) usage ;;
    profiles) cmd_profiles ;;
    up) cmd_up "$@" ;;
    down) cmd_down ;;
    status) cmd_status "$@" ;;
    exec) cmd_exec "$@" ;;
    add) cmd_add "$@" ;;
    remove) cmd_remove "$@" ;;
    fault) fault "$@" ;;
    node-exec) cmd_node_exec "$@" ;;
    ssh) cmd_ssh "$@" ;;
    browse) cmd_browse "$@" ;;
    upstream) cmd_upstream "$@" ;;
    *) die "unknown command '$cmd' (try: lab.sh help)" ;;
  esac
}

lab_reenter_host_namespaces "$@"
main "$@"

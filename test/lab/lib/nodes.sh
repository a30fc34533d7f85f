# Nodes: create, boot, find, power off and describe. Sourced by lab.sh.
#
# Per node, the lab keeps (host side):
#   $STATE/nodes/K/node.env        identity from the profile (NODE_*), incl. the user's password
#   $STATE/nodes/K/authorized_keys the lab's public client key
#   $STATE/nodes/K/control         FIFO to the node's init (reboot, kill-sshd, host-key...)
#   $STATE/nodes/K/console.log     the node's "serial console": its init's output
#   $STATE/nodes/K/unshare.pid     the process holding the node (parent of its PID 1)
#   $STATE/nodes/K/off, unplugged  present while powered off / unplugged
#   $DISK/nodeK/                   its disk: overlay upper/work, fake kernel files, root mount point

# Seconds a node may take to boot. One is ready in ~1.5 s (avahi's probing dominates), 20 in ~6 s
# on 2 cores. LAB_BOOT_TIMEOUT raises it on a slow machine (and lets a test provoke a failure).
NODE_BOOT_TIMEOUT=${LAB_BOOT_TIMEOUT:-20}

node_env_get() { # K VAR -- one value from a node's node.env, without polluting the caller
  (
    # shellcheck source=/dev/null
    source "$(node_dir "$1")/node.env"
    printf '%s' "${!2}"
  )
}

# node_resolve REF -- a node index from an index, host name or namespace name.
node_resolve() {
  local ref=$1 k
  if [[ $ref =~ ^[0-9]+$ ]]; then
    [ -f "$(node_dir "$ref")/node.env" ] || die "no node $ref in lab '$PREFIX'"
    printf '%s' "$ref"
    return
  fi
  for k in $(lab_node_indexes); do
    if [ "$(node_env_get "$k" NODE_HOSTNAME)" = "$ref" ] || [ "$(node_ns "$k")" = "$ref" ]; then
      printf '%s' "$k"
      return
    fi
  done
  die "no node '$ref' in lab '$PREFIX' (use an index, host name or namespace)"
}

# node_find_pid1 K -- set NODE_PID1 to the host PID of node K's init (its PID 1), or to "" when the
# node is off. The holder's command line must name the node's directory, so a recycled PID is
# never mistaken for the node. Builtins only: this runs in polling loops over many nodes.
node_find_pid1() {
  NODE_PID1=""
  local dir="$STATE/nodes/$1" upid="" args=() children=""
  [ -f "$dir/unshare.pid" ] || return 0
  read -r upid <"$dir/unshare.pid" || return 0
  mapfile -d '' args 2>/dev/null <"/proc/$upid/cmdline" || return 0
  [[ " ${args[*]} " == *" $dir "* ]] || return 0
  read -r children 2>/dev/null <"/proc/$upid/task/$upid/children" || true
  NODE_PID1=${children%% *}
}
node_pid1() {
  node_find_pid1 "$1"
  printf '%s' "$NODE_PID1"
}
node_is_running() {
  node_find_pid1 "$1"
  [ -n "$NODE_PID1" ]
}
node_is_off() { ! node_is_running "$1"; }

# True while the process lab.sh started for node K lives (it may not have forked the node's init
# yet: right after node_boot, "not running" only means "not started yet").
node_holder_alive() {
  local upid="" stat=""
  read -r upid <"$STATE/nodes/$1/unshare.pid" || return 1
  read -r stat 2>/dev/null <"/proc/$upid/stat" || return 1
  stat=${stat##*) }
  [[ $stat != Z* ]]
}

# node_create K SPEC [HOSTNAME_OVERRIDE] -- resolve the profile and write the node's records.
node_create() {
  local k=$1 spec=$2 dir
  profile_resolve "$spec" "$k"
  [ -z "${3:-}" ] || NODE_HOSTNAME=$3
  NODE_NS=$(node_ns "$k")
  NODE_ADDR=$(node_addr "$k")
  NODE_MAC=$(profile_mac "$NODE_MAC_OUI" "$k")
  NODE_PASSWORD=""
  if [ "$NODE_PASSWORD_LOGIN" = yes ] || [ "$NODE_SUDO" = password ]; then
    # A fresh random password per node: a test fixture, handed out only by `status --json`.
    NODE_PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=' | cut -c1-16)
  fi
  dir=$(node_dir "$k")
  mkdir -p "$dir"
  chmod 700 "$dir"
  local var
  for var in NODE_INDEX NODE_NS NODE_ADDR NODE_MAC NODE_HOSTNAME NODE_PROFILE NODE_SPEC NODE_BASE NODE_TRAITS \
    NODE_FAMILY NODE_OS NODE_ARCH NODE_KERNEL NODE_MODEL NODE_DT_COMPATIBLE NODE_PI_REVISION NODE_CPUINFO \
    NODE_MEM_KB NODE_SWAP NODE_USER NODE_PASSWORD NODE_SUDO NODE_KEY_LOGIN NODE_PASSWORD_LOGIN NODE_SSHD \
    NODE_SSH_PORT NODE_AVAHI NODE_MDNS_WORKSTATION NODE_MDNS_SSH NODE_OLD_CLUSTER NODE_SAME_NAME NODE_SIM; do
    printf '%s=%q\n' "$var" "${!var}"
  done >"$dir/node.env"
  chmod 600 "$dir/node.env"
  cp "$KEY.pub" "$dir/authorized_keys"
  mkfifo -m 600 "$dir/control"
  : >"$dir/console.log"
}

node_plug() {
  local k=$1
  net_attach "$(node_ns "$k")" "$(node_port "$k")" "$(node_addr "$k")" "$(node_env_get "$k" NODE_MAC)"
}

# node_boot K -- power node K on (its init runs detached: nothing ties it to this shell).
node_boot() {
  local k=$1 dir
  dir=$(node_dir "$k")
  stat -c %s "$dir/console.log" >"$dir/boot.offset"
  run_detached "$dir/console.log" ip netns exec "$(node_ns "$k")" \
    unshare --uts --pid --mount --propagation private --fork --kill-child \
    bash "$LAB_DIR/node/init.sh" "$dir" "$DISK/node$k" "$DISK/mask"
  echo "$DETACHED_PID" >"$dir/unshare.pid"
}

# node_console_read K [OFFSET] -- set CONSOLE to what node K's console printed since OFFSET (default:
# since its last boot). Builtins only, like node_find_pid1.
node_console_read() {
  # Offsets are in bytes (stat -c %s): index the text as bytes too.
  local LC_ALL=C dir="$STATE/nodes/$1" offset=${2:-} text=""
  if [ -z "$offset" ]; then
    offset=0
    [ ! -f "$dir/boot.offset" ] || read -r offset <"$dir/boot.offset"
  fi
  [ ! -f "$dir/console.log" ] || IFS= read -r -d '' text <"$dir/console.log" || true
  CONSOLE=${text:offset}
}

node_console_since() { # K [OFFSET] -- the same, printed
  node_console_read "$@"
  printf '%s' "$CONSOLE"
}

# node_wait_ready K... -- wait until every given node printed "ready" since its boot.
node_wait_ready() {
  local deadline=$((SECONDS + NODE_BOOT_TIMEOUT)) pending=("$@") still k
  while ((${#pending[@]})); do
    still=()
    for k in "${pending[@]}"; do
      node_console_read "$k"
      if [[ $CONSOLE == *" ready boot_id="* ]]; then
        continue
      elif [[ $CONSOLE == *" failed: "* ]] || ! node_holder_alive "$k"; then
        node_boot_failed "$k"
        return 1
      fi
      still+=("$k")
    done
    pending=("${still[@]+"${still[@]}"}")
    ((${#pending[@]})) || break
    if ((SECONDS >= deadline)); then
      log "nodes not ready after ${NODE_BOOT_TIMEOUT}s: ${pending[*]}"
      for k in "${pending[@]}"; do node_boot_failed "$k"; done
      return 1
    fi
    sleep 0.1
  done
}

node_boot_failed() {
  log "node $1 ($(node_env_get "$1" NODE_HOSTNAME)) did not boot; its console:"
  node_console_since "$1" | tail -n 15 | sed 's/^/    /' >&2
}

# node_power_off K -- pull the plug: SIGKILL the node's init, the kernel kills the rest.
node_power_off() {
  local k=$1 pid
  pid=$(node_pid1 "$k")
  [ -n "$pid" ] || return 0
  kill -KILL "$pid" 2>/dev/null || true
  wait_for 5 "node $k to die" node_is_off "$k"
}

# node_control K COMMAND [ARG] -- ask the node's init to do something; wait for its answer.
# Prints the ack line. Fails when the node is off or answers "failed".
node_control() {
  local k=$1 cmd=$2 arg=${3:-} timeout=${4:-20} dir seq offset
  dir=$(node_dir "$k")
  node_is_running "$k" || die "node $k is powered off"
  seq="$cmd-$$-$RANDOM"
  offset=$(stat -c %s "$dir/console.log")
  # Bounded: with the node gone, opening the FIFO for writing would block forever.
  timeout 3 bash -c 'printf "%s %s %s\n" "$2" "$3" "$4" >"$1"' _ "$dir/control" "$seq" "$cmd" "$arg" ||
    die "node $k does not take requests (is it booting?)"
  local deadline=$((SECONDS + timeout))
  while ((SECONDS < deadline)); do
    node_console_read "$k" "$offset"
    if [[ $CONSOLE == *" ack $seq ok"* ]]; then
      return 0
    elif [[ $CONSOLE == *" ack $seq "* ]]; then
      die "node $k: '$cmd' failed: $(tail -n 5 <<<"$CONSOLE")"
    fi
    sleep 0.05
  done
  die "node $k did not answer '$cmd' within ${timeout}s"
}

node_host_key() { # K -- the node's current ed25519 host public key (read from its disk)
  cat "$DISK/node$1/upper/etc/ssh/ssh_host_ed25519_key.pub" 2>/dev/null || true
}

node_state() {
  local k=$1 last
  if [ -f "$(node_dir "$k")/off" ]; then
    echo off
  elif node_is_off "$k"; then
    echo dead # its init died without being told to: see console.log
  else
    last=$(node_console_since "$k" | grep -E ' (ready boot_id=|reboot: stopping)' | tail -n 1)
    case $last in
      "") echo booting ;;
      *"reboot: stopping"*) echo rebooting ;;
      *) echo up ;;
    esac
  fi
}

# node_json K -- everything a test needs to know about node K.
node_json() {
  local k=$1 dir
  dir=$(node_dir "$k")
  (
    # shellcheck source=/dev/null
    source "$dir/node.env"
    # shellcheck source=/dev/null
    os_id=$(source "$LAB_DIR/node/os-release/$NODE_OS" && echo "$ID")
    os_version=$(source "$LAB_DIR/node/os-release/$NODE_OS" && echo "$VERSION_ID")
    os_pretty=$(source "$LAB_DIR/node/os-release/$NODE_OS" && echo "$PRETTY_NAME")
    host_key=$(node_host_key "$k")
    fingerprint=""
    [ -z "$host_key" ] || fingerprint=$(ssh-keygen -lf - <<<"$host_key" | cut -d' ' -f2)
    boot_id=$(cat "$DISK/node$k/kernel/boot_id" 2>/dev/null || true)
    traits=""
    for t in $NODE_TRAITS; do traits+="${traits:+,}$(json_str "$t")"; done
    printf '{"index":%d,"hostname":%s,"namespace":%s,"address":%s,"port":%d,"mac":%s,' \
      "$NODE_INDEX" "$(json_str "$NODE_HOSTNAME")" "$(json_str "$NODE_NS")" "$(json_str "$NODE_ADDR")" \
      "$NODE_SSH_PORT" "$(json_str "$NODE_MAC")"
    printf '"profile":%s,"spec":%s,"base":%s,"traits":[%s],"family":%s,' \
      "$(json_str "$NODE_PROFILE")" "$(json_str "$NODE_SPEC")" "$(json_str "$NODE_BASE")" "$traits" \
      "$(json_str "$NODE_FAMILY")"
    printf '"os":{"id":%s,"versionId":%s,"prettyName":%s},"arch":%s,"kernel":%s,"model":%s,' \
      "$(json_str "$os_id")" "$(json_str "$os_version")" "$(json_str "$os_pretty")" "$(json_str "$NODE_ARCH")" \
      "$(json_str "$NODE_KERNEL")" "$(json_str_or_null "$NODE_MODEL")"
    printf '"swap":%s,"user":%s,"password":%s,"sudo":%s,"keyLogin":%s,"passwordLogin":%s,"sshd":%s,' \
      "$(json_str "$NODE_SWAP")" "$(json_str "$NODE_USER")" "$(json_str_or_null "$NODE_PASSWORD")" \
      "$(json_str "$NODE_SUDO")" "$(json_bool "$NODE_KEY_LOGIN")" "$(json_bool "$NODE_PASSWORD_LOGIN")" \
      "$(json_bool "$NODE_SSHD")"
    printf '"mdns":{"responder":%s,"workstation":%s,"ssh":%s},"oldCluster":%s,' \
      "$(json_bool "$NODE_AVAHI")" "$(json_bool "$NODE_MDNS_WORKSTATION")" "$(json_bool "$NODE_MDNS_SSH")" \
      "$(json_bool "$NODE_OLD_CLUSTER")"
    printf '"state":%s,"unplugged":%s,"impaired":%s,"bootId":%s,"hostKey":%s,"hostKeyFingerprint":%s}' \
      "$(json_str "$(node_state "$k")")" "$([ -f "$dir/unplugged" ] && echo true || echo false)" \
      "$([ -f "$dir/impair" ] && echo true || echo false)" "$(json_str_or_null "$boot_id")" \
      "$(json_str_or_null "$host_key")" "$(json_str_or_null "$fingerprint")"
  )
}

# node_destroy K -- power off, unplug for good, forget.
node_destroy() {
  local k=$1
  impair_stop "$k"
  node_power_off "$k"
  ip netns del "$(node_ns "$k")" 2>/dev/null || true
  rm -rf "$(node_dir "$k")" "${DISK:?}/node$k"
}

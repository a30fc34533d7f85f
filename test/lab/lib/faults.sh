# Faults a test can inject: `lab.sh fault <node> <kind> [options]`. Sourced by lab.sh.
#
#   unplug | replug             pull / reconnect the node's cable (carrier lost on both ends)
#   kill-sshd [--restart]       SIGKILL every sshd process on the node: open sessions drop; with
#                               --restart a fresh listener is started right after
#   start-sshd                  start sshd again after kill-sshd
#   host-key                    new SSH host keys (a re-flashed Pi or an impostor at that address)
#   power-cut                   kill the node's PID 1: everything on it dies, no goodbye; cable dead
#   power-on                    boot it again from its disk (same identity, new boot id)
#   reboot [--down-for S] [--wait]
#                               orderly: services stopped (sessions closed, mDNS goodbye), link
#                               down for S seconds (default 2), new boot id, services started.
#                               Returns once the node is down, or once it is back with --wait.
#   impair [--delay-ms N] [--loss P] | impair --clear
#                               delay (each direction) and random loss on the node's cable

fault() {
  [ "$#" -ge 2 ] || die "usage: lab.sh fault <node> <kind> [options] (kinds: unplug replug kill-sshd start-sshd host-key power-cut power-on reboot impair)"
  local k kind=$2
  k=$(node_resolve "$1")
  shift 2
  local dir
  dir=$(node_dir "$k")
  case $kind in
    unplug)
      touch "$dir/unplugged"
      net_port_set "$(node_port "$k")" down
      ;;
    replug)
      rm -f "$dir/unplugged"
      [ -f "$dir/off" ] || net_port_set "$(node_port "$k")" up
      ;;
    kill-sshd)
      node_control "$k" kill-sshd
      if [ "${1:-}" = --restart ]; then node_control "$k" start-sshd; fi
      ;;
    start-sshd) node_control "$k" start-sshd ;;
    host-key)
      node_control "$k" host-key
      ssh-keygen -lf - <<<"$(node_host_key "$k")" | cut -d' ' -f2
      ;;
    power-cut)
      [ ! -f "$dir/off" ] || die "node $k is already off"
      touch "$dir/off"
      # The NIC dies with the machine: the cable goes dark first, so the FINs and RSTs the kernel
      # sends for the killed processes' sockets never reach anyone, as on a real power cut.
      net_port_set "$(node_port "$k")" down
      node_power_off "$k"
      # The namespace outlives the node. Destroy its TCP sockets too, or their retransmitted FINs
      # would reach clients once the node is powered on again.
      ip netns exec "$(node_ns "$k")" ss --kill --tcp --all >/dev/null 2>&1 ||
        log "could not destroy node $k's old sockets (needs CONFIG_INET_DIAG_DESTROY)"
      ;;
    power-on)
      [ -f "$dir/off" ] || die "node $k is not off"
      rm -f "$dir/off"
      [ -f "$dir/unplugged" ] || net_port_set "$(node_port "$k")" up
      node_boot "$k"
      node_wait_ready "$k"
      ;;
    reboot) fault_reboot "$k" "$@" ;;
    impair) fault_impair "$k" "$@" ;;
    *) die "unknown fault '$kind'" ;;
  esac
}

fault_reboot() {
  local k=$1 down_for=2 wait=no
  shift
  while [ "$#" -gt 0 ]; do
    case $1 in
      --down-for)
        down_for=${2:?--down-for needs seconds}
        shift 2
        ;;
      --wait)
        wait=yes
        shift
        ;;
      *) die "reboot: unknown option '$1'" ;;
    esac
  done
  [[ $down_for =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "reboot: --down-for takes seconds"
  local dir offset
  dir=$(node_dir "$k")
  offset=$(stat -c %s "$dir/console.log")
  node_control "$k" reboot "$down_for"
  # The "ready" that counts is the one after this reboot.
  echo "$offset" >"$dir/boot.offset"
  [ "$wait" = no ] || NODE_BOOT_TIMEOUT=$((NODE_BOOT_TIMEOUT + ${down_for%.*})) node_wait_ready "$k"
}

# impair: the node's port leaves the bridge; the relay joins it to a new veth pair whose other
# end is on the bridge:   node eth0 ══ vK ~~relay~~ jK ══ iK ─ br0
fault_impair() {
  local k=$1 delay=0 loss=0 clear=no
  shift
  while [ "$#" -gt 0 ]; do
    case $1 in
      --delay-ms)
        delay=${2:?--delay-ms needs a value}
        shift 2
        ;;
      --loss)
        loss=${2:?--loss needs a percentage}
        shift 2
        ;;
      --clear)
        clear=yes
        shift
        ;;
      *) die "impair: unknown option '$1'" ;;
    esac
  done
  if [ "$clear" = yes ]; then
    impair_stop "$k"
    return
  fi
  [[ $delay =~ ^[0-9]+$ ]] || die "impair: --delay-ms takes whole milliseconds"
  [[ $loss =~ ^[0-9]+(\.[0-9]+)?$ ]] && awk -v l="$loss" 'BEGIN { exit !(l <= 100) }' ||
    die "impair: --loss takes a percentage 0-100"
  local dir port=v$k inner=i$k outer=j$k
  dir=$(node_dir "$k")
  if [ -f "$dir/impair" ]; then
    impair_kill_relay "$k"
  else
    ip -n "$NS_SW" link add name "$outer" type veth peer name "$inner"
    ip -n "$NS_SW" link set "$inner" master br0 up
    ip -n "$NS_SW" link set "$outer" up
    ip -n "$NS_SW" link set "$port" nomaster
  fi
  printf 'delay_ms=%s loss=%s\n' "$delay" "$loss" >"$dir/impair"
  : >"$dir/impair.log"
  run_detached "$dir/impair.log" ip netns exec "$NS_SW" perl "$LAB_DIR/lib/impair.pl" "$port" "$outer" "$delay" "$loss"
  echo "$DETACHED_PID" >"$dir/impair.pid"
  wait_for 5 "the impairment relay of node $k" grep -q '^relaying' "$dir/impair.log" || {
    cat "$dir/impair.log" >&2
    die "impair: relay did not start"
  }
}

impair_kill_relay() {
  local pidfile
  pidfile="$(node_dir "$1")/impair.pid"
  [ -f "$pidfile" ] || return 0
  local pid
  pid=$(cat "$pidfile")
  if grep -qa impair.pl "/proc/$pid/cmdline" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait_for 3 "relay $pid to exit" impair_relay_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
impair_relay_gone() { ! grep -qa impair.pl "/proc/$1/cmdline" 2>/dev/null; }

impair_stop() {
  local k=$1 dir
  dir=$(node_dir "$k")
  [ -f "$dir/impair" ] || return 0
  impair_kill_relay "$k"
  ip -n "$NS_SW" link del "j$k" 2>/dev/null || true # takes its peer iK with it
  ip -n "$NS_SW" link set "v$k" master br0 2>/dev/null || true
  rm -f "$dir/impair" "$dir/impair.log"
}

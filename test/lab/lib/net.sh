# The fake LAN: one bridge in its own namespace (the "switch"), one veth cable per host. Sourced by
# lab.sh.
#
#   <prefix>-sw    br0 ─┬─ vdesk ══ eth0  <prefix>-desk    NET.1       (tests, the app's services)
#                       ├─ v1    ══ eth0  <prefix>-node1   NET.11
#                       └─ vK    ══ eth0  <prefix>-nodeK   NET.(10+K)
#
# The root namespace is never on the lab LAN: avahi or an mDNS library there would talk to the real
# network. Every cable is created directly between the two namespaces it joins, so two labs never
# compete for interface names in the root namespace.

# IPv6 is off on the lab LAN: nodes advertise IPv4 only, and no link-local addresses or duplicate
# address detection slow bring-up down. Must be set before the namespace gets its interfaces.
net_disable_ipv6() {
  ip netns exec "$1" sh -c \
    'echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6 && echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6'
}

net_create_switch() {
  ip netns add "$NS_SW"
  net_disable_ipv6 "$NS_SW"
  # 224.0.0.x (mDNS) is never snooped, but without snooping nothing depends on IGMP at all.
  ip -n "$NS_SW" link add name br0 type bridge mcast_snooping 0
  ip -n "$NS_SW" link set br0 up
}

# net_attach NAMESPACE PORT ADDRESS [MAC] -- create NAMESPACE and cable its eth0 to the switch.
net_attach() {
  local ns=$1 port=$2 addr=$3 mac=${4:-}
  ip netns add "$ns"
  net_disable_ipv6 "$ns"
  ip -n "$NS_SW" link add name "$port" type veth peer name eth0 netns "$ns"
  # The MAC is set on the host's own end, so ARP on the desk and avahi's workstation name both
  # show it, as they would for a real Pi.
  [ -z "$mac" ] || ip -n "$ns" link set eth0 address "$mac"
  ip -n "$NS_SW" link set "$port" master br0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set eth0 up
  # No default route in a lab namespace: without this, multicast sends fail with ENETUNREACH.
  ip -n "$ns" route add 224.0.0.0/4 dev eth0
}

net_port_set() { # PORT up|down
  ip -n "$NS_SW" link set "$1" "$2"
}

#!/usr/bin/env bash
# FLOTILLA SIMULATOR STAND-IN for modprobe(8) and lsmod(8) -- not kmod. Lab nodes share the
# host's kernel, so a node's modules are a list in /run/flotilla-sim/modules: lost on reboot
# (boot.sh loads /etc/modules-load.d again), and what the kubeadm stand-in's preflight reads.
set -euo pipefail

STATE=/run/flotilla-sim/modules
# Modules this node's kernel "has"; anything else is not found, as on a kernel without it.
KNOWN="overlay br_netfilter nf_conntrack ip_tables iptable_nat iptable_filter ip_vs ip_vs_rr ip_vs_wrr
ip_vs_sh vxlan wireguard"

if [ "$(basename "$0")" = lsmod ]; then
  printf 'Module                  Size  Used by\n'
  for m in "$STATE"/*; do [ -e "$m" ] && printf '%-24s%6d  0\n' "${m##*/}" 16384; done
  exit 0
fi

remove=no
modules=()
for arg in "$@"; do
  case $arg in
    -r | --remove) remove=yes ;;
    -q | --quiet | -v | --verbose | -a | --all) ;;
    -*) echo "modprobe: unrecognized option '$arg' (flotilla-sim)" >&2 && exit 1 ;;
    *) modules+=("${arg//-/_}") ;;
  esac
done
[ "${#modules[@]}" -gt 0 ] || { echo "modprobe: ERROR: missing parameters. See -h." >&2 && exit 1; }
for m in "${modules[@]}"; do
  if ! grep -qw -- "$m" <<<"$KNOWN"; then
    echo "modprobe: FATAL: Module $m not found in directory /lib/modules/$(uname -r)" >&2
    exit 1
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "modprobe: ERROR: could not insert '$m': Operation not permitted" >&2
    exit 1
  fi
  mkdir -p "$STATE"
  if [ "$remove" = yes ]; then rm -f "$STATE/$m"; else : >"$STATE/$m"; fi
done

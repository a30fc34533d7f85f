#!/usr/bin/env bash
# FLOTILLA SIMULATOR STAND-IN for dphys-swapfile (Raspberry Pi OS 12) -- not the real tool. The
# swap file /var/swap exists on the node (the lab made it); turning it on or off edits the node's
# /proc/swaps through the swapon/swapoff stand-ins (node/swap.sh).
#
#   dphys-swapfile setup | swapon | swapoff | install | uninstall
#
# Its service (dphys-swapfile.service: setup + swapon) is enabled on a fresh Pi, so swap comes back
# at every boot until `systemctl disable dphys-swapfile` (and `dphys-swapfile uninstall`).
set -uo pipefail

CONF_SWAPFILE=/var/swap
CONF_SWAPSIZE=
# shellcheck source=/dev/null
[ ! -f /etc/dphys-swapfile ] || . /etc/dphys-swapfile

[ "$(id -u)" = 0 ] || { echo "dphys-swapfile: need root" >&2 && exit 1; }
case ${1:-} in
  setup)
    if [ -f "$CONF_SWAPFILE" ]; then
      echo "want $CONF_SWAPFILE=${CONF_SWAPSIZE:-100}MByte, checking existing: keeping it"
    else
      echo "want $CONF_SWAPFILE=${CONF_SWAPSIZE:-100}MByte, generating swapfile ... of ${CONF_SWAPSIZE:-100}MBytes"
      truncate -s "${CONF_SWAPSIZE:-100}M" "$CONF_SWAPFILE" && chmod 600 "$CONF_SWAPFILE"
    fi
    ;;
  swapon)
    [ -f "$CONF_SWAPFILE" ] || exit 0
    /usr/sbin/swapon "$CONF_SWAPFILE" 2>/dev/null || [ $? = 4 ]
    ;;
  swapoff) /usr/sbin/swapoff "$CONF_SWAPFILE" 2>/dev/null || true ;;
  install)
    "$0" setup && "$0" swapon
    ;;
  uninstall)
    "$0" swapoff
    [ ! -f "$CONF_SWAPFILE" ] || { rm -f "$CONF_SWAPFILE" && echo "removing swapfile"; }
    ;;
  *)
    echo "Usage: dphys-swapfile {setup|swapon|swapoff|install|uninstall}" >&2
    exit 1
    ;;
esac

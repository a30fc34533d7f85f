#!/usr/bin/env bash
# PID 1 of a lab node ("its init"). lab.sh starts it as
#
#   ip netns exec <prefix>-node<K> unshare --uts --pid --mount --propagation private --fork \
#     --kill-child bash node/init.sh <node state dir> <node disk dir> <mask dir>
#
# so the node has its own network (eth0 on the lab bridge), host name, PID and mount namespaces.
# It boots the node:
#   1. root = overlayfs: lower = <mask> over the host's /, upper = the node's dir on the lab disk
#      (a tmpfs owned by lab.sh). Every binary of the machine (sshd, avahi, sudo...) is there, and
#      whatever is written stays in this node, across reboots and power cycles, until `down`.
#   2. first boot only: identity (machine-id, host keys, users, os-release, profile files).
#   3. every boot: fake kernel/firmware files a probe reads (cpuinfo, model, swaps, boot_id...).
#   4. pivot_root into it, start sshd and avahi-daemon, print "ready" on the console.
#   5. serve control requests from lab.sh on the control FIFO (reboot, kill-sshd, start-sshd,
#      host-key) until killed. Killing this process is a power cut: the kernel kills every
#      process of the PID namespace.
# stdout/stderr are the node's "serial console" (<node state dir>/console.log), read by lab.sh.
set -euo pipefail

NODE_DIR=$1 # host side: node.env, control FIFO, console.log
DISK=$2     # host side, on the lab disk: upper/, work/, root/ (mount point), kernel/ (fake files)
MASK=$3     # whiteouts hiding host directories that are none of the node's business
LAB_DIR=$(cd "$(dirname "$0")/.." && pwd)
FILES="$LAB_DIR/node"
ROOT="$DISK/root"
# shellcheck source=/dev/null
source "$NODE_DIR/node.env" # NODE_* written by lab.sh; plain variables, not exported to services

say() { printf '%s %s\n' "$(date -u +%H:%M:%S.%3N)" "$*"; }
trap 'say "failed: line $LINENO: $BASH_COMMAND"' ERR

# ---------------------------------------------------------------------------------------------
# 1. root filesystem
mount_root() {
  local first=no
  [ -d "$DISK/upper" ] || first=yes
  mkdir -p "$DISK/upper" "$DISK/work" "$ROOT" "$DISK/kernel"
  mount -t overlay "node$NODE_INDEX" -o "lowerdir=$MASK:/,upperdir=$DISK/upper,workdir=$DISK/work" "$ROOT"
  FIRST_BOOT=$first
}

# /proc, /sys (of this network namespace), a minimal /dev (no host disks), fresh /run and /tmp.
mount_api_filesystems() {
  mount -t proc proc "$ROOT/proc"
  mount -t sysfs sysfs "$ROOT/sys"
  mount -t tmpfs -o mode=755,size=1m dev "$ROOT/dev"
  local spec name type major minor
  for spec in null:c:1:3 zero:c:1:5 full:c:1:7 random:c:1:8 urandom:c:1:9 tty:c:5:0; do
    IFS=: read -r name type major minor <<<"$spec"
    mknod -m 666 "$ROOT/dev/$name" "$type" "$major" "$minor"
  done
  mkdir "$ROOT/dev/pts" "$ROOT/dev/shm"
  # A private devpts instance: ssh -t sessions get PTYs that are this node's alone.
  mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$ROOT/dev/pts"
  ln -s pts/ptmx "$ROOT/dev/ptmx"
  mount -t tmpfs -o mode=1777 shm "$ROOT/dev/shm"
  ln -s /proc/self/fd "$ROOT/dev/fd"
  ln -s /proc/self/fd/0 "$ROOT/dev/stdin"
  ln -s /proc/self/fd/1 "$ROOT/dev/stdout"
  ln -s /proc/self/fd/2 "$ROOT/dev/stderr"
  mount_volatile "$ROOT"
}

# mount_volatile ROOT -- what a reboot wipes.
mount_volatile() {
  mount -t tmpfs -o mode=755,size=64m run "$1/run"
  mount -t tmpfs -o mode=1777,size=512m tmp "$1/tmp"
}

# ---------------------------------------------------------------------------------------------
# 2. identity, written once on first boot into the node's persistent layer
in_root() { chroot "$ROOT" "$@"; }

# ini_set FILE SECTION KEY VALUE -- set KEY in [SECTION] of an avahi-style ini file.
ini_set() {
  local file=$1 section=$2 key=$3 value=$4
  awk -v s="[$section]" -v k="$key" -v v="$value" '
    $0 == s { insec = 1; print; next }
    /^\[/ { if (insec && !done) { print k "=" v; done = 1 } insec = 0 }
    insec && $0 ~ "^#?" k "=" { if (!done) print k "=" v; done = 1; next }
    { print }
    END { if (!done) { if (!insec) print s; print k "=" v } }
  ' "$file" >"$file.new"
  cat "$file.new" >"$file" && rm "$file.new"
}

provision_identity() {
  printf '%s\n' "$NODE_HOSTNAME" >"$ROOT/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$NODE_HOSTNAME" >"$ROOT/etc/hosts"
  od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$ROOT/etc/machine-id"
  echo >>"$ROOT/etc/machine-id"
  rm -f "$ROOT/var/lib/dbus/machine-id"

  # os-release lives in /usr/lib; /etc/os-release links to it, as on all three distributions.
  cp "$FILES/os-release/$NODE_OS" "$ROOT/usr/lib/os-release"
  ln -sfn ../usr/lib/os-release "$ROOT/etc/os-release"
  case $NODE_OS in
    debian-13) echo 13.1 >"$ROOT/etc/debian_version" ;;
    ubuntu-24.04) echo trixie/sid >"$ROOT/etc/debian_version" ;;
    microos) rm -f "$ROOT/etc/debian_version" ;;
  esac
}

# uname/arch report the profile's kernel and architecture; the real kernel field cannot change.
provision_arch() {
  local host_release
  host_release=$(uname -r | sed 's/[.[\*^$/+]/\\&/g')
  mv "$ROOT/usr/bin/uname" "$ROOT/usr/bin/uname.real"
  cat >"$ROOT/usr/bin/uname" <<EOF
#!/bin/sh
# Flotilla lab stand-in: this node reports kernel $NODE_KERNEL on $NODE_ARCH.
/usr/bin/uname.real "\$@" | sed -e 's/$host_release/$NODE_KERNEL/g' -e 's/x86_64/$NODE_ARCH/g'
EOF
  chmod 755 "$ROOT/usr/bin/uname"
  printf '#!/bin/sh\n# Flotilla lab stand-in\nexec /usr/bin/uname -m\n' >"$ROOT/usr/bin/arch"
  if [ "$NODE_FAMILY" = raspios ]; then
    # apt picks packages by dpkg's architecture: a Pi OS node says arm64 (32-bit Pi OS: armhf).
    local dpkg_arch=arm64
    [ "$NODE_ARCH" = armv7l ] && dpkg_arch=armhf
    mv "$ROOT/usr/bin/dpkg" "$ROOT/usr/bin/dpkg.real"
    cat >"$ROOT/usr/bin/dpkg" <<EOF
#!/bin/sh
# Flotilla lab stand-in: this node claims to be $dpkg_arch.
if [ "\$#" -eq 1 ] && [ "\$1" = --print-architecture ]; then echo $dpkg_arch; exit 0; fi
exec /usr/bin/dpkg.real "\$@"
EOF
    chmod 755 "$ROOT/usr/bin/dpkg"
  fi
}

provision_users() {
  # The host's root password hash and home must not leak in: lock root, fresh /root from skel.
  in_root usermod -p '!' root
  install -d -m 700 "$ROOT/root"
  cp -a "$ROOT/etc/skel/." "$ROOT/root/"
  local home=/root
  if [ "$NODE_USER" != root ]; then
    local groups=sudo g
    for g in adm dialout cdrom audio video plugdev users input netdev; do
      in_root getent group "$g" >/dev/null && groups="$groups,$g"
    done
    in_root useradd --create-home --shell /bin/bash --groups "$groups" "$NODE_USER"
    home=/home/$NODE_USER
  fi
  if [ -n "$NODE_PASSWORD" ]; then
    printf '%s:%s\n' "$NODE_USER" "$NODE_PASSWORD" | in_root chpasswd
  fi
  if [ "$NODE_SUDO" = nopasswd ]; then
    # What cloud-init writes for the default user of Debian and Ubuntu cloud images.
    printf '# Created by cloud-init\n%s ALL=(ALL) NOPASSWD:ALL\n' "$NODE_USER" >"$ROOT/etc/sudoers.d/90-cloud-init-users"
    chmod 440 "$ROOT/etc/sudoers.d/90-cloud-init-users"
  fi
  if [ "$NODE_KEY_LOGIN" = yes ]; then
    install -d -m 700 "$ROOT$home/.ssh"
    cp "$NODE_DIR/authorized_keys" "$ROOT$home/.ssh/authorized_keys"
    chmod 600 "$ROOT$home/.ssh/authorized_keys"
    in_root chown -R "$NODE_USER:" "$home/.ssh"
  fi
}

provision_sshd() {
  rm -f "$ROOT"/etc/ssh/ssh_host_*
  # ed25519 and ecdsa only: RSA key generation would cost ~0.5 s per node on 2 cores.
  ssh-keygen -q -t ed25519 -N '' -C "root@$NODE_HOSTNAME" -f "$ROOT/etc/ssh/ssh_host_ed25519_key"
  ssh-keygen -q -t ecdsa -N '' -C "root@$NODE_HOSTNAME" -f "$ROOT/etc/ssh/ssh_host_ecdsa_key"
  local root_login=prohibit-password
  [ "$NODE_USER" = root ] && [ "$NODE_KEY_LOGIN" = no ] && root_login=yes
  # First match wins in sshd_config, and Debian's includes sshd_config.d/*.conf at the top.
  cat >"$ROOT/etc/ssh/sshd_config.d/10-flotilla-lab.conf" <<EOF
# Written by the Flotilla lab for profile $NODE_PROFILE
Port $NODE_SSH_PORT
HostKey /etc/ssh/ssh_host_ed25519_key
HostKey /etc/ssh/ssh_host_ecdsa_key
PermitRootLogin $root_login
PubkeyAuthentication $NODE_KEY_LOGIN
PasswordAuthentication $NODE_PASSWORD_LOGIN
EOF
}

provision_avahi() {
  local conf="$ROOT/etc/avahi/avahi-daemon.conf"
  ini_set "$conf" server use-ipv6 no      # the lab LAN is IPv4 only
  ini_set "$conf" server enable-dbus no   # no system bus in a node
  ini_set "$conf" server allow-interfaces eth0
  ini_set "$conf" publish publish-workstation "$NODE_MDNS_WORKSTATION"
  if [ "$NODE_MDNS_SSH" = yes ]; then
    # The example service file Debian ships with avahi-daemon, on the node's SSH port.
    cat >"$ROOT/etc/avahi/services/ssh.service" <<EOF
<?xml version="1.0" standalone='no'?><!--*-nxml-*-->
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name replace-wildcards="yes">%h</name>
  <service>
    <type>_ssh._tcp</type>
    <port>$NODE_SSH_PORT</port>
  </service>
</service-group>
EOF
  fi
}

provision_raspios() {
  local release=2025-05-13 codename=bookworm partuuid
  [ "$NODE_OS" = debian-13 ] && release=2026-04-13 codename=trixie
  printf 'Raspberry Pi reference %s\nGenerated using pi-gen, https://github.com/RPi-Distro/pi-gen, lab, stage2\n' \
    "$release" >"$ROOT/etc/rpi-issue"
  printf 'deb http://archive.raspberrypi.com/debian/ %s main\n' "$codename" \
    >"$ROOT/etc/apt/sources.list.d/raspi.list"
  partuuid=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
  mkdir -p "$ROOT/boot/firmware"
  sed "s/@PARTUUID@/$partuuid/" "$FILES/boot-firmware/cmdline.txt" >"$ROOT/boot/firmware/cmdline.txt"
  cp "$FILES/boot-firmware/config.txt" "$ROOT/boot/firmware/config.txt"
  if [[ $NODE_SWAP == file* ]]; then
    # bookworm swaps to a file managed by dphys-swapfile (sparse here: it only has to exist).
    printf 'CONF_SWAPSIZE=%d\n' $((${NODE_SWAP##* } / 1024 + 1)) >"$ROOT/etc/dphys-swapfile"
    truncate -s "$((${NODE_SWAP##* } + 4))K" "$ROOT/var/swap"
    chmod 600 "$ROOT/var/swap"
  fi
}

provision_microos() {
  install -m 755 "$FILES/transactional-update" "$ROOT/usr/sbin/transactional-update"
  # MicroOS has zypper and rpm, not apt; the node must not look like Debian to a probe.
  rm -f "$ROOT"/usr/bin/{apt,apt-get,apt-cache,apt-mark,dpkg,dpkg-query} "$ROOT/etc/apt/sources.list"
}

# Files kubeadm, a CNI and etcd leave behind on a host that was in a cluster and never reset.
provision_old_cluster() {
  local k="$ROOT/etc/kubernetes" pki="$ROOT/etc/kubernetes/pki"
  mkdir -p "$pki/etcd" "$k/manifests" "$ROOT/etc/cni/net.d" "$ROOT/var/lib/etcd/member/snap" \
    "$ROOT/var/lib/etcd/member/wal" "$ROOT/var/lib/kubelet"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 365 \
    -subj /CN=kubernetes -keyout "$pki/ca.key" -out "$pki/ca.crt" 2>/dev/null
  cp "$pki/ca.crt" "$pki/etcd/ca.crt"
  local ca_data
  ca_data=$(base64 -w0 "$pki/ca.crt")
  local conf
  for conf in admin.conf super-admin.conf kubelet.conf controller-manager.conf scheduler.conf; do
    cat >"$k/$conf" <<EOF
apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: $ca_data
    server: https://192.168.1.240:6443
  name: old-homelab
contexts:
- context: {cluster: old-homelab, user: kubernetes-admin}
  name: kubernetes-admin@old-homelab
current-context: kubernetes-admin@old-homelab
users:
- name: kubernetes-admin
  user: {}
EOF
  done
  local pod
  for pod in etcd kube-apiserver kube-controller-manager kube-scheduler; do
    printf 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: %s\n  namespace: kube-system\nspec:\n  containers:\n  - name: %s\n    image: registry.k8s.io/%s:v1.31.4\n' \
      "$pod" "$pod" "$pod" >"$k/manifests/$pod.yaml"
  done
  cat >"$ROOT/etc/cni/net.d/10-flannel.conflist" <<'EOF'
{
  "name": "cbr0",
  "cniVersion": "0.3.1",
  "plugins": [
    { "type": "flannel", "delegate": { "hairpinMode": true, "isDefaultGateway": true } },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
EOF
  head -c 16384 /dev/urandom >"$ROOT/var/lib/etcd/member/snap/db"
  head -c 4096 /dev/urandom >"$ROOT/var/lib/etcd/member/wal/0000000000000000-0000000000000000.wal"
  chmod -R 700 "$ROOT/var/lib/etcd"
  printf 'apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n' \
    >"$ROOT/var/lib/kubelet/config.yaml"
}

provision() {
  say "first boot: provisioning $NODE_PROFILE as $NODE_HOSTNAME"
  provision_identity
  provision_arch
  provision_users
  provision_sshd
  provision_avahi
  case $NODE_FAMILY in
    raspios) provision_raspios ;;
    microos) provision_microos ;;
  esac
  [ "$NODE_OLD_CLUSTER" = no ] || provision_old_cluster
  provision_probe_traits
  case " $NODE_TRAITS " in *" hostile-text "*) provision_hostile_text ;; esac
}

# An untrusted host's text carries terminal escape sequences: a clipboard write (OSC 52), a screen
# clear and a colour, in its SSH identification line (VersionAddendum) and its OS name.
provision_hostile_text() {
  local evil
  evil=$(printf '\033]52;c;cm0gLXJmIH4=\a\033[2J\033[31m')
  sed -i "1i VersionAddendum Evil${evil}X" "$ROOT/etc/ssh/sshd_config.d/10-flotilla-lab.conf"
  sed -i "s/^PRETTY_NAME=\"\(.*\)\"/PRETTY_NAME=\"\1${evil}X\"/" "$ROOT/usr/lib/os-release"
}

# ---------------------------------------------------------------------------------------------
# 3. fake kernel and firmware files, bind-mounted over the real ones (a file over a procfs file is
# allowed; procfs cannot hold new entries, so /proc/device-tree cannot exist -- on a Pi it is a
# link to /sys/firmware/devicetree/base, which can be faked). Their sources live in $DISK/kernel,
# outside the node's root; lab.sh reads boot_id there without logging in.
KFILES="$DISK/kernel"

fake_bind() { # SOURCE-NAME TARGET-PATH-IN-ROOT
  mount --bind "$KFILES/$1" "$ROOT$2"
}

# /proc/cmdline is built from the boot configuration on the node's disk. On Raspberry Pi OS that is
# the firmware's parameters + /boot/firmware/cmdline.txt, so editing cmdline.txt and rebooting
# shows up in /proc/cmdline as on a real Pi. The firmware part is read once, before pivot_root.
FW_PREFIX=$(cat "$FILES/cmdline/raspios-firmware-prefix")

fake_kernel_files() {
  cat /proc/sys/kernel/random/uuid >"$KFILES/boot_id"
  if [ "$NODE_FAMILY" = raspios ]; then
    printf '%s %s\n' "$FW_PREFIX" "$(head -n1 "$ROOT/boot/firmware/cmdline.txt")" >"$KFILES/cmdline"
  else
    # root=UUID=... derived from the machine-id: stable per node, different between nodes.
    local rootuuid
    rootuuid=$(sed -E 's/^(.{8})(.{4})(.{4})(.{4})(.{12}).*/\1-\2-\3-\4-\5/' "$ROOT/etc/machine-id")
    sed -e "s/@KERNEL@/$NODE_KERNEL/" -e "s/@ROOTUUID@/$rootuuid/" "$FILES/cmdline/$NODE_FAMILY" >"$KFILES/cmdline"
  fi

  # Swap: `swapon --show` and `cat /proc/swaps` read /proc/swaps; `free` and `top` read
  # /proc/meminfo. Both are faked from NODE_SWAP so every probe sees the same swap.
  local swap_kb=0 kind dev
  printf 'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n' >"$KFILES/swaps"
  if [ "$NODE_SWAP" != none ]; then
    read -r kind dev swap_kb <<<"$NODE_SWAP"
    local prio=-2
    [ "$kind" = partition ] && prio=100
    printf '%-40s%s\t\t%d\t\t0\t\t%d\n' "$dev" "$kind" "$swap_kb" "$prio" >>"$KFILES/swaps"
  fi
  local mem_kb=${NODE_MEM_KB:-}
  awk -v mem="$mem_kb" -v swap="$swap_kb" '
    /^MemTotal:/ && mem != "" { printf "MemTotal:       %8d kB\n", mem; next }
    /^MemFree:/ && mem != "" { printf "MemFree:        %8d kB\n", mem * 0.7; next }
    /^MemAvailable:/ && mem != "" { printf "MemAvailable:   %8d kB\n", mem * 0.85; next }
    /^SwapTotal:/ { printf "SwapTotal:      %8d kB\n", swap; next }
    /^SwapFree:/ { printf "SwapFree:       %8d kB\n", swap; next }
    /^SwapCached:/ { printf "SwapCached:            0 kB\n"; next }
    { print }
  ' /proc/meminfo >"$KFILES/meminfo"

  fake_bind boot_id /proc/sys/kernel/random/boot_id
  fake_bind cmdline /proc/cmdline
  fake_bind swaps /proc/swaps
  fake_bind meminfo /proc/meminfo
  [ "$NODE_FAMILY" != raspios ] || fake_pi_cgroups

  if [ -n "$NODE_MODEL" ]; then
    local serial
    serial=$(printf '10000000%s' "$(tr -d ':' <<<"${NODE_MAC:9}")ff" | cut -c1-16)
    {
      cat "$FILES/cpuinfo/$NODE_CPUINFO"
      printf 'Revision\t: %s\nSerial\t\t: %s\nModel\t\t: %s\n' "$NODE_PI_REVISION" "$serial" "$NODE_MODEL"
    } >"$KFILES/cpuinfo"
    fake_bind cpuinfo /proc/cpuinfo
    # Device-tree strings are NUL-terminated; `compatible` is a NUL-separated list.
    mount -t tmpfs -o mode=755,size=1m firmware "$ROOT/sys/firmware"
    mkdir -p "$ROOT/sys/firmware/devicetree/base"
    printf '%s\0' "$NODE_MODEL" >"$ROOT/sys/firmware/devicetree/base/model"
    local compatible
    read -r -a compatible <<<"$NODE_DT_COMPATIBLE"
    printf '%s\0' "${compatible[@]}" >"$ROOT/sys/firmware/devicetree/base/compatible"
    printf '%s\0' "$serial" >"$ROOT/sys/firmware/devicetree/base/serial-number"
  fi
}

# ---------------------------------------------------------------------------------------------
# 4. services (run after pivot_root: paths are the node's own)
sshd_running() {
  local pid=""
  [ -f /run/sshd.pid ] && read -r pid </run/sshd.pid && kill -0 "$pid" 2>/dev/null
}

start_sshd() {
  [ "$NODE_SSHD" = yes ] || return 0
  sshd_running && return 0
  install -d -m 755 /run/sshd
  rm -f /run/sshd.pid
  /usr/sbin/sshd -E /var/log/sshd.log
  # sshd writes its PID file once it is listening.
  for _ in $(seq 1 100); do
    sshd_running && return 0
    sleep 0.05
  done
  say "sshd did not start; /var/log/sshd.log:"
  tail -n 5 /var/log/sshd.log
  return 1
}

start_avahi() {
  [ "$NODE_AVAHI" = yes ] || return 0
  local log=/var/log/avahi-daemon.log services
  services=$(find /etc/avahi/services -name '*.service' | wc -l)
  # No D-Bus in a node, so no `avahi-daemon -D` with syslog: foreground, logging to a file that
  # tells when the host name (and each static service) is established.
  avahi-daemon --no-proc-title >"$log" 2>&1 &
  # Polled with builtins only: twenty nodes boot at once on two cores.
  local text rest established
  for _ in $(seq 1 100); do
    text=""
    IFS= read -r -d '' text <"$log" || true
    if [[ $text == *"Server startup complete"* ]]; then
      established=0 rest=$text
      while [[ $rest == *"successfully established"* ]]; do
        rest=${rest#*successfully established}
        established=$((established + 1))
      done
      ((established < services)) || return 0
    fi
    sleep 0.1
  done
  say "avahi-daemon did not establish its records; $log:"
  tail -n 5 "$log"
  return 1
}

link_up() {
  ip link set eth0 up
  # Routes through eth0 vanish when the link goes down. Without a multicast route, mDNS sends fail
  # with ENETUNREACH (the namespace has no default route).
  ip route replace 224.0.0.0/4 dev eth0
  # Trait dhcp: the address is a lease, as a DHCP client leaves it: a finite lifetime, so the
  # kernel drops IFA_F_PERMANENT and `ip` prints "dynamic". A day outlasts any lab run, and every
  # boot renews it, as a client does.
  if has_trait dhcp; then ip addr change "$NODE_ADDR/24" dev eth0 valid_lft 86400 preferred_lft 86400; fi
}

# Boot hooks: executables a layer on top of the lab puts in the node (the simulator's boot.sh
# plays systemd's part). Each runs twice: `early` before sshd (kernel modules and sysctls, which a
# real boot applies before the network is up) and `late` after avahi (services). A failing hook
# is reported, not fatal.
run_boot_hooks() {
  local hook
  for hook in /etc/flotilla-lab/boot.d/*; do
    [ -x "$hook" ] || continue
    "$hook" "$1" || say "boot hook $hook $1 failed"
  done
}

start_services() {
  link_up
  run_boot_hooks early
  start_sshd
  start_avahi
  run_boot_hooks late
  say "ready boot_id=$(cat /proc/sys/kernel/random/boot_id) hostname=$(hostname)"
}

# Everything but PID 1 gets TERM (sshd closes sessions, avahi says goodbye), then KILL.
stop_everything() {
  kill -TERM -1 2>/dev/null || true
  for _ in $(seq 1 30); do
    others_alive || return 0
    sleep 0.1
  done
  kill -KILL -1 2>/dev/null || true
  for _ in $(seq 1 30); do
    others_alive || return 0
    sleep 0.1
  done
}
others_alive() {
  local p
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    [ "$p" = 1 ] || [ "$p" = "$BASHPID" ] || return 0
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
# 5. control requests: "<seq> <command> [arg]" on fd 3; answers "ack <seq> ok|failed" on console.
do_reboot() {
  local down_for=$1
  say "reboot: stopping services"
  stop_everything
  ip link set eth0 down # the NIC goes away while the machine restarts
  say "ack $SEQ ok (down)"
  sleep "$down_for"
  umount -l /run /tmp
  mount_volatile ""
  cat /proc/sys/kernel/random/uuid >/proc/sys/kernel/random/boot_id
  if [ "$NODE_FAMILY" = raspios ]; then
    printf '%s %s\n' "$FW_PREFIX" "$(head -n1 /boot/firmware/cmdline.txt)" >/proc/cmdline
    pi_cgroup_view /proc/cmdline /sys/fs/cgroup/cgroup.controllers /proc/cgroups
  fi
  hostname "$(cat /etc/hostname)"
  start_services
}

# Like a crash: every sshd process (listener and sessions) dies at once, connections drop.
do_kill_sshd() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(cat "$p/comm" 2>/dev/null)" = sshd ] && kill -KILL "${p#/proc/}" 2>/dev/null
  done
  rm -f /run/sshd.pid
  say "ack $SEQ ok"
}

do_start_sshd() {
  start_sshd
  say "ack $SEQ ok"
}

# A re-flashed Pi or an impostor at the same address: new host keys. sshd reloads them on SIGHUP.
do_host_key() {
  local listening
  listening=$(grep -c 'Server listening on' /var/log/sshd.log 2>/dev/null || true)
  rm -f /etc/ssh/ssh_host_*
  ssh-keygen -q -t ed25519 -N '' -C "root@$(hostname)" -f /etc/ssh/ssh_host_ed25519_key
  ssh-keygen -q -t ecdsa -N '' -C "root@$(hostname)" -f /etc/ssh/ssh_host_ecdsa_key
  if sshd_running; then
    kill -HUP "$(cat /run/sshd.pid)"
      for _ in $(seq 1 100); do
      [ "$(grep -c 'Server listening on' /var/log/sshd.log)" -gt "$listening" ] && break
      sleep 0.05
    done
  fi
  say "ack $SEQ ok"
}

serve() {
  local cmd arg
  while :; do
    read -r -u 3 SEQ cmd arg || continue
    set +e
    case $cmd in
      reboot) (set -e && do_reboot "${arg:-2}") ;;
      kill-sshd) (set -e && do_kill_sshd) ;;
      start-sshd) (set -e && do_start_sshd) ;;
      host-key) (set -e && do_host_key) ;;
      *) false ;;
    esac
    local rc=$?
    set -e
    [ "$rc" = 0 ] || say "ack $SEQ failed ($cmd)"
  done
}

# ---------------------------------------------------------------------------------------------
# Probe and readiness traits (issue 11, items 10-14): hosts Flotilla's probe misjudged.
has_trait() { [[ " $NODE_TRAITS " == *" $1 "* ]]; }

provision_probe_traits() {
  # os-release(5) allows /usr/lib/os-release alone (no /etc/os-release): MicroOS variants.
  if has_trait os-release-usr-lib; then rm -f "$ROOT/etc/os-release"; fi
  # An rc file that greets every shell of the login user, even `ssh host cmd` (Debian's bash reads
  # ~/.bashrc when sshd runs it), on stdout and on stderr, before the usual "not interactive" return.
  if has_trait login-banner; then
    local home=/root rc
    [ "$NODE_USER" = root ] || home=/home/$NODE_USER
    rc="$ROOT$home/.bashrc"
    {
      cat <<'EOF'
# Flotilla lab trait login-banner: greets every shell, even non-interactive ones.
echo "Welcome to $(hostname)! Backups: none. Have a nice day."
echo "2 updates can be applied immediately." >&2
EOF
      cat "$rc" 2>/dev/null || true
    } >"$rc.new"
    mv "$rc.new" "$rc"
    in_root chown "$NODE_USER:" "$home/.bashrc"
  fi
  # What `kubeadm reset` leaves: the directories, emptied. /var/lib/kubelet 0700 root and an etcd
  # data directory 0700 owned by etcd: a non-root user cannot even list them.
  if has_trait reset-leftovers; then
    in_root getent passwd etcd >/dev/null ||
      in_root useradd --system --no-create-home --home-dir /var/lib/etcd --shell /usr/sbin/nologin etcd
    install -d -m 755 "$ROOT/etc/kubernetes" "$ROOT/etc/kubernetes/manifests" "$ROOT/etc/kubernetes/pki"
    install -d -m 700 "$ROOT/var/lib/kubelet" "$ROOT/var/lib/etcd"
    in_root chown etcd: /var/lib/etcd
  fi
}

# pi_cgroup_view CMDLINE CONTROLLERS CGROUPS -- the running kernel's memory cgroup, as a Pi's
# kernel decides it: Raspberry Pi kernels long disabled the memory controller unless the command
# line has cgroup_enable=memory; newer ones enable it by default (trait memcg-default-on). The last
# cgroup_enable/cgroup_disable=memory wins. Pi OS 12+ runs cgroup v2: cgroup.controllers of the
# root, and /proc/cgroups with hierarchy 0.
pi_cgroup_view() {
  local memory=0 word controllers c
  has_trait memcg-default-on && memory=1
  for word in $(cat "$1"); do
    case $word in
      cgroup_enable=memory) memory=1 ;;
      cgroup_disable=memory) memory=0 ;;
    esac
  done
  controllers="cpuset cpu io memory hugetlb pids rdma misc"
  [ "$memory" = 1 ] || controllers=${controllers/memory /}
  printf '%s\n' "$controllers" >"$2"
  {
    printf '#subsys_name\thierarchy\tnum_cgroups\tenabled\n'
    for c in cpuset cpu cpuacct blkio memory devices freezer net_cls perf_event net_prio pids; do
      printf '%s\t0\t%d\t%d\n' "$c" 64 "$([ "$c" != memory ] || [ "$memory" = 1 ] && echo 1 || echo 0)"
    done
  } >"$3"
}

# Before pivot_root: a tmpfs for /sys/fs/cgroup (sysfs cannot hold new files), /proc/cgroups bound.
fake_pi_cgroups() {
  mount -t tmpfs -o mode=755,size=1m cgroup "$ROOT/sys/fs/cgroup"
  : >"$KFILES/cgroups"
  pi_cgroup_view "$KFILES/cmdline" "$ROOT/sys/fs/cgroup/cgroup.controllers" "$KFILES/cgroups"
  fake_bind cgroups /proc/cgroups
}

# ---------------------------------------------------------------------------------------------
boot() {
  mount_root
  mount_api_filesystems
  [ "$FIRST_BOOT" = no ] || provision
  hostname "$(cat "$ROOT/etc/hostname")"
  fake_kernel_files
  # The simulator's stand-ins, refreshed from the checkout on every power-on (the checkout is
  # hidden once the node's root is in place).
  # The lab's upstream host (started by lab.sh before sim nodes boot) lends them its CA and names.
  [ "${NODE_SIM:-no}" = no ] || bash "$LAB_DIR/sim/install.sh" "$ROOT" "$LAB_DIR/../.." "$NODE_DIR/../../upstream"
  # The control FIFO stays open across pivot_root: the only link back to lab.sh.
  exec 3<>"$NODE_DIR/control"
  cd "$ROOT"
  mkdir -p .lab-oldroot
  pivot_root . .lab-oldroot
  cd /
  umount -l /.lab-oldroot
  rmdir /.lab-oldroot
  start_services
}

boot
trap - ERR
serve

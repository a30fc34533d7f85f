import { sh, type ShellCommand } from '../ssh/shell-command'
import { NETWORK_SECTIONS } from './probe-network'

/** Starts every section of the probe's output; a line no file or command here prints. */
export const SECTION_MARK = '@@flotilla-probe@@'

/** Kubernetes ports worth knowing about before installing anything. */
export const WATCHED_PORTS = [6443, 2379, 2380, 10250, 8404] as const

/** Defines `s NAME`, which starts a section: a blank line, then the mark and the name. */
export const SECTION_FUNCTION = sh`s() { printf '\n%s %s\n' ${SECTION_MARK} "$1"; }`

/** os-release(5): /etc/os-release if it exists, else /usr/lib/os-release (MicroOS may have only that). */
export const READ_OS_RELEASE = sh`for f in /etc/os-release /usr/lib/os-release; do if [ -f "$f" ]; then cat "$f"; break; fi; done`

/** Where an old cluster leaves files (kubeadm, its CNI and etcd; k3s). */
export const LEFTOVER_DIRS = [
  '/etc/kubernetes',
  '/etc/cni/net.d',
  '/var/lib/etcd',
  '/var/lib/kubelet',
  '/etc/rancher/k3s',
  '/var/lib/rancher/k3s',
] as const

/**
 * Leftovers of an old cluster: a line per directory holding any file (empty directories are what
 * `kubeadm reset` leaves, and kubeadm's preflight accepts them), "? DIR" for one that could not be
 * read, neither as the user nor with `sudo -n` (passwordless sudo). Never a verdict on what could
 * not be read: /var/lib/kubelet and /var/lib/etcd are 0700. `find … || echo ?` marks a failed read
 * even when part of the tree was readable; a file found first still counts.
 */
export const LEFTOVER_CHECK = sh`lo() { { $1 find "$2" -mindepth 1 ! -type d 2>/dev/null || echo '?'; } | head -n 1; }
for d in ${[...LEFTOVER_DIRS]}; do [ -d "$d" ] || continue; r=$(lo '' "$d"); if [ "$r" = '?' ]; then r=$(lo 'sudo -n' "$d"); fi; case $r in '') ;; '?') echo "? $d" ;; *) echo "$d" ;; esac; done`

/**
 * Everything identification needs, in one POSIX sh script and so one round trip: each section
 * starts with a mark line and its name. No sudo that could ask for a password (a Pi's does): only
 * `sudo -n`, for what the user cannot read. No `${}` (this is a JS template), only reads. The
 * clock comes last so its value is as close as possible to when the output arrives on this computer.
 */
export function probeScript(): ShellCommand {
  return sh`LC_ALL=C; export LC_ALL
${SECTION_FUNCTION}
s os-release; ${READ_OS_RELEASE}
s rpi-issue; [ -f /etc/rpi-issue ] && echo yes
s arch; uname -m
s kernel; uname -r
s hostname; cat /proc/sys/kernel/hostname
s model; if [ -r /proc/device-tree/model ]; then tr -d '\\000' < /proc/device-tree/model; elif [ -r /sys/firmware/devicetree/base/model ]; then tr -d '\\000' < /sys/firmware/devicetree/base/model; fi
s cpuinfo; grep -E '^(Model|Hardware)[[:space:]]*:' /proc/cpuinfo 2>/dev/null
s cpus; getconf _NPROCESSORS_ONLN 2>/dev/null || nproc
s meminfo; grep -E '^(MemTotal|SwapTotal):' /proc/meminfo
s swaps; cat /proc/swaps 2>/dev/null
s df; df -Pk / 2>/dev/null | tail -n 1
s cgroup-controllers; cat /sys/fs/cgroup/cgroup.controllers 2>/dev/null
s cgroups; cat /proc/cgroups 2>/dev/null
s cmdline; cat /proc/cmdline 2>/dev/null
s firmware-cmdline; for f in /boot/firmware/cmdline.txt /boot/cmdline.txt; do if [ -f "$f" ]; then echo "$f"; break; fi; done
s runtimes; for x in containerd crio docker podman k3s kubelet kubeadm; do command -v "$x" >/dev/null 2>&1 && echo "$x"; done; for x in /run/containerd/containerd.sock /var/run/crio/crio.sock /var/run/cri-dockerd.sock /run/k3s/containerd/containerd.sock; do [ -S "$x" ] && echo "$x"; done
s leftovers; ${LEFTOVER_CHECK}
s processes; for p in /proc/[0-9]*; do read -r c 2>/dev/null < "$p/comm" || continue; case "$c" in kubelet|k3s*|etcd|kube-apiserver|kube-proxy) echo "$c";; esac; done
s listen; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null
${NETWORK_SECTIONS}
s machine-id; cat /etc/machine-id 2>/dev/null
s clock; date +%s%N
s end
`
}

/**
 * What `ssh check` asks a host, framed like the probe so that nothing else a host prints (a login
 * banner from an rc file, a missing os-release) can shift an answer into the wrong field: the login
 * name, the OS (os-release(5) order), and how sudo behaves.
 */
export function loginCheckScript(): ShellCommand {
  return sh`LC_ALL=C; export LC_ALL
${SECTION_FUNCTION}
s user; id -un
s os-release; ${READ_OS_RELEASE}
s sudo; if [ "$(id -u)" = 0 ]; then echo root; elif sudo -n true 2>/dev/null; then echo nopasswd; else echo password; fi
s end
`
}

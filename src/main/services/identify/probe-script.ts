import { sh, type ShellCommand } from '../ssh/shell-command'

/** Starts every section of the probe's output; a line no file or command here prints. */
export const SECTION_MARK = '@@flotilla-probe@@'

/** Kubernetes ports worth knowing about before installing anything. */
export const WATCHED_PORTS = [6443, 2379, 2380, 10250, 8404] as const

/**
 * Everything identification needs, in one POSIX sh script and so one round trip: each section
 * starts with a mark line and its name. No sudo (a Pi's sudo asks for a password), no `${}` (this
 * is a JS template), only reads. The clock comes last so its value is as close as possible to
 * when the output arrives on this computer.
 */
export function probeScript(): ShellCommand {
  return sh`LC_ALL=C; export LC_ALL
s() { printf '\n%s %s\n' ${SECTION_MARK} "$1"; }
s os-release; cat /etc/os-release 2>/dev/null
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
s leftovers; for d in /etc/kubernetes /etc/cni/net.d /var/lib/etcd /var/lib/kubelet /etc/rancher/k3s /var/lib/rancher/k3s; do if [ -d "$d" ] && { [ ! -r "$d" ] || [ -n "$(ls -A "$d" 2>/dev/null)" ]; }; then echo "$d"; fi; done
s processes; for p in /proc/[0-9]*; do read -r c 2>/dev/null < "$p/comm" || continue; case "$c" in kubelet|k3s*|etcd|kube-apiserver|kube-proxy) echo "$c";; esac; done
s listen; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null
s machine-id; cat /etc/machine-id 2>/dev/null
s clock; date +%s%N
s end
`
}

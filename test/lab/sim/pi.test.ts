/**
 * A Raspberry Pi OS 13 node as it comes: swap on (rpi-swap's zram), and a cmdline.txt without the
 * memory cgroup. The stand-ins refuse it the way the real kubelet does; `swapoff -a` alone lasts
 * until the next boot; swap disabled the rpi-swap way (swap.conf(5): a drop-in with
 * Mechanism=none), cmdline.txt fixed and the Pi rebooted, kubeadm init succeeds with the kubelet's
 * defaults (domain.md §6). Driven over SSH with sudo's password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useLab, waitUntil, type Lab, type LabNode } from '../harness'
import { sshExec } from '../ssh'

let lab: Lab
let pi: LabNode

beforeAll(async () => {
  lab = await useLab({ profiles: ['pi5+sim'] })
  pi = lab.nodes[0]!
})
afterAll(() => lab?.dispose())

// The Pi's user must type its password for sudo: the script goes to a file first, then runs under
// one `sudo -S` that reads the password from stdin.
const asRoot = (script: string, timeoutMs = 60_000) =>
  sshExec(
    pi,
    `printf %s ${Buffer.from(script).toString('base64')} | base64 -d >/tmp/sim-script.sh && sudo -S -p '' bash /tmp/sim-script.sh`,
    { input: `${pi.password}\n`, timeoutMs },
  )

// The install guides' commands, against the lab's upstream: kubelet/kubeadm/kubectl from
// pkgs.k8s.io, containerd.io from Docker's repository with the Pi's architecture (arm64).
const K8S = 'https://pkgs.k8s.io/core:/stable:/v1.32/deb/'
const PREPARE = [
  'set -e',
  'mkdir -p -m 755 /etc/apt/keyrings',
  `curl -fsSL ${K8S}Release.key | gpg --dearmor -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg`,
  `echo 'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] ${K8S} /' > /etc/apt/sources.list.d/kubernetes.list`,
  'curl -fsSL https://download.docker.com/linux/debian/gpg -o /etc/apt/keyrings/docker.asc',
  'echo "deb [arch=$(dpkg --print-architecture) signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian $(. /etc/os-release && echo "$VERSION_CODENAME") stable" > /etc/apt/sources.list.d/docker.list',
  'apt-get update -qq',
  'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq containerd.io kubelet kubeadm kubectl >/dev/null',
  'apt-mark hold kubelet kubeadm kubectl >/dev/null',
  'systemctl enable kubelet 2>/dev/null',
  'echo br_netfilter > /etc/modules-load.d/k8s.conf',
  'modprobe br_netfilter',
  'echo net.ipv4.ip_forward=1 > /etc/sysctl.d/k8s.conf',
  'sysctl -q -p /etc/sysctl.d/k8s.conf',
  'mkdir -p /etc/containerd',
  "containerd config default | sed 's/SystemdCgroup = false/SystemdCgroup = true/' > /etc/containerd/config.toml",
  'systemctl restart containerd',
].join('\n')

const config = (kubelet: string) => `apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint:
  advertiseAddress: ${pi.address}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
encryptionAlgorithm: ECDSA-P256
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
${kubelet}`

const init = (kubelet: string) =>
  asRoot(
    `kubeadm reset -f >/dev/null 2>&1\ncat > /tmp/kubeadm.yaml <<'EOF'\n${config(kubelet)}\nEOF\nkubeadm init --config /tmp/kubeadm.yaml; echo "rc=$?"; journalctl -u kubelet -n 2`,
  )

describe('a Raspberry Pi as it comes', () => {
  it('warns about swap, and its kubelet refuses to run with swap on', async () => {
    const prepared = await asRoot(PREPARE)
    expect(prepared.code, prepared.stderr).toBe(0)
    expect((await sshExec(pi, "dpkg-query -W -f '${Package}:${Architecture}\\n' containerd.io")).stdout).toBe(
      'containerd.io:arm64\n',
    )
    const r = await init('cgroupDriver: systemd')
    expect(r.stderr).toContain('[WARNING Swap]: swap is supported for cgroup v2 only')
    expect(r.stdout).toContain('rc=1')
    expect(r.stdout).toContain(
      'running with swap on is not supported, please disable swap or set --fail-swap-on flag to false',
    )
  })

  it('with swap tolerated, its kubelet still refuses: no memory cgroup', async () => {
    const r = await init('failSwapOn: false')
    expect(r.stdout).toContain('rc=1')
    expect(r.stdout).toContain('Following Cgroup subsystem not mounted: [memory]')
  })

  const rebootAndWait = async () => {
    await lab.refresh()
    const before = pi.bootId
    const r = await asRoot("(nohup sh -c 'sleep 1; systemctl reboot' >/dev/null 2>&1 &)")
    expect(r.code).toBe(0)
    await waitUntil(
      'the Pi to come back',
      async () => {
        const b = await sshExec(pi, 'cat /proc/sys/kernel/random/boot_id', { timeoutMs: 3000, connectTimeoutS: 1 })
        return b.code === 0 && b.stdout.trim() !== before
      },
      30_000,
      500,
    )
  }
  const swapLines = async () => (await sshExec(pi, 'tail -n +2 /proc/swaps | wc -l')).stdout.trim()

  it('swapoff -a lasts until the next boot: rpi-swap sets zram up again', async () => {
    expect(await swapLines()).toBe('1')
    expect((await asRoot('swapoff -a')).code).toBe(0)
    expect(await swapLines()).toBe('0')
    await rebootAndWait()
    expect(await swapLines()).toBe('1')
  }, 60_000)

  it('with swap disabled the rpi-swap way and cmdline.txt fixed, after a reboot kubeadm init succeeds', async () => {
    const fixed = await asRoot(
      [
        'set -e',
        'swapoff -a',
        'mkdir -p /etc/rpi/swap.conf.d',
        "printf '[Main]\\nMechanism=none\\n' > /etc/rpi/swap.conf.d/90-disable-swap.conf",
        "sed -i '1 s/$/ cgroup_memory=1 cgroup_enable=memory/' /boot/firmware/cmdline.txt",
      ].join('\n'),
    )
    expect(fixed.code, fixed.stderr).toBe(0)
    await rebootAndWait()
    expect((await sshExec(pi, 'cat /proc/cmdline')).stdout).toContain('cgroup_enable=memory')
    expect(await swapLines()).toBe('0')
    // containerd is enabled (its package did that), modules and sysctls come back from their files.
    await waitUntil(
      'containerd to be started',
      async () => (await sshExec(pi, 'systemctl is-active containerd')).stdout === 'active\n',
      15_000,
      300,
    )
    const r = await init('cgroupDriver: systemd')
    expect(r.stdout).toContain('rc=0')
    expect(r.stderr).not.toContain('[WARNING Swap]')
    expect(r.stdout).toContain('Your Kubernetes control-plane has initialized successfully!')
  }, 90_000)
})

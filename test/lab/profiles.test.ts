/**
 * Every profile comes up and answers SSH with the identity it claims. Expectations are written
 * here from what the real hosts look like (domain.md §6, §9), not read back from lab.sh, so a
 * wrong profile definition fails.
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Lab, type LabNode, useLab } from './harness'
import { fingerprint, run, sshExec, sshKeyscan, tcpConnect } from './ssh'

interface Expected {
  osId: string
  osVersion: string | null
  arch: 'aarch64' | 'x86_64'
  model: RegExp | null
  user: string
  sudo: 'password' | 'nopasswd' | 'root'
  oui: string | null
  keyLogin: boolean
  passwordLogin: boolean
  sshd: boolean
  port: number
  swap: boolean
}

const PI4: Expected = {
  osId: 'debian',
  osVersion: '12',
  arch: 'aarch64',
  model: /^Raspberry Pi 4 Model B Rev \d\.\d$/,
  user: 'pi',
  sudo: 'password',
  oui: 'dc:a6:32',
  keyLogin: true,
  passwordLogin: true,
  sshd: true,
  port: 22,
  swap: true,
}
const PI5: Expected = { ...PI4, osVersion: '13', model: /^Raspberry Pi 5 Model B Rev \d\.\d$/, oui: '2c:cf:67' }
const MICROOS: Expected = {
  osId: 'opensuse-microos',
  osVersion: null,
  arch: 'x86_64',
  model: null,
  user: 'root',
  sudo: 'root',
  oui: null,
  keyLogin: true,
  passwordLogin: false,
  sshd: true,
  port: 22,
  swap: false,
}
const DEBIAN: Expected = { ...MICROOS, osId: 'debian', osVersion: '12', user: 'debian', sudo: 'nopasswd' }

const EXPECTED: Record<string, Expected> = {
  pi4: PI4,
  pi5: PI5,
  microos: MICROOS,
  'microos-pi': { ...MICROOS, arch: 'aarch64', model: /^Raspberry Pi 4 Model B/, oui: 'e4:5f:01' },
  'debian-sudo-nopass': DEBIAN,
  'ubuntu-sudo-nopass': { ...DEBIAN, osId: 'ubuntu', osVersion: '24.04', user: 'ubuntu' },
  'ssh-port-2222': { ...DEBIAN, port: 2222 },
  'password-only': { ...PI4, keyLogin: false },
  'mdns-no-ssh': { ...PI5, sshd: false },
  'old-cluster': DEBIAN,
  'name-clash': PI4,
}
const PROFILES = Object.keys(EXPECTED)
const WITH_SSH = PROFILES.filter((p) => EXPECTED[p]?.sshd)
const PI_OS = WITH_SSH.filter((p) => EXPECTED[p]?.user === 'pi')

const REPO = fileURLToPath(new URL('../..', import.meta.url))

let lab: Lab
const node = (profile: string): LabNode => lab.node(profile)
const expected = (profile: string): Expected => {
  const e = EXPECTED[profile]
  if (!e) throw new Error(`no expectation for ${profile}`)
  return e
}

/** One round trip that reports what a probe would look at, as key=value lines. */
const PROBE = [
  '. /etc/os-release',
  'echo "id=$ID"',
  'echo "version=$VERSION_ID"',
  'echo "arch=$(uname -m)"',
  'echo "user=$(id -un)"',
  'echo "hostname=$(hostname)"',
  `echo "dtmodel=$(tr -d '\\0' </sys/firmware/devicetree/base/model 2>/dev/null)"`,
  `echo "cpumodel=$(sed -n 's/^Model[[:space:]]*: //p' /proc/cpuinfo)"`,
  'echo "machineid=$(cat /etc/machine-id)"',
  'echo "bootid=$(cat /proc/sys/kernel/random/boot_id)"',
  `echo "repo=$(test -e '${REPO}' && echo visible || echo hidden)"`,
].join('; ')

function parse(out: string): Record<string, string> {
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  )
}

describe('profiles', () => {
  const probes = new Map<string, Record<string, string>>()

  beforeAll(async () => {
    lab = await useLab({ profiles: PROFILES })
  })
  afterAll(async () => {
    await lab?.dispose()
  })

  it('brings every profile up with the address, port and user it describes', () => {
    expect(lab.nodes.map((n) => n.profile)).toEqual(PROFILES)
    for (const n of lab.nodes) {
      const e = expected(n.profile)
      expect(n.state, n.profile).toBe('up')
      expect(n.user, n.profile).toBe(e.user)
      expect(n.port, n.profile).toBe(e.port)
      expect(n.address, n.profile).toMatch(new RegExp(`^${lab.net.split('.').slice(0, 3).join('\\.')}\\.\\d+$`))
    }
    expect(new Set(lab.nodes.map((n) => n.address)).size).toBe(PROFILES.length)
  })

  // SSH round trips (and sudo's failure delays) are mostly waiting: run each group concurrently,
  // with the test-local `expect` that concurrent tests need.
  it.concurrent.for(WITH_SSH)(
    '%s answers SSH with the OS, model, architecture and user it claims',
    async (profile, { expect }) => {
      const n = node(profile)
      const e = expected(profile)
      const r = await sshExec(n, PROBE)
      expect(r.code, r.stderr).toBe(0)
      const got = parse(r.stdout)
      probes.set(profile, got)
      expect(got.id).toBe(e.osId)
      if (e.osVersion) expect(got.version).toBe(e.osVersion)
      expect(got.arch).toBe(e.arch)
      expect(got.user).toBe(e.user)
      expect(got.hostname).toBe(n.hostname)
      if (e.model) {
        expect(got.dtmodel).toMatch(e.model)
        expect(got.cpumodel).toBe(got.dtmodel)
      } else {
        expect(got.dtmodel).toBe('')
        expect(got.cpumodel).toBe('')
      }
      expect(got.machineid).toMatch(/^[0-9a-f]{32}$/)
      expect(got.bootid).toBe(n.bootId)
      // The node's root is the host's / underneath, but the host's checkout is hidden.
      expect(got.repo).toBe('hidden')
    },
  )

  it('gives every host its own machine-id and boot id', () => {
    const ids = [...probes.values()]
    expect(ids.length).toBe(WITH_SSH.length)
    expect(new Set(ids.map((p) => p.machineid)).size).toBe(ids.length)
    expect(new Set(ids.map((p) => p.bootid)).size).toBe(ids.length)
  })

  it('gives every host its own SSH host key, the one lab status reports', async () => {
    const fps = new Set<string>()
    for (const profile of WITH_SSH) {
      const n = node(profile)
      const keys = await sshKeyscan(n)
      expect(keys.length, profile).toBe(1)
      const fp = await fingerprint(keys[0] ?? '')
      expect(fp, profile).toBe(n.hostKeyFingerprint)
      fps.add(fp)
    }
    expect(fps.size).toBe(WITH_SSH.length)
    // ...and none of them is this machine's own key.
    const hostKey = await run('cat', ['/etc/ssh/ssh_host_ed25519_key.pub'], process.env)
    if (hostKey.code === 0) expect(fps.has(await fingerprint(hostKey.stdout.trim()))).toBe(false)
  })

  it.concurrent.for(WITH_SSH)('%s takes exactly the logins it should', async (profile, { expect }) => {
    const n = node(profile)
    const e = expected(profile)
    const byKey = await sshExec(n, 'true', { auth: 'key' })
    expect(byKey.code === 0, `key login: ${byKey.stderr}`).toBe(e.keyLogin)
    if (n.password) {
      const byPassword = await sshExec(n, 'true', { auth: 'password' })
      expect(byPassword.code === 0, `password login: ${byPassword.stderr}`).toBe(e.passwordLogin)
      const wrong = await sshExec(n, 'true', { auth: 'password', password: 'not-the-password' })
      expect(wrong.code).toBe(255)
    } else {
      expect(e.passwordLogin).toBe(false)
    }
    if (e.user !== 'root') {
      // root has no key and no usable password on these hosts
      const asRoot = await sshExec(n, 'true', { auth: 'key', user: 'root' })
      expect(asRoot.code).toBe(255)
    }
  })

  it.concurrent.for(WITH_SSH)('%s has the sudo behaviour it claims', async (profile, { expect }) => {
    const n = node(profile)
    const e = expected(profile)
    if (e.sudo === 'root') {
      expect((await sshExec(n, 'id -u')).stdout.trim()).toBe('0')
      return
    }
    const noPrompt = await sshExec(n, 'sudo -n id -u')
    if (e.sudo === 'nopasswd') {
      expect(noPrompt.code, noPrompt.stderr).toBe(0)
      expect(noPrompt.stdout.trim()).toBe('0')
      return
    }
    // sudo asks for the password: refuses without one, accepts the right one, rejects a wrong one.
    expect(noPrompt.code).toBe(1)
    expect(noPrompt.stderr).toMatch(/a password is required/)
    const ok = await sshExec(n, "sudo -k; sudo -S -p '' id -u", { input: `${n.password}\n` })
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout.trim()).toBe('0')
    const bad = await sshExec(n, "sudo -k; sudo -S -p '' id -u", { input: 'wrong-password\n' })
    expect(bad.code).not.toBe(0)
  })

  it.concurrent.for(PI_OS)(
    '%s looks like Raspberry Pi OS: firmware files, arm64, swap on',
    async (profile, { expect }) => {
      const n = node(profile)
      const script = [
        'echo "cmdline_txt=$(cat /boot/firmware/cmdline.txt)"',
        'echo "proc_cmdline=$(cat /proc/cmdline)"',
        'echo "dpkg=$(dpkg --print-architecture)"',
        'echo "rpi_issue=$(head -n1 /etc/rpi-issue)"',
        `echo "swaps=$(tail -n +2 /proc/swaps | awk '{print $1, $2, $3}')"`,
        `echo "swapon=$(/sbin/swapon --show=NAME --noheadings --bytes)"`,
        `echo "free_swap_kb=$(free -k | awk '/^Swap:/ {print $2}')"`,
        `echo "revision=$(sed -n 's/^Revision[[:space:]]*: //p' /proc/cpuinfo)"`,
      ].join('; ')
      const r = await sshExec(n, script)
      expect(r.code, r.stderr).toBe(0)
      const got = parse(r.stdout)
      expect(got.cmdline_txt).toMatch(/root=PARTUUID=\S+ rootfstype=ext4/)
      // No memory cgroup flags yet: enabling them is the app's job (k3s/kubeadm need them).
      expect(got.cmdline_txt).not.toMatch(/cgroup_enable=memory|cgroup_memory=1/)
      expect(got.proc_cmdline?.endsWith(got.cmdline_txt ?? '-')).toBe(true)
      expect(got.dpkg).toBe('arm64')
      expect(got.rpi_issue).toMatch(/^Raspberry Pi reference \d{4}-\d\d-\d\d$/)
      expect(got.revision).toMatch(/^[0-9a-f]{6}$/)
      // Swap is on, and every way of looking at it agrees.
      const [name, , sizeKb] = (got.swaps ?? '').split(' ')
      expect(name).toBeTruthy()
      expect(got.swapon).toBe(name)
      expect(Number(got.free_swap_kb)).toBe(Number(sizeKb))
      expect(Number(sizeKb)).toBeGreaterThan(0)
    },
  )

  it('reports no swap on hosts without it, consistently', async () => {
    const r = await sshExec(node('microos'), `tail -n +2 /proc/swaps | wc -l; free -k | awk '/^Swap:/ {print $2}'`)
    expect(r.stdout.trim().split('\n')).toEqual(['0', '0'])
  })

  it.each(['microos', 'microos-pi'])('%s has transactional-update (a lab stand-in) and no apt', async (profile) => {
    const r = await sshExec(
      node(profile),
      'transactional-update pkg install foo; echo "rc=$?"; command -v apt-get || echo no-apt; test -e /etc/debian_version || echo no-debian-version',
    )
    expect(r.stdout).toContain('rc=0')
    expect(r.stderr).toMatch(/flotilla lab stand-in/)
    expect(r.stdout).toContain('no-apt')
    expect(r.stdout).toContain('no-debian-version')
  })

  it('ssh-port-2222 listens on 2222 only', async () => {
    const n = node('ssh-port-2222')
    expect((await tcpConnect(n.address, 22)).result).toBe('refused')
    expect((await tcpConnect(n.address, 2222)).result).toBe('connected')
  })

  it('mdns-no-ssh refuses SSH', async () => {
    const n = node('mdns-no-ssh')
    expect((await tcpConnect(n.address, 22)).result).toBe('refused')
  })

  it('old-cluster carries the leftovers of a kubeadm cluster; a fresh host does not', async () => {
    const check = [
      'test -f /etc/kubernetes/admin.conf && echo admin.conf',
      'test -f /etc/kubernetes/manifests/kube-apiserver.yaml && echo manifests',
      'openssl x509 -noout -subject -in /etc/kubernetes/pki/ca.crt',
      'ls /etc/cni/net.d',
      'sudo -n test -d /var/lib/etcd/member/wal && echo etcd-member',
    ].join('; ')
    const old = await sshExec(node('old-cluster'), check)
    expect(old.stdout).toContain('admin.conf')
    expect(old.stdout).toContain('manifests')
    expect(old.stdout).toMatch(/subject=CN ?= ?kubernetes/)
    expect(old.stdout).toContain('10-flannel.conflist')
    expect(old.stdout).toContain('etcd-member')
    const fresh = await sshExec(
      node('debian-sudo-nopass'),
      'for d in /etc/kubernetes /etc/cni /var/lib/etcd /var/lib/kubelet; do test -e "$d" && echo "$d"; done; true',
    )
    expect(fresh.code).toBe(0)
    expect(fresh.stdout).toBe('')
  })

  it('name-clash has the same host name as the pi4', async () => {
    expect(node('name-clash').hostname).toBe(node('pi4').hostname)
    const r = await sshExec(node('name-clash'), 'hostname')
    expect(r.stdout.trim()).toBe(node('pi4').hostname)
  })

  it('shows the desk each host with its MAC, with Raspberry Pi OUIs on Pis', async () => {
    for (const profile of WITH_SSH) {
      const n = node(profile)
      const e = expected(profile)
      await tcpConnect(n.address, n.port) // fills the desk's ARP cache
      const neigh = await run('ip', ['neigh', 'show', n.address], process.env)
      expect(neigh.stdout, profile).toContain(`lladdr ${n.mac}`)
      if (e.oui) expect(n.mac.startsWith(e.oui), `${profile} ${n.mac}`).toBe(true)
      else expect(n.mac.startsWith('52:54:00'), `${profile} ${n.mac}`).toBe(true)
    }
  })
})

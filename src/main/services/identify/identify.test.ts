import { describe, expect, it } from 'vitest'
import type { Host, HostIdentification } from '../../../shared/types'
import { identify } from './identification'
import { withIdentifications } from './identify-service'
import {
  parseLeftovers,
  parseListeningPorts,
  parseLoginCheck,
  parseOsRelease,
  parseProbeOutput,
  splitSections,
} from './probe-output'
import { loginCheckScript, probeScript, SECTION_MARK } from './probe-script'
import { haproxyFromRepos, readiness } from './readiness'

const M = SECTION_MARK
const PI_OUTPUT = [
  '',
  `${M} os-release`,
  'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"',
  'ID=debian',
  'VERSION_ID="12"',
  `${M} rpi-issue`,
  'yes',
  `${M} arch`,
  'aarch64',
  `${M} kernel`,
  '6.12.25+rpt-rpi-v8',
  `${M} hostname`,
  'kubic-pi2',
  `${M} model`,
  'Raspberry Pi 4 Model B Rev 1.4',
  `${M} cpuinfo`,
  'Model\t\t: Raspberry Pi 4 Model B Rev 1.4',
  `${M} cpus`,
  '4',
  `${M} meminfo`,
  'MemTotal:        3884376 kB',
  'SwapTotal:        524284 kB',
  `${M} swaps`,
  'Filename\tType\tSize\tUsed\tPriority',
  '/var/swap file 524284 0 -2',
  `${M} df`,
  'overlay 30000000 1000000 29000000 4% /',
  `${M} cgroup-controllers`,
  'cpuset cpu io pids',
  `${M} cgroups`,
  `${M} cmdline`,
  'coherent_pool=1M console=tty1 root=PARTUUID=1 rootwait',
  `${M} firmware-cmdline`,
  '/boot/firmware/cmdline.txt',
  `${M} runtimes`,
  `${M} leftovers`,
  `${M} processes`,
  `${M} listen`,
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1',
  '   1: 00000000:2A12 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1',
  '   2: 0100007F:0951 0100007F:C000 01 00000000:00000000 00:00000000 00000000     0        0 1 1',
  `${M} machine-id`,
  '0123456789abcdef0123456789abcdef',
  `${M} clock`,
  '1700000000123456789',
  `${M} end`,
  '',
].join('\n')

describe('probe output', () => {
  it('is one script, built with sh``', () => {
    const text = probeScript().text
    expect(text).toContain('/sys/firmware/devicetree/base/model')
    expect(text).toContain('date +%s%N')
  })

  it('splits sections and parses os-release quoting', () => {
    expect(splitSections(`junk\n${M} a\n1\n2\n${M} b\n`)).toEqual(
      new Map([
        ['a', '1\n2'],
        ['b', ''],
      ]),
    )
    expect(parseOsRelease('NAME="openSUSE MicroOS"\nID=opensuse-microos\nX=\'a b\'')).toEqual({
      NAME: 'openSUSE MicroOS',
      ID: 'opensuse-microos',
      X: 'a b',
    })
  })

  it('finds watched ports in LISTEN state only', () => {
    const line = (port: string, st: string) => `0: 00000000:${port} 00000000:0000 ${st} 0 0 0`
    // 0x192B = 6443 listening, 0x2A12 = 10770 not watched, 0x2802 = 10242 not watched, 0x2802 01 = established
    expect(parseListeningPorts([line('192B', '0A'), line('2A12', '0A'), line('2802', '01')].join('\n'))).toEqual([6443])
    expect(parseListeningPorts(line('2802', '0A').replace('2802', '280A'))).toEqual([10250])
  })

  it('reads a Raspberry Pi OS host', () => {
    const facts = parseProbeOutput(PI_OUTPUT)
    expect(facts).toMatchObject({
      arch: 'aarch64',
      model: 'Raspberry Pi 4 Model B Rev 1.4',
      cpus: 4,
      memoryKiB: 3884376,
      swapDevices: ['/var/swap'],
      machineId: '0123456789abcdef0123456789abcdef',
      remoteClockMs: 1700000000123,
      listeningPorts: [],
      complete: true,
    })
    const id = identify(facts, new Date(0), 0)
    expect(id.os).toMatchObject({ family: 'raspios', supported: true })
    expect(id.memoryCgroup).toBe('needs-cmdline')
    expect(id.swap).toEqual({ on: true, totalMiB: 512, devices: ['/var/swap'] })
  })

  it('notices output cut short', () => {
    expect(parseProbeOutput(PI_OUTPUT.split(`${M} clock`)[0]!).complete).toBe(false)
  })

  it('reads os-release in the os-release(5) order: /etc first, then /usr/lib', () => {
    for (const text of [probeScript().text, loginCheckScript().text]) {
      expect(text).toContain('for f in /etc/os-release /usr/lib/os-release; do if [ -f "$f" ]; then cat "$f"; break')
    }
  })

  it('tells leftovers from directories it could not read', () => {
    expect(parseLeftovers('/etc/cni/net.d\n? /var/lib/etcd\n? /var/lib/kubelet\n')).toEqual({
      leftoverPaths: ['/etc/cni/net.d'],
      uncheckedPaths: ['/var/lib/etcd', '/var/lib/kubelet'],
    })
    const facts = parseProbeOutput(PI_OUTPUT.replace(`${M} leftovers`, `${M} leftovers\n? /var/lib/kubelet`))
    expect(facts.leftoverPaths).toEqual([])
    const id = identify(facts, new Date(0), 0)
    expect(id.leftovers).toEqual([])
    expect(id.leftoversUnchecked).toEqual(['/var/lib/kubelet'])
  })
})

describe('memory cgroup', () => {
  const pi = (controllers: string, cmdline = 'console=tty1 root=PARTUUID=1 rootwait') =>
    identify(
      parseProbeOutput(
        PI_OUTPUT.replace('cpuset cpu io pids', controllers).replace(
          'coherent_pool=1M console=tty1 root=PARTUUID=1 rootwait',
          cmdline,
        ),
      ),
      new Date(0),
      0,
    ).memoryCgroup

  it('trusts a Pi kernel that has the controller, whatever cmdline.txt says', () => {
    expect(pi('cpuset cpu io memory pids')).toBe('enabled')
  })

  it('proposes the cmdline.txt edit only when the controller is missing', () => {
    expect(pi('cpuset cpu io pids')).toBe('needs-cmdline')
    expect(pi('cpuset cpu io memory pids', 'root=PARTUUID=1 cgroup_disable=memory')).toBe('needs-cmdline')
    expect(pi('cpuset cpu io pids', 'cgroup_disable=memory cgroup_enable=memory')).toBe('needs-cmdline')
    expect(pi('cpuset cpu io memory pids', 'cgroup_disable=memory cgroup_enable=memory')).toBe('enabled')
  })

  it('falls back to /proc/cgroups, and to the Pi rule when the kernel cannot be read', () => {
    const v1 = (enabled: string) =>
      PI_OUTPUT.replace(`${M} cgroup-controllers\ncpuset cpu io pids`, `${M} cgroup-controllers`).replace(
        `${M} cgroups`,
        `${M} cgroups\n#subsys_name\thierarchy\tnum_cgroups\tenabled\nmemory\t4\t49\t${enabled}`,
      )
    expect(identify(parseProbeOutput(v1('1')), new Date(0), 0).memoryCgroup).toBe('enabled')
    expect(identify(parseProbeOutput(v1('0')), new Date(0), 0).memoryCgroup).toBe('needs-cmdline')
    expect(pi('')).toBe('needs-cmdline')
  })
})

describe('login check', () => {
  it('is framed like the probe', () => {
    expect(loginCheckScript().text).toContain(SECTION_MARK)
  })

  it('reads its answers by section, whatever a banner or a missing os-release adds or leaves out', () => {
    const answer = (osRelease: string) =>
      [
        'Welcome to pi4-n2! Backups: none.',
        `${M} user`,
        'pi',
        `${M} os-release`,
        osRelease,
        `${M} sudo`,
        'password',
        `${M} end`,
        '',
      ].join('\n')
    expect(parseLoginCheck(answer('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian'))).toEqual({
      user: 'pi',
      sudo: 'password',
      os: 'Debian GNU/Linux 12 (bookworm)',
    })
    expect(parseLoginCheck(answer(''))).toEqual({ user: 'pi', sudo: 'password' })
    expect(parseLoginCheck(answer('NAME="openSUSE MicroOS"\nID=opensuse-microos'))?.os).toBe('openSUSE MicroOS')
    expect(parseLoginCheck(answer('').replace(`${M} end`, ''))).toBeUndefined()
  })

  it('reads root and passwordless sudo', () => {
    const out = (user: string, sudo: string) => `${M} user\n${user}\n${M} os-release\n${M} sudo\n${sudo}\n${M} end\n`
    expect(parseLoginCheck(out('root', 'root'))).toEqual({ user: 'root', sudo: 'root' })
    expect(parseLoginCheck(out('debian', 'nopasswd'))).toEqual({ user: 'debian', sudo: 'nopasswd' })
    expect(parseLoginCheck(out('debian', 'sudo: garbled'))?.sudo).toBe('password')
  })
})

function base(over: Partial<Omit<HostIdentification, 'readiness'>> = {}): Omit<HostIdentification, 'readiness'> {
  return {
    at: '2026-01-01T00:00:00.000Z',
    os: { id: 'debian', versionId: '12', prettyName: 'Debian 12', family: 'debian', supported: true },
    arch: 'x86_64',
    kernel: '6.1',
    cpus: 2,
    memoryMiB: 4096,
    diskFreeMiB: 30000,
    swap: { on: false, totalMiB: 0, devices: [] },
    memoryCgroup: 'enabled',
    runtimes: [],
    clockOffsetMs: 0,
    leftovers: [],
    portsInUse: [],
    machineId: 'a',
    hostname: 'h',
    ...over,
  }
}

describe('readiness', () => {
  const verdicts = (id: Omit<HostIdentification, 'readiness'>, peers = []) =>
    Object.fromEntries(readiness(id, peers).map((r) => [r.role, r.verdict]))

  it('is ready when nothing is wrong', () => {
    expect(verdicts(base())).toEqual({ 'control-plane': 'ready', worker: 'ready', haproxy: 'ready' })
  })

  it('blocks a 1 GB control plane but not a 1 GB worker', () => {
    const r = readiness(base({ memoryMiB: 1000 }), [])
    expect(r[0]!.verdict).toBe('blocked')
    expect(r[0]!.reasons[0]!.message).toBe('1000 MB RAM: too little for a control plane (2 GB minimum)')
    expect(r[1]!.verdict).toBe('ready')
  })

  it('marks swap and the Pi memory cgroup as fixable, with the sentences people read', () => {
    const r = readiness(base({ swap: { on: true, totalMiB: 512, devices: [] }, memoryCgroup: 'needs-cmdline' }), [])
    expect(r[0]!.verdict).toBe('fixable')
    expect(r[0]!.reasons.map((x) => x.message)).toEqual([
      'swap is on: Flotilla will turn it off',
      'memory cgroup disabled: Flotilla will add it to /boot/firmware/cmdline.txt and reboot',
    ])
  })

  it('blocks leftovers, ports in use, unsupported OS and clones', () => {
    expect(readiness(base({ leftovers: ['/etc/kubernetes'] }), [])[1]!.reasons[0]!.message).toBe(
      'leftovers of an old cluster (/etc/kubernetes): reset first',
    )
    expect(verdicts(base({ portsInUse: [8404] }))).toEqual({
      'control-plane': 'ready',
      worker: 'ready',
      haproxy: 'blocked',
    })
    const unsupported = base({
      os: { id: 'fedora', versionId: '40', prettyName: 'Fedora 40', family: 'other', supported: false, reason: 'nope' },
    })
    expect(verdicts(unsupported).worker).toBe('blocked')
    const clone = readiness(base(), [{ name: 'kubic-pi2', machineId: 'a' }])[1]!
    expect(clone.reasons[0]!.message).toMatch(/^duplicate machine-id with kubic-pi2/)
  })

  it('says "could not check" for unreadable directories: neither ready nor blocked by leftovers', () => {
    const r = readiness(base({ leftoversUnchecked: ['/var/lib/etcd', '/var/lib/kubelet'] }), [])
    expect(r.map((x) => x.verdict)).toEqual(['unchecked', 'unchecked', 'ready'])
    expect(r[0]!.reasons).toEqual([
      {
        code: 'leftovers-unchecked',
        severity: 'unchecked',
        message:
          'could not check /var/lib/etcd, /var/lib/kubelet for leftovers of an old cluster (needs sudo): give the sudo password, then identify again',
      },
    ])
    // Something that blocks still blocks; a fixable finding does not hide the unchecked one.
    expect(verdicts(base({ leftoversUnchecked: ['/var/lib/etcd'], memoryMiB: 1000 }))['control-plane']).toBe('blocked')
    expect(
      verdicts(base({ leftoversUnchecked: ['/var/lib/etcd'], swap: { on: true, totalMiB: 1, devices: [] } })).worker,
    ).toBe('unchecked')
  })

  it('gives the HAProxy endpoint its own rules: any CPU, HAProxy 2.0+ from the OS, RAM, ports', () => {
    const raspbian = (versionId: string) => ({
      id: 'raspbian',
      versionId,
      prettyName: `Raspbian GNU/Linux ${versionId}`,
      family: 'raspios' as const,
      supported: Number(versionId) >= 12,
      ...(Number(versionId) >= 12 ? {} : { reason: 'too old' }),
    })
    const lb = (over: Partial<Omit<HostIdentification, 'readiness'>>) => readiness(base(over), [])[2]!
    const pi3 = lb({ arch: 'armv7l', os: raspbian('11'), memoryMiB: 926 })
    expect(pi3.verdict).toBe('ready')
    expect(readiness(base({ arch: 'armv7l', os: raspbian('11') }), [])[1]!.reasons.map((x) => x.code)).toEqual([
      'os-unsupported',
      'arch-unsupported',
    ])
    expect(lb({ arch: 'armv6l', os: raspbian('10') }).reasons.map((x) => x.message)).toEqual([
      'Raspbian GNU/Linux 10 ships HAProxy 1.8: the endpoint needs HAProxy 2.0 or newer (Debian 11 or newer)',
    ])
    expect(lb({ memoryMiB: 180 }).reasons.map((x) => x.code)).toEqual(['ram-low'])
    expect(lb({ portsInUse: [6443] }).reasons.map((x) => x.code)).toEqual(['port-in-use'])
    const os = (family: 'ubuntu' | 'microos' | 'other', versionId: string) => ({
      id: family,
      versionId,
      prettyName: `${family} ${versionId}`,
      family,
      supported: false,
    })
    expect(haproxyFromRepos(os('ubuntu', '20.04'))).toBeUndefined()
    expect(haproxyFromRepos(os('ubuntu', '18.04'))).toMatch(/ships HAProxy 1\.8/)
    expect(haproxyFromRepos(os('microos', ''))).toBeUndefined()
    expect(haproxyFromRepos(os('other', '40'))).toMatch(/installs HAProxy only on/)
    expect(haproxyFromRepos({ ...raspbian('13'), id: 'debian', family: 'debian' })).toBeUndefined()
  })

  it('recomputes every host when a new probe reveals a clone', () => {
    const h = (id: string, over: Partial<Host> = {}): Host => ({
      id,
      address: id,
      port: 22,
      user: 'pi',
      label: id,
      source: 'manual',
      addedAt: 'a',
      updatedAt: 'a',
      ...over,
    })
    const first = withIdentifications([h('one'), h('two')], new Map([['one', base({ machineId: 'same' })]]))
    expect(first[0]!.identification!.readiness[0]!.verdict).toBe('ready')
    const second = withIdentifications(first, new Map([['two', base({ machineId: 'same' })]]))
    for (const host of second) {
      expect(host.identification!.readiness[1]!.reasons.map((r) => r.code)).toContain('duplicate-machine-id')
    }
  })
})

describe('discovery channel schemas', () => {
  it('bounds the scan time and validates the adopt login', async () => {
    const { discoverySchemas } = await import('../../../shared/channels/discovery')
    const scan = discoverySchemas['discovery:scan'].args
    expect(scan.safeParse(['op', { timeoutSec: 5 }]).success).toBe(true)
    expect(scan.safeParse(['op', { timeoutSec: 0 }]).success).toBe(false)
    expect(scan.safeParse(['op', { timeoutSec: 5, extra: 1 }]).success).toBe(false)
    const adopt = discoverySchemas['discovery:adopt'].args
    expect(adopt.safeParse(['h1', { user: 'pi', port: 22 }]).success).toBe(true)
    expect(adopt.safeParse(['h1', { user: 'pi; rm -rf /' }]).success).toBe(false)
    expect(adopt.safeParse(['h1', { user: 'pi', port: 70000 }]).success).toBe(false)
  })
})

import { describe, expect, it } from 'vitest'
import type { NodeRole } from '../../../shared/cluster-spec'
import type { Host, HostIdentification, SpecProblem } from '../../../shared/types'
import { PROBLEM_CODES } from './problems'
import { quorumSummary, survivableFailures } from './quorum'
import {
  fakeFleet,
  fakeHost,
  fakeIdentification,
  fakeSpec,
  NOW,
  withoutUndefined,
  type FakeFleet,
  type Loose,
} from './test-fixtures'
import {
  endpointNameToResolve,
  resolveEndpointName,
  validateSpec,
  type ValidationInput,
  type ValidationResult,
} from './validate'

/** Validates a fleet (by default the clean 6-host one) with the input's other fields. */
function run(fleet: FakeFleet = fakeFleet(6), extra: Partial<ValidationInput> = {}): ValidationResult {
  return validateSpec({ spec: fleet.spec, hosts: fleet.hosts, now: fleet.now, ...extra })
}

function codes(result: ValidationResult): string[] {
  return result.problems.map((p) => p.code)
}

function only(result: ValidationResult, code: string): SpecProblem {
  const found = result.problems.filter((p) => p.code === code)
  expect(found, JSON.stringify(result.problems, null, 1)).toHaveLength(1)
  return found[0]!
}

/** The fleet with one host changed. */
function withHost(fleet: FakeFleet, label: string, patch: (h: Host) => Loose<Host>): FakeFleet {
  return { ...fleet, hosts: fleet.hosts.map((h) => (h.label === label ? (withoutUndefined(patch(h)) as Host) : h)) }
}

/** The fleet with one host's identification facts changed (readiness recomputed from them). */
function withFacts(fleet: FakeFleet, label: string, facts: Loose<Omit<HostIdentification, 'readiness'>>): FakeFleet {
  return withHost(fleet, label, (h) => {
    const { readiness: _readiness, ...old } = h.identification!
    return { ...h, identification: fakeIdentification({ ...old, ...facts }) }
  })
}

/** The fleet with its spec's nodes replaced (label → roles). */
function withNodes(fleet: FakeFleet, nodes: Record<string, readonly NodeRole[]>): FakeFleet {
  const spec = structuredClone(fleet.spec)
  spec.spec.nodes = Object.entries(nodes).map(([host, roles]) => ({ host, roles: [...roles] }))
  return { ...fleet, spec }
}

function withSpec(fleet: FakeFleet, edit: (s: FakeFleet['spec']['spec']) => void): FakeFleet {
  const spec = structuredClone(fleet.spec)
  edit(spec.spec)
  return { ...fleet, spec }
}

const CP3 = { 'cp-1': ['control-plane'], 'cp-2': ['control-plane'], 'cp-3': ['control-plane'] } as const

describe('validateSpec: a clean fleet', () => {
  it('has no problem and is not blocked; nodes and the HAProxy host resolve', () => {
    const result = run()
    expect(result.problems).toEqual([])
    expect(result.blocked).toBe(false)
    expect(result.nodes.map((n) => [n.host.label, n.roles, n.path])).toEqual([
      ['cp-1', ['control-plane'], 'spec.nodes[0]'],
      ['cp-2', ['control-plane'], 'spec.nodes[1]'],
      ['cp-3', ['control-plane'], 'spec.nodes[2]'],
      ['worker-1', ['worker'], 'spec.nodes[3]'],
      ['worker-2', ['worker'], 'spec.nodes[4]'],
    ])
    expect(result.endpointHost?.label).toBe('lb-1')
    expect(result.quorum).toBe('3 control planes: survives 1 failure (etcd needs 2 of 3 up).')
  })

  it('stays clean at 100 nodes', () => {
    const result = run(fakeFleet(100))
    expect(result.problems).toEqual([])
    expect(result.nodes).toHaveLength(99)
  })
})

describe('validateSpec: host references', () => {
  it('an unknown name is blocking, with the spec path', () => {
    const fleet = withNodes(fakeFleet(6), { ...CP3, 'no-such-pi': ['worker'] })
    const p = only(run(fleet), 'host-unknown')
    expect(p).toMatchObject({ severity: 'blocking', path: 'spec.nodes[3].host' })
    expect(p.message).toContain('no-such-pi')
  })

  it('a discovered but not adopted host is named as such', () => {
    const fleet = fakeFleet(6)
    fleet.hosts.push(fakeHost({ label: 'new-pi', pending: true }))
    const p = only(run(withNodes(fleet, { ...CP3, 'new-pi': ['worker'] })), 'host-unknown')
    expect(p.message).toContain('not adopted')
  })

  it('a label two hosts share is ambiguous', () => {
    const fleet = fakeFleet(6)
    fleet.hosts.push(fakeHost({ label: 'worker-1' }))
    const p = only(run(fleet), 'host-ambiguous')
    expect(p).toMatchObject({ severity: 'blocking', path: 'spec.nodes[3].host' })
  })

  it('the same host twice (by label and by address) is a duplicate', () => {
    const fleet = fakeFleet(6)
    const address = fleet.hosts.find((h) => h.label === 'worker-1')!.address
    const result = run(withNodes(fleet, { ...CP3, 'worker-1': ['worker'], [address]: ['worker'] }))
    expect(only(result, 'host-duplicate')).toMatchObject({ path: 'spec.nodes[4]', severity: 'blocking' })
    expect(result.nodes).toHaveLength(4)
  })

  it('a host resolves by id too', () => {
    const fleet = fakeFleet(6)
    const id = fleet.hosts.find((h) => h.label === 'worker-1')!.id
    expect(run(withNodes(fleet, { ...CP3, [id]: ['worker'] })).problems).toEqual([])
  })
})

describe('validateSpec: quorum', () => {
  const cps = (n: number): Record<string, NodeRole[]> =>
    Object.fromEntries([
      ...Array.from({ length: n }, (_, i) => [`worker-${i + 1}`, ['control-plane'] as NodeRole[]]),
      ['cp-1', ['worker'] as NodeRole[]],
    ])
  const fleet = fakeFleet(12)

  it('0 control planes block', () => {
    const result = run(withNodes(fleet, cps(0)))
    expect(only(result, 'quorum-none').severity).toBe('blocking')
    expect(result.blocked).toBe(true)
  })
  it('1 control plane warns: no HA', () => {
    const result = run(withNodes(fleet, cps(1)))
    expect(only(result, 'quorum-single').severity).toBe('warning')
    expect(result.blocked).toBe(false)
  })
  it('2 control planes warn: survives 0 failures', () => {
    expect(only(run(withNodes(fleet, cps(2))), 'quorum-two').message).toContain('survives 0 failures')
  })
  it('4 and 6 control planes warn as even; 3, 5 and 7 are clean', () => {
    expect(only(run(withNodes(fleet, cps(4))), 'quorum-even').message).toContain('survives 1 failure')
    expect(codes(run(withNodes(fleet, cps(6))))).toEqual(['quorum-even'])
    for (const n of [3, 5, 7]) expect(run(withNodes(fleet, cps(n))).problems).toEqual([])
  })
  it('quorumSummary says how many failures each count survives', () => {
    expect([1, 2, 3, 4, 5, 7].map(survivableFailures)).toEqual([0, 0, 1, 1, 2, 3])
    expect(quorumSummary(3)).toBe('3 control planes: survives 1 failure (etcd needs 2 of 3 up).')
    expect(quorumSummary(5)).toContain('survives 2 failures')
    expect(quorumSummary(7)).toContain('survives 3 failures')
    expect(quorumSummary(1)).toContain('no high availability')
  })
  it('no worker and no devCluster warns; devCluster true does not', () => {
    const fleet6 = withNodes(fakeFleet(6), { ...CP3 })
    expect(only(run(fleet6), 'no-workers').severity).toBe('warning')
    expect(run(withSpec(fleet6, (s) => (s.devCluster = true))).problems).toEqual([])
  })
})

describe('validateSpec: etcd', () => {
  const fleet = fakeFleet(10)
  it('stacked etcd with an etcd-role node is blocking', () => {
    const p = only(run(withNodes(fleet, { ...CP3, 'worker-1': ['etcd'], 'worker-2': ['worker'] })), 'etcd-role-stacked')
    expect(p).toMatchObject({ severity: 'blocking', path: 'spec.nodes[3].roles' })
  })
  it('external etcd needs 3 or 5 etcd hosts', () => {
    const two = withSpec(
      withNodes(fleet, { ...CP3, 'worker-1': ['etcd'], 'worker-2': ['etcd'], 'worker-3': ['worker'] }),
      (s) => (s.etcd = 'external'),
    )
    expect(only(run(two), 'etcd-count').message).toContain('has 2')
    const three = withSpec(
      withNodes(fleet, {
        ...CP3,
        'worker-1': ['etcd'],
        'worker-2': ['etcd'],
        'worker-3': ['etcd'],
        'worker-4': ['worker'],
      }),
      (s) => (s.etcd = 'external'),
    )
    expect(run(three).problems).toEqual([])
    expect(run(three).quorum).toBe('3 etcd hosts: survives 1 failure (etcd needs 2 of 3 up).')
  })
  it('external etcd: 2 control planes are no quorum problem (they hold no etcd votes)', () => {
    const spec = withSpec(
      withNodes(fleet, {
        'cp-1': ['control-plane'],
        'cp-2': ['control-plane'],
        'worker-1': ['etcd'],
        'worker-2': ['etcd'],
        'worker-3': ['etcd'],
        'worker-4': ['worker'],
      }),
      (s) => (s.etcd = 'external'),
    )
    expect(run(spec).problems).toEqual([])
  })
})

describe('validateSpec: the endpoint', () => {
  it('an HAProxy host not in the inventory is blocking', () => {
    const fleet = withSpec(fakeFleet(6), (s) => (s.endpoint = { haproxy: { host: 'lb-9', port: 6443 } }))
    expect(only(run(fleet), 'host-unknown').path).toBe('spec.endpoint.haproxy.host')
  })
  it('HAProxy on a control plane on the API server port clashes; on another port it does not', () => {
    const fleet = withSpec(fakeFleet(6), (s) => (s.endpoint = { haproxy: { host: 'cp-1', port: 6443 } }))
    const p = only(run(fleet), 'endpoint-port-clash')
    expect(p).toMatchObject({ severity: 'blocking', path: 'spec.endpoint.haproxy.port', host: 'cp-1' })
    expect(p.message).toContain('API server')
    const moved = withSpec(fakeFleet(6), (s) => (s.endpoint = { haproxy: { host: 'cp-1', port: 8443 } }))
    expect(run(moved).problems).toEqual([])
  })
  it('HAProxy on its own statistics port clashes', () => {
    const fleet = withSpec(fakeFleet(6), (s) => (s.endpoint = { haproxy: { host: 'lb-1', port: 8404 } }))
    expect(only(run(fleet), 'endpoint-port-clash').message).toContain('statistics')
  })
  it('an address endpoint that does not resolve is blocking; resolved or not looked up is fine', () => {
    const fleet = withSpec(fakeFleet(6), (s) => (s.endpoint = { address: 'k8s.home.arpa:6443' }))
    expect(only(run(fleet, { endpointAddresses: [] }), 'endpoint-unresolved')).toMatchObject({
      severity: 'blocking',
      path: 'spec.endpoint.address',
    })
    expect(run(fleet, { endpointAddresses: ['192.168.1.250'] }).problems).toEqual([])
    expect(run(fleet).problems).toEqual([])
  })
  it("the API server certificate's SANs carry the endpoint's name (no trailing dot) and its addresses", () => {
    const fleet = withSpec(fakeFleet(6), (s) => (s.endpoint = { address: 'K8s.Home.Arpa.:6443' }))
    expect(run(fleet, { endpointAddresses: ['192.168.1.250', 'fd00::5'] }).apiServerSans).toEqual([
      'k8s.home.arpa',
      '192.168.1.250',
      'fd00::5',
    ])
    const lb = fakeFleet(6)
    const lbAddress = lb.hosts.find((h) => h.label === 'lb-1')!.address
    expect(run(lb).apiServerSans).toEqual([lbAddress])
  })
  it('a built cluster cannot change its endpoint, and says why; the same endpoint is fine', () => {
    const fleet = fakeFleet(6)
    const lbAddress = fleet.hosts.find((h) => h.label === 'lb-1')!.address
    const p = only(
      run(fleet, { existing: { endpoint: { host: '192.168.9.9', port: 6443 }, built: true } }),
      'endpoint-changed',
    )
    expect(p.severity).toBe('blocking')
    expect(p.message).toContain('every kubeconfig and certificate names it')
    expect(run(fleet, { existing: { endpoint: { host: lbAddress, port: 6443 }, built: true } }).problems).toEqual([])
    expect(run(fleet, { existing: { endpoint: { host: 'lb-1', port: 6443 }, built: true } }).problems).toEqual([])
    expect(codes(run(fleet, { existing: { endpoint: { host: lbAddress, port: 7443 }, built: true } }))).toEqual([
      'endpoint-changed',
    ])
    // Not built yet: nothing names it so far.
    expect(run(fleet, { existing: { endpoint: { host: '192.168.9.9', port: 6443 }, built: false } }).problems).toEqual(
      [],
    )
  })
})

describe('validateSpec: subnets', () => {
  it('pod and service subnets that overlap are blocking', () => {
    const fleet = withSpec(fakeFleet(6), (s) => (s.network.serviceSubnet = '10.244.128.0/20'))
    expect(only(run(fleet), 'subnet-overlap')).toMatchObject({
      severity: 'blocking',
      path: 'spec.network.serviceSubnet',
    })
  })
  it('pod and service subnets of different families are blocking', () => {
    const fleet = withSpec(fakeFleet(6), (s) => (s.network.serviceSubnet = 'fd00:10:96::/112'))
    expect(codes(run(fleet))).toEqual(['subnet-family-mismatch'])
  })
  it("a subnet over the nodes' LAN is one problem naming the hosts on it", () => {
    const fleet = withSpec(fakeFleet(6), (s) => (s.network.podSubnet = '192.168.0.0/16'))
    const p = only(run(fleet), 'subnet-overlaps-lan')
    expect(p).toMatchObject({ severity: 'blocking', path: 'spec.network.podSubnet' })
    expect(p.message).toContain('192.168.1.0/24')
    expect(p.message).toContain('cp-1')
  })
  it('a network on any interface counts, but not a CNI bridge or loopback', () => {
    const cni = withFacts(fakeFleet(6), 'worker-1', {
      interfaces: [
        { name: 'eth0', addresses: [{ family: 'ipv4', address: '192.168.1.50', prefix: 24 }] },
        { name: 'cni0', addresses: [{ family: 'ipv4', address: '10.244.3.1', prefix: 24 }] },
      ],
    })
    expect(run(cni).problems).toEqual([])
    const wlan = withFacts(fakeFleet(6), 'worker-1', {
      interfaces: [{ name: 'wlan0', addresses: [{ family: 'ipv4', address: '10.100.0.7', prefix: 16 }] }],
    })
    const p = only(run(wlan), 'subnet-overlaps-lan')
    expect(p).toMatchObject({ host: 'worker-1', path: 'spec.network.serviceSubnet' })
  })
  it("without probed interfaces, the node's own address is checked", () => {
    const fleet = withFacts(fakeFleet(6), 'worker-1', { interfaces: undefined })
    const inPods = withHost(fleet, 'worker-1', (h) => ({ ...h, address: '10.244.1.5' }))
    expect(only(run(inPods), 'subnet-overlaps-lan').message).toContain('10.244.1.5/32')
  })
  it('the pod subnet needs a /24 per node; the service subnet is /12 at most', () => {
    const pods = withSpec(fakeFleet(6), (s) => (s.network.podSubnet = '10.244.0.0/23'))
    expect(only(run(pods), 'subnet-pods-too-small').message).toContain('5 nodes')
    expect(run(withSpec(fakeFleet(6), (s) => (s.network.podSubnet = '10.244.0.0/21'))).problems).toEqual([])
    const services = withSpec(fakeFleet(6), (s) => (s.network.serviceSubnet = '10.96.0.0/11'))
    expect(only(run(services), 'subnet-services-too-large').path).toBe('spec.network.serviceSubnet')
  })
  it("the endpoint's address inside a subnet is blocking", () => {
    const fleet = withSpec(fakeFleet(6), (s) => (s.endpoint = { address: '10.96.0.10:6443' }))
    expect(only(run(fleet), 'subnet-overlaps-endpoint')).toMatchObject({ path: 'spec.network.serviceSubnet' })
    const named = withSpec(fakeFleet(6), (s) => (s.endpoint = { address: 'k8s.home.arpa:6443' }))
    expect(codes(run(named, { endpointAddresses: ['10.244.0.9'] }))).toEqual(['subnet-overlaps-endpoint'])
  })
})

describe('validateSpec: hosts', () => {
  const fleet = fakeFleet(6)

  it('a node never identified is blocking', () => {
    const p = only(run(withHost(fleet, 'worker-1', (h) => ({ ...h, identification: undefined }))), 'host-unidentified')
    expect(p).toMatchObject({ severity: 'blocking', host: 'worker-1', path: 'spec.nodes[3]' })
  })
  it('a probe older than maxProbeAgeMs is probe-stale (and its facts are not judged)', () => {
    const old = withFacts(fleet, 'cp-2', {
      at: new Date(NOW.getTime() - 11 * 60_000).toISOString(),
      swap: { on: true, totalMiB: 100, devices: [] },
    })
    expect(only(run(old), 'probe-stale')).toMatchObject({ severity: 'blocking', host: 'cp-2' })
    expect(codes(run(old))).toEqual(['probe-stale'])
    expect(codes(run(old, { maxProbeAgeMs: 60 * 60_000 }))).toEqual(['swap-on'])
  })
  it('an untrusted host key is blocking', () => {
    expect(only(run(withHost(fleet, 'lb-1', (h) => ({ ...h, hostKey: undefined }))), 'host-untrusted').host).toBe(
      'lb-1',
    )
  })
  it('sudo: unchecked or failed login blocks, a password warns, root and nopasswd are fine', () => {
    const login = (patch: Partial<NonNullable<Host['lastLogin']>> | undefined) =>
      run(withHost(fleet, 'cp-1', (h) => ({ ...h, lastLogin: patch && { ...h.lastLogin!, ...patch } })))
    expect(only(login(undefined), 'login-unchecked').severity).toBe('blocking')
    expect(
      only(login({ ok: false, error: { code: 'AUTH_FAILED', message: 'the key was refused.' } }), 'login-failed')
        .message,
    ).toContain('the key was refused')
    const pw = login({ sudo: 'password' })
    expect(only(pw, 'sudo-password').message).toContain('will ask for the sudo password')
    expect(pw.blocked).toBe(false)
    // `ssh check` without the sudo password: the login worked, sudo asks (a Pi's default).
    const asked = login({ ok: false, error: { code: 'SUDO_PASSWORD_NEEDED', message: 'sudo asks for a password.' } })
    expect(only(asked, 'sudo-password').severity).toBe('warning')
    expect(asked.blocked).toBe(false)
    expect(login({ sudo: 'root' }).problems).toEqual([])
  })
  it('a 32-bit OS cannot be a Kubernetes node but can be the HAProxy host', () => {
    expect(only(run(withFacts(fleet, 'worker-1', { arch: 'armv7l' })), 'arch-unsupported').severity).toBe('blocking')
    expect(run(withFacts(fleet, 'lb-1', { arch: 'armv7l' })).problems).toEqual([])
  })
  it('RAM and CPU minimums follow the role (readiness.ts)', () => {
    const small = withFacts(fleet, 'cp-1', { memoryMiB: 1500, cpus: 1 })
    expect(codes(run(small)).sort()).toEqual(['cpus-low', 'ram-low'])
    const asWorker = withNodes(small, {
      'cp-1': ['worker'],
      'cp-2': ['control-plane'],
      'cp-3': ['control-plane'],
      'worker-1': ['control-plane'],
    })
    expect(run(asWorker).problems).toEqual([])
    // A control plane that is also a worker gets the stricter minimum, once.
    const both = withNodes(small, { ...CP3, 'cp-1': ['control-plane', 'worker'] })
    expect(codes(run(both)).filter((c) => c === 'ram-low')).toHaveLength(1)
  })
  it('an unsupported OS is blocking', () => {
    const os = {
      id: 'fedora',
      versionId: '41',
      prettyName: 'Fedora 41',
      family: 'other' as const,
      supported: false,
      reason: 'Fedora 41 is not supported',
    }
    expect(only(run(withFacts(fleet, 'worker-2', { os })), 'os-unsupported').message).toContain('Fedora')
  })
  it('host names and machine-ids must be unique among the nodes', () => {
    const twin = withFacts(fleet, 'worker-2', { hostname: 'cp-1' })
    expect(only(run(twin), 'duplicate-hostname').message).toContain('cp-1 and worker-2 have the same host name')
    const clone = withFacts(fleet, 'worker-2', { machineId: fleet.hosts[0]!.identification!.machineId })
    expect(only(run(clone), 'duplicate-machine-id')).toMatchObject({ severity: 'blocking', host: 'worker-2' })
  })
  it('leftovers block; with consent a reset step is planned (a warning); on a built member they are the cluster', () => {
    const dirty = withFacts(fleet, 'worker-1', { leftovers: ['/etc/kubernetes'] })
    const id = dirty.hosts.find((h) => h.label === 'worker-1')!.id
    expect(only(run(dirty), 'leftovers').severity).toBe('blocking')
    const consented = run(dirty, { resetConsent: [id] })
    expect(only(consented, 'leftovers-reset').severity).toBe('warning')
    expect(consented.blocked).toBe(false)
    const lb = fleet.hosts.find((h) => h.label === 'lb-1')!.address
    const built = { endpoint: { host: lb, port: 6443 }, built: true, members: [id] }
    expect(run(dirty, { existing: built }).problems).toEqual([])
  })
  it('a clock far off warns (the plan turns on time sync)', () => {
    expect(only(run(withFacts(fleet, 'cp-3', { clockOffsetMs: 5000 })), 'clock-offset').severity).toBe('warning')
    expect(run(withFacts(fleet, 'cp-3', { clockOffsetMs: 1500 })).problems).toEqual([])
  })
  it('ports in use block, per role', () => {
    expect(only(run(withFacts(fleet, 'cp-1', { portsInUse: [6443] })), 'port-in-use').message).toContain('6443')
    expect(run(withFacts(fleet, 'worker-1', { portsInUse: [6443] })).problems).toEqual([])
    const external = withSpec(
      withNodes(fakeFleet(8), {
        ...CP3,
        'worker-1': ['etcd'],
        'worker-2': ['etcd'],
        'worker-3': ['etcd'],
        'worker-4': ['worker'],
      }),
      (s) => (s.etcd = 'external'),
    )
    expect(only(run(withFacts(external, 'worker-1', { portsInUse: [2380] })), 'port-in-use').message).toContain('2380')
  })
  it('a mix of CPU architectures is allowed but named', () => {
    const mixed = withFacts(fleet, 'worker-2', { arch: 'x86_64' })
    const p = only(run(mixed), 'arch-mix')
    expect(p.severity).toBe('warning')
    expect(p.message).toContain('aarch64: cp-1, cp-2, cp-3 and worker-1')
    expect(p.message).toContain('x86_64: worker-2')
    expect(run(withFacts(fleet, 'worker-2', { arch: 'arm64' })).problems).toEqual([])
  })
  it('an address from DHCP warns, with the MAC to reserve it for', () => {
    const host = fleet.hosts.find((h) => h.label === 'worker-1')!
    const dhcp = withFacts(fleet, 'worker-1', {
      interfaces: [
        {
          name: 'eth0',
          mac: 'dc:a6:32:01:02:03',
          addresses: [{ family: 'ipv4', address: host.address, prefix: 24, dynamic: true }],
        },
      ],
    })
    const p = only(run(dhcp), 'address-dynamic')
    expect(p).toMatchObject({ severity: 'warning', host: 'worker-1' })
    expect(p.message).toContain(host.address)
    expect(p.next).toContain('dc:a6:32:01:02:03')
  })
  it('swap on is a warning (the plan turns it off), not blocking', () => {
    const result = run(withFacts(fleet, 'worker-1', { swap: { on: true, totalMiB: 512, devices: ['/var/swap'] } }))
    expect(only(result, 'swap-on').severity).toBe('warning')
    expect(result.blocked).toBe(false)
  })
})

describe('validateSpec: flavour rules', () => {
  it('k3s with external etcd is blocking', () => {
    const fleet = withSpec(
      withNodes(fakeFleet(8), {
        ...CP3,
        'worker-1': ['etcd'],
        'worker-2': ['etcd'],
        'worker-3': ['etcd'],
        'worker-4': ['worker'],
      }),
      (s) => {
        s.etcd = 'external'
        s.flavour = 'k3s'
      },
    )
    expect(codes(run(fleet))).toEqual(['k3s-external-etcd'])
  })
  it('k3s server counts follow the quorum rules', () => {
    const two = withSpec(
      withNodes(fakeFleet(6), { 'cp-1': ['control-plane'], 'cp-2': ['control-plane'], 'worker-1': ['worker'] }),
      (s) => (s.flavour = 'k3s'),
    )
    expect(codes(run(two))).toEqual(['quorum-two'])
  })
  it('only the supported minors', () => {
    const at = (v: string) => run(withSpec(fakeFleet(6), (s) => (s.kubernetesVersion = v)))
    expect(only(at('1.29'), 'version-unsupported').message).toContain('1.31, 1.32, 1.33, 1.34')
    expect(codes(at('1.35'))).toEqual(['version-unsupported'])
    for (const v of ['1.31', '1.34']) expect(at(v).problems).toEqual([])
  })
  it('a built cluster moves one minor up at a time, never down', () => {
    const fleet = fakeFleet(6)
    const lb = fleet.hosts.find((h) => h.label === 'lb-1')!.address
    const at = (v: string) =>
      run(
        withSpec(fleet, (s) => (s.kubernetesVersion = v)),
        {
          existing: { endpoint: { host: lb, port: 6443 }, built: true, kubernetesVersion: '1.32' },
        },
      )
    expect(only(at('1.31'), 'version-downgrade').severity).toBe('blocking')
    expect(only(at('1.34'), 'version-skip').next).toContain('"1.33"')
    expect(at('1.32').problems).toEqual([])
    expect(at('1.33').problems).toEqual([])
  })
  it('flannel warns: no NetworkPolicy', () => {
    const p = only(run(withSpec(fakeFleet(6), (s) => (s.network.cni = 'flannel'))), 'cni-no-network-policy')
    expect(p.severity).toBe('warning')
    expect(p.message).toContain('NetworkPolicy')
  })
})

describe('every problem', () => {
  it('has a catalogued code, a sentence and a next step', () => {
    const bad = withSpec(
      withNodes(
        withHost(
          withFacts(fakeFleet(6), 'worker-1', { arch: 'armv7l', leftovers: ['/etc/cni/net.d'], clockOffsetMs: -9000 }),
          'cp-1',
          (h) => ({ ...h, hostKey: undefined }),
        ),
        { 'cp-1': ['control-plane'], 'cp-2': ['control-plane', 'etcd'], 'worker-1': ['worker'], ghost: ['worker'] },
      ),
      (s) => {
        s.network.cni = 'flannel'
        s.kubernetesVersion = '1.20'
      },
    )
    const result = run(bad)
    expect(result.problems.length).toBeGreaterThan(6)
    for (const p of result.problems) {
      expect(PROBLEM_CODES).toContain(p.code)
      expect(p.message).toMatch(/^\S.*[.)]$/)
      expect(p.next).toMatch(/^\S.*\.$/)
    }
  })
})

describe('fixtures', () => {
  it('fakeSpec has the documented defaults; fakeHost removes what is given as undefined', () => {
    expect(fakeSpec().spec).toMatchObject({ flavour: 'kubeadm', etcd: 'stacked', network: { cni: 'calico' } })
    const bare = fakeHost({ identification: undefined, hostKey: undefined })
    expect('identification' in bare || 'hostKey' in bare).toBe(false)
  })
})

describe('endpointNameToResolve', () => {
  it("is an address endpoint's name; nothing for an IP or an HAProxy endpoint", () => {
    expect(endpointNameToResolve(fakeSpec({ endpoint: { address: 'K8s.home.arpa:6443' } }))).toBe('k8s.home.arpa')
    expect(endpointNameToResolve(fakeSpec({ endpoint: { address: '192.168.1.5:6443' } }))).toBeUndefined()
    expect(endpointNameToResolve(fakeSpec({ endpoint: { address: '[fd00::5]:6443' } }))).toBeUndefined()
    expect(endpointNameToResolve(fakeSpec())).toBeUndefined()
  })
})

describe('resolveEndpointName', () => {
  it('returns every address a name resolves to', async () => {
    const found = await resolveEndpointName('localhost')
    expect(found.some((a) => a === '127.0.0.1' || a === '::1')).toBe(true)
  })
})

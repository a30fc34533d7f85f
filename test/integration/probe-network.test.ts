/**
 * Issue 12, network facts: the probe reports each interface's address, prefix, MAC and whether
 * the address is a DHCP lease, checked on real lab nodes (a `dhcp` node and a static one) over
 * real OpenSSH; then the validator warns about the lease and names the MAC to reserve it for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { splitSections } from '../../src/main/services/identify/probe-output'
import { parseInterfaces } from '../../src/main/services/identify/probe-network'
import { SECTION_FUNCTION } from '../../src/main/services/identify/probe-script'
import { validateSpec } from '../../src/main/services/plan/validate'
import type { HostIdentification, NetworkInterface } from '../../src/shared/types'
import { useLab, type Lab, type LabNode } from '../lab/harness'
import { sshExec } from '../lab/ssh'
import { installLabKey, testApp, type TestApp } from './ssh-app'

let lab: Lab
let app: TestApp
let leased: LabNode // Pi OS whose address is a DHCP lease
let fixed: LabNode // Debian with a static address
const hostIds = new Map<LabNode, string>()

beforeAll(async () => {
  lab = await useLab({ profiles: ['pi4+dhcp', 'debian-sudo-nopass'] })
  ;[leased, fixed] = lab.nodes as [LabNode, LabNode]
  app = testApp()
  installLabKey(app, lab.keyPath)
  for (const node of lab.nodes) {
    const host = await app.addNode(node)
    await app.api.ssh.trust(host.id, node.hostKeyFingerprint!)
    hostIds.set(node, host.id)
  }
})

afterAll(() => app?.close())

async function probe(node: LabNode): Promise<HostIdentification> {
  const [result] = await app.api.discovery.probe([hostIds.get(node)!])
  if (!result!.ok) throw new Error(`${node.profile}: ${result!.error.message}`)
  return result!.identification
}

const eth0 = (interfaces: NetworkInterface[] | undefined) => interfaces?.find((i) => i.name === 'eth0')

describe('the dhcp trait', () => {
  it('gives the address a finite lifetime, which ip shows as dynamic; a static node has none', async () => {
    const show = 'ip -o -4 addr show dev eth0'
    const lease = await sshExec(leased, show)
    expect(lease.code, lease.stderr).toBe(0)
    expect(lease.stdout).toContain(`inet ${leased.address}/24`)
    expect(lease.stdout).toMatch(/ dynamic /)
    expect(lease.stdout).toMatch(/valid_lft \d+sec/)
    const still = await sshExec(fixed, show)
    expect(still.stdout).toContain(`inet ${fixed.address}/24`)
    expect(still.stdout).not.toMatch(/ dynamic /)
    expect(still.stdout).toContain('valid_lft forever')
  })
})

describe('the probe', () => {
  it("reports the dhcp node's address, prefix, the lab's MAC and the lease", async () => {
    const iface = eth0((await probe(leased)).interfaces)
    expect(iface).toEqual({
      name: 'eth0',
      mac: leased.mac.toLowerCase(),
      addresses: [{ family: 'ipv4', address: leased.address, prefix: 24, dynamic: true }],
    })
  })

  it("reports the static node's address as not dynamic", async () => {
    const iface = eth0((await probe(fixed)).interfaces)
    expect(iface).toEqual({
      name: 'eth0',
      mac: fixed.mac.toLowerCase(),
      addresses: [{ family: 'ipv4', address: fixed.address, prefix: 24, dynamic: false }],
    })
  })

  it('without ip, /sys and /proc give the same address, prefix and MAC (the lease unknown)', async () => {
    const fallback = `${SECTION_FUNCTION.text}
s sys-net; for d in /sys/class/net/*; do printf '%s %s\\n' "$(basename "$d")" "$(cat "$d/address")"; done
s if-inet6; cat /proc/net/if_inet6 2>/dev/null
s fib-trie; cat /proc/net/fib_trie
s route; cat /proc/net/route`
    const r = await sshExec(leased, fallback)
    expect(r.code, r.stderr).toBe(0)
    expect(eth0(parseInterfaces(splitSections(r.stdout)))).toEqual({
      name: 'eth0',
      mac: leased.mac.toLowerCase(),
      addresses: [{ family: 'ipv4', address: leased.address, prefix: 24 }],
    })
  })

  it('the validator warns about the lease and names the MAC to reserve it for', async () => {
    await probe(leased)
    await probe(fixed)
    const hosts = await app.api.hosts.list()
    const leasedHost = hosts.find((h) => h.id === hostIds.get(leased))!
    const fixedHost = hosts.find((h) => h.id === hostIds.get(fixed))!
    const result = validateSpec({
      spec: {
        apiVersion: 'flotilla/v1alpha1',
        kind: 'Cluster',
        metadata: { name: 'lab' },
        spec: {
          flavour: 'kubeadm',
          kubernetesVersion: '1.32',
          endpoint: { address: `${fixed.address}:6443` },
          etcd: 'stacked',
          network: { cni: 'calico', podSubnet: '10.244.0.0/16', serviceSubnet: '10.96.0.0/12' },
          devCluster: true,
          nodes: [
            { host: leasedHost.id, roles: ['control-plane'] },
            { host: fixedHost.id, roles: ['control-plane'] },
          ],
        },
      },
      hosts,
      now: new Date(),
    })
    const dynamic = result.problems.filter((p) => p.code === 'address-dynamic')
    expect(dynamic).toHaveLength(1)
    expect(dynamic[0]).toMatchObject({ hostId: leasedHost.id, severity: 'warning' })
    expect(dynamic[0]!.next).toContain(leased.mac.toLowerCase())
  })
})

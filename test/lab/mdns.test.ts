/**
 * mDNS from the desk sees every node that should be seen, and none that should not: Raspberry Pi
 * OS advertises _workstation._tcp with its MAC; MicroOS on x86 runs no responder; a second host
 * named like the first one is renamed by avahi, as on a real LAN.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Lab, type LabNode, useLab } from './harness'
import { browse, resolveHost, serviceTypes } from './mdns'

const PROFILES = [
  'pi4',
  'name-clash',
  'pi5',
  'microos',
  'microos-pi',
  'ssh-port-2222',
  'mdns-no-ssh',
  'ubuntu-sudo-nopass',
  'microos+mdns-ssh',
]

let lab: Lab
const node = (profile: string): LabNode => lab.node(profile)

describe('mDNS seen from the desk', () => {
  beforeAll(async () => {
    lab = await useLab({ profiles: PROFILES })
  })
  afterAll(async () => {
    await lab?.dispose()
  })

  it('advertises exactly the service types the profiles publish', async () => {
    // No _device-info, no _sftp-ssh: only what Pi OS and an avahi ssh.service publish.
    expect(await serviceTypes()).toEqual(['_ssh._tcp', '_workstation._tcp'])
  })

  it('lists every Raspberry Pi OS host as a workstation named "host [mac]", and nothing else', async () => {
    const found = await browse('_workstation._tcp')
    // The clashing host lost the name to the first owner and was renamed by its avahi.
    const clash = node('name-clash')
    const expected = ['pi4', 'pi5', 'mdns-no-ssh'].map(node).map((n) => ({
      instance: `${n.hostname} [${n.mac}]`,
      host: `${n.hostname}.local`,
      addresses: [n.address],
    }))
    expected.push({
      instance: `${clash.hostname}-2 [${clash.mac}]`,
      host: `${clash.hostname}-2.local`,
      addresses: [clash.address],
    })
    expect(found.map((s) => ({ instance: s.instance, host: s.host, addresses: s.addresses }))).toEqual(
      expected.sort((a, b) => a.instance.localeCompare(b.instance)),
    )
    // The MAC in the name is the one ARP shows: a Raspberry Pi OUI.
    for (const s of found) expect(s.instance).toMatch(/ \[(dc:a6:32|2c:cf:67)(:[0-9a-f]{2}){3}\]$/)
  })

  it('lists the hosts that publish _ssh._tcp with their SSH port', async () => {
    const found = await browse('_ssh._tcp')
    // A MicroOS box whose owner installed avahi (mdns-ssh) is found like any other.
    const want = ['microos-pi', 'ssh-port-2222', 'microos+mdns-ssh']
      .map(node)
      .map((n) => ({ instance: n.hostname, port: n.port, addresses: [n.address] }))
      .sort((a, b) => a.instance.localeCompare(b.instance))
    expect(found.map((s) => ({ instance: s.instance, port: s.port, addresses: s.addresses }))).toEqual(want)
    expect(found.find((s) => s.instance === node('ssh-port-2222').hostname)?.port).toBe(2222)
  })

  it('resolves <hostname>.local for every host with a responder, and not for MicroOS without one', async () => {
    const withResponder = ['pi4', 'pi5', 'microos-pi', 'ssh-port-2222', 'mdns-no-ssh', 'ubuntu-sudo-nopass'].map(node)
    const answers = await Promise.all(withResponder.map((n) => resolveHost(n.hostname)))
    answers.forEach((recs, i) => {
      const n = withResponder[i] as LabNode
      expect(
        recs.map((r) => r.data),
        n.hostname,
      ).toEqual([n.address])
    })
    expect(await resolveHost(node('microos').hostname)).toEqual([])
  })

  it('answers a name two hosts want with the first owner only; the newcomer is <name>-2', async () => {
    const owner = node('pi4')
    const clash = node('name-clash')
    expect(clash.hostname).toBe(owner.hostname)
    const [first, renamed] = await Promise.all([resolveHost(owner.hostname), resolveHost(`${owner.hostname}-2`)])
    expect(first.map((r) => r.source)).toEqual([owner.address])
    expect(renamed.map((r) => r.data)).toEqual([clash.address])
  })
})

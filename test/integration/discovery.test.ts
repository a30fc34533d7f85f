/**
 * Discovery and identification against the lab: real avahi responders and real sshd. The mixed
 * LAN has the six base profiles plus the awkward ones (SSH off, a name clash, an old cluster).
 */
import { execFile } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitUntil, useLab, type Lab, type LabNode } from '../lab/harness'
import type { Host } from '../../src/shared/types'
import { installLabKey, testApp, type TestApp } from './ssh-app'

let lab: Lab
let app: TestApp

beforeAll(async () => {
  lab = await useLab({
    profiles: [
      'pi4',
      'pi5',
      'microos',
      'microos-pi',
      'debian-sudo-nopass',
      'ubuntu-sudo-nopass',
      'mdns-no-ssh',
      'name-clash',
      'old-cluster',
    ],
  })
  app = testApp()
  installLabKey(app, lab.keyPath)
}, 180_000)

afterAll(() => app?.close())

/** Nodes that advertise a service (the others only publish their host name, or nothing). */
function advertising(): LabNode[] {
  return lab.nodes.filter((n) => n.mdns.workstation || n.mdns.ssh)
}

function discoveredAt(hosts: Host[], node: LabNode): Host | undefined {
  return hosts.find((h) => h.discovery?.addresses.includes(node.address))
}

describe('discovery', () => {
  it('lists every advertising node once, with the right hints', async () => {
    const seen: number[] = []
    const off = app.api.hosts.onChanged(({ hosts }) => seen.push(hosts.length))
    const result = await app.api.discovery.scan({ timeoutSec: 3 })
    off()
    expect(seen.length).toBeGreaterThan(0) // the list filled while scanning
    const hosts = await app.api.hosts.list()
    for (const node of advertising()) {
      const host = discoveredAt(hosts, node)
      expect(host, `${node.hostname} (${node.profile})`).toBeDefined()
      expect(result.hostIds).toContain(host!.id)
      expect(host!).toMatchObject({ source: 'mdns', pending: true, address: node.address })
      const hints = host!.discovery!.hints
      const isPi = node.model !== null
      expect(hints.raspberryPi, `${node.hostname} Pi hint`).toBe(isPi)
      expect(hints.microOs, `${node.hostname} MicroOS hint`).toBe(node.family === 'microos')
      if (node.mdns.workstation) expect(host!.discovery!.mac).toBe(node.mac.toLowerCase())
      if (node.mdns.ssh) expect(host!.port).toBe(node.port)
      expect(hosts.filter((h) => h.discovery?.addresses.includes(node.address))).toHaveLength(1)
    }
    for (const node of lab.nodes.filter((n) => !n.mdns.workstation && !n.mdns.ssh)) {
      expect(discoveredAt(hosts, node), `${node.hostname} advertises nothing`).toBeUndefined()
    }
  })

  it('marks the host that answers mDNS but refuses SSH as unreachable', async () => {
    const node = lab.node('mdns-no-ssh')
    await waitUntil(
      'the SSH check of the mDNS-only host',
      async () => discoveredAt(await app.api.hosts.list(), node)?.discovery?.sshReachable !== undefined,
      10_000,
    )
    const host = discoveredAt(await app.api.hosts.list(), node)!
    expect(host.discovery).toMatchObject({ sshReachable: false })
    expect(host.discovery!.sshReason).toMatch(/SSH is off/)
    const pi = discoveredAt(await app.api.hosts.list(), lab.node('pi4'))!
    expect(pi.discovery!.sshReachable).toBe(true)
  })

  it('keeps two machines with the same name apart', async () => {
    const twin = lab.node('name-clash')
    const first = lab.nodes.find((n) => n !== twin && n.base === 'pi4')!
    const hosts = await app.api.hosts.list()
    const a = discoveredAt(hosts, first)!
    const b = discoveredAt(hosts, twin)!
    expect(a.id).not.toBe(b.id)
    expect(a.discovery!.mac).not.toBe(b.discovery!.mac)
    expect(b.discovery!.hostname).not.toBe(a.discovery!.hostname) // avahi renamed the newcomer
  })

  it('never misses a node over back-to-back scans', async () => {
    const want = advertising().length
    const counts: number[] = []
    for (let i = 0; i < 5; i++) {
      const result = await app.api.discovery.scan({ timeoutSec: 2 })
      counts.push(result.hostIds.length)
    }
    expect(counts).toEqual(Array.from({ length: 5 }, () => want))
  }, 60_000)
})

describe('identification', () => {
  let ids: Map<LabNode, string>

  beforeAll(async () => {
    ids = new Map()
    const hosts = await app.api.hosts.list()
    for (const node of lab.nodes.filter((n) => n.sshd && n.keyLogin)) {
      const found = discoveredAt(hosts, node)
      const host = found
        ? await app.api.discovery.adopt(found.id, { user: node.user, port: node.port })
        : await app.addNode(node)
      await app.api.ssh.trust(host.id, node.hostKeyFingerprint!)
      ids.set(node, host.id)
    }
  }, 60_000)

  it('reports what each profile set up, in one probe', async () => {
    const results = await app.api.discovery.probe([...ids.values()])
    expect(results.filter((r) => !r.ok)).toEqual([])
    const machineIds = new Set<string>()
    for (const [node, id] of ids) {
      const r = results.find((x) => x.hostId === id)!
      if (!r.ok) throw new Error(r.error.message)
      const got = r.identification
      const what = `${node.hostname} (${node.profile})`
      expect(got.os, what).toMatchObject({ ...node.os, family: node.family, supported: true })
      expect(got.arch, what).toBe(node.arch)
      expect(got.kernel, what).toBe(node.kernel)
      expect(got.model ?? null, what).toBe(node.model)
      expect(got.swap.on, what).toBe(node.swap !== 'none')
      expect(got.leftovers.length > 0, what).toBe(node.oldCluster)
      expect(got.memoryCgroup, what).toBe(node.family === 'raspios' ? 'needs-cmdline' : 'enabled')
      expect(got.hostname, what).toBe(node.hostname.replace(/-2$/, ''))
      expect(Math.abs(got.clockOffsetMs), what).toBeLessThan(1000) // same machine, same clock
      machineIds.add(got.machineId)
      const cp = got.readiness.find((x) => x.role === 'control-plane')!
      if (node.oldCluster) {
        expect(cp.verdict).toBe('blocked')
        expect(cp.reasons.map((x) => x.message).join('\n')).toMatch(/leftovers of an old cluster.*reset first/)
      } else if (node.family === 'raspios') {
        expect(cp.verdict).toBe('fixable')
        const mustFix = cp.reasons.filter((x) => x.severity !== 'warning') // the lab's small disk warns
        expect(mustFix.map((x) => x.code).sort()).toEqual(['memory-cgroup', 'swap-on'])
        expect(cp.reasons.find((x) => x.code === 'swap-on')!.message).toBe('swap is on: Flotilla will turn it off')
      }
    }
    expect(machineIds.size).toBe(ids.size)
    // Stored with a timestamp.
    const stored = (await app.api.hosts.list()).find((h) => h.id === ids.values().next().value)!
    expect(Date.parse(stored.identification!.at)).toBeGreaterThan(Date.now() - 60_000)
  })

  it('flags a cloned machine-id on both hosts', async () => {
    const pi = lab.node('pi4')
    const debian = lab.node('debian-sudo-nopass')
    const piId = (await app.api.hosts.list()).find((h) => h.id === ids.get(pi))!.identification!.machineId
    await lab.nodeExec(debian, `printf '%s\\n' ${piId} > /etc/machine-id`)
    const [result] = await app.api.discovery.probe([ids.get(debian)!])
    if (!result!.ok) throw new Error(result!.error.message)
    const worker = result!.identification.readiness.find((x) => x.role === 'worker')!
    expect(worker.verdict).toBe('blocked')
    expect(worker.reasons.find((x) => x.code === 'duplicate-machine-id')!.message).toMatch(
      new RegExp(`duplicate machine-id with ${pi.hostname}`),
    )
    const piHost = (await app.api.hosts.list()).find((h) => h.id === ids.get(pi))!
    const piWorker = piHost.identification!.readiness.find((x) => x.role === 'worker')!
    expect(piWorker.reasons.map((x) => x.code)).toContain('duplicate-machine-id')
  })

  it('reports an unreachable host as its own failure', async () => {
    const node = lab.node('mdns-no-ssh')
    const host = discoveredAt(await app.api.hosts.list(), node)!
    const results = await app.api.discovery.probe([host.id, ids.get(lab.node('pi5'))!])
    expect(results[0]).toMatchObject({ hostId: host.id, ok: false, error: { code: 'UNREACHABLE' } })
    expect(results[1]!.ok).toBe(true)
  })
})

describe('flotilla discover / probe', () => {
  const BIN = join(import.meta.dirname, '../../bin/flotilla.mjs')
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-it-cli-'))
  const flotilla = (args: string[]) =>
    promisify(execFile)(process.execPath, [BIN, '--data-dir', dataDir, ...args], {
      env: { ...process.env, HOME: app.home },
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout + e.stderr }),
    )

  it('discovers as JSON, then probes a discovered host by its name', async () => {
    const found = await flotilla(['discover', '--timeout', '2', '--json'])
    expect(found.code).toBe(0)
    const hosts = JSON.parse(found.stdout) as Host[]
    const pi = lab.node('pi5')
    const host = hosts.find((h) => h.address === pi.address)!
    expect(host.discovery!.hints.raspberryPi).toBe(true)
    expect((await flotilla(['ssh', 'trust', host.label!, '--fingerprint', pi.hostKeyFingerprint!])).code).toBe(0)
    const probe = await flotilla(['probe', host.label!, '--json'])
    expect(probe.code).toBe(0)
    const [result] = JSON.parse(probe.stdout) as { ok: boolean; identification: { model: string } }[]
    expect(result).toMatchObject({ ok: true, identification: { model: pi.model } })
    const human = await flotilla(['probe', host.label!])
    expect(human.stdout).toContain('swap is on: Flotilla will turn it off')
  }, 30_000)
})

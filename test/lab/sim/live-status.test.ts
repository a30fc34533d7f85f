/**
 * The live cluster view's service (issue 14 §4) against an HA cluster built by `flotilla apply` with
 * the simulator's stand-ins (real HAProxy, real etcd 3.4, the API server stand-in, the real kubectl
 * on the desk): `clusters:watch` sends `clusters:live` snapshots with 5 Ready nodes and every
 * backend UP; `clusters:taint` removes both control-plane taints and restores them, checked with the
 * real kubectl; a control plane powered off shows as not answering (Flotilla's probe) with its
 * backend DOWN (HAProxy's stats). The detection time is printed, never asserted.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LiveEvents, LiveStatus } from '../../../src/shared/channels/status'
import { waitUntil } from '../harness'
import { buildSetup, cli, HA_PROFILES, haSpec, kubectl, PASSPHRASE, type BuildSetup } from './build-support'

describe('live cluster status of a kubeadm HA cluster (simulator stand-ins)', () => {
  let s: BuildSetup
  let kubeconfig: string
  const events: LiveEvents['clusters:live'][] = []
  let stopListening: () => void = () => undefined
  let renew: NodeJS.Timeout | undefined
  const WATCH = 'live-status-test'
  const cps = () => s.lab.nodes.slice(1, 4)
  const latest = (): LiveStatus | undefined => events.at(-1)?.status

  beforeAll(async () => {
    s = await buildSetup(HA_PROFILES, haSpec)
    const built = await cli(s, ['apply', 'homelab', '-f', s.specFile, '--yes'])
    expect(built.code, built.stdout + built.stderr).toBe(0)
    kubeconfig = join(s.scratch, 'admin.conf')
    const exported = await cli(s, ['kubeconfig', 'export', 'homelab', '--out', kubeconfig])
    expect(exported.code, exported.stderr).toBe(0)
    // The CLI made the vault; this app instance opens it to mint its in-memory admin client.
    await s.app.api.vault.unlock(PASSPHRASE)
    stopListening = s.app.api.clusters.onLive((e) => events.push(e))
  }, 900_000)

  afterAll(async () => {
    clearInterval(renew)
    await s?.app.api.clusters.unwatch(WATCH).catch(() => undefined)
    stopListening()
    s?.app.close()
    await s?.lab.dispose()
  })

  it('watch: snapshots show 5 Ready nodes (with OS and kubelet version), every backend UP, 3 healthy etcd members', async () => {
    const opsBefore = (await s.app.api.ops.list()).length
    const { leaseMs } = await s.app.api.clusters.watch('homelab', WATCH)
    // The view renews its lease; so does this test, for as long as it watches.
    renew = setInterval(() => void s.app.api.clusters.watch('homelab', WATCH), leaseMs / 3)
    const status = await waitUntil(
      'a live snapshot with every part read and all well',
      () => {
        const l = latest()
        const read = l?.readAt.etcd && l.readAt.backends && l.readAt.nodes && l.readAt.probes
        return read && l.healthy ? l : undefined
      },
      60_000,
      250,
    )
    expect(status.members).toHaveLength(5)
    expect(status.members.filter((m) => m.state === 'ready')).toHaveLength(5)
    for (const m of status.members) {
      expect(m.node?.kubeletVersion, m.host).toMatch(/^v1\.32\./)
      expect(m.os, m.host).toBeTruthy()
      expect(m.probe?.answering, m.host).toBe(true)
    }
    expect(status.members.filter((m) => m.specRoles.includes('control-plane')).map((m) => m.node?.roles)).toEqual([
      ['control-plane'],
      ['control-plane'],
      ['control-plane'],
    ])
    expect(status.backends.items?.map((b) => [b.server, b.up]).sort()).toEqual(
      cps()
        .map((n) => [n.hostname, true])
        .sort(),
    )
    expect(status.etcd.items?.filter((m) => m.healthy)).toHaveLength(3)
    // A dozen background reads later, the operations tray has not one more entry.
    await waitUntil('a dozen snapshots', () => events.length >= 12, 30_000, 250)
    expect((await s.app.api.ops.list()).length).toBe(opsBefore)
  }, 120_000)

  it('taints: remove takes both control-plane taints away (the real kubectl agrees), restore puts them back', async () => {
    const taintsOf = async (name: string) => {
      const r = await kubectl(kubeconfig, ['get', 'node', name, '-o', 'jsonpath={.spec.taints}'])
      expect(r.code, r.stderr).toBe(0)
      return r.stdout
    }
    const names = cps().map((n) => n.hostname.toLowerCase())
    for (const name of names) expect(await taintsOf(name)).toContain('node-role.kubernetes.io/control-plane')
    for (const name of names) {
      const r = await s.app.api.clusters.taint('homelab', name, 'remove-control-plane')
      expect(r).toMatchObject({ node: name, changed: true })
      expect(r.taints.filter((t) => t.startsWith('node-role.kubernetes.io/'))).toEqual([])
    }
    for (const name of names) {
      const taints = await taintsOf(name)
      expect(taints, name).not.toContain('node-role.kubernetes.io/control-plane')
      expect(taints, name).not.toContain('node-role.kubernetes.io/master')
    }
    // The live view sees it too (its next read of the nodes).
    await waitUntil(
      'the live snapshot without control-plane taints',
      () =>
        latest()
          ?.nodes.items?.filter((n) => names.includes(n.name))
          .every((n) => !n.taints.some((t) => t.startsWith('node-role.kubernetes.io/control-plane'))),
      30_000,
      250,
    )
    // Removing again changes nothing, and says so.
    expect((await s.app.api.clusters.taint('homelab', names[0]!, 'remove-control-plane')).changed).toBe(false)

    for (const name of names)
      expect((await s.app.api.clusters.taint('homelab', name, 'restore-control-plane')).taints).toContain(
        'node-role.kubernetes.io/control-plane:NoSchedule',
      )
    for (const name of names)
      expect(await taintsOf(name), name).toContain('"key":"node-role.kubernetes.io/control-plane"')
    await waitUntil(
      'the live snapshot with the control-plane taint back on every control plane',
      () =>
        latest()
          ?.nodes.items?.filter((n) => names.includes(n.name))
          .every((n) => n.taints.includes('node-role.kubernetes.io/control-plane:NoSchedule')),
      30_000,
      250,
    )
  }, 120_000)

  it('a control plane powered off shows as not answering with its backend DOWN (latency printed, not asserted)', async () => {
    const victim = cps()[1]!
    const name = victim.hostname.toLowerCase()
    const before = Date.now()
    await s.lab.powerCut(victim)
    // The lab's power cut takes a moment itself: latencies count from before it, reads from after it.
    const cut = Date.now()
    const seen = await waitUntil(
      `a snapshot showing ${victim.hostname} not answering and its backend DOWN`,
      () => {
        const l = latest()
        const member = l?.members.find((m) => m.nodeName === name)
        const backend = l?.backends.items?.find((b) => b.server === victim.hostname)
        return member?.state === 'not-answering' && backend && !backend.up ? l : undefined
      },
      60_000,
      100,
    )
    const seconds = (Date.now() - before) / 1000
    console.log(
      `live view: ${victim.hostname} not answering and its backend DOWN ${seconds.toFixed(1)} s after the power cut began (the cut itself took ${((cut - before) / 1000).toFixed(1)} s)`,
    )
    const member = seen.members.find((m) => m.nodeName === name)!
    expect(member.probe?.answering).toBe(false)
    expect(member.stateDetail).toContain("Flotilla's probe")
    expect(seen.healthy).toBe(false)
    // The others still answer and are Ready, in a read of the API made after the cut (through the
    // endpoint, whose connection to the dead backend must not freeze the view).
    const after = await waitUntil(
      'a read of the nodes after the cut, through the endpoint',
      () => {
        const l = latest()
        return l?.nodes.reachable && Date.parse(l.readAt.nodes ?? '') > cut + 500 ? l : undefined
      },
      60_000,
      100,
    )
    console.log(
      `live view: the API answered again ${((Date.now() - before) / 1000).toFixed(1)} s after the power cut began`,
    )
    expect(after.members.filter((m) => m.state === 'ready').map((m) => m.host)).toEqual(
      seen.members.filter((m) => m.nodeName !== name).map((m) => m.host),
    )
  }, 120_000)
})

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Cluster, Host } from '../../../shared/types'
import { ApplyLocks } from '../apply/apply-lock'
import { EventBus } from '../events'
import type { KubeClient } from '../kube/kube-client'
import { OperationRegistry, type OperationContext } from '../operations/registry'
import { renderPlan } from '../plan/planner'
import { fakeFleet } from '../plan/test-fixtures'
import { Redactor } from '../secrets/secret'
import type { ExecResult } from '../ssh/exec'
import { ResetService, type ResetServiceDeps } from './reset-service'

/** Every host answers every command with exit 0 (so every step's check says done), and a probe finds `leftovers[label]`. */
function setup(leftovers: Record<string, string[]> = {}) {
  const fleet = fakeFleet(5)
  let hosts: Host[] = fleet.hosts
  const cluster = {
    id: 'c1',
    name: 'homelab',
    flavour: 'kubeadm',
    endpointHost: fleet.hosts[3]!.address,
    endpointPort: 6443,
    spec: fleet.spec,
  } as Cluster
  const removed: string[] = []
  const probed: string[][] = []
  const ok = { exitCode: 0, stdout: Buffer.from(''), stderr: '', stdoutBytes: 0, stderrBytes: 0, truncated: false }
  const deps: ResetServiceDeps = {
    hosts: () => hosts,
    identify: {
      probe: (ids: string[]) => {
        probed.push(ids)
        hosts = hosts.map((h) =>
          ids.includes(h.id)
            ? { ...h, identification: { ...h.identification!, leftovers: leftovers[h.label!] ?? [] } }
            : h,
        )
        return Promise.resolve(ids.map((hostId) => ({ hostId, ok: true })))
      },
    },
    ssh: {
      run: () => Promise.resolve(ok as ExecResult),
      upload: () => Promise.resolve(),
      reboot: () => Promise.resolve(),
    } as unknown as ResetServiceDeps['ssh'],
    kube: {
      kubeClient: () =>
        Promise.resolve({ core: { listNode: () => Promise.resolve({ items: [] }) } } as unknown as KubeClient),
    },
    locks: new ApplyLocks(mkdtempSync(join(tmpdir(), 'reset-locks-'))),
    pki: { show: () => ({}), remove: (id: string) => void removed.push(id) as unknown as Promise<void> },
    now: () => fleet.now,
  }
  const service = new ResetService(deps)
  const ops = new OperationRegistry(new EventBus(), new Redactor())
  const op = <T>(work: (ctx: OperationContext) => Promise<T>) =>
    ops.run({ id: crypto.randomUUID(), kind: 'reset:run', title: 't' }, work)
  const reviewed = async (options: { hosts?: string[]; deletePki?: boolean }) => {
    const { plan, checks } = await op((ctx) => service.plan(cluster, options, ctx))
    const view = renderPlan(plan, checks)
    return {
      specHash: view.specHash,
      factsFingerprint: view.factsFingerprint,
      hosts: Object.fromEntries(view.hosts.map((h) => [h.hostId, h.factsHash])),
    }
  }
  return { service, cluster, op, reviewed, removed, probed, deps }
}

describe('ResetService.run', () => {
  it('re-probes every reset host and deletes the CAs only when all are clean', async () => {
    const s = setup()
    const result = await s.op(async (ctx) =>
      s.service.run(s.cluster, { deletePki: true, reviewed: await s.reviewed({ deletePki: true }) }, ctx),
    )
    // Workers first, control planes one at a time, kubeadm init's last.
    expect(result.verified.map((v) => [v.host, v.clean])).toEqual([
      ['worker-1', true],
      ['cp-2', true],
      ['cp-3', true],
      ['cp-1', true],
    ])
    expect(result.pkiDeleted).toBe(true)
    expect(s.removed).toEqual(['c1'])

    const dirty = setup({ 'cp-2': ['/var/lib/etcd'] })
    const kept = await dirty.op(async (ctx) =>
      dirty.service.run(dirty.cluster, { deletePki: true, reviewed: await dirty.reviewed({ deletePki: true }) }, ctx),
    )
    expect(kept.verified.find((v) => v.host === 'cp-2')).toMatchObject({ clean: false, leftovers: ['/var/lib/etcd'] })
    expect(kept.pkiDeleted).toBe(false)
    expect(dirty.removed).toEqual([])
  })

  it('refuses while another apply or reset holds the lock, and a plan that changed since it was reviewed', async () => {
    const s = setup()
    const reviewed = await s.reviewed({ hosts: ['worker-1'] })
    const dir = (s.deps.locks as unknown as { dir: string }).dir
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(dir, 'homelab.lock'),
      JSON.stringify({
        cluster: 'homelab',
        pid: process.pid,
        host: hostname(),
        startedAt: 'now',
        opId: 'x',
        token: 't',
      }),
    )
    await expect(s.op((ctx) => s.service.run(s.cluster, { hosts: ['worker-1'], reviewed }, ctx))).rejects.toThrow(
      /Another apply of homelab is running/,
    )
    await s.deps.locks.break('homelab')
    await expect(s.op((ctx) => s.service.run(s.cluster, { hosts: ['cp-2'], reviewed }, ctx))).rejects.toThrow(
      /re-plan: /,
    )
    expect(s.probed.flat()).toEqual([])
  })
})

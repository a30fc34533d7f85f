import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { ReviewedPlan } from '../../../shared/channels/apply'
import type { Host } from '../../../shared/types'
import { EventBus } from '../events'
import { OperationRegistry } from '../operations/registry'
import { buildPlan, renderPlan, type Plan } from '../plan/planner'
import { PREPARE_RECIPES } from '../plan/recipes'
import { fakeFleet, NOW } from '../plan/test-fixtures'
import { Redactor } from '../secrets/secret'
import type { RunnerSsh } from './runner'
import { ApplyLocks } from './apply-lock'
import { ApplyService, refuseUnreviewed } from './apply-service'

function planOf(hosts: Host[], spec = fakeFleet(5).spec): Plan {
  const byLabel = (l: string) => hosts.find((h) => h.label === l)!
  return buildPlan({
    spec,
    validation: {
      problems: [],
      blocked: false,
      nodes: spec.spec.nodes.map((n, i) => ({
        ref: n.host,
        path: `spec.nodes[${i}]`,
        host: byLabel(n.host),
        roles: n.roles,
      })),
      endpointHost: byLabel(spec.spec.endpoint.haproxy!.host),
    },
    recipes: PREPARE_RECIPES,
    kubernetes: { minor: '1.32' },
    now: NOW,
  })
}

function reviewedOf(plan: Plan): ReviewedPlan {
  const view = renderPlan(plan)
  return {
    specHash: view.specHash,
    factsFingerprint: view.factsFingerprint,
    hosts: Object.fromEntries(view.hosts.map((h) => [h.hostId, h.factsHash])),
  }
}

const withFacts = (hosts: Host[], label: string, change: (f: NonNullable<Host['identification']>) => object) =>
  hosts.map((h) =>
    h.label === label ? { ...h, identification: { ...h.identification!, ...change(h.identification!) } } : h,
  )

describe('refuseUnreviewed', () => {
  const fleet = fakeFleet(5)
  const reviewed = reviewedOf(planOf(fleet.hosts))

  it('accepts the same plan, also when only volatile facts moved (probe time, clock offset, free disk)', () => {
    const moved = withFacts(fleet.hosts, 'cp-2', () => ({
      at: '2026-12-07T10:00:00.000Z',
      clockOffsetMs: 812,
      diskFreeMiB: 1,
    }))
    expect(() => refuseUnreviewed(planOf(moved), reviewed)).not.toThrow()
  })

  it('names the host whose facts changed, and refuses a changed spec', () => {
    const changed = withFacts(fleet.hosts, 'cp-2', (f) => ({ swap: { ...f.swap, on: !f.swap.on } }))
    expect(() => refuseUnreviewed(planOf(changed), reviewed)).toThrow('re-plan: cp-2 changed since you reviewed it')
    const spec = structuredClone(fleet.spec)
    spec.spec.network.podSubnet = '10.245.0.0/16'
    expect(() => refuseUnreviewed(planOf(fleet.hosts, spec), reviewed)).toThrow(/re-plan: the spec of homelab changed/)
  })
})

describe('ApplyService', () => {
  const fleet = fakeFleet(5)
  const plan = planOf(fleet.hosts)
  // Every check says done: the apply itself changes nothing, which is what this part is about.
  const ssh = {
    run: () => Promise.resolve({ exitCode: 0, stdout: Buffer.from('ok'), stderr: '' }),
  } as unknown as RunnerSsh

  function setup() {
    const dir = mkdtempSync(join(tmpdir(), 'apply-lock-'))
    const locks = new ApplyLocks(dir)
    const ops = new OperationRegistry(new EventBus(), new Redactor())
    const service = new ApplyService({
      plans: { compute: () => Promise.resolve({ plan, checks: new Map() }) },
      locks,
      runner: { ssh },
    })
    const apply = (id: string, reviewed = reviewedOf(plan)) =>
      ops.run({ id, kind: 'apply:run', title: 'Applying homelab' }, (ctx) =>
        service.apply({ spec: fleet.spec, reviewed }, ctx),
      )
    return { dir, locks, apply }
  }

  it('holds the lock while it runs and lets it go; a finished plan is "nothing to do"', async () => {
    const { locks, apply } = setup()
    const result = await apply('op1')
    expect(result.nothingToDo).toBe(true)
    expect(result.skipped).toHaveLength(plan.steps.length)
    expect(locks.read('homelab')).toBeNull()
  })

  it('refuses while another live apply holds the lock; takes over a stale one; breaks one deliberately', async () => {
    const { dir, locks, apply } = setup()
    const held = await locks.acquire('homelab', 'other-op')
    await expect(apply('op1')).rejects.toThrow(/Another apply of homelab is running \(process \d+ on .*--break-lock/)
    await held.release()

    // A lock whose process is gone (a child that has exited) is stale.
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!
    const lock = {
      cluster: 'homelab',
      pid: deadPid,
      host: hostname(),
      startedAt: NOW.toISOString(),
      opId: 'x',
      token: 't',
    }
    writeFileSync(join(dir, 'homelab.lock'), JSON.stringify(lock))
    expect(locks.read('homelab')).toMatchObject({ pid: deadPid, stale: true })
    await expect(apply('op2')).resolves.toMatchObject({ nothingToDo: true })

    await locks.acquire('homelab', 'live-op')
    expect(locks.read('homelab')).toMatchObject({ opId: 'live-op', stale: false })
    expect(await locks.break('homelab')).toMatchObject({ opId: 'live-op' })
    await expect(apply('op3')).resolves.toMatchObject({ nothingToDo: true })
  })

  it('refuses a stale reviewed plan before any step runs', async () => {
    const { apply } = setup()
    const changed = withFacts(fleet.hosts, 'worker-1', (f) => ({ kernel: `${f.kernel}+new` }))
    await expect(apply('op1', reviewedOf(planOf(changed)))).rejects.toThrow(
      're-plan: worker-1 changed since you reviewed it',
    )
  })
})

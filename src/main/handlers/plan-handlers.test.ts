import { describe, expect, it } from 'vitest'
import { testAppIn } from '../app-test-support'
import { fakeFleet, probedJustNow } from '../services/plan/test-fixtures'
import { hostScript } from '../services/plan/script-writer'
import { tempDir } from '../services/vault/test-support'

/** The app in process over a fake fleet probed just now (no SSH: the plan's checks are off). */
async function fleetApp() {
  const app = testAppIn(tempDir('flotilla-plan-handlers-'))
  const fleet = fakeFleet(6)
  app.inventory.mutate(() => probedJustNow(fleet.hosts))
  await app.api.clusters.import(fleet.spec as unknown as Record<string, unknown>)
  return app
}

describe('plan:scripts over the contract', () => {
  it('gives the scripts of the plan a plan:compute made, one per host, as `plan --script` writes them', async () => {
    const app = await fleetApp()
    try {
      const opId = 'plan-op-1'
      const view = await app.api.plan.compute('homelab', { checks: false }, { opId })
      const scripts = await app.api.plan.scripts(opId, 'homelab')
      expect(scripts.map((s) => s.fileName)).toEqual([
        'lb-1.sh',
        'cp-1.sh',
        'cp-2.sh',
        'cp-3.sh',
        'worker-1.sh',
        'worker-2.sh',
      ])
      for (const s of scripts) {
        expect(s.host).toBe(view.hosts.find((h) => h.hostId === s.hostId)?.host)
        // The same text as the CLI's (apart from the random here-document tags).
        const tags = (t: string) => t.replace(/FLOTILLA_EOF_[0-9a-f]+/g, 'TAG')
        expect(tags(s.text)).toBe(tags(hostScript(view, s.hostId)))
        expect(s.text).toMatch(/^#!\/bin\/sh\n/)
      }
      expect(scripts.find((s) => s.host === 'cp-1')!.text).toContain('swapoff -a')
    } finally {
      app.close()
    }
  })

  it('refuses an unknown plan and a plan of another cluster with sentences that say what to do', async () => {
    const app = await fleetApp()
    try {
      await expect(app.api.plan.scripts('no-such-plan', 'homelab')).rejects.toMatchObject({
        code: 'OPERATION_NOT_FOUND',
        message: expect.stringContaining('plan again'),
      })
      await app.api.plan.compute('homelab', { checks: false }, { opId: 'plan-op-2' })
      await expect(app.api.plan.scripts('plan-op-2', 'other')).rejects.toMatchObject({
        code: 'INVALID_INPUT',
        message: 'That plan is of cluster "homelab", not "other".',
      })
      await expect(app.api.plan.scripts('bad id!', 'homelab')).rejects.toMatchObject({ code: 'INVALID_INPUT' })
    } finally {
      app.close()
    }
  })
})

/**
 * Plan review against the real server's plan of a seeded fake fleet (six hosts probed "just now",
 * so nothing is probed again). The page's plan:compute runs with its checks off: the fake hosts'
 * addresses are not to be reached from here. Real: the plan, its steps and files, plan:scripts. The
 * page's apply:run is replaced (it would check over SSH): it records the pins it is given and answers
 * as apply does for a plan that changed since the review. (This fleet's plan has no secret files
 * before its later phases: the placeholder chips have a unit test, Placeholders.test.ts.)
 */
import { readFileSync } from 'node:fs'
import type { Download, Page } from '@playwright/test'
import { createApp } from '../../src/main/app'
import { fakeFleet, probedJustNow } from '../../src/main/services/plan/test-fixtures'
import { confStoreFactory } from '../../src/main/services/store/conf-store'
import { themedShots } from './support/shots'
import { expect, seededTest as test } from './web-fixture'

test.use({
  seed: {
    write: (dataDir) => {
      const app = createApp({ dataDir, transport: 'cli', version: 'test', createStore: confStoreFactory(dataDir) })
      const fleet = fakeFleet(6)
      app.inventory.mutate(() => probedJustNow(fleet.hosts))
      app.close()
      // The cluster record is made by the server (import below): the spec as the CLI would give it.
      ;(globalThis as { fleetSpec?: unknown }).fleetSpec = fleet.spec
    },
  },
})

/** Plans with the checks off (no SSH to the fake addresses); the rest of the page is untouched. */
async function checksOff(page: Page): Promise<void> {
  await page.evaluate(() => {
    const plan = window.api.plan
    const compute = plan.compute.bind(plan)
    plan.compute = (cluster, options = {}, opOptions) => compute(cluster, { ...options, checks: false }, opOptions)
  })
}

test('the plan shows every host’s steps, exact commands and files with secrets as chips; scripts download; Apply sends the reviewed pins; a stale plan offers re-plan', async ({
  page,
  web,
}) => {
  await page.goto(web.url)
  const spec = (globalThis as { fleetSpec?: unknown }).fleetSpec
  await page.evaluate((s) => window.api.clusters.import(s as Record<string, unknown>), spec)
  await checksOff(page)
  await page.evaluate(() => (window.location.hash = '#/clusters/homelab/plan'))

  const hosts = page.getByTestId('plan-host')
  await expect(hosts).toHaveCount(6)
  await expect(page.getByTestId('plan-summary')).toContainText('steps on 6 hosts')
  await expect(page.getByTestId('plan-summary')).toContainText('not checked')
  // The first host is open: its steps in order with their exact commands.
  const lb = page.getByRole('region', { name: 'lb-1' })
  await expect(lb.getByRole('button', { name: /lb-1/ })).toHaveAttribute('aria-expanded', 'true')
  await expect(lb.getByText('haproxy', { exact: true }).first()).toBeVisible()
  // Another host opens on demand; a control plane turns swap off, as root.
  const cp = page.getByRole('region', { name: 'cp-1' })
  await cp.getByRole('button', { name: /cp-1/ }).click()
  const swap = cp.getByTestId('plan-step').filter({ hasText: 'Turn swap off' })
  await expect(swap).toContainText('swapoff -a')
  await expect(swap).toContainText('as root')
  await expect(swap).toContainText('not checked')
  // A file it writes: path, mode, owner, and its content on demand.
  const sysctl = cp.getByTestId('plan-step').filter({ hasText: 'Set the kernel network settings' })
  await expect(sysctl).toContainText('/etc/sysctl.d/k8s.conf')
  await sysctl.getByRole('button', { name: 'Show content' }).click()
  await expect(sysctl.getByLabel('Content of /etc/sysctl.d/k8s.conf')).toContainText(
    'net.bridge.bridge-nf-call-iptables = 1',
  )

  // Download scripts: one per host, the real plan:scripts of this very plan.
  const downloads: Download[] = []
  page.on('download', (d) => downloads.push(d))
  await page.getByRole('button', { name: 'Download scripts' }).click()
  await expect(page.locator('.plan-scripts a')).toHaveCount(6)
  // The browser may hold back all but the first of several downloads: each file has its link too.
  await expect.poll(() => downloads.length).toBeGreaterThan(0)
  if (!downloads.some((d) => d.suggestedFilename() === 'cp-1.sh'))
    await page.locator('.plan-scripts a', { hasText: 'cp-1.sh' }).click()
  await expect.poll(() => downloads.some((d) => d.suggestedFilename() === 'cp-1.sh')).toBe(true)
  const file = await downloads.find((d) => d.suggestedFilename() === 'cp-1.sh')!.path()
  const script = readFileSync(file, 'utf8')
  expect(script).toMatch(/^#!\/bin\/sh\n/)
  expect(script).toContain('swapoff -a')
  await themedShots(page, 'plan')

  // Apply sends exactly the reviewed pins and opens the run view on its operation. The server's
  // apply would run the checks over SSH (not from here): the page's call answers as apply does
  // for a plan that changed since the review, and the run view says so and offers to re-plan.
  await page.evaluate(() => {
    const calls: unknown[] = []
    ;(window as unknown as { applyCalls: unknown[] }).applyCalls = calls
    window.api.apply.run = (...args: unknown[]) => {
      calls.push(args)
      return Promise.reject({
        code: 'INVALID_INPUT',
        message: 're-plan: cp-1 changed since you reviewed it. Nothing was changed.',
      })
    }
  })
  await page.getByRole('button', { name: 'Apply' }).click()
  await expect(page).toHaveURL(/#\/clusters\/homelab\/run\/[A-Za-z0-9_-]+$/)
  const [call] = (await page.evaluate(() => (window as unknown as { applyCalls: unknown[] }).applyCalls)) as [
    string,
    { reviewed: { specHash: string; factsFingerprint: string; hosts: Record<string, string> } },
    { opId: string },
  ][]
  const plan = await page.evaluate(() => window.api.plan.compute('homelab', {}))
  expect(call![0]).toBe('homelab')
  expect(call![1].reviewed.specHash).toBe(plan.specHash)
  expect(Object.keys(call![1].reviewed.hosts).sort()).toEqual(plan.hosts.map((h) => h.hostId).sort())
  expect(page.url()).toContain(call![2].opId)
  await expect(page.getByRole('alert')).toContainText('The plan changed since you reviewed it.')
  await themedShots(page, 'run-stale-plan')
  await page.getByRole('button', { name: 'Re-plan' }).click()
  await expect(page).toHaveURL(/#\/clusters\/homelab\/plan$/)
  await expect(page.getByTestId('plan-host')).toHaveCount(6)
})

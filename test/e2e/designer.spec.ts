import type { ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Locator, Page } from '@playwright/test'
import type { Host } from '../../src/shared/types'
import { seededHost, type SeededHostOptions } from './support/seeded-host'
import { expect, startWebUi, test } from './web-fixture'

const SHOTS = process.env.FLOTILLA_SHOTS

const MICROOS = {
  id: 'opensuse-microos',
  versionId: '20261201',
  prettyName: 'openSUSE MicroOS',
  family: 'microos',
  supported: true,
} as const

/** Six adopted, trusted hosts with facts: three Pis, a MicroOS box, an x86 worker and a 1 GB Pi. */
function inventory(): Host[] {
  const at = new Date().toISOString()
  type Over = NonNullable<SeededHostOptions['facts']>
  const host = (n: number, label: string, facts: Over): Host =>
    seededHost(n, { id: `e2e-host-${n}`, address: `192.168.7.${10 + n}`, label, at, facts })
  return [
    host(1, 'cp-1', {}),
    host(2, 'cp-2', {}),
    host(3, 'cp-3', {}),
    host(4, 'lb-1', { os: MICROOS, arch: 'x86_64', model: undefined, memoryMiB: 1900, cpus: 2 }),
    host(5, 'worker-1', {
      os: { ...MICROOS, id: 'debian', prettyName: 'Debian GNU/Linux 12 (bookworm)', family: 'debian' },
      arch: 'x86_64',
      model: undefined,
      memoryMiB: 7800,
    }),
    host(6, 'pi-1gb', { memoryMiB: 906, model: 'Raspberry Pi 3 Model B Rev 1.2' }),
  ]
}

function stop(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGTERM')
  } catch {
    // already gone
  }
}

const card = (page: Page, name: string) => page.locator(`[data-testid=host-card][data-host="${name}"]`)
const zone = (page: Page, target: string) => page.getByTestId(`zone-${target}`)

/** Drags a host card by mouse to the middle of a zone, in steps (the pointer sensor needs movement). */
async function drag(page: Page, name: string, to: Locator, release = true) {
  const from = await card(page, name).locator('.host-card-main').boundingBox()
  const box = await to.boundingBox()
  await page.mouse.move(from!.x + 30, from!.y + 15)
  await page.mouse.down()
  await page.mouse.move(from!.x + 45, from!.y + 25, { steps: 4 })
  await page.mouse.move(box!.x + box!.width / 2, box!.y + Math.min(box!.height / 2, 40), { steps: 12 })
  if (release) await page.mouse.up()
}

async function shots(page: Page, name: string, resize = true) {
  if (!SHOTS) return
  if (!resize) {
    // A resize cancels a drag (dnd-kit): themes only, at the current size.
    for (const theme of ['light', 'dark']) {
      await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme)
      await page.screenshot({ path: join(SHOTS, `${name}-${theme}.png`) })
    }
    await page.evaluate(() => (document.documentElement.dataset.theme = 'light'))
    return
  }
  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme)
    for (const [w, h] of [
      [1280, 800],
      [1920, 1080],
      [800, 600],
      // 800 wide, tall enough to see what lies below the fold (the tray under the canvas).
      [800, 1700],
    ] as const) {
      await page.setViewportSize({ width: w, height: h })
      await page.screenshot({ path: join(SHOTS, `${name}-${w}x${h}-${theme}.png`), fullPage: true })
    }
  }
  await page.evaluate(() => (document.documentElement.dataset.theme = 'light'))
  await page.setViewportSize({ width: 1280, height: 800 })
}

test('design a cluster: drag roles by mouse and keyboard, a refused drop explains itself, edit the spec, export it', async ({
  page,
}) => {
  test.setTimeout(120_000)
  const web = await startWebUi(
    {},
    { seed: (dir) => writeFileSync(join(dir, 'inventory.json'), JSON.stringify({ hosts: inventory() })) },
  )
  try {
    await page.goto(web.url + '#/clusters')
    await expect(page.getByText('6 adopted hosts to build with.')).toBeVisible()
    await page.getByRole('button', { name: 'New cluster' }).click()
    const dialog = page.getByRole('dialog', { name: 'New cluster' })
    await dialog.getByLabel('Cluster name').fill('homelab')
    await dialog.getByLabel('HAProxy host').selectOption({ label: 'lb-1' })
    await shots(page, 'new-cluster')
    await dialog.getByRole('button', { name: 'Create and design' }).click()
    await expect(page.getByRole('heading', { level: 1, name: 'homelab' })).toBeVisible()
    await expect(zone(page, 'endpoint')).toContainText('lb-1')
    await expect(zone(page, 'control-plane-subtitle')).toHaveText(
      'Blocks the plan: No control planes: the cluster has no API server.',
    )
    await expect(zone(page, 'none').getByTestId('host-card')).toHaveCount(5)
    await expect(card(page, 'cp-1').locator('.host-kind-pi')).toBeVisible()
    await expect(card(page, 'worker-1')).toContainText('7.6 GB · x86_64')
    await expect(card(page, 'lb-1').locator('.host-kind-microos')).toBeVisible()
    await shots(page, 'designer-empty')

    // Three control planes by mouse; each move saves and the canvas shows the saved spec.
    for (const name of ['cp-1', 'cp-2', 'cp-3']) {
      await drag(page, name, zone(page, 'control-plane'))
      await expect(zone(page, 'control-plane').locator(`[data-host="${name}"]`)).toBeVisible()
    }
    await expect(zone(page, 'control-plane-subtitle')).toHaveText(
      '3 control planes: survives 1 failure (etcd needs 2 of 3 up).',
    )

    // One worker by keyboard only: focus the card, Space picks it up, arrows go from place to place.
    await card(page, 'worker-1').locator('.host-card-main').focus()
    await page.keyboard.press('Space')
    for (let i = 0; i < 5 && !(await zone(page, 'worker').evaluate((e) => e.classList.contains('zone-over'))); i++) {
      await page.keyboard.press('ArrowUp')
    }
    await expect(zone(page, 'worker')).toHaveClass(/zone-over/)
    await page.keyboard.press('Space')
    await expect(zone(page, 'worker').locator('[data-host="worker-1"]')).toBeVisible()
    await expect(card(page, 'worker-1').locator('.host-card-main')).toBeFocused()

    const id = await page.evaluate(async () => (await window.api.clusters.list())[0]!.id)
    const before = await page.evaluate(async (cid) => window.api.clusters.spec(cid), id)
    expect(before.spec.spec.nodes.map((n) => [n.host, n.roles])).toEqual([
      ['cp-1', ['control-plane']],
      ['cp-2', ['control-plane']],
      ['cp-3', ['control-plane']],
      ['worker-1', ['worker']],
    ])

    // The 1 GB Pi over the control planes: the place says why not while dragging, and after the drop.
    const sentence = 'pi-1gb: 906 MB RAM: too little for a control plane (2 GB minimum).'
    await drag(page, 'pi-1gb', zone(page, 'control-plane'), false)
    await expect(zone(page, 'control-plane')).toContainText(`Can't drop here: ${sentence}`)
    await expect(zone(page, 'worker')).toContainText('Drop here')
    await shots(page, 'designer-dragging', false)
    await page.mouse.up()
    await expect(zone(page, 'control-plane').getByTestId('rejection')).toContainText(`Not saved. ${sentence}`)
    await expect(zone(page, 'none').locator('[data-host="pi-1gb"]')).toBeVisible()
    const after = await page.evaluate(async (cid) => window.api.clusters.spec(cid), id)
    expect(after.revision).toBe(before.revision)
    expect(after.spec).toEqual(before.spec)
    await shots(page, 'designer-refused')

    // The spec panel edits the same document.
    const panel = page.getByRole('form', { name: 'Cluster spec' })
    await panel.getByLabel('Pod subnet').fill('10.32.0.0/16')
    // Meanwhile saved elsewhere (the CLI, another window): this edit must not overwrite that.
    await page.evaluate(async (cid) => {
      const { spec, revision } = await window.api.clusters.spec(cid)
      const edited = { ...spec, spec: { ...spec.spec, devCluster: true } }
      await window.api.clusters.import(edited as unknown as Record<string, unknown>, { expectedRevision: revision })
    }, id)
    await expect(panel.getByText(/saved elsewhere since you started editing/)).toBeVisible()
    await panel.getByRole('button', { name: 'Save spec' }).click()
    await expect(page.getByText(/changed elsewhere; the designer reloaded it/)).toBeVisible()
    await expect(panel.getByLabel('Pod subnet')).toHaveValue('10.244.0.0/16')
    await expect(panel.getByRole('switch', { name: /Dev cluster/ })).toBeChecked()

    await panel.getByLabel('Pod subnet').fill('10.32.0.0/16')
    await panel.getByRole('button', { name: 'Save spec' }).click()
    await expect(page.getByText('Spec saved.')).toBeVisible()
    await expect(panel.getByLabel('Pod subnet')).toHaveValue('10.32.0.0/16')
    await expect(panel.getByText(/saved elsewhere since you started editing/)).toHaveCount(0)
    await expect(panel.getByRole('button', { name: 'Undo changes' })).toBeDisabled()

    const download = page.waitForEvent('download')
    await page.getByRole('button', { name: 'Export YAML' }).click()
    const file = await download
    expect(file.suggestedFilename()).toBe('homelab.yaml')
    const yaml = readFileSync((await file.path())!, 'utf8')
    expect(yaml).toContain('podSubnet: 10.32.0.0/16')
    expect(yaml).toContain('devCluster: true')
    expect(yaml).toMatch(/haproxy:\s+host: lb-1/)
    for (const [host, role] of [
      ['cp-1', 'control-plane'],
      ['cp-3', 'control-plane'],
      ['worker-1', 'worker'],
    ]) {
      expect(yaml).toMatch(new RegExp(`host: ${host}\\s+roles:\\s+- ${role}`))
    }
    expect(yaml).not.toContain('pi-1gb')
    await shots(page, 'designer-done')

    // 800x600: the tray goes below the canvas and nothing scrolls sideways.
    await page.setViewportSize({ width: 800, height: 600 })
    const layout = await page.evaluate(() => {
      const content = document.querySelector('.content')!
      const canvas = document.querySelector('.topology-canvas')!.getBoundingClientRect()
      const tray = document.querySelector('[data-testid=zone-none]')!.getBoundingClientRect()
      return { sideways: content.scrollWidth - content.clientWidth, below: tray.top >= canvas.bottom }
    })
    expect(layout).toEqual({ sideways: 0, below: true })
    await page.setViewportSize({ width: 1280, height: 800 })

    // The menu path, by keyboard: the refused place says why, the worker place takes it.
    await page.getByRole('button', { name: 'Move pi-1gb to…' }).focus()
    await page.keyboard.press('Enter')
    const menu = page.getByRole('menu', { name: 'Move pi-1gb to' })
    await expect(menu.getByRole('menuitem', { name: /Control plane/ })).toContainText(`Not possible: ${sentence}`)
    await expect(menu.getByRole('menuitem').first()).toBeFocused()
    await shots(page, 'move-menu', false)
    while (!(await menu.getByRole('menuitem', { name: /^Worker/ }).evaluate((e) => e === document.activeElement))) {
      await page.keyboard.press('ArrowDown')
    }
    await page.keyboard.press('Enter')
    await expect(zone(page, 'worker').locator('[data-host="pi-1gb"]')).toBeVisible()
    await expect(page.getByRole('button', { name: 'Move pi-1gb to…' })).toBeFocused()
    const last = await page.evaluate(async (cid) => window.api.clusters.spec(cid), id)
    expect(last.spec.spec.nodes.at(-1)).toEqual({ host: 'pi-1gb', roles: ['worker'] })

    await page.getByRole('button', { name: 'Review plan' }).click()
    await expect(page).toHaveURL(/#\/clusters\/homelab\/plan$/)
    await page.goto(web.url + '#/clusters')
    await expect(page.getByTestId('cluster-card')).toContainText('3 control planes')
    await shots(page, 'cluster-list')
  } finally {
    stop(web.child)
  }
})

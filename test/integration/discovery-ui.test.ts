/**
 * The Hosts screen in Chromium against the lab: machines appear while the scan runs, with Pi /
 * MicroOS badges; a discovered host is adopted through the SSH connect dialogs and identified,
 * and its readiness chips open their reasons.
 */
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useLab, type Lab } from '../lab/harness'
import { openBrowserUi, type BrowserUi } from './browser-ui'
import { installLabKey, testApp, type TestApp } from './ssh-app'

let lab: Lab
let app: TestApp
let ui: BrowserUi
let page: Page

beforeAll(async () => {
  lab = await useLab({ profiles: ['pi4', 'microos-pi', 'mdns-no-ssh', 'pi5'] })
  app = testApp()
  installLabKey(app, lab.keyPath)
  ui = await openBrowserUi(app)
  page = ui.page
}, 180_000)

afterAll(async () => {
  await ui?.close()
  app?.close()
})

const shot = (name: string) => ui.shot(name, { fullPage: true })

describe('Hosts screen with discovery', () => {
  it('lists machines while the scan runs, with their badges', async () => {
    await page.getByRole('button', { name: 'Scan the LAN' }).click()
    // The scan's live status (the empty state is a status too, until the first machine shows up).
    const scanning = page.getByRole('status').filter({ hasText: /Scanning the LAN/ })
    await expect.poll(() => scanning.count()).toBe(1)
    const found = page.getByRole('list', { name: 'Found on the LAN' })
    await expect.poll(() => found.getByTestId('found-row').count(), { timeout: 10_000 }).toBe(4)
    await expect.poll(() => scanning.count()).toBe(1) // still scanning
    await expect
      .poll(() => found.locator(`[data-address="${lab.node('mdns-no-ssh').address}"]`).textContent(), {
        timeout: 10_000,
      })
      .toContain('SSH off')
    await shot('hosts-scanning')
    const pi = found.locator(`[data-address="${lab.node('pi4').address}"]`)
    expect(await pi.locator('.badge-pi').count()).toBe(1)
    const microos = found.locator(`[data-address="${lab.node('microos-pi').address}"]`)
    expect(await microos.locator('.badge-microos').count()).toBe(1)
    await page.getByRole('button', { name: 'Stop' }).click()
    await expect.poll(() => page.getByRole('button', { name: 'Scan the LAN' }).count()).toBe(1)
  })

  it('adopts a discovered host through the SSH dialogs, identifies it and explains its readiness', async () => {
    const node = lab.node('microos-pi')
    const row = page.locator(`[data-address="${node.address}"]`)
    await row.getByRole('button', { name: 'Adopt' }).click()
    // The login proposed from the hints, by the same rule as the CLI (MicroOS: root).
    await expect.poll(() => row.getByLabel('SSH user').inputValue()).toBe('root')
    await row.getByLabel('SSH user').fill(node.user)
    await row.getByRole('button', { name: 'Adopt and connect' }).click()
    const trust = page.getByRole('dialog', { name: 'Trust this host?' })
    await expect.poll(() => trust.getByTestId('fingerprint').textContent()).toBe(node.hostKeyFingerprint)
    await trust.getByRole('button', { name: 'Trust' }).click()
    const adopted = page.getByRole('list', { name: 'Hosts' }).locator(`[data-address="${node.address}"]`)
    await expect
      .poll(() => adopted.getByTestId('readiness').textContent(), { timeout: 20_000 })
      .toContain('Control plane')
    expect(await adopted.textContent()).toContain('Raspberry Pi 4 Model B Rev 1.5')
    await adopted.getByRole('button', { name: /^Worker:/ }).click()
    await expect
      .poll(() => adopted.getByRole('list', { name: 'Worker readiness' }).textContent())
      .toMatch(/Nothing to fix|Note:/)
    await shot('hosts-adopted')
  })

  it('ignores a discovered host', async () => {
    const node = lab.node('pi5')
    const row = page.locator(`[data-address="${node.address}"]`)
    await row.getByRole('button', { name: 'Ignore' }).click()
    await expect.poll(() => row.count()).toBe(0)
    await expect.poll(() => page.getByText('1 ignored machine(s) hidden.').count()).toBe(1)
  })
})

/**
 * The operations tray tells how an operation ended: succeeded, partly failed (n of m, with the
 * reasons), failed, cancelled — also after a reload — and each host keeps its last result.
 * Hosts are loopback ports this test controls: an "sshd" that sends a banner, one that never
 * answers, and a closed port.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { closedPort, submitAddHost } from './support/hosts-form'
import { expect, test } from './web-fixture'

const servers: Server[] = []
const sockets: Socket[] = []

/** A loopback server: `banner` is sent on connect; null means accept and stay silent. */
async function listen(banner: string | null): Promise<number> {
  const server = createServer((socket) => {
    sockets.push(socket)
    if (banner !== null) socket.end(banner)
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

test.afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

async function addHost(page: Page, port: number, label: string): Promise<void> {
  await submitAddHost(page, '127.0.0.1', port, label)
  await expect(page.getByTestId('host-row').filter({ hasText: label })).toBeVisible()
}

/** A row's reachability check, under its "More" menu (issue 14: one next step per row). */
async function checkOne(page: Page, label: string): Promise<void> {
  await page.getByRole('button', { name: `More actions for ${label}` }).click()
  await page.getByRole('menuitem', { name: 'Check reachability' }).click()
}

/** Saves a screenshot of the tray when FLOTILLA_SHOTS names a folder (for review, not asserted). */
async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.FLOTILLA_SHOTS
  if (dir) await page.screenshot({ path: join(dir, `${name}.png`) })
}

test('an operation where every host failed ends "Failed", also after a reload', async ({ page, web }) => {
  await page.goto(web.url + '#/hosts')
  await addHost(page, await closedPort(), 'gone-a')
  await addHost(page, await closedPort(), 'gone-b')
  await page.getByRole('button', { name: 'Check all' }).click()

  const op = page.getByTestId('op')
  await expect(op).toHaveAttribute('data-outcome', 'failed')
  await expect(op.locator('.status')).toHaveText('Failed')
  await expect(op.getByTestId('op-step')).toHaveText('2 of 2 hosts failed.')
  await expect(op.getByRole('list', { name: 'What failed' })).toContainText('gone-a')
  await expect(op.getByRole('list', { name: 'What failed' })).toContainText('gone-b')
  await expect(op.locator('.progress-bar-failed')).toHaveAttribute('style', /width: 100%/)
  await expect(page.getByTestId('host-row').filter({ hasText: 'gone-a' })).toContainText('Unreachable')
  await shot(page, 'tray-failed')

  await page.reload()
  const after = page.getByTestId('op')
  await expect(after).toHaveAttribute('data-outcome', 'failed')
  await expect(after.getByTestId('op-step')).toHaveText('2 of 2 hosts failed.')
  await expect(after.getByRole('list', { name: 'What failed' })).toContainText('gone-a')
  // The hosts keep their last result and its time on the record (not "Not checked").
  for (const label of ['gone-a', 'gone-b']) {
    const row = page.getByTestId('host-row').filter({ hasText: label })
    await expect(row).toContainText('Unreachable')
    await expect(row.locator('time')).toHaveAttribute('datetime', /^\d{4}-\d\d-\d\dT/)
  }
  await shot(page, 'tray-failed-after-reload')
})

test('some hosts failed: "Partly failed" with the reasons; all answered: "Succeeded"', async ({ page, web }) => {
  await page.goto(web.url + '#/hosts')
  await addHost(page, await listen('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'), 'up')
  await addHost(page, await closedPort(), 'down')
  await page.getByRole('button', { name: 'Check all' }).click()

  const op = page.getByTestId('op')
  await expect(op).toHaveAttribute('data-outcome', 'partial')
  await expect(op.locator('.status')).toHaveText('Partly failed')
  await expect(op.getByTestId('op-step')).toHaveText('1 of 2 hosts failed.')
  const reasons = op.getByRole('list', { name: 'What failed' })
  await expect(reasons).toContainText('down')
  await expect(reasons).not.toContainText('up')
  await expect(op.locator('.progress-bar-failed')).toHaveAttribute('style', /width: 50%/)
  await shot(page, 'tray-partial')

  await op.getByRole('button', { name: 'Dismiss operation' }).click()
  await checkOne(page, 'up')
  // One assertion: a full success leaves the tray after a few seconds (ops.store DONE_LINGER_MS).
  await expect(page.getByTestId('op').filter({ hasText: 'Checking up' }).locator('.status')).toHaveText('Succeeded')
  await shot(page, 'tray-succeeded')
  await expect(page.getByTestId('host-row').filter({ hasText: 'up' }).first()).toContainText('Reachable')
})

test('a cancelled check ends "Cancelled" where it stopped, not with a full bar', async ({ page, web }) => {
  await page.goto(web.url + '#/hosts')
  await addHost(page, await listen(null), 'silent')
  await checkOne(page, 'silent')
  const op = page.getByTestId('op')
  await expect(op).toHaveAttribute('data-outcome', 'running')
  await shot(page, 'tray-running')
  await op.getByRole('button', { name: 'Cancel' }).click()
  await expect(op).toHaveAttribute('data-outcome', 'cancelled')
  await expect(op.locator('.status')).toHaveText('Cancelled')
  await expect(page.getByRole('progressbar', { name: 'Checking silent' })).toHaveAttribute('aria-valuenow', '0')
  await expect(op.locator('.progress-bar')).toHaveAttribute('style', /width: 0%/)
  await shot(page, 'tray-cancelled')
  await page.reload()
  await expect(page.getByTestId('op')).toHaveAttribute('data-outcome', 'cancelled')
})

/** True when two boxes overlap (touching edges do not). */
function intersects(a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height
}

test('the tray is docked: it never covers a button, collapses, and finished operations clear', async ({
  page,
  web,
}) => {
  await page.goto(web.url + '#/hosts')
  for (const label of ['gone-1', 'gone-2', 'gone-3']) await addHost(page, await closedPort(), label)
  await page.getByRole('button', { name: 'Check all' }).click()
  // The tray by its label (whatever its role) and the toasts by their class: the same locators held
  // before the tray was docked, when they covered the page.
  const tray = page.locator('[aria-label="Operations"]')
  await expect(tray.getByTestId('op')).toHaveAttribute('data-outcome', 'failed')

  for (const viewport of [
    { width: 800, height: 600 },
    { width: 1280, height: 800 },
  ]) {
    await page.setViewportSize(viewport)
    const trayBox = (await tray.boundingBox())!
    expect(trayBox.height).toBeGreaterThan(0)
    // Every button of the page, scrolled into view, is clear of the tray and is what a click hits.
    const buttons = page.getByRole('main').getByRole('button')
    const count = await buttons.count()
    expect(count).toBeGreaterThan(6)
    for (let i = 0; i < count; i++) {
      const button = buttons.nth(i)
      if (!(await button.isVisible())) continue
      await button.scrollIntoViewIfNeeded()
      const box = (await button.boundingBox())!
      expect(intersects(box, (await tray.boundingBox())!), `${await button.textContent()} at ${viewport.width}`).toBe(
        false,
      )
      const hit = await button.evaluate((el) => {
        const r = el.getBoundingClientRect()
        return el.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2))
      })
      expect(hit, `${await button.textContent()} is covered at ${viewport.width}x${viewport.height}`).toBe(true)
    }
    await shot(page, `tray-docked-${viewport.width}`)
  }

  // Collapse to the status bar and open again.
  const statusButton = page.getByRole('contentinfo', { name: 'Status' }).getByRole('button', { name: /Operations/ })
  await expect(statusButton).toHaveText(/1 needs attention/)
  await tray.getByRole('button', { name: 'Collapse operations' }).click()
  await expect(tray).toHaveCount(0)
  await expect(statusButton).toHaveAttribute('aria-expanded', 'false')
  await statusButton.click()
  await expect(tray.getByTestId('op')).toHaveCount(1)

  // A success moves to a collapsed "Recent" list by itself; "Clear finished" removes the rest.
  const port = await listen('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n')
  await addHost(page, port, 'alive')
  await checkOne(page, 'alive')
  await expect(tray.getByTestId('op').filter({ hasText: 'Checking alive' })).toHaveAttribute(
    'data-outcome',
    'succeeded',
  )
  await expect(tray.getByTestId('op').filter({ hasText: 'Checking alive' })).toHaveCount(0, { timeout: 15_000 })
  await expect(tray.getByRole('button', { name: 'Recent (1)' })).toHaveAttribute('aria-expanded', 'false')
  await tray.getByRole('button', { name: 'Clear finished' }).click()
  await expect(page.getByTestId('op')).toHaveCount(0)
  await expect(statusButton).toHaveText('Operations: none')
})

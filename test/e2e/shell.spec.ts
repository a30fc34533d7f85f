/**
 * The app's frame: Home is where a fresh app lands (the steps to a cluster, judged from the
 * stores), page titles per screen, the layout at 800x600 and 1920x1080, messages in one place
 * each, and dialogs that keep focus inside and give it back.
 */
import type { AddressInfo, Server } from 'node:net'
import type { Page } from '@playwright/test'
import ssh2 from 'ssh2'
import { closedPort, submitAddHost } from './support/hosts-form'
import { expect, test } from './web-fixture'

const nav = (page: Page, area: string) =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: area }).click()

async function addHost(page: Page, address: string, label: string, port = 22): Promise<void> {
  await submitAddHost(page, address, port, label)
  // Added: the form empties itself (only then is it ready for the next host).
  await expect(page.getByRole('form', { name: 'Add host' }).getByLabel('Address')).toHaveValue('')
}

test('a fresh app lands on Home with step 1 not done; after adding a host it is done', async ({ page, web }) => {
  await page.goto(web.url)
  await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible()
  await expect(page).toHaveTitle('Home · Flotilla')
  const sidebar = page.getByRole('navigation', { name: 'Main' }).getByRole('button')
  await expect(sidebar.first()).toHaveAccessibleName('Home')
  const step = page.getByTestId('step-hosts')
  await expect(step).toHaveAttribute('data-done', 'false')
  await expect(step).toContainText('Next')
  await expect(page.getByTestId('step-trust')).toHaveAttribute('data-done', 'false')

  // The step's action goes where it is done.
  await step.getByRole('button', { name: /Add or scan hosts/ }).click()
  await expect(page.getByRole('heading', { level: 1, name: 'Hosts' })).toBeVisible()
  await expect(page).toHaveTitle('Hosts · Flotilla')
  await addHost(page, '192.168.1.20', 'kitchen-pi')
  await expect(page.getByTestId('host-row')).toHaveCount(1)
  const hostsItem = page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Hosts' })
  await expect(hostsItem).toHaveAccessibleDescription('1 host')

  await nav(page, 'Home')
  await expect(page.getByTestId('step-hosts')).toHaveAttribute('data-done', 'true')
  await expect(page.getByTestId('step-hosts')).toContainText('Done')
  await expect(page.getByTestId('step-trust')).toHaveAttribute('data-done', 'false')
  await expect(page.getByTestId('step-trust')).toContainText('0 of 1 host trusted.')
  await expect(page.getByRole('definition').first()).toBeVisible()

  // A designed cluster: its step is done and its page's title names it.
  await page.evaluate(async () => {
    const [host] = await window.api.hosts.list()
    const cluster = await window.api.clusters.create({
      name: 'homelab',
      flavour: 'kubeadm',
      endpoint: '192.168.1.20:6443',
    })
    await window.api.clusters.setRole(cluster.id, host!.id, 'control-plane')
  })
  await expect(page.getByTestId('step-design')).toHaveAttribute('data-done', 'true')
  await expect(page.getByRole('list', { name: 'Clusters' })).toContainText('homelab')
  await page.getByRole('list', { name: 'Clusters' }).getByRole('button', { name: 'homelab' }).click()
  await expect(page).toHaveTitle('homelab · Clusters · Flotilla')
})

test('no sideways scroll at 800x600 on any screen, and the full width at 1920x1080', async ({ page, web }) => {
  await page.goto(web.url + '#/hosts')
  await addHost(page, '192.168.1.21', 'a-host-with-a-rather-long-label-for-the-row')
  await page.evaluate(() => window.api.clusters.create({ name: 'homelab', flavour: 'kubeadm', endpoint: '10.0.0.9' }))
  const routes = ['#/home', '#/hosts', '#/clusters', '#/clusters/homelab/design', '#/security', '#/settings']
  await page.setViewportSize({ width: 800, height: 600 })
  for (const route of routes) {
    await page.goto(web.url.replace(/\?token=.*$/, '') + route)
    await page.reload()
    await expect(page.getByRole('main').getByRole('heading', { level: 1 })).toBeVisible()
    const widths = await page.evaluate(() => {
      const doc = document.scrollingElement!
      const content = document.querySelector('.content')!
      return { doc: [doc.scrollWidth, doc.clientWidth], content: [content.scrollWidth, content.clientWidth] }
    })
    expect(widths.doc[0], `${route}: page`).toBeLessThanOrEqual(widths.doc[1]!)
    expect(widths.content[0], `${route}: content`).toBeLessThanOrEqual(widths.content[1]!)
  }
  // The sidebar keeps its icons; each item is still named by its label.
  const hosts = page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Hosts' })
  await expect(hosts).toBeVisible()
  expect((await hosts.boundingBox())!.width).toBeLessThan(80)

  await page.setViewportSize({ width: 1920, height: 1080 })
  for (const route of ['#/hosts', '#/clusters/homelab/design']) {
    await page.goto(web.url.replace(/\?token=.*$/, '') + route)
    await expect(page.getByRole('main').getByRole('heading', { level: 1 })).toBeVisible()
    const used = await page.evaluate(() => document.querySelector('.screen')!.getBoundingClientRect().width)
    expect(used, route).toBeGreaterThan(1500)
  }
})

test('an error the tray and the host row show is not toasted too; repeats are one toast, never over rows', async ({
  page,
  web,
}) => {
  await page.goto(web.url + '#/hosts')
  await addHost(page, '127.0.0.1', 'nowhere', await closedPort())
  const row = page.getByTestId('host-row').filter({ hasText: 'nowhere' })
  await row.getByRole('button', { name: 'Trust…' }).click()
  const op = page.getByTestId('op')
  await expect(op).toHaveAttribute('data-outcome', 'failed')
  const said = (await op.getByTestId('op-step').textContent())!
  expect(said.length).toBeGreaterThan(5)
  await expect(row.getByRole('button', { name: 'Trust…' })).toBeEnabled()
  // The tray says it; the row says "Not connected"; nothing else repeats it.
  await expect(row).toContainText('Not connected')
  await expect(page.getByText(said, { exact: true })).toHaveCount(1)
  await expect(page.locator('.toast')).toHaveCount(0)

  // The same message four times is one toast (with a count), at most three at once, below the rows.
  for (const port of [2201, 2202, 2203, 2204]) {
    await addHost(page, '10.1.0.1', '', port)
    await expect(page.getByTestId('host-row').filter({ hasText: `pi@10.1.0.1:${port}` })).toBeVisible()
  }
  await expect(page.locator('.toast').filter({ hasText: 'Added 10.1.0.1.' })).toHaveCount(1)
  expect(await page.locator('.toast').count()).toBeLessThanOrEqual(3)
  // Docked below the content: rows (clipped by the content area) and toasts never share pixels.
  const main = (await page.getByRole('main').boundingBox())!
  for (const toast of await page.locator('.toast').all()) {
    const box = (await toast.boundingBox())!
    expect(box.y).toBeGreaterThanOrEqual(main.y + main.height - 1)
  }
})

test('a dialog keeps Tab inside, Escape closes it, and focus returns to its opener or the heading', async ({
  page,
  web,
}) => {
  const server: Server = new ssh2.Server(
    { hostKeys: [ssh2.utils.generateKeyPairSync('ed25519').private] },
    (client) => {
      client.on('authentication', (ctx) => ctx.reject(['password']))
      client.on('error', () => undefined)
    },
  ) as unknown as Server
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  try {
    await page.goto(web.url + '#/hosts')
    await addHost(page, '127.0.0.1', 'keyed', port)
    const row = page.getByTestId('host-row').filter({ hasText: 'keyed' })
    const connect = row.getByRole('button', { name: 'Trust…' })
    await connect.focus()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog', { name: 'Trust this host?' })
    await expect(dialog).toBeVisible()
    const inDialog = () => dialog.evaluate((d) => d.contains(document.activeElement))
    expect(await inDialog()).toBe(true)
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab')
      expect(await inDialog(), `Tab ${i + 1}`).toBe(true)
    }
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Shift+Tab')
      expect(await inDialog(), `Shift+Tab ${i + 1}`).toBe(true)
    }
    await page.keyboard.press('Escape')
    await expect(dialog).toHaveCount(0)
    await expect(connect).toBeFocused()

    // The opener is gone (its host removed while the dialog was open): focus lands on the heading.
    await connect.click()
    await expect(dialog).toBeVisible()
    await page.evaluate(async () => {
      const host = (await window.api.hosts.list()).find((h) => h.label === 'keyed')!
      await window.api.hosts.remove(host.id)
    })
    await expect(row).toHaveCount(0)
    await page.keyboard.press('Escape')
    await expect(dialog).toHaveCount(0)
    await expect(page.getByRole('heading', { level: 1, name: 'Hosts' })).toBeFocused()

    // The same after an inline remove: the row that had focus goes, focus does not fall to <body>.
    await addHost(page, '10.2.0.1', 'short-lived')
    const other = page.getByTestId('host-row').filter({ hasText: 'short-lived' })
    await other.getByRole('button', { name: 'More actions for short-lived' }).click()
    await page.getByRole('menuitem', { name: 'Remove…' }).click()
    await other.getByRole('button', { name: 'Remove', exact: true }).click()
    await expect(other).toHaveCount(0)
    // The row keeps the keyboard's place itself (the next row, else one of the screen's actions), never <body>.
    await expect.poll(() => page.evaluate(() => document.activeElement?.closest('main') !== null)).toBe(true)
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
})

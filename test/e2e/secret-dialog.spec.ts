/**
 * An operation that needs a secret pauses and the page asks for it: a loopback SSH server (ssh2)
 * that takes only a password. Connecting pauses the login for it ("Waiting" in the tray, a dialog);
 * the dialog comes back after a reload (the operation still waits); the password given there
 * resumes the same operation, which logs in.
 */
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import type { Page } from '@playwright/test'
import ssh2 from 'ssh2'
import { expect, test } from './web-fixture'

const PASSWORD = 'e2e-right-password'

/** Saves a screenshot when FLOTILLA_SHOTS names a folder (for review, not asserted). */
async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.FLOTILLA_SHOTS
  if (dir) await page.screenshot({ path: join(dir, `${name}.png`) })
}

test('a login that needs a password pauses, asks in a dialog (also after a reload) and goes on', async ({
  page,
  web,
}) => {
  const accepted: string[] = []
  const clients: ssh2.Connection[] = []
  const server = new ssh2.Server({ hostKeys: [ssh2.utils.generateKeyPairSync('ed25519').private] }, (client) => {
    clients.push(client)
    client.on('authentication', (ctx) => {
      if (ctx.method === 'password' && ctx.password === PASSWORD) {
        accepted.push(ctx.username)
        return ctx.accept()
      }
      ctx.reject(['password'])
    })
    client.on('ready', () => {
      // Enough for this test: a session whose commands end at once, having said nothing.
      client.on('session', (accept) => {
        accept().on('exec', (acceptExec) => {
          const stream = acceptExec()
          stream.exit(1)
          stream.end()
        })
      })
    })
    client.on('error', () => undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  try {
    await page.goto(web.url + '#/hosts')
    const form = page.getByRole('form', { name: 'Add host' })
    await form.getByLabel('Address').fill('127.0.0.1')
    await form.getByLabel('SSH port').fill(String(port))
    await form.getByLabel('User').fill('pi')
    await form.getByLabel('Label (optional)').fill('locked')
    await form.getByRole('button', { name: 'Add host' }).click()
    const row = page.getByTestId('host-row').filter({ hasText: 'locked' })
    await row.getByRole('button', { name: 'Trust…' }).click()
    await page.getByRole('dialog', { name: 'Trust this host?' }).getByRole('button', { name: 'Trust' }).click()

    // The login waits for the password: a dialog asks, the tray says so.
    const dialog = page.getByRole('dialog', { name: 'Password needed' })
    await expect(dialog).toBeVisible()
    // (The first try, which met the unknown host key, is an ended operation of its own.)
    const waiting = () => page.getByTestId('op').filter({ hasText: 'Logging in to locked' }).locator('.status-running')
    await expect(waiting()).toHaveText('Waiting')
    await shot(page, 'secret-dialog')

    // A reloaded page finds the operation still waiting and asks again.
    await page.reload()
    await expect(page.getByRole('dialog', { name: 'Password needed' })).toBeVisible()
    await expect(waiting()).toHaveText('Waiting')
    await page.getByLabel('Login password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Continue' }).click()

    // The same operation went on and logged in with it (this server then says nothing: it fails).
    await expect(page.getByRole('dialog', { name: 'Password needed' })).toBeHidden()
    await expect.poll(() => accepted.length).toBeGreaterThan(0)
    expect(new Set(accepted)).toEqual(new Set(['pi']))
    await expect(waiting()).toHaveCount(0)
    expect(await page.content()).not.toContain(PASSWORD)
  } finally {
    // The app keeps its connection open (pooled): end it, or close would wait for it.
    for (const client of clients) client.end()
    await new Promise((resolve) => server.close(resolve))
  }
})

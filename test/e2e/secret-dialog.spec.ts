/**
 * An operation that needs a secret pauses and the page asks for it: a loopback SSH server (ssh2)
 * that takes only a password. Connecting pauses the login for it ("Waiting" in the tray, a dialog);
 * the dialog comes back after a reload (the operation still waits); the password given there
 * resumes the same operation, which logs in.
 */
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { submitAddHost } from './support/hosts-form'
import { passwordSshServer } from './support/ssh-server'
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
  const ssh = await passwordSshServer(PASSWORD)
  try {
    await page.goto(web.url + '#/hosts')
    await submitAddHost(page, '127.0.0.1', ssh.port, 'locked')
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
    await expect.poll(() => ssh.accepted.length).toBeGreaterThan(0)
    expect(new Set(ssh.accepted)).toEqual(new Set(['pi']))
    await expect(waiting()).toHaveCount(0)
    expect(await page.content()).not.toContain(PASSWORD)
  } finally {
    await ssh.close()
  }
})

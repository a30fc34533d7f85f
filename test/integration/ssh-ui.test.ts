/**
 * The connect flow in a real browser (Debian's Chromium) against real sshd hosts: the fingerprint,
 * passphrase, sudo-password and host-key-changed dialogs, served by the same web transport as
 * `npm run web`, inside the lab's desk so the browser-side services can reach the hosts.
 */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useLab, type Lab, type LabNode } from '../lab/harness'
import { openBrowserUi, type BrowserUi } from './browser-ui'
import { testApp, type TestApp } from './ssh-app'

let lab: Lab
let pi: LabNode
let microos: LabNode
let passwordOnly: LabNode
let app: TestApp
let ui: BrowserUi
let page: Page

beforeAll(async () => {
  lab = await useLab({ profiles: ['pi5', 'microos', 'password-only'] })
  ;[pi, microos, passwordOnly] = lab.nodes as [LabNode, LabNode, LabNode]
  app = testApp()
  // This desktop's only key is protected by a passphrase; the MicroOS host accepts it.
  const keyFile = join(app.home, '.ssh', 'id_ed25519')
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'correct horse', '-f', keyFile])
  const pub = execFileSync('cat', [`${keyFile}.pub`], { encoding: 'utf8' }).trim()
  const added = await lab.nodeExec(microos, `printf '%s\\n' '${pub}' >> /root/.ssh/authorized_keys`)
  expect(added.code).toBe(0)
  ui = await openBrowserUi(app)
  page = ui.page
}, 180_000)

afterAll(async () => {
  await ui?.close()
  app?.close()
})

async function addHost(node: LabNode, user: string) {
  const form = page.getByRole('form', { name: 'Add host' })
  // The form opens by itself only on the first run; later it opens on demand.
  if ((await form.count()) === 0) await page.getByRole('button', { name: 'Add a host' }).click()
  await form.getByLabel('Address').fill(node.address)
  await form.getByLabel('User').fill(user)
  await form.getByLabel('Label (optional)').fill(node.hostname)
  await form.getByRole('button', { name: 'Add host' }).click()
  return page.locator(`[data-address="${node.address}"]`)
}

const shot = (name: string) => ui.shot(name)

describe('connect flow in Chromium', () => {
  it('walks a Pi through fingerprint, key passphrase, login password and sudo password', async () => {
    const row = await addHost(pi, 'pi')
    await row.getByRole('button', { name: 'Trust…' }).click()

    const trust = page.getByRole('dialog', { name: 'Trust this host?' })
    await expect.poll(() => trust.getByTestId('fingerprint').textContent()).toBe(pi.hostKeyFingerprint)
    await shot('dialog-fingerprint')
    await trust.getByRole('button', { name: 'Trust' }).click()

    // Our only key is protected: its passphrase is asked first. The Pi does not know that key...
    const passphrase = page.getByRole('dialog', { name: 'Key passphrase needed' })
    await expect.poll(() => passphrase.textContent()).toContain('id_ed25519 is protected by a passphrase')
    await shot('dialog-passphrase')
    await passphrase.getByLabel('Passphrase', { exact: true }).fill('correct horse')
    await passphrase.getByRole('button', { name: 'Continue' }).click()

    // ...so it wants pi's password, as a freshly imaged Raspberry Pi does.
    const password = page.getByRole('dialog', { name: 'Password needed' })
    await password.getByLabel('Login password', { exact: true }).fill(pi.password!)
    await password.getByRole('button', { name: 'Continue' }).click()

    const sudo = page.getByRole('dialog', { name: 'sudo password needed' })
    await sudo.getByLabel('sudo password', { exact: true }).fill('not-it')
    await sudo.getByRole('button', { name: 'Continue' }).click()
    await expect
      .poll(() => page.getByRole('dialog', { name: 'sudo password needed' }).getByRole('alert').textContent())
      .toContain('not accepted')
    await shot('dialog-sudo')
    await page.getByLabel('sudo password', { exact: true }).fill(pi.password!)
    await page.getByRole('button', { name: 'Continue' }).click()

    await expect
      .poll(() => row.getByTestId('login').textContent(), { timeout: 20_000 })
      .toMatch(/Logged in as pi · sudo with password · Debian/)
    await expect.poll(() => row.textContent()).toContain('key trusted')
  })

  it('remembers the passphrase for the session: the next host only needs trust', async () => {
    const row = await addHost(microos, 'root')
    await row.getByRole('button', { name: 'Trust…' }).click()
    await page.getByRole('dialog', { name: 'Trust this host?' }).getByRole('button', { name: 'Trust' }).click()
    await expect
      .poll(() => row.getByTestId('login').textContent(), { timeout: 20_000 })
      .toMatch(/Logged in as root · openSUSE MicroOS/)
  })

  it('stops on a changed host key and re-trusts only deliberately', async () => {
    const old = pi.hostKeyFingerprint!
    await lab.changeHostKey(pi)
    const row = page.locator(`[data-address="${pi.address}"]`)
    await row.getByRole('button', { name: /^More actions for / }).click()
    await page.getByRole('menuitem', { name: 'Log in again' }).click()
    const dialog = page.getByRole('dialog', { name: 'Host key changed' })
    await expect.poll(() => dialog.getByTestId('old-fingerprint').textContent()).toBe(old)
    await expect.poll(() => dialog.getByTestId('new-fingerprint').textContent()).toBe(pi.hostKeyFingerprint)
    const retrust = dialog.getByRole('button', { name: 'Re-trust' })
    expect(await retrust.isDisabled()).toBe(true)
    await shot('dialog-changed')
    await dialog.getByLabel('I re-installed this machine').check()
    await retrust.click()
    await expect.poll(() => row.getByTestId('login').textContent(), { timeout: 20_000 }).toMatch(/Logged in as pi/)
  })

  it('asks for the password when this desktop has no key and no agent at all', async () => {
    // A new user's first Pi: nothing in ~/.ssh, no ssh-agent, password login on the Pi.
    const bare = testApp()
    const bareUi = await openBrowserUi(bare)
    try {
      const p = bareUi.page
      const form = p.getByRole('form', { name: 'Add host' })
      await form.getByLabel('Address').fill(passwordOnly.address)
      await form.getByLabel('User').fill('pi')
      await form.getByRole('button', { name: 'Add host' }).click()
      const row = p.locator(`[data-address="${passwordOnly.address}"]`)
      await row.getByRole('button', { name: 'Trust…' }).click()
      await p.getByRole('dialog', { name: 'Trust this host?' }).getByRole('button', { name: 'Trust' }).click()
      const password = p.getByRole('dialog', { name: 'Password needed' })
      await password.getByLabel('Login password', { exact: true }).fill(passwordOnly.password!)
      await password.getByRole('button', { name: 'Continue' }).click()
      const sudo = p.getByRole('dialog', { name: 'sudo password needed' })
      await sudo.getByLabel('sudo password', { exact: true }).fill(passwordOnly.password!)
      await sudo.getByRole('button', { name: 'Continue' }).click()
      await expect
        .poll(() => row.getByTestId('login').textContent(), { timeout: 20_000 })
        .toMatch(/Logged in as pi · sudo with password/)
      expect(bare.logText()).not.toContain(passwordOnly.password!)
    } finally {
      await bareUi.close()
      bare.close()
    }
  })

  it('kept every secret out of the logs', () => {
    const logs = app.logText()
    expect(logs).toContain('ssh:provideSecret')
    for (const secret of [pi.password!, 'correct horse', 'not-it']) expect(logs).not.toContain(secret)
  })
})

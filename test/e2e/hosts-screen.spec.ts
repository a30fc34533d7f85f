/**
 * Issue 14, the Hosts, Security and SSH-dialog defects found by using the UI as a new user: the
 * header's actions, one filled button, the add panel on demand, one next step per host state,
 * honest state words, copy buttons, and errors as sentences instead of raw D-Bus or exit codes.
 */
import { execFileSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { seededDataDir } from './seeded-hosts'
import { submitAddHost } from './support/hosts-form'
import { passwordSshServer } from './support/ssh-server'
import { expect, startWebUi, test } from './web-fixture'

function stop(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGTERM')
  } catch {
    // already gone
  }
}

/** The filled (primary) buttons a person sees on the page now. */
const primaries = (page: Page) => page.locator('.button-primary:visible')

test('Hosts: spaced actions, one filled button, and the add form opens on demand', async ({ page, web }) => {
  await page.goto(web.url + '#/hosts')
  // First run: nothing known, so the add panel is open and its "Add host" is the one filled button.
  const form = page.getByRole('form', { name: 'Add host' })
  await expect(form).toBeVisible()
  await expect(primaries(page)).toHaveCount(1)
  await expect(primaries(page)).toHaveText('Add host')
  for (const address of ['127.0.0.2', '127.0.0.3']) {
    await form.getByLabel('Address').fill(address)
    await form.getByLabel('User').fill('pi')
    await form.getByRole('button', { name: 'Add host' }).click()
    await expect(page.locator(`[data-address="${address}"]`)).toBeVisible()
  }

  // With hosts, the fleet comes first: the form waits behind "Add a host".
  await page.reload()
  await expect(page.getByTestId('host-row')).toHaveCount(2)
  await expect(page.getByRole('form', { name: 'Add host' })).toHaveCount(0)
  const addButton = page.getByRole('button', { name: 'Add a host' })
  await expect(addButton).toHaveAttribute('aria-expanded', 'false')
  await expect(primaries(page)).toHaveCount(1)
  await expect(primaries(page)).toHaveText('Add a host')

  // The header's actions are apart from each other, not glued.
  const names = ['Add a host', 'Scan the LAN', 'Check all', 'Identify all']
  const boxes = await Promise.all(names.map((name) => page.getByRole('button', { name, exact: true }).boundingBox()))
  for (let i = 1; i < boxes.length; i++) {
    const [left, right] = [boxes[i - 1]!, boxes[i]!]
    const sameLine = Math.abs(left.y - right.y) < 2
    if (sameLine) expect(right.x - (left.x + left.width)).toBeGreaterThanOrEqual(6)
  }

  await addButton.click()
  await expect(addButton).toHaveAttribute('aria-expanded', 'true')
  await expect(page.getByRole('form', { name: 'Add host' })).toBeVisible()
  await expect(primaries(page)).toHaveCount(1)
  await page.getByRole('region', { name: 'Add a host' }).getByRole('button', { name: 'Close' }).click()
  await expect(page.getByRole('form', { name: 'Add host' })).toHaveCount(0)
})

test('Hosts: one next step per host state, the rest under a labelled More menu; sudo words are true', async ({
  page,
}) => {
  const { dataDir } = seededDataDir()
  const web = await startWebUi({}, { dataDir })
  try {
    await page.goto(web.url + '#/hosts')
    const row = (label: string) => page.getByTestId('host-row').filter({ hasText: label })
    await expect(page.getByTestId('host-row')).toHaveCount(5)
    const expected: [string, string][] = [
      ['fresh-pi', 'Trust…'],
      ['pi-garage', 'Identify'],
      ['pi-kitchen', 'Re-check'],
      ['pi-attic', 'Give sudo password…'],
    ]
    for (const [label, next] of expected) {
      await expect(row(label).getByTestId('host-next')).toHaveText(next)
      // One visible action and "More": no second connect-like button, no unlabelled icon.
      await expect(row(label).getByRole('button', { name: /^(Connect|Reconnect|Identify again)$/ })).toHaveCount(0)
    }
    // A login that got in but was not given sudo's password is connected (it said "Not connected").
    await expect(row('pi-attic').getByTestId('login-state')).toHaveText('Connected · sudo needs a password')
    await expect(row('pi-attic')).not.toContainText('Not connected')

    // Every button in the list has a name a screen reader can say.
    const buttons = page.getByRole('list', { name: 'Hosts' }).getByRole('button')
    for (const button of await buttons.all()) {
      const name = (await button.getAttribute('aria-label')) ?? (await button.innerText())
      expect(name.trim()).not.toBe('')
    }

    const more = row('pi-kitchen').getByRole('button', { name: 'More actions for pi-kitchen' })
    await expect(more).toHaveAttribute('aria-haspopup', 'menu')
    await more.click()
    const menu = page.getByRole('menu', { name: 'More actions for pi-kitchen' })
    await expect(menu.getByRole('menuitem')).toHaveText([
      'Log in again',
      'Identify again',
      'Check reachability',
      'Install my SSH key',
      'Edit',
      'Remove…',
    ])
    await expect(menu.getByRole('menuitem', { name: 'Log in again' })).toBeFocused()
    await page.keyboard.press('ArrowDown')
    await expect(menu.getByRole('menuitem', { name: 'Identify again' })).toBeFocused()
    await page.keyboard.press('Escape')
    await expect(menu).toHaveCount(0)
    await expect(more).toBeFocused()
    // A host never trusted has no key to install on yet.
    await row('fresh-pi').getByRole('button', { name: 'More actions for fresh-pi' }).click()
    await expect(page.getByRole('menu').getByRole('menuitem', { name: 'Install my SSH key' })).toHaveCount(0)
    await page.keyboard.press('Escape')

    // The keyboard keeps its place through edit and remove (the control it was on goes away).
    const garageMore = row('pi-garage').getByRole('button', { name: 'More actions for pi-garage' })
    await garageMore.focus()
    await page.keyboard.press('Enter')
    await page.keyboard.press('End')
    await expect(page.getByRole('menuitem', { name: 'Remove…' })).toBeFocused()
    await page.keyboard.press('Enter')
    await expect(row('pi-garage').getByRole('button', { name: 'Keep' })).toBeFocused()
    await page.keyboard.press('Enter')
    await expect(row('pi-garage').getByTestId('host-next')).toBeFocused()
    await garageMore.click()
    await page.getByRole('menuitem', { name: 'Edit' }).click()
    await expect(page.getByRole('form', { name: 'Save' }).getByLabel('Address')).toBeFocused()
    await page.getByRole('form', { name: 'Save' }).getByRole('button', { name: 'Cancel' }).click()
    await expect(row('pi-garage').getByTestId('host-next')).toBeFocused()
    await garageMore.click()
    await page.getByRole('menuitem', { name: 'Remove…' }).click()
    await row('pi-garage').getByRole('button', { name: 'Remove', exact: true }).click()
    await expect(page.getByTestId('host-row')).toHaveCount(4)
    await expect(row('pi-kitchen').getByTestId('host-next')).toBeFocused()
  } finally {
    stop(web.child)
  }
})

test('Hosts: trust with a copyable fingerprint, a failed login check as a sentence, install my SSH key', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'])
  const PASSWORD = 'e2e-install-key-password'
  // Takes only a password; adding to authorized_keys answers "added", anything else ends with 1.
  const ssh = await passwordSshServer(PASSWORD, (command) =>
    command.includes('authorized_keys') ? { stdout: 'added\n', code: 0 } : { code: 1 },
  )
  // A HOME with a key pair of its own: the key "Install my SSH key" offers.
  const home = mkdtempSync(join(tmpdir(), 'flotilla-e2e-home-'))
  mkdirSync(join(home, '.ssh'), { mode: 0o700 })
  execFileSync('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'e2e@flotilla',
    '-f',
    join(home, '.ssh', 'id_ed25519'),
  ])
  const publicKey = readFileSync(join(home, '.ssh', 'id_ed25519.pub'), 'utf8').trim()
  const web = await startWebUi({ HOME: home, SSH_AUTH_SOCK: undefined })
  try {
    await page.goto(web.url + '#/hosts')
    await submitAddHost(page, '127.0.0.1', ssh.port, 'keyless')
    const row = page.getByTestId('host-row').filter({ hasText: 'keyless' })

    await row.getByRole('button', { name: 'Trust…' }).click()
    const trust = page.getByRole('dialog', { name: 'Trust this host?' })
    const fingerprint = await trust.getByTestId('fingerprint').innerText()
    expect(fingerprint).toMatch(/^SHA256:/)
    await trust.getByRole('button', { name: 'Copy host key fingerprint' }).click()
    await expect(trust.getByRole('button', { name: 'Copy host key fingerprint' })).toHaveText('Copied')
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(fingerprint)
    await trust.getByRole('button', { name: 'Trust', exact: true }).click()

    await page.getByRole('dialog', { name: 'Password needed' }).getByLabel('Login password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Continue' }).click()
    // The login worked, its check did not: a sentence with the next step, not "exit 1. COMMAND_FAILED".
    await expect(page.getByText(/Flotilla logged in to keyless as pi, but/).first()).toBeVisible()
    await expect(page.getByText(/then log in again\./).first()).toBeVisible()
    await expect(page.getByText(/Logging in failed/)).toHaveCount(0)

    // The trusted key is on the row, copyable.
    await row.getByRole('button', { name: 'Copy host key fingerprint of keyless' }).click()
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(fingerprint)

    await row.getByRole('button', { name: 'More actions for keyless' }).click()
    await page.getByRole('menuitem', { name: 'Install my SSH key' }).click()
    await expect(page.getByText('Your SSH key is now on keyless')).toBeVisible()
    const install = ssh.commands.find((c) => c.includes('authorized_keys'))
    expect(install).toContain(publicKey.split(' ')[1])
  } finally {
    stop(web.child)
    await ssh.close()
  }
})

test('Security without a session bus: a sentence and one primary action, no D-Bus text; copy the hash', async ({
  page,
  context,
}) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'])
  const home = mkdtempSync(join(tmpdir(), 'flotilla-e2e-home-'))
  const web = await startWebUi({
    DBUS_SESSION_BUS_ADDRESS: undefined,
    DISPLAY: undefined,
    FLOTILLA_VAULT_PASSPHRASE: undefined,
    HOME: home,
  })
  try {
    await page.goto(web.url + '#/security')
    await expect(page.getByText(/no Secret Service \(system keychain\) to keep the vault key/)).toBeVisible()
    await expect(page.getByText(/Use a passphrase instead/).first()).toBeVisible()
    // The first run has one thing to do: the passphrase, since there is no keychain.
    const passForm = page.getByRole('form', { name: 'Use a passphrase' })
    await expect(passForm.getByRole('button', { name: 'Use a passphrase' })).toHaveClass(/button-primary/)
    await expect(primaries(page)).toHaveCount(1)
    const text = await page.locator('body').innerText()
    expect(text).not.toMatch(/dbus|autolaunch|\$DISPLAY/i)

    await passForm.getByLabel('Vault passphrase').fill('e2e vault passphrase 42')
    await passForm.getByLabel('Repeat passphrase').fill('e2e vault passphrase 42')
    await passForm.getByRole('button', { name: 'Use a passphrase' }).click()
    // Then each next step is the one filled button in turn.
    await expect(primaries(page)).toHaveText(['Create cluster'])
    const clusterForm = page.getByRole('form', { name: 'Create cluster' })
    await clusterForm.getByLabel('Cluster name').fill('homelab')
    await clusterForm.getByLabel('API endpoint').fill('10.0.0.10:6443')
    await clusterForm.getByRole('button', { name: 'Create cluster' }).click()
    await expect(primaries(page)).toHaveText(['Create certificate authorities'])
    await page.getByRole('button', { name: 'Create certificate authorities' }).click()
    // Key generation on a busy machine: a generous deadline, polled.
    await expect(page.getByTestId('ca-row')).toHaveCount(3, { timeout: 60_000 })
    await expect(primaries(page)).toHaveText(['Export kubeconfig…'])
    const hash = await page.getByTestId('discovery-hash').innerText()
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/)
    const copy = page.getByRole('button', { name: 'Copy discovery hash' })
    await copy.click()
    await expect(copy).toHaveText('Copied')
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(hash)
    // Each CA's fingerprint too.
    const ca = page.getByTestId('ca-row').first()
    await ca.getByRole('button', { name: /^Copy fingerprint of / }).click()
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
      await ca.locator('code.fingerprint').getAttribute('title'),
    )
  } finally {
    stop(web.child)
  }
})

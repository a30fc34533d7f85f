import { type ChildProcess } from 'node:child_process'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, startWebUi, test } from './web-fixture'

const PASS = 'e2e vault passphrase 42'

/** The web UI with no Secret Service (no session bus) and a throwaway HOME: CI's situation. */
async function webWithoutKeychain(env: Record<string, string | undefined> = {}) {
  const home = mkdtempSync(join(tmpdir(), 'flotilla-e2e-home-'))
  const web = await startWebUi({
    DBUS_SESSION_BUS_ADDRESS: undefined,
    FLOTILLA_VAULT_PASSPHRASE: undefined,
    HOME: home,
    KUBECONFIG: undefined,
    ...env,
  })
  return { ...web, home }
}

function stop(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGTERM')
  } catch {
    // already gone
  }
}

/**
 * Creating a CA set generates its keys in the main process: seconds on an idle machine, far more
 * than the default 5 s expect on two cores CI keeps busy. A deadline on the rows, not a sleep.
 */
const CA_CREATION_MS = 60_000

test('first run without a keychain: passphrase vault, cluster, CAs, kubeconfig export, backup', async ({ page }) => {
  const web = await webWithoutKeychain()
  try {
    await page.goto(web.url + '#/security')
    await expect(page.getByRole('heading', { level: 1, name: 'Security' })).toBeVisible()
    // The first-run check names the backend and why it is not usable.
    await expect(page.getByTestId('keychain-backend')).toHaveText(/Secret Service .* not available/)
    await expect(page.getByRole('button', { name: 'Use the keychain' })).toBeDisabled()

    const passForm = page.getByRole('form', { name: 'Use a passphrase' })
    await passForm.getByLabel('Vault passphrase').fill(PASS)
    await passForm.getByLabel('Repeat passphrase').fill(PASS + 'x')
    await passForm.getByRole('button', { name: 'Use a passphrase' }).click()
    await expect(passForm.getByLabel('Repeat passphrase')).toHaveAccessibleDescription('The two passphrases differ.')
    await passForm.getByLabel('Repeat passphrase').fill(PASS)
    await passForm.getByRole('button', { name: 'Use a passphrase' }).click()
    await expect(page.getByTestId('keychain-backend')).toHaveText(/^Passphrase/)

    const clusterForm = page.getByRole('form', { name: 'Create cluster' })
    await clusterForm.getByLabel('Cluster name').fill('Home Lab')
    await clusterForm.getByLabel('API endpoint').fill('10.0.0.10:6443')
    await clusterForm.getByRole('button', { name: 'Create cluster' }).click()
    await expect(clusterForm.getByLabel('Cluster name')).toHaveAccessibleDescription(/DNS label/)
    await clusterForm.getByLabel('Cluster name').fill('homelab')
    await clusterForm.getByRole('button', { name: 'Create cluster' }).click()

    await page.getByRole('button', { name: 'Create certificate authorities' }).click()
    await expect(page.getByTestId('ca-row')).toHaveCount(3, { timeout: CA_CREATION_MS })
    await expect(page.getByTestId('ca-row').first()).toContainText('CN=kubernetes')
    await expect(page.getByTestId('ca-row').first()).toContainText(/days/)
    await expect(page.getByTestId('discovery-hash')).toHaveText(/^sha256:[0-9a-f]{64}$/)

    const out = join(web.home, 'homelab.kubeconfig')
    await page.getByRole('button', { name: 'Export kubeconfig…' }).click()
    const dialog = page.getByRole('dialog', { name: /Export an admin kubeconfig/ })
    await expect(dialog).toContainText('Anyone with a copy of this kubeconfig is a cluster admin')
    await dialog.getByLabel('File path').fill(out)
    await dialog.getByLabel('Valid for (days)').fill('30')
    await dialog.getByLabel(/Break-glass/).check()
    await expect(dialog).toContainText('bypasses RBAC')
    await dialog.getByLabel(/Break-glass/).uncheck()
    await dialog.getByRole('button', { name: 'Export' }).click()
    await expect(dialog.getByRole('status')).toContainText('O=kubeadm:cluster-admins, CN=flotilla-admin')
    await dialog.getByRole('button', { name: 'Done' }).click()
    await expect(page.getByTestId('issued-row')).toHaveCount(1)
    expect(statSync(out).mode & 0o777).toBe(0o600)
    const contexts = execFileSync('kubectl', ['config', 'get-contexts', '-o', 'name', `--kubeconfig=${out}`], {
      encoding: 'utf8',
    })
    expect(contexts.trim()).toBe('flotilla-homelab')

    // Exporting to the same file again is refused until replacing is ticked.
    await page.getByRole('button', { name: 'Export kubeconfig…' }).click()
    await dialog.getByLabel('File path').fill(out)
    await dialog.getByRole('button', { name: 'Export' }).click()
    await expect(dialog.getByLabel('File path')).toHaveAccessibleDescription('Already exists.')
    await dialog.getByLabel('Replace the existing file').check()
    await dialog.getByRole('button', { name: 'Export' }).click()
    await dialog.getByRole('button', { name: 'Done' }).click()
    await expect(page.getByTestId('issued-row')).toHaveCount(2)

    const backupPath = join(web.home, 'ca.backup')
    const backup = page.getByRole('form', { name: 'Back up' })
    await backup.getByLabel('Backup file').fill(backupPath)
    await backup.getByLabel('Backup passphrase', { exact: true }).fill('backup passphrase 7')
    await backup.getByLabel('Repeat backup passphrase').fill('backup passphrase 7')
    await backup.getByRole('button', { name: 'Back up' }).click()
    await expect(backup.getByRole('status')).toContainText('Saved 4 secrets (homelab)')
    expect(readFileSync(backupPath, 'utf8')).toMatch(/^FLOTILLA-BACKUP 1\n/)

    const restore = page.getByRole('form', { name: 'Restore' })
    await restore.getByLabel('Backup file to restore').fill(backupPath)
    await restore.getByLabel('Passphrase of that backup').fill('wrong passphrase')
    await restore.getByRole('button', { name: 'Restore' }).click()
    await expect(restore.getByLabel('Passphrase of that backup')).toHaveAccessibleDescription('Wrong passphrase.')

    // Lock: the passphrase is asked again; the wrong one is refused with its own message.
    await page.getByRole('button', { name: 'Lock' }).click()
    const unlock = page.getByRole('form', { name: 'Unlock the vault' })
    await unlock.getByLabel('Vault passphrase').fill('not it')
    await unlock.getByRole('button', { name: 'Unlock' }).click()
    await expect(unlock.getByLabel('Vault passphrase')).toHaveAccessibleDescription(
      'That passphrase does not open the vault.',
    )
    await unlock.getByLabel('Vault passphrase').fill(PASS)
    await unlock.getByRole('button', { name: 'Unlock' }).click()
    await expect(page.getByText('Unlocked', { exact: true })).toBeVisible()

    // Nothing secret reached the log.
    const log = readFileSync(join(web.dataDir, 'logs', 'flotilla.log'), 'utf8')
    expect(log.includes(PASS) || log.includes('backup passphrase 7') || log.includes('PRIVATE KEY')).toBe(false)
  } finally {
    stop(web.child)
  }
})

test('passphrase from FLOTILLA_VAULT_PASSPHRASE; k3s export merges as break-glass into $KUBECONFIG', async ({
  page,
}) => {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-e2e-kube-'))
  const kubeconfig = join(dir, 'config')
  writeFileSync(
    kubeconfig,
    'apiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\ncurrent-context: ""\n',
  )
  const web = await webWithoutKeychain({ FLOTILLA_VAULT_PASSPHRASE: PASS, KUBECONFIG: kubeconfig })
  try {
    await page.goto(web.url + '#/security')
    const clusterForm = page.getByRole('form', { name: 'Create cluster' })
    await clusterForm.getByLabel('Cluster name').fill('edge')
    await clusterForm.getByLabel('Flavour').selectOption('k3s')
    await clusterForm.getByLabel('API endpoint').fill('[fd00::10]:6443')
    await clusterForm.getByRole('button', { name: 'Create cluster' }).click()
    await expect(page.getByLabel('Key algorithm')).toHaveValue('ECDSA-P256')
    await page.getByRole('button', { name: 'Create certificate authorities' }).click()
    await expect(page.getByTestId('ca-row')).toHaveCount(5, { timeout: CA_CREATION_MS })
    await expect(page.getByTestId('keychain-backend')).toHaveText(/^Passphrase/)

    await page.getByRole('button', { name: 'Export kubeconfig…' }).click()
    const dialog = page.getByRole('dialog', { name: /Export an admin kubeconfig/ })
    await dialog.getByLabel(/Merge into my kubeconfig/).check()
    await expect(dialog.getByLabel(/Break-glass/)).toBeChecked()
    await expect(dialog).toContainText('k3s has no narrower admin group')
    await dialog.getByLabel(/Switch the current context/).check()
    await dialog.getByRole('button', { name: 'Export' }).click()
    await expect(dialog.getByRole('status')).toContainText('O=system:masters, CN=flotilla-break-glass')
    await expect(dialog.getByRole('status')).toContainText(kubeconfig)
    await dialog.getByRole('button', { name: 'Done' }).click()
    await expect(page.getByTestId('issued-row')).toContainText('break-glass')
    const current = execFileSync('kubectl', ['config', 'current-context', `--kubeconfig=${kubeconfig}`], {
      encoding: 'utf8',
    })
    expect(current.trim()).toBe('flotilla-edge')
  } finally {
    stop(web.child)
  }
})

test.describe('screenshots', () => {
  // Always runs: the flow is asserted, and the pictures land in test-results/ (or FLOTILLA_SCREENSHOT).
  test('of the Security screen with a CA set and an issued kubeconfig', async ({ page }, testInfo) => {
    const shot = process.env.FLOTILLA_SCREENSHOT ?? testInfo.outputPath('security.png')
    const web = await webWithoutKeychain({ FLOTILLA_VAULT_PASSPHRASE: PASS })
    try {
      await page.goto(web.url + '#/security')
      const clusterForm = page.getByRole('form', { name: 'Create cluster' })
      await clusterForm.getByLabel('Cluster name').fill('homelab')
      await clusterForm.getByLabel('API endpoint').fill('192.168.1.10:6443')
      await clusterForm.getByRole('button', { name: 'Create cluster' }).click()
      await page.getByRole('button', { name: 'Create certificate authorities' }).click()
      await expect(page.getByTestId('ca-row')).toHaveCount(3, { timeout: CA_CREATION_MS })
      await page.getByRole('button', { name: 'Export kubeconfig…' }).click()
      await page.getByLabel('File path').fill(join(web.home, 'admin.conf'))
      await page.getByRole('button', { name: 'Export', exact: true }).click()
      await page.getByRole('button', { name: 'Done' }).click()
      await page.getByRole('button', { name: 'Export kubeconfig…' }).click()
      await expect(page.getByRole('dialog')).toBeVisible()
      await page.screenshot({ path: shot.replace('.png', '-dialog.png') })
      await page.keyboard.press('Escape')
      await expect(page.getByRole('dialog')).toHaveCount(0)
      await page.screenshot({ path: shot, fullPage: true })
    } finally {
      stop(web.child)
    }
  })
})

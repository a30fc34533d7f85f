/**
 * Page objects of the lab e2e scenario: what a person does on each screen, written with role and
 * label locators (getByRole, getByLabel) so a control that loses its name or role for a keyboard
 * or screen-reader user breaks the scenario too. Every wait is a web-first assertion: it polls its
 * condition up to the config's expect timeout, never a guessed sleep. Screens that land later
 * (designer, plan review, run view, live view) add their page object here.
 */
import { expect, type Locator, type Page } from '@playwright/test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LabNode } from '../../lab/harness'

/** The app shell: sidebar navigation and the dialogs that can open over any screen. */
export class Shell {
  constructor(readonly page: Page) {}

  async open(url: string): Promise<void> {
    await this.page.goto(url)
    await expect(this.page.getByRole('navigation', { name: 'Main' })).toBeVisible()
  }

  async go(area: 'Hosts' | 'Clusters' | 'Security' | 'Settings'): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: area }).click()
    await expect(this.page.getByRole('heading', { level: 1, name: area })).toBeVisible()
  }

  dialog(title: string): Locator {
    return this.page.getByRole('dialog', { name: title })
  }
}

/** A lab node's address as text, not followed by another digit (10.0.0.1 is not 10.0.0.12). */
const addressText = (node: LabNode) => new RegExp(`${node.address.replaceAll('.', '\\.')}(?!\\d)`)

/** Hosts: scan, adopt (trust the host key, give a sudo password), identify, read the facts. */
export class HostsPage {
  readonly shell: Shell
  constructor(readonly page: Page) {
    this.shell = new Shell(page)
  }

  /** The row of a machine found on the LAN and not adopted yet. */
  foundRow(node: LabNode): Locator {
    return this.page
      .getByRole('list', { name: 'Found on the LAN' })
      .getByRole('listitem')
      .filter({ hasText: addressText(node) })
  }

  /** The row of an adopted (or added) host. */
  hostRow(node: LabNode): Locator {
    return this.page
      .getByRole('list', { name: 'Hosts' })
      .getByRole('listitem')
      .filter({ hasText: addressText(node) })
  }

  /** "Scan the LAN" and wait until every one of `nodes` is listed as found, by name and address. */
  async scanFinds(nodes: LabNode[]): Promise<void> {
    await this.page.getByRole('button', { name: 'Scan the LAN' }).click()
    for (const node of nodes) await expect(this.foundRow(node)).toContainText(node.hostname)
    await expect(this.page.getByRole('list', { name: 'Found on the LAN' }).getByRole('listitem')).toHaveCount(
      nodes.length,
    )
  }

  /**
   * Adopt a found machine as `node.user`, check the host key the dialog shows is the lab node's own
   * (what `ssh-keygen -lf` prints on the host) and trust it; give the sudo password in its dialog
   * when the host asks for one. Resolves once the host's row says Connected.
   */
  async adopt(node: LabNode): Promise<void> {
    const found = this.foundRow(node)
    await found.getByRole('button', { name: 'Adopt' }).click()
    await found.getByLabel('SSH user').fill(node.user)
    await found.getByRole('button', { name: 'Adopt and connect' }).click()

    const trust = this.shell.dialog('Trust this host?')
    await expect(trust).toBeVisible()
    await expect(trust.getByTestId('fingerprint')).toHaveText(node.hostKeyFingerprint!)
    await trust.getByRole('button', { name: 'Trust' }).click()
    await expect(trust).toBeHidden()

    if (node.sudo === 'password') {
      const sudo = this.shell.dialog('sudo password needed')
      await expect(sudo).toBeVisible()
      await expect(sudo).toContainText(`${node.user} must type a password to use sudo`)
      await sudo.getByLabel('sudo password').fill(node.password!)
      await sudo.getByRole('button', { name: 'Continue' }).click()
      await expect(sudo).toBeHidden()
    }
    await expect(this.hostRow(node)).toContainText('Connected')
  }

  /**
   * "Identify all", and wait until every host was identified again after the click -- read from
   * the server's inventory (`dataDir`), because each host was already identified once right after
   * its adoption and its row looks the same before and after -- and no row reports a failure.
   */
  async identifyAll(nodes: LabNode[], dataDir: string): Promise<void> {
    const clicked = new Date().toISOString()
    await this.page.getByRole('button', { name: 'Identify all' }).click()
    await expect
      .poll(() => identifiedSince(dataDir, clicked), { message: 'every host identified after "Identify all"' })
      .toEqual(nodes.map((n) => n.address).sort())
    for (const node of nodes) {
      const row = this.hostRow(node)
      // Identified: the row's one next step is a re-check.
      await expect(row.getByRole('button', { name: 'Re-check' })).toBeEnabled()
      await expect(row).not.toContainText('Identification failed')
    }
  }

  /**
   * The facts a host's row shows after identification: its kind (Pi / MicroOS / Linux badge), the
   * OS name, and its memory in GB.
   */
  async expectFacts(node: LabNode, facts: { badge: 'Pi' | 'MicroOS' | 'Linux'; memory: RegExp }): Promise<void> {
    const row = this.hostRow(node)
    await expect(row.getByText(facts.badge, { exact: true })).toBeVisible()
    await expect(row).toContainText(node.os.prettyName)
    await expect(row).toContainText(facts.memory)
    // Identified: the readiness per role is shown with it.
    await expect(row.getByRole('button', { name: /^Control plane: / })).toBeVisible()
  }
}

/** Addresses of the hosts in the inventory whose last identification is at or after `since` (ISO). */
function identifiedSince(dataDir: string, since: string): string[] {
  let inventory: { hosts: { address: string; identification?: { at: string } }[] }
  try {
    inventory = JSON.parse(readFileSync(join(dataDir, 'inventory.json'), 'utf8'))
  } catch {
    return [] // not written yet, or caught mid-write: poll again
  }
  return inventory.hosts
    .filter((h) => h.identification && h.identification.at >= since)
    .map((h) => h.address)
    .sort()
}

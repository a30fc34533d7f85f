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

/** A lab node's name as a whole word in a card's or row's text (lp-n1 is not lp-n10). */
const nameText = (node: LabNode) => new RegExp(`(^|[^\\w-])${node.hostname.replaceAll('.', '\\.')}(?![\\w-])`)

/** Security: the vault, set up with a passphrase (the build keeps the cluster's CAs in it). */
export class SecurityPage {
  readonly shell: Shell
  constructor(readonly page: Page) {
    this.shell = new Shell(page)
  }

  async usePassphrase(passphrase: string): Promise<void> {
    await this.shell.go('Security')
    const form = this.page.getByRole('form', { name: 'Use a passphrase' })
    await form.getByLabel('Vault passphrase').fill(passphrase)
    await form.getByLabel('Repeat passphrase').fill(passphrase)
    await form.getByRole('button', { name: 'Use a passphrase' }).click()
    await expect(this.page.getByTestId('keychain-backend')).toHaveText(/^Passphrase/)
  }
}

export type Place = 'endpoint' | 'control-plane' | 'worker' | 'none'

/** Designer: a new cluster, host cards dragged (mouse) or carried (keyboard) to their roles. */
export class DesignerPage {
  readonly shell: Shell
  constructor(readonly page: Page) {
    this.shell = new Shell(page)
  }

  zone(place: Place): Locator {
    return this.page.getByTestId(`zone-${place}`)
  }

  /** The card's grip: dnd-kit makes it a button named "<host>, <kind>". */
  private gripName(node: LabNode): RegExp {
    return new RegExp(`^${node.hostname}, `)
  }

  card(node: LabNode, within?: Place): Locator {
    return (within ? this.zone(within) : this.page)
      .getByTestId('host-card')
      .filter({ has: this.page.getByRole('button', { name: this.gripName(node) }) })
  }

  grip(node: LabNode): Locator {
    return this.page.getByRole('button', { name: this.gripName(node) })
  }

  /** "New cluster" with HAProxy on `lb`; resolves on the designer of the new cluster. */
  async create(name: string, lb: LabNode): Promise<void> {
    await this.shell.go('Clusters')
    await this.page.getByRole('button', { name: 'New cluster' }).click()
    const dialog = this.shell.dialog('New cluster')
    await dialog.getByLabel('Cluster name').fill(name)
    const select = dialog.getByLabel('HAProxy host')
    const option = select.getByRole('option').filter({ hasText: nameText(lb) })
    await select.selectOption({ label: (await option.textContent())!.trim() })
    await dialog.getByRole('button', { name: 'Create and design' }).click()
    await expect(this.page.getByRole('heading', { level: 1, name })).toBeVisible()
    await expect(this.zone('control-plane')).toBeVisible()
  }

  /** Mouse drag in steps (dnd-kit's pointer sensor starts a drag only after some movement). */
  async drag(node: LabNode, to: Place): Promise<void> {
    const grip = this.grip(node)
    // hover() waits until the card is visible and stable and puts the pointer on it: the list
    // still settles after a save, so coordinates read earlier can point at something else.
    await grip.hover()
    const from = (await grip.boundingBox())!
    const x = from.x + from.width / 2
    const y = from.y + from.height / 2
    await this.page.mouse.down()
    await this.page.mouse.move(x + 15, y + 10, { steps: 4 })
    await expect(this.page.locator('.host-card-dragging')).toHaveCount(1)
    // dnd-kit scrolls the page while the pointer is near an edge: follow the zone until it stays
    // put under the pointer, and only then drop (a drop beside it puts the host back).
    const zone = this.zone(to)
    let last = ''
    await expect(async () => {
      const box = (await zone.boundingBox())!
      await this.page.mouse.move(box.x + box.width / 2, box.y + Math.min(box.height / 2, 40), { steps: 6 })
      const where = JSON.stringify(await zone.boundingBox())
      const settled = where === last
      last = where
      expect(settled && (await zone.evaluate((e) => e.classList.contains('zone-over')))).toBe(true)
    }).toPass()
    await this.page.mouse.up()
    await expect(this.card(node, to)).toBeVisible()
  }

  /** Keyboard only: focus the card, Space picks it up, arrows move from place to place, Space drops. */
  async carry(node: LabNode, to: Place): Promise<void> {
    await this.grip(node).focus()
    await this.page.keyboard.press('Space')
    const target = this.zone(to)
    // Each arrow moves to the next place; which way round depends on the layout: poll, bounded.
    for (let i = 0; i < 6 && !(await target.evaluate((e) => e.classList.contains('zone-over'))); i++)
      await this.page.keyboard.press('ArrowUp')
    await expect(target).toHaveClass(/zone-over/)
    await this.page.keyboard.press('Space')
    await expect(this.card(node, to)).toBeVisible()
    await expect(this.grip(node)).toBeFocused()
  }

  async setDevCluster(): Promise<void> {
    const panel = this.page.getByRole('form', { name: 'Cluster spec' })
    await panel.getByRole('switch', { name: /Dev cluster/ }).check()
    await panel.getByRole('button', { name: 'Save spec' }).click()
    await expect(this.page.getByText('Spec saved.')).toBeVisible()
    await expect(panel.getByRole('switch', { name: /Dev cluster/ })).toBeChecked()
  }

  async tab(view: 'Design' | 'Plan' | 'Run' | 'Live'): Promise<void> {
    await this.page.getByRole('tab', { name: view }).click()
    await expect(this.page.getByRole('tab', { name: view })).toHaveAttribute('aria-selected', 'true')
  }
}

/** Plan review: each host's steps with the commands they run; Apply. */
export class PlanPage {
  constructor(readonly page: Page) {}

  host(node: LabNode): Locator {
    return this.page.getByRole('region', { name: nameText(node) })
  }

  /** Every host has a section; opened, its steps to do list the commands they run. */
  async expectCommands(nodes: LabNode[]): Promise<void> {
    await expect(this.page.getByTestId('plan-summary')).toContainText(`steps on ${nodes.length} hosts`)
    for (const node of nodes) {
      const host = this.host(node)
      const toggle = host.getByRole('button', { name: nameText(node) })
      if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click()
      await expect(toggle).toHaveAttribute('aria-expanded', 'true')
      await expect(host.getByTestId('plan-step').first()).toBeVisible()
      await expect(host.locator('pre.plan-command').first()).not.toBeEmpty()
    }
  }

  async apply(): Promise<void> {
    await this.page.getByRole('button', { name: 'Apply', exact: true }).click()
  }
}

/** Run view: one article per host, the run's end state as a word. */
export class RunPage {
  readonly shell: Shell
  constructor(readonly page: Page) {
    this.shell = new Shell(page)
  }

  /**
   * Waits until the run is Done, giving the Pi its sudo password whenever the dialog asks (a
   * reboot ends the login the password was given to). Fails at once on Failed.
   */
  async untilDone(nodes: LabNode[], deadlineMs: number): Promise<void> {
    const state = this.page.getByTestId('run-state')
    const sudo = this.shell.dialog('sudo password needed')
    const password = nodes.find((n) => n.password)?.password
    await expect
      .poll(
        async () => {
          if (password && (await sudo.isVisible())) {
            await sudo.getByLabel('sudo password').fill(password)
            await sudo.getByRole('button', { name: 'Continue' }).click()
          }
          const word = (await state.textContent({ timeout: 1000 }).catch(() => null)) ?? ''
          if (/Failed|Cancelled|Interrupted/.test(word)) throw new Error(`the run ended ${word}`)
          return word
        },
        { timeout: deadlineMs, message: 'the run reaches Done' },
      )
      .toBe('Done')
    for (const node of nodes) {
      const host = this.page.getByRole('article', { name: nameText(node) })
      await expect(host).toContainText('Done')
    }
  }
}

/** Live view: nodes with a state word, the endpoint's backends UP/DOWN, taints, export. */
export class LivePage {
  readonly shell: Shell
  constructor(readonly page: Page) {
    this.shell = new Shell(page)
  }

  node(node: LabNode): Locator {
    return this.page.getByRole('listitem', { name: new RegExp(`^${node.hostname}\\b.*: `) })
  }

  backend(node: LabNode): Locator {
    // A backend is named after its host (HAProxy's server name).
    return this.page
      .getByRole('list', { name: 'Endpoint backends' })
      .getByRole('listitem')
      .filter({ has: this.page.getByText(node.hostname, { exact: true }) })
  }

  async expectState(node: LabNode, word: RegExp): Promise<void> {
    await expect(this.node(node)).toHaveAccessibleName(word)
  }

  async expectBackend(node: LabNode, word: 'UP' | 'DOWN', timeout?: number): Promise<void> {
    await expect(this.backend(node).locator('.status')).toHaveText(word, timeout ? { timeout } : undefined)
  }

  async allowWorkloadsOnControlPlanes(): Promise<void> {
    await this.page.getByRole('button', { name: 'Allow workloads on control planes' }).click()
    await expect(this.page.getByRole('button', { name: 'Restore control-plane taints' })).toBeEnabled()
  }

  async restoreTaints(): Promise<void> {
    await this.page.getByRole('button', { name: 'Restore control-plane taints' }).click()
    await expect(this.page.getByRole('button', { name: 'Allow workloads on control planes' })).toBeEnabled()
  }

  /** Export an admin kubeconfig to a new file through the dialog; returns the path it shows. */
  async exportKubeconfig(clusterName: string): Promise<string> {
    await this.page.getByRole('button', { name: 'Export admin kubeconfig' }).click()
    const dialog = this.shell.dialog(`Export an admin kubeconfig for ${clusterName}`)
    await dialog.getByRole('button', { name: 'Export', exact: true }).click()
    const written = dialog.getByRole('status').locator('dd code').first()
    await expect(written).toHaveText(/kubeconfig$/)
    const path = (await written.textContent())!.trim()
    await dialog
      .getByRole('button', { name: /Close|Done/ })
      .first()
      .click()
    await expect(dialog).toBeHidden()
    return path
  }
}

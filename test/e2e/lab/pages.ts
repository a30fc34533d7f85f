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

/**
 * How the person acts: with the mouse (click, fill, drag), or with the keyboard only -- Tab and
 * Shift+Tab move the focus to the control as a keyboard user would reach it (never focus() from
 * outside), then Enter, Space, arrows and typed keys. A control the keyboard cannot reach within a
 * bounded number of presses fails the scenario: that is an accessibility bug, not a test detail.
 */
export type Mode = 'mouse' | 'keyboard'

/** The presses Tab may take to reach a control: more than any screen of the scenario has controls. */
const MAX_TABS = 120

/** Acts on controls by mouse or by keyboard, the same call either way. */
export class Actor {
  constructor(
    readonly page: Page,
    readonly mode: Mode,
  ) {}

  /**
   * Keyboard: Tab (or Shift+Tab, toward where the control is in the document) until `target` has
   * the focus. Bounded: a control Tab never reaches fails here with the focus shown.
   */
  async tabTo(target: Locator): Promise<void> {
    await expect(target).toBeVisible()
    for (let i = 0; i < MAX_TABS; i++) {
      const where = await target.evaluate((el) => {
        const active = document.activeElement
        if (active === el) return 0
        if (!active || active === document.body) return 1
        return active.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING ? 1 : -1
      })
      if (where === 0) return
      await this.page.keyboard.press(where > 0 ? 'Tab' : 'Shift+Tab')
    }
    await expect(target, `reachable by Tab within ${MAX_TABS} presses`).toBeFocused({ timeout: 1 })
  }

  /** Activate a button (or tab, or link): a click, or Tab to it and Enter. */
  async press(target: Locator): Promise<void> {
    if (this.mode === 'mouse') return target.click()
    await this.tabTo(target)
    await this.page.keyboard.press('Enter')
  }

  /** Type a value into a text field: fill, or Tab to it, select what is there and type. */
  async fill(field: Locator, value: string): Promise<void> {
    if (this.mode === 'mouse') return field.fill(value)
    await this.tabTo(field)
    await this.page.keyboard.press('ControlOrMeta+A')
    await this.page.keyboard.type(value)
    // Compared in the page, not by toHaveValue: a password must not reach a failure message.
    expect(
      await field.evaluate((f: HTMLInputElement, v) => f.value === v, value),
      'the field holds what was typed',
    ).toBe(true)
  }

  /** Turn a checkbox or switch on: check, or Tab to it and Space. */
  async check(box: Locator): Promise<void> {
    if (this.mode === 'mouse') return box.check()
    await this.tabTo(box)
    if (!(await box.isChecked())) await this.page.keyboard.press('Space')
    await expect(box).toBeChecked()
  }

  /**
   * Choose the option of a <select> whose text matches `text`: selectOption, or Tab to it and
   * ArrowDown/ArrowUp through its options (bounded by their number) until it is chosen.
   */
  async choose(select: Locator, text: RegExp): Promise<void> {
    const option = select.getByRole('option').filter({ hasText: text })
    const label = (await option.textContent())!.trim()
    if (this.mode === 'mouse') {
      await select.selectOption({ label })
      return
    }
    await this.tabTo(select)
    const count = await select.getByRole('option').count()
    const chosen = () => select.evaluate((s: HTMLSelectElement) => s.selectedOptions[0]?.textContent?.trim() ?? '')
    for (const key of ['ArrowDown', 'ArrowUp'])
      for (let i = 0; i < count && (await chosen()) !== label; i++) await this.page.keyboard.press(key)
    expect(await chosen()).toBe(label)
  }
}

/** The app shell: sidebar navigation and the dialogs that can open over any screen. */
export class Shell {
  readonly act: Actor
  constructor(
    readonly page: Page,
    mode: Mode = 'mouse',
  ) {
    this.act = new Actor(page, mode)
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url)
    await expect(this.page.getByRole('navigation', { name: 'Main' })).toBeVisible()
  }

  async go(area: 'Hosts' | 'Clusters' | 'Security' | 'Settings'): Promise<void> {
    await this.act.press(this.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: area }))
    await expect(this.page.getByRole('heading', { level: 1, name: area })).toBeVisible()
  }

  dialog(title: string): Locator {
    return this.page.getByRole('dialog', { name: title })
  }
}

/** What every screen's page object has: the page, the shell around it and how it acts (mouse or keyboard). */
class ScreenPage {
  readonly shell: Shell
  readonly act: Actor
  constructor(
    readonly page: Page,
    mode: Mode = 'mouse',
  ) {
    this.shell = new Shell(page, mode)
    this.act = this.shell.act
  }
}

/** A lab node's address as text, not followed by another digit (10.0.0.1 is not 10.0.0.12). */
const addressText = (node: LabNode) => new RegExp(`${node.address.replaceAll('.', '\\.')}(?!\\d)`)

/** Hosts: scan, adopt (trust the host key, give a sudo password), identify, read the facts. */
export class HostsPage extends ScreenPage {
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
    await this.act.press(this.page.getByRole('button', { name: 'Scan the LAN' }))
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
    await this.act.press(found.getByRole('button', { name: 'Adopt' }))
    await this.act.fill(found.getByLabel('SSH user'), node.user)
    await this.act.press(found.getByRole('button', { name: 'Adopt and connect' }))

    const trust = this.shell.dialog('Trust this host?')
    await expect(trust).toBeVisible()
    await expect(trust.getByTestId('fingerprint')).toHaveText(node.hostKeyFingerprint!)
    await this.act.press(trust.getByRole('button', { name: 'Trust' }))
    await expect(trust).toBeHidden()

    if (node.sudo === 'password') {
      const sudo = this.shell.dialog('sudo password needed')
      await expect(sudo).toBeVisible()
      await expect(sudo).toContainText(`${node.user} must type a password to use sudo`)
      await this.act.fill(sudo.getByLabel('sudo password'), node.password!)
      await this.act.press(sudo.getByRole('button', { name: 'Continue' }))
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
    await this.act.press(this.page.getByRole('button', { name: 'Identify all' }))
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
export class SecurityPage extends ScreenPage {
  async usePassphrase(passphrase: string): Promise<void> {
    await this.shell.go('Security')
    const form = this.page.getByRole('form', { name: 'Use a passphrase' })
    await this.act.fill(form.getByLabel('Vault passphrase'), passphrase)
    await this.act.fill(form.getByLabel('Repeat passphrase'), passphrase)
    await this.act.press(form.getByRole('button', { name: 'Use a passphrase' }))
    await expect(this.page.getByTestId('keychain-backend')).toHaveText(/^Passphrase/)
  }
}

export type Place = 'endpoint' | 'control-plane' | 'worker' | 'none'

/** Designer: a new cluster, host cards dragged (mouse) or carried (keyboard) to their roles. */
export class DesignerPage extends ScreenPage {
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
    await this.act.press(this.page.getByRole('button', { name: 'New cluster' }))
    const dialog = this.shell.dialog('New cluster')
    await this.act.fill(dialog.getByLabel('Cluster name'), name)
    await this.act.choose(dialog.getByLabel('HAProxy host'), nameText(lb))
    await this.act.press(dialog.getByRole('button', { name: 'Create and design' }))
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

  /** A host to a role: dragged by mouse, or carried by keyboard. */
  async assign(node: LabNode, to: Place): Promise<void> {
    return this.act.mode === 'mouse' ? this.drag(node, to) : this.carry(node, to)
  }

  /** Keyboard only: Tab to the card, Space picks it up, arrows move from place to place, Space drops. */
  async carry(node: LabNode, to: Place): Promise<void> {
    await this.act.tabTo(this.grip(node))
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
    await this.act.check(panel.getByRole('switch', { name: /Dev cluster/ }))
    await this.act.press(panel.getByRole('button', { name: 'Save spec' }))
    await expect(this.page.getByText('Spec saved.')).toBeVisible()
    await expect(panel.getByRole('switch', { name: /Dev cluster/ })).toBeChecked()
  }

  async tab(view: 'Design' | 'Plan' | 'Run' | 'Live'): Promise<void> {
    await this.act.press(this.page.getByRole('tab', { name: view }))
    await expect(this.page.getByRole('tab', { name: view })).toHaveAttribute('aria-selected', 'true')
  }
}

/** Plan review: each host's steps with the commands they run; Apply. */
export class PlanPage extends ScreenPage {
  host(node: LabNode): Locator {
    return this.page.getByRole('region', { name: nameText(node) })
  }

  /** Every host has a section; opened, its steps to do list the commands they run. */
  async expectCommands(nodes: LabNode[]): Promise<void> {
    await expect(this.page.getByTestId('plan-summary')).toContainText(`steps on ${nodes.length} hosts`)
    for (const node of nodes) {
      const host = this.host(node)
      const toggle = host.getByRole('button', { name: nameText(node) })
      if ((await toggle.getAttribute('aria-expanded')) !== 'true') await this.act.press(toggle)
      await expect(toggle).toHaveAttribute('aria-expanded', 'true')
      await expect(host.getByTestId('plan-step').first()).toBeVisible()
      await expect(host.locator('pre.plan-command').first()).not.toBeEmpty()
    }
  }

  async apply(): Promise<void> {
    await this.act.press(this.page.getByRole('button', { name: 'Apply', exact: true }))
  }
}

/** Run view: one article per host, the run's end state as a word. */
export class RunPage extends ScreenPage {
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
            await this.act.fill(sudo.getByLabel('sudo password'), password)
            await this.act.press(sudo.getByRole('button', { name: 'Continue' }))
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
export class LivePage extends ScreenPage {
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
    await this.act.press(this.page.getByRole('button', { name: 'Allow workloads on control planes' }))
    await expect(this.page.getByRole('button', { name: 'Restore control-plane taints' })).toBeEnabled()
  }

  async restoreTaints(): Promise<void> {
    await this.act.press(this.page.getByRole('button', { name: 'Restore control-plane taints' }))
    await expect(this.page.getByRole('button', { name: 'Allow workloads on control planes' })).toBeEnabled()
  }

  /** Export an admin kubeconfig to a new file through the dialog; returns the path it shows. */
  async exportKubeconfig(clusterName: string): Promise<string> {
    await this.act.press(this.page.getByRole('button', { name: 'Export admin kubeconfig' }))
    const dialog = this.shell.dialog(`Export an admin kubeconfig for ${clusterName}`)
    await this.act.press(dialog.getByRole('button', { name: 'Export', exact: true }))
    const written = dialog.getByRole('status').locator('dd code').first()
    await expect(written).toHaveText(/kubeconfig$/)
    const path = (await written.textContent())!.trim()
    // Keyboard: Escape closes a dialog as its Close button does.
    if (this.act.mode === 'keyboard') await this.page.keyboard.press('Escape')
    else await this.act.press(dialog.getByRole('button', { name: /Close|Done/ }).first())
    await expect(dialog).toBeHidden()
    return path
  }
}

/**
 * The whole path of issue 14 in the browser, against six simulator hosts on the lab's LAN (an
 * HAProxy host, three control planes -- a Raspberry Pi 5 whose sudo asks for a password, a Debian
 * box, a MicroOS box -- and two workers): from an empty app to a running cluster.
 *
 * The steps (one page object per screen in pages.ts; one test, one lab):
 *   1. open the app -> Hosts -> "Scan the LAN" finds the six hosts
 *   2. adopt each: the host key shown is the lab host's own, trust it; the Pi's sudo password is
 *      asked in a dialog and given there
 *   3. "Identify all": every host shows its facts (Pi / MicroOS / Linux, OS, memory, readiness)
 *   4. Security: the vault with a passphrase (the build keeps the cluster's CAs there); designer:
 *      a new cluster with HAProxy on the first host, the control planes and one worker dragged by
 *      mouse, the last worker carried by keyboard only; dev cluster on
 *   5. plan review shows each host's steps with their commands -> Apply
 *   6. run view reaches Done for every host (the Pi's sudo password is given if asked again)
 *   7. live view: 5 nodes Ready, the endpoint's 3 backends UP
 *   8. export the admin kubeconfig (the dialog says where) -> `kubectl get nodes` lists the 5 nodes
 *   9. taints, checked with that kubeconfig and the real kubectl: a dev cluster has none; restore
 *      puts them on the 3 control planes; "Allow workloads on control planes" takes them off
 *  10. power off one control plane (lab.powerCut) -> the view shows it NotReady and its backend DOWN
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import type { Page } from '@playwright/test'
import { expect, test } from './lab-fixture'
import { DesignerPage, HostsPage, LivePage, PlanPage, RunPage, SecurityPage } from './pages'

/** Screenshots only when asked (SHOTS_DIR): CI writes none. Light and dark at 1280x800. */
async function shots(page: Page, name: string, mode: string): Promise<void> {
  const dir = process.env.SHOTS_DIR
  // The mouse walk takes them (closing the operations panel is a click, which the keyboard walk must not make).
  if (!dir || mode !== 'mouse') return
  // The screen from its top, without the operations panel (the README shows the screen itself).
  const dock = page.getByRole('contentinfo', { name: 'Status' }).getByRole('button', { name: /Operations/ })
  if ((await dock.getAttribute('aria-expanded')) === 'true') await dock.click()
  await page.getByRole('main').evaluate((main) => main.scrollTo(0, 0))
  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme)
    await page.screenshot({ path: join(dir, `${name}-1280x800-${theme}.png`) })
  }
  await page.evaluate(() => delete document.documentElement.dataset.theme)
}

/** The real kubectl, run from the test process (inside the desk namespace) with a kubeconfig. */
function kubectl(kubeconfig: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 }, (error, stdout, stderr) =>
      error ? reject(new Error(`kubectl ${args.join(' ')}: ${stderr || error.message}`)) : resolve(stdout),
    ),
  )
}

const PASSPHRASE = 'lab e2e vault passphrase, long enough to pass'
const CP_TAINT = 'node-role.kubernetes.io/control-plane'

test.describe.configure({ mode: 'serial' })

test('from an empty app to six trusted, identified hosts, then a running cluster', async ({ page, web, lab, mode }) => {
  await page.setViewportSize({ width: 1280, height: 800 })
  // Keyboard only means no pointer: the page counts every pointer press, checked at the end.
  if (mode === 'keyboard')
    await page.addInitScript(() => {
      const w = window as unknown as { pointerPresses: number }
      w.pointerPresses = 0
      window.addEventListener('pointerdown', () => w.pointerPresses++, true)
    })
  const hosts = new HostsPage(page, mode)
  await hosts.shell.open(web.url)
  await hosts.shell.go('Hosts')

  await test.step('Scan the LAN finds the six lab hosts', async () => {
    await hosts.scanFinds(lab.nodes)
  })

  await test.step('trust each host key and give the Pi its sudo password', async () => {
    for (const node of lab.nodes) await hosts.adopt(node)
    await expect(page.getByRole('list', { name: 'Found on the LAN' })).toHaveCount(0)
  })

  await test.step('identify them all: each shows what it is', async () => {
    await hosts.identifyAll(lab.nodes, web.dataDir)
    for (const node of lab.nodes) {
      // Expected from the hardware each profile imitates, not read back from the app.
      const facts =
        node.family === 'raspios'
          ? // A Pi 5 with 8 GB: MemTotal 8241856 kB
            ({ badge: 'Pi', memory: /\b7\.9 GB/ } as const)
          : node.family === 'microos'
            ? ({ badge: 'MicroOS', memory: /\b\d+\.\d GB/ } as const)
            : ({ badge: 'Linux', memory: /\b\d+\.\d GB/ } as const)
      await hosts.expectFacts(node, facts)
    }
    await shots(page, 'hosts', mode)
  })

  // The HA lab's layout (test/lab/sim/build-support.ts haSpec): HAProxy, 3 control planes, 2 workers.
  const lb = lab.nodes[0]!
  const members = lab.nodes.slice(1)
  const planes = members.slice(0, 3)
  const workers = members.slice(3)

  await test.step('the vault, with a passphrase: the build keeps the cluster CAs there', async () => {
    await new SecurityPage(page, mode).usePassphrase(PASSPHRASE)
  })

  const designer = new DesignerPage(page, mode)
  const how = mode === 'mouse' ? 'by mouse, the last worker by keyboard' : 'all by keyboard'
  await test.step(`designer: control planes and a worker ${how}, dev cluster`, async () => {
    await designer.create('homelab', lb)
    await expect(designer.zone('endpoint')).toContainText(lb.hostname)
    for (const node of [...planes, workers[0]!])
      await designer.assign(node, planes.includes(node) ? 'control-plane' : 'worker')
    await designer.carry(workers[1]!, 'worker')
    await expect(designer.zone('control-plane').getByTestId('host-card')).toHaveCount(3)
    await expect(designer.zone('worker').getByTestId('host-card')).toHaveCount(2)
    await designer.setDevCluster()
    await shots(page, 'designer', mode)
  })

  const plan = new PlanPage(page, mode)
  await test.step('plan review: the steps of every host, with their commands -> Apply', async () => {
    await designer.tab('Plan')
    await plan.expectCommands([lb, ...members])
    await shots(page, 'plan', mode)
    await plan.apply()
  })

  const run = new RunPage(page, mode)
  await test.step('run view: Done on every host', async () => {
    await expect(page.getByRole('tab', { name: 'Run' })).toHaveAttribute('aria-selected', 'true')
    await run.untilDone([lb, ...members], 8 * 60_000)
    await shots(page, 'run-done', mode)
    if (process.env.SHOTS_DIR && mode === 'mouse') {
      const back = await page.evaluate(() => location.hash)
      await page.evaluate(() => (location.hash = '#/home'))
      await expect(page.getByRole('heading', { level: 1, name: 'Home' })).toBeVisible()
      await shots(page, 'home', mode)
      await page.evaluate((hash) => (location.hash = hash), back)
      await expect(page.getByRole('tab', { name: 'Run' })).toHaveAttribute('aria-selected', 'true')
    }
  })

  const live = new LivePage(page, mode)
  await test.step('live view: 5 nodes Ready, the 3 backends UP', async () => {
    await designer.tab('Live')
    for (const node of members) await live.expectState(node, /: Ready$/)
    for (const node of planes) await live.expectBackend(node, 'UP')
    await shots(page, 'live', mode)
  })

  let kubeconfig = ''
  await test.step('export the admin kubeconfig: the real kubectl lists 5 nodes', async () => {
    kubeconfig = (await live.exportKubeconfig('homelab')).replace(/^~/, web.home)
    const names = (await kubectl(kubeconfig, ['get', 'nodes', '-o', 'name'])).trim().split('\n').sort()
    expect(names).toEqual(members.map((n) => `node/${n.hostname.toLowerCase()}`).sort())
  })

  const taintedPlanes = async () => {
    const out = await kubectl(kubeconfig, [
      'get',
      'nodes',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}={.spec.taints[*].key}{"\\n"}{end}',
    ])
    return out
      .trim()
      .split('\n')
      .filter((line) => line.includes(CP_TAINT))
      .map((line) => line.split('=')[0])
      .sort()
  }
  await test.step('taints: a dev cluster is built without them; restored, the real kubectl shows them; removed, none', async () => {
    const planeNames = planes.map((n) => n.hostname.toLowerCase()).sort()
    await expect.poll(taintedPlanes, { message: 'a dev cluster: no control-plane taint' }).toEqual([])
    await live.restoreTaints()
    await expect.poll(taintedPlanes, { message: 'the taint back on every control plane' }).toEqual(planeNames)
    await live.allowWorkloadsOnControlPlanes()
    await expect.poll(taintedPlanes, { message: 'no control-plane taint left' }).toEqual([])
  })

  await test.step('power off a control plane: NotReady and its backend DOWN', async () => {
    const victim = planes[2]!
    await lab.powerCut(victim)
    await live.expectState(victim, /NotReady/)
    await live.expectBackend(victim, 'DOWN')
    for (const node of planes.slice(0, 2)) await live.expectBackend(node, 'UP')
    await shots(page, 'live-power-cut', mode)
  })

  if (mode === 'keyboard')
    expect(await page.evaluate(() => (window as unknown as { pointerPresses: number }).pointerPresses)).toBe(0)
})

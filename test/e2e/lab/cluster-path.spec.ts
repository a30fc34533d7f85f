/**
 * The whole path of issue 14 in the browser, against six simulator hosts on the lab's LAN (an
 * HAProxy host, three control planes -- a Raspberry Pi 5 whose sudo asks for a password, a Debian
 * box, a MicroOS box -- and two workers): from an empty app to a running cluster.
 *
 * Done today (the screens exist):
 *   1. open the app -> Hosts -> "Scan the LAN" finds the six hosts
 *   2. adopt each: the host key shown is the lab host's own, trust it; the Pi's sudo password is
 *      asked in a dialog and given there
 *   3. "Identify all": every host shows its facts (Pi / MicroOS / Linux, OS, memory, readiness)
 *
 * To append as the screens land (one page object each in pages.ts; same test, same lab):
 *   4. designer: drag the HAProxy host, control planes and one worker onto their roles by mouse,
 *      assign the last worker by keyboard (focus the host, pick the role)
 *   5. plan review shows each host's steps with their commands (secrets as placeholders) -> Apply
 *   6. run view reaches done for every host (the Pi's sudo password is asked again if needed)
 *   7. live view: 5 nodes Ready, the endpoint's 3 backends UP
 *   8. remove the control-plane taint -> the real kubectl shows none; restore -> kubectl shows it
 *   9. export the admin kubeconfig -> `kubectl get nodes` with it lists the 5 nodes
 *  10. power off one control plane (lab.powerCut) -> the view shows it NotReady and its backend DOWN
 */
import { expect, test } from './lab-fixture'
import { HostsPage } from './pages'

test('from an empty app to six trusted, identified hosts', async ({ page, web, lab }) => {
  const hosts = new HostsPage(page)
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
  })
})

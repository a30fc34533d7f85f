/**
 * Fixtures of the lab e2e: `lab`, the simulator hosts on the lab's LAN (one set per worker: adding
 * six nodes costs seconds), and `web`, a fresh web UI whose SSH client has the lab's key. Playwright
 * runs inside the lab's desk namespace (test/e2e/lab/run.sh), so the server's SSH and mDNS and the
 * browser only ever reach the lab.
 */
import { test as base } from '@playwright/test'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { useLab, type Lab } from '../../lab/harness'
import { HA_PROFILES } from '../../lab/sim/ha-profiles'
import { startWebUi, stopWebUi, type WebUi } from '../web-fixture'
import type { Mode } from './pages'

/**
 * The HA lab of the apply tests (an HAProxy host, three control planes with a Pi whose sudo asks
 * for a password and a MicroOS box, two workers), each announcing itself over mDNS so "Scan the
 * LAN" can find it: the Pi does as Raspberry Pi OS does; the others publish _ssh._tcp as a host
 * whose owner installed avahi does.
 */
export const E2E_PROFILES = HA_PROFILES.map((p) => (p.startsWith('pi') ? p : `${p}+mdns-ssh`))

export interface LabWebUi extends WebUi {
  /** The server's HOME: ~/.ssh holds the lab's client key, nothing of the real user's. */
  home: string
}

export const test = base.extend<{ web: LabWebUi; mode: Mode }, { lab: Lab }>({
  // How the scenario acts (pages.ts): each Playwright project sets it (playwright.config.ts).
  mode: ['mouse', { option: true }],
  lab: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const lab = await useLab({ profiles: E2E_PROFILES })
      await use(lab)
      await lab.dispose()
    },
    { scope: 'worker', timeout: 180_000 },
  ],
  web: async ({ lab }, use, testInfo) => {
    const home = mkdtempSync(join(tmpdir(), 'flotilla-e2e-home-'))
    mkdirSync(join(home, '.ssh'), { mode: 0o700 })
    copyFileSync(lab.keyPath, join(home, '.ssh', 'id_ed25519'))
    copyFileSync(`${lab.keyPath}.pub`, join(home, '.ssh', 'id_ed25519.pub'))
    // No agent: the app logs in with the key in HOME, as on a fresh desktop.
    const { child, ...web } = await startWebUi({ HOME: home, SSH_AUTH_SOCK: undefined }, { prebuilt: true })
    await use({ ...web, home })
    stopWebUi(child)
    // A failed run in CI leaves only its report: give it the app's own log (which holds no secret).
    if (testInfo.status !== testInfo.expectedStatus) {
      const logs = join(web.dataDir, 'logs')
      for (const file of existsSync(logs) ? readdirSync(logs) : [])
        await testInfo.attach(`app log ${file}`, { path: join(logs, file), contentType: 'text/plain' })
    }
    // The copy of the lab's private key goes with it.
    rmSync(home, { recursive: true, force: true })
  },
})

export { expect } from '@playwright/test'

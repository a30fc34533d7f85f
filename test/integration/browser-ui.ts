/**
 * The app's UI in Debian's Chromium, served by the same web transport as `npm run web`, for lab
 * tests that drive the screens against real hosts (the browser runs in the lab's desk too).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import type { App } from '../../src/main/app'
import { startWebServer } from '../../src/main/web/web-server'

const ROOT = join(import.meta.dirname, '../..')

export interface BrowserUi {
  page: Page
  /** Saves a screenshot when FLOTILLA_SCREENSHOTS names a folder; otherwise does nothing. */
  shot(name: string, options?: { fullPage?: boolean }): Promise<void>
  close(): Promise<void>
}

export async function openBrowserUi(app: App): Promise<BrowserUi> {
  if (!existsSync(join(ROOT, 'out/renderer/index.html'))) {
    execFileSync('npx', ['electron-vite', 'build'], { cwd: ROOT, stdio: 'ignore' })
  }
  const server = await startWebServer({
    dispatch: app.dispatch,
    events: app.events,
    log: app.log,
    staticDir: join(ROOT, 'out/renderer'),
    port: 0,
    // As `npm run web`: the page answers operations that pause for a secret.
    onClient: () => app.ops.answerSecrets(),
  })
  const browser = await chromium.launch({
    executablePath: process.env.FLOTILLA_CHROMIUM ?? '/usr/bin/chromium',
    // Root in CI needs --no-sandbox; the rest keeps Chromium off a network it cannot reach.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  })
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  // The app lands on Home; these tests are about the Hosts screen.
  await page.goto(server.url + '#/hosts')
  const folder = process.env.FLOTILLA_SCREENSHOTS
  return {
    page,
    shot: async (name, options = {}) => {
      if (!folder) return
      mkdirSync(folder, { recursive: true })
      await page.screenshot({ path: join(folder, `${name}.png`), ...options })
    },
    close: async () => {
      await browser.close()
      await server.close()
    },
  }
}

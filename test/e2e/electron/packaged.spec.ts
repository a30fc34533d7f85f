import { chromium, expect, test, type Browser, type Page } from '@playwright/test'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * The installed app as a user gets it: the packaged executable (release/<v>/linux-unpacked/flotilla),
 * with its fuses flipped (file:// without extra privileges, no --inspect). Playwright's _electron
 * needs --inspect, which the fuses refuse, so this drives the window over Chromium's DevTools
 * protocol instead. Run by `node test/e2e/electron/run.mjs --packaged <executable>`.
 */
const EXECUTABLE = process.env.FLOTILLA_PACKAGED_APP

async function launch(): Promise<{ child: ChildProcess; browser: Browser }> {
  if (!EXECUTABLE) throw new Error('FLOTILLA_PACKAGED_APP is not set: run through run.mjs --packaged <executable>')
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-packaged-'))
  const child = spawn(
    EXECUTABLE,
    ['--data-dir', dataDir, '--remote-debugging-port=0', ...(process.env.CI ? ['--no-sandbox'] : [])],
    // A packaged app must ignore the dev server variable: this one would load a stranger's page.
    { env: { ...process.env, ELECTRON_RENDERER_URL: 'http://127.0.0.1:9/' }, detached: true, stdio: 'pipe' },
  )
  let output = ''
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no DevTools endpoint within 60 s:\n${output}`)), 60_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1]!)
      }
    }
    child.stderr!.on('data', onData)
    child.stdout!.on('data', onData)
    child.once('exit', (code) => reject(new Error(`the app exited with ${code}:\n${output}`)))
  })
  return { child, browser: await chromium.connectOverCDP(endpoint) }
}

async function appPage(browser: Browser): Promise<Page> {
  let page: Page | undefined
  await expect
    .poll(() => (page = browser.contexts().flatMap((c) => c.pages())[0]) !== undefined, { timeout: 30_000 })
    .toBe(true)
  return page!
}

test('the packaged app shows the Home screen from flotilla://app with window.api', async () => {
  const { child, browser } = await launch()
  try {
    const page = await appPage(browser)
    await expect(page.getByRole('heading', { name: 'Home', level: 1 })).toBeVisible()
    expect(page.url()).toBe('flotilla://app/index.html')

    const shape = await page.evaluate(() => ({
      origin: location.origin,
      domains: Object.keys(window.api).sort(),
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
    }))
    expect(shape).toEqual({
      origin: 'flotilla://app',
      domains: ['app', 'hosts', 'ops', 'settings'],
      require: 'undefined',
      process: 'undefined',
    })

    await page.evaluate(() => window.api.hosts.add({ address: '10.0.0.5', user: 'pi' }))
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Hosts' }).click()
    await expect(page.getByTestId('host-row')).toHaveCount(1)

    // The scheme serves the build and nothing else; file:// stays out of reach.
    const probes = await page.evaluate(async () => {
      const status = (url: string) =>
        fetch(url).then(
          (r) => r.status,
          () => 'blocked',
        )
      return {
        outside: await status('flotilla://app/%2e%2e%2f%2e%2e%2fpackage.json'),
        unknown: await status('flotilla://app/no-such-file.js'),
        file: await status('file:///etc/passwd'),
      }
    })
    expect(probes).toEqual({ outside: 403, unknown: 404, file: 'blocked' })
  } finally {
    await browser.close().catch(() => undefined)
    try {
      process.kill(-child.pid!, 'SIGTERM')
    } catch {
      // already gone
    }
  }
})

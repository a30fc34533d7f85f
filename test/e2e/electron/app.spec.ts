import { _electron as electron, expect, test } from '@playwright/test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '../../..')

test('the window opens with window.api, no Node in the page and the sandbox on', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-electron-'))
  const app = await electron.launch({
    args: [join(ROOT, 'out/main/index.js'), '--data-dir', dataDir, ...(process.env.CI ? ['--no-sandbox'] : [])],
    cwd: ROOT,
  })
  try {
    const page = await app.firstWindow()
    // Home is where the app lands (nav.store's default route).
    await expect(page.getByRole('heading', { name: 'Home', level: 1 })).toBeVisible()
    // The app's own scheme, as in the packaged app (file:// is blank there: renderer-source.ts).
    expect(page.url()).toBe('flotilla://app/index.html')

    const shape = await page.evaluate(() => ({
      api: typeof window.api,
      domains: Object.keys(window.api).sort(),
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      ipcRenderer: typeof (globalThis as { ipcRenderer?: unknown }).ipcRenderer,
    }))
    expect(shape).toEqual({
      api: 'object',
      domains: ['app', 'hosts', 'ops', 'settings'],
      require: 'undefined',
      process: 'undefined',
      ipcRenderer: 'undefined',
    })

    const prefs = await app.evaluate(({ BrowserWindow }) => {
      const contents = BrowserWindow.getAllWindows()[0]!.webContents
      // What the renderer was really created with (an Electron API missing from its .d.ts).
      const read = (contents as unknown as { getLastWebPreferences?: () => Record<string, unknown> | null })
        .getLastWebPreferences
      if (!read) throw new Error('webContents.getLastWebPreferences is gone: find another way to read the sandbox flag')
      const p = read.call(contents)!
      return { sandbox: p.sandbox, contextIsolation: p.contextIsolation, nodeIntegration: p.nodeIntegration }
    })
    expect(prefs).toEqual({ sandbox: true, contextIsolation: true, nodeIntegration: false })

    // The contract works through IPC: add a host through the bridge and see it listed.
    const host = await page.evaluate(() => window.api.hosts.add({ address: '10.0.0.5', user: 'pi' }))
    expect(host).toMatchObject({ address: '10.0.0.5' })
    await expect(page.getByTestId('host-row')).toHaveCount(1)
    const error = await page.evaluate(() =>
      window.api.hosts.add({ address: 'x y', user: 'pi' }).catch((e: unknown) => e),
    )
    expect(error).toMatchObject({ code: 'INVALID_INPUT' })

    // window.open is denied.
    expect(await page.evaluate(() => window.open('https://example.com') === null)).toBe(true)
  } finally {
    await app.close()
  }
})

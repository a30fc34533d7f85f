import { expect, test, type Page } from '@playwright/test'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { APP_ORIGIN, APP_URL } from '../../src/main/renderer-source'
import { contentSecurityPolicy, rendererResponse } from '../../src/main/web/static-files'

/**
 * The built renderer, loaded the way the packaged desktop app loads it: Electron serves
 * flotilla://app/ (a standard, secure scheme) from out/renderer through rendererResponse, with the
 * file:// fuse off. Chromium here cannot register a scheme, so the same handler serves the same
 * files under an origin with the same rules (standard, secure, its own host), and every request
 * is mapped onto the flotilla:// URL the handler sees in the app. No window.api here: the page
 * falls back to the web transport, which has no token, so it must say so on its token page (that
 * proves the scripts ran and the stylesheet applied).
 */
const RENDERER = resolve(import.meta.dirname, '../../out/renderer')
const STAND_IN = 'https://app.flotilla.invalid'

function watchProblems(page: Page): string[] {
  const problems: string[] = []
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()))
  page.on('pageerror', (e) => problems.push(e.message))
  page.on('requestfailed', (r) => problems.push(`${r.url()}: ${r.failure()?.errorText}`))
  return problems
}

test.beforeAll(() => {
  if (!existsSync(resolve(RENDERER, 'index.html'))) throw new Error('out/renderer is not built: run `npm run build`')
})

test('the built renderer shows its first page when served the way the packaged app serves it', async ({ page }) => {
  const served: string[] = []
  await page.route(`${STAND_IN}/**`, async (route) => {
    const url = new URL(route.request().url())
    const appUrl = `${APP_ORIGIN}${url.pathname}${url.search}`
    served.push(appUrl)
    const res = await rendererResponse(
      RENDERER,
      { method: route.request().method(), url: appUrl },
      { csp: contentSecurityPolicy(), fallbackToIndex: false },
    )
    await route.fulfill({ status: res.status, headers: res.headers, body: res.body ?? '' })
  })
  const problems = watchProblems(page)

  await page.goto(APP_URL.replace(APP_ORIGIN, STAND_IN))
  await expect(page.getByRole('heading', { name: 'This link needs its token', level: 1 })).toBeVisible()
  await expect(page.getByRole('main')).toContainText('npm run web')
  expect(served.some((u) => /^flotilla:\/\/app\/assets\/.+\.js$/.test(u))).toBe(true)
  expect(served.some((u) => /^flotilla:\/\/app\/assets\/.+\.css$/.test(u))).toBe(true)
  // Nothing blocked (CORS, CSP, MIME type), nothing failed, the stylesheet applied.
  expect(problems).toEqual([])
  const sheets = await page.evaluate(
    () => [...document.styleSheets].filter((s) => s.href?.includes('/assets/') && s.cssRules.length > 0).length,
  )
  expect(sheets).toBe(1)
  if (process.env.FLOTILLA_SHOTS) await page.screenshot({ path: `${process.env.FLOTILLA_SHOTS}/app-scheme-hosts.png` })
})

test('the same build from file:// stays blank (why the app no longer loads it that way)', async ({ page }) => {
  const problems = watchProblems(page)
  await page.goto(pathToFileURL(resolve(RENDERER, 'index.html')).href)
  await expect.poll(() => problems.some((p) => /origin 'null' has been blocked by CORS policy/.test(p))).toBe(true)
  expect(await page.locator('#root').innerHTML()).toBe('')
})

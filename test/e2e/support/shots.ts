/** Screenshots for review (not asserted): only when FLOTILLA_SHOTS names a folder. */
import { join } from 'node:path'
import type { Page } from '@playwright/test'

/** Saves `name` at 1280x800, 1920x1080 and 800x600, light and dark, then goes back to 1280x800. */
export async function themedShots(page: Page, name: string): Promise<void> {
  const dir = process.env.FLOTILLA_SHOTS
  if (!dir) return
  for (const [w, h] of [
    [1280, 800],
    [1920, 1080],
    [800, 600],
  ] as const) {
    await page.setViewportSize({ width: w, height: h })
    for (const theme of ['light', 'dark']) {
      await page.evaluate((t) => (document.documentElement.dataset.theme = t), theme)
      await page.screenshot({ path: join(dir, `${name}-${w}x${h}-${theme}.png`) })
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 })
}

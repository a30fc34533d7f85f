import { chromium, type Browser, type Page } from '@playwright/test'
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import e2eConfig from '../../e2e/playwright.config'
import { startWebUi, stopWebUi, type WebUi } from '../../e2e/web-fixture'
import { median, round, type BenchGroup, type Reporter } from '../harness'
import { sampleFrames } from '../ui-frames'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const RENDERER = join(ROOT, 'out/renderer')
/** The baseline page: one line of text, served by the same server from the same directory. */
const BLANK = 'bench-blank.html'
const LOADS = 9
const WARMUP = 2

/**
 * A frame-time figure: the p95 time between frames while a person does something on a screen.
 * `prepare` gets the page to the screen (with its data: 100 hosts on the topology, a 10,000-line
 * log); `interact` does the thing to measure (a drag, a scroll) with Playwright's mouse or wheel.
 * Both run against the same `npm run web` server (`web.dataDir` is its fresh data directory).
 */
export interface FrameFigure {
  /** e.g. ui_topology_100_nodes_drag_p95_frame_ms */
  name: string
  prepare(page: Page, web: WebUi): Promise<void>
  interact(page: Page): Promise<void>
}

/**
 * The hook for the UI's frame-time figures. Add one entry per figure as its screen lands; the group
 * reports the median over 5 runs of each figure's p95 frame time (target <= 16 ms):
 *   - ui_topology_100_nodes_drag_p95_frame_ms: designer with 100 hosts, drag one across the canvas
 *   - ui_log_10k_lines_scroll_p95_frame_ms: run view with a 10,000-line log, scroll it end to end
 */
export const FRAME_FIGURES: FrameFigure[] = []

/** Median over `runs` fresh pages of the p95 frame time of `figure`'s interaction. */
export async function measureFrameFigure(browser: Browser, web: WebUi, figure: FrameFigure, runs = 5): Promise<number> {
  const p95s: number[] = []
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    await figure.prepare(page, web)
    p95s.push((await sampleFrames(page, () => figure.interact(page))).p95)
    await context.close()
  }
  return median(p95s)
}

/**
 * Navigation start to first contentful paint, in a fresh browser context (empty cache, as a
 * first open is), after `ready` says the page is up.
 */
async function firstPaintMs(browser: Browser, url: string, ready: (page: Page) => Promise<void>): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await context.newPage()
  await page.goto(url)
  await ready(page)
  const fcp = await page.evaluate(
    () =>
      new Promise<number | null>((resolve) => {
        new PerformanceObserver((list) => {
          const entry = list.getEntriesByName('first-contentful-paint')[0]
          if (entry) resolve(entry.startTime)
          // Node's types (this file's) know no 'paint' entries; the browser that runs this does.
        }).observe({ type: 'paint' as 'mark', buffered: true })
        setTimeout(() => resolve(null), 10_000)
      }),
  )
  await context.close()
  if (fcp === null) throw new Error(`no first contentful paint on ${url.replace(/\?token=.*/, '')}`)
  return fcp
}

async function medianFirstPaint(browser: Browser, url: string, ready: (page: Page) => Promise<void>) {
  for (let i = 0; i < WARMUP; i++) await firstPaintMs(browser, url, ready)
  const samples: number[] = []
  for (let i = 0; i < LOADS; i++) samples.push(await firstPaintMs(browser, url, ready))
  return median(samples)
}

/** gzip size of the renderer's JavaScript and CSS, as a browser downloads them. */
function bundleGzipKb(): number {
  let bytes = 0
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (/\.(js|mjs|css)$/.test(entry.name)) bytes += gzipSync(readFileSync(path)).length
    }
  }
  walk(RENDERER)
  return bytes / 1024
}

/**
 * The renderer as a user meets it: first paint of the app shell in Chromium against `npm run web`
 * (vs a one-line static page from the same server: the ratio is the app's own cost), the gzip size
 * of its bundle, and the frame-time figures of FRAME_FIGURES.
 */
export const ui: BenchGroup = {
  name: 'ui',
  description:
    'renderer bundle gzip size; Chromium first contentful paint of the app shell via npm run web vs a static one-line page from the same server; p95 frame times of FRAME_FIGURES',
  async run(report: Reporter) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' })
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`)
    report('ui_bundle_gz_kb', round(bundleGzipKb(), 1), 'kB')

    writeFileSync(join(RENDERER, BLANK), '<!doctype html><html lang="en"><title>b</title><p>Flotilla</p></html>\n')
    const { child, ...web } = await startWebUi({}, { prebuilt: true })
    const browser = await chromium.launch(e2eConfig.use?.launchOptions)
    try {
      const app = await medianFirstPaint(browser, web.url, (page) =>
        page.getByRole('navigation', { name: 'Main' }).waitFor(),
      )
      const blank = await medianFirstPaint(browser, new URL(BLANK, web.url).href, (page) =>
        page.getByText('Flotilla').waitFor(),
      )
      report('ui_first_paint_ms', round(app, 1), 'ms')
      report('ui_first_paint_static_page_ms', round(blank, 1), 'ms')
      report('ui_first_paint_ratio', round(app / blank, 2), 'x')
      for (const figure of FRAME_FIGURES)
        report(figure.name, round(await measureFrameFigure(browser, web, figure), 1), 'ms')
    } finally {
      await browser.close()
      stopWebUi(child)
      rmSync(join(RENDERER, BLANK), { force: true })
    }
  },
}

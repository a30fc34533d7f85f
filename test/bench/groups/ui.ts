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
import { CLUSTER, designerSpec, hostLabel, LOG_OP, seedDesigner, seedLog } from '../ui-seed'

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
 * Both run against the same `npm run web` server (`web.dataDir` is its fresh data directory); a
 * figure with a `seed` gets a server of its own whose data directory `seed` wrote first.
 */
export interface FrameFigure {
  /** e.g. ui_topology_100_nodes_drag_p95_frame_ms */
  name: string
  seed?: (dataDir: string) => void
  /** Also report this figure over another's (the same interaction on a small screen) as `name`. */
  ratio?: { name: string; over: string }
  prepare(page: Page, web: WebUi): Promise<void>
  interact(page: Page): Promise<void>
}

/**
 The UI's frame-time figures. For each, the group reports the median over 5 runs of the p95 of
 * the main thread's work per frame (input handlers, rAF, style, layout, paint: target <= 16 ms, so
 * every frame fits 60 Hz), and as `…_frame_interval_ms` the p95 time between frames (headless
 * Chromium paces frames at 60 Hz: ~16.7 ms is that one's floor, more is a dropped frame):
 *   - ui_topology_100_nodes_drag_p95_frame_ms: designer with 100 hosts, drag one across the canvas
 *   - ui_log_10k_lines_scroll_p95_frame_ms: run view with a 10,000-line log, scroll it end to end
 * On a shared, loaded machine other processes' work shows up too: the ratio to the same
 * interaction on a small screen, from the same run, says what the big one costs.
 */
export const FRAME_FIGURES: FrameFigure[] = [
  designerDrag(6, 12),
  designerDrag(100, 106, {
    name: 'ui_topology_drag_100_vs_6_nodes_ratio',
    over: 'ui_topology_6_nodes_drag_p95_frame_ms',
  }),
  logScroll(100, 'ui_log_100_lines_scroll_p95_frame_ms'),
  logScroll(10_000, 'ui_log_10k_lines_scroll_p95_frame_ms', {
    name: 'ui_log_scroll_10k_vs_100_lines_ratio',
    over: 'ui_log_100_lines_scroll_p95_frame_ms',
  }),
]

/** Input events per interaction, one per frame: ~1.5 s at 60 frames a second. */
const STEPS = 90

/** The page's global as seen from this Node-typed file (see ui-frames.ts). */
interface PageWindow {
  requestAnimationFrame(callback: () => void): number
  api: { clusters: { import(spec: Record<string, unknown>, options: object): Promise<unknown> } }
}

/** Resolves at the page's next frame: paces input like a person's mouse (one event per frame). */
const nextFrame = (page: Page) =>
  page.evaluate(
    () => new Promise<void>((resolve) => (globalThis as unknown as PageWindow).requestAnimationFrame(() => resolve())),
  )

/**
 * The designer with `nodes` hosts placed (3 control planes, the rest workers) and 6 more in the
 * tray: a worker card is picked up and dragged over the canvas in STEPS pointer moves, then the
 * drag is cancelled (Escape): nothing saves, so every run starts from the same spec.
 */
function designerDrag(nodes: number, hosts: number, ratio?: FrameFigure['ratio']): FrameFigure {
  const card = (page: Page) =>
    page.locator(`[data-testid=host-card][data-host="${hostLabel(Math.ceil(nodes / 2))}"] .host-card-main`)
  return {
    name: `ui_topology_${nodes}_nodes_drag_p95_frame_ms`,
    seed: seedDesigner(hosts),
    ...(ratio ? { ratio } : {}),
    async prepare(page, web) {
      await page.goto(web.url)
      await page.getByRole('navigation', { name: 'Main' }).waitFor()
      // Import is create-or-update by name: the same spec every run (no change after the first).
      await page.evaluate(
        (spec) => (globalThis as unknown as PageWindow).api.clusters.import(spec, {}),
        designerSpec(nodes),
      )
      await page.goto(`${web.url}#/clusters/${CLUSTER}/design`)
      await page
        .locator('[data-testid=host-card]')
        .nth(hosts - 1)
        .waitFor()
      const count = await page.locator('[data-testid=host-card]').count()
      if (count !== hosts) throw new Error(`the designer shows ${count} host cards, not ${hosts}`)
      await card(page).scrollIntoViewIfNeeded()
    },
    async interact(page) {
      const from = (await card(page).boundingBox())!
      const { width, height } = page.viewportSize()!
      // Away from the viewport's edges (dnd-kit would auto-scroll there): a zigzag over the canvas.
      const path = [
        { x: from.x + from.width / 2, y: from.y + from.height / 2 },
        { x: width * 0.2, y: height * 0.3 },
        { x: width * 0.6, y: height * 0.7 },
        { x: width * 0.3, y: height * 0.5 },
      ]
      await page.mouse.move(path[0]!.x, path[0]!.y)
      await page.mouse.down()
      const legs = path.length - 1
      for (let i = 1; i <= STEPS; i++) {
        const at = (i / STEPS) * legs
        const leg = Math.min(Math.floor(at), legs - 1)
        const t = at - leg
        const [a, b] = [path[leg]!, path[leg + 1]!]
        await page.mouse.move(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t)
        await nextFrame(page)
      }
      const dragged = await page.locator('.host-card-overlay').count()
      await page.keyboard.press('Escape')
      await page.mouse.up()
      if (dragged !== 1) throw new Error('the drag did not start (no card under the pointer)')
    },
  }
}

/**
 * The run view of a finished apply whose log has `lines` lines: from the log's first line, wheel
 * events scroll it to its last in STEPS equal steps.
 */
function logScroll(lines: number, name: string, ratio?: FrameFigure['ratio']): FrameFigure {
  const log = (page: Page) => page.getByRole('log')
  return {
    name,
    seed: seedLog(lines),
    ...(ratio ? { ratio } : {}),
    async prepare(page, web) {
      await page.goto(`${web.url}#/clusters/${CLUSTER}/run/${LOG_OP}`)
      await page
        .locator('.log-toolbar')
        .getByText(`${lines.toLocaleString('en-US')} lines`)
        .waitFor()
      await log(page).evaluate((el) => (el.scrollTop = 0))
      await log(page).getByText('output line 1 of the apply', { exact: false }).first().waitFor()
    },
    async interact(page) {
      const box = (await log(page).boundingBox())!
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
      const distance = await log(page).evaluate((el) => el.scrollHeight - el.clientHeight)
      for (let i = 0; i < STEPS; i++) {
        await page.mouse.wheel(0, Math.ceil(distance / STEPS))
        await nextFrame(page)
      }
      // The last line must be reached: else the figure measured a shorter scroll than it says.
      await log(page).getByText(`output line ${lines} of the apply`).waitFor({ timeout: 10_000 })
    },
  }
}

/** Median over `runs` fresh pages of the p95 frame time of `figure`'s interaction. */
export async function measureFrameFigure(
  browser: Browser,
  web: WebUi,
  figure: FrameFigure,
  runs = 5,
): Promise<{ work: number; interval: number }> {
  const work: number[] = []
  const interval: number[] = []
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    await figure.prepare(page, web)
    const sample = await sampleFrames(page, () => figure.interact(page))
    work.push(sample.workP95)
    interval.push(sample.p95)
    await context.close()
  }
  return { work: median(work), interval: median(interval) }
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
      const figures = new Map<string, number>()
      for (const figure of FRAME_FIGURES) {
        const own = figure.seed ? await startWebUi({}, { prebuilt: true, seed: figure.seed }) : undefined
        try {
          const p95 = await measureFrameFigure(browser, own ?? web, figure)
          figures.set(figure.name, p95.work)
          report(figure.name, round(p95.work, 1), 'ms')
          report(figure.name.replace(/_frame_ms$/, '_frame_interval_ms'), round(p95.interval, 1), 'ms')
        } finally {
          if (own) stopWebUi(own.child)
        }
        const over = figure.ratio && figures.get(figure.ratio.over)
        if (figure.ratio && over) report(figure.ratio.name, round(figures.get(figure.name)! / over, 2), 'x')
      }
    } finally {
      await browser.close()
      stopWebUi(child)
      rmSync(join(RENDERER, BLANK), { force: true })
    }
  },
}

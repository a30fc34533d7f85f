/**
 * The frame-time sampler of the UI benchmarks (test/bench/ui-frames.ts) on synthetic pages: it must
 * see every frame of an interaction, long ones included, and stop when the interaction is over.
 * Bounds are lower bounds the page itself forces (a frame that busy-waits 60 ms cannot be shorter),
 * so a loaded machine cannot make these fail.
 */
import { expect, test } from '@playwright/test'
import { measureFrameFigure, type FrameFigure } from '../bench/groups/ui'
import { sampleFrames } from '../bench/ui-frames'

const PAGE = `<!doctype html><html><body><p>synthetic</p><script>
  // Runs n frames; each busy-waits jankMs before letting the frame end.
  window.frames_ = (n, jankMs) => new Promise((done) => {
    let left = n
    const tick = () => {
      const until = performance.now() + jankMs
      while (performance.now() < until) {}
      if (--left === 0) done()
      else requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
  })
</script></body></html>`

interface SyntheticPage {
  frames_(n: number, jankMs: number): Promise<void>
}

test('sees each long frame of an interaction: p95 and max at least the forced 60 ms', async ({ page }) => {
  await page.setContent(PAGE)
  const sample = await sampleFrames(page, () =>
    page.evaluate(() => (globalThis as unknown as SyntheticPage).frames_(8, 60)),
  )
  // 8 janky frames: each delays the next frame by at least 60 ms (one of margin: where the recording starts).
  expect(sample.frames.filter((f) => f >= 60).length).toBeGreaterThanOrEqual(7)
  expect(sample.p95).toBeGreaterThanOrEqual(60)
  expect(sample.max).toBeGreaterThanOrEqual(60)
  // The main thread's work of those frames is the busy-wait itself.
  expect(sample.work.filter((w) => w >= 60).length).toBeGreaterThanOrEqual(7)
  expect(sample.workP95).toBeGreaterThanOrEqual(60)
})

test('records every frame while the interaction runs, and nothing after it', async ({ page }) => {
  await page.setContent(PAGE)
  const sample = await sampleFrames(page, () =>
    page.evaluate(() => (globalThis as unknown as SyntheticPage).frames_(30, 0)),
  )
  expect(sample.frames.length).toBeGreaterThanOrEqual(30)
  for (const f of sample.frames) expect(f).toBeGreaterThan(0)
  expect(sample.p95).toBe([...sample.frames].sort((a, b) => a - b)[Math.ceil(0.95 * sample.frames.length) - 1])

  // Stopped: more frames pass in the page, the recording does not grow.
  await page.evaluate(() => (globalThis as unknown as SyntheticPage).frames_(10, 0))
  const recorded = await page.evaluate(
    () => (globalThis as unknown as { __flotillaFrames: { times: number[] } }).__flotillaFrames.times.length,
  )
  expect(recorded).toBe(sample.frames.length)
})

test('the bench hook measures a frame figure: median of each run p95', async ({ browser }) => {
  const figure: FrameFigure = {
    name: 'synthetic_jank_p95_frame_ms',
    prepare: (page) => page.setContent(PAGE),
    interact: async (page) => {
      await page.evaluate(() => (globalThis as unknown as SyntheticPage).frames_(8, 60))
    },
  }
  const figures = await measureFrameFigure(browser, { url: 'about:blank', dataDir: '' }, figure, 3)
  expect(figures.work).toBeGreaterThanOrEqual(60)
  expect(figures.interval).toBeGreaterThanOrEqual(60)
})

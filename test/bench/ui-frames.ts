/**
 * Frame times of an interaction in a real browser page: a requestAnimationFrame loop in the page
 * records the time between consecutive frames (as their callbacks run) while `interact` runs (a drag, a scroll). A frame
 * that took longer than ~16.7 ms is one the user saw stutter; the p95 is the figure the UI
 * benchmarks report (ui_topology_100_nodes_drag_p95_frame_ms, ui_log_10k_lines_scroll_p95_frame_ms).
 * Used by the `ui` bench group; tested against synthetic pages in test/e2e/frame-sampler.spec.ts.
 */
import type { Page } from '@playwright/test'
import { percentile } from './harness'

export interface FrameSample {
  /** time between consecutive frames, ms, in order */
  frames: number[]
  p95: number
  max: number
}

/**
 * The page's global as the sampler sees it. Spelled out because this file is type-checked with
 * Node's libraries (the bench), where `window` and requestAnimationFrame do not exist.
 */
interface SamplerWindow {
  __flotillaFrames?: { times: number[]; running: boolean }
  requestAnimationFrame(callback: () => void): number
}

/** Records every frame of the page while `interact` runs, and the frames that finish its last input. */
export async function sampleFrames(page: Page, interact: () => Promise<void>): Promise<FrameSample> {
  // Run by tsx (`npm run bench`), esbuild's keepNames wraps the named `tick` below in a `__name(…)`
  // helper that exists in Node, not in the page: give the page an identity one.
  await page.evaluate('globalThis.__name ??= (fn) => fn')
  await page.evaluate(() => {
    const w = globalThis as unknown as SamplerWindow
    const state = { times: [] as number[], running: true }
    w.__flotillaFrames = state
    let last: number | undefined
    // The time each frame's callbacks actually run, not the frame's scheduled start that rAF
    // passes in: after a main thread blocked for 60 ms Chromium may hand out an earlier, missed
    // frame time, hiding part of the stall the user saw.
    const tick = () => {
      const now = performance.now()
      if (!state.running) return
      if (last !== undefined) state.times.push(now - last)
      last = now
      w.requestAnimationFrame(tick)
    }
    w.requestAnimationFrame(tick)
  })
  await interact()
  const frames = await page.evaluate(() => {
    const w = globalThis as unknown as SamplerWindow
    // Two more frames: the one that renders the last input, and the one that proves it ended.
    return new Promise<number[]>((resolve) =>
      w.requestAnimationFrame(() =>
        w.requestAnimationFrame(() => {
          const state = w.__flotillaFrames!
          state.running = false
          resolve(state.times)
        }),
      ),
    )
  })
  return { frames, p95: percentile(frames, 95), max: Math.max(...frames) }
}

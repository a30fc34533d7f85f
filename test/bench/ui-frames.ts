/**
 * Frame times of an interaction in a real browser page, two ways, while `interact` runs (a drag,
 * a scroll):
 *   - `work`: the main thread's time to make each frame: from the first input event the frame
 *     handles (or its requestAnimationFrame callbacks, when it has none) to the end of its
 *     rendering (a message posted from rAF runs once style, layout and paint are done). A frame
 *     whose work is over ~16 ms cannot keep 60 Hz: this is what the UI figures report
 *     (ui_topology_100_nodes_drag_p95_frame_ms, ui_log_10k_lines_scroll_p95_frame_ms).
 *   - `frames`: the time between consecutive frames. Headless Chromium paces them at 60 Hz, so
 *     ~16.7 ms is its floor whatever the page does; a longer one is a frame the user saw stutter.
 * Used by the `ui` bench group; tested against synthetic pages in test/e2e/frame-sampler.spec.ts.
 */
import type { Page } from '@playwright/test'
import { percentile } from './harness'

export interface FrameSample {
  /** time between consecutive frames, ms, in order */
  frames: number[]
  p95: number
  max: number
  /** the main thread's work for each frame (input handlers, rAF, style, layout, paint), ms */
  work: number[]
  workP95: number
}

/**
 * The page's global as the sampler sees it. Spelled out because this file is type-checked with
 * Node's libraries (the bench), where `window` and requestAnimationFrame do not exist.
 */
interface SamplerWindow {
  __flotillaFrames?: { times: number[]; work: number[]; running: boolean }
  requestAnimationFrame(callback: () => void): number
  addEventListener(type: string, listener: () => void, options: { capture: boolean; passive: boolean }): void
}

/** Records every frame of the page while `interact` runs, and the frames that finish its last input. */
export async function sampleFrames(page: Page, interact: () => Promise<void>): Promise<FrameSample> {
  // Run by tsx (`npm run bench`), esbuild's keepNames wraps the named `tick` below in a `__name(…)`
  // helper that exists in Node, not in the page: give the page an identity one.
  await page.evaluate('globalThis.__name ??= (fn) => fn')
  await page.evaluate(() => {
    const w = globalThis as unknown as SamplerWindow
    const state = { times: [] as number[], work: [] as number[], running: true }
    w.__flotillaFrames = state
    let last: number | undefined
    // The first input event since the last frame ended: its handlers are this frame's work too
    // (Chromium dispatches pointer moves, wheel and scroll events at the start of the frame).
    let inputAt: number | undefined
    let frameStart = 0
    const onInput = () => {
      inputAt ??= performance.now()
    }
    for (const type of ['pointermove', 'mousemove', 'wheel', 'scroll', 'keydown'])
      w.addEventListener(type, onInput, { capture: true, passive: true })
    // A message posted from a rAF callback runs after the frame's rendering (style, layout, paint).
    // (Node's MessagePort type, this file's, has no onmessage; the page's has.)
    const afterRender = new MessageChannel() as unknown as {
      port1: { onmessage: () => void }
      port2: { postMessage(value: number): void }
    }
    afterRender.port1.onmessage = () => {
      if (state.running) state.work.push(performance.now() - frameStart)
      inputAt = undefined
    }
    // The time each frame's callbacks actually run, not the frame's scheduled start that rAF
    // passes in: after a main thread blocked for 60 ms Chromium may hand out an earlier, missed
    // frame time, hiding part of the stall the user saw.
    const tick = () => {
      const now = performance.now()
      if (!state.running) return
      if (last !== undefined) state.times.push(now - last)
      last = now
      frameStart = Math.min(inputAt ?? now, now)
      afterRender.port2.postMessage(0)
      w.requestAnimationFrame(tick)
    }
    w.requestAnimationFrame(tick)
  })
  await interact()
  const frames = await page.evaluate(() => {
    const w = globalThis as unknown as SamplerWindow
    // Two more frames: the one that renders the last input, and the one that proves it ended.
    return new Promise<{ times: number[]; work: number[] }>((resolve) =>
      w.requestAnimationFrame(() =>
        w.requestAnimationFrame(() => {
          const state = w.__flotillaFrames!
          state.running = false
          resolve({ times: state.times, work: state.work })
        }),
      ),
    )
  })
  return {
    frames: frames.times,
    p95: percentile(frames.times, 95),
    max: Math.max(...frames.times),
    work: frames.work,
    workP95: percentile(frames.work, 95),
  }
}

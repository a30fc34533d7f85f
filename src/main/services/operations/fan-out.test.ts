import { describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import { fanOut } from './fan-out'

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `h${i}` }))
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('fanOut', () => {
  it('keeps input order and never runs more than the limit at once', async () => {
    let running = 0
    let peak = 0
    const results = await fanOut(
      items(10),
      async (item) => {
        peak = Math.max(peak, ++running)
        await sleep(Math.random() * 10)
        running--
        return item.id.toUpperCase()
      },
      { concurrency: 3 },
    )
    expect(peak).toBe(3)
    expect(results.map((r) => (r.ok ? r.value : null))).toEqual(items(10).map((i) => i.id.toUpperCase()))
  })

  it("keeps one item's failure to itself unless told to stop", async () => {
    const work = async (item: { id: string }) => {
      if (item.id === 'h1') throw new AppError('UNREACHABLE', 'h1 is off')
      return item.id
    }
    const results = await fanOut(items(4), work, { concurrency: 1 })
    expect(results.map((r) => r.ok)).toEqual([true, false, true, true])
    expect(results[1]).toMatchObject({ ok: false, error: { code: 'UNREACHABLE' } })

    const stopped = await fanOut(items(4), work, { concurrency: 1, stopOnError: true })
    expect(stopped.map((r) => r.ok)).toEqual([true, false, false, false])
    expect(stopped[2]).toMatchObject({
      error: { code: 'CANCELLED', message: expect.stringMatching(/earlier host failed/) },
    })
  })

  it('stops starting work when cancelled and reports progress as items finish', async () => {
    const abort = new AbortController()
    const done: number[] = []
    const results = await fanOut(
      items(6),
      async (item) => {
        if (item.id === 'h1') abort.abort()
        return item.id
      },
      { concurrency: 1, signal: abort.signal, onDone: (_r, n) => done.push(n) },
    )
    expect(done).toEqual([1, 2])
    expect(results.slice(2).every((r) => !r.ok && r.error.code === 'CANCELLED')).toBe(true)
  })
})

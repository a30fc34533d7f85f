import { toAppErrorData, type AppErrorData } from '../../../shared/errors'

export type FanOutResult<T> = { id: string; ok: true; value: T } | { id: string; ok: false; error: AppErrorData }

export interface FanOutOptions<T = unknown> {
  /** Items worked on at once. */
  concurrency?: number
  /** Stop starting new items after the first failure (running ones finish). Default: go on. */
  stopOnError?: boolean
  signal?: AbortSignal
  /** Called as each item finishes, with how many have. */
  onDone?: (result: FanOutResult<T>, done: number) => void
}

/**
 * Runs `work` for every item, at most `concurrency` at a time, and returns one result per item in
 * input order. One item's failure is that item's result; it cancels the others only when asked.
 */
export async function fanOut<I extends { id: string }, T>(
  items: readonly I[],
  work: (item: I) => Promise<T>,
  { concurrency = 8, stopOnError = false, signal, onDone }: FanOutOptions<T> = {},
): Promise<FanOutResult<T>[]> {
  const results: FanOutResult<T>[] = new Array(items.length)
  let next = 0
  let done = 0
  let stopped = false
  const worker = async () => {
    while (next < items.length && !stopped && !signal?.aborted) {
      const index = next++
      const item = items[index]!
      let result: FanOutResult<T>
      try {
        result = { id: item.id, ok: true, value: await work(item) }
      } catch (error) {
        result = { id: item.id, ok: false, error: toAppErrorData(error) }
        if (stopOnError) stopped = true
      }
      results[index] = result
      onDone?.(result, ++done)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker))
  for (let i = 0; i < items.length; i++) {
    results[i] ??= {
      id: items[i]!.id,
      ok: false,
      error: signal?.aborted
        ? { code: 'CANCELLED', message: 'The operation was cancelled.' }
        : { code: 'CANCELLED', message: 'Not started: an earlier host failed.' },
    }
  }
  return results
}

import { describe, expect, it } from 'vitest'
import type { OperationDetail, OpLogLine, OpProgress } from '../../../shared/types'

// The store talks only to window.api: a stand-in whose journal answers when the test says so.
type Listener<T> = (p: T) => void
const listeners: { progress?: Listener<OpProgress>; end?: Listener<{ opId: string }> } = {}
let detail: OperationDetail
let log: OpLogLine[] = []
let release: () => void = () => undefined
;(globalThis as unknown as { window: unknown }).window = {
  api: {
    ops: {
      onStart: () => () => undefined,
      onProgress: (l: Listener<OpProgress>) => ((listeners.progress = l), () => undefined),
      onEnd: (l: Listener<{ opId: string }>) => ((listeners.end = l), () => undefined),
      get: async () => detail,
      // The log is read slowly: live events arrive meanwhile.
      log: () => new Promise<OpLogLine[]>((resolve) => (release = () => resolve(log))),
      list: async () => [],
    },
  },
}
const { useRun } = await import('./run.store')

const progress = (p: Partial<OpProgress>): OpProgress => ({ opId: 'op-1', step: '', done: 0, total: 2, ...p })

describe('run store', () => {
  it('reads the journal, merges the live events that came while it read, then follows them', async () => {
    detail = {
      op: {
        id: 'op-1',
        kind: 'apply:run',
        title: 'Applying c',
        state: 'running',
        startedAt: 'x',
        done: 0,
        total: 2,
        step: '',
      },
      steps: [
        { stepId: 'pi1/a', hostId: 'h1', state: 'running', startedAt: '2026-12-07T10:00:00.000Z' },
        { stepId: 'pi1/b', hostId: 'h1', state: 'pending' },
      ],
    }
    log = [
      { at: 't', hostId: 'h1', stepId: 'pi1/a', line: 'one' },
      { at: 't', hostId: 'h1', stepId: 'pi1/a', line: 'two' },
    ]
    const watching = useRun.getState().watch('op-1')
    // While the log is read: a line it already holds, a new line, and a step that ended.
    listeners.progress!(progress({ line: 'two', nodeId: 'h1', stepId: 'pi1/a' }))
    listeners.progress!(progress({ line: 'three', nodeId: 'h1', stepId: 'pi1/a' }))
    listeners.progress!(progress({ nodeId: 'h1', stepState: { stepId: 'pi1/a', hostId: 'h1', state: 'done' } }))
    release()
    await watching
    let run = useRun.getState().runs['op-1']!
    expect(run.lines.map((l) => l.line)).toEqual(['one', 'two', 'three'])
    expect(run.steps.map((s) => s.state)).toEqual(['done', 'pending'])

    // Then live: every line is kept (no cap), steps move, a wait shows.
    for (let i = 0; i < 1000; i++) listeners.progress!(progress({ line: `l${i}`, nodeId: 'h1', stepId: 'pi1/b' }))
    listeners.progress!(progress({ nodeId: 'h1', stepState: { stepId: 'pi1/b', hostId: 'h1', state: 'running' } }))
    listeners.progress!(progress({ state: 'waiting' }))
    run = useRun.getState().runs['op-1']!
    expect(run.lines).toHaveLength(1003)
    expect(run.lines.at(-1)).toEqual({ line: 'l999', hostId: 'h1', stepId: 'pi1/b' })
    expect(run.steps[1]).toMatchObject({ state: 'running' })
    expect(run.op?.state).toBe('waiting')
  })

  it('an id ops:get does not know yet is "missing", not an error', async () => {
    const api = (window as unknown as { api: { ops: { get: () => Promise<OperationDetail> } } }).api
    const get = api.ops.get
    api.ops.get = () => Promise.reject({ code: 'OPERATION_NOT_FOUND', message: 'No operation with that id.' })
    const watching = useRun.getState().watch('op-2')
    release()
    await watching
    expect(useRun.getState().runs['op-2']).toMatchObject({ missing: true, loaded: true })
    expect(useRun.getState().runs['op-2']!.error).toBeUndefined()
    api.ops.get = get
  })
})

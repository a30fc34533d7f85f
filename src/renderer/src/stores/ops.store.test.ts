import { beforeAll, describe, expect, it } from 'vitest'
import type { OpEnd, OperationInfo, OpProgress } from '../../../shared/types'

// The store talks only to window.api: a stand-in that hands the test the event listeners.
type StartListener = (p: { op: OperationInfo }) => void
type ProgressListener = (p: OpProgress) => void
type EndListener = (p: OpEnd) => void
const listeners: { start?: StartListener; progress?: ProgressListener; end?: EndListener } = {}
;(globalThis as unknown as { window: unknown }).window = {
  api: {
    ops: {
      onStart: (l: StartListener) => ((listeners.start = l), () => undefined),
      onProgress: (l: ProgressListener) => ((listeners.progress = l), () => undefined),
      onEnd: (l: EndListener) => ((listeners.end = l), () => undefined),
      list: async () => journal,
    },
  },
}

let journal: OperationInfo[] = []
const { useOps } = await import('./ops.store')
const { useToasts } = await import('./toasts.store')

const op: OperationInfo = {
  id: 'op-1',
  kind: 'ssh:check',
  title: 'Logging in to 1 host',
  state: 'running',
  startedAt: '2026-12-07T10:00:00.000Z',
  done: 0,
  total: 1,
  step: 'Starting',
}

beforeAll(async () => {
  await useOps.getState().hydrate()
  listeners.start!({ op })
})

describe('the operations tray store', () => {
  it('shows a host’s human progress, and keeps it when a typed step state arrives', () => {
    listeners.progress!({ opId: 'op-1', nodeId: 'h1', step: 'Logging in', done: 0, total: 1 })
    listeners.progress!({
      opId: 'op-1',
      nodeId: 'h1',
      step: 'ssh-check: running',
      done: 0,
      total: 1,
      stepState: { stepId: 'ssh-check', hostId: 'h1', state: 'running' },
    })
    expect(useOps.getState().ops['op-1']!.nodes['h1']).toEqual({ step: 'Logging in' })
    listeners.progress!({ opId: 'op-1', nodeId: 'h1', step: 'Ready', done: 1, total: 1 })
    expect(useOps.getState().ops['op-1']!.nodes['h1']).toEqual({ step: 'Ready' })
  })

  it('after a reload, leaves out operations that succeeded (of earlier runs, the CLI) and keeps the rest', async () => {
    const ended = (id: string, result: 'succeeded' | 'interrupted'): OperationInfo => ({
      ...op,
      id,
      state: result === 'succeeded' ? 'done' : 'interrupted',
      outcome: { result, reasons: [], summary: result },
    })
    journal = [ended('old-ok', 'succeeded'), ended('old-cut', 'interrupted'), { ...op, id: 'live' }]
    await useOps.getState().hydrate()
    expect(Object.keys(useOps.getState().ops).sort()).toEqual(['live', 'old-cut'])
  })

  it('does not toast what the tray shows, retracts such a toast, and "Clear finished" keeps only live ones', () => {
    const reason = 'Connection refused: nothing listens on that port.'
    listeners.start!({ op: { ...op, id: 'op-fail' } })
    // The call's rejection may arrive first: toasted, then taken back when the tray has it.
    useToasts.getState().error({ code: 'UNREACHABLE', message: reason })
    expect(useToasts.getState().toasts).toHaveLength(1)
    listeners.end!({
      opId: 'op-fail',
      ok: false,
      state: 'done',
      done: 1,
      total: 1,
      outcome: {
        result: 'failed',
        items: { total: 1, failed: 1 },
        reasons: [{ nodeId: 'h1', message: reason }],
        summary: '1 of 1 hosts failed.',
      },
    })
    expect(useToasts.getState().toasts).toEqual([])
    useToasts.getState().error({ code: 'UNREACHABLE', message: reason })
    expect(useToasts.getState().toasts).toEqual([])

    useOps.getState().clearFinished()
    expect(Object.values(useOps.getState().ops).every((o) => o.state === 'running' || o.state === 'waiting')).toBe(true)
    expect(useOps.getState().ops['op-fail']).toBeUndefined()
  })
})

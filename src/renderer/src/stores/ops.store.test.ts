import { beforeAll, describe, expect, it } from 'vitest'
import type { OperationInfo, OpProgress } from '../../../shared/types'

// The store talks only to window.api: a stand-in that hands the test the event listeners.
type StartListener = (p: { op: OperationInfo }) => void
type ProgressListener = (p: OpProgress) => void
const listeners: { start?: StartListener; progress?: ProgressListener } = {}
;(globalThis as unknown as { window: unknown }).window = {
  api: {
    ops: {
      onStart: (l: StartListener) => ((listeners.start = l), () => undefined),
      onProgress: (l: ProgressListener) => ((listeners.progress = l), () => undefined),
      onEnd: () => () => undefined,
      list: async () => journal,
    },
  },
}

let journal: OperationInfo[] = []
const { useOps } = await import('./ops.store')

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
})

import { create } from 'zustand'
import type { AppErrorData } from '../../../shared/errors'
import type { OperationInfo, OpProgress, OpStep } from '../../../shared/types'
import { asError } from '../errors'
import { applyStepEvent, mergeLines, type RunLine } from '../features/clusters/run/run-model'

/**
 * The run view's data per operation it shows: the journal (ops:get, ops:log) and then the live
 * events of that operation. Unlike the operations tray (ops.store, last 200 lines), it keeps every
 * line: the log list virtualises them. Lines live in one array grown in place (a 10,000-line log
 * is not copied per line); `version` tells subscribers it grew.
 */
export interface RunData {
  op?: OperationInfo
  steps: OpStep[]
  result?: unknown
  lines: RunLine[]
  version: number
  /** The journal has been read (or the operation is not known yet: see `missing`). */
  loaded: boolean
  /** ops:get did not know the id (yet): an apply just started, or an id from an old link. */
  missing?: boolean
  error?: AppErrorData
}

interface RunState {
  runs: Record<string, RunData>
  /** Reads the operation's journal and follows it live from then on. */
  watch(opId: string): Promise<void>
  /** The newest apply operation of a cluster (running, ended or interrupted), from ops:list. */
  latestApply(clusterId: string): Promise<OperationInfo | undefined>
  /** An apply that could not even start (its call was refused before it became an operation). */
  startFailed(opId: string, error: unknown): void
}

const empty = (): RunData => ({ steps: [], lines: [], version: 0, loaded: false })
/** Operations being read: their live events wait here, then merge with what the read found. */
const pending = new Map<string, OpProgress[]>()
let subscribed = false

export const useRun = create<RunState>((set, get) => {
  const patch = (opId: string, change: (run: RunData) => Partial<RunData>) => {
    const run = get().runs[opId]
    if (run) set({ runs: { ...get().runs, [opId]: { ...run, ...change(run) } } })
  }

  /** One live event on a loaded run: a line appends in place, a step moves, a state changes. */
  const apply = (run: RunData, p: OpProgress): Partial<RunData> => {
    if (p.line !== undefined) {
      run.lines.push({
        line: p.line,
        ...(p.nodeId ? { hostId: p.nodeId } : {}),
        ...(p.stepId ? { stepId: p.stepId } : {}),
      })
      return { version: run.version + 1 }
    }
    if (p.stepState) return { steps: applyStepEvent(run.steps, p.stepState, new Date().toISOString()) }
    if (p.state && run.op) {
      // While it waits, ops:get says for what (the event carries only the sentence).
      if (p.state === 'waiting') void refresh(p.opId)
      const op = { ...run.op, state: p.state }
      if (p.state === 'running') delete op.waitingFor
      return { op }
    }
    return run.op && !p.nodeId ? { op: { ...run.op, step: p.step, done: p.done, total: p.total } } : {}
  }

  const onProgress = (p: OpProgress) => {
    const queue = pending.get(p.opId)
    if (queue) queue.push(p)
    else if (get().runs[p.opId]?.loaded) patch(p.opId, (run) => apply(run, p))
  }

  /** The journal's view of the operation again (its end, its exact step times, what it waits for). */
  const refresh = async (opId: string) => {
    try {
      const detail = await window.api.ops.get(opId)
      patch(opId, () => ({ op: detail.op, steps: detail.steps, result: detail.result, missing: false }))
    } catch {
      // It stays as the events left it.
    }
  }

  const subscribe = () => {
    if (subscribed) return
    subscribed = true
    window.api.ops.onProgress(onProgress)
    window.api.ops.onStart(({ op }) => {
      // An apply opened before its operation started: read it now.
      if (get().runs[op.id]?.missing) void get().watch(op.id)
    })
    window.api.ops.onEnd((end) => {
      if (get().runs[end.opId]) void refresh(end.opId)
    })
  }

  return {
    runs: {},
    watch: async (opId) => {
      subscribe()
      if (pending.has(opId)) return
      const known = get().runs[opId]
      if (known?.loaded && !known.missing) return
      pending.set(opId, [])
      if (!known) set({ runs: { ...get().runs, [opId]: empty() } })
      try {
        const [detail, log] = await Promise.all([window.api.ops.get(opId), window.api.ops.log(opId)])
        const live = pending.get(opId) ?? []
        pending.delete(opId)
        let run: RunData = {
          op: detail.op,
          steps: detail.steps,
          result: detail.result,
          lines: mergeLines(log, live.filter((p) => p.line !== undefined).map(liveLine)),
          version: 1,
          loaded: true,
        }
        for (const p of live) if (p.line === undefined) run = { ...run, ...apply(run, p) }
        set({ runs: { ...get().runs, [opId]: run } })
      } catch (error) {
        pending.delete(opId)
        const data = asError(error)
        if (get().runs[opId]?.error) return
        set({
          runs: {
            ...get().runs,
            [opId]: {
              ...empty(),
              loaded: true,
              ...(data.code === 'OPERATION_NOT_FOUND' ? { missing: true } : { error: data }),
            },
          },
        })
      }
    },
    latestApply: async (clusterId) => {
      const ops = await window.api.ops.list()
      return ops
        .filter((op) => op.kind === 'apply:run' && op.clusterId === clusterId)
        .sort((a, b) => b.startedAt.localeCompare(a.startedAt))[0]
    },
    startFailed: (opId, error) => {
      const data = asError(error)
      set({ runs: { ...get().runs, [opId]: { ...(get().runs[opId] ?? empty()), loaded: true, error: data } } })
    },
  }
})

function liveLine(p: OpProgress): RunLine {
  return { line: p.line!, ...(p.nodeId ? { hostId: p.nodeId } : {}), ...(p.stepId ? { stepId: p.stepId } : {}) }
}

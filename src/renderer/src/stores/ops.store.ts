import { create } from 'zustand'
import type { OperationInfo, OpProgress } from '../../../shared/types'
import { asError } from '../errors'
import { useToasts } from './toasts.store'

export interface NodeProgress {
  step: string
}

export interface OpView extends OperationInfo {
  nodes: Record<string, NodeProgress>
  /** Log lines as the services wrote them (already redacted). */
  lines: string[]
}

interface OpsState {
  ops: Record<string, OpView>
  /** Snapshot of operations (a reloaded window catches up), then live events. */
  hydrate(): Promise<void>
  cancel(opId: string): Promise<void>
  dismiss(opId: string): void
}

const MAX_LINES = 200
/** How long a successful operation stays in the tray. */
const DONE_LINGER_MS = 4000
let subscribed = false

export const useOps = create<OpsState>((set, get) => {
  const patch = (opId: string, change: (op: OpView) => OpView) => {
    const op = get().ops[opId]
    if (op) set({ ops: { ...get().ops, [opId]: change(op) } })
  }
  // A log line only appends; a host's report sets its own step; an overall report sets the op's step.
  const onProgress = (p: OpProgress) =>
    patch(p.opId, (op) =>
      // A typed step state is the run view's data; the tray shows the human progress text only.
      p.stepState !== undefined
        ? op
        : p.line !== undefined
          ? { ...op, lines: [...op.lines, p.line].slice(-MAX_LINES) }
          : p.nodeId
            ? {
                ...op,
                // As the registry does: a per-host "0 of 1" does not replace the operation's count.
                ...(p.total === op.total ? { done: p.done } : {}),
                nodes: { ...op.nodes, [p.nodeId]: { step: p.step } },
              }
            : { ...op, step: p.step, done: p.done, total: p.total, ...(p.state ? { state: p.state } : {}) },
    )

  return {
    ops: {},
    hydrate: async () => {
      if (!subscribed) {
        subscribed = true
        window.api.ops.onStart(({ op }) => set({ ops: { ...get().ops, [op.id]: { ...op, nodes: {}, lines: [] } } }))
        window.api.ops.onProgress(onProgress)
        window.api.ops.onEnd((end) => {
          patch(end.opId, (op) => ({
            ...op,
            state: end.state,
            outcome: end.outcome,
            done: end.done,
            total: end.total,
            ...(end.error ? { error: end.error } : {}),
          }))
          // Only a full success leaves the tray after a moment; anything else stays until dismissed.
          if (end.outcome.result === 'succeeded') setTimeout(() => get().dismiss(end.opId), DONE_LINGER_MS)
        })
      }
      try {
        const list = await window.api.ops.list()
        const ops: Record<string, OpView> = {}
        for (const op of list) {
          // The list holds the journal's ended operations too, of earlier runs and of the CLI. A full
          // success leaves the tray live after a moment, so it does not come back with a reload;
          // what failed, was cancelled or interrupted stays until dismissed.
          if (op.outcome?.result === 'succeeded') continue
          ops[op.id] = { ...op, nodes: get().ops[op.id]?.nodes ?? {}, lines: get().ops[op.id]?.lines ?? [] }
        }
        set({ ops })
      } catch (error) {
        useToasts.getState().error(asError(error))
      }
    },
    cancel: async (opId) => {
      try {
        await window.api.ops.cancel(opId)
      } catch (error) {
        useToasts.getState().error(asError(error))
      }
    },
    dismiss: (opId) => {
      const ops = { ...get().ops }
      delete ops[opId]
      set({ ops })
    },
  }
})

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
  /** A success the tray has moved to its collapsed "Recent" list. */
  archived?: boolean
}

/** Whether an operation still runs (or waits for a secret). */
export const isLive = (op: Pick<OperationInfo, 'state'>) => op.state === 'running' || op.state === 'waiting'

/** The sentences an operation shows in the tray: an error with one of them needs no toast. */
function messagesOf(op: OperationInfo): string[] {
  return [
    ...(op.error ? [op.error.message] : []),
    ...(op.outcome ? [op.outcome.summary, ...op.outcome.reasons.map((r) => r.message)] : []),
  ]
}

interface OpsState {
  ops: Record<string, OpView>
  /** Snapshot of operations (a reloaded window catches up), then live events. */
  hydrate(): Promise<void>
  cancel(opId: string): Promise<void>
  dismiss(opId: string): void
  /** Removes every ended operation (the tray's "Clear finished"). */
  clearFinished(): void
  /** The docked drawer is open (it opens by itself when an operation starts). */
  trayOpen: boolean
  setTrayOpen(open: boolean): void
}

const MAX_LINES = 200
/** How long a successful operation stays in the tray before it moves to "Recent". */
export const DONE_LINGER_MS = 4000
/** Successes kept under "Recent" (older ones go). */
const MAX_RECENT = 10
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

  const archive = (opId: string) => {
    patch(opId, (op) => ({ ...op, archived: true }))
    // Nothing left to look at: the drawer closes (the status bar still counts "Recent").
    if (Object.values(get().ops).every((o) => o.archived)) set({ trayOpen: false })
    const recent = Object.values(get().ops)
      .filter((o) => o.archived)
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt))
    if (recent.length > MAX_RECENT) {
      const ops = { ...get().ops }
      for (const old of recent.slice(MAX_RECENT)) delete ops[old.id]
      set({ ops })
    }
  }

  // One place per message: what an operation in the tray says is not toasted again.
  useToasts
    .getState()
    .addPlace((error) => Object.values(get().ops).some((op) => !op.archived && messagesOf(op).includes(error.message)))

  return {
    ops: {},
    trayOpen: true,
    setTrayOpen: (trayOpen) => set({ trayOpen }),
    hydrate: async () => {
      if (!subscribed) {
        subscribed = true
        window.api.ops.onStart(({ op }) =>
          set({ ops: { ...get().ops, [op.id]: { ...op, nodes: {}, lines: [] } }, trayOpen: true }),
        )
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
          // The tray shows how it ended: a toast of the same error (its call rejected first) goes.
          const ended = get().ops[end.opId]
          if (ended) for (const message of messagesOf(ended)) useToasts.getState().retract(message)
          // Only a full success leaves the list after a moment (for "Recent"); anything else stays
          // until dismissed.
          if (end.outcome.result === 'succeeded') setTimeout(() => archive(end.opId), DONE_LINGER_MS)
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
    clearFinished: () => set({ ops: Object.fromEntries(Object.entries(get().ops).filter(([, op]) => isLive(op))) }),
  }
})

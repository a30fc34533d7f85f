import { AppError, toAppErrorData } from '../../../shared/errors'
import type { OperationInfo } from '../../../shared/types'
import type { EventBus } from '../events'
import type { Redactor } from '../secrets/secret'

/** What a running operation can do: watch for cancel, report progress, log. */
export interface OperationContext {
  readonly id: string
  /** Aborted when the user cancels; pass it to every I/O call. */
  readonly signal: AbortSignal
  /** Report progress; `nodeId` when it concerns one host of a fan-out. */
  progress(update: { step: string; done: number; total: number; nodeId?: string }): void
  /** Append a line to this operation's log (redacted) and stream it to the UI. */
  log(line: string, nodeId?: string): void
  /** Throws CANCELLED if the operation was cancelled. Call between steps. */
  throwIfCancelled(): void
}

export interface OperationSpec {
  id: string
  kind: string
  title: string
  total?: number
}

interface Entry {
  info: OperationInfo
  controller: AbortController
  log: string[]
}

const MAX_LOG_LINES = 5000

/**
 * Every long task runs through here: it gets an id, progress and end events, a per-operation log,
 * and cancellation through an AbortController. Ended operations are kept (up to `keepEnded`) so a
 * reloaded window can still show how they ended.
 */
export class OperationRegistry {
  readonly #entries = new Map<string, Entry>()
  /** Cancels that arrived before their operation started (the bridge may race its own invoke). */
  readonly #earlyCancels = new Set<string>()

  constructor(
    private readonly events: EventBus,
    private readonly redactor: Redactor,
    private readonly keepEnded = 50,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Runs `work` as operation `spec.id`; resolves with its result or rejects with an AppError. */
  async run<T>(spec: OperationSpec, work: (ctx: OperationContext) => Promise<T>): Promise<T> {
    if (this.#entries.has(spec.id)) {
      throw new AppError('INVALID_INPUT', 'That operation id is already in use.', {
        fields: { opId: 'Already in use.' },
      })
    }
    const controller = new AbortController()
    const info: OperationInfo = {
      id: spec.id,
      kind: spec.kind,
      title: spec.title,
      state: 'running',
      startedAt: this.now().toISOString(),
      done: 0,
      total: spec.total ?? 1,
      step: 'Starting',
    }
    const entry: Entry = { info, controller, log: [] }
    this.#entries.set(spec.id, entry)
    this.events.emit('op:start', { op: { ...info } })
    if (this.#earlyCancels.delete(spec.id)) controller.abort()

    const ctx = this.#context(entry)
    try {
      ctx.throwIfCancelled()
      const result = await work(ctx)
      ctx.throwIfCancelled()
      this.#end(entry, 'done')
      return result
    } catch (error) {
      if (controller.signal.aborted) {
        this.#end(entry, 'cancelled', cancelledError().toJSON())
        throw cancelledError()
      }
      this.#end(entry, 'failed', toAppErrorData(error))
      // Rethrown as is: the transport logs a non-AppError with its stack before hiding it.
      throw error
    }
  }

  /** Cancels a running operation. Ended ones are left alone; unknown ids are remembered briefly. */
  cancel(id: string): void {
    const entry = this.#entries.get(id)
    if (!entry) {
      this.#earlyCancels.add(id)
      setTimeout(() => this.#earlyCancels.delete(id), 30_000).unref?.()
      return
    }
    if (entry.info.state === 'running') entry.controller.abort()
  }

  list(): OperationInfo[] {
    return [...this.#entries.values()].map((e) => ({ ...e.info }))
  }

  /** The redacted log of one operation. */
  logOf(id: string): string[] {
    const entry = this.#entries.get(id)
    if (!entry) throw new AppError('OPERATION_NOT_FOUND', 'No operation with that id.')
    return [...entry.log]
  }

  /** Cancels everything still running (on quit). */
  cancelAll(): void {
    for (const entry of this.#entries.values()) if (entry.info.state === 'running') entry.controller.abort()
  }

  #context(entry: Entry): OperationContext {
    const { info, controller } = entry
    return {
      id: info.id,
      signal: controller.signal,
      progress: ({ step, done, total, nodeId }) => {
        if (info.state !== 'running') return
        Object.assign(info, { step, done, total })
        this.events.emit('op:progress', { opId: info.id, step, done, total, ...(nodeId ? { nodeId } : {}) })
      },
      log: (raw, nodeId) => {
        if (info.state !== 'running') return
        const line = this.redactor.redact(raw)
        if (entry.log.length < MAX_LOG_LINES) entry.log.push(nodeId ? `[${nodeId}] ${line}` : line)
        this.events.emit('op:progress', {
          opId: info.id,
          step: info.step,
          done: info.done,
          total: info.total,
          line,
          ...(nodeId ? { nodeId } : {}),
        })
      },
      throwIfCancelled: () => {
        if (controller.signal.aborted) throw cancelledError()
      },
    }
  }

  #end(entry: Entry, state: 'done' | 'failed' | 'cancelled', error?: OperationInfo['error']): void {
    const { info } = entry
    info.state = state
    info.endedAt = this.now().toISOString()
    if (error) info.error = error
    if (state === 'done') info.done = info.total
    this.events.emit('op:end', { opId: info.id, ok: state === 'done', state, ...(error ? { error } : {}) })
    this.#prune()
  }

  #prune(): void {
    const ended = [...this.#entries.values()].filter((e) => e.info.state !== 'running')
    for (const entry of ended.slice(0, Math.max(0, ended.length - this.keepEnded))) {
      this.#entries.delete(entry.info.id)
    }
  }
}

function cancelledError(): AppError {
  return new AppError('CANCELLED', 'The operation was cancelled.')
}

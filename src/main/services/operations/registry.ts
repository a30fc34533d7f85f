import { AppError, ERROR_CODES, toAppErrorData, type ErrorCode } from '../../../shared/errors'
import type { OperationFailure, OperationInfo, OperationOutcome } from '../../../shared/types'
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
  /**
   * Judges one item (host) of the work: the outcome counts them, so an operation whose every host
   * failed ends failed, not "done". The last judgement of an item wins. Optional so that wrapping
   * contexts and test doubles need not forward it; the registry's own context always has it.
   */
  itemResult?(nodeId: string, result: { ok: true } | { ok: false; message: string; code?: string }, name?: string): void
}

export interface OperationSpec {
  id: string
  kind: string
  title: string
  total?: number
  /** What the items are called in the outcome's sentence (default: host / hosts). */
  noun?: { one: string; many: string }
}

interface Entry {
  info: OperationInfo
  controller: AbortController
  log: string[]
  /** Judged items: null for success, else why it failed. */
  items: Map<string, OperationFailure | null>
  noun: { one: string; many: string }
}

const MAX_LOG_LINES = 5000
/** A log line longer than this is cut (after redaction: a secret cut in two would no longer match). */
const MAX_LOG_LINE = 4096

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
    const entry: Entry = {
      info,
      controller,
      log: [],
      items: new Map(),
      noun: spec.noun ?? { one: 'host', many: 'hosts' },
    }
    this.#entries.set(spec.id, entry)
    this.events.emit('op:start', { op: { ...info } })
    if (this.#earlyCancels.delete(spec.id)) controller.abort()

    const ctx = this.#context(entry)
    try {
      ctx.throwIfCancelled()
      const result = await work(ctx)
      ctx.throwIfCancelled()
      // The work ran to its end; whether it did what was asked depends on its items.
      const outcome = judgeItems(entry)
      if (outcome.result === 'failed') {
        // One shared code (every host UNREACHABLE) is the operation's; mixed causes are COMMAND_FAILED.
        const codes = new Set(outcome.reasons.map((r) => r.code))
        const [only] = codes
        const code =
          codes.size === 1 && (ERROR_CODES as readonly unknown[]).includes(only) ? (only as ErrorCode) : undefined
        this.#end(entry, 'failed', outcome, { code: code ?? 'COMMAND_FAILED', message: outcome.summary })
      } else this.#end(entry, 'done', outcome)
      return result
    } catch (error) {
      if (controller.signal.aborted) {
        this.#end(entry, 'cancelled', cancelledOutcome(entry), cancelledError().toJSON())
        throw cancelledError()
      }
      const data = toAppErrorData(error)
      this.#end(
        entry,
        'failed',
        { result: 'failed', reasons: [{ code: data.code, message: data.message }], summary: data.message },
        data,
      )
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
        // A host's report is that host's step; it moves the operation's count only when it counts
        // the operation's hosts (a per-host "0 of 1" must not turn "3 of 5" into "0 of 1").
        if (!nodeId) Object.assign(info, { step, done, total })
        else if (total === info.total) info.done = done
        this.events.emit('op:progress', { opId: info.id, step, done, total, ...(nodeId ? { nodeId } : {}) })
      },
      log: (raw, nodeId) => {
        if (info.state !== 'running') return
        const redacted = this.redactor.redact(raw)
        const line =
          redacted.length > MAX_LOG_LINE
            ? `${redacted.slice(0, MAX_LOG_LINE)}… (${redacted.length - MAX_LOG_LINE} more characters not logged)`
            : redacted
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
      itemResult: (nodeId, result, name) => {
        if (info.state !== 'running') return
        entry.items.set(
          nodeId,
          result.ok
            ? null
            : {
                nodeId,
                ...(name !== undefined ? { name } : {}),
                ...(result.code !== undefined ? { code: result.code } : {}),
                message: this.redactor.redact(result.message),
              },
        )
      },
    }
  }

  #end(
    entry: Entry,
    state: 'done' | 'failed' | 'cancelled',
    outcome: OperationOutcome,
    error?: OperationInfo['error'],
  ): void {
    const { info } = entry
    info.state = state
    info.endedAt = this.now().toISOString()
    info.outcome = outcome
    if (error) info.error = error
    // The work ran to its end (whatever its items' fate): the bar is full; a cancel keeps its count.
    if (state !== 'cancelled' && !(state === 'failed' && !outcome.items)) info.done = info.total
    this.events.emit('op:end', {
      opId: info.id,
      ok: outcome.result === 'succeeded',
      state,
      outcome,
      done: info.done,
      total: info.total,
      ...(error ? { error } : {}),
    })
    this.#prune()
  }

  #prune(): void {
    const ended = [...this.#entries.values()].filter((e) => e.info.state !== 'running')
    for (const entry of ended.slice(0, Math.max(0, ended.length - this.keepEnded))) {
      this.#entries.delete(entry.info.id)
    }
  }
}

/** Succeeded, partial or failed, from the judged items (succeeded when there are none). */
function judgeItems(entry: Entry): OperationOutcome {
  const total = entry.items.size
  if (total === 0) return { result: 'succeeded', reasons: [], summary: 'Done.' }
  const reasons = [...entry.items.values()].filter((r): r is OperationFailure => r !== null)
  const failed = reasons.length
  const items = { total, failed }
  const noun = total === 1 ? entry.noun.one : entry.noun.many
  if (failed === 0) {
    return { result: 'succeeded', items, reasons, summary: total === 1 ? 'Done.' : `All ${total} ${noun} succeeded.` }
  }
  return {
    result: failed === total ? 'failed' : 'partial',
    items,
    reasons,
    summary: total === 1 ? oneReason(reasons[0]!) : `${failed} of ${total} ${noun} failed.`,
  }
}

function oneReason(r: OperationFailure): string {
  return r.name ? `${r.name}: ${r.message}` : r.message
}

/** A cancel is the outcome, whatever had been done; it says how far the work had come. */
function cancelledOutcome(entry: Entry): OperationOutcome {
  const { done, total } = entry.info
  const reasons = [...entry.items.values()].filter((r): r is OperationFailure => r !== null)
  return {
    result: 'cancelled',
    ...(entry.items.size > 0 ? { items: { total: entry.items.size, failed: reasons.length } } : {}),
    reasons,
    summary: total > 1 ? `Cancelled after ${done} of ${total}.` : 'Cancelled.',
  }
}

function cancelledError(): AppError {
  return new AppError('CANCELLED', 'The operation was cancelled.')
}

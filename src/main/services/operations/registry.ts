import { randomUUID } from 'node:crypto'
import { AppError, ERROR_CODES, toAppErrorData, type AppErrorData, type ErrorCode } from '../../../shared/errors'
import type {
  OperationDetail,
  OperationFailure,
  OperationInfo,
  OperationOutcome,
  OperationState,
  OpLogFilter,
  OpLogLine,
  OpStep,
  SecretRequest,
  SshSecretKind,
  StepState,
} from '../../../shared/types'
import type { EventBus } from '../events'
import type { Redactor } from '../secrets/secret'
import type { JournalRecord, OperationJournal } from './journal'

/** What a running operation can do: watch for cancel, report progress, log. */
export interface OperationContext {
  readonly id: string
  /** Aborted when the user cancels; pass it to every I/O call. */
  readonly signal: AbortSignal
  /** Report progress; `nodeId` when it concerns one host of a fan-out. */
  progress(update: { step: string; done: number; total: number; nodeId?: string }): void
  /** Append a line to this operation's log (redacted) and stream it to the UI; `stepId`: whose line. */
  log(line: string, nodeId?: string, stepId?: string): void
  /** Throws CANCELLED if the operation was cancelled. Call between steps. */
  throwIfCancelled(): void
  /**
   * Judges one item (host) of the work: the outcome counts them, so an operation whose every host
   * failed ends failed, not "done". The last judgement of an item wins. Optional so that wrapping
   * contexts and test doubles need not forward it; the registry's own context always has it.
   */
  itemResult?(nodeId: string, result: { ok: true } | { ok: false; message: string; code?: string }, name?: string): void
  /** Declares the steps it will run, each `pending` until `step` moves it (journaled). */
  steps?(steps: readonly { stepId: string; hostId: string }[]): void
  /** Moves one host's step to a state (journaled, sent as a typed `stepState` progress event). */
  step?(stepId: string, hostId: string, state: StepState, extra?: { exitStatus?: number; error?: unknown }): void
  /**
   * Pauses for a secret: the operation shows as `waiting`, `op:secret-needed` goes out, and this
   * resolves true once the secret is given (ssh:provideSecret for that host and kind; the secret
   * itself never passes through here). False at once when nobody can answer (no CLI prompt or
   * dialog listens), so the caller keeps its error; rejects CANCELLED on cancel.
   */
  needSecret?(request: SecretNeed): Promise<boolean>
}

export interface SecretNeed {
  hostId: string
  /** The host's name for the prompt (default: its id). */
  host?: string
  kind: SshSecretKind
  /** One sentence: what asks and why. */
  reason: string
  keyPath?: string
}

export interface OperationSpec {
  id: string
  kind: string
  title: string
  total?: number
  /** What the items are called in the outcome's sentence (default: host / hosts). */
  noun?: { one: string; many: string }
  /** The cluster it works on (kept in its journal). */
  clusterId?: string
  /**
   * Also write the (small, redacted) result to the journal, so ops:get has it after a restart.
   * Only for results that are harmless on disk: host states, probes, public certificates — never
   * for what a command printed or a file read (a kubeconfig, a key). Without it the result is kept
   * in memory for this process's life (a reload or a lost socket), not on disk.
   */
  durableResult?: boolean
}

export interface RegistryOptions {
  /** Where every operation is journaled (app: <dataDir>/operations); none: memory only. */
  journal?: OperationJournal
  /** Told once when the journal cannot be written (the work goes on regardless). */
  warn?: (message: string) => void
  /**
   * How long waits stay open after the last prompt went (a reloading page reconnects within it);
   * then they end as if nobody could answer. Default 0.
   */
  answerGraceMs?: number
}

interface Entry {
  info: OperationInfo
  controller: AbortController
  lines: OpLogLine[]
  /** Judged items: null for success, else why it failed. */
  items: Map<string, OperationFailure | null>
  noun: { one: string; many: string }
  /** Per `stepId\0hostId`, in the order they were declared. */
  steps: Map<string, OpStep>
  waiters: Waiter[]
  /** False for an operation read from a journal (ended earlier, or running in another process). */
  owned: boolean
  result?: unknown
  durableResult: boolean
}

interface Waiter {
  request: SecretRequest
  answer(given: boolean): void
}

const MAX_LOG_LINES = 5000
/** A log line longer than this is cut (after redaction: a secret cut in two would no longer match). */
const MAX_LOG_LINE = 4096
/** A result bigger than this (as JSON) is not journaled: ops:get then has the outcome only. */
const MAX_KEPT_RESULT = 64 * 1024

/** Registry instances alive in this process, so a journal of this pid is judged per instance. */
const LIVE_INSTANCES = new Set<string>()

const isLive = (state: OperationState) => state === 'running' || state === 'waiting'

/**
 * Every long task runs through here: it gets an id, progress and end events, a per-operation log,
 * and cancellation through an AbortController. Ended operations are kept (up to `keepEnded`) so a
 * reloaded window can still show how they ended. With a journal, every state change (start, step,
 * waiting, end) is also written to disk, and the journals found at start are listed again: one
 * whose process is gone shows as `interrupted`, with its steps as far as they came.
 */
export class OperationRegistry {
  readonly #entries = new Map<string, Entry>()
  /** Cancels that arrived before their operation started (the bridge may race its own invoke). */
  readonly #earlyCancels = new Set<string>()
  readonly #instance = randomUUID()
  readonly #journal: OperationJournal | undefined
  readonly #warn: (message: string) => void
  #warned = false
  /** Prompts (a CLI at a terminal, a dialog) that answer `op:secret-needed`. */
  #answerers = 0
  readonly #answerGraceMs: number

  constructor(
    private readonly events: EventBus,
    private readonly redactor: Redactor,
    private readonly keepEnded = 50,
    private readonly now: () => Date = () => new Date(),
    options: RegistryOptions = {},
  ) {
    this.#journal = options.journal
    this.#warn = options.warn ?? (() => undefined)
    this.#answerGraceMs = options.answerGraceMs ?? 0
    LIVE_INSTANCES.add(this.#instance)
    if (this.#journal) this.#restore(this.#journal)
  }

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
      ...(spec.clusterId !== undefined ? { clusterId: spec.clusterId } : {}),
    }
    const entry: Entry = {
      info,
      controller,
      lines: [],
      items: new Map(),
      noun: spec.noun ?? { one: 'host', many: 'hosts' },
      steps: new Map(),
      waiters: [],
      owned: true,
      durableResult: spec.durableResult === true,
    }
    this.#entries.set(spec.id, entry)
    this.#save(entry)
    this.events.emit('op:start', { op: { ...info } })
    if (this.#earlyCancels.delete(spec.id)) controller.abort()

    const ctx = this.#context(entry)
    try {
      ctx.throwIfCancelled()
      const result = await work(ctx)
      ctx.throwIfCancelled()
      entry.result = result
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

  /**
   * Cancels a running operation. Ended ones (and those of another process) are left alone; unknown
   * ids are remembered briefly.
   */
  cancel(id: string): void {
    const entry = this.#entries.get(id)
    if (!entry) {
      this.#earlyCancels.add(id)
      setTimeout(() => this.#earlyCancels.delete(id), 30_000).unref?.()
      return
    }
    if (entry.owned && isLive(entry.info.state)) entry.controller.abort()
  }

  /** Running, waiting, recently ended and (from the journal) interrupted operations. */
  list(): OperationInfo[] {
    return [...this.#entries.values()].map((e) => ({ ...e.info }))
  }

  /** One operation with its steps and (small) result; from its journal when it is not ours. */
  get(id: string): OperationDetail {
    const entry = this.#entries.get(id)
    if (entry?.owned) return detailOf(entry.info, [...entry.steps.values()], entry.result)
    const record = this.#journal?.load(id)
    if (record) {
      const settled = this.#settle(record)
      return detailOf(settled.op, settled.steps, settled.result)
    }
    if (entry) return detailOf(entry.info, [...entry.steps.values()], entry.result)
    throw notFound()
  }

  /** The redacted log of one operation, the lines of one host and/or step when asked. */
  logLines(id: string, filter: OpLogFilter = {}): OpLogLine[] {
    const entry = this.#entries.get(id)
    if (this.#journal) {
      if (!entry && !this.#journal.load(id)) throw notFound()
      return this.#journal.readLog(id, filter)
    }
    if (!entry) throw notFound()
    return entry.lines.filter(
      (l) =>
        (filter.hostId === undefined || l.hostId === filter.hostId) &&
        (filter.stepId === undefined || l.stepId === filter.stepId),
    )
  }

  /** The redacted log of one operation, one string per line (`[host] line`). */
  logOf(id: string): string[] {
    return this.logLines(id).map((l) => (l.hostId ? `[${l.hostId}] ${l.line}` : l.line))
  }

  /**
   * Someone can answer `op:secret-needed` from now on (the CLI at a terminal, a dialog); call the
   * returned function when that ends. While nobody can, `needSecret` answers false at once, and
   * waits still open when the last one goes end the same way (after `answerGraceMs`).
   */
  answerSecrets(): () => void {
    this.#answerers++
    let ended = false
    return () => {
      if (ended) return
      ended = true
      if (--this.#answerers > 0) return
      const giveUp = () => {
        if (this.#answerers > 0) return
        for (const entry of this.#entries.values()) for (const w of [...entry.waiters]) w.answer(false)
      }
      if (this.#answerGraceMs > 0) setTimeout(giveUp, this.#answerGraceMs).unref?.()
      else giveUp()
    }
  }

  /**
   * A secret was given (ssh:provideSecret): every operation waiting for it goes on. A passphrase is
   * per key file, so it answers any host waiting on that key; passwords are per host.
   */
  secretGiven(hostId: string, kind: SshSecretKind, keyPath?: string): void {
    for (const entry of this.#entries.values()) {
      for (const waiter of [...entry.waiters]) {
        const r = waiter.request
        if (r.kind !== kind) continue
        if (kind === 'passphrase' ? r.keyPath === keyPath : r.hostId === hostId) waiter.answer(true)
      }
    }
  }

  /** Cancels everything still running (on quit). */
  cancelAll(): void {
    for (const entry of this.#entries.values()) if (entry.owned && isLive(entry.info.state)) entry.controller.abort()
  }

  /** Cancels what runs and stops counting this registry as alive (its journals may now be judged). */
  close(): void {
    this.cancelAll()
    LIVE_INSTANCES.delete(this.#instance)
  }

  #context(entry: Entry): OperationContext {
    const { info, controller } = entry
    return {
      id: info.id,
      signal: controller.signal,
      progress: ({ step, done, total, nodeId }) => {
        if (!isLive(info.state)) return
        // A host's report is that host's step; it moves the operation's count only when it counts
        // the operation's hosts (a per-host "0 of 1" must not turn "3 of 5" into "0 of 1").
        if (!nodeId) Object.assign(info, { step, done, total })
        else if (total === info.total) info.done = done
        this.events.emit('op:progress', { opId: info.id, step, done, total, ...(nodeId ? { nodeId } : {}) })
      },
      log: (raw, nodeId, stepId) => {
        if (!isLive(info.state)) return
        const redacted = this.redactor.redact(raw)
        const line =
          redacted.length > MAX_LOG_LINE
            ? `${redacted.slice(0, MAX_LOG_LINE)}… (${redacted.length - MAX_LOG_LINE} more characters not logged)`
            : redacted
        const entryLine: OpLogLine = {
          at: this.now().toISOString(),
          ...(nodeId ? { hostId: nodeId } : {}),
          ...(stepId ? { stepId } : {}),
          line,
        }
        if (this.#journal) this.#tryJournal(() => this.#journal!.appendLog(info.id, entryLine))
        else if (entry.lines.length < MAX_LOG_LINES) entry.lines.push(entryLine)
        this.events.emit('op:progress', {
          opId: info.id,
          step: info.step,
          done: info.done,
          total: info.total,
          line,
          ...(nodeId ? { nodeId } : {}),
          ...(stepId ? { stepId } : {}),
        })
      },
      throwIfCancelled: () => {
        if (controller.signal.aborted) throw cancelledError()
      },
      itemResult: (nodeId, result, name) => {
        if (!isLive(info.state)) return
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
      steps: (declared) => {
        if (!isLive(info.state)) return
        for (const { stepId, hostId } of declared) this.#stepOf(entry, stepId, hostId)
        this.#save(entry)
        for (const s of declared) this.#emitStep(entry, s.stepId, s.hostId, 'pending')
      },
      step: (stepId, hostId, state, extra = {}) => {
        if (!isLive(info.state)) return
        const step = this.#stepOf(entry, stepId, hostId)
        const at = this.now().toISOString()
        step.state = state
        if (state === 'running') {
          step.startedAt ??= at
          delete step.endedAt
        } else if (state !== 'pending') step.endedAt = at
        if (extra.exitStatus !== undefined) step.exitStatus = extra.exitStatus
        if (extra.error !== undefined) step.error = this.#redactedError(extra.error)
        this.#save(entry)
        this.#emitStep(entry, stepId, hostId, state)
      },
      needSecret: (need) => this.#needSecret(entry, need),
    }
  }

  #needSecret(entry: Entry, need: SecretNeed): Promise<boolean> {
    const { info, controller } = entry
    if (!isLive(info.state) || this.#answerers === 0) return Promise.resolve(false)
    if (controller.signal.aborted) return Promise.reject(cancelledError())
    const request: SecretRequest = {
      hostId: need.hostId,
      host: need.host ?? need.hostId,
      kind: need.kind,
      ...(need.keyPath !== undefined ? { keyPath: need.keyPath } : {}),
      message: this.redactor.redact(need.reason),
    }
    return new Promise<boolean>((resolve, reject) => {
      const settle = () => {
        controller.signal.removeEventListener('abort', onAbort)
        entry.waiters.splice(entry.waiters.indexOf(waiter), 1)
        this.#waitingChanged(entry)
      }
      const onAbort = () => {
        settle()
        reject(cancelledError())
      }
      const waiter: Waiter = {
        request,
        answer: (given) => {
          settle()
          resolve(given)
        },
      }
      controller.signal.addEventListener('abort', onAbort, { once: true })
      entry.waiters.push(waiter)
      this.#waitingChanged(entry)
      this.events.emit('op:secret-needed', { opId: info.id, ...request })
    })
  }

  /** `waiting` while any secret is asked for, else `running`; journaled and announced on change. */
  #waitingChanged(entry: Entry): void {
    const { info } = entry
    if (!isLive(info.state)) return
    const waiting = entry.waiters.length > 0
    info.state = waiting ? 'waiting' : 'running'
    if (waiting) info.waitingFor = entry.waiters.map((w) => ({ ...w.request }))
    else delete info.waitingFor
    this.#save(entry)
    this.events.emit('op:progress', {
      opId: info.id,
      // The tray shows what is asked while it waits, the operation's own step again after.
      step: waiting ? entry.waiters[0]!.request.message : info.step,
      done: info.done,
      total: info.total,
      state: info.state,
    })
  }

  #stepOf(entry: Entry, stepId: string, hostId: string): OpStep {
    const key = `${stepId}\0${hostId}`
    let step = entry.steps.get(key)
    if (!step) entry.steps.set(key, (step = { stepId, hostId, state: 'pending' }))
    return step
  }

  #emitStep(entry: Entry, stepId: string, hostId: string, state: StepState): void {
    const { info } = entry
    this.events.emit('op:progress', {
      opId: info.id,
      nodeId: hostId,
      step: `${stepId}: ${state}`,
      done: info.done,
      total: info.total,
      stepState: { stepId, hostId, state },
    })
  }

  #redactedError(error: unknown): AppErrorData {
    const data = typeof error === 'string' ? { code: 'COMMAND_FAILED' as const, message: error } : toAppErrorData(error)
    return { code: data.code, message: this.redactor.redact(data.message) }
  }

  /** Writes the entry's journal (owned entries only); a failing disk does not stop the work. */
  #save(entry: Entry): void {
    const journal = this.#journal
    if (!journal || !entry.owned) return
    const result = isLive(entry.info.state) || !entry.durableResult ? undefined : entry.result
    this.#tryJournal(() =>
      journal.save(
        {
          version: 1,
          pid: process.pid,
          instance: this.#instance,
          updatedAt: this.now().toISOString(),
          op: { ...entry.info },
          steps: [...entry.steps.values()].map((s) => ({ ...s })),
          ...(result !== undefined ? { result } : {}),
        },
        { durable: !isLive(entry.info.state) },
      ),
    )
  }

  #tryJournal(write: () => void): void {
    try {
      write()
    } catch (error) {
      if (this.#warned) return
      this.#warned = true
      this.#warn(`the operation journal could not be written: ${(error as Error).message}`)
    }
  }

  /** Lists the journals found at start; those whose process is gone become `interrupted`. */
  #restore(journal: OperationJournal): void {
    for (const found of journal.loadAll()) {
      const record = this.#settle(found)
      this.#entries.set(record.op.id, {
        info: record.op,
        controller: new AbortController(),
        lines: [],
        items: new Map(),
        noun: { one: 'host', many: 'hosts' },
        steps: new Map(record.steps.map((s) => [`${s.stepId}\0${s.hostId}`, s])),
        waiters: [],
        owned: false,
        durableResult: true,
        ...(record.result !== undefined ? { result: record.result } : {}),
      })
    }
    this.#prune()
  }

  /** A record still `running` whose process (or registry) is gone: interrupted, journaled so. */
  #settle(record: JournalRecord): JournalRecord {
    if (!isLive(record.op.state) || this.#alive(record)) return record
    const op: OperationInfo = {
      ...record.op,
      state: 'interrupted',
      endedAt: record.updatedAt,
      outcome: interruptedOutcome(record.steps),
    }
    delete op.waitingFor
    const settled = { ...record, op }
    this.#tryJournal(() => this.#journal?.save(settled, { durable: true }))
    return settled
  }

  #alive(record: JournalRecord): boolean {
    if (record.pid === process.pid) return LIVE_INSTANCES.has(record.instance)
    try {
      process.kill(record.pid, 0)
      return true
    } catch (error) {
      // EPERM: a process of another user has that pid now; it is alive, though maybe not ours.
      return (error as NodeJS.ErrnoException).code === 'EPERM'
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
    delete info.waitingFor
    if (error) info.error = error
    entry.result = keptResult(entry.result, this.redactor)
    // A step left running ends with the operation; one never started did not run.
    for (const step of entry.steps.values()) {
      if (step.state === 'running') {
        step.state = state
        step.endedAt = info.endedAt
      } else if (step.state === 'pending') {
        step.state = state === 'cancelled' ? 'cancelled' : 'skipped'
        step.endedAt = info.endedAt
      }
    }
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
    this.#save(entry)
    this.#prune()
    this.#tryJournal(() => this.#journal?.prune((r) => isLive(r.op.state) && this.#alive(r)))
  }

  #prune(): void {
    const ended = [...this.#entries.values()].filter((e) => !isLive(e.info.state))
    for (const entry of ended.slice(0, Math.max(0, ended.length - this.keepEnded))) {
      this.#entries.delete(entry.info.id)
    }
  }
}

function notFound(): AppError {
  return new AppError('OPERATION_NOT_FOUND', 'No operation with that id.')
}

function detailOf(info: OperationInfo, steps: OpStep[], result: unknown): OperationDetail {
  return {
    op: { ...info },
    steps: steps.map((s) => ({ ...s })),
    ...(!isLive(info.state) && result !== undefined ? { result } : {}),
  }
}

/** The result as the journal keeps it: small JSON only, every string in it redacted. */
function keptResult(result: unknown, redactor: Redactor): unknown {
  if (result === undefined) return undefined
  let text: string | undefined
  try {
    text = JSON.stringify(result)
  } catch {
    return undefined
  }
  if (text === undefined || text.length > MAX_KEPT_RESULT) return undefined
  return JSON.parse(text, (_key, value: unknown) => (typeof value === 'string' ? redactor.redact(value) : value))
}

/** What an interrupted operation's steps say: how far it came, what had not finished. */
function interruptedOutcome(steps: OpStep[]): OperationOutcome {
  const base = 'Interrupted: Flotilla stopped before this operation ended.'
  if (steps.length === 0) return { result: 'interrupted', reasons: [], summary: base }
  const done = steps.filter((s) => s.state === 'done').length
  const unfinished = steps.filter((s) => s.state === 'running')
  return {
    result: 'interrupted',
    reasons: unfinished.map((s) => ({ nodeId: s.hostId, message: `${s.stepId} had started and not finished.` })),
    summary: `${base} ${done} of ${steps.length} steps were done${
      unfinished.length > 0 ? `; ${unfinished.map((s) => s.stepId).join(', ')} had not finished` : ''
    }.`,
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

/**
 * The run view's model, as pure functions (unit tested without a window): an apply operation's
 * journal steps plus its live progress events reduced to what the view draws — per host a bar
 * (steps finished of all), a timeline (state, duration, why a step failed) — and the honest end
 * state of the whole run. The store (stores/run.store.ts) only feeds these.
 */
import type { ApplyResult } from '../../../../../shared/channels/apply'
import type { AppErrorData } from '../../../../../shared/errors'
import type { OperationInfo, OpLogLine, OpStep, OpStepState } from '../../../../../shared/types'

/** A step as the timeline shows it: the journal's states plus "already done" and "not run". */
export type RunStepState =
  | 'pending'
  | 'running'
  | 'done'
  | 'already-done'
  | 'failed'
  | 'not-run'
  | 'cancelled'
  /** Was running when the process that ran it ended (an interrupted operation). */
  | 'unfinished'

export interface RunStep {
  stepId: string
  hostId: string
  state: RunStepState
  startedAt?: string
  endedAt?: string
  exitStatus?: number
  error?: AppErrorData
}

/** One host's state in words: what its bar says next to its colour. */
export type HostRunState = 'waiting' | 'running' | 'done' | 'failed' | 'cancelled' | 'stopped'

export interface RunHost {
  hostId: string
  steps: RunStep[]
  /** Steps finished well (done or already done). */
  done: number
  total: number
  state: HostRunState
  /** The step that failed on this host (the first, in plan order). */
  failed?: RunStep
}

/** The whole run's state in one word, with what to say and offer. */
export type RunEndState = 'running' | 'waiting' | 'done' | 'failed' | 'cancelled' | 'interrupted'

/**
 * A journal step as the timeline shows it. The journal's `skipped` means two things: the runner
 * found the step already done (it had started: it was checked), or the operation ended without
 * running it (never started). The apply's result, when kept, says which steps were blocked.
 */
export function toRunStep(
  step: OpStep,
  blocked: ReadonlySet<string> = new Set(),
  opState?: OperationInfo['state'],
): RunStep {
  // An operation that is no longer live runs nothing: what the journal left running did not
  // finish, what it left pending will not run (in this operation).
  const ended = opState !== undefined && opState !== 'running' && opState !== 'waiting'
  const state: RunStepState =
    step.state === 'skipped'
      ? step.startedAt && !blocked.has(step.stepId)
        ? 'already-done'
        : 'not-run'
      : ended && step.state === 'running'
        ? 'unfinished'
        : ended && step.state === 'pending'
          ? 'not-run'
          : step.state
  return {
    stepId: step.stepId,
    hostId: step.hostId,
    state,
    ...(step.startedAt ? { startedAt: step.startedAt } : {}),
    ...(step.endedAt ? { endedAt: step.endedAt } : {}),
    ...(step.exitStatus !== undefined ? { exitStatus: step.exitStatus } : {}),
    ...(step.error ? { error: step.error } : {}),
  }
}

/**
 * Applies one live step event (which carries no time: `at` is when it arrived) to the journal's
 * steps, as the registry does to its own: running sets the start, any later state the end.
 */
export function applyStepEvent(steps: readonly OpStep[], event: OpStepState, at: string): OpStep[] {
  const index = steps.findIndex((s) => s.stepId === event.stepId && s.hostId === event.hostId)
  const before: OpStep = index >= 0 ? steps[index]! : { stepId: event.stepId, hostId: event.hostId, state: 'pending' }
  const after: OpStep = { ...before, state: event.state }
  if (event.state === 'running') {
    after.startedAt ??= at
    delete after.endedAt
  } else if (event.state !== 'pending') after.endedAt = at
  if (index < 0) return [...steps, after]
  const next = [...steps]
  next[index] = after
  return next
}

/** The blocked step ids of a kept apply result (absent while it runs, or when the result was too big). */
export function blockedOf(result: unknown): Set<string> {
  const blocked = (result as Partial<ApplyResult> | undefined)?.blocked
  return new Set(Array.isArray(blocked) ? blocked.filter((b): b is string => typeof b === 'string') : [])
}

/** Per host, in the order hosts first appear in the plan's steps: its bar and its timeline. */
export function hostsOf(steps: readonly OpStep[], result?: unknown, opState?: OperationInfo['state']): RunHost[] {
  const blocked = blockedOf(result)
  const byHost = new Map<string, RunStep[]>()
  for (const step of steps) {
    const list = byHost.get(step.hostId) ?? []
    list.push(toRunStep(step, blocked, opState))
    byHost.set(step.hostId, list)
  }
  return [...byHost].map(([hostId, list]) => {
    const done = list.filter((s) => s.state === 'done' || s.state === 'already-done').length
    const failed = list.find((s) => s.state === 'failed')
    return {
      hostId,
      steps: list,
      done,
      total: list.length,
      state: hostState(list, done, failed, opState),
      ...(failed ? { failed } : {}),
    }
  })
}

function hostState(
  steps: RunStep[],
  done: number,
  failed: RunStep | undefined,
  opState: OperationInfo['state'] | undefined,
): HostRunState {
  if (failed) return 'failed'
  if (steps.some((s) => s.state === 'running')) return 'running'
  if (done === steps.length) return 'done'
  if (steps.some((s) => s.state === 'cancelled')) return 'cancelled'
  if (opState === 'interrupted' || steps.some((s) => s.state === 'not-run')) return 'stopped'
  return opState === 'running' || opState === 'waiting' ? (done > 0 ? 'running' : 'waiting') : 'stopped'
}

/**
 * The run's end state, honestly: an operation that ended "done" with a failed host failed; a
 * cancel and an interruption are their own words, never "failed" nor "done".
 */
export function runState(op: Pick<OperationInfo, 'state' | 'outcome'>, hosts: readonly RunHost[]): RunEndState {
  switch (op.state) {
    case 'running':
    case 'waiting':
    case 'cancelled':
    case 'interrupted':
      return op.state
    case 'failed':
      return 'failed'
    case 'done':
      return op.outcome && op.outcome.result !== 'succeeded'
        ? op.outcome.result === 'cancelled'
          ? 'cancelled'
          : 'failed'
        : hosts.some((h) => h.state === 'failed' || h.steps.some((s) => s.state === 'not-run'))
          ? 'failed'
          : 'done'
  }
}

/** A duration in words a timeline can hold: "0.4 s", "12 s", "3 min 5 s". */
export function duration(from?: string, to?: string, now: number = Date.now()): string | undefined {
  if (!from) return undefined
  const ms = (to ? Date.parse(to) : now) - Date.parse(from)
  if (!Number.isFinite(ms) || ms < 0) return undefined
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`
  const s = Math.round(ms / 1000)
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`
}

/** A log line as the run view keeps it (ops:log's, or a live one, which has no time). */
export type RunLine = Pick<OpLogLine, 'hostId' | 'stepId' | 'line'> & { at?: string }

const sameLine = (a: RunLine, b: RunLine) => a.line === b.line && a.hostId === b.hostId && a.stepId === b.stepId

/**
 * The history (ops:log) followed by the live lines that arrived while it was read, without the
 * ones the history already holds: live lines that match the history's tail are the same lines.
 */
export function mergeLines(history: readonly RunLine[], live: readonly RunLine[]): RunLine[] {
  let overlap = Math.min(history.length, live.length)
  for (; overlap > 0; overlap--) {
    const start = history.length - overlap
    let same = true
    for (let i = 0; i < overlap && same; i++) same = sameLine(history[start + i]!, live[i]!)
    if (same) break
  }
  return [...history, ...live.slice(overlap)]
}

/** Which of an op's steps is waiting for a password, in words, while it waits. */
export function waitingText(op: Pick<OperationInfo, 'state' | 'waitingFor'>): string | undefined {
  if (op.state !== 'waiting') return undefined
  const asks = op.waitingFor ?? []
  if (asks.length === 0) return 'Waiting for a password.'
  return asks.map((a) => a.message).join(' ')
}

/**
 * A log line as one row: every row is LOG_ROW_PX high, so a line that carries its own line breaks
 * (a command's output with a carriage return or an embedded newline) would draw over the next rows.
 * They are shown as ↵; the copy buttons give the line as it was.
 */
export function oneRow(text: string): string {
  return text.replace(/\r\n|\r|\n/g, ' ↵ ')
}

import type { AppErrorData } from '../errors'

/** Long work (anything that may take more than a moment) runs as an operation with an id. */
export interface OperationInfo {
  id: string
  /** Contract channel that started it, e.g. "hosts:check". */
  kind: string
  /** Sentence for the operations tray, e.g. "Checking 3 hosts". */
  title: string
  state: 'running' | 'done' | 'failed' | 'cancelled'
  startedAt: string
  endedAt?: string
  /** Latest progress; per node where the work fans out. */
  done: number
  total: number
  step: string
  error?: AppErrorData
  /** How it ended (set once it has): what the tray, the CLI and ops:list report. */
  outcome?: OperationOutcome
}

/**
 * What an ended operation achieved. `state` says only whether the work ran to its end; the outcome
 * says whether it did what was asked: every item (host) succeeded, some failed, all failed, or the
 * user cancelled it.
 */
export type OperationResult = 'succeeded' | 'partial' | 'failed' | 'cancelled'

export interface OperationOutcome {
  result: OperationResult
  /** Work over several items (hosts): how many were judged, how many of them failed. */
  items?: { total: number; failed: number }
  /** Why it failed: one per failed item (with its id and name), or the operation's own error. */
  reasons: OperationFailure[]
  /** One sentence, e.g. "5 of 5 hosts failed." or "Cancelled after 4 of 15 s." */
  summary: string
}

export interface OperationFailure {
  /** The item (host id) it concerns; absent for the operation's own error. */
  nodeId?: string
  /** The item's name as the user knows it (label or address). */
  name?: string
  code?: string
  message: string
}

export interface OpProgress {
  opId: string
  /** Host id when the progress concerns one host of a fan-out. */
  nodeId?: string
  step: string
  done: number
  total: number
  /** One log line (already redacted). */
  line?: string
}

export interface OpEnd {
  opId: string
  /** True only when the outcome is `succeeded`. */
  ok: boolean
  state: 'done' | 'failed' | 'cancelled'
  error?: AppErrorData
  outcome: OperationOutcome
  /** Final progress: the whole when the work ran to its end, where it stopped when cancelled. */
  done: number
  total: number
}

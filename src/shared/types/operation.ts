import type { AppErrorData } from '../errors'
import type { SshSecretKind } from './ssh'

/**
 * `waiting`: paused until a secret is given (see `waitingFor`); `interrupted`: the process that ran
 * it ended (quit, crash, kill -9) before it did — found in its journal at the next start.
 */
export type OperationState = 'running' | 'waiting' | 'done' | 'failed' | 'cancelled' | 'interrupted'

/** Long work (anything that may take more than a moment) runs as an operation with an id. */
export interface OperationInfo {
  id: string
  /** Contract channel that started it, e.g. "hosts:check". */
  kind: string
  /** Sentence for the operations tray, e.g. "Checking 3 hosts". */
  title: string
  state: OperationState
  startedAt: string
  endedAt?: string
  /** Latest progress; per node where the work fans out. */
  done: number
  total: number
  step: string
  error?: AppErrorData
  /** How it ended (set once it has): what the tray, the CLI and ops:list report. */
  outcome?: OperationOutcome
  /** The cluster it works on, when it works on one. */
  clusterId?: string
  /** While `waiting`: the secrets it waits for (give one with ssh:provideSecret). */
  waitingFor?: SecretRequest[]
}

/** A secret an operation waits for: give it with `ssh:provideSecret(hostId, kind, secret, keyPath)`. */
export interface SecretRequest {
  hostId: string
  /** The host's name as the user knows it (label or address). */
  host: string
  kind: SshSecretKind
  /** For a key passphrase: which key file. */
  keyPath?: string
  /** One sentence: what asks and why, e.g. "sudo on kitchen-pi asks for a password." */
  message: string
}

/** Payload of `op:secret-needed`. */
export interface OpSecretNeeded extends SecretRequest {
  opId: string
}

/**
 * What an ended operation achieved. `state` says only whether the work ran to its end; the outcome
 * says whether it did what was asked: every item (host) succeeded, some failed, all failed, or the
 * user cancelled it, or the process running it ended first (interrupted: what was done is in its steps).
 */
export type OperationResult = 'succeeded' | 'partial' | 'failed' | 'cancelled' | 'interrupted'

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
  /** The step a log line belongs to. */
  stepId?: string
  /** A step of one host changed state (typed; `step` then says the same in words). */
  stepState?: OpStepState
  /** The operation paused for a secret (`waiting`) or went on (`running`). */
  state?: 'running' | 'waiting'
}

/**
 * A step's state on one host. `pending`: declared, not started; `skipped`: the operation ended
 * without running it; `cancelled`: stopped or not run because of a cancel.
 */
export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'cancelled'

export interface OpStepState {
  stepId: string
  hostId: string
  state: StepState
}

/** One step of one host as the journal keeps it. */
export interface OpStep extends OpStepState {
  startedAt?: string
  endedAt?: string
  /** The exit status of the step's command, when it ran one. */
  exitStatus?: number
  error?: AppErrorData
}

/** What `ops:get` answers: an operation (running, ended or interrupted), its steps and its result. */
export interface OperationDetail {
  op: OperationInfo
  steps: OpStep[]
  /** The work's return value, when it ended well and was small JSON (strings redacted). */
  result?: unknown
}

/** One line of an operation's log (`ops:log`), already redacted. */
export interface OpLogLine {
  at: string
  hostId?: string
  stepId?: string
  line: string
}

/** Which lines `ops:log` returns. */
export interface OpLogFilter {
  hostId?: string
  stepId?: string
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

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
  ok: boolean
  state: 'done' | 'failed' | 'cancelled'
  error?: AppErrorData
}

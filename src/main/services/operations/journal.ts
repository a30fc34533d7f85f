import { createHash, randomBytes } from 'node:crypto'
import {
  appendFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import type { OperationInfo, OpLogFilter, OpLogLine, OpStep } from '../../../shared/types'
import { writeFileAtomic } from '../vault/atomic-file'

/** What `<dataDir>/operations/<opId>.json` holds. Never a secret: everything in it is redacted. */
export interface JournalRecord {
  version: 1
  /** The process that ran it: a `running` record whose process is gone was interrupted. */
  pid: number
  /** The registry instance within that process (several apps may share one process in tests). */
  instance: string
  /** When this record was last written: an interrupted operation ended at the latest then. */
  updatedAt: string
  op: OperationInfo
  steps: OpStep[]
  result?: unknown
}

export interface JournalOptions {
  /** Journals kept; older ones (and their logs) are deleted. Running ones are never deleted. */
  keep?: number
  /** Bytes of one operation's log file; past it one last line says the rest was not kept. */
  maxLogBytes?: number
}

const DEFAULT_KEEP = 200
const DEFAULT_MAX_LOG_BYTES = 2 * 1024 * 1024
const CUT_LINE = '… the log reached its size bound: later lines were not kept.'

/**
 * The operation journal on disk: one JSON file per operation, replaced atomically (temp file,
 * fsync, rename) after every state change, so a kill -9 leaves the last whole state; and one
 * append-only log of JSON lines per operation, bounded in size. Files are owner-only (0600 in a
 * 0700 folder). Callers redact before handing anything over.
 */
export class OperationJournal {
  /** Bytes written to each log this process appends to (null: full, the cut line written). */
  readonly #logBytes = new Map<string, number | null>()
  readonly #keep: number
  readonly #maxLogBytes: number

  constructor(
    readonly dir: string,
    options: JournalOptions = {},
  ) {
    this.#keep = options.keep ?? DEFAULT_KEEP
    this.#maxLogBytes = options.maxLogBytes ?? DEFAULT_MAX_LOG_BYTES
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  }

  /**
   * Replaces the record. Always whole (temp file renamed over it), so a kill -9 leaves the last
   * state or the one before. `durable` (an ended operation) also fsyncs, so its outcome survives a
   * power cut; intermediate states skip that: an fsync costs milliseconds on the event loop, once
   * per step per host, and a process that dies leaves its written pages to the kernel anyway.
   */
  save(record: JournalRecord, { durable = false } = {}): void {
    const path = this.#path(record.op.id, '.json')
    const data = Buffer.from(JSON.stringify(record, null, 1))
    if (durable) return writeFileAtomic(path, data)
    const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
    try {
      writeFileSync(temp, data, { mode: 0o600, flag: 'wx' })
      renameSync(temp, path)
    } catch (error) {
      try {
        unlinkSync(temp)
      } catch {
        // never created, or already renamed
      }
      throw error
    }
  }

  /** The record of one operation, or undefined (none, or unreadable: a foreign or damaged file). */
  load(opId: string): JournalRecord | undefined {
    return readRecord(this.#path(opId, '.json'))
  }

  /** Every readable record, oldest first. */
  loadAll(): JournalRecord[] {
    const records: JournalRecord[] = []
    for (const name of this.#names('.json')) {
      const record = readRecord(join(this.dir, name))
      if (record) records.push(record)
    }
    return records.sort((a, b) => a.op.startedAt.localeCompare(b.op.startedAt))
  }

  /** Appends one (already redacted) line; past the size bound, one cut line and then nothing. */
  appendLog(opId: string, entry: OpLogLine): void {
    const path = this.#path(opId, '.log')
    let bytes = this.#logBytes.get(opId)
    if (bytes === null) return
    if (bytes === undefined) bytes = sizeOf(path)
    let text = JSON.stringify(entry) + '\n'
    if (bytes + Buffer.byteLength(text) > this.#maxLogBytes) {
      text = JSON.stringify({ at: entry.at, line: CUT_LINE }) + '\n'
      this.#logBytes.set(opId, null)
    } else this.#logBytes.set(opId, bytes + Buffer.byteLength(text))
    appendFileSync(path, text, { mode: 0o600 })
  }

  /** The log's lines, those of one host and/or step when asked. A torn last line is left out. */
  readLog(opId: string, filter: OpLogFilter = {}): OpLogLine[] {
    let text: string
    try {
      text = readFileSync(this.#path(opId, '.log'), 'utf8')
    } catch {
      return []
    }
    const lines: OpLogLine[] = []
    for (const raw of text.split('\n')) {
      if (raw === '') continue
      let entry: OpLogLine
      try {
        entry = JSON.parse(raw) as OpLogLine
      } catch {
        continue
      }
      if (filter.hostId !== undefined && entry.hostId !== filter.hostId) continue
      if (filter.stepId !== undefined && entry.stepId !== filter.stepId) continue
      lines.push(entry)
    }
    return lines
  }

  /**
   * Keeps the newest `keep` journals of ended operations (by start time) and deletes older ones
   * with their logs; `live` ones (still running somewhere) are never deleted nor counted.
   */
  prune(live: (record: JournalRecord) => boolean): void {
    const ended = this.loadAll().filter((r) => !live(r))
    const excess = ended.length - this.#keep
    if (excess <= 0) return
    for (const record of ended.slice(0, excess)) {
      for (const ext of ['.json', '.log']) {
        try {
          unlinkSync(this.#path(record.op.id, ext))
        } catch {
          // already gone (another process pruned it)
        }
      }
      this.#logBytes.delete(record.op.id)
    }
  }

  #names(ext: string): string[] {
    try {
      return readdirSync(this.dir).filter((n) => n.endsWith(ext) && !n.includes('.tmp-'))
    } catch {
      return []
    }
  }

  /** Operation ids are contract ids ([A-Za-z0-9_-]); anything else is hashed, never a path. */
  #path(opId: string, ext: string): string {
    const name = /^[A-Za-z0-9_-]{1,64}$/.test(opId) ? opId : createHash('sha256').update(opId).digest('hex')
    return join(this.dir, name + ext)
  }
}

function readRecord(path: string): JournalRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(path, 'utf8')) as JournalRecord
    if (record?.version !== 1 || typeof record.op?.id !== 'string' || !Array.isArray(record.steps)) return undefined
    return record
  } catch {
    return undefined
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

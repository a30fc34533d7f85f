import { randomBytes } from 'node:crypto'
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { dirname } from 'node:path'
import { AppError } from '../../../shared/errors'

export interface FileLockOptions {
  /** How long to wait for another process to let go (default 30 s). */
  timeoutMs?: number
  /** A lock older than this is taken as abandoned even if its pid looks alive (pid reuse). */
  staleMs?: number
  /** Names the locked thing in the timeout message ("the vault"). */
  what?: string
}

const DEFAULT_TIMEOUT_MS = 30_000
const DEFAULT_STALE_MS = 10 * 60_000
/** Breaking a stale lock takes microseconds: a breaker lock this old was left by a crash. */
const BREAKER_STALE_MS = 10_000
/** A lock is written right after its creation: one still empty this long after was left by a crash. */
const EMPTY_STALE_MS = 2_000
/** Next to the lock: the waiter that claimed the next turn. */
const NEXT_SUFFIX = '.next'
const CLAIM_TURN_AFTER_MS = 50

/**
 * Runs `work` while holding an exclusive lock between processes (the CLI next to the desktop app).
 * Node has no portable flock, so the lock is a file created with O_EXCL (atomic on Linux, macOS
 * and Windows) holding the owner's pid, host and a random token; it is removed when `work` ends.
 *
 * A lock whose owner died (kill -9, power loss) is taken over: same host and the pid is gone, or
 * older than `staleMs`. Taking over goes through a second O_EXCL "breaker" file, so two waiters
 * cannot both remove the dead lock and then one of them the other's fresh lock.
 * Waiting is bounded: when one holder keeps the lock for `timeoutMs`, the answer is a STORAGE error
 * naming it. Waiting is fair enough: a process that waited claims the next turn (`<lock>.next`).
 */
export async function withFileLock<T>(path: string, work: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const token = await acquire(path, options)
  try {
    return await work()
  } finally {
    release(path, token)
  }
}

interface Owner {
  pid: number
  host: string
  token: string
}

async function acquire(path: string, options: FileLockOptions): Promise<string> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const token = randomBytes(12).toString('hex')
  const content = `${process.pid}\n${hostname()}\n${token}\n`
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const marker = path + NEXT_SUFFIX
  const started = Date.now()
  let marked = false
  // The deadline runs per holder: a lock that keeps changing hands is progress, not a hang.
  let holder: string | null = null
  let holderSince = started
  let pause = 2
  try {
    for (;;) {
      const yieldToOther = !marked && waiterAhead(marker)
      if (!yieldToOther && tryCreate(path, content)) return token
      const owner = readOwner(path)
      if (owner && isAbandoned(path, owner, options.staleMs ?? DEFAULT_STALE_MS)) {
        breakLock(path, owner)
        continue
      }
      const now = Date.now()
      if ((owner?.token ?? null) !== holder) {
        holder = owner?.token ?? null
        holderSince = now
      }
      if (owner && now - holderSince >= timeoutMs) {
        const who = owner.pid ? ` (process ${owner.pid} on ${owner.host})` : ''
        throw new AppError(
          'STORAGE',
          `Another Flotilla process${who} has been changing ${options.what ?? 'this file'} for too long; nothing was changed. Try again, or remove ${path} if no Flotilla is running.`,
        )
      }
      // Fairness: a process that has waited a while claims the next turn, so one that writes in
      // a loop (the app) cannot starve another (the CLI).
      if (!marked && now - started >= CLAIM_TURN_AFTER_MS) marked = tryCreate(marker, content)
      await new Promise((resolve) => setTimeout(resolve, pause))
      pause = Math.min(pause * 2, 20)
    }
  } finally {
    if (marked && readOwner(marker)?.token === token) removeQuietly(marker)
  }
}

/** True when another live waiter has claimed the next turn; a dead or forgotten claim is removed. */
function waiterAhead(marker: string): boolean {
  const owner = readOwner(marker)
  if (!owner) return false
  if (isAbandoned(marker, owner, DEFAULT_TIMEOUT_MS)) {
    // Only a hint (the lock file is what excludes): removing a claim wrongly costs fairness, no more.
    removeQuietly(marker)
    return false
  }
  return true
}

/** True when the file was created by us; false when it already exists. */
function tryCreate(path: string, content: string): boolean {
  let fd: number
  try {
    fd = openSync(path, 'wx', 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw new AppError('STORAGE', `Flotilla could not create the lock file ${path}.`)
  }
  try {
    writeSync(fd, content)
  } finally {
    closeSync(fd)
  }
  return true
}

/** The lock's owner; null when it vanished meanwhile or is still being written (empty). */
function readOwner(path: string): Owner | null {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return null
  }
  const [pid, host, token] = text.split('\n')
  if (!pid || !host || !token) {
    // Written in one call right after creation: an empty or partial file is either being written
    // now or was left by a crash in that instant; age decides (see isAbandoned).
    return { pid: 0, host: '', token: '' }
  }
  return { pid: Number(pid), host, token }
}

function isAbandoned(path: string, owner: Owner, staleMs: number): boolean {
  const age = ageMs(path)
  if (age === null) return false
  if (age > staleMs) return true
  if (owner.pid === 0) return age > EMPTY_STALE_MS
  return owner.host === hostname() && !processAlive(owner.pid)
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function ageMs(path: string): number | null {
  try {
    return Date.now() - statSync(path).mtimeMs
  } catch {
    return null
  }
}

/** Removes an abandoned lock, but only the one judged abandoned (same token), under the breaker. */
function breakLock(path: string, owner: Owner): void {
  const breaker = `${path}.break`
  if (!tryCreate(breaker, `${process.pid}\n${hostname()}\nbreak\n`)) {
    const age = ageMs(breaker)
    if (age !== null && age > BREAKER_STALE_MS) removeQuietly(breaker)
    return
  }
  try {
    if (readOwner(path)?.token === owner.token) removeQuietly(path)
  } finally {
    removeQuietly(breaker)
  }
}

function release(path: string, token: string): void {
  // Only our own lock: if it was (wrongly) taken over, the new owner's file stays.
  if (readOwner(path)?.token === token) removeQuietly(path)
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // already gone
  }
}

/**
 * One apply per cluster at a time (issue 13 §2): `<dataDir>/apply/<cluster>.lock`, a small JSON
 * file anyone can read (owner pid, host, start time, operation id). It is crash-safe: a lock whose
 * process is gone (same computer, pid not alive) is stale and taken over. Unlike the vault's lock
 * it never expires by age, since an apply may run for an hour; a lock held by a live process is
 * broken only deliberately (`flotilla apply --break-lock`, `apply:break-lock`).
 *
 * Check-and-write happens under the vault's short file lock (`<lock>.guard`), so two applies
 * starting at once, or one breaking a stale lock while another takes it, cannot both win.
 */
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { AppError } from '../../../shared/errors'
import type { ApplyLockInfo } from '../../../shared/channels/apply'
import { withFileLock } from '../vault/file-lock'

interface LockFile extends Omit<ApplyLockInfo, 'stale'> {
  token: string
}

export class ApplyLocks {
  constructor(private readonly dir: string) {}

  /** The lock of a cluster as it stands (null: nobody applies it). */
  read(cluster: string): ApplyLockInfo | null {
    const file = this.#readFile(cluster)
    if (!file) return null
    const { token: _token, ...info } = file
    return { ...info, stale: isStale(file) }
  }

  /** Takes the cluster's lock (a stale one is taken over); returns its release. */
  async acquire(cluster: string, opId: string): Promise<{ release: () => Promise<void>; tookOver?: ApplyLockInfo }> {
    const token = randomBytes(12).toString('hex')
    const tookOver = await this.#guarded(cluster, () => {
      const held = this.read(cluster)
      if (held && !held.stale) {
        throw new AppError(
          'INVALID_INPUT',
          `Another apply of ${cluster} is running (process ${held.pid} on ${held.host}, since ${held.startedAt}); nothing was changed. Wait for it to end, or, if you are sure it is gone, run: flotilla apply ${cluster} --break-lock`,
        )
      }
      const file: LockFile = {
        cluster,
        pid: process.pid,
        host: hostname(),
        startedAt: new Date().toISOString(),
        opId,
        token,
      }
      mkdirSync(this.dir, { recursive: true, mode: 0o700 })
      writeFileSync(this.#path(cluster), JSON.stringify(file, null, 2) + '\n', { mode: 0o600 })
      return held ?? undefined
    })
    return {
      ...(tookOver ? { tookOver } : {}),
      release: () =>
        this.#guarded(cluster, () => {
          // Only our own: a lock broken and taken by another apply meanwhile stays.
          if (this.#readFile(cluster)?.token === token) removeQuietly(this.#path(cluster))
        }),
    }
  }

  /** Removes the lock whoever holds it; returns what was removed. */
  async break(cluster: string): Promise<ApplyLockInfo | null> {
    return this.#guarded(cluster, () => {
      const held = this.read(cluster)
      if (held) removeQuietly(this.#path(cluster))
      return held
    })
  }

  #guarded<T>(cluster: string, work: () => T): Promise<T> {
    return withFileLock(`${this.#path(cluster)}.guard`, () => Promise.resolve(work()), {
      what: `the apply lock of ${cluster}`,
      timeoutMs: 10_000,
    })
  }

  #path(cluster: string): string {
    // Cluster names are DNS labels (the spec's validator); anything else is made safe anyway.
    return join(this.dir, `${cluster.replace(/[^a-z0-9.-]/gi, '_')}.lock`)
  }

  #readFile(cluster: string): LockFile | null {
    let text: string
    try {
      text = readFileSync(this.#path(cluster), 'utf8')
    } catch {
      return null
    }
    try {
      return JSON.parse(text) as LockFile
    } catch {
      // Written in one call under the guard: an unreadable lock was cut by a crash mid-write.
      return { cluster, pid: 0, host: hostname(), startedAt: '', opId: '', token: '' }
    }
  }
}

/** Stale: held by a process of this computer that no longer exists (another computer's cannot be judged). */
function isStale(file: LockFile): boolean {
  if (file.host !== hostname()) return false
  if (!file.pid) return true
  try {
    process.kill(file.pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'EPERM'
  }
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // already gone
  }
}

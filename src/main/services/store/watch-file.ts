import { statSync, watch, type FSWatcher } from 'node:fs'
import { basename, dirname } from 'node:path'

export interface WatchFileOptions {
  /** Bursts of events (temp file, rename, chmod) become one call after this quiet time. */
  debounceMs?: number
  /** The fallback poll of the file's mtime, size and inode. */
  pollMs?: number
  /** False: poll only (tests of the fallback; file systems known to lose events). */
  fsWatch?: boolean
}

/**
 * Calls `onChange` (debounced) when the file at `path` may have changed, e.g. another process (the
 * CLI) saved it. Watches the directory, not the file: writers rename a new file over the old one,
 * and a watch on the old inode would go deaf after the first save. fs.watch is silent on some file
 * systems (network shares, some containers), so a slow poll of the file's stat backs it up.
 * Neither keeps the process alive. Returns the function that stops watching.
 */
export function watchFile(path: string, onChange: () => void, options: WatchFileOptions = {}): () => void {
  const debounceMs = options.debounceMs ?? 50
  let closed = false
  let timer: NodeJS.Timeout | undefined
  const fire = () => {
    if (closed) return
    clearTimeout(timer)
    timer = setTimeout(() => {
      if (!closed) onChange()
    }, debounceMs)
    timer.unref()
  }

  const name = basename(path)
  let watcher: FSWatcher | undefined
  try {
    if (options.fsWatch === false) throw new Error('poll only')
    watcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
      // No name (some platforms): it may have been ours.
      if (!changed || changed.toString() === name) fire()
    })
    watcher.on('error', () => {
      watcher?.close()
      watcher = undefined
    })
  } catch {
    // No watching here (or the directory is not there yet): the poll alone notices changes.
  }

  let last = stamp(path)
  const poll = setInterval(() => {
    const now = stamp(path)
    if (now !== last) {
      last = now
      fire()
    }
  }, options.pollMs ?? 2000)
  poll.unref()

  return () => {
    closed = true
    watcher?.close()
    clearInterval(poll)
    clearTimeout(timer)
  }
}

function stamp(path: string): string {
  try {
    const s = statSync(path)
    return `${s.ino}:${s.size}:${s.mtimeMs}`
  } catch {
    return 'missing'
  }
}

import { randomBytes } from 'node:crypto'
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { basename, dirname, join } from 'node:path'

/** Suffix of the kept previous generation. */
export const PREVIOUS_SUFFIX = '.prev'

const STALE_TEMP_MS = 10 * 60_000

/**
 * Replaces `path` with `data` so that, whatever happens (crash, kill -9, power loss after the
 * fsyncs), `path` holds either the old or the new content in full, never a mix:
 * write a temp file in the same directory, fsync it, rename it over `path`, fsync the directory.
 * With `keepPrevious`, the old content is first copied the same way to `<path>.prev`, so the
 * previous generation survives too. Files are created with mode 0600 (owner only).
 */
export function writeFileAtomic(
  path: string,
  data: Buffer,
  options: {
    keepPrevious?: boolean
    /**
     * Called with the current content (null: no file) before anything is replaced and again right
     * before the final rename; throwing stops the write. Lets a caller refuse to overwrite a
     * generation it did not read.
     */
    expectCurrent?: (current: Buffer | null) => void
  } = {},
): void {
  const dir = dirname(path)
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  removeStaleTemps(path)
  const check = options.expectCurrent ? () => options.expectCurrent!(readIfExists(path)) : undefined
  check?.()
  if (options.keepPrevious && existsSync(path)) replaceFile(path + PREVIOUS_SUFFIX, readFileSync(path))
  replaceFile(path, data, check)
}

function readIfExists(path: string): Buffer | null {
  try {
    return readFileSync(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
}

/** Writes a new file that must not exist yet (exclusive create, mode 0600, fsynced). */
export function writeFileExclusive(path: string, data: Buffer): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const fd = openSync(path, 'wx', 0o600)
  try {
    writeAll(fd, data)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  fsyncDir(dirname(path))
}

function replaceFile(path: string, data: Buffer, beforeRename?: () => void): void {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  const fd = openSync(temp, 'wx', 0o600)
  try {
    try {
      writeAll(fd, data)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    beforeRename?.()
    renameSync(temp, path)
  } catch (error) {
    try {
      unlinkSync(temp)
    } catch {
      // already renamed or never created
    }
    throw error
  }
  fsyncDir(dirname(path))
}

function writeAll(fd: number, data: Buffer): void {
  let offset = 0
  while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset)
}

/** Makes the rename durable. Windows cannot open a directory for fsync; NTFS journals renames. */
function fsyncDir(dir: string): void {
  if (process.platform === 'win32') return
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/**
 * Temp files left by a writer that was killed. Only old ones go: a young one may belong to another
 * process (the CLI next to the desktop app) that is about to rename it.
 */
function removeStaleTemps(path: string): void {
  const prefix = basename(path)
  const dir = dirname(path)
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(prefix) || !name.includes('.tmp-')) continue
    const file = join(dir, name)
    try {
      if (Date.now() - statSync(file).mtimeMs > STALE_TEMP_MS) unlinkSync(file)
    } catch {
      // raced with its owner: fine
    }
  }
}

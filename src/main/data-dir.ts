import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { basename, isAbsolute, join, resolve } from 'node:path'

export const PRODUCT_NAME = 'Flotilla'

export interface DataDirInput {
  /** Value of `--data-dir`, if given. */
  flag?: string | undefined
  env?: NodeJS.ProcessEnv
  platform?: NodeJS.Platform
  home?: string
}

/**
 * Where Flotilla keeps its files. `--data-dir` wins over `FLOTILLA_DATA_DIR`; otherwise the folder
 * Electron would use as `userData`, so the desktop app, the web server and the CLI share one
 * inventory by default.
 */
export function resolveDataDir({
  flag,
  env = process.env,
  platform = process.platform,
  home = homedir(),
}: DataDirInput = {}): string {
  const chosen = flag ?? env.FLOTILLA_DATA_DIR
  if (chosen !== undefined && chosen.trim() !== '') return isAbsolute(chosen) ? chosen : resolve(chosen)
  switch (platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', PRODUCT_NAME)
    case 'win32':
      return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), PRODUCT_NAME)
    default:
      return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), PRODUCT_NAME)
  }
}

/** Reads `--data-dir <dir>` or `--data-dir=<dir>` from an argv list. */
export function dataDirFlag(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--data-dir') return argv[i + 1]
    if (arg.startsWith('--data-dir=')) return arg.slice('--data-dir='.length)
  }
  return undefined
}

/** Owner only: the data directory holds the vault, host records, kubeconfig records and logs. */
export const PRIVATE_DIR_MODE = 0o700
export const PRIVATE_FILE_MODE = 0o600

/** Folders Flotilla itself keeps in the data directory (its stores are the `*.json` files there). */
const FLOTILLA_FOLDERS = ['logs', 'vault', 'operations']

/**
 * Creates the data directory owner-only (0700) and makes what Flotilla keeps in it owner-only too:
 * its folders (logs, vault) and everything in them 0700/0600, its store files (`*.json`) 0600 —
 * files written by an older Flotilla, or under a loose umask, were 0755/0644. Anything else in the
 * folder (Chromium's files in Electron's userData, or whatever is in a folder given with
 * --data-dir) is left as it is: the 0700 folder already keeps other users out of it.
 * Symlinks are not followed. Windows has no such modes (the folder's ACL, in the user's profile,
 * is already per-user): there it only creates the folder. One entry it cannot change (someone
 * else's file) does not stop the rest.
 */
export function securePrivateDir(dir: string, platform: NodeJS.Platform = process.platform): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE })
  if (platform === 'win32') return
  const visit = (path: string, depth: number) => {
    let stat
    try {
      stat = lstatSync(path)
    } catch {
      return
    }
    const mode = stat.mode & 0o777
    const name = basename(path)
    if (stat.isDirectory()) {
      if (depth === 1 && !FLOTILLA_FOLDERS.includes(name)) return
      if (mode !== PRIVATE_DIR_MODE) tryChmod(path, PRIVATE_DIR_MODE)
      let names: string[] = []
      try {
        names = readdirSync(path)
      } catch {
        return
      }
      for (const child of names) visit(join(path, child), depth + 1)
    } else if (stat.isFile() && (depth > 1 || name.endsWith('.json')) && (mode & 0o077) !== 0) {
      // Keeps the owner's own bits (an executable stays executable), drops group and others.
      tryChmod(path, mode & 0o700)
    }
  }
  visit(dir, 0)
}

function tryChmod(path: string, mode: number): void {
  try {
    chmodSync(path, mode)
  } catch {
    // Not ours to change: leave it.
  }
}

import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'

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

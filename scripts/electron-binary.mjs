// Electron's binary in node_modules, without require('electron'). Since Electron 45, `npm install`
// never downloads it (no install script); require('electron') or Electron's install.js does.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** node_modules/electron of the project at `root`. */
export function electronPackageDir(root) {
  return dirname(createRequire(join(root, 'package.json')).resolve('electron/package.json'))
}

/** The installed binary's path, or null when it is missing or from another Electron version. */
export function electronBinary(root) {
  const pkg = electronPackageDir(root)
  const pathFile = join(pkg, 'path.txt')
  if (!existsSync(pathFile)) return null
  const binary = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim())
  if (!existsSync(binary)) return null
  const version = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')).version
  const installed = existsSync(join(pkg, 'dist', 'version'))
    ? readFileSync(join(pkg, 'dist', 'version'), 'utf8')
        .trim()
        .replace(/^v/, '')
    : version
  return installed === version ? binary : null
}

/** Whether ELECTRON_SKIP_BINARY_DOWNLOAD says this machine must not download Electron. */
export function downloadForbidden(env = process.env) {
  const value = env.ELECTRON_SKIP_BINARY_DOWNLOAD
  return value !== undefined && value !== '' && value !== '0' && value !== 'false'
}

/**
 * The binary, downloaded first if missing and allowed: 'ready', 'forbidden' (the variable is set)
 * or 'failed' (Electron's installer printed why).
 */
export function ensureElectronBinary(root, log = (line) => console.error(line)) {
  if (electronBinary(root)) return 'ready'
  if (downloadForbidden()) return 'forbidden'
  log('Flotilla: downloading Electron’s binary (once, about 100 MB)…')
  const install = spawnSync(process.execPath, [join(electronPackageDir(root), 'install.js')], { stdio: 'inherit' })
  return install.status === 0 && electronBinary(root) ? 'ready' : 'failed'
}

// Where node_modules' Electron binary is, without require('electron'): since Electron 45 that
// require downloads a missing binary, and `npm install` itself never does (no install script).
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

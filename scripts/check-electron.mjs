#!/usr/bin/env node
// Runs before `npm start` and `npm run dev` (prestart/predev): makes sure Electron's binary is
// there, so a missing one ends in a sentence saying what to do instead of electron-vite's
// "Error: Electron uninstall". Since Electron 45, `npm install` does not download the binary:
// this downloads it once (Electron's own install.js), unless ELECTRON_SKIP_BINARY_DOWNLOAD says
// this machine must not. Usage: node scripts/check-electron.mjs [project root]
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { electronBinary, electronPackageDir } from './electron-binary.mjs'

const root = resolve(process.argv[2] ?? join(import.meta.dirname, '..'))
if (electronBinary(root)) process.exit(0)

const skip = process.env.ELECTRON_SKIP_BINARY_DOWNLOAD
const skipped = skip !== undefined && skip !== '' && skip !== '0' && skip !== 'false'
const alternatives = [
  'Without Electron, the same UI runs in your browser: npm run web',
  '(and the CLI works without it too: see "The CLI" in README.md).',
]
if (skipped) {
  console.error(
    [
      'Flotilla: Electron’s binary is not installed, so the desktop app cannot start.',
      `ELECTRON_SKIP_BINARY_DOWNLOAD=${skip} is set, so it was not downloaded. Where Electron can be`,
      'downloaded, unset it and run `npm start` again (it downloads the binary once).',
      ...alternatives,
    ].join('\n'),
  )
  process.exit(1)
}

console.error('Flotilla: downloading Electron’s binary (once, about 100 MB)…')
const install = spawnSync(process.execPath, [join(electronPackageDir(root), 'install.js')], { stdio: 'inherit' })
if (install.status === 0 && electronBinary(root)) process.exit(0)
console.error(
  [
    'Flotilla: could not download Electron’s binary (see the error above), so the desktop app cannot start.',
    'Check the network or proxy (ELECTRON_MIRROR, ELECTRON_GET_USE_PROXY), then run `npm start` again.',
    'On a machine that cannot download it, set ELECTRON_SKIP_BINARY_DOWNLOAD=1 to stop trying.',
    ...alternatives,
  ].join('\n'),
)
process.exit(1)

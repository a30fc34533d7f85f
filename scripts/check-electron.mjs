#!/usr/bin/env node
// Runs before `npm start` and `npm run dev` (prestart/predev): makes sure Electron's binary is
// there (downloading it once, see electron-binary.mjs), so a missing one ends in a sentence saying
// what to do instead of electron-vite's "Error: Electron uninstall".
// Usage: node scripts/check-electron.mjs [project root]
import { join, resolve } from 'node:path'
import { ensureElectronBinary } from './electron-binary.mjs'

const root = resolve(process.argv[2] ?? join(import.meta.dirname, '..'))
const state = ensureElectronBinary(root)
if (state === 'ready') process.exit(0)

const alternatives = [
  'Without Electron, the same UI runs in your browser: npm run web',
  '(and the CLI works without it too: see "The CLI" in README.md).',
]
const lines =
  state === 'forbidden'
    ? [
        'Flotilla: Electron’s binary is not installed, so the desktop app cannot start.',
        `ELECTRON_SKIP_BINARY_DOWNLOAD=${process.env.ELECTRON_SKIP_BINARY_DOWNLOAD} is set, so it was not downloaded.`,
        'Where Electron can be downloaded, unset it and run `npm start` again (it downloads the binary once).',
      ]
    : [
        'Flotilla: could not download Electron’s binary (see the error above), so the desktop app cannot start.',
        'Check the network or proxy (ELECTRON_MIRROR, ELECTRON_GET_USE_PROXY), then run `npm start` again.',
        'On a machine that cannot download it, set ELECTRON_SKIP_BINARY_DOWNLOAD=1 to stop trying.',
      ]
console.error([...lines, ...alternatives].join('\n'))
process.exit(1)

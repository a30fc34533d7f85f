#!/usr/bin/env node
// Runs the Electron end-to-end specs.
//   node test/e2e/electron/run.mjs                         the development build (out/main) under
//                                                          node_modules' Electron: app.spec.ts
//   node test/e2e/electron/run.mjs --packaged <executable> the packaged app, fuses flipped, as the
//                                                          release workflow builds it: packaged.spec.ts
// The first form downloads Electron's binary if it is missing (npm install does not, since Electron
// 45). Where ELECTRON_SKIP_BINARY_DOWNLOAD says it must not (machines that cannot download it), it
// prints one line saying so and why, and exits 0: a skip, reported as a skip, never as a pass.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ensureElectronBinary } from '../../../scripts/electron-binary.mjs'

const root = join(dirname(new URL(import.meta.url).pathname), '../../..')
const { values } = parseArgs({ options: { packaged: { type: 'string' } }, strict: true })

let spec = 'app.spec.ts'
const env = { ...process.env }
if (values.packaged) {
  const executable = resolve(values.packaged)
  if (!existsSync(executable)) {
    console.error(`Electron e2e: no packaged app at ${executable} (run \`npm run dist\` first).`)
    process.exit(1)
  }
  spec = 'packaged.spec.ts'
  env.FLOTILLA_PACKAGED_APP = executable
} else {
  const state = ensureElectronBinary(root)
  if (state === 'forbidden') {
    console.log(
      'Electron e2e: SKIPPED, not run: no Electron binary in node_modules/electron, and ELECTRON_SKIP_BINARY_DOWNLOAD is set. Run `npm run test:electron` without it where Electron can be downloaded.',
    )
    process.exit(0)
  }
  if (state === 'failed') {
    console.error('Electron e2e: could not download Electron’s binary (see above).')
    process.exit(1)
  }
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' })
  if (build.status !== 0) process.exit(build.status ?? 1)
}
const run = spawnSync('npx', ['playwright', 'test', '-c', 'test/e2e/electron/playwright.config.ts', spec], {
  cwd: root,
  env,
  stdio: 'inherit',
})
process.exit(run.status ?? 1)

#!/usr/bin/env node
// Runs the Electron end-to-end specs.
//   node test/e2e/electron/run.mjs                         the development build (out/main) under
//                                                          node_modules' Electron: app.spec.ts
//   node test/e2e/electron/run.mjs --packaged <executable> the packaged app, fuses flipped, as the
//                                                          release workflow builds it: packaged.spec.ts
// Where no Electron binary is installed (npm install with ELECTRON_SKIP_BINARY_DOWNLOAD=1, as on
// machines that cannot download it), the first form prints one line saying so and why, and exits 0:
// a skip, reported as a skip, never as a pass.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { electronBinary } from '../../../scripts/electron-binary.mjs'

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
  if (!electronBinary(root)) {
    console.log(
      'Electron e2e: SKIPPED, not run: no Electron binary in node_modules/electron (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1). Run `npx install-electron` then `npm run test:electron` where Electron can be downloaded.',
    )
    process.exit(0)
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

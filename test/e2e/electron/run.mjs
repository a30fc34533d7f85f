#!/usr/bin/env node
// Runs the Playwright _electron spec when an Electron binary is installed. Where it is not (npm
// install with ELECTRON_SKIP_BINARY_DOWNLOAD=1, as on machines that cannot download it), prints one
// line saying so and why, and exits 0: a skip, reported as a skip, never as a pass.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const root = join(dirname(new URL(import.meta.url).pathname), '../../..')

function electronBinary() {
  // Read path.txt ourselves: require('electron') would try to download a missing binary.
  const pkg = dirname(require.resolve('electron/package.json', { paths: [root] }))
  const pathFile = join(pkg, 'path.txt')
  if (!existsSync(pathFile)) return null
  const binary = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(binary) ? binary : null
}

if (!electronBinary()) {
  console.log(
    'Electron e2e: SKIPPED, not run: no Electron binary in node_modules/electron (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1). Run `npx install-electron` then `npm run test:electron` where Electron can be downloaded.',
  )
  process.exit(0)
}
const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' })
if (build.status !== 0) process.exit(build.status ?? 1)
const run = spawnSync('npx', ['playwright', 'test', '-c', 'test/e2e/electron/playwright.config.ts'], {
  cwd: root,
  stdio: 'inherit',
})
process.exit(run.status ?? 1)

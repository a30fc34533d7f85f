import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * scripts/check-electron.mjs (prestart/predev) against a fake project: node_modules/electron as
 * Electron 45 installs it (no binary), with a stand-in install.js so nothing is downloaded.
 */
const SCRIPT = resolve(import.meta.dirname, '../../scripts/check-electron.mjs')

function project(install: 'succeeds' | 'fails' | 'installed') {
  const root = mkdtempSync(join(tmpdir(), 'flotilla-electron-check-'))
  const pkg = join(root, 'node_modules', 'electron')
  mkdirSync(pkg, { recursive: true })
  writeFileSync(join(root, 'package.json'), '{"name":"p"}')
  writeFileSync(join(pkg, 'package.json'), '{"name":"electron","version":"45.6.1"}')
  const writeBinary = `
    const { mkdirSync, writeFileSync } = require('node:fs')
    mkdirSync(__dirname + '/dist', { recursive: true })
    writeFileSync(__dirname + '/dist/electron', '')
    writeFileSync(__dirname + '/dist/version', 'v45.6.1')
    writeFileSync(__dirname + '/path.txt', 'electron')`
  writeFileSync(
    join(pkg, 'install.js'),
    install === 'fails' ? 'console.error("TypeError: fetch failed"); process.exit(1)' : writeBinary,
  )
  if (install === 'installed') spawnSync(process.execPath, [join(pkg, 'install.js')])
  return root
}

function check(root: string, env: Record<string, string> = {}) {
  const clean = { ...process.env }
  delete clean.ELECTRON_SKIP_BINARY_DOWNLOAD
  const run = spawnSync(process.execPath, [SCRIPT, root], { env: { ...clean, ...env }, encoding: 'utf8' })
  return { status: run.status, output: run.stdout + run.stderr }
}

describe('npm start without an Electron binary', () => {
  it('says what to do when ELECTRON_SKIP_BINARY_DOWNLOAD is set, instead of "Electron uninstall"', () => {
    const result = check(project('succeeds'), { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' })
    expect(result.status).toBe(1)
    expect(result.output).toContain('ELECTRON_SKIP_BINARY_DOWNLOAD=1 is set')
    expect(result.output).toContain('npm run web')
    expect(result.output).not.toContain('downloading')
  })

  it('downloads the binary once otherwise, then lets the app start', () => {
    const root = project('succeeds')
    const first = check(root)
    expect(first).toMatchObject({ status: 0 })
    expect(first.output).toContain('downloading Electron’s binary')
    expect(check(root)).toEqual({ status: 0, output: '' })
  })

  it('says what to do when the download fails', () => {
    const result = check(project('fails'))
    expect(result.status).toBe(1)
    expect(result.output).toContain('could not download Electron’s binary')
    expect(result.output).toContain('ELECTRON_SKIP_BINARY_DOWNLOAD=1')
    expect(result.output).toContain('npm run web')
  })

  it('is silent when the binary is there', () => {
    expect(check(project('installed'), { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' })).toEqual({ status: 0, output: '' })
  })
})

import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SECRET_ENV_NAMES } from './env-secrets'

const fixture = join(import.meta.dirname, 'env-secrets.fixture.ts')
// Throwaway values (never printed: the fixture reports booleans and names only).
const secrets = Object.fromEntries(SECRET_ENV_NAMES.map((name, i) => [name, `env-secret-${i}-"q\\uoted"-long`]))

function start(mode: 'app' | 'cli') {
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-env-'))
  const env = { ...process.env, ...secrets, EXPECTED_SECRETS: JSON.stringify(secrets), FLOTILLA_DATA_DIR: dataDir }
  const out = execFileSync(process.execPath, ['--import', 'tsx', fixture, mode, dataDir], { encoding: 'utf8', env })
  return JSON.parse(out) as {
    inProcess: string[]
    inChild: string[]
    stillUsable: boolean
    passphraseProvided: boolean
  }
}

describe('secrets given through the environment', () => {
  it.each(['app', 'cli'] as const)('leave process.env at start-up (%s) and never reach a child', (mode) => {
    const report = start(mode)
    expect(report.inProcess).toEqual([])
    // The child still sees the harmless ones (FLOTILLA_DATA_DIR), none of the secrets.
    expect(report.inChild).toContain('FLOTILLA_DATA_DIR')
    expect(report.inChild.filter((n) => (SECRET_ENV_NAMES as readonly string[]).includes(n))).toEqual([])
    expect(report.stillUsable).toBe(true)
    if (mode === 'app') expect(report.passphraseProvided).toBe(true)
  })
})

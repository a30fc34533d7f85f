import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCliIn as cli } from './cli-test-support'
import { resultText } from './apply-commands'

describe('flotilla apply --break-lock and flotilla logs', () => {
  it('shows and breaks a held apply lock, says when there is none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apply-cli-'))
    expect((await cli(dir, 'apply', 'homelab', '--break-lock')).stdout).toBe(
      'Nobody holds the apply lock of homelab.\n',
    )
    mkdirSync(join(dir, 'apply'), { recursive: true })
    const lock = {
      cluster: 'homelab',
      pid: process.pid,
      host: hostname(),
      startedAt: '2026-12-07T10:00:00.000Z',
      opId: 'o',
      token: 't',
    }
    writeFileSync(join(dir, 'apply', 'homelab.lock'), JSON.stringify(lock))
    const broken = await cli(dir, 'apply', 'homelab', '--break-lock')
    expect(broken.stdout).toBe(
      `Removed the apply lock of homelab (process ${process.pid} on ${hostname()}, since 2026-12-07T10:00:00.000Z, STILL RUNNING: stop it).\n`,
    )
    expect((await cli(dir, 'apply', 'homelab', '--break-lock')).stdout).toContain('Nobody holds')
  })

  it('logs: a cluster never applied says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apply-cli-'))
    const run = await cli(dir, 'logs', 'homelab')
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('homelab has not been applied yet')
  })

  it('the result: failures first, counts, and "every step is done" only when true', () => {
    const ok = resultText({
      cluster: 'homelab',
      applied: ['a/1'],
      skipped: ['a/2'],
      failed: [],
      blocked: [],
      nothingToDo: false,
    })
    expect(ok).toBe('\n1 step applied, 1 already done.\nhomelab: every step is done.\n')
    const bad = resultText({
      cluster: 'homelab',
      applied: [],
      skipped: [],
      failed: [{ stepId: 'a/1', hostId: 'h', host: 'a', message: 'a: step a/1 failed' }],
      blocked: ['a/2'],
      nothingToDo: false,
    })
    expect(bad).toContain('FAILED a: step a/1 failed\nNot run, as a step they need failed: a/2.')
    expect(bad).not.toContain('every step is done')
  })
})

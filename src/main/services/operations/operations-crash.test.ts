import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { testAppIn } from '../../app-test-support'
import { OperationJournal } from './journal'

/** Polls `check` until it holds, failing after `deadlineMs` or when `failed()` says why. */
async function waitFor(check: () => boolean, deadlineMs: number, failed: () => string | undefined): Promise<void> {
  const end = Date.now() + deadlineMs
  for (;;) {
    if (check()) return
    const why = failed()
    if (why) throw new Error(why)
    if (Date.now() > end) throw new Error('timed out waiting for the journal')
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('Operations under kill -9', () => {
  it('after a restart, the journal shows what ran, what finished and what did not', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-ops-crash-'))
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'long-op.fixture.ts'), dataDir],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    let err = ''
    let exited = false
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    const gone = new Promise<void>((resolve) =>
      child.on('exit', () => {
        exited = true
        resolve()
      }),
    )
    const journal = new OperationJournal(join(dataDir, 'operations'))
    // Step 2 running, and its first line logged (it is appended just after the step is journaled).
    await waitFor(
      () =>
        journal.load('long-op')?.steps.find((s) => s.stepId === 'two')?.state === 'running' &&
        journal.readLog('long-op', { stepId: 'two' }).length > 0,
      60_000,
      () => (exited ? `the fixture exited early: ${err}` : undefined),
    )
    child.kill('SIGKILL')
    await gone

    const app = testAppIn(dataDir)
    try {
      const listed = (await app.api.ops.list()).find((o) => o.id === 'long-op')
      expect(listed).toMatchObject({ state: 'interrupted', kind: 'test:long', outcome: { result: 'interrupted' } })
      const detail = await app.api.ops.get('long-op')
      expect(detail.steps.map((s) => [s.stepId, s.state])).toEqual([
        ['one', 'done'],
        ['two', 'running'],
        ['three', 'pending'],
      ])
      expect(detail.steps[0]).toMatchObject({ exitStatus: 0, endedAt: expect.any(String) })
      expect(detail.steps[1]!.endedAt).toBeUndefined()
      expect(detail.op.outcome!.summary).toMatch(/1 of 3 steps were done; two had not finished/)
      expect((await app.api.ops.log('long-op')).map((l) => [l.stepId, l.line])).toEqual([
        ['one', 'step one output'],
        ['two', 'step two started'],
      ])
      expect((await app.api.ops.log('long-op', { stepId: 'two' })).map((l) => l.line)).toEqual(['step two started'])
    } finally {
      app.close()
    }
  }, 90_000)
})

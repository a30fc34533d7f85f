import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { OperationJournal } from '../services/operations/journal'
import { runCliIn as cli } from './cli-test-support'

/** A data dir whose journal holds an operation a killed process left at step two. */
function dirWithInterruptedOp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-cli-ops-'))
  const journal = new OperationJournal(join(dir, 'operations'))
  journal.save({
    version: 1,
    pid: spawnSync(process.execPath, ['-e', '']).pid!,
    instance: 'gone',
    updatedAt: '2026-01-01T00:05:00.000Z',
    op: {
      id: 'op-7',
      kind: 'test:long',
      title: 'Preparing h1',
      state: 'running',
      startedAt: '2026-01-01T00:00:00.000Z',
      done: 1,
      total: 3,
      step: 'two',
    },
    steps: [
      { stepId: 'one', hostId: 'h1', state: 'done', exitStatus: 0, startedAt: 'a', endedAt: 'b' },
      { stepId: 'two', hostId: 'h1', state: 'running', startedAt: 'c' },
      { stepId: 'three', hostId: 'h1', state: 'pending' },
    ],
  })
  journal.appendLog('op-7', { at: 'a', hostId: 'h1', stepId: 'one', line: 'swapoff -a' })
  journal.appendLog('op-7', { at: 'c', hostId: 'h1', stepId: 'two', line: 'modprobe br_netfilter' })
  return dir
}

describe('flotilla ops', () => {
  it('lists, shows and logs an operation interrupted by a kill, from its journal', async () => {
    const dir = dirWithInterruptedOp()
    const list = await cli(dir, 'ops', 'list')
    expect(list.code).toBe(0)
    expect(list.stdout).toMatch(/op-7\s+interrupted\s+test:long/)
    const show = await cli(dir, 'ops', 'show', 'op-7')
    expect(show.stdout).toContain('state: interrupted')
    expect(show.stdout).toMatch(/one\s+h1\s+done/)
    expect(show.stdout).toMatch(/two\s+h1\s+running \(did not finish\)/)
    expect(show.stdout).toMatch(/three\s+h1\s+pending/)
    const json = JSON.parse((await cli(dir, '--json', 'ops', 'show', 'op-7')).stdout) as { steps: unknown[] }
    expect(json.steps).toHaveLength(3)
    expect((await cli(dir, 'ops', 'log', 'op-7')).stdout).toBe('[h1 one] swapoff -a\n[h1 two] modprobe br_netfilter\n')
    expect((await cli(dir, 'ops', 'log', 'op-7', '--step', 'two')).stdout).toBe('[h1 two] modprobe br_netfilter\n')
  })

  it('says when there is no such operation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-cli-ops-'))
    const shown = await cli(dir, 'ops', 'show', 'nope')
    expect(shown.code).toBe(1)
    expect(shown.stderr).toMatch(/No operation with that id/)
  })
})

import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { OperationInfo } from '../../../shared/types'
import { OperationJournal, type JournalRecord } from './journal'

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'flotilla-journal-'))
}

function record(id: string, startedAt: string, state: OperationInfo['state'] = 'done'): JournalRecord {
  return {
    version: 1,
    pid: process.pid,
    instance: 'test',
    updatedAt: startedAt,
    op: { id, kind: 'test', title: id, state, startedAt, done: 0, total: 1, step: 'x' },
    steps: [{ stepId: 'a', hostId: 'h1', state: 'done' }],
  }
}

describe('OperationJournal', () => {
  it('replaces a record whole, owner-only, and leaves no temp file', () => {
    const dir = join(tempDir(), 'operations')
    const journal = new OperationJournal(dir)
    journal.save(record('op1', '2026-01-01T00:00:00.000Z', 'running'))
    journal.save({ ...record('op1', '2026-01-01T00:00:00.000Z'), steps: [] })
    expect(journal.load('op1')).toMatchObject({ op: { id: 'op1', state: 'done' }, steps: [] })
    expect(readdirSync(dir)).toEqual(['op1.json'])
    if (process.platform !== 'win32') {
      expect(statSync(dir).mode & 0o777).toBe(0o700)
      expect(statSync(join(dir, 'op1.json')).mode & 0o777).toBe(0o600)
    }
  })

  it('skips damaged records and a writer’s temp file when loading', () => {
    const dir = tempDir()
    const journal = new OperationJournal(dir)
    journal.save(record('good', '2026-01-02T00:00:00.000Z'))
    writeFileSync(join(dir, 'torn.json'), '{"version":1,"op":{"id":"to')
    writeFileSync(join(dir, 'good.json.tmp-1-abcd'), JSON.stringify(record('tmp', '2026-01-03T00:00:00.000Z')))
    expect(journal.loadAll().map((r) => r.op.id)).toEqual(['good'])
    expect(journal.load('torn')).toBeUndefined()
  })

  it('never turns an operation id into a path outside its folder', () => {
    const dir = tempDir()
    const journal = new OperationJournal(join(dir, 'operations'))
    journal.save(record('../escape', '2026-01-01T00:00:00.000Z'))
    expect(readdirSync(dir)).toEqual(['operations'])
    expect(journal.load('../escape')?.op.id).toBe('../escape')
  })

  it('bounds a log: past its size one cut line, then nothing', () => {
    const dir = tempDir()
    const journal = new OperationJournal(dir, { maxLogBytes: 1000 })
    for (let i = 0; i < 100; i++) {
      journal.appendLog('op1', { at: '2026-01-01T00:00:00.000Z', hostId: 'h1', line: `line ${i} ${'x'.repeat(20)}` })
    }
    const size = statSync(join(dir, 'op1.log')).size
    expect(size).toBeLessThanOrEqual(1000 + 200)
    const lines = journal.readLog('op1')
    expect(lines.length).toBeGreaterThan(5)
    expect(lines.length).toBeLessThan(100)
    expect(lines.at(-1)!.line).toMatch(/size bound/)
    expect(lines.filter((l) => /size bound/.test(l.line))).toHaveLength(1)
    // A new journal (another process, a restart) also finds the log full.
    new OperationJournal(dir, { maxLogBytes: 1000 }).appendLog('op1', { at: 'x', line: 'more' })
    expect(journal.readLog('op1').some((l) => l.line === 'more')).toBe(false)
  })

  it('reads the lines of one host or step, and leaves out a torn last line', () => {
    const dir = tempDir()
    const journal = new OperationJournal(dir)
    const at = '2026-01-01T00:00:00.000Z'
    journal.appendLog('op1', { at, hostId: 'h1', stepId: 's1', line: 'one' })
    journal.appendLog('op1', { at, hostId: 'h2', stepId: 's1', line: 'two' })
    journal.appendLog('op1', { at, hostId: 'h1', stepId: 's2', line: 'three' })
    writeFileSync(join(dir, 'op1.log'), readFileSync(join(dir, 'op1.log'), 'utf8') + '{"at":"x","li', { flag: 'w' })
    expect(journal.readLog('op1').map((l) => l.line)).toEqual(['one', 'two', 'three'])
    expect(journal.readLog('op1', { hostId: 'h1' }).map((l) => l.line)).toEqual(['one', 'three'])
    expect(journal.readLog('op1', { stepId: 's1' }).map((l) => l.line)).toEqual(['one', 'two'])
    expect(journal.readLog('op1', { hostId: 'h1', stepId: 's2' }).map((l) => l.line)).toEqual(['three'])
    expect(journal.readLog('none')).toEqual([])
  })

  it('keeps the newest journals and their logs, never a live one', () => {
    const dir = tempDir()
    const journal = new OperationJournal(dir, { keep: 2 })
    for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) {
      journal.save(record(id, `2026-01-0${i + 1}T00:00:00.000Z`, id === 'a' ? 'running' : 'done'))
      journal.appendLog(id, { at: 'x', line: id })
    }
    journal.prune((r) => r.op.state === 'running')
    expect(readdirSync(dir).sort()).toEqual(['a.json', 'a.log', 'c.json', 'c.log', 'd.json', 'd.log'])
  })
})

import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { EventName } from '../../../shared/contract'
import { AppError } from '../../../shared/errors'
import type { OpProgress } from '../../../shared/types'
import { EventBus } from '../events'
import { Redactor } from '../secrets/secret'
import { OperationJournal, type JournalRecord } from './journal'
import { OperationRegistry } from './registry'

function setup(dir = mkdtempSync(join(tmpdir(), 'flotilla-ops-'))) {
  const events = new EventBus()
  const seen: [EventName, unknown][] = []
  events.onAny((name, payload) => seen.push([name, payload]))
  const redactor = new Redactor()
  const journal = new OperationJournal(dir)
  const ops = new OperationRegistry(events, redactor, 50, undefined, { journal })
  return { ops, seen, redactor, journal, dir, events }
}

/** Everything the journal folder holds, as text. */
function folderText(dir: string): string {
  return readdirSync(dir)
    .map((n) => readFileSync(join(dir, n), 'utf8'))
    .join('\n')
}

/** The pid of a process that has ended. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!
}

describe('OperationRegistry with a journal', () => {
  it('journals every step change as it happens, with typed step events', async () => {
    const { ops, journal, seen } = setup()
    const states: string[][] = []
    const snapshot = () => states.push(journal.load('op1')!.steps.map((s) => `${s.stepId}@${s.hostId}=${s.state}`))
    await ops.run(
      { id: 'op1', kind: 'test', title: 'Preparing', clusterId: 'c1', durableResult: true },
      async (ctx) => {
        ctx.steps?.([
          { stepId: 'swap', hostId: 'h1' },
          { stepId: 'swap', hostId: 'h2' },
          { stepId: 'modules', hostId: 'h1' },
        ])
        snapshot()
        ctx.step?.('swap', 'h1', 'running')
        snapshot()
        ctx.log('swapoff -a', 'h1', 'swap')
        ctx.step?.('swap', 'h1', 'done', { exitStatus: 0 })
        ctx.step?.('swap', 'h2', 'failed', { exitStatus: 3, error: new AppError('COMMAND_FAILED', 'swapoff failed') })
        snapshot()
        return { ok: true }
      },
    )
    expect(states).toEqual([
      ['swap@h1=pending', 'swap@h2=pending', 'modules@h1=pending'],
      ['swap@h1=running', 'swap@h2=pending', 'modules@h1=pending'],
      ['swap@h1=done', 'swap@h2=failed', 'modules@h1=pending'],
    ])
    const record = journal.load('op1')!
    expect(record.op).toMatchObject({ state: 'done', clusterId: 'c1', kind: 'test' })
    // Never started: skipped when the operation ended.
    expect(record.steps.map((s) => s.state)).toEqual(['done', 'failed', 'skipped'])
    expect(record.steps[0]).toMatchObject({ exitStatus: 0, startedAt: expect.any(String), endedAt: expect.any(String) })
    expect(record.steps[1]).toMatchObject({
      exitStatus: 3,
      error: { code: 'COMMAND_FAILED', message: 'swapoff failed' },
    })
    expect(record.result).toEqual({ ok: true })
    const stepEvents = seen
      .filter(([n, p]) => n === 'op:progress' && (p as OpProgress).stepState)
      .map(([, p]) => (p as OpProgress).stepState)
    expect(stepEvents).toContainEqual({ stepId: 'swap', hostId: 'h1', state: 'running' })
    expect(stepEvents).toContainEqual({ stepId: 'swap', hostId: 'h2', state: 'failed' })
    expect(ops.logLines('op1', { stepId: 'swap' })).toMatchObject([
      { hostId: 'h1', stepId: 'swap', line: 'swapoff -a' },
    ])
    expect(ops.get('op1')).toMatchObject({ op: { state: 'done' }, result: { ok: true } })
  })

  it('keeps no secret in the journal, its log or its result', async () => {
    const { ops, redactor, dir } = setup()
    const secret = 'Pw-9911-zzQ-secret'
    redactor.register(secret)
    await ops.run({ id: 'op1', kind: 'test', title: 'x', durableResult: true }, async (ctx) => {
      ctx.step?.('s', 'h1', 'running')
      ctx.log(`echo ${secret}`, 'h1', 's')
      ctx.step?.('s', 'h1', 'failed', { error: new AppError('COMMAND_FAILED', `bad ${secret}`) })
      return { stdout: `it said ${secret}` }
    })
    const text = folderText(dir)
    expect(text).toContain('[redacted]')
    expect(text).not.toContain(secret)
    expect(ops.get('op1').result).toEqual({ stdout: 'it said [redacted]' })
  })

  it('keeps only a small result, and on disk only when the operation says it is harmless there', async () => {
    const { ops, journal } = setup()
    await ops.run({ id: 'big', kind: 'test', title: 'x', durableResult: true }, async () => 'x'.repeat(100_000))
    expect(ops.get('big')).not.toHaveProperty('result')
    // A command's output, say: ops:get has it while this process lives, the disk never.
    await ops.run({ id: 'output', kind: 'test', title: 'x' }, async () => ({ stdout: 'apiVersion: v1' }))
    expect(ops.get('output').result).toEqual({ stdout: 'apiVersion: v1' })
    expect(journal.load('output')).not.toHaveProperty('result')
  })

  it('after a restart lists a dead process’s running operation as interrupted, steps as they were', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-ops-'))
    const journal = new OperationJournal(dir)
    const record: JournalRecord = {
      version: 1,
      pid: deadPid(),
      instance: 'gone',
      updatedAt: '2026-01-01T00:05:00.000Z',
      op: {
        id: 'lost',
        kind: 'test',
        title: 'Long work',
        state: 'waiting',
        startedAt: '2026-01-01T00:00:00.000Z',
        done: 1,
        total: 3,
        step: 'two',
        waitingFor: [{ hostId: 'h1', host: 'pi', kind: 'sudo', message: 'sudo asks' }],
      },
      steps: [
        { stepId: 'one', hostId: 'h1', state: 'done' },
        { stepId: 'two', hostId: 'h1', state: 'running' },
        { stepId: 'three', hostId: 'h1', state: 'pending' },
      ],
    }
    journal.save(record)
    journal.appendLog('lost', { at: 'x', hostId: 'h1', stepId: 'one', line: 'step one output' })
    const { ops } = setup(dir)
    const listed = ops.list().find((o) => o.id === 'lost')!
    expect(listed).toMatchObject({ state: 'interrupted', endedAt: '2026-01-01T00:05:00.000Z' })
    expect(listed.waitingFor).toBeUndefined()
    expect(listed.outcome).toMatchObject({ result: 'interrupted' })
    expect(listed.outcome!.summary).toMatch(/1 of 3 steps were done; two had not finished/)
    expect(ops.get('lost').steps.map((s) => s.state)).toEqual(['done', 'running', 'pending'])
    expect(ops.logOf('lost')).toEqual(['[h1] step one output'])
    // Judged once, written back: the next start reads it as interrupted directly.
    expect(journal.load('lost')!.op.state).toBe('interrupted')
    // Cancel is a no-op for it.
    ops.cancel('lost')
    expect(ops.get('lost').op.state).toBe('interrupted')
  })

  it('leaves a live registry’s running operation running when another opens the same folder', async () => {
    const first = setup()
    let release!: () => void
    const running = first.ops.run({ id: 'live', kind: 'test', title: 'x' }, async (ctx) => {
      ctx.step?.('s', 'h1', 'running')
      await new Promise<void>((resolve) => (release = resolve))
    })
    const second = setup(first.dir)
    expect(second.ops.list().find((o) => o.id === 'live')?.state).toBe('running')
    expect(second.ops.get('live').op.state).toBe('running')
    // Not the second one's to cancel.
    second.ops.cancel('live')
    release()
    await running
    expect(second.ops.get('live').op.state).toBe('done')
    // Closed without ending it, a registry's running operation counts as interrupted.
    const third = setup()
    void third.ops.run({ id: 'orphan', kind: 'test', title: 'x' }, () => new Promise(() => undefined))
    third.ops.close()
    const after = setup(third.dir)
    expect(after.ops.get('orphan').op.state).toBe('interrupted')
  })

  it('prunes old journals but keeps a running one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-ops-'))
    const journal = new OperationJournal(dir, { keep: 3 })
    const ops = new OperationRegistry(new EventBus(), new Redactor(), 50, undefined, { journal })
    let release!: () => void
    const first = ops.run({ id: 'first', kind: 'test', title: 'x' }, () => new Promise<void>((r) => (release = r)))
    for (let i = 0; i < 5; i++) await ops.run({ id: `op${i}`, kind: 'test', title: 'x' }, async () => i)
    const ids = () =>
      readdirSync(dir)
        .filter((n) => n.endsWith('.json'))
        .sort()
    expect(ids()).toEqual(['first.json', 'op2.json', 'op3.json', 'op4.json'])
    release()
    await first
  })
})

describe('needSecret', () => {
  it('answers false at once when nobody can answer', async () => {
    const { ops, seen } = setup()
    const given = await ops.run({ id: 'op1', kind: 'test', title: 'x' }, (ctx) =>
      ctx.needSecret!({ hostId: 'h1', kind: 'sudo', reason: 'sudo asks' }),
    )
    expect(given).toBe(false)
    expect(seen.map(([n]) => n)).not.toContain('op:secret-needed')
  })

  it('waits (journaled) until the secret is given, then runs on', async () => {
    const { ops, seen, journal, events } = setup()
    const stop = ops.answerSecrets()
    const asked = new Promise<void>((resolve) => events.on('op:secret-needed', () => resolve()))
    const running = ops.run({ id: 'op1', kind: 'test', title: 'x' }, async (ctx) => {
      const given = await ctx.needSecret!({ hostId: 'h1', host: 'kitchen-pi', kind: 'sudo', reason: 'sudo asks' })
      return given
    })
    await asked
    expect(seen.find(([n]) => n === 'op:secret-needed')![1]).toEqual({
      opId: 'op1',
      hostId: 'h1',
      host: 'kitchen-pi',
      kind: 'sudo',
      message: 'sudo asks',
    })
    expect(ops.list()[0]).toMatchObject({ state: 'waiting', waitingFor: [{ hostId: 'h1', kind: 'sudo' }] })
    expect(journal.load('op1')!.op).toMatchObject({ state: 'waiting', waitingFor: [{ hostId: 'h1' }] })
    // Another host's or another kind's secret does not answer it.
    ops.secretGiven('h2', 'sudo')
    ops.secretGiven('h1', 'password')
    expect(ops.list()[0]!.state).toBe('waiting')
    ops.secretGiven('h1', 'sudo')
    expect(await running).toBe(true)
    expect(journal.load('op1')!.op.state).toBe('done')
    expect(journal.load('op1')!.op.waitingFor).toBeUndefined()
    expect(seen.some(([n, p]) => n === 'op:progress' && (p as OpProgress).state === 'waiting')).toBe(true)
    stop()
  })

  it('ends cancelled when cancelled while waiting, and false when the last prompt goes', async () => {
    const { ops, journal } = setup()
    const stop = ops.answerSecrets()
    const cancelled = ops.run({ id: 'c', kind: 'test', title: 'x' }, (ctx) =>
      ctx.needSecret!({ hostId: 'h1', kind: 'sudo', reason: 'sudo asks' }),
    )
    const abandoned = ops.run({ id: 'a', kind: 'test', title: 'x' }, (ctx) =>
      ctx.needSecret!({ hostId: 'h2', kind: 'passphrase', keyPath: '/k', reason: 'key' }),
    )
    await Promise.resolve()
    ops.cancel('c')
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' })
    expect(journal.load('c')!.op.state).toBe('cancelled')
    expect(ops.list().find((o) => o.id === 'a')!.state).toBe('waiting')
    stop()
    expect(await abandoned).toBe(false)
  })

  it('keeps a wait open while a prompt comes back within the grace (a reloading page)', async () => {
    const journal = new OperationJournal(mkdtempSync(join(tmpdir(), 'flotilla-ops-')))
    const ops = new OperationRegistry(new EventBus(), new Redactor(), 50, undefined, { journal, answerGraceMs: 50 })
    const first = ops.answerSecrets()
    const waiting = ops.run({ id: 'w', kind: 'test', title: 'x' }, (ctx) =>
      ctx.needSecret!({ hostId: 'h1', kind: 'sudo', reason: 'sudo asks' }),
    )
    first()
    const second = ops.answerSecrets()
    // Well past the grace: still waiting, since a prompt came back.
    await new Promise((r) => setTimeout(r, 200))
    expect(ops.get('w').op.state).toBe('waiting')
    ops.secretGiven('h1', 'sudo')
    expect(await waiting).toBe(true)
    second()
    // Gone for good: a new wait ends false (at once, nobody can answer).
    expect(
      await ops.run({ id: 'w2', kind: 'test', title: 'x' }, (ctx) =>
        ctx.needSecret!({ hostId: 'h1', kind: 'sudo', reason: 'sudo asks' }),
      ),
    ).toBe(false)
  })
})

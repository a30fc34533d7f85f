import { describe, expect, it } from 'vitest'
import type { EventName } from '../../../shared/contract'
import { AppError } from '../../../shared/errors'
import { EventBus } from '../events'
import { Redactor } from '../secrets/secret'
import { OperationRegistry } from './registry'

function setup(keepEnded = 50) {
  const events = new EventBus()
  const seen: [EventName, unknown][] = []
  events.onAny((name, payload) => seen.push([name, payload]))
  const redactor = new Redactor()
  return { ops: new OperationRegistry(events, redactor, keepEnded), seen, redactor }
}

describe('OperationRegistry', () => {
  it('emits start, progress and end, and keeps a redacted log', async () => {
    const { ops, seen, redactor } = setup()
    redactor.register('s3cret-pass')
    const result = await ops.run({ id: 'op1', kind: 'test', title: 'Testing', total: 2 }, async (ctx) => {
      ctx.progress({ step: 'one', done: 1, total: 2, nodeId: 'h1' })
      ctx.log('sudo -S with s3cret-pass', 'h1')
      return 42
    })
    expect(result).toBe(42)
    expect(seen.map(([n]) => n)).toEqual(['op:start', 'op:progress', 'op:progress', 'op:end'])
    expect(seen[2]![1]).toMatchObject({ opId: 'op1', nodeId: 'h1', line: 'sudo -S with [redacted]' })
    expect(seen[3]![1]).toEqual({
      opId: 'op1',
      ok: true,
      state: 'done',
      outcome: { result: 'succeeded', reasons: [], summary: 'Done.' },
      done: 2,
      total: 2,
    })
    expect(ops.logOf('op1')).toEqual(['[h1] sudo -S with [redacted]'])
    expect(ops.list()[0]).toMatchObject({ state: 'done', done: 2, total: 2 })
  })

  it('cuts a long log line after redacting it, so a secret across the cut leaves no piece', async () => {
    const { ops, redactor } = setup()
    const secret = 'Zq8-Wyx-Pw-7731-xKvLmNq'
    redactor.register(secret)
    // The secret starts 10 characters before the 4096-character bound.
    const raw = `${'x'.repeat(4086)}${secret}${'y'.repeat(100)}`
    await ops.run({ id: 'long', kind: 'test', title: 'Testing' }, async (ctx) => ctx.log(raw, 'h1'))
    const [line] = ops.logOf('long')
    expect(line).not.toContain(secret.slice(0, 10))
    expect(line).toBe(`[h1] ${'x'.repeat(4086)}[redacted]… (100 more characters not logged)`)
  })

  it('cancels through the AbortSignal and reports CANCELLED', async () => {
    const { ops, seen } = setup()
    const running = ops.run({ id: 'op2', kind: 'test', title: 'Waiting' }, (ctx) => {
      return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))))
    })
    ops.cancel('op2')
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' })
    expect(seen.at(-1)![1]).toMatchObject({ opId: 'op2', ok: false, state: 'cancelled' })
  })

  it('honours a cancel that arrives before the operation starts', async () => {
    const { ops } = setup()
    ops.cancel('early')
    let ran = false
    await expect(
      ops.run({ id: 'early', kind: 'test', title: 'x' }, async () => {
        ran = true
      }),
    ).rejects.toMatchObject({ code: 'CANCELLED' })
    expect(ran).toBe(false)
  })

  it('reports failures with their AppError and rethrows', async () => {
    const { ops, seen } = setup()
    const boom = new AppError('UNREACHABLE', 'Host is off.')
    await expect(ops.run({ id: 'op3', kind: 'test', title: 'x' }, () => Promise.reject(boom))).rejects.toBe(boom)
    expect(seen.at(-1)![1]).toEqual({
      opId: 'op3',
      ok: false,
      state: 'failed',
      error: { code: 'UNREACHABLE', message: 'Host is off.' },
      outcome: {
        result: 'failed',
        reasons: [{ code: 'UNREACHABLE', message: 'Host is off.' }],
        summary: 'Host is off.',
      },
      done: 0,
      total: 1,
    })
  })

  it('refuses a duplicate id and ignores cancel of an ended operation', async () => {
    const { ops } = setup()
    await ops.run({ id: 'dup', kind: 'test', title: 'x' }, async () => 1)
    ops.cancel('dup')
    expect(ops.list()[0]!.state).toBe('done')
    await expect(ops.run({ id: 'dup', kind: 'test', title: 'x' }, async () => 1)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    })
  })

  it('keeps only the most recent ended operations', async () => {
    const { ops } = setup(2)
    for (const id of ['a', 'b', 'c']) await ops.run({ id, kind: 'test', title: id }, async () => id)
    expect(ops.list().map((o) => o.id)).toEqual(['b', 'c'])
    expect(() => ops.logOf('a')).toThrow(/No operation/)
  })

  describe('outcome', () => {
    /** Runs an operation over `hosts`, judging each as `fails` says. */
    async function fanOutOp(ops: OperationRegistry, id: string, hosts: string[], fails: (h: string) => boolean) {
      return ops.run({ id, kind: 'test', title: 'Checking', total: hosts.length }, async (ctx) => {
        for (const [i, h] of hosts.entries()) {
          ctx.progress({ step: `${i + 1} of ${hosts.length}`, done: i + 1, total: hosts.length })
          ctx.itemResult?.(
            h,
            fails(h) ? { ok: false, code: 'UNREACHABLE', message: `${h} did not answer.` } : { ok: true },
            h,
          )
        }
        return hosts.length
      })
    }

    it('ends failed, not done, when every host failed, and ops:list says so after a reload', async () => {
      const { ops, seen } = setup()
      const hosts = ['a', 'b', 'c', 'd', 'e']
      // The work itself returns its per-host results: the caller still gets them.
      expect(await fanOutOp(ops, 'all', hosts, () => true)).toBe(5)
      const end = seen.at(-1)![1]
      expect(end).toMatchObject({
        opId: 'all',
        ok: false,
        state: 'failed',
        error: { code: 'UNREACHABLE', message: '5 of 5 hosts failed.' },
        outcome: { result: 'failed', items: { total: 5, failed: 5 }, summary: '5 of 5 hosts failed.' },
      })
      const listed = ops.list().find((o) => o.id === 'all')!
      expect(listed.state).toBe('failed')
      expect(listed.outcome?.result).toBe('failed')
      expect(listed.outcome?.reasons).toEqual(
        hosts.map((h) => ({ nodeId: h, name: h, code: 'UNREACHABLE', message: `${h} did not answer.` })),
      )
    })

    it('is partial when some hosts failed, succeeded when none did', async () => {
      const { ops, seen } = setup()
      await fanOutOp(ops, 'some', ['a', 'b', 'c'], (h) => h === 'b')
      expect(seen.at(-1)![1]).toMatchObject({
        ok: false,
        state: 'done',
        outcome: { result: 'partial', items: { total: 3, failed: 1 }, summary: '1 of 3 hosts failed.' },
      })
      await fanOutOp(ops, 'none', ['a', 'b'], () => false)
      expect(seen.at(-1)![1]).toMatchObject({
        ok: true,
        state: 'done',
        outcome: {
          result: 'succeeded',
          items: { total: 2, failed: 0 },
          reasons: [],
          summary: 'All 2 hosts succeeded.',
        },
      })
    })

    it('names the one host when a single-host operation fails, redacting its reason', async () => {
      const { ops, redactor } = setup()
      redactor.register('hunter22')
      await ops.run({ id: 'one', kind: 'test', title: 'x' }, async (ctx) => {
        ctx.itemResult?.('h1', { ok: false, message: 'sudo said hunter22 is wrong' }, 'kitchen-pi')
      })
      expect(ops.list()[0]!.outcome).toMatchObject({
        result: 'failed',
        summary: 'kitchen-pi: sudo said [redacted] is wrong',
      })
      expect(ops.list()[0]!.error?.code).toBe('COMMAND_FAILED')
    })

    it('keeps the operation’s count when a host reports its own step', async () => {
      const { ops } = setup()
      await ops.run({ id: 'count', kind: 'test', title: 'x', total: 5 }, async (ctx) => {
        ctx.progress({ step: '3 of 5 checked', done: 3, total: 5 })
        ctx.progress({ step: 'Contacting d', done: 0, total: 1, nodeId: 'd' })
        expect(ops.list()[0]).toMatchObject({ step: '3 of 5 checked', done: 3, total: 5 })
        ctx.progress({ step: 'Reachable', done: 4, total: 5, nodeId: 'd' })
        expect(ops.list()[0]).toMatchObject({ step: '3 of 5 checked', done: 4, total: 5 })
      })
    })

    it('a cancel is the outcome, and its bar stays where the work stopped', async () => {
      const { ops, seen } = setup()
      const running = ops.run({ id: 'scan', kind: 'test', title: 'Scanning', total: 15 }, (ctx) => {
        ctx.progress({ step: '0 found', done: 4, total: 15 })
        return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))))
      })
      ops.cancel('scan')
      await expect(running).rejects.toMatchObject({ code: 'CANCELLED' })
      expect(seen.at(-1)![1]).toMatchObject({
        ok: false,
        state: 'cancelled',
        outcome: { result: 'cancelled', summary: 'Cancelled after 4 of 15.' },
      })
      expect(ops.list()[0]).toMatchObject({ state: 'cancelled', done: 4, total: 15 })
    })
  })
})

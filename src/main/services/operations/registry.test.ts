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
    expect(seen[3]![1]).toEqual({ opId: 'op1', ok: true, state: 'done' })
    expect(ops.logOf('op1')).toEqual(['[h1] sudo -S with [redacted]'])
    expect(ops.list()[0]).toMatchObject({ state: 'done', done: 2, total: 2 })
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
})

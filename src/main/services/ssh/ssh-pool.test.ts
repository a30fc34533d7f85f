import { EventEmitter, getEventListeners } from 'node:events'
import type { Client } from 'ssh2'
import { describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import type { SshTarget } from './connect'
import { SshPool } from './ssh-pool'

class FakeClient extends EventEmitter {
  ended = false
  end() {
    this.ended = true
    this.emit('close')
  }
}

const target = (over: Partial<SshTarget> = {}): SshTarget => ({
  hostId: 'h1',
  keyFiles: [],
  name: 'h1',
  address: '10.0.0.1',
  port: 22,
  user: 'pi',
  ...over,
})

describe('SshPool', () => {
  it('reuses one connection per host and closes it when idle', async () => {
    const opened: FakeClient[] = []
    const pool = new SshPool(async () => opened[opened.push(new FakeClient()) - 1] as unknown as Client, { idleMs: 20 })
    await pool.use(target(), async () => 1)
    await pool.use(target(), async () => 2)
    expect(opened).toHaveLength(1)
    await new Promise((r) => setTimeout(r, 60))
    expect(opened[0]!.ended).toBe(true)
    expect(pool.size).toBe(0)
  })

  it('opens a new connection when the address, user or pinned key changes, or after a drop', async () => {
    const opened: FakeClient[] = []
    const pool = new SshPool(async () => opened[opened.push(new FakeClient()) - 1] as unknown as Client)
    await pool.use(target(), async () => 1)
    await pool.use(target({ user: 'root' }), async () => 1)
    expect(opened[0]!.ended).toBe(true)
    pool.drop('h1')
    await pool.use(target({ user: 'root' }), async () => 1)
    expect(opened).toHaveLength(3)
    pool.closeAll()
  })

  it('retries network failures with backoff, never a refused login', async () => {
    let attempts = 0
    const flaky = new SshPool(
      async () => {
        if (++attempts < 3) throw new AppError('UNREACHABLE', 'not yet')
        return new FakeClient() as unknown as Client
      },
      { backoffMs: 1 },
    )
    await flaky.use(target(), async () => 1)
    expect(attempts).toBe(3)

    let authAttempts = 0
    const refused = new SshPool(
      async () => {
        authAttempts++
        throw new AppError('AUTH_FAILED', 'no')
      },
      { backoffMs: 1 },
    )
    await expect(refused.use(target(), async () => 1)).rejects.toMatchObject({ code: 'AUTH_FAILED' })
    expect(authAttempts).toBe(1)
  })

  it('limits channels per connection', async () => {
    const pool = new SshPool(async () => new FakeClient() as unknown as Client, { maxChannels: 2 })
    let running = 0
    let peak = 0
    await Promise.all(
      Array.from({ length: 6 }, () =>
        pool.use(target(), async () => {
          peak = Math.max(peak, ++running)
          await new Promise((r) => setTimeout(r, 5))
          running--
        }),
      ),
    )
    expect(peak).toBe(2)
    pool.closeAll()
  })
})

describe('SshPool connect deadline', () => {
  it('never retries a handshake that timed out, and gives each attempt what is left of one deadline', async () => {
    const budgets: number[] = []
    const silent = new SshPool(
      async (_target, _signal, timeoutMs) => {
        budgets.push(timeoutMs)
        throw new AppError('TIMEOUT', 'no answer')
      },
      { backoffMs: 1, connectTimeoutMs: 4_000 },
    )
    await expect(silent.use(target(), async () => 1)).rejects.toMatchObject({ code: 'TIMEOUT' })
    expect(budgets).toHaveLength(1)
    expect(budgets[0]).toBeLessThanOrEqual(4_000)

    const refusedBudgets: number[] = []
    const refused = new SshPool(
      async (_target, _signal, timeoutMs) => {
        refusedBudgets.push(timeoutMs)
        throw new AppError('UNREACHABLE', 'refused')
      },
      { backoffMs: 1, connectTimeoutMs: 4_000 },
    )
    await expect(refused.use(target(), async () => 1)).rejects.toMatchObject({ code: 'UNREACHABLE' })
    expect(refusedBudgets).toHaveLength(3)
    for (const budget of refusedBudgets) expect(budget).toBeLessThanOrEqual(4_000)
  })

  it('leaves no abort listener behind after backing off', async () => {
    const controller = new AbortController()
    const pool = new SshPool(
      async () => {
        throw new AppError('UNREACHABLE', 'refused')
      },
      { backoffMs: 1 },
    )
    await expect(pool.use(target(), async () => 1, controller.signal)).rejects.toMatchObject({ code: 'UNREACHABLE' })
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0)
  })
})

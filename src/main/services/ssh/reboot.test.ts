import { describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import { rebootAndWait, type RebootDeps } from './reboot'

/** A host on a fake clock: reachable, then down for `downMs`, then up with a new boot id. */
function fakeHost({ downMs = 5000, newBootId = 'boot-2', impostorAfter = false } = {}) {
  let clock = 0
  let rebootedAt: number | undefined
  const steps: string[] = []
  const deps: RebootDeps = {
    now: () => clock,
    sleep: async (ms) => void (clock += ms),
    bootId: async () => {
      if (rebootedAt === undefined) return 'boot-1'
      if (clock - rebootedAt < downMs) throw new AppError('UNREACHABLE', 'down')
      if (impostorAfter) throw new AppError('HOST_KEY_CHANGED', 'different key')
      return newBootId
    },
    issueReboot: async () => {
      rebootedAt = clock
      throw new AppError('CONNECTION_LOST', 'dropped')
    },
    dropConnection: () => undefined,
    progress: (step) => steps.push(step),
  }
  return { deps, steps }
}

describe('rebootAndWait', () => {
  it('waits for a new boot id, backing off, and reports the time it took', async () => {
    const { deps, steps } = fakeHost({ downMs: 20_000 })
    const result = await rebootAndWait(deps, { signal: new AbortController().signal })
    expect(result).toMatchObject({ bootIdBefore: 'boot-1', bootIdAfter: 'boot-2' })
    expect(result.seconds).toBeGreaterThanOrEqual(20)
    expect(steps[0]).toBe('Rebooting')
    expect(steps.at(-1)).toBe('Back up')
  })

  it('gives up with REBOOT_TIMEOUT when the host never comes back', async () => {
    const { deps } = fakeHost({ downMs: Infinity })
    await expect(
      rebootAndWait(deps, { signal: new AbortController().signal, timeoutMs: 60_000 }),
    ).rejects.toMatchObject({
      code: 'REBOOT_TIMEOUT',
    })
  })

  it('keeps waiting while the old boot id still answers (the reboot has not begun)', async () => {
    const { deps } = fakeHost({ downMs: 0, newBootId: 'boot-1' })
    await expect(
      rebootAndWait(deps, { signal: new AbortController().signal, timeoutMs: 30_000 }),
    ).rejects.toMatchObject({
      code: 'REBOOT_TIMEOUT',
    })
  })

  it('stops at once when a different machine answers on the address', async () => {
    const { deps } = fakeHost({ downMs: 1000, impostorAfter: true })
    await expect(rebootAndWait(deps, { signal: new AbortController().signal })).rejects.toMatchObject({
      code: 'HOST_KEY_CHANGED',
    })
  })
})

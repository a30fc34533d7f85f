import { beforeEach, describe, expect, it } from 'vitest'
import type { AppErrorData, ErrorCode } from '../../../shared/errors'
import { MAX_TOASTS, useToasts } from './toasts.store'

const error = (message: string, code: ErrorCode = 'COMMAND_FAILED'): AppErrorData => ({ code, message })

beforeEach(() => useToasts.setState({ toasts: [] }))

describe('toasts: one place per message', () => {
  it('keeps at most a few, the newest', () => {
    for (let i = 1; i <= 5; i++) useToasts.getState().error(error(`problem ${i}`))
    expect(useToasts.getState().toasts.map((t) => t.message)).toEqual(['problem 3', 'problem 4', 'problem 5'])
    expect(MAX_TOASTS).toBe(3)
  })

  it('counts a repeated message instead of stacking it', () => {
    useToasts.getState().error(error('Disk full.', 'STORAGE'))
    useToasts.getState().error(error('Disk full.', 'STORAGE'))
    useToasts.getState().error(error('Disk full.', 'STORAGE'))
    expect(useToasts.getState().toasts).toEqual([expect.objectContaining({ message: 'Disk full.', count: 3 })])
  })

  it('leaves the connection state, the token page and a cancel to their own places', () => {
    for (const code of ['DISCONNECTED', 'FORBIDDEN', 'CANCELLED'] as const) useToasts.getState().error(error('x', code))
    expect(useToasts.getState().toasts).toEqual([])
  })

  it('does not toast what another place shows, and retracts a toast that place takes over later', () => {
    const remove = useToasts.getState().addPlace((e) => e.message === 'shown in the tray')
    useToasts.getState().error(error('shown in the tray'))
    expect(useToasts.getState().toasts).toEqual([])
    remove()
    useToasts.getState().error(error('shown in the tray'))
    expect(useToasts.getState().toasts).toHaveLength(1)
    useToasts.getState().retract('shown in the tray')
    expect(useToasts.getState().toasts).toEqual([])
  })
})

import { describe, expect, it, vi } from 'vitest'
import { createApi, type Transport } from './bridge'
import type { Envelope, EventName } from './contract'

function fakeTransport(answer: (channel: string, args: unknown[]) => Envelope<unknown>) {
  const calls: [string, unknown[]][] = []
  const listeners = new Map<EventName, Set<(p: unknown) => void>>()
  const transport: Transport = {
    invoke: async (channel, args) => {
      calls.push([channel, args])
      return answer(channel, args)
    },
    subscribe: (event, listener) => {
      const set = listeners.get(event) ?? new Set()
      listeners.set(event, set)
      set.add(listener)
      return () => void set.delete(listener)
    },
  }
  const emit = (event: EventName, payload: unknown) => listeners.get(event)?.forEach((l) => l(payload))
  return { transport, calls, emit }
}

describe('createApi', () => {
  it('sends positional arguments and unwraps the value', async () => {
    const { transport, calls } = fakeTransport(() => ({ ok: true, value: { id: 'h1' } }))
    const api = createApi(transport)
    await expect(api.hosts.update('h1', { port: 2222 })).resolves.toEqual({ id: 'h1' })
    expect(calls).toEqual([['hosts:update', ['h1', { port: 2222 }]]])
  })

  it('rejects with the AppErrorData as a plain object (survives contextBridge)', async () => {
    const error = { code: 'HOST_EXISTS', message: 'dup', details: { fields: { address: 'dup' } } } as const
    const api = createApi(fakeTransport(() => ({ ok: false, error })).transport)
    const rejection = await api.hosts.add({ address: 'x', user: 'pi' }).catch((e: unknown) => e)
    expect(rejection).toEqual(error)
    expect(rejection).not.toBeInstanceOf(Error)
  })

  it('turns a broken transport into DISCONNECTED', async () => {
    const api = createApi({
      invoke: () => Promise.reject(new Error('socket closed')),
      subscribe: () => () => undefined,
    })
    await expect(api.hosts.list()).rejects.toMatchObject({ code: 'DISCONNECTED' })
  })

  it('gives operations an id and sends op:cancel when the signal aborts', async () => {
    let release: (v: Envelope<unknown>) => void = () => undefined
    const calls: [string, unknown[]][] = []
    const api = createApi({
      invoke: (channel, args) => {
        calls.push([channel, args])
        if (channel === 'hosts:check') return new Promise((resolve) => (release = resolve))
        return Promise.resolve({ ok: true, value: undefined })
      },
      subscribe: () => () => undefined,
    })
    const abort = new AbortController()
    const running = api.hosts.check(['h1'], { signal: abort.signal })
    await vi.waitFor(() => expect(calls).toHaveLength(1))
    const opId = calls[0]![1][0]
    expect(opId).toMatch(/^[0-9a-f-]{36}$/)
    abort.abort()
    expect(calls[1]).toEqual(['op:cancel', [opId]])
    release({ ok: false, error: { code: 'CANCELLED', message: 'The operation was cancelled.' } })
    await expect(running).rejects.toMatchObject({ code: 'CANCELLED' })
  })

  it('uses a caller-chosen operation id and refuses to start when already aborted', async () => {
    const { transport, calls } = fakeTransport(() => ({ ok: true, value: [] }))
    const api = createApi(transport)
    await api.hosts.check(['h1'], { opId: 'op-1' })
    expect(calls[0]).toEqual(['hosts:check', ['op-1', ['h1']]])
    await expect(api.hosts.check(['h1'], { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'CANCELLED' })
    expect(calls).toHaveLength(1)
  })

  it('delivers events until unsubscribed', () => {
    const { transport, emit } = fakeTransport(() => ({ ok: true, value: null }))
    const api = createApi(transport)
    const seen: unknown[] = []
    const off = api.hosts.onChanged((p) => seen.push(p))
    emit('hosts:changed', { hosts: [] })
    off()
    emit('hosts:changed', { hosts: [1] })
    expect(seen).toEqual([{ hosts: [] }])
  })
})

import { describe, expect, it, vi } from 'vitest'
import { createApi, type Transport } from './bridge'
import { CHANNEL_ROUTES, EVENT_ROUTES } from './bridge-routes'
import { CHANNEL_SCHEMAS } from './channels'
import type { Channel, Envelope, EventName } from './contract'

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

/** Every method of the api object, as `group.method`, with the function. */
function methodsOf(api: object): [string, (...args: unknown[]) => unknown][] {
  return Object.entries(api).flatMap(([group, methods]) =>
    Object.entries(methods as Record<string, (...args: unknown[]) => unknown>).map(
      ([name, fn]) => [`${group}.${name}`, fn] as [string, (...args: unknown[]) => unknown],
    ),
  )
}

describe('createApi covers the contract', () => {
  // CHANNEL_SCHEMAS is the contract's own runtime list of channels (typed total over Channel).
  const channels = Object.keys(CHANNEL_SCHEMAS) as Channel[]

  it('reaches every channel through exactly one method', async () => {
    const { transport, calls } = fakeTransport(() => ({ ok: true, value: null }))
    const api = createApi(transport)
    const sentBy = new Map<string, string[]>()
    for (const [path, fn] of methodsOf(api)) {
      if (/\.on[A-Z]/.test(path) || path === 'ops.newId') continue
      const before = calls.length
      await fn()
      expect(calls.length - before, `${path} sends one request`).toBe(1)
      const channel = calls[before]![0]
      sentBy.set(channel, [...(sentBy.get(channel) ?? []), path])
    }
    expect([...sentBy.keys()].sort()).toEqual([...channels].sort())
    for (const [channel, paths] of sentBy) expect(paths, `${channel} has one method`).toHaveLength(1)
  })

  it('sends a fresh opId first for operations, whose channel starts with one', async () => {
    const { transport, calls } = fakeTransport(() => ({ ok: true, value: null }))
    const api = createApi(transport)
    for (const channel of channels) {
      const route = CHANNEL_ROUTES[channel] as { to: string; op?: number; adapt?: unknown }
      if (route.op === undefined) continue
      // (op:cancel also starts with an opId, an existing one: not every such channel is an operation.)
      const names = CHANNEL_SCHEMAS[channel].names
      expect(names[0], `${channel} is an operation`).toBe('opId')
      if (route.adapt === undefined)
        expect(route.op, `${channel}: OpOptions after its arguments`).toBe(names.length - 1)
      const [group, name] = route.to.split('.') as [string, string]
      const methods = (api as unknown as Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>>)[group]!
      calls.length = 0
      await methods[name]!()
      expect(calls[0]![1][0], `${channel} opId`).toMatch(/^[0-9a-f-]{36}$/)
    }
  })

  it('subscribes every event through its on-method', () => {
    const subscribed: string[] = []
    const api = createApi({
      invoke: () => Promise.resolve({ ok: true, value: null }),
      subscribe: (event) => (subscribed.push(event), () => undefined),
    })
    for (const [path, fn] of methodsOf(api)) if (/\.on[A-Z]/.test(path)) fn(() => undefined)
    expect(subscribed.sort()).toEqual(Object.keys(EVENT_ROUTES).sort())
  })

  it('adapts the methods whose parameters differ from the channel', async () => {
    const { transport, calls } = fakeTransport(() => ({ ok: true, value: null }))
    const api = createApi(transport)
    await api.ssh.provideSecret('h1', 'sudo', 's3cret-not-logged')
    await api.ssh.installKey('h1', undefined, { opId: 'op-2' })
    await api.vault.backup('/b', 'passphrase', { overwrite: true })
    await api.vault.setup('keychain')
    await api.discovery.ignore('h1')
    await api.kubeconfig.issued()
    await api.pki.init('c1', { algorithm: 'ECDSA-P256', opId: 'op-3' })
    await api.ssh.run('h1', ['true'], undefined, { opId: 'op-4' })
    expect(calls).toEqual([
      // A left-out optional argument is not sent (over JSON it would arrive as null).
      ['ssh:provideSecret', ['h1', 'sudo', 's3cret-not-logged']],
      ['ssh:installKey', ['op-2', 'h1']],
      ['vault:backup', ['/b', 'passphrase', true]],
      ['vault:setup', ['keychain', null]],
      ['discovery:ignore', ['h1', true]],
      ['kubeconfig:issued', [null]],
      ['pki:init', ['op-3', 'c1', { algorithm: 'ECDSA-P256' }]],
      ['ssh:run', ['op-4', 'h1', ['true'], {}]],
    ])
  })
})

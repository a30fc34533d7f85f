import { describe, expect, it } from 'vitest'
import { createApi } from '../shared/bridge'
import { ipcTransport } from './ipc-transport'

function fakeIpc() {
  const listeners = new Set<(...a: unknown[]) => void>()
  const invoked: unknown[][] = []
  return {
    invoked,
    fire: (...args: unknown[]) => listeners.forEach((l) => l({}, ...args)),
    ipc: {
      invoke: async (...args: unknown[]) => {
        invoked.push(args)
        return { ok: true, value: [] }
      },
      on: (_c: string, l: (...a: unknown[]) => void) => listeners.add(l),
      removeListener: (_c: string, l: (...a: unknown[]) => void) => listeners.delete(l),
    },
  }
}

describe('ipcTransport', () => {
  it('spreads arguments into ipcRenderer.invoke', async () => {
    const f = fakeIpc()
    const api = createApi(ipcTransport(f.ipc as never))
    await api.hosts.update('h1', { port: 2 })
    expect(f.invoked).toEqual([['hosts:update', 'h1', { port: 2 }]])
  })

  it('routes events by name and unsubscribes', () => {
    const f = fakeIpc()
    const api = createApi(ipcTransport(f.ipc as never))
    const seen: unknown[] = []
    const off = api.settings.onChanged((p) => seen.push(p))
    f.fire('hosts:changed', { hosts: [] })
    f.fire('settings:changed', { settings: { theme: 'dark' } })
    off()
    f.fire('settings:changed', { settings: { theme: 'light' } })
    expect(seen).toEqual([{ settings: { theme: 'dark' } }])
  })
})

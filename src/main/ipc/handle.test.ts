import { describe, expect, it } from 'vitest'
import { EventBus } from '../services/events'
import { createLogger } from '../services/log/logger'
import { Redactor } from '../services/secrets/secret'
import { forwardEvents, registerIpc } from './handle'

const APP_URL = 'file:///app/out/renderer/index.html'
type Handler = (event: unknown, ...args: unknown[]) => Promise<unknown>

function setup() {
  const handlers = new Map<string, Handler>()
  const calls: [unknown, unknown][] = []
  const ipcMain = { handle: (channel: string, fn: Handler) => void handlers.set(channel, fn) }
  registerIpc(
    ipcMain as never,
    async (channel, args) => {
      calls.push([channel, args])
      return { ok: true, value: 'answered' }
    },
    APP_URL,
    createLogger([], new Redactor()),
  )
  return { handlers, calls }
}

const frame = (url: string, parent: unknown = null) => ({ senderFrame: { url, parent } })

describe('registerIpc', () => {
  it('registers every contract channel', () => {
    const { handlers } = setup()
    expect([...handlers.keys()]).toContain('hosts:add')
    expect([...handlers.keys()]).toContain('op:cancel')
  })

  it('passes calls from the app page to the dispatcher', async () => {
    const { handlers, calls } = setup()
    const answer = await handlers.get('hosts:list')!(frame(`${APP_URL}#/hosts`))
    expect(answer).toEqual({ ok: true, value: 'answered' })
    expect(calls).toEqual([['hosts:list', []]])
  })

  it('refuses iframes, other pages and destroyed frames', async () => {
    const { handlers, calls } = setup()
    for (const event of [
      frame(APP_URL, {}),
      frame('https://evil.example/'),
      frame('file:///tmp/x.html'),
      { senderFrame: null },
    ]) {
      expect(await handlers.get('hosts:list')!(event)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } })
    }
    expect(calls).toEqual([])
  })
})

describe('forwardEvents', () => {
  it('queues events until the page is ready, then forwards on one channel', async () => {
    const events = new EventBus()
    const sent: unknown[][] = []
    let ready: () => void = () => undefined
    const stop = forwardEvents(
      events,
      { isDestroyed: () => false, send: (...args) => void sent.push(args) },
      new Promise<void>((r) => (ready = r)),
    )
    events.emit('hosts:changed', { hosts: [] })
    expect(sent).toEqual([])
    ready()
    await Promise.resolve()
    await Promise.resolve()
    expect(sent).toEqual([['flotilla:event', 'hosts:changed', { hosts: [] }]])
    stop()
    events.emit('hosts:changed', { hosts: [] })
    expect(sent).toHaveLength(1)
  })
})

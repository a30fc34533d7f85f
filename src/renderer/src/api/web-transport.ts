import type { Transport } from '../../../shared/bridge'
import type { Envelope, EventName } from '../../../shared/contract'
import type { AppErrorData } from '../../../shared/errors'
import { WEB_API_PATH, type WebServerMessage } from '../../../shared/web-protocol'

const TOKEN_KEY = 'flotilla.token'

/**
 * The bridge's transport in a normal browser (`npm run web`): the contract over the loopback
 * WebSocket, authenticated with the per-run token from the page's address.
 */
export function webTransport(location: Location, storage: Storage): Transport {
  const token = new URLSearchParams(location.search).get('token') ?? storage.getItem(TOKEN_KEY)
  if (!token) return refusedTransport(noTokenError())
  storage.setItem(TOKEN_KEY, token)

  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  const socket = new WebSocket(`${scheme}://${location.host}${WEB_API_PATH}?token=${encodeURIComponent(token)}`)
  const pending = new Map<number, (envelope: Envelope<unknown>) => void>()
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>()
  let nextId = 1
  let closed = false

  const opened = new Promise<boolean>((resolve) => {
    socket.addEventListener('open', () => resolve(true), { once: true })
    socket.addEventListener('close', () => resolve(false), { once: true })
  })
  socket.addEventListener('message', (event: MessageEvent<string>) => {
    const message = JSON.parse(event.data) as WebServerMessage
    if (message.type === 'result') {
      pending.get(message.id)?.(message.envelope)
      pending.delete(message.id)
    } else {
      for (const listener of listeners.get(message.name) ?? []) listener(message.payload)
    }
  })
  socket.addEventListener('close', () => {
    closed = true
    for (const resolve of pending.values()) resolve({ ok: false, error: disconnectedError() })
    pending.clear()
  })

  return {
    async invoke(channel, args) {
      if (!(await opened) || closed) return { ok: false, error: disconnectedError() }
      const id = nextId++
      return new Promise((resolve) => {
        pending.set(id, resolve)
        socket.send(JSON.stringify({ id, channel, args }))
      })
    },
    subscribe(event, listener) {
      const set = listeners.get(event) ?? new Set()
      listeners.set(event, set)
      set.add(listener)
      return () => void set.delete(listener)
    },
  }
}

function refusedTransport(error: AppErrorData): Transport {
  return { invoke: async () => ({ ok: false, error }), subscribe: () => () => undefined }
}

function noTokenError(): AppErrorData {
  return {
    code: 'FORBIDDEN',
    message: 'Open the address that `npm run web` printed: it carries the access token for this run.',
  }
}

function disconnectedError(): AppErrorData {
  return {
    code: 'DISCONNECTED',
    message:
      'Lost the connection to Flotilla’s services (was `npm run web` stopped?). Restart it and open the new address.',
  }
}

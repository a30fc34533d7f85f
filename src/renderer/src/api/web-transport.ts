import type { Transport } from '../../../shared/bridge'
import type { Envelope, EventName } from '../../../shared/contract'
import type { AppErrorData } from '../../../shared/errors'
import { WEB_API_PATH, type WebServerMessage } from '../../../shared/web-protocol'

const HANDOVER_KEY = 'flotilla.token'

/** The parts of `window` the token needs (narrow, so tests can fake them). */
export interface TokenWindow {
  location: Pick<Location, 'href'>
  history: Pick<History, 'state' | 'replaceState'>
  sessionStorage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>
  addEventListener(type: 'pagehide' | 'pageshow', listener: () => void): void
}

/**
 * Takes the per-run token out of the page's address (`?token=` as `npm run web` printed it) and
 * replaces the address without it, so it is neither in the address bar nor in the browser's
 * history. From then on it lives in this page's memory. Only a reload of this tab needs it again:
 * it is handed over in sessionStorage when the page goes away and removed as soon as the next page
 * has read it (or this one comes back from the back/forward cache).
 */
export function takeToken(win: TokenWindow): string | null {
  const url = new URL(win.location.href)
  const fromAddress = url.searchParams.get('token')
  const handedOver = win.sessionStorage.getItem(HANDOVER_KEY)
  win.sessionStorage.removeItem(HANDOVER_KEY)
  if (fromAddress !== null) {
    url.searchParams.delete('token')
    win.history.replaceState(win.history.state, '', `${url.pathname}${url.search}${url.hash}`)
  }
  const token = fromAddress || handedOver
  if (token) {
    win.addEventListener('pagehide', () => win.sessionStorage.setItem(HANDOVER_KEY, token))
    win.addEventListener('pageshow', () => win.sessionStorage.removeItem(HANDOVER_KEY))
  }
  return token || null
}

/**
 * The bridge's transport in a normal browser (`npm run web`): the contract over the loopback
 * WebSocket, authenticated with the per-run token from the page's address (see takeToken).
 */
export function webTransport(win: TokenWindow & { location: Pick<Location, 'href' | 'host' | 'protocol'> }): Transport {
  const token = takeToken(win)
  if (!token) return refusedTransport(noTokenError())
  const location = win.location

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

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

/** What the transport tells the page about its link (see stores/connection.store.ts). */
export type LinkState = 'connecting' | 'open' | 'disconnected' | 'no-token' | 'bad-token'

/** Reconnect delays after a lost link: quick at first, then every few seconds. */
const RETRY_MS = [250, 500, 1000, 2000, 3000]

/**
 * The bridge's transport in a normal browser (`npm run web`): the contract over the loopback
 * WebSocket, authenticated with the per-run token from the page's address (see takeToken).
 *
 * The link is watched, not discovered on the next click: a closed socket says `disconnected` at
 * once and reconnects by itself (event listeners stay registered across sockets). A socket that
 * cannot open while the server still serves this page means the server refuses the token (a
 * wrong one, or the server restarted with a new one): `bad-token`, and no more retries.
 */
export function webTransport(
  win: TokenWindow & { location: Pick<Location, 'href' | 'host' | 'protocol'> },
  onState: (state: LinkState) => void = () => undefined,
): Transport {
  const token = takeToken(win)
  if (!token) {
    onState('no-token')
    return refusedTransport(noTokenError())
  }
  const location = win.location
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  const address = `${scheme}://${location.host}${WEB_API_PATH}?token=${encodeURIComponent(token)}`
  const pending = new Map<number, (envelope: Envelope<unknown>) => void>()
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>()
  let nextId = 1
  let socket: WebSocket | null = null
  let attempt = 0
  let refused = false
  let opened: Promise<boolean> = Promise.resolve(false)

  /** True when the server that served this page still answers plain HTTP. */
  const serverAnswers = () =>
    fetch(new URL('/', location.href), { method: 'HEAD', cache: 'no-store' }).then(
      (r) => r.ok,
      () => false,
    )

  const connect = () => {
    const ws = new WebSocket(address)
    socket = ws
    let open = false
    opened = new Promise<boolean>((resolve) => {
      ws.addEventListener('open', () => resolve(true), { once: true })
      ws.addEventListener('close', () => resolve(false), { once: true })
    })
    ws.addEventListener('open', () => {
      open = true
      attempt = 0
      onState('open')
    })
    ws.addEventListener('message', (event: MessageEvent<string>) => {
      const message = JSON.parse(event.data) as WebServerMessage
      if (message.type === 'result') {
        pending.get(message.id)?.(message.envelope)
        pending.delete(message.id)
      } else {
        for (const listener of listeners.get(message.name) ?? []) listener(message.payload)
      }
    })
    ws.addEventListener('close', () => {
      socket = null
      for (const resolve of pending.values()) resolve({ ok: false, error: disconnectedError() })
      pending.clear()
      if (open) {
        onState('disconnected')
        retry()
        return
      }
      // Never opened: a server that answers HTTP but not this socket refuses the token.
      void serverAnswers().then((up) => {
        if (up) {
          refused = true
          onState('bad-token')
        } else {
          onState('disconnected')
          retry()
        }
      })
    })
  }
  const retry = () => {
    const delay = RETRY_MS[Math.min(attempt++, RETRY_MS.length - 1)]!
    setTimeout(connect, delay)
  }

  onState('connecting')
  connect()
  return {
    async invoke(channel, args) {
      if (refused) return { ok: false, error: badTokenError() }
      // While reconnecting a call fails at once (the indicator says why) instead of hanging.
      if (!(await opened) || !socket || socket.readyState !== WebSocket.OPEN)
        return { ok: false, error: disconnectedError() }
      const ws = socket
      const id = nextId++
      return new Promise((resolve) => {
        pending.set(id, resolve)
        ws.send(JSON.stringify({ id, channel, args }))
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

function badTokenError(): AppErrorData {
  return {
    code: 'FORBIDDEN',
    message:
      'Flotilla refused this address’s token (it changes each time `npm run web` starts): open the address it printed.',
  }
}

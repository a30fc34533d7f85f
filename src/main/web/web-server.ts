import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { WEB_API_PATH, type WebRequest, type WebServerMessage } from '../../shared/web-protocol'
import type { EventBus } from '../services/events'
import type { Logger } from '../services/log/logger'
import type { Dispatch } from '../transport/dispatcher'
import { contentSecurityPolicy, serveStatic } from './static-files'

export interface WebServerOptions {
  dispatch: Dispatch
  events: EventBus
  log: Logger
  /** Folder of the built renderer (out/renderer). */
  staticDir: string
  /** 0 picks a free port. */
  port: number
  /** Per-run secret; generated when absent. */
  token?: string
  /**
   * Called for each connected page; the function it returns when that page goes. The app uses it
   * to count pages that answer op:secret-needed (ops.answerSecrets).
   */
  onClient?: () => () => void
}

export interface WebServer {
  url: string
  port: number
  token: string
  close(): Promise<void>
}

const LOOPBACK = '127.0.0.1'
/** A request larger than this is not a contract call. */
const MAX_MESSAGE_BYTES = 1024 * 1024

/**
 * Serves the renderer and the contract over a WebSocket, on 127.0.0.1 only. A socket is accepted
 * only with the per-run token and an Origin of this very server, so neither another local user's
 * browser tab nor a web page the user visits can drive Flotilla.
 */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const token = options.token ?? randomBytes(24).toString('base64url')
  let origins: string[] = []
  let hosts: string[] = []
  let csp = ''
  const http: Server = createServer((req, res) => {
    if (!hosts.includes(req.headers.host ?? '')) {
      options.log.warn('refused a request for another host name')
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end(wrongHostText(hosts))
      return
    }
    serveStatic(options.staticDir, req, res, csp).catch((error: unknown) => {
      options.log.error(`static file error: ${String(error)}`)
      if (!res.headersSent) res.writeHead(500).end()
    })
  })
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES })

  http.on('upgrade', (req, socket, head) => {
    const refusal = refuse(req, token, hosts, origins)
    if (refusal) {
      options.log.warn(`refused a WebSocket: ${refusal}`)
      socket.end(`HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: ${refusal.length}\r\n\r\n${refusal}`)
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, options))
  })

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(options.port, LOOPBACK, () => resolve())
  })
  const port = (http.address() as AddressInfo).port
  // DNS rebinding: a page of evil.example whose name then resolves to 127.0.0.1 reaches this port
  // as "same origin"; its requests still say `Host: evil.example`.
  hosts = [`${LOOPBACK}:${port}`, `localhost:${port}`]
  origins = hosts.map((host) => `http://${host}`)
  csp = contentSecurityPolicy(`ws://${LOOPBACK}:${port}`)
  return {
    port,
    token,
    url: `http://${LOOPBACK}:${port}/?token=${token}`,
    close: async () => {
      for (const client of wss.clients) client.terminate()
      wss.close()
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
    },
  }
}

/** Why a WebSocket upgrade must be refused, or null to accept it. */
function refuse(req: IncomingMessage, token: string, hosts: string[], origins: string[]): string | null {
  if (!hosts.includes(req.headers.host ?? '')) return 'unknown host name'
  const url = new URL(req.url ?? '/', 'http://localhost')
  if (url.pathname !== WEB_API_PATH) return 'unknown path'
  const origin = req.headers.origin
  if (!origin || !origins.includes(origin)) return 'foreign origin'
  const given = Buffer.from(url.searchParams.get('token') ?? '')
  const expected = Buffer.from(token)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad token'
  return null
}

function wrongHostText(hosts: string[]): string {
  return `This server answers only as ${hosts.map((h) => `http://${h}/`).join(' or ')}: open the address it printed.`
}

function serveSocket(ws: WebSocket, { dispatch, events, log, onClient }: WebServerOptions): void {
  const send = (message: WebServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message))
  }
  const unsubscribe = events.onAny((name, payload) => send({ type: 'event', name, payload }))
  const gone = onClient?.()
  ws.on('close', () => {
    unsubscribe()
    gone?.()
  })
  ws.on('error', (error) => log.warn(`web socket error: ${error.message}`))
  ws.on('message', (data) => {
    let request: WebRequest
    try {
      request = parseRequest(data.toString())
    } catch {
      log.warn('web socket sent a malformed request; closing it')
      ws.close(1003, 'malformed request')
      return
    }
    void dispatch(request.channel, request.args).then((envelope) => send({ type: 'result', id: request.id, envelope }))
  })
}

function parseRequest(text: string): WebRequest {
  const value: unknown = JSON.parse(text)
  if (typeof value !== 'object' || value === null) throw new Error('not an object')
  const { id, channel, args } = value as Record<string, unknown>
  if (!Number.isSafeInteger(id) || typeof channel !== 'string') throw new Error('bad shape')
  return { id: id as number, channel, args: args as unknown[] }
}

import { mkdtempSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createApp, type App } from '../app'
import { confStoreFactory } from '../services/store/conf-store'
import { startWebServer, type WebServer } from './web-server'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

async function serve(): Promise<{ app: App; server: WebServer; staticDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-web-'))
  const staticDir = mkdtempSync(join(tmpdir(), 'flotilla-static-'))
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Flotilla</title>')
  writeFileSync(join(dataDir, 'secret.txt'), 'do not serve')
  const app = createApp({ dataDir, transport: 'web', version: 't', createStore: confStoreFactory(dataDir) })
  const server = await startWebServer({ dispatch: app.dispatch, events: app.events, log: app.log, staticDir, port: 0 })
  cleanups.push(() => server.close())
  return { app, server, staticDir }
}

function connect(
  server: WebServer,
  { token = server.token, origin = `http://127.0.0.1:${server.port}`, host = `127.0.0.1:${server.port}` } = {},
) {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${token}`, { origin, headers: { host } })
  cleanups.push(() => ws.terminate())
  return ws
}

function outcome(ws: WebSocket): Promise<'open' | number> {
  return new Promise((resolve) => {
    ws.once('open', () => resolve('open'))
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.once('error', () => resolve(-1))
  })
}

function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('web server', () => {
  it('listens on loopback only and prints a tokenised URL', async () => {
    const { server } = await serve()
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`)
    expect(server.token.length).toBeGreaterThanOrEqual(32)
  })

  it('refuses a wrong token, a foreign Origin and a missing Origin', async () => {
    const { server } = await serve()
    expect(await outcome(connect(server, { token: 'x'.repeat(server.token.length) }))).toBe(403)
    expect(await outcome(connect(server, { origin: 'https://evil.example' }))).toBe(403)
    expect(await outcome(connect(server, { origin: `http://127.0.0.1:${server.port + 1}` }))).toBe(403)
    expect(await outcome(connect(server, { origin: '' }))).toBe(403)
  })

  it('answers contract calls and pushes events to the socket', async () => {
    const { server } = await serve()
    const ws = connect(server)
    expect(await outcome(ws)).toBe('open')
    const messages: { type: string; id?: number; name?: string; envelope?: unknown }[] = []
    ws.on('message', (d) => messages.push(JSON.parse(d.toString())))
    ws.send(JSON.stringify({ id: 7, channel: 'hosts:add', args: [{ address: '10.0.0.5', user: 'pi' }] }))
    ws.send(JSON.stringify({ id: 8, channel: 'hosts:add', args: [{ address: 'no way', user: 'pi' }] }))
    await expect.poll(() => messages.length).toBeGreaterThanOrEqual(3)
    expect(messages.find((m) => m.id === 7)).toMatchObject({
      type: 'result',
      envelope: { ok: true, value: { address: '10.0.0.5' } },
    })
    expect(messages.find((m) => m.id === 8)).toMatchObject({
      envelope: { ok: false, error: { code: 'INVALID_INPUT' } },
    })
    expect(messages.find((m) => m.type === 'event')).toMatchObject({ name: 'hosts:changed' })
  })

  it('closes a socket that sends garbage', async () => {
    const { server } = await serve()
    const ws = connect(server)
    await outcome(ws)
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)))
    ws.send('{not json')
    expect(await closed).toBe(1003)
  })

  it('serves the renderer with a CSP, falls back to index.html, and never leaves its folder', async () => {
    const { server } = await serve()
    const index = await get(server.port, '/')
    expect(index.status).toBe(200)
    expect(index.body).toContain('<title>Flotilla</title>')
    expect(String(index.headers['content-security-policy'])).toContain("default-src 'self'")
    expect((await get(server.port, '/hosts')).body).toContain('<title>Flotilla</title>')
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2f..%2fetc/passwd']) {
      const res = await get(server.port, path)
      expect(res.body).not.toContain('do not serve')
      expect(res.body).not.toContain('root:')
    }
  })

  it('answers only to its own host names, for pages and sockets (DNS rebinding)', async () => {
    const { server } = await serve()
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`]) {
      expect((await get(server.port, '/', { host })).status, host).toBe(200)
    }
    for (const host of [`evil.example:${server.port}`, 'evil.example', `127.0.0.1:${server.port + 1}`, '127.0.0.1']) {
      const res = await get(server.port, '/', { host })
      expect(res.status, host).toBe(421)
      expect(res.body).not.toContain('<title>Flotilla</title>')
    }
    expect(await outcome(connect(server, { host: `evil.example:${server.port}` }))).toBe(403)
    expect(
      await outcome(connect(server, { host: `localhost:${server.port}`, origin: `http://localhost:${server.port}` })),
    ).toBe('open')
  })
})

// flotilla-sim: SIMULATOR, not k3s. The k3s supervisor's HTTP routes that share :6443 with the API
// server (pkg/server/router.go), as far as joins use them:
//   GET /cacerts                    the server CA bundle, unauthenticated
//   GET /ping                       "pong"
//   GET /v1-k3s/readyz              200 once the server is up
//   GET /v1-k3s/server-bootstrap    the CA certificates and keys (bootstrap data); user "server" only
//   GET /v1-k3s/client-kubelet.crt  a client certificate + key for system:node:<k3s-Node-Name>
//   GET /v1-k3s/config              the agent configuration (cluster CIDR, domain, flannel backend…)
//   GET /db/info                    the etcd members (joining servers add themselves); user "server"
// Authentication as k3s does it: basic auth "server:<server token password>" or
// "node:<agent token password>" (the server's credentials are accepted for node routes too), or
// a bootstrap token `Bearer <id>.<secret>` for node routes. Anything else: 401 Unauthorized.
import fs from 'node:fs'
import path from 'node:path'
import { timingSafeEqual } from 'node:crypto'

export const BOOTSTRAP_FILES = {
  ServerCA: 'server-ca.crt',
  ServerCAKey: 'server-ca.key',
  ClientCA: 'client-ca.crt',
  ClientCAKey: 'client-ca.key',
  RequestHeaderCA: 'request-header-ca.crt',
  RequestHeaderCAKey: 'request-header-ca.key',
  ETCDServerCA: 'etcd/server-ca.crt',
  ETCDServerCAKey: 'etcd/server-ca.key',
  ETCDPeerCA: 'etcd/peer-ca.crt',
  ETCDPeerCAKey: 'etcd/peer-ca.key',
  ServiceKey: 'service.key',
}

export function readBootstrap(tlsDir) {
  const out = {}
  for (const [k, f] of Object.entries(BOOTSTRAP_FILES)) {
    const p = path.join(tlsDir, f)
    out[k] = { Timestamp: fs.statSync(p).mtime.toISOString(), Content: fs.readFileSync(p).toString('base64') }
  }
  return out
}

export function writeBootstrap(tlsDir, data) {
  for (const [k, f] of Object.entries(BOOTSTRAP_FILES)) {
    if (!data[k]) throw new Error(`bootstrap data from the server lacks ${k}`)
    const p = path.join(tlsDir, f)
    fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o700 })
    fs.writeFileSync(p, Buffer.from(data[k].Content, 'base64'), { mode: f.endsWith('.key') ? 0o600 : 0o644 })
  }
}

const eq = (a, b) => {
  const x = Buffer.from(String(a))
  const y = Buffer.from(String(b))
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * The route handler. ctx: { caPem(): string, serverPassword, agentPassword, ready(): boolean,
 * bootstrap(): object, config(): object, members(): Promise<array>, issueKubeletCert(name):
 * {cert, key}, checkBootstrapToken(id, secret): Promise<boolean>, checkNodePassword(name, pw):
 * Promise<boolean>, log }. Returns true when it answered the request.
 */
export function supervisorHandler(ctx) {
  return (req, res) => {
    const url = new URL(req.url, 'https://x')
    const p = url.pathname
    const known = ['/cacerts', '/ping', '/db/info'].includes(p) || p.startsWith('/v1-k3s/')
    if (!known) return false
    const send = (code, body, type = 'text/plain') => {
      res.writeHead(code, { 'content-type': type })
      res.end(body)
    }
    if (req.method !== 'GET') {
      send(405, 'method not allowed\n')
      return true
    }
    if (p === '/cacerts') {
      send(200, ctx.caPem())
      return true
    }
    if (p === '/ping') {
      send(200, 'pong')
      return true
    }
    ;(async () => {
      const who = await authenticate(req, ctx)
      const serverOnly = p === '/v1-k3s/server-bootstrap' || p === '/db/info'
      if (!who || (serverOnly && who !== 'server')) return send(401, 'Unauthorized\n')
      if (!ctx.ready() && p !== '/v1-k3s/readyz') return send(503, 'runtime core not ready\n')
      switch (p) {
        case '/v1-k3s/readyz':
          return ctx.ready() ? send(200, 'ok') : send(503, 'runtime core not ready\n')
        case '/v1-k3s/server-bootstrap':
          return send(200, JSON.stringify(ctx.bootstrap()), 'application/json')
        case '/v1-k3s/config':
          return send(200, JSON.stringify(ctx.config()), 'application/json')
        case '/db/info': {
          // only servers with embedded etcd have it (a SQLite server answers 404)
          const members = await ctx.members()
          if (!members) return send(404, '404 page not found\n')
          return send(200, JSON.stringify({ members }), 'application/json')
        }
        case '/v1-k3s/client-kubelet.crt': {
          const name = req.headers['k3s-node-name']
          const pw = req.headers['k3s-node-password']
          if (!name) return send(400, 'missing k3s-Node-Name header\n')
          if (!(await ctx.checkNodePassword(name, pw)))
            return send(
              403,
              `Node password rejected, duplicate hostname or contents of '/etc/rancher/node/password' may not match server node-passwd entry, try enabling a unique node name with the --with-node-id flag\n`,
            )
          const { cert, key } = ctx.issueKubeletCert(name)
          return send(200, cert + key)
        }
        case '/v1-k3s/client-ca.crt':
        case '/v1-k3s/server-ca.crt':
          return send(200, ctx.caFile(p.slice('/v1-k3s/'.length)))
        default:
          ctx.log?.(`flotilla-sim: supervisor route ${p} is not simulated`)
          return send(404, `flotilla-sim: ${p} is not simulated\n`)
      }
    })().catch((e) => {
      ctx.log?.(`supervisor ${p}: ${e.message}`)
      if (!res.headersSent) send(500, `${e.message}\n`)
    })
    return true
  }
}

async function authenticate(req, ctx) {
  const h = req.headers.authorization ?? ''
  const basic = /^Basic (.+)$/i.exec(h)
  if (basic) {
    const text = Buffer.from(basic[1], 'base64').toString()
    const i = text.indexOf(':')
    const user = text.slice(0, i)
    const pw = text.slice(i + 1)
    if (user === 'server' && eq(pw, ctx.serverPassword)) return 'server'
    if (user === 'node' && (eq(pw, ctx.agentPassword) || eq(pw, ctx.serverPassword))) return 'node'
    return undefined
  }
  const bearer = /^Bearer ([a-z0-9]{6})\.([a-z0-9]{16})$/.exec(h)
  if (bearer && (await ctx.checkBootstrapToken(bearer[1], bearer[2]))) return 'node'
  return undefined
}

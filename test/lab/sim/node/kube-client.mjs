// flotilla-sim: SIMULATOR, not a Kubernetes component. The one Kubernetes API client the
// stand-ins share (kubelet registration, kubeadm's API phases and joins, the controller-manager
// stand-in, k3s). It speaks plain HTTPS + JSON with the credentials of a kubeconfig, as client-go
// does with a rest.Config: client certificate, bearer token, or none (anonymous discovery).
import fs from 'node:fs'
import https from 'node:https'
import { parse } from 'yaml'

/** An API error carrying the server's metav1.Status (reason: NotFound, AlreadyExists, Conflict…). */
export class KubeError extends Error {
  constructor(status, body, method, path) {
    const message = typeof body === 'object' && body?.message ? body.message : String(body ?? '').slice(0, 300)
    super(`${method} ${path}: ${status} ${message}`)
    this.status = status
    this.reason = typeof body === 'object' ? body?.reason : undefined
    this.body = body
  }
}

const data = (inline, file, base) => {
  if (inline) return Buffer.from(inline, 'base64')
  if (file) return fs.readFileSync(file.startsWith('/') ? file : `${base}/${file}`)
  return undefined
}

/** Reads a kubeconfig file (its current context, or `context`) into connection settings. */
export function loadKubeconfig(file, { context } = {}) {
  const doc = parse(fs.readFileSync(file, 'utf8'))
  const base = file.replace(/\/[^/]*$/, '') || '/'
  const ctxName = context ?? doc['current-context']
  const ctx = doc.contexts?.find((c) => c.name === ctxName)?.context
  if (!ctx) throw new Error(`kubeconfig ${file}: context "${ctxName}" not found`)
  const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster
  if (!cluster) throw new Error(`kubeconfig ${file}: cluster "${ctx.cluster}" not found`)
  const user = doc.users?.find((u) => u.name === ctx.user)?.user ?? {}
  return {
    server: cluster.server,
    ca: data(cluster['certificate-authority-data'], cluster['certificate-authority'], base),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    cert: data(user['client-certificate-data'], user['client-certificate'], base),
    key: data(user['client-key-data'], user['client-key'], base),
    token: user.token ?? (user.tokenFile ? fs.readFileSync(user.tokenFile, 'utf8').trim() : undefined),
  }
}

/**
 * A client for one server and one identity.
 *   const api = kubeClient(loadKubeconfig('/etc/kubernetes/admin.conf'))
 *   await api.get('/api/v1/nodes/cp1'); await api.patch('/api/v1/nodes/cp1', {...}, 'strategic')
 * Methods reject with KubeError for any non-2xx answer and with the socket error otherwise.
 */
export function kubeClient({ server, ca, cert, key, token, insecure = false, timeoutMs = 10_000 }) {
  const url = new URL(server)
  const agent = new https.Agent({ ca, cert, key, rejectUnauthorized: !insecure, keepAlive: true, maxSockets: 8 })

  function request(method, path, { body, contentType = 'application/json', accept, query } = {}) {
    const qs = query ? `?${new URLSearchParams(query)}` : ''
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: url.hostname,
          port: url.port || 443,
          path: `${url.pathname.replace(/\/$/, '')}${path}${qs}`,
          method,
          agent,
          timeout: timeoutMs,
          headers: {
            accept: accept ?? 'application/json',
            'user-agent': 'flotilla-sim',
            ...(payload !== undefined
              ? { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }
              : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (res) => {
          const chunks = []
          res.on('data', (c) => chunks.push(c))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            let parsed = text
            try {
              parsed = text ? JSON.parse(text) : undefined
            } catch {
              // not JSON (a plain-text healthz answer or a proxy's error page): keep the text
            }
            if (res.statusCode >= 200 && res.statusCode < 300) resolve(parsed)
            else reject(new KubeError(res.statusCode, parsed, method, path))
          })
          res.on('error', reject)
        },
      )
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out after ${timeoutMs} ms`)))
      req.on('error', reject)
      if (payload !== undefined) req.write(payload)
      req.end()
    })
  }

  const PATCH_TYPES = {
    strategic: 'application/strategic-merge-patch+json',
    merge: 'application/merge-patch+json',
    json: 'application/json-patch+json',
  }

  return {
    server,
    request,
    get: (path, query) => request('GET', path, { query }),
    create: (path, obj) => request('POST', path, { body: obj }),
    update: (path, obj) => request('PUT', path, { body: obj }),
    patch: (path, patch, type = 'strategic') => request('PATCH', path, { body: patch, contentType: PATCH_TYPES[type] }),
    delete: (path, options) => request('DELETE', path, options ? { body: options } : {}),
    /** GET, or undefined on 404. */
    async find(path) {
      try {
        return await request('GET', path)
      } catch (e) {
        if (e instanceof KubeError && e.status === 404) return undefined
        throw e
      }
    },
    /**
     * Watches a collection (`/api/v1/nodes`): calls onEvent({type, object}) per event until
     * close(). Resolves `done` when the server ends the stream.
     */
    watch(path, onEvent, query = {}) {
      const qs = new URLSearchParams({ ...query, watch: 'true' })
      let req
      const done = new Promise((resolve, reject) => {
        req = https.request(
          {
            host: url.hostname,
            port: url.port || 443,
            path: `${url.pathname.replace(/\/$/, '')}${path}?${qs}`,
            method: 'GET',
            agent,
            headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          },
          (res) => {
            if (res.statusCode !== 200) {
              let text = ''
              res.on('data', (c) => (text += c))
              res.on('end', () => reject(new KubeError(res.statusCode, text, 'WATCH', path)))
              return
            }
            let buffer = ''
            res.on('data', (c) => {
              buffer += c
              let nl
              while ((nl = buffer.indexOf('\n')) >= 0) {
                const line = buffer.slice(0, nl).trim()
                buffer = buffer.slice(nl + 1)
                if (line) onEvent(JSON.parse(line))
              }
            })
            res.on('end', resolve)
            res.on('error', reject)
          },
        )
        req.on('error', reject)
        req.end()
      })
      return { done, close: () => req.destroy() }
    },
    close: () => agent.destroy(),
  }
}

// flotilla-sim: SIMULATOR, not a Kubernetes component. A small etcd v3 client for the stand-ins
// (the API server stand-in's storage, kubeadm join/reset and k3s member add/remove). It speaks
// etcd 3.4's JSON gRPC gateway (`/v3/...` on the client port) over mutual TLS, as etcdctl would
// speak gRPC: keys and values are base64 on the wire, plain strings here.
//
//   import { etcdClient } from './etcd-client.mjs'
//   const etcd = etcdClient({ endpoints: ['https://10.0.0.1:2379'], ca, cert, key })  // PEM strings/Buffers
//   // or etcdClientFromFiles({ endpoints, caFile, certFile, keyFile })
//
// Every method returns a promise; failures reject with EtcdError (`.status` HTTP status or 0 for
// "no endpoint answered", `.code` gRPC code, `.message`). Requests go to the endpoint that last
// answered and fail over to the next one on a connection error or timeout.
//
//   get(key)                       → {key, value, createRevision, modRevision, version} | undefined
//   range(prefix, {limit, revision, keysOnly}) → {kvs: [kv…], revision, more, count}
//                                    prefix '' = every key; a key ending in '/' is the usual prefix
//   put(key, value)                → revision (number) of the write
//   create(key, value)             → {succeeded, revision}  succeeds only if the key does not exist
//   update(key, value, modRevision)→ {succeeded, revision, current: kv|undefined}  compare-and-swap
//                                    on the key's mod_revision (the Kubernetes resourceVersion)
//   remove(key, modRevision?)      → {succeeded, revision, prev: kv|undefined}  delete (guarded
//                                    when modRevision is given)
//   del(key)                       → number of keys deleted;  delPrefix(prefix) → number deleted
//   txn(body)                      → the raw /v3/kv/txn answer (body in gateway JSON, base64 keys)
//   watch(prefix, fromRevision, onEvent, {prefix: true, onError}) → {close()}
//                                    events from fromRevision (inclusive; 0 = from now) as
//                                    {type: 'PUT'|'DELETE', key, value, prevValue, modRevision,
//                                    createRevision}; reconnects (to another endpoint if needed)
//                                    from the last seen revision; onError(err) only for fatal ones
//                                    (revision compacted: err.code === 'compacted')
//   members()                      → [{ID, name, peerURLs, clientURLs, isLearner}] (ID: decimal
//                                    string of the uint64; etcdctl prints it in hex: memberIdHex)
//   memberAdd(peerURLs, {isLearner}) → {member, members}
//   memberRemove(id)               → members left; id: decimal string, BigInt or '0x…'/hex from etcdctl
//   status()                       → /v3/maintenance/status of the answering endpoint
//                                    ({version, leader, raftTerm, dbSize, header})
//   revision()                     → the store's current revision (number)
//   close()                        → frees the sockets
import fs from 'node:fs'
import https from 'node:https'

export class EtcdError extends Error {
  constructor(message, { status = 0, code } = {}) {
    super(message)
    this.status = status
    this.code = code
  }
}

const b64 = (s) => Buffer.from(s, 'utf8').toString('base64')
const unb64 = (s) => (s === undefined ? '' : Buffer.from(s, 'base64').toString('utf8'))
/** range_end for "every key with this prefix" (etcd's clientv3.GetPrefixRangeEnd). */
function prefixEnd(prefix) {
  if (prefix === '') return b64('\0')
  const buf = Buffer.from(prefix, 'utf8')
  for (let i = buf.length - 1; i >= 0; i--) {
    if (buf[i] < 0xff) {
      const end = Buffer.from(buf.subarray(0, i + 1))
      end[i]++
      return end.toString('base64')
    }
  }
  return b64('\0')
}
const kv = (k) =>
  k && {
    key: unb64(k.key),
    value: unb64(k.value),
    createRevision: Number(k.create_revision ?? 0),
    modRevision: Number(k.mod_revision ?? 0),
    version: Number(k.version ?? 0),
  }

/** etcdctl prints member IDs in hex. */
export const memberIdHex = (id) => BigInt(id).toString(16)
function memberIdDecimal(id) {
  if (typeof id === 'bigint') return id.toString()
  const s = String(id)
  if (/^0x[0-9a-f]+$/i.test(s)) return BigInt(s).toString()
  if (/^[0-9]+$/.test(s) && s.length > 16) return s // a decimal uint64 (hex IDs are ≤ 16 digits)
  if (/^[0-9a-f]+$/i.test(s)) return BigInt(`0x${s}`).toString()
  throw new EtcdError(`invalid member ID ${s}`)
}

export function etcdClientFromFiles({ endpoints, caFile, certFile, keyFile, timeoutMs }) {
  return etcdClient({
    endpoints,
    ca: fs.readFileSync(caFile),
    cert: fs.readFileSync(certFile),
    key: fs.readFileSync(keyFile),
    timeoutMs,
  })
}

export function etcdClient({ endpoints, ca, cert, key, timeoutMs = 5000 }) {
  if (!endpoints?.length) throw new EtcdError('etcdClient: no endpoints')
  const urls = endpoints.map((e) => new URL(e))
  const agent = new https.Agent({ ca, cert, key, keepAlive: true, maxSockets: 16 })
  let current = 0
  const watches = new Set()

  function post1(url, path, body) {
    const payload = JSON.stringify(body ?? {})
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: url.hostname,
          port: url.port || 2379,
          path,
          method: 'POST',
          agent,
          timeout: timeoutMs,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks = []
          res.on('data', (c) => chunks.push(c))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            let parsed
            try {
              parsed = JSON.parse(text)
            } catch {
              parsed = { message: text }
            }
            if (res.statusCode === 200) resolve(parsed)
            else {
              const e = new EtcdError(`etcd ${path}: ${parsed.message ?? parsed.error ?? text}`, {
                status: res.statusCode,
                code: parsed.code,
              })
              e.http = true
              reject(e)
            }
          })
          res.on('error', reject)
        },
      )
      req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)))
      req.on('error', reject)
      req.end(payload)
    })
  }

  async function post(path, body) {
    const errors = []
    for (let i = 0; i < urls.length; i++) {
      const idx = (current + i) % urls.length
      try {
        const r = await post1(urls[idx], path, body)
        current = idx
        return r
      } catch (e) {
        if (e.http) throw e
        errors.push(`${urls[idx].host}: ${e.message}`)
      }
    }
    throw new EtcdError(`etcd ${path}: no endpoint answered (${errors.join('; ')})`)
  }

  async function range(prefix, { limit, revision, keysOnly } = {}) {
    const r = await post('/v3/kv/range', {
      key: b64(prefix === '' ? '\0' : prefix),
      range_end: prefixEnd(prefix),
      ...(limit ? { limit: String(limit) } : {}),
      ...(revision ? { revision: String(revision) } : {}),
      ...(keysOnly ? { keys_only: true } : {}),
    })
    return {
      kvs: (r.kvs ?? []).map(kv),
      revision: Number(r.header?.revision ?? 0),
      more: r.more === true,
      count: Number(r.count ?? 0),
    }
  }

  const txn = (body) => post('/v3/kv/txn', body)

  function watch(prefix, fromRevision, onEvent, { prefix: isPrefix = true, onError } = {}) {
    let next = fromRevision || 0
    let closed = false
    let req
    let retry
    const w = {
      close() {
        closed = true
        clearTimeout(retry)
        req?.destroy()
        watches.delete(w)
      },
    }
    watches.add(w)
    let attempt = 0
    const connect = () => {
      if (closed) return
      const url = urls[(current + attempt) % urls.length]
      const payload = JSON.stringify({
        create_request: {
          key: b64(prefix),
          ...(isPrefix ? { range_end: prefixEnd(prefix) } : {}),
          ...(next ? { start_revision: String(next) } : {}),
          prev_kv: true,
        },
      })
      const reconnect = () => {
        if (closed) return
        req?.destroy()
        attempt++
        clearTimeout(retry)
        retry = setTimeout(connect, 300)
      }
      req = https.request(
        {
          host: url.hostname,
          port: url.port || 2379,
          path: '/v3/watch',
          method: 'POST',
          agent: new https.Agent({ ca, cert, key }), // a stream of its own, never a pooled socket
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume()
            return reconnect()
          }
          let buffer = ''
          res.setEncoding('utf8')
          res.on('data', (chunk) => {
            buffer += chunk
            let nl
            while ((nl = buffer.indexOf('\n')) >= 0) {
              const line = buffer.slice(0, nl).trim()
              buffer = buffer.slice(nl + 1)
              if (!line) continue
              let msg
              try {
                msg = JSON.parse(line)
              } catch {
                continue
              }
              const result = msg.result ?? {}
              if (msg.error) return reconnect()
              if (result.compact_revision && result.compact_revision !== '0') {
                closed = true
                watches.delete(w)
                req.destroy()
                const e = new EtcdError(
                  `etcd watch ${prefix}: required revision ${next} has been compacted (compact revision ${result.compact_revision})`,
                  { code: 'compacted' },
                )
                e.compactRevision = Number(result.compact_revision)
                onError?.(e)
                return
              }
              if (result.created && !next) next = Number(result.header?.revision ?? 0) + 1
              for (const ev of result.events ?? []) {
                const k = kv(ev.kv)
                next = k.modRevision + 1
                if (closed) return
                onEvent({
                  type: ev.type === 'DELETE' ? 'DELETE' : 'PUT',
                  key: k.key,
                  value: k.value,
                  prevValue: ev.prev_kv ? unb64(ev.prev_kv.value) : undefined,
                  modRevision: k.modRevision,
                  createRevision: k.createRevision,
                })
              }
              if (result.canceled) return reconnect()
            }
          })
          res.on('end', reconnect)
          res.on('error', reconnect)
        },
      )
      req.on('error', reconnect)
      req.end(payload)
    }
    connect()
    return w
  }

  return {
    endpoints,
    async get(key) {
      const r = await post('/v3/kv/range', { key: b64(key) })
      return r.kvs?.length ? kv(r.kvs[0]) : undefined
    },
    range,
    async put(key, value) {
      const r = await post('/v3/kv/put', { key: b64(key), value: b64(value) })
      return Number(r.header?.revision ?? 0)
    },
    async create(key, value) {
      const r = await txn({
        compare: [{ key: b64(key), result: 'EQUAL', target: 'CREATE', create_revision: '0' }],
        success: [{ request_put: { key: b64(key), value: b64(value) } }],
      })
      return { succeeded: r.succeeded === true, revision: Number(r.header?.revision ?? 0) }
    },
    async update(key, value, modRevision) {
      const r = await txn({
        compare: [{ key: b64(key), result: 'EQUAL', target: 'MOD', mod_revision: String(modRevision) }],
        success: [{ request_put: { key: b64(key), value: b64(value) } }],
        failure: [{ request_range: { key: b64(key) } }],
      })
      const succeeded = r.succeeded === true
      return {
        succeeded,
        revision: Number(r.header?.revision ?? 0),
        current: succeeded ? undefined : kv(r.responses?.[0]?.response_range?.kvs?.[0]),
      }
    },
    async remove(key, modRevision) {
      const del = { request_delete_range: { key: b64(key), prev_kv: true } }
      const r = await txn({
        compare:
          modRevision === undefined
            ? [{ key: b64(key), result: 'GREATER', target: 'CREATE', create_revision: '0' }]
            : [{ key: b64(key), result: 'EQUAL', target: 'MOD', mod_revision: String(modRevision) }],
        success: [del],
        failure: [{ request_range: { key: b64(key) } }],
      })
      const succeeded = r.succeeded === true
      return {
        succeeded,
        revision: Number(r.header?.revision ?? 0),
        prev: succeeded
          ? kv(r.responses?.[0]?.response_delete_range?.prev_kvs?.[0])
          : kv(r.responses?.[0]?.response_range?.kvs?.[0]),
      }
    },
    async del(key) {
      const r = await post('/v3/kv/deleterange', { key: b64(key) })
      return Number(r.deleted ?? 0)
    },
    async delPrefix(prefix) {
      const r = await post('/v3/kv/deleterange', {
        key: b64(prefix === '' ? '\0' : prefix),
        range_end: prefixEnd(prefix),
      })
      return Number(r.deleted ?? 0)
    },
    txn,
    watch,
    async members() {
      const r = await post('/v3/cluster/member/list', {})
      return (r.members ?? []).map((m) => ({
        ID: m.ID,
        name: m.name ?? '',
        peerURLs: m.peerURLs ?? [],
        clientURLs: m.clientURLs ?? [],
        isLearner: m.isLearner === true,
      }))
    },
    async memberAdd(peerURLs, { isLearner = false } = {}) {
      const r = await post('/v3/cluster/member/add', { peerURLs, ...(isLearner ? { isLearner: true } : {}) })
      return { member: r.member, members: r.members ?? [] }
    },
    async memberRemove(id) {
      const r = await post('/v3/cluster/member/remove', { ID: memberIdDecimal(id) })
      return r.members ?? []
    },
    status: () => post('/v3/maintenance/status', {}),
    async revision() {
      const r = await post('/v3/kv/range', { key: b64('\0'), limit: '1', keys_only: true, count_only: true })
      return Number(r.header?.revision ?? 0)
    },
    close() {
      for (const w of [...watches]) w.close()
      agent.destroy()
    },
  }
}

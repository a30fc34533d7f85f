// flotilla-sim: SIMULATOR, not a Kubernetes component. The API server stand-in's storage: objects
// as JSON in etcd under <prefix>/<resource>/<namespace>/<name> (upstream's layout: nodes under
// "minions", services under "services/specs"), resourceVersion = the key's etcd mod_revision,
// compare-and-swap writes for optimistic concurrency, and etcd watches for watch requests. A cache
// of every object (fed by one etcd watch) serves authentication and authorization lookups, the
// way the real server uses informers.
import { RESOURCES } from './resources.mjs'
import { alreadyExists, conflict, notFound, ApiError, clone } from './util.mjs'

const byEtcdLength = [...RESOURCES].sort((a, b) => b.etcd.length - a.etcd.length)

export class Store {
  constructor(etcd, prefix = '/registry') {
    this.etcd = etcd
    this.prefix = prefix.replace(/\/$/, '')
    this.cache = new Map() // key → object
    this.cacheRevision = 0
    this.listeners = new Set()
  }

  key(res, ns, name) {
    return `${this.prefix}/${res.etcd}/${res.namespaced ? `${ns}/` : ''}${name}`
  }
  collection(res, ns) {
    return `${this.prefix}/${res.etcd}/${res.namespaced && ns ? `${ns}/` : ''}`
  }
  resourceOfKey(key) {
    const rest = key.slice(this.prefix.length + 1)
    return byEtcdLength.find((r) => rest.startsWith(`${r.etcd}/`))
  }
  decode(kv) {
    const obj = JSON.parse(kv.value)
    obj.metadata ??= {}
    obj.metadata.resourceVersion = String(kv.modRevision)
    return obj
  }
  encode(obj) {
    const o = clone(obj)
    if (o.metadata) delete o.metadata.resourceVersion
    return JSON.stringify(o)
  }

  async find(res, ns, name) {
    const kv = await this.etcd.get(this.key(res, ns, name))
    return kv ? this.decode(kv) : undefined
  }
  async get(res, ns, name) {
    const o = await this.find(res, ns, name)
    if (!o) throw notFound(res, name)
    return o
  }
  async list(res, ns) {
    const r = await this.etcd.range(this.collection(res, ns))
    return { items: r.kvs.map((kv) => this.decode(kv)), revision: r.revision }
  }
  async create(res, ns, obj) {
    const r = await this.etcd.create(this.key(res, ns, obj.metadata.name), this.encode(obj))
    if (!r.succeeded) throw alreadyExists(res, obj.metadata.name)
    const out = clone(obj)
    out.metadata.resourceVersion = String(r.revision)
    return out
  }
  /** Writes obj if the stored version is still `rv` (its resourceVersion); Conflict otherwise. */
  async update(res, ns, obj, rv) {
    const name = obj.metadata.name
    const r = await this.etcd.update(this.key(res, ns, name), this.encode(obj), Number(rv))
    if (!r.succeeded) {
      if (!r.current) throw notFound(res, name)
      throw conflict(res, name)
    }
    const out = clone(obj)
    out.metadata.resourceVersion = String(r.revision)
    return out
  }
  /** Read-modify-write, retried on a concurrent change. mutate(current) returns the new object. */
  async guaranteedUpdate(res, ns, name, mutate) {
    for (let i = 0; i < 20; i++) {
      const cur = await this.get(res, ns, name)
      const rv = cur.metadata.resourceVersion
      const next = await mutate(clone(cur))
      if (!next) return cur
      try {
        return await this.update(res, ns, next, rv)
      } catch (e) {
        if (!(e instanceof ApiError) || e.reason !== 'Conflict') throw e
        if (next.metadata?.resourceVersion && next.metadata.resourceVersion !== rv) throw e
      }
    }
    throw conflict(res, name)
  }
  async delete(res, ns, name, { rv } = {}) {
    const r = await this.etcd.remove(this.key(res, ns, name), rv === undefined ? undefined : Number(rv))
    if (!r.succeeded) {
      if (!r.prev) throw notFound(res, name)
      throw conflict(res, name)
    }
    const out = this.decode({ value: JSON.stringify(JSON.parse(r.prev.value)), modRevision: r.revision })
    return out
  }

  /**
   * Watches a collection from etcd: onEvent(type 'ADDED'|'MODIFIED'|'DELETED', object, previous).
   * fromRevision: the first revision to report.
   */
  watch(res, ns, fromRevision, onEvent, onError) {
    return this.etcd.watch(
      this.collection(res, ns),
      fromRevision,
      (ev) => {
        if (ev.type === 'DELETE') {
          if (ev.prevValue === undefined) return
          const prev = JSON.parse(ev.prevValue)
          prev.metadata.resourceVersion = String(ev.modRevision)
          onEvent('DELETED', prev, undefined)
        } else {
          const obj = this.decode({ value: ev.value, modRevision: ev.modRevision })
          const prev = ev.prevValue ? JSON.parse(ev.prevValue) : undefined
          onEvent(ev.createRevision === ev.modRevision ? 'ADDED' : 'MODIFIED', obj, prev)
        }
      },
      { onError },
    )
  }

  /** Loads everything and follows etcd, for cachedList(). Resolves once loaded. */
  async startCache() {
    const r = await this.etcd.range(`${this.prefix}/`)
    this.cache = new Map(r.kvs.map((kv) => [kv.key, this.decode(kv)]))
    this.cacheRevision = r.revision
    this.cacheWatch = this.etcd.watch(
      `${this.prefix}/`,
      r.revision + 1,
      (ev) => {
        if (ev.type === 'DELETE') this.cache.delete(ev.key)
        else this.cache.set(ev.key, this.decode({ value: ev.value, modRevision: ev.modRevision }))
        this.cacheRevision = ev.modRevision
        for (const l of this.listeners) l(ev)
      },
      {
        // etcd compacted past what the cache saw: relist, as an informer does
        onError: () => {
          if (this.stopped) return
          const retry = () => this.startCache().catch(() => setTimeout(retry, 1000))
          retry()
        },
      },
    )
  }
  cachedList(res, ns) {
    const p = this.collection(res, ns)
    const out = []
    for (const [k, v] of this.cache) if (k.startsWith(p)) out.push(v)
    return out
  }
  cachedGet(res, ns, name) {
    return this.cache.get(this.key(res, ns, name))
  }
  /** Waits until the cache has seen `revision` (after a write through this server). */
  async cacheSync(revision, timeoutMs = 3000) {
    const end = Date.now() + timeoutMs
    while (this.cacheRevision < revision && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
  }
  stop() {
    this.stopped = true
    this.cacheWatch?.close()
  }
}

// flotilla-sim: SIMULATOR, not a Kubernetes component. The API server stand-in as a library: an
// HTTPS server speaking enough of the Kubernetes API for kubectl 1.32, @kubernetes/client-node and
// the other stand-ins, with its state in a real etcd. The CLI `../kube-apiserver.mjs` parses
// kube-apiserver's flags into these options; the k3s stand-in embeds it in-process.
//
//   import { startApiServer } from './apiserver/index.mjs'
//   const api = await startApiServer({
//     bindAddress: '0.0.0.0',        // --bind-address
//     port: 6443,                    // --secure-port
//     advertiseAddress: '10.0.0.1',  // --advertise-address: kubernetes Endpoints, /api CIDR map
//     tlsCert, tlsKey,               // PEM (Buffer|string): the serving certificate
//     clientCAs: [pem…],             // client certificates accepted (--client-ca-file)
//     etcd: {endpoints, ca, cert, key},  // or an etcdClient() instance as `etcdClient`
//     etcdPrefix: '/registry',       // --etcd-prefix
//     enableBootstrapTokenAuth: true,
//     anonymousAuth: true,           // --anonymous-auth
//     authorizationModes: ['Node', 'RBAC'],   // or ['AlwaysAllow']
//     admissionPlugins: ['NodeRestriction'],
//     serviceClusterIPRange: '10.96.0.0/12',
//     authenticators: [async (token, req) => ({name, groups}) | undefined],   // extra bearer tokens
//     extraRoutes: async (req, res, ctx) => boolean,  // called first for every request; true =
//                                    // handled. ctx: {url, authenticate() → user (throws 401),
//                                    // store, etcd, sendJSON(res, code, obj), sendError(res, err)}
//     seed: true,                    // namespaces, bootstrap RBAC policy, default/kubernetes service
//     log: (line) => {},             // one line per notable event (default: stderr)
//   })
//   api.port, api.url, api.store, api.etcd, await api.close()
//
// Resolves once the server listens (etcd may still be unreachable: /readyz says so, requests
// answer 500/503 until it is reachable, as the real server's storage errors do).
import https from 'node:https'
import { etcdClient as makeEtcdClient } from '../etcd-client.mjs'
import { authenticate, authorize, bootstrapPolicy, forbidden, nodeRestriction } from './auth.mjs'
import { parse as parseYAML } from 'yaml'
import { jsonPatch, mergePatch, strategicMerge } from './patch.mjs'
import { ESTABLISH_DELAY_MS, crdDefaults, crdErrors, crdResources, crdStatus, crValidation } from './crd.mjs'
import { fieldSet, previousApply, pruneOwned, withApplyEntry } from './ssa.mjs'
import { RESOURCES, SUBRESOURCE_KINDS, GROUPS, findResource, apiVersionOf } from './resources.mjs'
import { decodeAccessReview } from './protobuf.mjs'
import { openapiV3 } from './openapi.mjs'
import { unknownFields, valueErrors } from './schema.mjs'
import { Store } from './store.mjs'
import { toTable } from './tables.mjs'
import {
  ApiError,
  badRequest,
  clone,
  fieldsMatch,
  invalid,
  labelSelectorMatches,
  labelsMatch,
  notFound,
  now,
  parseFieldSelector,
  parseLabelSelector,
  uid,
} from './util.mjs'

export const VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '59526cd4867447956156ae3a602fcbac5b0d7cc1',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T16:03:13Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
}

const res = (group, plural) => RESOURCES.find((r) => r.group === group && r.plural === plural)
const GENERATION = new Set([
  'daemonsets',
  'deployments',
  'replicasets',
  'statefulsets',
  'poddisruptionbudgets',
  'networkpolicies',
  'customresourcedefinitions',
])

/** JSON with object keys sorted, for comparing objects whatever order their keys came in. */
const canonical = (v) =>
  JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, x[k]]),
        )
      : x,
  )

export function sendJSON(response, code, obj, headers = {}) {
  const body = JSON.stringify(obj)
  response.writeHead(code, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    ...headers,
  })
  response.end(body)
}
function sendError(response, err, log) {
  if (!(err instanceof ApiError)) {
    const msg = err?.message ?? String(err)
    log?.(`internal error: ${err?.stack ?? msg}`)
    const etcdDown = /no endpoint answered|etcd/.test(msg)
    err = etcdDown
      ? new ApiError(
          503,
          'ServiceUnavailable',
          `etcdserver: request timed out, possibly due to connection lost: ${msg}`,
        )
      : new ApiError(500, 'InternalError', `Internal error occurred: ${msg}`)
  }
  if (!response.headersSent) sendJSON(response, err.code, err.status())
  else response.end()
}

function readBody(req, raw = false) {
  return new Promise((resolve, reject) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => resolve(raw ? Buffer.concat(chunks) : Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}
function parseJSON(text) {
  try {
    return JSON.parse(text)
  } catch (e) {
    throw badRequest(`the object provided is unrecognized or malformed: ${e.message}`)
  }
}

/** Next free ClusterIP in the range (first address is the kubernetes service's). */
function ipRange(cidr) {
  const [ip, bits] = cidr.split('/')
  const n = ip.split('.').reduce((a, o) => a * 256 + Number(o), 0)
  const size = 2 ** (32 - Number(bits))
  const base = n - (n % size)
  const toIp = (x) => [24, 16, 8, 0].map((s) => Math.floor(x / 2 ** s) % 256).join('.')
  return { first: toIp(base + 1), at: (i) => toIp(base + 1 + i), size }
}

/** The defaults the real server's SetDefaults_PodSpec / SetDefaults_Container apply (the common ones). */
export function podSpecDefaults(spec) {
  if (!spec || typeof spec !== 'object') return
  spec.restartPolicy ??= 'Always'
  spec.terminationGracePeriodSeconds ??= 30
  spec.dnsPolicy ??= 'ClusterFirst'
  spec.schedulerName ??= 'default-scheduler'
  spec.securityContext ??= {}
  if (spec.serviceAccountName && !spec.serviceAccount) spec.serviceAccount = spec.serviceAccountName
  spec.enableServiceLinks ??= true
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    if (!c || typeof c !== 'object') continue
    c.terminationMessagePath ??= '/dev/termination-log'
    c.terminationMessagePolicy ??= 'File'
    const tag = /:([^/:@]+)$/.exec(c.image ?? '')?.[1]
    c.imagePullPolicy ??=
      !tag || tag === 'latest' ? (/@sha256:/.test(c.image ?? '') ? 'IfNotPresent' : 'Always') : 'IfNotPresent'
    c.resources ??= {}
    for (const port of c.ports ?? []) port.protocol ??= 'TCP'
  }
}
/** apps/v1 defaults (SetDefaults_DaemonSet, _Deployment, _ReplicaSet, _StatefulSet). */
function appsDefaults(plural, spec) {
  podSpecDefaults(spec.template?.spec)
  spec.revisionHistoryLimit ??= 10
  if (plural === 'daemonsets') {
    spec.updateStrategy ??= { type: 'RollingUpdate' }
    if (spec.updateStrategy.type === 'RollingUpdate')
      spec.updateStrategy.rollingUpdate = {
        maxUnavailable: 1,
        maxSurge: 0,
        ...(spec.updateStrategy.rollingUpdate ?? {}),
      }
  }
  if (plural === 'deployments') {
    spec.replicas ??= 1
    spec.progressDeadlineSeconds ??= 600
    spec.strategy ??= { type: 'RollingUpdate' }
    if (spec.strategy.type === 'RollingUpdate')
      spec.strategy.rollingUpdate = { maxUnavailable: '25%', maxSurge: '25%', ...(spec.strategy.rollingUpdate ?? {}) }
  }
  if (plural === 'replicasets') {
    spec.replicas ??= 1
    delete spec.revisionHistoryLimit
  }
  if (plural === 'statefulsets') {
    spec.replicas ??= 1
    spec.podManagementPolicy ??= 'OrderedReady'
    spec.updateStrategy ??= { type: 'RollingUpdate' }
    if (spec.updateStrategy.type === 'RollingUpdate')
      spec.updateStrategy.rollingUpdate = { partition: 0, ...(spec.updateStrategy.rollingUpdate ?? {}) }
    spec.persistentVolumeClaimRetentionPolicy ??= { whenDeleted: 'Retain', whenScaled: 'Retain' }
  }
}

export async function startApiServer(options) {
  const o = {
    bindAddress: '0.0.0.0',
    port: 6443,
    etcdPrefix: '/registry',
    enableBootstrapTokenAuth: true,
    anonymousAuth: true,
    authorizationModes: ['Node', 'RBAC'],
    admissionPlugins: ['NodeRestriction'],
    serviceClusterIPRange: '10.96.0.0/12',
    authenticators: [],
    seed: true,
    log: (line) => process.stderr.write(`${line}\n`),
    ...options,
  }
  const log = o.log
  const etcd = o.etcdClient ?? makeEtcdClient(o.etcd)
  const store = new Store(etcd, o.etcdPrefix)
  const services = ipRange(o.serviceClusterIPRange)
  let ready = false
  let closed = false
  const openWatches = new Set()

  // Storage start: load the cache (retrying while etcd is unreachable), then seed.
  const started = (async () => {
    for (let attempt = 0; !closed; attempt++) {
      try {
        await store.startCache()
        break
      } catch (e) {
        if (attempt % 10 === 0) log(`storage: waiting for etcd: ${e.message}`)
        await new Promise((r) => setTimeout(r, 1000))
      }
    }
    if (closed) return
    if (o.seed) await seed().catch((e) => log(`seed: ${e.message}`))
    startCrdControllers()
    ready = true
  })()

  // -- custom resources -------------------------------------------------------------------------
  const crdRes = res('apiextensions.k8s.io', 'customresourcedefinitions')
  const crdPrefix = store.collection(crdRes)
  let crdCache = { revision: -1, list: [] }
  /** The resources of the established CRDs, as the cache sees them. */
  function customResources() {
    if (crdCache.revision !== store.cacheRevision)
      crdCache = { revision: store.cacheRevision, list: store.cachedList(crdRes).flatMap(crdResources) }
    return crdCache.list
  }
  const allResources = () => [...RESOURCES, ...customResources()]
  const lookup = (group, version, plural) =>
    findResource(group, version, plural) ??
    customResources().find((r) => r.group === group && r.version === version && r.plural === plural)
  // The naming and establishing controllers (upstream runs them in every API server, as here).
  const crdTimers = new Map()
  function startCrdControllers() {
    const schedule = (name) => {
      clearTimeout(crdTimers.get(name))
      crdTimers.set(
        name,
        setTimeout(() => {
          crdTimers.delete(name)
          establish(name).catch((e) => log(`crd controller: ${name}: ${e.message}`))
        }, ESTABLISH_DELAY_MS),
      )
    }
    store.listeners.add((ev) => {
      if (ev.type !== 'DELETE' && ev.key.startsWith(crdPrefix)) schedule(ev.key.slice(crdPrefix.length))
    })
    for (const c of store.cachedList(crdRes)) schedule(c.metadata.name)
  }
  async function establish(name) {
    if (closed) return
    if (!store.cachedGet(crdRes, undefined, name)) return
    await store.guaranteedUpdate(crdRes, undefined, name, (crd) => {
      const status = crdStatus(crd, store.cachedList(crdRes))
      if (!status) return undefined
      crd.status = status
      return crd
    })
  }

  async function ensure(r, obj) {
    const ns = obj.metadata.namespace
    if (await store.find(r, ns, obj.metadata.name)) return
    obj.metadata.uid = uid()
    obj.metadata.creationTimestamp = now()
    await store.create(r, ns, obj).catch((e) => {
      if (e.reason !== 'AlreadyExists') throw e
    })
  }
  async function seed() {
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
      await ensure(res('', 'namespaces'), {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      })
    for (const [name, value, description] of [
      [
        'system-node-critical',
        2000001000,
        'Used for system critical pods that must not be moved from their current node.',
      ],
      [
        'system-cluster-critical',
        2000000000,
        'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.',
      ],
    ])
      await ensure(res('scheduling.k8s.io', 'priorityclasses'), {
        apiVersion: 'scheduling.k8s.io/v1',
        kind: 'PriorityClass',
        metadata: { name },
        value,
        description,
        preemptionPolicy: 'PreemptLowerPriority',
      })
    const { roles, bindings } = bootstrapPolicy()
    for (const r of roles) await ensure(res('rbac.authorization.k8s.io', 'clusterroles'), r)
    for (const b of bindings) await ensure(res('rbac.authorization.k8s.io', 'clusterrolebindings'), b)
    await ensure(res('', 'services'), {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'kubernetes',
        namespace: 'default',
        labels: { component: 'apiserver', provider: 'kubernetes' },
      },
      spec: {
        type: 'ClusterIP',
        clusterIP: services.first,
        clusterIPs: [services.first],
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: o.port }],
        sessionAffinity: 'None',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        internalTrafficPolicy: 'Cluster',
      },
      status: { loadBalancer: {} },
    })
    if (o.advertiseAddress) {
      const ep = res('', 'endpoints')
      await ensure(ep, {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: {
          name: 'kubernetes',
          namespace: 'default',
          labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
        },
        subsets: [],
      })
      await reconcileEndpoints()
      leaseTimer = setInterval(() => reconcileEndpoints().catch((e) => log(`endpoint reconciler: ${e.message}`)), 5000)
    }
  }

  // The "lease" endpoint reconciler: every API server keeps a master lease (upstream: an etcd key
  // under <prefix>/masterleases/<ip> with a 15 s TTL; here a timestamp) and the default/kubernetes
  // Endpoints list the addresses whose lease is fresh, so a stopped or powered-off API server drops out.
  const LEASE_TTL_MS = 15_000
  let leaseTimer
  const leaseKey = (ip) => `${store.prefix}/masterleases/${ip}`
  async function reconcileEndpoints({ leaving = false } = {}) {
    if (!o.advertiseAddress) return
    if (leaving) await etcd.del(leaseKey(o.advertiseAddress))
    else await etcd.put(leaseKey(o.advertiseAddress), JSON.stringify({ ip: o.advertiseAddress, renewTime: Date.now() }))
    const { kvs } = await etcd.range(`${store.prefix}/masterleases/`)
    const fresh = kvs
      .map((kv) => JSON.parse(kv.value))
      .filter((l) => Date.now() - l.renewTime < LEASE_TTL_MS)
      .map((l) => l.ip)
      .sort()
    const ep = res('', 'endpoints')
    await store.guaranteedUpdate(ep, 'default', 'kubernetes', (cur) => {
      const ips = (cur.subsets?.[0]?.addresses ?? []).map((a) => a.ip)
      if (JSON.stringify(ips) === JSON.stringify(fresh)) return undefined
      cur.subsets = fresh.length
        ? [{ addresses: fresh.map((ip) => ({ ip })), ports: [{ name: 'https', port: o.port, protocol: 'TCP' }] }]
        : []
      return cur
    })
  }

  async function etcdHealthy() {
    try {
      await Promise.race([etcd.status(), new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), 2000))])
      return true
    } catch {
      return false
    }
  }

  // ---------------------------------------------------------------------------------------------
  async function handle(req, response) {
    const url = new URL(req.url, 'https://apiserver')
    if (o.extraRoutes) {
      let cached
      const ctx = {
        url,
        store,
        etcd,
        authenticate: async () => (cached ??= await authenticate(req, authnCtx)),
        sendJSON,
        sendError: (r, e) => sendError(r, e, log),
      }
      if (await o.extraRoutes(req, response, ctx)) return
    }
    const user = await authenticate(req, authnCtx)
    const path = url.pathname.replace(/\/+$/, '') || '/'
    const q = url.searchParams
    const check = (a) => {
      const attrs = { user, ...a }
      const r = authorize(store, o.authorizationModes, attrs)
      if (!r.allowed) throw forbidden(attrs, r.reason)
    }

    // non-resource endpoints
    if (['/healthz', '/livez', '/readyz'].includes(path) || /^\/(healthz|livez|readyz)\//.test(path)) {
      check({ isResource: false, verb: req.method.toLowerCase(), path: url.pathname })
      const which = path.split('/')[1]
      const checks = [
        ['ping', true],
        ['log', true],
      ]
      if (which !== 'livez') checks.push(['etcd', await etcdHealthy()])
      if (which === 'readyz') checks.push(['informer-sync', ready], ['poststarthook/rbac/bootstrap-roles', ready])
      const sub = path.split('/')[2]
      if (sub) {
        const c = checks.find(([n]) => n === sub)
        if (!c) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource')
        response.writeHead(c[1] ? 200 : 500, { 'content-type': 'text/plain; charset=utf-8' })
        return response.end(c[1] ? 'ok' : `internal server error: ${sub} check failed\n`)
      }
      const ok = checks.every(([, v]) => v)
      const lines = checks.map(([n, v]) => (v ? `[+]${n} ok` : `[-]${n} failed: reason withheld`)).join('\n')
      response.writeHead(ok ? 200 : 500, {
        'content-type': 'text/plain; charset=utf-8',
        'x-content-type-options': 'nosniff',
      })
      if (ok && !q.has('verbose')) return response.end('ok')
      return response.end(`${lines}\n${ok ? `${which} check passed` : `${which} check failed`}\n`)
    }
    if (path === '/version') {
      check({ isResource: false, verb: 'get', path: url.pathname })
      return sendJSON(response, 200, VERSION)
    }
    if (
      path === '/api' ||
      path === '/apis' ||
      /^\/apis\/[^/]+$/.test(path) ||
      path === '/api/v1' ||
      /^\/apis\/[^/]+\/[^/]+$/.test(path)
    ) {
      check({ isResource: false, verb: 'get', path: url.pathname })
      if (req.method !== 'GET')
        throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`)
      const d = discovery(path)
      if (!d) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource')
      return sendJSON(response, 200, d)
    }
    if (path.startsWith('/openapi')) {
      check({ isResource: false, verb: 'get', path: url.pathname })
      const doc = path.startsWith('/openapi/v3') ? openapiV3(path.slice('/openapi/v3'.length)) : undefined
      if (!doc) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource')
      return sendJSON(response, 200, doc)
    }

    // resource endpoints
    let m = /^\/api\/(v1)\/(.*)$/.exec(path)
    let group = ''
    let version
    let rest
    if (m) [, version, rest] = m
    else if ((m = /^\/apis\/([^/]+)\/([^/]+)\/(.*)$/.exec(path))) [, group, version, rest] = m
    else {
      check({ isResource: false, verb: req.method.toLowerCase(), path: url.pathname })
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource')
    }
    let parts = rest.split('/').map(decodeURIComponent)
    let namespace
    if (parts[0] === 'namespaces' && parts.length >= 3 && lookup(group, version, parts[2])?.namespaced) {
      namespace = parts[1]
      parts = parts.slice(2)
    }
    const [plural, name, subresource, ...extra] = parts
    const r = lookup(group, version, plural)
    const method = req.method
    const isWatch = method === 'GET' && (q.get('watch') === 'true' || q.get('watch') === '1')
    const verb = {
      GET: name ? 'get' : isWatch ? 'watch' : 'list',
      POST: 'create',
      PUT: 'update',
      PATCH: 'patch',
      DELETE: name ? 'delete' : 'deletecollection',
    }[method]
    const attrs = { isResource: true, verb, group, resource: plural, subresource, namespace, name }
    if (
      !r ||
      extra.length ||
      (subresource && !r.subresources.includes(subresource)) ||
      (r.namespaced && !namespace && name && plural !== 'namespaces')
    ) {
      check(attrs)
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource')
    }
    if (!verb)
      throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')
    // a cluster-scoped resource under /namespaces/x/ is not found
    if (!r.namespaced) attrs.namespace = undefined
    if (r.plural === 'namespaces' && name) attrs.namespace = name
    check(attrs)
    if (r.virtual) {
      if (method !== 'POST')
        throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')
      const isProto = /protobuf/.test(req.headers['content-type'] ?? '')
      const body = isProto ? decodeAccessReview(await readBody(req, true)) : parseJSON(await readBody(req))
      return sendJSON(response, 201, review(r, body, user))
    }
    if (/protobuf/.test(req.headers['content-type'] ?? ''))
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `flotilla-sim: protobuf request bodies are not simulated; send application/json`,
      )
    if (!ready) await Promise.race([started, new Promise((r2) => setTimeout(r2, 5000))])
    const ctx = { r, namespace: r.namespaced ? namespace : undefined, name, subresource, user, q, attrs, req, response }

    if (subresource && !['status', 'approval', 'eviction', 'binding'].includes(subresource))
      throw new ApiError(500, 'InternalError', `flotilla-sim: ${plural}/${subresource} is not simulated`)
    switch (verb) {
      case 'list':
        return doList(ctx)
      case 'watch':
        return doWatch(ctx)
      case 'get':
        return doGet(ctx)
      case 'create':
        if (subresource === 'eviction') return doEviction(ctx, parseJSON(await readBody(req)))
        if (subresource === 'binding') return doBinding(ctx, parseJSON(await readBody(req)))
        if (name)
          throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource')
        return doCreate(ctx, parseJSON(await readBody(req)))
      case 'update':
        return doUpdate(ctx, parseJSON(await readBody(req)))
      case 'patch':
        return doPatch(ctx, await readBody(req))
      case 'delete':
        return doDelete(ctx, await readBody(req))
      case 'deletecollection':
        return doDeleteCollection(ctx)
    }
  }

  const lookupNode = (name) => store.cachedGet(res('', 'nodes'), undefined, name)
  const authnCtx = {
    store,
    bootstrapTokens: o.enableBootstrapTokenAuth,
    authenticators: o.authenticators,
    anonymous: o.anonymousAuth,
  }

  // ---------------------------------------------------------------------------------------------
  function discovery(path) {
    if (path === '/api')
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [
          { clientCIDR: '0.0.0.0/0', serverAddress: `${o.advertiseAddress ?? o.bindAddress}:${o.port}` },
        ],
      }
    const every = allResources()
    const groups = [...GROUPS, ...new Set(customResources().map((r) => r.group))].filter(
      (g, i, a) => a.indexOf(g) === i,
    )
    const groupDoc = (g) => {
      const vs = [...new Set(every.filter((x) => x.group === g).map((x) => x.version))]
      return {
        name: g,
        versions: vs.map((v) => ({ groupVersion: `${g}/${v}`, version: v })),
        preferredVersion: { groupVersion: `${g}/${vs[0]}`, version: vs[0] },
      }
    }
    if (path === '/apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map(groupDoc) }
    let m
    if ((m = /^\/apis\/([^/]+)$/.exec(path)))
      return groups.includes(m[1]) ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDoc(m[1]) } : undefined
    let group = ''
    let version = 'v1'
    if ((m = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path))) [, group, version] = m
    const list = every.filter((r) => r.group === group && r.version === version)
    if (!list.length) return undefined
    const resources = []
    for (const r of list) {
      resources.push({
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: r.verbs,
        ...(r.shortNames ? { shortNames: r.shortNames } : {}),
        ...(r.categories ? { categories: r.categories } : {}),
      })
      for (const s of r.subresources) {
        const k = SUBRESOURCE_KINDS[`${r.plural}/${s}`] ?? { kind: r.kind, verbs: ['get', 'patch', 'update'] }
        resources.push({
          name: `${r.plural}/${s}`,
          singularName: '',
          namespaced: r.namespaced,
          ...(k.group !== undefined ? { group: k.group, version: k.version } : {}),
          kind: k.kind,
          verbs: k.verbs,
        })
      }
    }
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources,
    }
  }

  // ---------------------------------------------------------------------------------------------
  const wantsTable = (req) => /as=Table/.test(req.headers.accept ?? '')
  const typed = (r, obj) => ({ apiVersion: apiVersionOf(r), kind: r.kind, ...obj })
  function selectors(ctx) {
    return {
      labels: parseLabelSelector(ctx.q.get('labelSelector') ?? ''),
      fields: parseFieldSelector(ctx.q.get('fieldSelector') ?? '', ctx.r.fields),
    }
  }
  const matches = (sel, obj) => labelsMatch(sel.labels, obj.metadata?.labels) && fieldsMatch(sel.fields, obj)

  async function doList(ctx) {
    const { r, q, req, response } = ctx
    const sel = selectors(ctx)
    const { items, revision } = await store.list(r, ctx.namespace)
    const selected = items.filter((i) => matches(sel, i)).map((i) => typed(r, i))
    if (wantsTable(req))
      return sendJSON(
        response,
        200,
        toTable(r, selected, {
          resourceVersion: String(revision),
          includeObject: q.get('includeObject') ?? 'Metadata',
        }),
      )
    sendJSON(response, 200, {
      kind: `${r.kind}List`,
      apiVersion: apiVersionOf(r),
      metadata: { resourceVersion: String(revision) },
      items: selected,
    })
  }

  async function doGet(ctx) {
    const { r, req, response, q } = ctx
    const obj = typed(r, await store.get(r, ctx.namespace, ctx.name))
    if (wantsTable(req))
      return sendJSON(
        response,
        200,
        toTable(r, [obj], {
          resourceVersion: obj.metadata.resourceVersion,
          includeObject: q.get('includeObject') ?? 'Metadata',
        }),
      )
    sendJSON(response, 200, obj)
  }

  async function doWatch(ctx) {
    const { r, q, req, response } = ctx
    const sel = selectors(ctx)
    const table = wantsTable(req)
    response.writeHead(200, {
      'content-type': 'application/json',
      'transfer-encoding': 'chunked',
      'cache-control': 'no-cache',
    })
    response.flushHeaders()
    const send = (type, obj) => {
      const object =
        type === 'ERROR'
          ? obj
          : table
            ? toTable(r, [typed(r, obj)], {
                resourceVersion: obj.metadata.resourceVersion,
                includeObject: q.get('includeObject') ?? 'Metadata',
              })
            : typed(r, obj)
      response.write(`${JSON.stringify({ type, object })}\n`)
    }
    let rv = q.get('resourceVersion') ?? ''
    let from
    if (rv === '' || rv === '0') {
      const { items, revision } = await store.list(r, ctx.namespace)
      for (const i of items) if (matches(sel, i)) send('ADDED', i)
      from = revision + 1
    } else {
      if (!/^\d+$/.test(rv)) throw badRequest(`invalid resource version: ${rv}`)
      from = Number(rv) + 1
    }
    if (q.get('allowWatchBookmarks') === 'true' && q.get('sendInitialEvents') === 'true')
      send('BOOKMARK', {
        kind: r.kind,
        apiVersion: apiVersionOf(r),
        metadata: { resourceVersion: String(from - 1), annotations: { 'k8s.io/initial-events-end': 'true' } },
      })
    const w = store.watch(
      r,
      ctx.namespace,
      from,
      (type, obj, prev) => {
        const now = type !== 'DELETED' && matches(sel, obj)
        const before = prev ? matches(sel, prev) : false
        if (type === 'DELETED') {
          if (matches(sel, obj)) send('DELETED', obj)
        } else if (now && (type === 'ADDED' || !before))
          send(type === 'ADDED' ? 'ADDED' : before ? 'MODIFIED' : 'ADDED', obj)
        else if (now) send('MODIFIED', obj)
        else if (before) send('DELETED', obj)
      },
      (err) => {
        send('ERROR', {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: ${rv} (${err.compactRevision ?? 0})`,
          reason: 'Expired',
          code: 410,
        })
        finish()
      },
    )
    const timeout = Number(q.get('timeoutSeconds') ?? 1800)
    const timer = setTimeout(() => finish(), timeout * 1000)
    const entry = { finish: () => finish() }
    openWatches.add(entry)
    function finish() {
      clearTimeout(timer)
      w.close()
      openWatches.delete(entry)
      response.end()
    }
    req.on('close', finish)
  }

  // -- writes -----------------------------------------------------------------------------------
  function checkTypeMeta(r, obj) {
    if (!obj || typeof obj !== 'object' || Array.isArray(obj))
      throw badRequest('the object provided is unrecognized or malformed')
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersionOf(r))
      throw badRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersionOf(r)})`,
      )
    if (obj.kind !== undefined && obj.kind !== r.kind)
      throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${r.kind})`)
    obj.apiVersion = apiVersionOf(r)
    obj.kind = r.kind
    obj.metadata ??= {}
  }
  const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
  const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
  function validateName(r, name) {
    const causes = []
    if (!name)
      causes.push({
        field: 'metadata.name',
        message: 'Required value: name or generateName is required',
        reason: 'FieldValueRequired',
      })
    else if (
      r.plural === 'namespaces' ? !LABEL.test(name) || name.length > 63 : !NAME.test(name) || name.length > 253
    ) {
      if (
        !['roles', 'clusterroles', 'rolebindings', 'clusterrolebindings', 'certificatesigningrequests'].includes(
          r.plural,
        ) ||
        /[/%]/.test(name) ||
        name === '.' ||
        name === '..'
      )
        causes.push({
          field: 'metadata.name',
          message: `Invalid value: "${name}": a lowercase RFC 1123 ${r.plural === 'namespaces' ? 'label' : 'subdomain'} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
        })
    }
    if (causes.length) throw invalid(r, name ?? '', causes)
  }

  async function prepareCreate(ctx, obj) {
    const { r, user } = ctx
    checkTypeMeta(r, obj)
    const md = obj.metadata
    if (!md.name && md.generateName) md.name = `${md.generateName}${Math.random().toString(36).slice(2, 7)}`
    validateName(r, md.name)
    if (r.namespaced) {
      if (md.namespace && md.namespace !== ctx.namespace)
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request')
      md.namespace = ctx.namespace
      const ns = await store.find(res('', 'namespaces'), undefined, ctx.namespace)
      if (!ns) throw notFound(res('', 'namespaces'), ctx.namespace)
      if (ns.status?.phase === 'Terminating')
        throw new ApiError(
          403,
          'Forbidden',
          `${r.plural} "${md.name}" is forbidden: unable to create new content in namespace ${ctx.namespace} because it is being terminated`,
        )
    } else delete md.namespace
    md.uid = uid()
    md.creationTimestamp = now()
    delete md.resourceVersion
    delete md.deletionTimestamp
    if (GENERATION.has(r.plural) || r.crd) md.generation = 1
    switch (r.plural) {
      case 'namespaces':
        md.labels = { ...(md.labels ?? {}), 'kubernetes.io/metadata.name': md.name }
        obj.spec = { finalizers: ['kubernetes'], ...(obj.spec ?? {}) }
        obj.status = { phase: 'Active' }
        break
      case 'pods':
        obj.spec ??= {}
        podSpecDefaults(obj.spec)
        // the Priority admission plugin (on by default in the real server)
        if (obj.spec.priorityClassName) {
          const pc = await store.find(
            res('scheduling.k8s.io', 'priorityclasses'),
            undefined,
            obj.spec.priorityClassName,
          )
          if (!pc)
            throw new ApiError(
              403,
              'Forbidden',
              `pods "${md.name}" is forbidden: no PriorityClass with name ${obj.spec.priorityClassName} was found`,
              {
                name: md.name,
                kind: 'pods',
              },
            )
          obj.spec.priority = pc.value
          obj.spec.preemptionPolicy ??= pc.preemptionPolicy ?? 'PreemptLowerPriority'
        } else obj.spec.priority ??= 0
        obj.spec.schedulerName ??= 'default-scheduler'
        obj.spec.restartPolicy ??= 'Always'
        obj.spec.serviceAccountName ??= 'default'
        obj.spec.tolerations ??= []
        obj.status = { phase: 'Pending', qosClass: 'BestEffort', ...(obj.status?.phase ? obj.status : {}) }
        break
      case 'secrets':
        if (obj.stringData) {
          obj.data = { ...(obj.data ?? {}) }
          for (const [k, v] of Object.entries(obj.stringData)) obj.data[k] = Buffer.from(String(v)).toString('base64')
          delete obj.stringData
        }
        obj.type ??= 'Opaque'
        break
      case 'services':
        obj.spec ??= {}
        obj.spec.type ??= 'ClusterIP'
        if (obj.spec.clusterIP !== 'None' && !obj.spec.clusterIP) {
          const used = new Set(store.cachedList(r).map((s) => s.spec?.clusterIP))
          for (let i = 9; i < services.size - 2; i++) {
            if (!used.has(services.at(i))) {
              obj.spec.clusterIP = services.at(i)
              break
            }
          }
          obj.spec.clusterIPs = [obj.spec.clusterIP]
        }
        break
      case 'customresourcedefinitions':
        if (obj.spec && typeof obj.spec === 'object') crdDefaults(obj)
        obj.status = {}
        break
      case 'certificatesigningrequests':
        validateCSR(r, obj)
        obj.spec.username = user.name
        obj.spec.groups = user.groups
        if (user.uid) obj.spec.uid = user.uid
        obj.status = {}
        break
      case 'daemonsets':
      case 'deployments':
      case 'replicasets':
      case 'statefulsets':
        obj.status = {}
        if (!obj.spec?.selector)
          throw invalid(r, md.name, [
            { field: 'spec.selector', message: 'Required value', reason: 'FieldValueRequired' },
          ])
        if (!labelSelectorMatches(obj.spec.selector, obj.spec.template?.metadata?.labels))
          throw invalid(r, md.name, [
            {
              field: 'spec.template.metadata.labels',
              message: `Invalid value: ${JSON.stringify(obj.spec.template?.metadata?.labels ?? {})}: \`selector\` does not match template \`labels\``,
            },
          ])
        appsDefaults(r.plural, obj.spec)
        break
    }
    return obj
  }
  function validateCSR(r, obj) {
    const causes = []
    const reqPem = obj.spec?.request ? Buffer.from(obj.spec.request, 'base64').toString('utf8') : ''
    if (!obj.spec?.request)
      causes.push({ field: 'spec.request', message: 'Required value', reason: 'FieldValueRequired' })
    else if (!/-----BEGIN CERTIFICATE REQUEST-----/.test(reqPem))
      causes.push({
        field: 'spec.request',
        message: 'Invalid value: []byte{...}: PEM block type must be CERTIFICATE REQUEST',
      })
    if (!obj.spec?.signerName)
      causes.push({ field: 'spec.signerName', message: 'Required value', reason: 'FieldValueRequired' })
    else if (!/^[a-z0-9.-]+\/[a-zA-Z0-9._-]+$/.test(obj.spec.signerName))
      causes.push({
        field: 'spec.signerName',
        message: `Invalid value: "${obj.spec.signerName}": must be a fully qualified domain and path of the form 'example.com/signer-name'`,
      })
    if (!obj.spec?.usages?.length)
      causes.push({ field: 'spec.usages', message: 'Required value', reason: 'FieldValueRequired' })
    if (causes.length) throw invalid(r, obj.metadata.name, causes)
  }

  /** fieldValidation: Strict → 400, Warn (default) → Warning header + dropped, Ignore → dropped. */
  function validateFields(ctx, obj) {
    const mode = ctx.q.get('fieldValidation') ?? 'Warn'
    if (!['Strict', 'Warn', 'Ignore'].includes(mode))
      throw badRequest(`fieldValidation parameter unsupported: ${mode}, must be one of Ignore, Warn, Strict`)
    const unknown = ctx.r.schema ? crValidation(ctx.r.schema, obj).unknown : unknownFields(ctx.r.kind, obj)
    if (!unknown.length) return
    if (mode === 'Strict')
      throw badRequest(
        `${ctx.r.kind} in version "${ctx.r.version}" cannot be handled as a ${ctx.r.kind}: strict decoding error: ${unknown.map((u) => `unknown field "${u.path}"`).join(', ')}`,
      )
    if (mode === 'Warn')
      ctx.response.setHeader(
        'Warning',
        unknown.map((u) => `299 - "unknown field \\"${u.path}\\""`),
      )
    for (const u of unknown) delete u.parent[u.key]
  }

  async function doCreate(ctx, obj) {
    const { r, user, response, q } = ctx
    if (obj && typeof obj === 'object' && !Array.isArray(obj)) validateFields(ctx, obj)
    await prepareCreate(ctx, obj)
    const createErrors = kindErrors(r, obj)
    if (createErrors.length) throw invalid(r, obj.metadata.name, createErrors)
    if (o.admissionPlugins.includes('NodeRestriction'))
      nodeRestriction(user, { ...ctx.attrs, name: obj.metadata.name }, obj, undefined, lookupNode)
    if (q.get('dryRun') === 'All') return sendJSON(response, 201, obj)
    const created = await store.create(r, ctx.namespace, obj)
    sendJSON(response, 201, created)
  }

  /** Copies what an update may not change, and what the subresource rules say. */
  function prepareUpdate(ctx, next, cur) {
    const { r, subresource } = ctx
    checkTypeMeta(r, next)
    if (next.metadata.name !== undefined && next.metadata.name !== ctx.name)
      throw badRequest(
        `the name of the object (${next.metadata.name}) does not match the name on the URL (${ctx.name})`,
      )
    if (r.namespaced && next.metadata.namespace && next.metadata.namespace !== ctx.namespace)
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request')
    let out
    if (subresource === 'status') {
      out = clone(cur)
      out.status = next.status
      if (r.plural === 'certificatesigningrequests' && next.status?.certificate) {
        const pem = Buffer.from(next.status.certificate, 'base64').toString('utf8')
        if (!/-----BEGIN CERTIFICATE-----/.test(pem))
          throw invalid(r, ctx.name, [
            {
              field: 'status.certificate',
              message: 'Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block',
            },
          ])
        if (!(cur.status?.conditions ?? []).some((c) => c.type === 'Approved'))
          throw invalid(r, ctx.name, [
            {
              field: 'status.certificate',
              message: 'Forbidden: certificate can only be set if the Approved condition is present',
            },
          ])
      }
    } else if (subresource === 'approval') {
      out = clone(cur)
      const conds = next.status?.conditions ?? []
      const types = new Set(conds.map((c) => c.type))
      if (types.has('Approved') && types.has('Denied'))
        throw invalid(r, ctx.name, [
          {
            field: 'status.conditions',
            message: 'Invalid value: "Approved": Approved and Denied conditions are mutually exclusive',
          },
        ])
      out.status = {
        ...(cur.status ?? {}),
        conditions: conds.map((c) => ({ status: 'True', lastUpdateTime: now(), lastTransitionTime: now(), ...c })),
      }
    } else {
      out = clone(next)
      out.metadata.name = cur.metadata.name
      if (r.namespaced) out.metadata.namespace = cur.metadata.namespace
      if (r.subresources.includes('status')) out.status = cur.status
      if (r.plural === 'certificatesigningrequests') out.spec = cur.spec
      if (r.plural === 'secrets' && out.stringData) {
        out.data = { ...(out.data ?? {}) }
        for (const [k, v] of Object.entries(out.stringData)) out.data[k] = Buffer.from(String(v)).toString('base64')
        delete out.stringData
      }
      if (['daemonsets', 'deployments', 'replicasets', 'statefulsets'].includes(r.plural) && out.spec)
        appsDefaults(r.plural, out.spec)
      if (r.plural === 'pods') podSpecDefaults(out.spec)
      if (GENERATION.has(r.plural) || r.crd) {
        out.metadata.generation = cur.metadata.generation ?? 1
        if (JSON.stringify(out.spec) !== JSON.stringify(cur.spec)) out.metadata.generation++
      }
    }
    out.metadata.uid = cur.metadata.uid
    out.metadata.creationTimestamp = cur.metadata.creationTimestamp
    if (cur.metadata.deletionTimestamp) out.metadata.deletionTimestamp = cur.metadata.deletionTimestamp
    if (cur.metadata.deletionGracePeriodSeconds !== undefined)
      out.metadata.deletionGracePeriodSeconds = cur.metadata.deletionGracePeriodSeconds
    return out
  }

  /** valueErrors, plus a CRD's own rules and a custom resource's schema. */
  function kindErrors(r, obj) {
    const errors = valueErrors(r.kind, obj)
    if (r === crdRes) errors.push(...crdErrors(obj))
    if (r.schema) errors.push(...crValidation(r.schema, obj).errors)
    return errors
  }

  async function write(ctx, cur, out) {
    if (ctx.r === crdRes && ctx.subresource !== 'status' && out.spec && typeof out.spec === 'object') crdDefaults(out)
    const errors = kindErrors(ctx.r, out)
    if (errors.length) throw invalid(ctx.r, ctx.name, errors)
    if (o.admissionPlugins.includes('NodeRestriction')) nodeRestriction(ctx.user, ctx.attrs, out, cur)
    if (ctx.q.get('dryRun') === 'All') return out
    // a no-op write keeps the object and its resourceVersion (key order does not matter)
    if (
      canonical({ ...out, metadata: { ...out.metadata, resourceVersion: undefined } }) ===
      canonical({ ...cur, metadata: { ...cur.metadata, resourceVersion: undefined } })
    )
      return cur
    return store.update(ctx.r, ctx.namespace, out, cur.metadata.resourceVersion)
  }

  async function doUpdate(ctx, next) {
    const { r, response } = ctx
    const cur = await store.get(r, ctx.namespace, ctx.name)
    if (next && typeof next === 'object' && !Array.isArray(next)) validateFields(ctx, next)
    const wanted = next?.metadata?.resourceVersion
    if (wanted && wanted !== cur.metadata.resourceVersion) throw conflictOf(ctx)
    const out = prepareUpdate(ctx, next, cur)
    sendJSON(response, 200, await write(ctx, cur, out))
  }
  const conflictOf = (ctx) =>
    new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${ctx.r.group ? `${ctx.r.plural}.${ctx.r.group}` : ctx.r.plural} "${ctx.name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name: ctx.name, ...(ctx.r.group ? { group: ctx.r.group } : {}), kind: ctx.r.plural },
    )

  async function doPatch(ctx, body) {
    const { r, req, response } = ctx
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim()
    if (type === 'application/apply-patch+yaml') return doApply(ctx, body)
    if (ctx.q.has('force'))
      throw new ApiError(
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
      )
    // custom resources have no strategic merge (no patch strategies in a CRD schema)
    const types = ['application/json-patch+json', 'application/merge-patch+json']
    if (!r.crd) types.push('application/strategic-merge-patch+json')
    const accepted = types.join(', ')
    if (!types.includes(type))
      throw new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${accepted}, application/apply-patch+yaml`,
      )
    const patch = parseJSON(body)
    // GuaranteedUpdate: a patch without a resourceVersion never fails on a concurrent write; it is
    // re-applied to the fresh object (upstream retries until the request times out).
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      const cur = await store.get(r, ctx.namespace, ctx.name)
      const base = typed(r, cur)
      let next
      if (type === 'application/json-patch+json') next = jsonPatch(base, patch)
      else if (type === 'application/merge-patch+json') next = mergePatch(base, patch)
      else next = strategicMerge(base, patch)
      if (next && typeof next === 'object' && !Array.isArray(next)) validateFields(ctx, next)
      const wanted = next?.metadata?.resourceVersion
      if (wanted && wanted !== cur.metadata.resourceVersion) throw conflictOf(ctx)
      const out = prepareUpdate(ctx, next, cur)
      try {
        return sendJSON(response, 200, await write(ctx, cur, out))
      } catch (e) {
        if (e.reason !== 'Conflict' || wanted) throw e
      }
    }
    throw conflictOf(ctx)
  }

  /** Server-side apply (ssa.mjs): creates or merges, records the manager's fields; a no-op keeps the object. */
  async function doApply(ctx, body) {
    const { r, q, response } = ctx
    const manager = q.get('fieldManager')
    if (!manager)
      throw new ApiError(
        422,
        'Invalid',
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      )
    if (q.get('force') !== 'true')
      throw new ApiError(
        500,
        'InternalError',
        'flotilla-sim: server-side apply without force=true (conflict detection between field managers) is not simulated',
      )
    if (ctx.subresource)
      throw new ApiError(500, 'InternalError', `flotilla-sim: apply to ${r.plural}/${ctx.subresource} is not simulated`)
    let applied
    try {
      applied = parseYAML(body)
    } catch (e) {
      throw badRequest(`error decoding YAML: ${e.message}`)
    }
    if (!applied || typeof applied !== 'object' || Array.isArray(applied))
      throw badRequest('the object provided is unrecognized or malformed')
    if (!applied.kind || !applied.apiVersion)
      throw badRequest(`Object '${applied.kind ? 'apiVersion' : 'Kind'}' is missing in '${JSON.stringify(applied)}'`)
    checkTypeMeta(r, applied)
    if (applied.metadata?.name !== ctx.name)
      throw badRequest(
        `the name of the object (${applied.metadata?.name ?? ''}) does not match the name on the URL (${ctx.name})`,
      )
    if (r.namespaced && applied.metadata.namespace && applied.metadata.namespace !== ctx.namespace)
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request')
    // structured-merge-diff refuses a field the type does not declare, whatever fieldValidation says
    const unknown = r.schema ? crValidation(r.schema, applied).unknown : unknownFields(r.kind, applied)
    if (unknown.length)
      throw badRequest(
        `failed to create typed patch object (${ctx.namespace ? `${ctx.namespace}/` : ''}${ctx.name}; ${apiVersionOf(r)}, Kind=${r.kind}): ${unknown.map((u) => `.${u.path}: field not declared in schema`).join(', ')}`,
      )
    const fields = fieldSet(applied, { atomicLists: Boolean(r.crd) })
    const apiVersion = apiVersionOf(r)
    const cur = await store.find(r, ctx.namespace, ctx.name)
    if (!cur) {
      const obj = structuredClone(applied)
      obj.metadata.managedFields = withApplyEntry([], manager, apiVersion, fields, now())
      return doCreate({ ...ctx, q: new URLSearchParams({ ...Object.fromEntries(q), fieldValidation: 'Ignore' }) }, obj)
    }
    const base = typed(r, cur)
    pruneOwned(base, previousApply(cur, manager) ?? {}, fields)
    const merged = r.crd ? mergePatch(base, applied) : strategicMerge(base, applied)
    merged.metadata.resourceVersion = undefined
    merged.metadata.managedFields = withApplyEntry(cur.metadata.managedFields, manager, apiVersion, fields, now())
    const out = prepareUpdate(ctx, merged, cur)
    delete out.metadata.resourceVersion
    sendJSON(response, 200, await write(ctx, cur, out))
  }

  async function doDelete(ctx, body) {
    const { r, response, user } = ctx
    const opts = body ? parseJSON(body) : {}
    const cur = await store.get(r, ctx.namespace, ctx.name)
    const pre = opts.preconditions ?? {}
    if (pre.uid && pre.uid !== cur.metadata.uid)
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${r.plural} "${ctx.name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid}`,
      )
    if (pre.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion)
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${r.plural} "${ctx.name}": Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${cur.metadata.resourceVersion}`,
      )
    if (o.admissionPlugins.includes('NodeRestriction')) nodeRestriction(user, ctx.attrs, undefined, cur)
    if (ctx.q.get('dryRun') === 'All') return sendJSON(response, 200, typed(r, cur))
    const grace =
      r.plural === 'pods' ? podGrace(cur, opts.gracePeriodSeconds ?? ctx.q.get('gracePeriodSeconds') ?? undefined) : 0
    if (grace > 0) return sendJSON(response, 200, typed(r, await markTerminating(r, cur, grace)))
    const gone = await store.delete(r, ctx.namespace, ctx.name, { rv: cur.metadata.resourceVersion })
    if (r.plural === 'namespaces') await deleteNamespaceContents(ctx.name)
    if (r === crdRes) await etcd.delPrefix(`${store.prefix}/${gone.spec.group}/${gone.spec.names.plural}/`)
    sendJSON(response, 200, typed(r, gone))
  }
  /**
   * Graceful pod deletion (the pod strategy's CheckGracefulDelete): a pod bound to a node and not
   * finished only gets deletionTimestamp + deletionGracePeriodSeconds; its kubelet (the node agent)
   * removes it with gracePeriodSeconds=0. Unbound or finished pods, and grace 0, go at once.
   */
  function podGrace(pod, requested) {
    if (!pod.spec?.nodeName || ['Succeeded', 'Failed'].includes(pod.status?.phase)) return 0
    const g = requested !== undefined ? Number(requested) : (pod.spec?.terminationGracePeriodSeconds ?? 30)
    if (!Number.isFinite(g) || g < 0) return 1
    return g
  }
  async function markTerminating(r, cur, grace) {
    if (cur.metadata.deletionTimestamp && cur.metadata.deletionGracePeriodSeconds <= grace) return cur
    return store.guaranteedUpdate(r, cur.metadata.namespace, cur.metadata.name, (pod) => {
      pod.metadata.deletionTimestamp = new Date(Date.now() + grace * 1000).toISOString().replace(/\.\d+Z$/, 'Z')
      pod.metadata.deletionGracePeriodSeconds = grace
      return pod
    })
  }
  async function deleteNamespaceContents(ns) {
    for (const r of allResources().filter((x) => x.namespaced && !x.virtual))
      await etcd.delPrefix(store.collection(r, ns))
  }
  async function doDeleteCollection(ctx) {
    const { r, response } = ctx
    const sel = selectors(ctx)
    const { items } = await store.list(r, ctx.namespace)
    const gone = []
    for (const i of items.filter((x) => matches(sel, x))) {
      try {
        const grace = r.plural === 'pods' ? podGrace(i, ctx.q.get('gracePeriodSeconds') ?? undefined) : 0
        if (grace > 0) gone.push(typed(r, await markTerminating(r, i, grace)))
        else gone.push(typed(r, await store.delete(r, i.metadata.namespace, i.metadata.name)))
      } catch (e) {
        if (e.reason !== 'NotFound') throw e
      }
    }
    sendJSON(response, 200, { kind: `${r.kind}List`, apiVersion: apiVersionOf(r), metadata: {}, items: gone })
  }

  async function doEviction(ctx, eviction) {
    const { r, response, user } = ctx
    if (eviction?.kind && eviction.kind !== 'Eviction')
      throw badRequest(`the kind in the data (${eviction.kind}) does not match the expected kind (Eviction)`)
    if (eviction?.metadata?.name && eviction.metadata.name !== ctx.name)
      throw badRequest(`name in URL does not match name in Eviction object`)
    const pod = await store.get(r, ctx.namespace, ctx.name)
    if (o.admissionPlugins.includes('NodeRestriction')) nodeRestriction(user, ctx.attrs, undefined, pod)
    const terminal = ['Succeeded', 'Failed'].includes(pod.status?.phase)
    if (!terminal) {
      const pdbs = store
        .cachedList(res('policy', 'poddisruptionbudgets'), ctx.namespace)
        .filter((p) => labelSelectorMatches(p.spec?.selector, pod.metadata.labels))
      if (pdbs.length > 1)
        throw new ApiError(
          500,
          'InternalError',
          'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
        )
      for (const pdb of pdbs) {
        const pods = store
          .cachedList(r, ctx.namespace)
          .filter((p) => labelSelectorMatches(pdb.spec.selector, p.metadata.labels))
        const healthy = pods.filter(
          (p) =>
            p.status?.phase === 'Running' &&
            (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
        ).length
        const needed =
          pdb.spec.minAvailable !== undefined
            ? Number(pdb.spec.minAvailable)
            : pods.length - Number(pdb.spec.maxUnavailable ?? 0)
        if (healthy - 1 < needed)
          throw new ApiError(
            429,
            'TooManyRequests',
            "Cannot evict pod as it would violate the pod's disruption budget.",
            {
              causes: [
                {
                  reason: 'DisruptionBudget',
                  message: `The disruption budget ${pdb.metadata.name} needs ${needed} healthy pods and has ${healthy} currently`,
                },
              ],
            },
          )
      }
    }
    const grace = podGrace(pod, eviction?.deleteOptions?.gracePeriodSeconds ?? undefined)
    if (grace > 0) await markTerminating(r, pod, grace)
    else
      await store.delete(r, ctx.namespace, ctx.name).catch((e) => {
        if (e.reason !== 'NotFound') throw e
      })
    sendJSON(response, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 })
  }

  async function doBinding(ctx, binding) {
    const { r, response } = ctx
    const target = binding?.target?.name
    if (!target)
      throw invalid(r, ctx.name, [{ field: 'target.name', message: 'Required value', reason: 'FieldValueRequired' }])
    await store.guaranteedUpdate(r, ctx.namespace, ctx.name, (pod) => {
      if (pod.spec?.nodeName)
        throw new ApiError(
          409,
          'Conflict',
          `Operation cannot be fulfilled on pods/binding "${ctx.name}": pod ${ctx.name} is already assigned to node "${pod.spec.nodeName}"`,
        )
      pod.spec.nodeName = target
      pod.status ??= {}
      pod.status.conditions = [
        ...(pod.status.conditions ?? []).filter((c) => c.type !== 'PodScheduled'),
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now() },
      ]
      return pod
    })
    sendJSON(response, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 })
  }

  /** SelfSubjectAccessReview, SubjectAccessReview, SelfSubjectReview. */
  function review(r, body, user) {
    if (r.kind === 'SelfSubjectReview')
      return {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'SelfSubjectReview',
        metadata: { creationTimestamp: null },
        status: { userInfo: { username: user.name, groups: user.groups, ...(user.uid ? { uid: user.uid } : {}) } },
      }
    const spec = body?.spec ?? {}
    const subject =
      r.kind === 'SubjectAccessReview' ? { name: spec.user ?? '', groups: spec.groups ?? [], uid: spec.uid } : user
    if (r.kind === 'SubjectAccessReview' && !spec.user && !spec.groups?.length)
      throw invalid(r, '', [
        { field: 'spec.user', message: 'Invalid value: "": at least one of user or group must be specified' },
      ])
    let a
    if (spec.resourceAttributes) {
      const ra = spec.resourceAttributes
      a = {
        isResource: true,
        verb: ra.verb ?? '',
        group: ra.group ?? '',
        resource: ra.resource ?? '',
        subresource: ra.subresource || undefined,
        namespace: ra.namespace || undefined,
        name: ra.name || undefined,
      }
    } else if (spec.nonResourceAttributes) {
      a = {
        isResource: false,
        verb: spec.nonResourceAttributes.verb ?? '',
        path: spec.nonResourceAttributes.path ?? '',
      }
    } else
      throw invalid(r, '', [
        {
          field: 'spec.resourceAttributes',
          message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified',
          reason: 'FieldValueRequired',
        },
      ])
    const d = authorize(store, o.authorizationModes, { user: subject, ...a })
    return {
      apiVersion: 'authorization.k8s.io/v1',
      kind: r.kind,
      metadata: { creationTimestamp: null },
      spec,
      status: { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) },
    }
  }

  // ---------------------------------------------------------------------------------------------
  const server = https.createServer(
    {
      cert: o.tlsCert,
      key: o.tlsKey,
      ca: o.clientCAs?.length ? o.clientCAs : undefined,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, response) => {
      handle(req, response).catch((e) => sendError(response, e, log))
    },
  )
  server.keepAliveTimeout = 65_000
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port, o.bindAddress, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = server.address().port
  log(`Serving securely on ${o.bindAddress}:${port}`)
  return {
    server,
    port,
    url: `https://${o.bindAddress === '0.0.0.0' ? '127.0.0.1' : o.bindAddress}:${port}`,
    store,
    etcd,
    started,
    async close() {
      closed = true
      clearInterval(leaseTimer)
      if (ready) await reconcileEndpoints({ leaving: true }).catch(() => {})
      for (const w of [...openWatches]) w.finish()
      server.closeAllConnections?.()
      await new Promise((r) => server.close(() => r()))
      store.stop()
      if (!o.etcdClient) etcd.close()
    },
  }
}

// flotilla-sim: SIMULATOR, not a Kubernetes component. Authentication (client certificates against
// --client-ca-file, bootstrap tokens, extra token authenticators, anonymous), authorization (the
// Node authorizer and RBAC read from the stored ClusterRoles/Roles/bindings, with the bootstrap
// policy the real server seeds) and the NodeRestriction admission plugin.
import { findResource } from './resources.mjs'
import { ApiError } from './util.mjs'

const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2'
const ANY_EKU_OID = '2.5.29.37.0'
const asList = (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])

/**
 * Authenticates a request. Returns {name, groups, uid?, extra?} or throws ApiError 401.
 * ctx: {store, bootstrapTokens: boolean, authenticators: [fn(token, req)]}
 */
export async function authenticate(req, ctx) {
  const socket = req.socket
  const cert = socket.getPeerCertificate?.()
  const hasCert = cert && Object.keys(cert).length > 0
  if (hasCert) {
    if (!socket.authorized) throw unauthorized()
    const eku = cert.ext_key_usage
    if (eku && !eku.includes(CLIENT_AUTH_OID) && !eku.includes(ANY_EKU_OID)) throw unauthorized()
    const name = asList(cert.subject?.CN)[0]
    if (!name) throw unauthorized()
    return withAuthenticated({ name, groups: asList(cert.subject?.O) })
  }
  const authz = req.headers.authorization
  if (authz !== undefined) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authz)
    if (!m) throw unauthorized()
    const token = m[1]
    for (const fn of ctx.authenticators ?? []) {
      const user = await fn(token, req)
      if (user) return withAuthenticated({ groups: [], ...user })
    }
    if (ctx.bootstrapTokens) {
      const user = bootstrapTokenUser(token, ctx.store)
      if (user) return withAuthenticated(user)
    }
    throw unauthorized()
  }
  if (ctx.anonymous === false) throw unauthorized()
  return { name: 'system:anonymous', groups: ['system:unauthenticated'] }
}
const withAuthenticated = (u) => ({
  ...u,
  groups: [...new Set([...(u.groups ?? []), 'system:authenticated'])],
})
const unauthorized = () => new ApiError(401, 'Unauthorized', 'Unauthorized')

const TOKEN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/
const EXTRA_GROUP = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/
/** k8s.io/kubernetes/plugin/pkg/auth/authenticator/token/bootstrap */
function bootstrapTokenUser(token, store) {
  const m = TOKEN.exec(token)
  if (!m) return undefined
  const [, id, secret] = m
  const s = store.cachedGet(findResource('', 'v1', 'secrets'), 'kube-system', `bootstrap-token-${id}`)
  if (!s || s.metadata.deletionTimestamp || s.type !== 'bootstrap.kubernetes.io/token') return undefined
  const d = (k) => (s.data?.[k] !== undefined ? Buffer.from(s.data[k], 'base64').toString('utf8') : s.stringData?.[k])
  if (d('token-id') !== id || d('token-secret') !== secret) return undefined
  const exp = d('expiration')
  if (exp && !(Date.parse(exp) > Date.now())) return undefined
  if (d('usage-bootstrap-authentication') !== 'true') return undefined
  const extra = (d('auth-extra-groups') ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean)
  if (extra.some((g) => !EXTRA_GROUP.test(g))) return undefined
  return { name: `system:bootstrap:${id}`, groups: ['system:bootstrappers', ...extra] }
}

// ---------------------------------------------------------------------------------------------
// Authorization

/** The ClusterRoles/bindings the real kube-apiserver reconciles at start (bootstrappolicy). */
export function bootstrapPolicy() {
  const labels = { 'kubernetes.io/bootstrapping': 'rbac-defaults' }
  const annotations = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' }
  const role = (name, rules) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels, annotations },
    rules,
  })
  const binding = (name, roleName, subjects) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name, labels, annotations },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
    ...(subjects.length ? { subjects } : {}),
  })
  const group = (name) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name })
  const user = (name) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name })
  const read = ['get', 'list', 'watch']
  const all = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']
  const roles = [
    role('cluster-admin', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]),
    role('system:discovery', [
      {
        nonResourceURLs: [
          '/api',
          '/api/*',
          '/apis',
          '/apis/*',
          '/healthz',
          '/livez',
          '/openapi',
          '/openapi/*',
          '/readyz',
          '/version',
          '/version/',
        ],
        verbs: ['get'],
      },
    ]),
    role('system:public-info-viewer', [
      { nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] },
    ]),
    role('system:basic-user', [
      {
        apiGroups: ['authorization.k8s.io'],
        resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
        verbs: ['create'],
      },
      { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
    ]),
    role('system:node-bootstrapper', [
      {
        apiGroups: ['certificates.k8s.io'],
        resources: ['certificatesigningrequests'],
        verbs: ['create', 'get', 'list', 'watch'],
      },
    ]),
    role('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [
      { apiGroups: ['certificates.k8s.io'], resources: ['certificatesigningrequests/nodeclient'], verbs: ['create'] },
    ]),
    role('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [
      {
        apiGroups: ['certificates.k8s.io'],
        resources: ['certificatesigningrequests/selfnodeclient'],
        verbs: ['create'],
      },
    ]),
    role('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', [
      {
        apiGroups: ['certificates.k8s.io'],
        resources: ['signers'],
        resourceNames: ['kubernetes.io/kube-apiserver-client-kubelet'],
        verbs: ['approve'],
      },
    ]),
    role('system:node', NODE_RULES),
    role('view', [
      {
        apiGroups: ['', 'apps', 'policy', 'coordination.k8s.io', 'discovery.k8s.io', 'networking.k8s.io'],
        resources: ['*'],
        verbs: read,
      },
    ]),
    role('edit', [
      {
        apiGroups: ['', 'apps', 'policy', 'coordination.k8s.io', 'discovery.k8s.io', 'networking.k8s.io'],
        resources: ['*'],
        verbs: all,
      },
    ]),
    role('admin', [
      {
        apiGroups: ['', 'apps', 'policy', 'coordination.k8s.io', 'discovery.k8s.io', 'networking.k8s.io'],
        resources: ['*'],
        verbs: all,
      },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: all },
    ]),
    // Stand-in simplification: the controller-manager stand-in acts with its own identity (no
    // per-controller service accounts), so its role covers what its controllers do.
    role('system:kube-controller-manager', [
      {
        apiGroups: ['', 'apps', 'coordination.k8s.io', 'certificates.k8s.io', 'policy', 'discovery.k8s.io'],
        resources: ['*'],
        verbs: ['*'],
      },
      { apiGroups: ['certificates.k8s.io'], resources: ['signers'], verbs: ['approve', 'sign'] },
      { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
    ]),
    role('system:kube-scheduler', [
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch', 'update'] },
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['create', 'get', 'list', 'update', 'watch'],
      },
      {
        apiGroups: [''],
        resources: [
          'nodes',
          'namespaces',
          'services',
          'persistentvolumeclaims',
          'persistentvolumes',
          'replicationcontrollers',
        ],
        verbs: read,
      },
      { apiGroups: [''], resources: ['pods'], verbs: ['delete', 'get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['bindings', 'pods/binding'], verbs: ['create'] },
      { apiGroups: [''], resources: ['pods/status'], verbs: ['patch', 'update'] },
      { apiGroups: ['apps'], resources: ['replicasets', 'statefulsets'], verbs: read },
      { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: read },
      { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
      { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
    ]),
  ]
  const bindings = [
    binding('cluster-admin', 'cluster-admin', [group('system:masters')]),
    binding('system:discovery', 'system:discovery', [group('system:authenticated')]),
    binding('system:basic-user', 'system:basic-user', [group('system:authenticated')]),
    binding('system:public-info-viewer', 'system:public-info-viewer', [
      group('system:authenticated'),
      group('system:unauthenticated'),
    ]),
    binding('system:node', 'system:node', []),
    binding('system:kube-controller-manager', 'system:kube-controller-manager', [
      user('system:kube-controller-manager'),
    ]),
    binding('system:kube-scheduler', 'system:kube-scheduler', [user('system:kube-scheduler')]),
  ]
  return { roles, bindings }
}

// bootstrappolicy.NodeRules(): what the Node authorizer allows any node (before NodeRestriction).
const NODE_RULES = [
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  {
    apiGroups: ['authorization.k8s.io'],
    resources: ['subjectaccessreviews', 'localsubjectaccessreviews'],
    verbs: ['create'],
  },
  { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['nodes'], verbs: ['create', 'get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['nodes/status'], verbs: ['patch', 'update'] },
  { apiGroups: [''], resources: ['nodes'], verbs: ['patch', 'update'] },
  { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch', 'update'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['create', 'delete'] },
  { apiGroups: [''], resources: ['pods/status'], verbs: ['patch', 'update'] },
  { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims/status'], verbs: ['get', 'patch', 'update'] },
  { apiGroups: [''], resources: ['endpoints'], verbs: ['get'] },
  {
    apiGroups: ['certificates.k8s.io'],
    resources: ['certificatesigningrequests'],
    verbs: ['create', 'get', 'list', 'watch'],
  },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'delete', 'get', 'patch', 'update'] },
  { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
  { apiGroups: ['node.k8s.io'], resources: ['runtimeclasses'], verbs: ['get', 'list', 'watch'] },
]

function ruleAllows(rule, a) {
  const verbs = rule.verbs ?? []
  if (!verbs.includes('*') && !verbs.includes(a.verb)) return false
  if (!a.isResource) {
    return (rule.nonResourceURLs ?? []).some(
      (u) => u === '*' || u === a.path || (u.endsWith('*') && a.path.startsWith(u.slice(0, -1))),
    )
  }
  if (rule.nonResourceURLs?.length && !rule.resources?.length) return false
  const groups = rule.apiGroups ?? []
  if (!groups.includes('*') && !groups.includes(a.group)) return false
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource
  const resources = rule.resources ?? []
  const resOk = resources.some(
    (r) =>
      r === '*' ||
      r === combined ||
      (a.subresource && r === `*/${a.subresource}`) ||
      (r === `${a.resource}/*` && a.subresource),
  )
  if (!resOk) return false
  if (rule.resourceNames?.length) return a.name !== undefined && a.name !== '' && rule.resourceNames.includes(a.name)
  return true
}

const subjectMatches = (s, user, bindingNamespace) => {
  if (s.kind === 'User') return s.name === user.name
  if (s.kind === 'Group') return user.groups.includes(s.name)
  if (s.kind === 'ServiceAccount')
    return user.name === `system:serviceaccount:${s.namespace ?? bindingNamespace}:${s.name}`
  return false
}

function rbacAllows(store, a) {
  const res = (p) => findResource('rbac.authorization.k8s.io', 'v1', p)
  const roleRules = (ref, ns) => {
    if (ref.kind === 'ClusterRole') return store.cachedGet(res('clusterroles'), undefined, ref.name)?.rules ?? []
    return store.cachedGet(res('roles'), ns, ref.name)?.rules ?? []
  }
  for (const b of store.cachedList(res('clusterrolebindings'))) {
    if (!(b.subjects ?? []).some((s) => subjectMatches(s, a.user))) continue
    if (roleRules(b.roleRef).some((r) => ruleAllows(r, a))) return true
  }
  if (a.namespace) {
    for (const b of store.cachedList(res('rolebindings'), a.namespace)) {
      if (!(b.subjects ?? []).some((s) => subjectMatches(s, a.user, a.namespace))) continue
      if (roleRules(b.roleRef, a.namespace).some((r) => ruleAllows(r, a))) return true
    }
  }
  return false
}

export function nodeIdentity(user) {
  if (!user.groups.includes('system:nodes')) return undefined
  if (!user.name.startsWith('system:node:')) return undefined
  return user.name.slice('system:node:'.length)
}

/** The Node authorizer: {decision: 'allow'|'deny'|'none', reason}. */
function nodeAuthorizer(store, a) {
  const node = nodeIdentity(a.user)
  if (node === undefined) return { decision: 'none' }
  if (!node) return { decision: 'none', reason: 'unknown node' }
  if (a.isResource) {
    const r = `${a.group}/${a.resource}`
    if (r === 'coordination.k8s.io/leases') {
      if (!['get', 'create', 'update', 'patch', 'delete'].includes(a.verb))
        return { decision: 'none', reason: 'can only get, create, update, patch, or delete a node lease' }
      if (a.namespace !== 'kube-node-lease')
        return { decision: 'none', reason: 'can only access leases in the kube-node-lease namespace' }
      if (a.name !== node && a.verb !== 'create')
        return { decision: 'none', reason: 'can only access node lease with the same name as the requesting node' }
      return { decision: 'allow' }
    }
    if (['/secrets', '/configmaps', '/persistentvolumeclaims', '/serviceaccounts'].includes(r) && !a.subresource) {
      if (a.verb !== 'get') return { decision: 'none', reason: `can only get individual resources of this type` }
      const pods = store
        .cachedList(findResource('', 'v1', 'pods'), a.namespace)
        .filter((p) => p.spec?.nodeName === node)
      if (pods.some((p) => podReferences(p, a.resource, a.name))) return { decision: 'allow' }
      return { decision: 'none', reason: `no relationship found between node '${node}' and this object` }
    }
  }
  if (NODE_RULES.some((rule) => ruleAllows(rule, a))) return { decision: 'allow' }
  return { decision: 'none' }
}
function podReferences(pod, resource, name) {
  const spec = pod.spec ?? {}
  if (resource === 'serviceaccounts') return (spec.serviceAccountName ?? 'default') === name
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? [])]
  if (resource === 'secrets') {
    if ((spec.imagePullSecrets ?? []).some((s) => s.name === name)) return true
    if (
      (spec.volumes ?? []).some(
        (v) => v.secret?.secretName === name || v.projected?.sources?.some((s) => s.secret?.name === name),
      )
    )
      return true
    return containers.some(
      (c) =>
        (c.envFrom ?? []).some((e) => e.secretRef?.name === name) ||
        (c.env ?? []).some((e) => e.valueFrom?.secretKeyRef?.name === name),
    )
  }
  if (resource === 'configmaps') {
    if (
      (spec.volumes ?? []).some(
        (v) => v.configMap?.name === name || v.projected?.sources?.some((s) => s.configMap?.name === name),
      )
    )
      return true
    return containers.some(
      (c) =>
        (c.envFrom ?? []).some((e) => e.configMapRef?.name === name) ||
        (c.env ?? []).some((e) => e.valueFrom?.configMapKeyRef?.name === name),
    )
  }
  if (resource === 'persistentvolumeclaims')
    return (spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === name)
  return false
}

/**
 * Authorizes attributes {user, verb, isResource, group, resource, subresource, namespace, name,
 * path} with the configured modes. Returns {allowed, reason}.
 */
export function authorize(store, modes, a) {
  const reasons = []
  // The real server always lets system:masters through, before any configured mode.
  if (a.user.groups.includes('system:masters')) return { allowed: true }
  for (const mode of modes) {
    if (mode === 'AlwaysAllow') return { allowed: true }
    if (mode === 'AlwaysDeny') return { allowed: false }
    if (mode === 'Node') {
      const r = nodeAuthorizer(store, a)
      if (r.decision === 'allow') return { allowed: true }
      if (r.reason) reasons.push(r.reason)
    }
    if (mode === 'RBAC' && rbacAllows(store, a)) return { allowed: true }
  }
  return { allowed: false, reason: reasons.join(', ') }
}

/** The real server's Forbidden message for these attributes. */
export function forbidden(a, reason) {
  const who = `User "${a.user.name}"`
  let message
  let details
  if (!a.isResource) {
    message = `forbidden: ${who} cannot ${a.verb} path "${a.path}"`
  } else {
    const res = a.subresource ? `${a.resource}/${a.subresource}` : a.resource
    const subject = `${a.group ? `${a.resource}.${a.group}` : a.resource}${a.name ? ` "${a.name}"` : ''}`
    const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope'
    message = `${subject} is forbidden: ${who} cannot ${a.verb} resource "${res}" in API group "${a.group}" ${scope}`
    details = { ...(a.name ? { name: a.name } : {}), ...(a.group ? { group: a.group } : {}), kind: a.resource }
  }
  if (reason) message += `: ${reason}`
  return new ApiError(403, 'Forbidden', message, details)
}

// ---------------------------------------------------------------------------------------------
// NodeRestriction admission (plugin/pkg/admission/noderestriction)

const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/arch',
  'kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'failure-domain.kubernetes.io/region',
  'failure-domain.kubernetes.io/zone',
  'kubernetes.io/instance-type',
])
function kubeletMaySet(label) {
  if (KUBELET_LABELS.has(label)) return true
  const ns = label.includes('/') ? label.slice(0, label.indexOf('/')) : ''
  if (ns === 'kubelet.kubernetes.io' || ns.endsWith('.kubelet.kubernetes.io')) return true
  if (ns === 'node.kubernetes.io' || ns.endsWith('.node.kubernetes.io')) return true
  const restricted = ['kubernetes.io', 'k8s.io'].some((d) => ns === d || ns.endsWith(`.${d}`))
  return !restricted
}

const admissionForbidden = (resLabel, name, message) =>
  new ApiError(403, 'Forbidden', `${resLabel}${name ? ` "${name}"` : ''} is forbidden: ${message}`, {
    ...(name ? { name } : {}),
    kind: resLabel.split('.')[0],
  })

/**
 * NodeRestriction: called for every write by a node identity. op: create|update|delete;
 * obj/old: the new and current object (as far as known).
 */
export function nodeRestriction(user, a, obj, old, lookupNode) {
  const node = nodeIdentity(user)
  if (node === undefined) return
  const resLabel = a.group ? `${a.resource}.${a.group}` : a.resource
  const deny = (name, message) => admissionForbidden(resLabel, name, message)
  if (a.group === '' && a.resource === 'nodes') {
    const name = a.name ?? obj?.metadata?.name
    if (name !== node) throw deny(name, `node "${node}" is not allowed to modify node "${name}"`)
    if (a.verb === 'create') {
      const bad = Object.keys(obj?.metadata?.labels ?? {}).filter((l) => !kubeletMaySet(l))
      if (bad.length)
        throw deny(name, `node "${node}" is not allowed to set the following labels: ${bad.sort().join(', ')}`)
    }
    if (a.verb === 'update' || a.verb === 'patch') {
      if (JSON.stringify(obj?.spec?.taints ?? []) !== JSON.stringify(old?.spec?.taints ?? []))
        throw deny(name, `node "${node}" is not allowed to modify taints`)
      const before = old?.metadata?.labels ?? {}
      const after = obj?.metadata?.labels ?? {}
      const keys = new Set([...Object.keys(before), ...Object.keys(after)])
      const changed = [...keys].filter((k) => before[k] !== after[k] && !kubeletMaySet(k))
      // upstream's message has no subject here
      if (changed.length) throw deny(name, `is not allowed to modify labels: ${changed.sort().join(', ')}`)
    }
    return
  }
  if (a.group === '' && a.resource === 'pods') {
    const target = old ?? obj
    const bound = target?.spec?.nodeName
    if (a.subresource === 'status') {
      if (bound !== node)
        throw deny(a.name, `node "${node}" can only update pod status for pods with spec.nodeName set to itself`)
      if (JSON.stringify(obj?.metadata?.labels ?? {}) !== JSON.stringify(old?.metadata?.labels ?? {}))
        throw deny(a.name, `node "${node}" cannot update labels through pod status`)
      return
    }
    if (a.subresource === 'eviction') {
      if (bound !== node) throw deny(a.name, `node ${node} can only evict pods with spec.nodeName set to itself`)
      return
    }
    if (a.subresource)
      throw deny(a.name, `unexpected pod subresource "${a.subresource}", only 'status' and 'eviction' are allowed`)
    if (a.verb === 'delete') {
      if (bound !== node) throw deny(a.name, `node "${node}" can only delete pods with spec.nodeName set to itself`)
      return
    }
    if (a.verb !== 'create')
      throw deny(
        a.name,
        `unexpected operation "${a.verb === 'patch' ? 'UPDATE' : a.verb.toUpperCase()}", node "${node}" can only create and delete mirror pods`,
      )
    const name = obj?.metadata?.name
    if (obj?.metadata?.annotations?.['kubernetes.io/config.mirror'] === undefined)
      throw deny(
        name,
        `pod does not have "kubernetes.io/config.mirror" annotation, node "${node}" can only create mirror pods`,
      )
    if (obj.spec?.nodeName !== node)
      throw deny(name, `node "${node}" can only create pods with spec.nodeName set to itself`)
    const owners = obj.metadata.ownerReferences ?? []
    if (owners.length > 1)
      throw deny(name, `node "${node}" can only create pods with a single owner reference set to itself`)
    const owner = owners[0]
    if (!owner || owner.apiVersion !== 'v1' || owner.kind !== 'Node' || owner.name !== node)
      throw deny(name, `node "${node}" can only create pods with an owner reference set to itself`)
    if (owner.controller !== true)
      throw deny(name, `node "${node}" can only create pods with a controller owner reference set to itself`)
    if (owner.blockOwnerDeletion === true)
      throw deny(name, `node "${node}" must not set blockOwnerDeletion on an owner reference`)
    const uid = lookupNode?.(node)?.metadata?.uid
    if (uid && owner.uid !== uid) throw deny(name, `node ${node} UID mismatch: expected ${owner.uid} got ${uid}`)
    if (obj.spec?.serviceAccountName)
      throw deny(name, `node "${node}" can not create pods that reference a service account`)
    const refs = (r) => JSON.stringify(obj.spec ?? {}).includes(r)
    if (
      refs('"secretName"') ||
      refs('"secretRef"') ||
      refs('"secretKeyRef"') ||
      (obj.spec?.imagePullSecrets ?? []).length
    )
      throw deny(name, `node "${node}" can not create pods that reference secrets`)
    if (refs('"configMap"') || refs('"configMapRef"') || refs('"configMapKeyRef"'))
      throw deny(name, `node "${node}" can not create pods that reference configmaps`)
    if ((obj.spec?.volumes ?? []).some((v) => v.persistentVolumeClaim))
      throw deny(name, `node "${node}" can not create pods that reference persistentvolumeclaims`)
    return
  }
  if (a.group === 'coordination.k8s.io' && a.resource === 'leases') {
    if (a.namespace !== 'kube-node-lease')
      throw deny(a.name, 'can only access leases in the "kube-node-lease" system namespace')
    const name = a.verb === 'create' ? obj?.metadata?.name : a.name
    if (name !== node) throw deny(name, 'can only access node lease with the same name as the requesting node')
  }
}

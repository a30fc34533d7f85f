// FLOTILLA SIMULATOR STAND-IN for kubeadm -- not the real tool: what kubeadm does through the API
// server (api-check, upload-config, bootstrap-token RBAC, token Secrets, cluster-info,
// mark-control-plane, kubelet-finalize, `kubeadm token`), with node/kube-client.mjs.
import { createHash, createHmac, randomBytes, X509Certificate } from 'node:crypto'
import fs from 'node:fs'
import { stringify } from 'yaml'
import { KubeError, kubeClient, loadKubeconfig } from './kube-client.mjs'
import { describeError } from './node-agent.mjs'
import { parseDuration, TOKEN_PATTERN } from './kubeadm-config.mjs'
import { ETC, fatal, out, parseFlags, readText, warn } from './kubeadm-util.mjs'

export const API_WAIT_MS = 60_000 // kubeadm waits 4m0s; the simulator gives up sooner (README)
export const NODE_WAIT_MS = 40_000
export const DEFAULT_GROUP = 'system:bootstrappers:kubeadm:default-node-token'
const TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token'
const later = (ms) => new Promise((r) => setTimeout(r, ms))
const rfc3339 = (d) => d.toISOString().replace(/\.\d+Z$/, 'Z')

export function clientFor(file, overrides = {}) {
  return kubeClient({ ...loadKubeconfig(file), ...overrides })
}

/** Create, or replace when it exists (kubeadm's apiclient.CreateOrUpdate*). */
export async function createOrUpdate(api, collection, obj) {
  try {
    return await api.create(collection, obj)
  } catch (e) {
    if (!(e instanceof KubeError && e.reason === 'AlreadyExists')) throw e
    const current = await api.get(`${collection}/${obj.metadata.name}`)
    return api.update(`${collection}/${obj.metadata.name}`, {
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: current.metadata.resourceVersion },
    })
  }
}
async function createIfMissing(api, collection, obj) {
  try {
    return await api.create(collection, obj)
  } catch (e) {
    if (!(e instanceof KubeError && e.reason === 'AlreadyExists')) throw e
  }
}

// ------------------------------------------------------------------------------------------------
// [api-check]
export async function waitForAPIServer(server, ca) {
  out('[api-check] Waiting for a healthy API server. This can take up to 4m0s')
  const api = kubeClient({ server, ca, timeoutMs: 2000 })
  const started = Date.now()
  let last = ''
  try {
    while (Date.now() - started < API_WAIT_MS) {
      try {
        const body = await api.request('GET', '/healthz', { accept: 'text/plain' })
        if (String(body).trim() === 'ok') {
          out(`[api-check] The API server is healthy after ${((Date.now() - started) / 1000).toFixed(9)}s`)
          return
        }
      } catch (e) {
        last = describeError(e)
      }
      await later(500)
    }
  } finally {
    api.close()
  }
  out(`[api-check] The API server is not healthy after 4m0s (flotilla-sim: gave up after ${API_WAIT_MS / 1000}s)`)
  out()
  out('Unfortunately, an error has occurred, likely caused by:')
  out('\t- The kubelet is not running')
  out('\t- The kubelet is unhealthy due to a misconfiguration of the node in some way (required cgroups disabled)')
  out()
  fatal(
    `error execution phase wait-control-plane: could not initialize a Kubernetes cluster: API server is not healthy: Get "${server}/healthz?timeout=10s": ${last}`,
  )
}

// ------------------------------------------------------------------------------------------------
// [upload-config]: ClusterConfiguration and KubeletConfiguration, and who may read them.
export async function uploadConfig(api, clusterConfiguration, kubeletConfiguration) {
  out('[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" Namespace')
  await createOrUpdate(api, '/api/v1/namespaces/kube-system/configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kubeadm-config', namespace: 'kube-system' },
    data: { ClusterConfiguration: stringify(clusterConfiguration) },
  })
  await readerRole(api, 'kubeadm:nodes-kubeadm-config', 'kubeadm-config')
  out(
    '[kubelet] Creating a ConfigMap "kubelet-config" in namespace kube-system with the configuration for the kubelets in the cluster',
  )
  await createOrUpdate(api, '/api/v1/namespaces/kube-system/configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kubelet-config', namespace: 'kube-system' },
    data: { kubelet: stringify(kubeletConfiguration) },
  })
  await readerRole(api, 'kubeadm:kubelet-config', 'kubelet-config')
}
async function readerRole(api, name, configMap) {
  await createOrUpdate(api, '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/roles', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name, namespace: 'kube-system' },
    rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [configMap], verbs: ['get'] }],
  })
  await createOrUpdate(api, '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-system/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name, namespace: 'kube-system' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:nodes' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: DEFAULT_GROUP },
    ],
  })
}

/** The ConfigMap kubeadm-config's ClusterConfiguration (join, reset, certs). */
export async function fetchClusterConfiguration(api) {
  const cm = await api.get('/api/v1/namespaces/kube-system/configmaps/kubeadm-config')
  const { parse } = await import('yaml')
  return parse(cm.data?.ClusterConfiguration ?? '') ?? {}
}

// ------------------------------------------------------------------------------------------------
// kubeadm:cluster-admins, made with super-admin.conf as kubeadm 1.29+ does (admin.conf's group
// has no rights until this binding exists).
export async function clusterAdminsBinding(superApi) {
  await createIfMissing(
    superApi,
    '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
    crb('kubeadm:cluster-admins', 'cluster-admin', [{ kind: 'Group', name: 'kubeadm:cluster-admins' }]),
  )
}
function crb(name, role, subjects) {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: subjects.map((s) => ({ apiGroup: 'rbac.authorization.k8s.io', ...s })),
  }
}

// [bootstrap-token]: RBAC for TLS bootstrap, auto-approval, get-nodes, cluster-info.
export async function bootstrapTokenRBAC(api, kubeconfigForClusterInfo) {
  out('[bootstrap-token] Configuring bootstrap tokens, cluster-info ConfigMap, RBAC Roles')
  out('[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to get nodes')
  await createOrUpdate(api, '/apis/rbac.authorization.k8s.io/v1/clusterroles', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'kubeadm:get-nodes' },
    rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }],
  })
  const group = [{ kind: 'Group', name: DEFAULT_GROUP }]
  const crbs = '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings'
  await createOrUpdate(api, crbs, crb('kubeadm:get-nodes', 'kubeadm:get-nodes', group))
  out(
    '[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to post CSRs in order for nodes to get long term certificate credentials',
  )
  await createOrUpdate(api, crbs, crb('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', group))
  out(
    '[bootstrap-token] Configured RBAC rules to allow the csrapprover controller automatically approve CSRs from a Node Bootstrap Token',
  )
  await createOrUpdate(
    api,
    crbs,
    crb(
      'kubeadm:node-autoapprove-bootstrap',
      'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
      group,
    ),
  )
  out(
    '[bootstrap-token] Configured RBAC rules to allow certificate rotation for all node client certificates in the cluster',
  )
  await createOrUpdate(
    api,
    crbs,
    crb(
      'kubeadm:node-autoapprove-certificate-rotation',
      'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
      [{ kind: 'Group', name: 'system:nodes' }],
    ),
  )
  out('[bootstrap-token] Creating the "cluster-info" ConfigMap in the "kube-public" namespace')
  await createOrUpdate(api, '/api/v1/namespaces/kube-public/configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cluster-info', namespace: 'kube-public' },
    data: { kubeconfig: kubeconfigForClusterInfo },
  })
  await createOrUpdate(api, '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public/roles', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'kubeadm:bootstrap-signer-clusterinfo', namespace: 'kube-public' },
    rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: ['cluster-info'], verbs: ['get'] }],
  })
  await createOrUpdate(api, '/apis/rbac.authorization.k8s.io/v1/namespaces/kube-public/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: 'kubeadm:bootstrap-signer-clusterinfo', namespace: 'kube-public' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kubeadm:bootstrap-signer-clusterinfo' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:anonymous' }],
  })
}

/** The kubeconfig kept in cluster-info: the CA and the endpoint, nothing else (bootstrap/clusterinfo). */
export function clusterInfoKubeconfig(server, caPem) {
  return stringify({
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': Buffer.from(caPem).toString('base64'), server }, name: '' }],
    contexts: null,
    'current-context': '',
    kind: 'Config',
    preferences: {},
    users: null,
  })
}

// ------------------------------------------------------------------------------------------------
// bootstrap tokens as Secrets kube-system/bootstrap-token-<id> (bootstraptoken/v1 encode).
export function randomToken() {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  const pick = (n) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('')
  return `${pick(6)}.${pick(16)}`
}
export function tokenSecret(spec) {
  const token = spec.token ?? randomToken()
  if (!TOKEN_PATTERN.test(token)) fatal(`the bootstrap token "${token}" was not of the form "${TOKEN_PATTERN.source}"`)
  const [id, secret] = token.split('.')
  const ttl = spec.expires ? null : parseDuration(spec.ttl ?? '24h', 'ttl')
  const expires = spec.expires ?? (ttl ? rfc3339(new Date(Date.now() + ttl)) : undefined)
  const usages = spec.usages ?? ['signing', 'authentication']
  const groups = spec.groups ?? [DEFAULT_GROUP]
  for (const g of groups)
    if (!/^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/.test(g))
      fatal(`group "${g}" is invalid: must match "\\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\\z"`)
  const data = {
    'token-id': id,
    'token-secret': secret,
    ...(spec.description ? { description: spec.description } : {}),
    ...(expires ? { expiration: expires } : {}),
    ...Object.fromEntries(usages.map((u) => [`usage-bootstrap-${u}`, 'true'])),
    ...(groups.length ? { 'auth-extra-groups': groups.join(',') } : {}),
  }
  return {
    token,
    secret: {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
      type: TOKEN_SECRET_TYPE,
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    },
  }
}
export async function createToken(api, spec, { failIfExists }) {
  const { token, secret } = tokenSecret(spec)
  const collection = '/api/v1/namespaces/kube-system/secrets'
  if (failIfExists) {
    try {
      await api.create(collection, secret)
    } catch (e) {
      if (e instanceof KubeError && e.reason === 'AlreadyExists')
        fatal(`a token with id "${token.slice(0, 6)}" already exists`)
      throw e
    }
  } else await createOrUpdate(api, collection, secret)
  return token
}
const unb64 = (s) => (s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8'))

export async function listTokens(api) {
  const list = await api.get('/api/v1/namespaces/kube-system/secrets', { fieldSelector: `type=${TOKEN_SECRET_TYPE}` })
  return (list.items ?? [])
    .filter((s) => s.type === TOKEN_SECRET_TYPE && /^bootstrap-token-[a-z0-9]{6}$/.test(s.metadata.name))
    .map((s) => {
      const d = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, unb64(v)]))
      return {
        token: `${d['token-id']}.${d['token-secret']}`,
        description: d.description ?? '',
        expires: d.expiration ?? null,
        usages: Object.keys(d)
          .filter((k) => k.startsWith('usage-bootstrap-') && d[k] === 'true')
          .map((k) => k.slice('usage-bootstrap-'.length)),
        groups: (d['auth-extra-groups'] ?? '').split(',').filter(Boolean),
      }
    })
}

// ------------------------------------------------------------------------------------------------
// [mark-control-plane]: labels, and taints unless `taints: []`.
export const CONTROL_PLANE_LABELS = [
  'node-role.kubernetes.io/control-plane',
  'node.kubernetes.io/exclude-from-external-load-balancers',
]
export async function markControlPlane(api, nodeName, taints) {
  out(
    `[mark-control-plane] Marking the node ${nodeName} as control-plane by adding the labels: [${CONTROL_PLANE_LABELS.join(' ')}]`,
  )
  if (taints.length) {
    out(
      `[mark-control-plane] Marking the node ${nodeName} as control-plane by adding the taints [${taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(' ')}]`,
    )
  }
  // kubeadm's PatchNode: GET, compute, PATCH, retried (on conflicts too) until it sticks. The
  // patch carries the resourceVersion it was computed from (spec.taints has no merge key: the
  // list is replaced whole), and the simulator reads the Node back a moment later, re-applying
  // if a concurrent writer (the node lifecycle controller's taints) replaced the list meanwhile.
  const started = Date.now()
  const marked = (n) =>
    CONTROL_PLANE_LABELS.every((l) => n.metadata?.labels?.[l] !== undefined) &&
    taints.every((t) => (n.spec?.taints ?? []).some((h) => h.key === t.key && h.effect === t.effect))
  for (;;) {
    const node = await waitForNode(api, nodeName)
    if (marked(node)) {
      await later(1500)
      if (marked(await waitForNode(api, nodeName))) return
      continue
    }
    const have = node.spec?.taints ?? []
    const add = taints.filter((t) => !have.some((h) => h.key === t.key && h.effect === t.effect))
    try {
      await api.patch(
        `/api/v1/nodes/${nodeName}`,
        {
          metadata: {
            resourceVersion: node.metadata.resourceVersion,
            labels: Object.fromEntries(CONTROL_PLANE_LABELS.map((l) => [l, ''])),
          },
          ...(add.length ? { spec: { taints: [...have, ...add] } } : {}),
        },
        'merge',
      )
    } catch (e) {
      if (!(e instanceof KubeError && e.status === 409) || Date.now() - started > NODE_WAIT_MS)
        fatal(
          `error execution phase mark-control-plane: error applying control-plane label and taints: ${describeError(e)}`,
        )
      await later(300)
    }
    if (Date.now() - started > NODE_WAIT_MS)
      fatal(
        'error execution phase mark-control-plane: error applying control-plane label and taints: timed out waiting for the condition',
      )
  }
}

export async function waitForNode(api, nodeName) {
  const started = Date.now()
  let last = ''
  while (Date.now() - started < NODE_WAIT_MS) {
    try {
      const node = await api.find(`/api/v1/nodes/${nodeName}`)
      if (node) return node
      last = `nodes "${nodeName}" not found`
    } catch (e) {
      last = describeError(e)
    }
    await later(500)
  }
  fatal(
    `error execution phase mark-control-plane: error applying control-plane label and taints: timed out waiting for the condition (flotilla-sim: ${last} after ${NODE_WAIT_MS / 1000}s)`,
  )
}

// [kubelet-finalize]: kubelet.conf points at the rotatable certificate the kubelet stored.
export async function kubeletFinalize() {
  const current = '/var/lib/kubelet/pki/kubelet-client-current.pem'
  const file = `${ETC}/kubelet.conf`
  const started = Date.now()
  while (!fs.existsSync(current) && Date.now() - started < 20_000) await later(250)
  if (!fs.existsSync(current)) {
    warn(`[kubelet-finalize] WARNING: flotilla-sim: ${current} not found; kubelet.conf left as is`)
    return
  }
  out(`[kubelet-finalize] Updating "${file}" to point to a rotatable kubelet client certificate and key`)
  const text = fs.readFileSync(file, 'utf8')
  fs.writeFileSync(
    file,
    text
      .replace(/client-certificate-data:\s*\S+/, `client-certificate: ${current}`)
      .replace(/client-key-data:\s*\S+/, `client-key: ${current}`),
    { mode: 0o600 },
  )
}

// ------------------------------------------------------------------------------------------------
// Discovery helpers shared with join: the detached JWS of cluster-info (bootstrap/jws.go).
export function jwsIsValid(detached, content, tokenId, tokenSecret) {
  const [h, empty, sig] = (detached ?? '').split('.')
  if (!h || empty !== '' || !sig) return false
  let header
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'))
  } catch {
    return false
  }
  if (header.alg !== 'HS256' || header.kid !== tokenId) return false
  const want = createHmac('sha256', tokenSecret)
    .update(`${h}.${Buffer.from(content).toString('base64url')}`)
    .digest('base64url')
  return want === sig
}
export function caHashOf(pem) {
  const x = new X509Certificate(pem)
  return `sha256:${createHash('sha256')
    .update(x.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')}`
}

// ------------------------------------------------------------------------------------------------
// kubeadm token create|list|delete|generate, against the API with admin.conf.
export function adminApi(kubeconfig = `${ETC}/admin.conf`) {
  if (readText(kubeconfig) === null)
    fatal(`failed to load admin kubeconfig: open ${kubeconfig}: no such file or directory`)
  let conn
  try {
    conn = loadKubeconfig(kubeconfig)
  } catch (e) {
    fatal(`failed to load admin kubeconfig: ${e.message}`)
  }
  return { api: kubeClient(conn), conn }
}
export function joinCommand(server, token, caPem, { controlPlane = false, certificateKey } = {}) {
  const endpoint = server.replace(/^https:\/\//, '')
  return `kubeadm join ${endpoint} --token ${token} \\\n\t--discovery-token-ca-cert-hash ${caHashOf(caPem)} ${controlPlane ? `\\\n\t--control-plane ${certificateKey ? `--certificate-key ${certificateKey}` : ''}` : ''}`
}
const apiFailure = (what, e) => fatal(`${what}: ${describeError(e)}`)

/**
 * k8s.io/apimachinery/pkg/util/duration ShortHumanDuration, which `kubeadm token list` uses for
 * TTL (cmd/token.go): whole seconds, minutes, hours, days or years, truncated; "<invalid>" past
 * 2 s in the past.
 */
export function shortHumanDuration(ms) {
  const seconds = Math.trunc(ms / 1000)
  if (seconds < -1) return '<invalid>'
  if (seconds < 0) return '0s'
  if (seconds < 60) return `${seconds}s`
  const minutes = Math.trunc(seconds / 60)
  if (minutes < 60) return `${minutes}m`
  const hours = Math.trunc(seconds / 3600)
  if (hours < 24) return `${hours}h`
  if (hours < 24 * 365) return `${Math.trunc(hours / 24)}d`
  return `${Math.trunc(hours / 24 / 365)}y`
}

export async function cmdToken(args) {
  const [sub, ...rest] = args
  const spec = {
    ttl: 'str',
    description: 'str',
    'print-join-command': 'bool',
    groups: 'list',
    usages: 'list',
    kubeconfig: 'str',
    v: 'str',
    'dry-run': 'bool',
    config: 'str',
    'certificate-key': 'str',
  }
  switch (sub) {
    case 'create': {
      const { flags, positional } = parseFlags(rest, spec)
      if (flags['dry-run'] || flags.config) fatal('flotilla-sim: token create --dry-run/--config are not simulated')
      // cmd/token.go RunCreateToken: the key only goes into the printed control-plane join command.
      if (flags['certificate-key'] !== undefined && !flags['print-join-command'])
        fatal('cannot use --certificate-key without --print-join-command')
      if (positional.length > 1) fatal(`accepts at most 1 arg(s), received ${positional.length}`)
      if (positional[0] !== undefined && !TOKEN_PATTERN.test(positional[0]))
        fatal(`the bootstrap token "${positional[0]}" was not of the form "${TOKEN_PATTERN.source}"`)
      const { api, conn } = adminApi(flags.kubeconfig)
      try {
        const token = await createToken(
          api,
          {
            token: positional[0],
            ttl: flags.ttl,
            description: flags.description,
            groups: flags.groups,
            usages: flags.usages,
          },
          { failIfExists: true },
        ).catch((e) =>
          e instanceof KubeError || e?.code
            ? apiFailure('failed to create or update bootstrap token', e)
            : Promise.reject(e),
        )
        // cmd/token.go: --print-join-command prints the join template of cmd/util/join.go on ONE
        // line (its "\\\n" and "\t" removed), with --control-plane --certificate-key K when a key is given.
        if (flags['print-join-command']) {
          const key = flags['certificate-key']
          const command = joinCommand(conn.server, token, conn.ca, {
            controlPlane: key !== undefined,
            certificateKey: key,
          })
          out(command.replaceAll('\\\n', '').replaceAll('\t', ''))
        } else out(token)
      } finally {
        api.close()
      }
      return
    }
    case 'list': {
      const { flags } = parseFlags(rest, { kubeconfig: 'str', v: 'str', output: 'str' })
      if (flags.output) fatal('flotilla-sim: token list -o is not simulated')
      const { api } = adminApi(flags.kubeconfig)
      let tokens
      try {
        tokens = await listTokens(api)
      } catch (e) {
        apiFailure('failed to list bootstrap tokens', e)
      } finally {
        api.close()
      }
      const rows = [['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS']]
      for (const t of tokens) {
        const ms = t.expires ? new Date(t.expires) - Date.now() : null
        rows.push([
          t.token,
          ms === null ? '<forever>' : shortHumanDuration(ms),
          t.expires ?? '<never>',
          t.usages.join(','),
          t.description || '<none>',
          t.groups.join(','),
        ])
      }
      const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
      for (const r of rows) out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] + 3))).join(''))
      return
    }
    case 'delete': {
      const { flags, positional } = parseFlags(rest, { kubeconfig: 'str', v: 'str', 'dry-run': 'bool' })
      if (!positional.length)
        fatal(
          'missing subcommand; "token delete" is missing token of form "(?i)[a-z0-9]{6}\\.[a-z0-9]{16}" or "(?i)[a-z0-9]{6}"',
        )
      const { api } = adminApi(flags.kubeconfig)
      try {
        for (const arg of positional) {
          if (!/^[a-z0-9]{6}$/.test(arg) && !TOKEN_PATTERN.test(arg)) {
            fatal(`given token didn't match pattern "^([a-z0-9]{6})$" or "${TOKEN_PATTERN.source}"`)
          }
          const id = arg.slice(0, 6)
          try {
            await api.delete(`/api/v1/namespaces/kube-system/secrets/bootstrap-token-${id}`)
          } catch (e) {
            if (e instanceof KubeError && e.status === 404)
              fatal(`failed to delete bootstrap token with ID "${id}": secrets "bootstrap-token-${id}" not found`)
            apiFailure(`failed to delete bootstrap token with ID "${id}"`, e)
          }
          out(`bootstrap token "${id}" deleted`)
        }
      } finally {
        api.close()
      }
      return
    }
    case 'generate':
      out(randomToken())
      return
    default:
      fatal(
        sub
          ? `unknown command "${sub}" for "kubeadm token"`
          : 'missing subcommand; "token" is not meant to be run on its own',
      )
  }
}

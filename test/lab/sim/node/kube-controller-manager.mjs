#!/usr/bin/env node
// FLOTILLA SIMULATOR STAND-IN for kube-controller-manager -- not the real one. Parses the flags
// kubeadm writes, serves HTTPS /healthz on --secure-port (10257), elects a leader through the
// kube-system/kube-controller-manager Lease, and the leader runs, against the API server stand-in
// with its --kubeconfig: CSR approving (upstream's SubjectAccessReview rules for kubelet client
// certificates) and signing (openssl, --cluster-signing-cert/key-file), bootstrapsigner (detached
// HS256 JWS of the cluster-info kubeconfig per bootstrap token), tokencleaner, node lifecycle
// (Unknown after --node-monitor-grace-period, unreachable/not-ready taints), DaemonSet, Deployment
// and ReplicaSet controllers and the garbage collection of what their owners left. Everything polls once a second.
import fs from 'node:fs'
import os from 'node:os'
import crypto from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { kubeClient, loadKubeconfig } from './kube-client.mjs'
import { isTrue, klog, klogFatal, leaderElect, parseFlags, serveHealthz } from './apiserver/component.mjs'
import { nodeMatches, untoleratedTaint } from './apiserver/scheduling.mjs'

const flags = parseFlags(process.argv.slice(2), {
  command: 'kube-controller-manager',
  known: [
    'allocate-node-cidrs',
    'authentication-kubeconfig',
    'authorization-kubeconfig',
    'bind-address',
    'client-ca-file',
    'cluster-cidr',
    'cluster-name',
    'cluster-signing-cert-file',
    'cluster-signing-key-file',
    'cluster-signing-duration',
    'controllers',
    'kubeconfig',
    'leader-elect',
    'requestheader-client-ca-file',
    'root-ca-file',
    'service-account-private-key-file',
    'service-cluster-ip-range',
    'use-service-account-credentials',
    'node-monitor-grace-period',
    'node-monitor-period',
    'secure-port',
    'v',
    'profiling',
    'leader-elect-lease-duration',
    'leader-elect-renew-deadline',
    'leader-elect-retry-period',
    'node-cidr-mask-size',
    'flex-volume-plugin-dir',
  ],
  bools: ['allocate-node-cidrs', 'leader-elect', 'use-service-account-credentials', 'profiling'],
  notSimulated: ['cloud-provider', 'feature-gates', 'external-cloud-volume-plugin', 'terminated-pod-gc-threshold'],
})

function goDuration(s, flag) {
  const m = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?$/.exec(s ?? '')
  if (!s || !m || s === '') klogFatal(`invalid argument "${s}" for "--${flag}" flag: time: invalid duration "${s}"`)
  return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000
}
const gracePeriodMs = flags['node-monitor-grace-period']
  ? goDuration(flags['node-monitor-grace-period'], 'node-monitor-grace-period')
  : 40_000
const signingDurationMs = flags['cluster-signing-duration']
  ? goDuration(flags['cluster-signing-duration'], 'cluster-signing-duration')
  : 365 * 24 * 3600_000
if (!flags.kubeconfig) klogFatal('flotilla-sim: running without --kubeconfig (in-cluster config) is not simulated')
for (const f of [
  'kubeconfig',
  'authentication-kubeconfig',
  'authorization-kubeconfig',
  'client-ca-file',
  'requestheader-client-ca-file',
  'root-ca-file',
  'service-account-private-key-file',
])
  if (flags[f] && !fs.existsSync(flags[f])) klogFatal(`stat ${flags[f]}: no such file or directory`)
const signCert = flags['cluster-signing-cert-file']
const signKey = flags['cluster-signing-key-file']
if ((signCert && !signKey) || (!signCert && signKey))
  klogFatal('cannot specify --cluster-signing-cert-file without --cluster-signing-key-file')
for (const f of [signCert, signKey])
  if (f && !fs.existsSync(f)) klogFatal(`error reading CA cert file "${f}": open ${f}: no such file or directory`)

// --controllers: '*' = the default-on ones; bootstrapsigner and tokencleaner are off by default.
const KNOWN_CONTROLLERS = [
  'csrapproving',
  'csrsigning',
  'csrcleaner',
  'bootstrapsigner',
  'tokencleaner',
  'nodelifecycle',
  'daemonset',
  'garbagecollector',
  'deployment',
  'replicaset',
  'statefulset',
  'job',
  'cronjob',
  'namespace',
  'serviceaccount',
  'serviceaccount-token',
  'endpoint',
  'endpointslice',
  'endpointslicemirroring',
  'replicationcontroller',
  'podgc',
  'resourcequota',
  'disruption',
  'horizontalpodautoscaling',
  'nodeipam',
  'persistentvolume-binder',
  'attachdetach',
  'persistentvolume-expander',
  'clusterrole-aggregation',
  'pvc-protection',
  'pv-protection',
  'ttl',
  'ttl-after-finished',
  'root-ca-cert-publisher',
  'ephemeral-volume',
  'route',
  'service',
  'cloud-node-lifecycle',
  'storageversion-garbage-collector',
  'validatingadmissionpolicy-status',
  'taint-eviction-controller',
  'legacy-serviceaccount-token-cleaner',
  'resourceclaim',
  'service-cidr',
]
const DEFAULT_OFF = ['bootstrapsigner', 'tokencleaner']
const wanted = (flags.controllers ?? '*').split(',')
for (const c of wanted) {
  const n = c.replace(/^-/, '')
  if (n !== '*' && !KNOWN_CONTROLLERS.includes(n)) klogFatal(`"${n}" is not in the list of known controllers`)
}
const enabled = (c) =>
  !wanted.includes(`-${c}`) && (wanted.includes(c) || (wanted.includes('*') && !DEFAULT_OFF.includes(c)))

const api = kubeClient(loadKubeconfig(flags.kubeconfig))
await serveHealthz({
  bindAddress: flags['bind-address'] ?? '0.0.0.0',
  port: Number(flags['secure-port'] ?? 10257),
  name: 'kube-controller-manager',
})
process.on('SIGTERM', () => process.exit(0))

const start = () => {
  klog('I', 'Started controllers')
  const loop = async () => {
    for (const [name, fn] of [
      ['csrapproving', approveCSRs],
      ['csrsigning', signCSRs],
      ['bootstrapsigner', bootstrapSigner],
      ['tokencleaner', tokenCleaner],
      ['nodelifecycle', nodeLifecycle],
      ['daemonset', daemonSets],
      ['deployment', deployments],
      ['replicaset', replicaSets],
    ]) {
      if (!enabled(name)) continue
      try {
        await fn()
      } catch (e) {
        klog('E', `${name}: ${e.message}`)
      }
    }
    setTimeout(loop, 1000)
  }
  loop()
}
if (isTrue(flags['leader-elect'], true)) leaderElect(api, { name: 'kube-controller-manager', onStarted: start })
else start()

// ---------------------------------------------------------------------------------------------
// CSRs
function openssl(args, input) {
  const r = spawnSync('openssl', args, { input, encoding: 'utf8' })
  return { ok: r.status === 0, out: r.stdout, err: r.stderr }
}
/** Subject (CN, O list) and SANs of a PEM CSR, or undefined if it does not parse/verify. */
function parseCSR(pem) {
  const r = openssl(['req', '-noout', '-verify', '-subject', '-nameopt', 'sep_multiline,sname', '-text'], pem)
  if (!r.ok) return undefined
  const subj = /subject=\n((?:\s+\S.*\n)+)/.exec(r.out)?.[1] ?? ''
  const cn = [...subj.matchAll(/^\s+CN=(.*)$/gm)].map((m) => m[1])
  const orgs = [...subj.matchAll(/^\s+O=(.*)$/gm)].map((m) => m[1])
  const sans = /X509v3 Subject Alternative Name:.*\n\s+(.*)/.exec(r.out)?.[1]
  return { cn: cn[0] ?? '', orgs, sans: sans ? sans.split(',').map((s) => s.trim()) : [] }
}
const KUBELET_CLIENT = 'kubernetes.io/kube-apiserver-client-kubelet'
const sameSet = (a, b) => a.length === b.length && a.every((x) => b.includes(x))
/** k8s.io/kubernetes/pkg/apis/certificates ValidateKubeletClientCSR + usage sets. */
function isNodeClientCert(csr, x) {
  if (csr.spec.signerName !== KUBELET_CLIENT) return false
  if (!x || !sameSet(x.orgs, ['system:nodes'])) return false
  if (!x.cn.startsWith('system:node:')) return false
  if (x.sans.length) return false
  const usages = [...new Set(csr.spec.usages ?? [])]
  return (
    sameSet(usages, ['digital signature', 'client auth']) ||
    sameSet(usages, ['key encipherment', 'digital signature', 'client auth'])
  )
}
const decided = (csr) => (csr.status?.conditions ?? []).some((c) => ['Approved', 'Denied', 'Failed'].includes(c.type))

async function approveCSRs() {
  const list = await api.get('/apis/certificates.k8s.io/v1/certificatesigningrequests')
  for (const csr of list.items) {
    if (decided(csr) || csr.spec.signerName !== KUBELET_CLIENT) continue
    const x = parseCSR(Buffer.from(csr.spec.request, 'base64').toString('utf8'))
    if (!isNodeClientCert(csr, x)) continue
    const self = x.cn === csr.spec.username
    const tries = [
      ...(self
        ? [['selfnodeclient', 'Auto approving self kubelet client certificate after SubjectAccessReview.']]
        : []),
      ['nodeclient', 'Auto approving kubelet client certificate after SubjectAccessReview.'],
    ]
    for (const [subresource, message] of tries) {
      const sar = await api.create('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: csr.spec.username,
          groups: csr.spec.groups,
          ...(csr.spec.uid ? { uid: csr.spec.uid } : {}),
          resourceAttributes: {
            group: 'certificates.k8s.io',
            resource: 'certificatesigningrequests',
            verb: 'create',
            subresource,
          },
        },
      })
      if (!sar.status?.allowed) continue
      csr.status = {
        ...(csr.status ?? {}),
        conditions: [
          ...(csr.status?.conditions ?? []),
          { type: 'Approved', status: 'True', reason: 'AutoApproved', message },
        ],
      }
      await api.update(`/apis/certificates.k8s.io/v1/certificatesigningrequests/${csr.metadata.name}/approval`, csr)
      klog('I', `certificate signing request ${csr.metadata.name} approved (${subresource})`)
      break
    }
  }
}

const SIGNERS = {
  [KUBELET_CLIENT]: { allowed: ['digital signature', 'key encipherment', 'client auth'], required: ['client auth'] },
  'kubernetes.io/kube-apiserver-client': {
    allowed: ['digital signature', 'key encipherment', 'client auth'],
    required: ['client auth'],
  },
  'kubernetes.io/kubelet-serving': {
    allowed: ['digital signature', 'key encipherment', 'server auth'],
    required: ['server auth'],
  },
}
const USAGE_EXT = {
  'digital signature': 'digitalSignature',
  'key encipherment': 'keyEncipherment',
  'client auth': 'clientAuth',
  'server auth': 'serverAuth',
}

async function signCSRs() {
  if (!signCert) return
  const list = await api.get('/apis/certificates.k8s.io/v1/certificatesigningrequests')
  for (const csr of list.items) {
    const conds = csr.status?.conditions ?? []
    if (!conds.some((c) => c.type === 'Approved') || conds.some((c) => c.type === 'Failed') || csr.status?.certificate)
      continue
    const signer = SIGNERS[csr.spec.signerName]
    if (!signer) continue
    const usages = csr.spec.usages ?? []
    const path = `/apis/certificates.k8s.io/v1/certificatesigningrequests/${csr.metadata.name}/status`
    const fail = async (message) => {
      csr.status = {
        ...(csr.status ?? {}),
        conditions: [...conds, { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message }],
      }
      await api.update(path, csr)
    }
    const bad = usages.filter((u) => !signer.allowed.includes(u))
    if (bad.length || !signer.required.every((u) => usages.includes(u))) {
      await fail(`invalid usage for ${csr.spec.signerName}: ${JSON.stringify(bad.length ? bad : usages)}`)
      continue
    }
    const pem = Buffer.from(csr.spec.request, 'base64').toString('utf8')
    const dir = fs.mkdtempSync(`${os.tmpdir()}/flotilla-sim-csr-`)
    try {
      fs.writeFileSync(`${dir}/req.csr`, pem)
      const ku = usages.filter((u) => ['digital signature', 'key encipherment'].includes(u)).map((u) => USAGE_EXT[u])
      const eku = usages.filter((u) => ['client auth', 'server auth'].includes(u)).map((u) => USAGE_EXT[u])
      fs.writeFileSync(
        `${dir}/ext.cnf`,
        [
          'basicConstraints=critical,CA:FALSE',
          ...(ku.length ? [`keyUsage=critical,${ku.join(',')}`] : []),
          `extendedKeyUsage=${eku.join(',')}`,
        ].join('\n'),
      )
      const ms = Math.min(signingDurationMs, (csr.spec.expirationSeconds ?? Infinity) * 1000)
      const days = Math.max(1, Math.round(ms / 86_400_000))
      const args = [
        'x509',
        '-req',
        '-in',
        `${dir}/req.csr`,
        '-CA',
        signCert,
        '-CAkey',
        signKey,
        '-set_serial',
        `0x${crypto.randomBytes(16).toString('hex')}`,
        '-days',
        String(days),
        '-extfile',
        `${dir}/ext.cnf`,
      ]
      if (csr.spec.signerName === 'kubernetes.io/kubelet-serving') args.push('-copy_extensions', 'copy')
      const r = openssl(args)
      if (!r.ok) {
        await fail(`flotilla-sim: openssl could not sign: ${r.err.trim()}`)
        continue
      }
      csr.status = { ...(csr.status ?? {}), certificate: Buffer.from(r.out).toString('base64') }
      await api.update(path, csr)
      klog('I', `signed certificate signing request ${csr.metadata.name} (${csr.spec.signerName})`)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Bootstrap tokens
const b64d = (s) => (s === undefined ? undefined : Buffer.from(s, 'base64').toString('utf8'))
async function bootstrapTokens() {
  const list = await api.get('/api/v1/namespaces/kube-system/secrets', {
    fieldSelector: 'type=bootstrap.kubernetes.io/token',
  })
  return list.items
}
const expired = (s) => {
  const exp = b64d(s.data?.expiration)
  return exp !== undefined && !(Date.parse(exp) > Date.now())
}
const b64url = (b) => Buffer.from(b).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
/** k8s.io/cluster-bootstrap/token/jws.ComputeDetachedSignature: go-jose HS256 with kid, payload detached. */
export function detachedJWS(content, tokenId, tokenSecret) {
  const header = b64url(JSON.stringify({ alg: 'HS256', kid: tokenId }))
  const payload = b64url(content)
  const sig = b64url(crypto.createHmac('sha256', tokenSecret).update(`${header}.${payload}`).digest())
  return `${header}..${sig}`
}

async function bootstrapSigner() {
  const cm = await api.find('/api/v1/namespaces/kube-public/configmaps/cluster-info')
  if (!cm) return
  const content = cm.data?.kubeconfig ?? ''
  const want = {}
  for (const s of await bootstrapTokens()) {
    if (expired(s) || b64d(s.data?.['usage-bootstrap-signing']) !== 'true') continue
    const id = b64d(s.data?.['token-id'])
    const secret = b64d(s.data?.['token-secret'])
    if (!id || !secret || s.metadata.name !== `bootstrap-token-${id}`) continue
    want[`jws-kubeconfig-${id}`] = detachedJWS(content, id, secret)
  }
  const data = { ...(cm.data ?? {}) }
  let changed = false
  for (const k of Object.keys(data)) {
    if (k.startsWith('jws-kubeconfig-') && !(k in want)) {
      delete data[k]
      changed = true
    }
  }
  for (const [k, v] of Object.entries(want)) {
    if (data[k] !== v) {
      data[k] = v
      changed = true
    }
  }
  if (changed) {
    cm.data = data
    await api.update('/api/v1/namespaces/kube-public/configmaps/cluster-info', cm)
  }
}

async function tokenCleaner() {
  for (const s of await bootstrapTokens()) {
    if (!expired(s)) continue
    klog('I', `Deleting expired secret kube-system/${s.metadata.name}`)
    await api
      .request('DELETE', `/api/v1/namespaces/kube-system/secrets/${s.metadata.name}`, {
        body: {
          kind: 'DeleteOptions',
          apiVersion: 'v1',
          preconditions: { resourceVersion: s.metadata.resourceVersion },
        },
      })
      .catch((e) => {
        if (e.status !== 404 && e.status !== 409) throw e
      })
  }
}

// ---------------------------------------------------------------------------------------------
// Node lifecycle
const UNREACHABLE = 'node.kubernetes.io/unreachable'
const NOT_READY = 'node.kubernetes.io/not-ready'
async function nodeLifecycle() {
  const nodes = (await api.get('/api/v1/nodes')).items
  const leases = (await api.get('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases')).items
  const t = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
  for (const n of nodes) {
    const ready = (n.status?.conditions ?? []).find((c) => c.type === 'Ready')
    const lease = leases.find((l) => l.metadata.name === n.metadata.name)
    const last = Math.max(
      Date.parse(n.metadata.creationTimestamp),
      ready?.lastHeartbeatTime ? Date.parse(ready.lastHeartbeatTime) : 0,
      lease?.spec?.renewTime ? Date.parse(lease.spec.renewTime) : 0,
    )
    const path = `/api/v1/nodes/${n.metadata.name}`
    if (Date.now() - last > gracePeriodMs && ready?.status !== 'Unknown') {
      const conds = (n.status?.conditions ?? []).map((c) =>
        ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].includes(c.type)
          ? {
              ...c,
              status: 'Unknown',
              reason: 'NodeStatusUnknown',
              message: 'Kubelet stopped posting node status.',
              lastTransitionTime: t,
            }
          : c,
      )
      if (!ready)
        conds.push({
          type: 'Ready',
          status: 'Unknown',
          reason: 'NodeStatusNeverUpdated',
          message: 'Kubelet never posted node status.',
          lastHeartbeatTime: n.metadata.creationTimestamp,
          lastTransitionTime: t,
        })
      await api.patch(`${path}/status`, { status: { conditions: conds } }, 'strategic')
      klog('I', `Node ${n.metadata.name} hasn't been updated for more than the grace period: marking it Unknown`)
      continue
    }
    // taints follow the Ready condition
    const status = ready?.status ?? 'Unknown'
    const taints = (n.spec?.taints ?? []).filter((x) => ![UNREACHABLE, NOT_READY].includes(x.key))
    if (status === 'Unknown')
      taints.push({ key: UNREACHABLE, effect: 'NoSchedule' }, { key: UNREACHABLE, effect: 'NoExecute', timeAdded: t })
    if (status === 'False')
      taints.push({ key: NOT_READY, effect: 'NoSchedule' }, { key: NOT_READY, effect: 'NoExecute', timeAdded: t })
    const key = (l) => JSON.stringify((l ?? []).map((x) => [x.key, x.effect, x.value ?? '']).sort())
    if (key(taints) !== key(n.spec?.taints)) {
      const keep = (n.spec?.taints ?? []).filter((x) => taints.some((y) => y.key === x.key && y.effect === x.effect))
      const added = taints.filter((y) => !keep.some((x) => x.key === y.key && x.effect === y.effect))
      // With the resourceVersion that was read, as upstream's PatchNodeTaints does: a taint added
      // meanwhile (kubeadm's mark-control-plane) makes this a Conflict, never a lost update. The
      // next pass (1 s) reads again.
      try {
        await api.patch(
          path,
          { metadata: { resourceVersion: n.metadata.resourceVersion }, spec: { taints: [...keep, ...added] } },
          'strategic',
        )
      } catch (e) {
        if (e.status !== 409) throw e
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// DaemonSets (+ garbage collection of their pods)
const DS_TOLERATIONS = [
  { key: NOT_READY, operator: 'Exists', effect: 'NoExecute' },
  { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute' },
  { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
  { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
]
function shouldRun(ds, node, tolerations) {
  const spec = ds.spec.template.spec ?? {}
  return nodeMatches(spec, node) && !untoleratedTaint({ tolerations }, node)
}
async function daemonSets() {
  const [dss, nodes, pods] = await Promise.all([
    api.get('/apis/apps/v1/daemonsets').then((l) => l.items),
    api.get('/api/v1/nodes').then((l) => l.items),
    api.get('/api/v1/pods').then((l) => l.items),
  ])
  const owner = (p) => (p.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === 'DaemonSet')
  // garbage collector: pods whose DaemonSet is gone
  for (const p of pods) {
    const ref = owner(p)
    if (ref && !p.metadata.deletionTimestamp && !dss.some((d) => d.metadata.uid === ref.uid))
      await api.delete(`/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`).catch(() => {})
  }
  for (const ds of dss) {
    const ns = ds.metadata.namespace
    const gen = String(ds.metadata.generation ?? 1)
    // pods being deleted (waiting for their kubelet) no longer count, as upstream
    const mine = pods.filter((p) => owner(p)?.uid === ds.metadata.uid && !p.metadata.deletionTimestamp)
    const extra = [...(ds.spec.template.spec?.tolerations ?? []), ...DS_TOLERATIONS]
    if (ds.spec.template.spec?.hostNetwork)
      extra.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' })
    let desired = 0
    let current = 0
    let ready = 0
    let updated = 0
    for (const node of nodes) {
      const run = shouldRun(ds, node, extra)
      const here = mine.filter((p) => p.spec?.nodeName === node.metadata.name)
      const keep = []
      for (const p of here) {
        if (!run || p.metadata.labels?.['pod-template-generation'] !== gen || keep.length)
          await api.delete(`/api/v1/namespaces/${ns}/pods/${p.metadata.name}`).catch(() => {})
        else keep.push(p)
      }
      if (!run) continue
      desired++
      if (!keep.length) {
        const tpl = JSON.parse(JSON.stringify(ds.spec.template))
        await api.create(`/api/v1/namespaces/${ns}/pods`, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            generateName: `${ds.metadata.name}-`,
            namespace: ns,
            labels: {
              ...(tpl.metadata?.labels ?? {}),
              'controller-revision-hash': crypto
                .createHash('sha256')
                .update(JSON.stringify(ds.spec.template))
                .digest('hex')
                .slice(0, 10),
              'pod-template-generation': gen,
            },
            annotations: tpl.metadata?.annotations,
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'DaemonSet',
                name: ds.metadata.name,
                uid: ds.metadata.uid,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          spec: { ...tpl.spec, nodeName: node.metadata.name, tolerations: dedupe(extra) },
        })
        continue
      }
      current++
      updated++
      if ((keep[0].status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')) ready++
    }
    const status = {
      desiredNumberScheduled: desired,
      currentNumberScheduled: current,
      numberReady: ready,
      numberAvailable: ready,
      updatedNumberScheduled: updated,
      numberMisscheduled: 0,
      observedGeneration: ds.metadata.generation ?? 1,
      ...(desired - ready > 0 ? { numberUnavailable: desired - ready } : {}),
    }
    if (JSON.stringify(status) !== JSON.stringify(ds.status ?? {}))
      await api
        .request('PUT', `/apis/apps/v1/namespaces/${ns}/daemonsets/${ds.metadata.name}/status`, {
          body: { ...ds, status },
        })
        .catch((e) => {
          if (e.status !== 409) throw e
        })
  }
}
const dedupe = (ts) => {
  const seen = new Set()
  return ts.filter((t) => {
    const k = JSON.stringify([t.key, t.operator, t.value, t.effect])
    return seen.has(k) ? false : seen.add(k)
  })
}

// ---------------------------------------------------------------------------------------------
// Deployments → ReplicaSets → pods (the scheduler binds them). A template change creates a new
// ReplicaSet (named <deployment>-<pod-template-hash>) and scales the old ones to 0 at once.
const SAFE = 'bcdfghjklmnpqrstvwxz2456789' // k8s.io/apimachinery rand.SafeEncodeString alphabet
function templateHash(template) {
  let h = 0x811c9dc5 // FNV-32a, as controller.ComputeHash
  for (const b of Buffer.from(JSON.stringify(template))) h = Math.imul(h ^ b, 0x01000193) >>> 0
  return [...String(h)].map((c) => SAFE[c.charCodeAt(0) % SAFE.length]).join('')
}
const controllerOf = (o, kind) => (o.metadata.ownerReferences ?? []).find((r) => r.controller && r.kind === kind)
const podReady = (p) => (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True')
const micro = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z')

async function deployments() {
  const [deploys, rss] = await Promise.all([
    api.get('/apis/apps/v1/deployments').then((l) => l.items),
    api.get('/apis/apps/v1/replicasets').then((l) => l.items),
  ])
  for (const rs of rss) {
    const ref = controllerOf(rs, 'Deployment')
    if (ref && !deploys.some((d) => d.metadata.uid === ref.uid))
      await api
        .delete(`/apis/apps/v1/namespaces/${rs.metadata.namespace}/replicasets/${rs.metadata.name}`)
        .catch(() => {})
  }
  for (const d of deploys) {
    const ns = d.metadata.namespace
    const replicas = d.spec.replicas ?? 1
    const hash = templateHash(d.spec.template)
    const mine = rss.filter((rs) => controllerOf(rs, 'Deployment')?.uid === d.metadata.uid)
    let current = mine.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash)
    if (!current) {
      const tpl = JSON.parse(JSON.stringify(d.spec.template))
      tpl.metadata = { ...(tpl.metadata ?? {}), labels: { ...(tpl.metadata?.labels ?? {}), 'pod-template-hash': hash } }
      current = await api.create(`/apis/apps/v1/namespaces/${ns}/replicasets`, {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: {
          name: `${d.metadata.name}-${hash}`,
          namespace: ns,
          labels: tpl.metadata.labels,
          annotations: {
            'deployment.kubernetes.io/desired-replicas': String(replicas),
            'deployment.kubernetes.io/revision': String(mine.length + 1),
          },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: d.metadata.name,
              uid: d.metadata.uid,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: {
          replicas,
          selector: {
            ...d.spec.selector,
            matchLabels: { ...(d.spec.selector?.matchLabels ?? {}), 'pod-template-hash': hash },
          },
          template: tpl,
        },
      })
      klog('I', `Scaled up replica set ${ns}/${current.metadata.name} to ${replicas}`)
    } else if ((current.spec.replicas ?? 1) !== replicas) {
      await api.patch(
        `/apis/apps/v1/namespaces/${ns}/replicasets/${current.metadata.name}`,
        { spec: { replicas } },
        'merge',
      )
    }
    for (const old of mine.filter((rs) => rs.metadata.uid !== current.metadata.uid && (rs.spec.replicas ?? 1) !== 0))
      await api.patch(
        `/apis/apps/v1/namespaces/${ns}/replicasets/${old.metadata.name}`,
        { spec: { replicas: 0 } },
        'merge',
      )
    const st = (rs) => rs.status ?? {}
    const all = mine.some((rs) => rs.metadata.uid === current.metadata.uid) ? mine : [...mine, current]
    const updated = st(current).replicas ?? 0
    const available = st(current).availableReplicas ?? 0
    const total = all.reduce((n, rs) => n + (st(rs).replicas ?? 0), 0)
    const ready = all.reduce((n, rs) => n + (st(rs).readyReplicas ?? 0), 0)
    const availableAll = all.reduce((n, rs) => n + (st(rs).availableReplicas ?? 0), 0)
    const complete = updated === replicas && total === replicas && available === replicas
    const prev = d.status?.conditions ?? []
    const cond = (type, status, reason, message) => {
      const p = prev.find((c) => c.type === type)
      const same = p?.status === status && p?.reason === reason
      return {
        type,
        status,
        lastUpdateTime: same ? p.lastUpdateTime : micro(),
        lastTransitionTime: p?.status === status ? p.lastTransitionTime : micro(),
        reason,
        message,
      }
    }
    const status = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas: total,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: availableAll,
      ...(total - availableAll > 0 ? { unavailableReplicas: total - availableAll } : {}),
      conditions: [
        availableAll >= replicas
          ? cond('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
          : cond('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
        complete
          ? cond(
              'Progressing',
              'True',
              'NewReplicaSetAvailable',
              `ReplicaSet "${current.metadata.name}" has successfully progressed.`,
            )
          : cond('Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "${current.metadata.name}" is progressing.`),
      ],
    }
    const strip = (x) =>
      JSON.stringify({ ...x, conditions: (x.conditions ?? []).map((c) => [c.type, c.status, c.reason]) })
    if (strip(status) !== strip(d.status ?? {}))
      await api
        .request('PUT', `/apis/apps/v1/namespaces/${ns}/deployments/${d.metadata.name}/status`, {
          body: { ...d, status },
        })
        .catch((e) => {
          if (e.status !== 409) throw e
        })
  }
}

async function replicaSets() {
  const [rss, pods] = await Promise.all([
    api.get('/apis/apps/v1/replicasets').then((l) => l.items),
    api.get('/api/v1/pods').then((l) => l.items),
  ])
  for (const p of pods) {
    const ref = controllerOf(p, 'ReplicaSet')
    if (ref && !p.metadata.deletionTimestamp && !rss.some((rs) => rs.metadata.uid === ref.uid))
      await api.delete(`/api/v1/namespaces/${p.metadata.namespace}/pods/${p.metadata.name}`).catch(() => {})
  }
  for (const rs of rss) {
    const ns = rs.metadata.namespace
    const want = rs.spec.replicas ?? 1
    const mine = pods.filter(
      (p) => controllerOf(p, 'ReplicaSet')?.uid === rs.metadata.uid && !p.metadata.deletionTimestamp,
    )
    for (let i = mine.length; i < want; i++) {
      const tpl = JSON.parse(JSON.stringify(rs.spec.template))
      mine.push(
        await api.create(`/api/v1/namespaces/${ns}/pods`, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            generateName: `${rs.metadata.name}-`,
            namespace: ns,
            labels: tpl.metadata?.labels,
            annotations: tpl.metadata?.annotations,
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'ReplicaSet',
                name: rs.metadata.name,
                uid: rs.metadata.uid,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          spec: tpl.spec,
        }),
      )
    }
    if (mine.length > want) {
      // unscheduled first, then not ready, then the youngest (controller.ActivePods ordering, simplified)
      const rank = (p) => (p.spec?.nodeName ? 2 : 0) + (podReady(p) ? 1 : 0)
      const victims = [...mine]
        .sort(
          (a, b) =>
            rank(a) - rank(b) || (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''),
        )
        .slice(0, mine.length - want)
      for (const v of victims) await api.delete(`/api/v1/namespaces/${ns}/pods/${v.metadata.name}`).catch(() => {})
      mine.splice(0, mine.length, ...mine.filter((p) => !victims.includes(p)))
    }
    const ready = mine.filter(podReady).length
    const status = {
      replicas: mine.length,
      fullyLabeledReplicas: mine.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation ?? 1,
    }
    if (JSON.stringify(status) !== JSON.stringify(rs.status ?? {}))
      await api
        .request('PUT', `/apis/apps/v1/namespaces/${ns}/replicasets/${rs.metadata.name}/status`, {
          body: { ...rs, status },
        })
        .catch((e) => {
          if (e.status !== 409) throw e
        })
  }
}

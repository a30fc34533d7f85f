// FLOTILLA SIMULATOR: what a kubelet does towards the API server -- not the real kubelet. Used by
// the kubelet stand-in (node/kubelet.mjs) and the k3s agent stand-in.
//
//   const agent = await startNodeAgent({ kubeconfig, bootstrapKubeconfig, certDir, nodeName,
//     labels, taints, address, osImage, kernelVersion, arch, kubeletVersion,
//     containerRuntimeVersion, cniConfDir = '/etc/cni/net.d', heartbeatMs = 10000, log })
//   agent.stop()
//
// - TLS bootstrap (pkg/kubelet/certificate/bootstrap): when `kubeconfig` is missing or its client
//   certificate has expired and a bootstrap kubeconfig (a token) exists, it makes an ECDSA P-256
//   key and a CSR for CN=system:node:<name>, O=system:nodes, creates a certificates.k8s.io/v1
//   CertificateSigningRequest `node-csr-<digest>` with signerName
//   kubernetes.io/kube-apiserver-client-kubelet and usages [digital signature, client auth] (the
//   kubelet adds key encipherment only for RSA keys), waits until it is approved and issued,
//   stores cert+key in <certDir>/kubelet-client-<date>.pem with the kubelet-client-current.pem
//   symlink, and writes `kubeconfig` pointing at it, as the kubelet does.
// - registers the Node (labels, taints from --register-with-taints, addresses, nodeInfo), then
//   heartbeats: node status conditions every heartbeatMs (and at once when the CNI state changes)
//   and the Lease in kube-node-lease. Ready only once a CNI config exists in cniConfDir; before
//   that NotReady with the kubelet's NetworkPluginNotReady message.
// - "runs" the pods bound to its node: marks them Running; a pod whose image is a known CNI
//   (flannel, calico/node, weave-kube, cilium) writes that CNI's config into cniConfDir; a pod
//   being deleted (deletionTimestamp) is removed with grace period 0 once "stopped".
// Errors towards the API (unknown CA, Unauthorized, server down) are logged the way the kubelet
// logs them and retried; nothing is registered with credentials the server refuses.
import { createHash, createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { KubeError, kubeClient, loadKubeconfig } from './kube-client.mjs'

export const SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet'
export const NOT_READY_MESSAGE =
  'container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized'

// The CNI config file each known CNI's pods install (their install-cni init containers).
export const CNI_IMAGES = [
  {
    match: /(^|\/)flannel(-cni-plugin)?:|(^|\/)flannel\/flannel/,
    file: '10-flannel.conflist',
    config: {
      name: 'cbr0',
      cniVersion: '0.3.1',
      plugins: [
        { type: 'flannel', delegate: { hairpinMode: true, isDefaultGateway: true } },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    },
  },
  {
    match: /(^|\/)calico\/(node|cni):/,
    file: '10-calico.conflist',
    config: { name: 'k8s-pod-network', cniVersion: '0.3.1', plugins: [{ type: 'calico' }, { type: 'portmap' }] },
  },
  {
    match: /(^|\/)weave-kube:/,
    file: '10-weave.conflist',
    config: { name: 'weave', cniVersion: '0.3.0', plugins: [{ type: 'weave-net', hairpinMode: true }] },
  },
  {
    match: /(^|\/)cilium\/cilium:|(^|\/)cilium:/,
    file: '05-cilium.conflist',
    config: { name: 'cilium', cniVersion: '0.3.1', plugins: [{ type: 'cilium-cni' }] },
  },
]

// klog-style line, as the kubelet writes to its journal.
function klog(level, message, fields = {}) {
  const d = new Date()
  const p = (n, w = 2) => String(n).padStart(w, '0')
  const kv = Object.entries(fields)
    .map(([k, v]) => ` ${k}=${JSON.stringify(String(v))}`)
    .join('')
  return `${level}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000 ${String(process.pid).padStart(7)} node-agent.mjs] ${JSON.stringify(message)}${kv}`
}

function openssl(args, input) {
  const r = spawnSync('openssl', args, { input, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.trim()}`)
  return r.stdout
}

// A Go/TLS-ish description of a connection error, as client-go would print it.
export function describeError(e) {
  if (e instanceof KubeError) return e.reason || e.body?.message || `status ${e.status}`
  const code = e?.code ?? ''
  if (
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT'
  )
    return `tls: failed to verify certificate: x509: certificate signed by unknown authority`
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `tls: failed to verify certificate: x509: ${e.message}`
  if (code === 'ECONNREFUSED') return `dial tcp ${e.address}:${e.port}: connect: connection refused`
  return e?.message ?? String(e)
}

const certValid = (pem) => {
  try {
    const x = new X509Certificate(pem)
    return new Date(x.validTo) > new Date() && new Date(x.validFrom) <= new Date(Date.now() + 60_000)
  } catch {
    return false
  }
}

function kubeconfigText({ server, caData }, certFile) {
  // What the kubelet writes after bootstrapping (writeKubeconfigFromBootstrapping).
  return [
    'apiVersion: v1',
    'clusters:',
    '- cluster:',
    `    certificate-authority-data: ${caData}`,
    `    server: ${server}`,
    '  name: default-cluster',
    'contexts:',
    '- context:',
    '    cluster: default-cluster',
    '    namespace: default',
    '    user: default-auth',
    '  name: default-context',
    'current-context: default-context',
    'kind: Config',
    'preferences: {}',
    'users:',
    '- name: default-auth',
    '  user:',
    `    client-certificate: ${certFile}`,
    `    client-key: ${certFile}`,
    '',
  ].join('\n')
}

// The certificate store's layout: kubelet-client-<date>.pem (cert then key) and a -current link.
function storeCert(certDir, certPem, keyPem) {
  fs.mkdirSync(certDir, { recursive: true, mode: 0o755 })
  const d = new Date()
  const p = (n) => String(n).padStart(2, '0')
  const dated = `kubelet-client-${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}-${p(d.getUTCHours())}-${p(d.getUTCMinutes())}-${p(d.getUTCSeconds())}.pem`
  const file = path.join(certDir, dated)
  fs.writeFileSync(file, `${certPem.trim()}\n${keyPem.trim()}\n`, { mode: 0o600 })
  const current = path.join(certDir, 'kubelet-client-current.pem')
  const tmp = `${current}.tmp`
  fs.rmSync(tmp, { force: true })
  fs.symlinkSync(file, tmp)
  fs.renameSync(tmp, current)
  return current
}

/**
 * The kubelet's TLS bootstrap through a CSR. Resolves with the path of the stored client
 * certificate once the CSR is approved and issued; rejects when it is denied or fails.
 */
export async function tlsBootstrap({
  bootstrapKubeconfig,
  kubeconfig,
  certDir,
  nodeName,
  log,
  pollMs = 500,
  timeoutMs = 300_000,
}) {
  const boot = loadKubeconfig(bootstrapKubeconfig)
  const api = kubeClient(boot)
  try {
    // Like the kubelet, one key per bootstrap attempt series: kept in kubelet-client.key.tmp until
    // a certificate for it arrives, so retries re-post the same CSR instead of new ones.
    const tmpKey = path.join(certDir, 'kubelet-client.key.tmp')
    let keyPem = fs.existsSync(tmpKey) ? fs.readFileSync(tmpKey, 'utf8') : undefined
    if (!keyPem) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      keyPem = privateKey.export({ type: 'sec1', format: 'pem' })
      fs.mkdirSync(certDir, { recursive: true })
      fs.writeFileSync(tmpKey, keyPem, { mode: 0o600 })
    }
    const keyFile = path.join(os.tmpdir(), `node-agent-${process.pid}.key`)
    fs.writeFileSync(keyFile, keyPem, { mode: 0o600 })
    let csrPem
    try {
      csrPem = openssl(['req', '-new', '-key', keyFile, '-subj', `/O=system:nodes/CN=system:node:${nodeName}`])
    } finally {
      fs.rmSync(keyFile, { force: true })
    }
    const usages = ['digital signature', 'client auth']
    const spki = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' })
    const name = `node-csr-${createHash('sha512-256')
      .update(spki)
      .update(`system:nodes/system:node:${nodeName}`)
      .update(usages.join(','))
      .digest('base64url')}`
    log(klog('I', 'Waiting for client certificate', { csr: name }))
    const path_ = `/apis/certificates.k8s.io/v1/certificatesigningrequests`
    try {
      await api.create(path_, {
        apiVersion: 'certificates.k8s.io/v1',
        kind: 'CertificateSigningRequest',
        metadata: { name },
        spec: { request: Buffer.from(csrPem).toString('base64'), signerName: SIGNER, usages },
      })
    } catch (e) {
      if (!(e instanceof KubeError && e.reason === 'AlreadyExists')) throw e
    }
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const csr = await api.get(`${path_}/${name}`)
      const cond = (csr.status?.conditions ?? []).find((c) => c.type === 'Denied' || c.type === 'Failed')
      if (cond)
        throw new Error(
          `certificate request was not signed: ${cond.type.toLowerCase()}: ${cond.message ?? cond.reason ?? ''}`,
        )
      if (csr.status?.certificate) {
        const certPem = Buffer.from(csr.status.certificate, 'base64').toString('utf8')
        const current = storeCert(certDir, certPem, keyPem)
        fs.rmSync(tmpKey, { force: true })
        const caData = (boot.ca ?? Buffer.alloc(0)).toString('base64')
        fs.mkdirSync(path.dirname(kubeconfig), { recursive: true })
        fs.writeFileSync(kubeconfig, kubeconfigText({ server: boot.server, caData }, current), { mode: 0o600 })
        log(klog('I', 'Certificate signed and stored; kubeconfig written', { path: kubeconfig }))
        return current
      }
      if (Date.now() > deadline) throw new Error('timed out waiting for the certificate request to be signed')
      await new Promise((r) => setTimeout(r, pollMs))
    }
  } finally {
    api.close()
  }
}

const readDirSafe = (dir) => {
  try {
    return fs.readdirSync(dir)
  } catch {
    return []
  }
}
const cniReady = (dir) => readDirSafe(dir).some((f) => /\.(conf|conflist|json)$/.test(f))

function parseTaint(t) {
  if (typeof t !== 'string') return t
  const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(t)
  if (!m) throw new Error(`invalid taint spec: ${t}`)
  return m[2] ? { key: m[1], value: m[2], effect: m[3] } : { key: m[1], effect: m[3] }
}

/** Starts the agent (credentials, registration and heartbeats continue in the background). */
export async function startNodeAgent(opts) {
  const {
    kubeconfig,
    bootstrapKubeconfig,
    certDir = '/var/lib/kubelet/pki',
    nodeName = os.hostname().toLowerCase(),
    labels = {},
    taints = [],
    address,
    osImage = 'Debian GNU/Linux 12 (bookworm)',
    kernelVersion = os.release(),
    arch = { arm64: 'arm64', x64: 'amd64', arm: 'arm' }[os.arch()] ?? os.arch(),
    kubeletVersion = 'v1.32.4',
    containerRuntimeVersion = 'containerd://1.7.24',
    kubeProxyVersion,
    cniConfDir = '/etc/cni/net.d',
    heartbeatMs = 10_000,
    podPollMs = 2_000,
    log = (line) => process.stderr.write(`${line}\n`),
  } = opts
  let stopped = false
  const timers = []
  let api
  let registered = false
  let lastReady
  let lastError = ''
  const logOnce = (line, key) => {
    if (key === lastError) return
    lastError = key
    log(line)
  }

  // Credentials: kubeconfig if valid, else bootstrap through a CSR (retried until it works).
  async function credentials() {
    for (;;) {
      if (stopped) return undefined
      if (fs.existsSync(kubeconfig)) {
        const conn = loadKubeconfig(kubeconfig)
        if (conn.cert && certValid(conn.cert)) {
          // The certificate store keeps what the kubeconfig carries inline (kubelet.conf of
          // `kubeadm init` before its kubelet-finalize phase points it at the store).
          const current = path.join(certDir, 'kubelet-client-current.pem')
          const inline = !/client-certificate:\s/.test(fs.readFileSync(kubeconfig, 'utf8'))
          if (inline && !fs.existsSync(current) && conn.key)
            storeCert(certDir, conn.cert.toString(), conn.key.toString())
          return conn
        }
        if (!bootstrapKubeconfig || !fs.existsSync(bootstrapKubeconfig)) {
          logOnce(
            klog('E', 'command failed', {
              err: `failed to run Kubelet: unable to load bootstrap kubeconfig: the client certificate in ${kubeconfig} is not valid`,
            }),
            'invalid-cert',
          )
          await new Promise((r) => setTimeout(r, 2000))
          continue
        }
      } else if (!bootstrapKubeconfig || !fs.existsSync(bootstrapKubeconfig)) {
        logOnce(
          klog('E', 'command failed', {
            err: `failed to run Kubelet: unable to load bootstrap kubeconfig: stat ${bootstrapKubeconfig ?? '/etc/kubernetes/bootstrap-kubelet.conf'}: no such file or directory`,
          }),
          'no-kubeconfig',
        )
        await new Promise((r) => setTimeout(r, 2000))
        continue
      }
      try {
        await tlsBootstrap({ bootstrapKubeconfig, kubeconfig, certDir, nodeName, log, timeoutMs: 60_000 })
      } catch (e) {
        logOnce(
          klog('E', 'Failed to bootstrap the client certificate', { err: describeError(e) }),
          `boot:${describeError(e)}`,
        )
        await new Promise((r) => setTimeout(r, 2000))
      }
    }
  }

  const allLabels = () => ({
    'beta.kubernetes.io/arch': arch,
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': arch,
    'kubernetes.io/hostname': nodeName,
    'kubernetes.io/os': 'linux',
    ...labels,
  })

  function status() {
    const ready = cniReady(cniConfDir)
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    const cond = (type, s, reason, message) => ({
      type,
      status: s,
      lastHeartbeatTime: now,
      lastTransitionTime: transitions[type]?.[s] ?? (transitions[type] = { [s]: now })[s],
      reason,
      message,
    })
    if (lastReady !== ready) transitions.Ready = { [ready ? 'True' : 'False']: now }
    lastReady = ready
    const memKiB = Number(/MemTotal:\s+(\d+)/.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0)
    const resources = {
      cpu: String(os.cpus().length),
      memory: `${memKiB}Ki`,
      pods: '110',
      'ephemeral-storage': '30000000Ki',
    }
    return {
      conditions: [
        cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        ready
          ? cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
          : cond('Ready', 'False', 'KubeletNotReady', NOT_READY_MESSAGE),
      ],
      addresses: [...(address ? [{ type: 'InternalIP', address }] : []), { type: 'Hostname', address: nodeName }],
      capacity: resources,
      allocatable: resources,
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: (readOr('/etc/machine-id') ?? '').trim(),
        systemUUID: (readOr('/etc/machine-id') ?? '').trim(),
        bootID: (readOr('/proc/sys/kernel/random/boot_id') ?? '').trim(),
        kernelVersion,
        osImage,
        containerRuntimeVersion,
        kubeletVersion,
        kubeProxyVersion: kubeProxyVersion ?? kubeletVersion,
        operatingSystem: 'linux',
        architecture: arch,
      },
    }
  }
  const transitions = {}

  async function register() {
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: nodeName,
        labels: allLabels(),
        annotations: { 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' },
      },
      spec: taints.length ? { taints: taints.map(parseTaint) } : {},
    }
    try {
      await api.create('/api/v1/nodes', node)
      log(klog('I', 'Successfully registered node', { node: nodeName }))
    } catch (e) {
      if (!(e instanceof KubeError && e.reason === 'AlreadyExists')) throw e
      // Already registered (restart, or a re-joined node): the kubelet only reconciles its
      // default labels; taints and other labels belong to the cluster now.
      const existing = await api.get(`/api/v1/nodes/${nodeName}`)
      const want = allLabels()
      const missing = Object.fromEntries(
        Object.entries(want).filter(([k, v]) =>
          k.startsWith('kubernetes.io/') || k.startsWith('beta.kubernetes.io/')
            ? existing.metadata?.labels?.[k] !== v
            : false,
        ),
      )
      if (Object.keys(missing).length)
        await api.patch(`/api/v1/nodes/${nodeName}`, { metadata: { labels: missing } }, 'merge')
      log(klog('I', 'Node was previously registered', { node: nodeName }))
    }
    registered = true
  }

  async function postStatus() {
    await api.patch(`/api/v1/nodes/${nodeName}/status`, { status: status() }, 'merge')
  }

  async function renewLease() {
    const p = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${nodeName}`
    const renewTime = new Date().toISOString().replace('Z', '000Z')
    const lease = await api.find(p)
    if (lease) {
      lease.spec = { ...lease.spec, holderIdentity: nodeName, leaseDurationSeconds: 40, renewTime }
      await api.update(p, lease)
    } else {
      const node = await api.find(`/api/v1/nodes/${nodeName}`)
      await api.create('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: nodeName,
          namespace: 'kube-node-lease',
          ...(node?.metadata?.uid
            ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: node.metadata.uid }] }
            : {}),
        },
        spec: { holderIdentity: nodeName, leaseDurationSeconds: 40, renewTime },
      })
    }
  }

  async function syncPods() {
    const list = await api.get('/api/v1/pods', { fieldSelector: `spec.nodeName=${nodeName}` })
    for (const pod of list.items ?? []) {
      if (pod.spec?.nodeName !== nodeName) continue
      const p = `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`
      if (pod.metadata.deletionTimestamp) {
        await api.delete(p, { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0 }).catch(() => {})
        continue
      }
      const images = [...(pod.spec.initContainers ?? []), ...(pod.spec.containers ?? [])].map((c) => c.image ?? '')
      for (const cni of CNI_IMAGES) {
        if (images.some((i) => cni.match.test(i))) {
          const file = path.join(cniConfDir, cni.file)
          if (!fs.existsSync(file)) {
            fs.mkdirSync(cniConfDir, { recursive: true })
            fs.writeFileSync(file, `${JSON.stringify(cni.config, null, 2)}\n`)
            log(
              klog('I', 'CNI config installed by pod', { pod: `${pod.metadata.namespace}/${pod.metadata.name}`, file }),
            )
          }
        }
      }
      if (pod.status?.phase === 'Running') continue
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
      const hostNetwork = pod.spec.hostNetwork === true
      await api.patch(
        `${p}/status`,
        {
          status: {
            phase: 'Running',
            hostIP: address,
            hostIPs: address ? [{ ip: address }] : undefined,
            podIP: hostNetwork ? address : undefined,
            startTime: now,
            conditions: ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map(
              (type) => ({ type, status: 'True', lastTransitionTime: now }),
            ),
            containerStatuses: (pod.spec.containers ?? []).map((c) => ({
              name: c.name,
              image: c.image,
              imageID: '',
              containerID: `containerd://${createHash('sha256').update(`${pod.metadata.uid}/${c.name}`).digest('hex')}`,
              ready: true,
              started: true,
              restartCount: 0,
              state: { running: { startedAt: now } },
            })),
          },
        },
        'merge',
      )
    }
  }

  const every = (ms, fn) => {
    let busy = false
    const t = setInterval(async () => {
      if (busy || stopped) return
      busy = true
      try {
        await fn()
      } catch (e) {
        logOnce(
          klog('E', 'Error updating node status, will retry', { err: describeError(e), node: nodeName }),
          `loop:${describeError(e)}`,
        )
      } finally {
        busy = false
      }
    }, ms)
    timers.push(t)
  }

  async function run() {
    const conn = await credentials()
    if (!conn || stopped) return
    api = kubeClient(conn)
    while (!stopped && !registered) {
      try {
        await register()
        lastError = ''
      } catch (e) {
        logOnce(
          klog('E', 'Unable to register node with API server', { err: describeError(e), node: nodeName }),
          `register:${describeError(e)}`,
        )
        await new Promise((r) => setTimeout(r, 2000))
      }
    }
    if (stopped) return
    const heartbeat = async () => {
      await postStatus()
      await renewLease()
      lastError = ''
    }
    await heartbeat().catch((e) =>
      logOnce(klog('E', 'Error updating node status, will retry', { err: describeError(e) }), `hb:${describeError(e)}`),
    )
    every(heartbeatMs, heartbeat)
    // A CNI config appearing (or going) is reported at once, not at the next heartbeat.
    every(1000, async () => {
      if (cniReady(cniConfDir) !== lastReady) await postStatus()
    })
    every(podPollMs, syncPods)
  }

  const running = run().catch((e) => log(klog('E', 'node agent failed', { err: describeError(e) })))
  return {
    running,
    stop() {
      stopped = true
      for (const t of timers) clearInterval(t)
      api?.close()
    },
  }
}

function readOr(file) {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

// FLOTILLA SIMULATOR STAND-IN for kubeadm -- not the real tool: `kubeadm join`, worker and
// --control-plane. Discovery by bootstrap token (anonymous GET of kube-public/cluster-info, the
// detached JWS checked with the token, the CA pinned with --discovery-token-ca-cert-hash) or by
// file; TLS bootstrap through the kubelet stand-in; for a control plane the shared CA files (or
// --certificate-key and the kubeadm-certs Secret), its leaves, manifests, and its etcd member
// added through the existing cluster before its etcd starts with --initial-cluster-state=existing.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parse } from 'yaml'
import { etcdClientFromFiles, memberIdHex } from './etcd-client.mjs'
import { KubeError, kubeClient } from './kube-client.mjs'
import { describeError } from './node-agent.mjs'
import { TOKEN_PATTERN } from './kubeadm-config.mjs'
import { caHashOf, CONTROL_PLANE_LABELS, clientFor, markControlPlane } from './kubeadm-api.mjs'
import { certsPhase, kubeconfigsPhase, sharedCertificateProblems, writeDownloadedCerts } from './kubeadm-certs.mjs'
import {
  certificateKeyErrors,
  clusterPart,
  readConfigFlag,
  validateAdvertiseAddress,
  validateCluster,
  validateNodeRegistration,
} from './kubeadm-cfg.mjs'
import { startKubelet, writeControlPlaneManifests, writeEtcdManifest, writeKubeletFiles } from './kubeadm-manifests.mjs'
import {
  aggregate,
  commonChecks,
  detectCriSocket,
  ETC,
  fatal,
  listeningPorts,
  MANIFESTS,
  out,
  parseFlags,
  runPreflight,
  warn,
} from './kubeadm-util.mjs'

const DISCOVERY_WAIT_MS = 10_000 // kubeadm: 5m0s
const TLS_BOOTSTRAP_WAIT_MS = 40_000 // kubeadm: 5m0s
const ETCD_WAIT_MS = 40_000 // kubeadm: 40s
const later = (ms) => new Promise((r) => setTimeout(r, ms))

const SPEC = {
  config: 'str',
  token: 'str',
  'discovery-token': 'str',
  'tls-bootstrap-token': 'str',
  'discovery-token-ca-cert-hash': 'list',
  'discovery-token-unsafe-skip-ca-verification': 'bool',
  'discovery-file': 'str',
  'control-plane': 'bool',
  'certificate-key': 'str',
  'apiserver-advertise-address': 'str',
  'apiserver-bind-port': 'str',
  'node-name': 'str',
  'cri-socket': 'str',
  'ignore-preflight-errors': 'list',
  'skip-phases': 'list',
  v: 'str',
  'dry-run': 'bool',
}

function joinConfigFrom(flags, positional) {
  if (flags.config) {
    // joinconfiguration.go documentMapToJoinConfiguration: only the JoinConfiguration is read;
    // other documents are skipped without a warning.
    const docs = readConfigFlag(flags, positional, [], { only: 'JoinConfiguration' })
    if (!docs.JoinConfiguration) fatal('no JoinConfiguration found in the supplied config')
    return docs.JoinConfiguration
  }
  if (positional.length > 1) fatal(`accepts at most 1 arg(s), received ${positional.length}`)
  const token = flags['discovery-token'] ?? flags.token
  const join = {
    nodeRegistration: {
      ...(flags['node-name'] ? { name: flags['node-name'] } : {}),
      ...(flags['cri-socket'] ? { criSocket: flags['cri-socket'] } : {}),
      ignorePreflightErrors: flags['ignore-preflight-errors'] ?? [],
    },
    discovery: flags['discovery-file']
      ? {
          file: { kubeConfigPath: flags['discovery-file'] },
          tlsBootstrapToken: flags['tls-bootstrap-token'] ?? flags.token,
        }
      : {
          bootstrapToken: {
            token,
            apiServerEndpoint: positional[0],
            caCertHashes: flags['discovery-token-ca-cert-hash'],
            unsafeSkipCAVerification: Boolean(flags['discovery-token-unsafe-skip-ca-verification']),
          },
          tlsBootstrapToken: flags['tls-bootstrap-token'] ?? flags.token,
        },
    skipPhases: flags['skip-phases'],
  }
  if (flags['control-plane']) {
    join.controlPlane = {
      localAPIEndpoint: {
        advertiseAddress: flags['apiserver-advertise-address'],
        bindPort: Number(flags['apiserver-bind-port'] ?? 6443),
      },
      ...(flags['certificate-key'] ? { certificateKey: flags['certificate-key'] } : {}),
    }
  } else if (flags['certificate-key'] || flags['apiserver-advertise-address']) {
    // Accepted by kubeadm and ignored without --control-plane.
  }
  return join
}

function validateJoin(join) {
  const errors = []
  const d = join.discovery ?? {}
  const bt = d.bootstrapToken
  if (!bt && !d.file) errors.push('discovery: Invalid value: "": bootstrapToken or file must be set')
  if (bt && d.file) errors.push('discovery: Invalid value: "": bootstrapToken and file cannot both be set')
  if (bt) {
    if (!bt.token) errors.push('discovery.bootstrapToken.token: Invalid value: "": the bootstrap token is invalid')
    else if (!TOKEN_PATTERN.test(bt.token))
      errors.push(`discovery.bootstrapToken.token: Invalid value: "${bt.token}": the bootstrap token is invalid`)
    if (!bt.apiServerEndpoint)
      errors.push('discovery.bootstrapToken.apiServerEndpoint: Invalid value: "": address : missing port in address')
    else if (!/^[^:/]+:\d+$/.test(bt.apiServerEndpoint))
      errors.push(
        `discovery.bootstrapToken.apiServerEndpoint: Invalid value: "${bt.apiServerEndpoint}": address ${bt.apiServerEndpoint}: missing port in address`,
      )
    const hashes = bt.caCertHashes ?? []
    if (!hashes.length && !bt.unsafeSkipCAVerification)
      errors.push(
        'discovery.bootstrapToken.caCertHashes: Invalid value: []string(nil): using token-based discovery without caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification flag to continue',
      )
    for (const h of hashes) {
      if (!/^sha256:[0-9a-f]{64}$/.test(h))
        errors.push(
          `discovery.bootstrapToken.caCertHashes: Invalid value: "${h}": invalid hash "${h}", expected a "sha256:" prefix and 64 hex characters`,
        )
    }
  }
  // validation.go ValidateDiscoveryKubeConfigPath: a file on disk or an https URL (the latter is
  // not simulated).
  if (d.file) {
    const p = d.file.kubeConfigPath ?? ''
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(p)?.[1]
    if (!scheme && !fs.existsSync(p))
      errors.push(`discovery.file.kubeConfigPath: Invalid value: "${p}": not a valid HTTPS URL or a file on disk`)
    else if (scheme && scheme !== 'https')
      errors.push(`discovery.file.kubeConfigPath: Invalid value: "${p}": if a URL is used, the scheme must be https`)
    else if (scheme) fatal(`flotilla-sim: discovery from an https URL ("${p}") is not simulated`)
  }
  // validation.go ValidateJoinConfiguration: caCertPath absolute and ending in .crt.
  if (join.caCertPath !== undefined && (!join.caCertPath.startsWith('/') || !join.caCertPath.endsWith('.crt')))
    errors.push(`caCertPath: Invalid value: "${join.caCertPath}": the ca certificate path must be an absolute path`)
  if (d.tlsBootstrapToken !== undefined && !TOKEN_PATTERN.test(d.tlsBootstrapToken))
    errors.push(`discovery.tlsBootstrapToken: Invalid value: "${d.tlsBootstrapToken}": the bootstrap token is invalid`)
  if (bt && !d.tlsBootstrapToken && !bt.token)
    errors.push('discovery.tlsBootstrapToken: Invalid value: "": the bootstrap token is invalid')
  errors.push(...certificateKeyErrors(join.controlPlane?.certificateKey, 'controlPlane.certificateKey'))
  for (const p of join.skipPhases ?? []) fatal(`flotilla-sim: skipping phases ("${p}") is not simulated`)
  return errors
}

// ------------------------------------------------------------------------------------------------
// discovery (cmd/kubeadm/app/discovery): the cluster's endpoint and CA, trusted how?
async function retrying(what, fn, waitMs = DISCOVERY_WAIT_MS) {
  const started = Date.now()
  let last
  for (;;) {
    try {
      return await fn()
    } catch (e) {
      if (e.permanent) throw e
      last = e
      if (Date.now() - started > waitMs) throw last
      warn(`[discovery] ${what}, will try again: ${e.message ?? describeError(e)}`)
      await later(2000)
    }
  }
}
const permanent = (message) => Object.assign(new Error(message), { permanent: true })

function clusterOfKubeconfig(text) {
  const doc = parse(text)
  const ctx = doc.contexts?.find((c) => c.name === doc['current-context'])?.context
  const cluster = (ctx ? doc.clusters?.find((c) => c.name === ctx.cluster) : doc.clusters?.[0])?.cluster
  if (!cluster?.server) throw permanent('the cluster-info kubeconfig has no cluster')
  return {
    server: cluster.server,
    caPem: cluster['certificate-authority-data']
      ? Buffer.from(cluster['certificate-authority-data'], 'base64').toString()
      : cluster['certificate-authority']
        ? fs.readFileSync(cluster['certificate-authority'], 'utf8')
        : undefined,
    doc,
  }
}

async function tokenDiscovery(bt) {
  const [id, secret] = bt.token.split('.')
  const endpoint = `https://${bt.apiServerEndpoint}`
  const insecure = kubeClient({ server: endpoint, insecure: true, timeoutMs: 5000 })
  try {
    const found = await retrying('Failed to request cluster-info', async () => {
      let cm
      try {
        cm = await insecure.get('/api/v1/namespaces/kube-public/configmaps/cluster-info')
      } catch (e) {
        throw new Error(`failed to request the cluster-info ConfigMap: ${describeError(e)}`)
      }
      const kubeconfig = cm.data?.kubeconfig
      if (!kubeconfig) throw permanent('there is no kubeconfig in the cluster-info ConfigMap')
      const jws = cm.data?.[`jws-kubeconfig-${id}`]
      if (!jws) throw new Error(`could not find a JWS signature in the cluster-info ConfigMap for token ID "${id}"`)
      return { kubeconfig, jws }
    })
    const { jwsIsValid } = await import('./kubeadm-api.mjs')
    if (!jwsIsValid(found.jws, found.kubeconfig, id, secret))
      throw permanent("failed to verify JWS signature of received cluster info object, can't trust this API server")
    const info = clusterOfKubeconfig(found.kubeconfig)
    if (!info.caPem) throw permanent('the cluster-info kubeconfig has no CA')
    if (!bt.unsafeSkipCAVerification) {
      const hash = caHashOf(info.caPem)
      if (!(bt.caCertHashes ?? []).includes(hash))
        throw permanent(
          `cluster CA found in cluster-info ConfigMap is invalid: none of the public keys "${hash}" are pinned`,
        )
    }
    // Fetch it again over a verified connection: the same ConfigMap must come back.
    const secure = kubeClient({ server: endpoint, ca: info.caPem, timeoutMs: 5000 })
    try {
      const again = await secure.get('/api/v1/namespaces/kube-public/configmaps/cluster-info')
      if (again.data?.kubeconfig !== found.kubeconfig)
        throw permanent(
          "cluster info kubeconfig changed between insecure and secure requests, can't trust this API server",
        )
    } catch (e) {
      if (e.permanent) throw e
      throw permanent(`failed to request the cluster-info ConfigMap over a verified connection: ${describeError(e)}`)
    } finally {
      secure.close()
    }
    out(
      `[discovery] Cluster info signature and contents are valid and ${bt.unsafeSkipCAVerification ? 'no TLS pinning was specified' : 'TLS certificate validates against pinned roots'}, will use API Server "${bt.apiServerEndpoint}"`,
    )
    return { server: info.server, caPem: info.caPem }
  } finally {
    insecure.close()
  }
}

async function fileDiscovery(file) {
  let text
  try {
    text = fs.readFileSync(file.kubeConfigPath, 'utf8')
  } catch (e) {
    throw permanent(
      `couldn't load the kubeconfig file ${file.kubeConfigPath}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`,
    )
  }
  const info = clusterOfKubeconfig(text)
  if (!info.caPem) throw permanent(`the kubeconfig ${file.kubeConfigPath} has no certificate-authority`)
  // ValidateClusterInfoFromKubeConfig: the file's CA must be the one the server proves.
  const secure = kubeClient({ server: info.server, ca: info.caPem, timeoutMs: 5000 })
  try {
    await retrying("Failed to validate the API Server's identity", async () => {
      try {
        await secure.get('/api/v1/namespaces/kube-public/configmaps/cluster-info')
      } catch (e) {
        if (e instanceof KubeError) return // reached the server over TLS with this CA: trusted
        throw new Error(describeError(e))
      }
    })
  } finally {
    secure.close()
  }
  const user = info.doc.users?.[0]?.user ?? {}
  return { server: info.server, caPem: info.caPem, user }
}

// ------------------------------------------------------------------------------------------------
export async function cmdJoin(args) {
  const { flags, positional } = parseFlags(args, SPEC)
  if (flags['dry-run']) fatal('flotilla-sim: --dry-run is not simulated')
  const join = joinConfigFrom(flags, positional)
  const nr = join.nodeRegistration ?? {}
  const controlPlane = join.controlPlane
  const local = {
    hostname: os.hostname(),
    // cmd/join.go newJoinData overrides the config's node name with --node-name (allowed next to
    // --config by isAllowedFlag).
    nodeName: (flags.config ? flags['node-name'] : undefined) ?? nr.name ?? os.hostname(),
    criSocket: nr.criSocket ?? detectCriSocket(),
    // Join: unset taints mean none for a worker and the control-plane taint for a control plane.
    taints: nr.taints ?? (controlPlane ? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] : []),
    kubeletExtraArgs: nr.kubeletExtraArgs ?? [],
    imagePullPolicy: nr.imagePullPolicy,
    ignorePreflightErrors: [...(nr.ignorePreflightErrors ?? []), ...(flags['ignore-preflight-errors'] ?? [])],
    advertiseAddress: controlPlane?.localAPIEndpoint?.advertiseAddress,
    bindPort: controlPlane?.localAPIEndpoint?.bindPort ?? 6443,
    caCertPath: join.caCertPath ?? `${ETC}/pki/ca.crt`,
  }
  const errors = [...validateJoin(join), ...validateNodeRegistration(local)]
  if (controlPlane) errors.push(...validateAdvertiseAddress(local, 'controlPlane.localAPIEndpoint.advertiseAddress'))
  if (errors.length) fatal(aggregate(errors))

  out('[preflight] Running pre-flight checks')
  const checks = controlPlane ? [] : commonChecks(local)
  const add = (name, message) => checks.push({ name, level: 'error', message })
  const manifests = `${ETC}/manifests`
  if (fs.existsSync(manifests) && fs.readdirSync(manifests).length)
    add('DirAvailable--etc-kubernetes-manifests', `${manifests} is not empty`)
  for (const f of ['kubelet.conf', 'bootstrap-kubelet.conf'])
    if (fs.existsSync(`${ETC}/${f}`)) add(`FileAvailable--etc-kubernetes-${f}`, `${ETC}/${f} already exists`)
  if (!controlPlane && fs.existsSync(local.caCertPath))
    add(`FileAvailable-${local.caCertPath.replace(/\//g, '-')}`, `${local.caCertPath} already exists`)
  if (listeningPorts().has(10250)) add('Port-10250', 'Port 10250 is in use')
  runPreflight(checks, local.ignorePreflightErrors)

  // Discovery, then the TLS bootstrap identity (the token) towards the cluster.
  let discovered
  try {
    discovered = join.discovery.bootstrapToken
      ? await tokenDiscovery(join.discovery.bootstrapToken)
      : await fileDiscovery(join.discovery.file)
  } catch (e) {
    fatal(
      `error execution phase preflight: couldn't validate the identity of the API Server: ${e.message ?? describeError(e)}`,
    )
  }
  const tlsToken = join.discovery.tlsBootstrapToken ?? join.discovery.bootstrapToken?.token
  const fileUser = discovered.user
  const bootstrapUser = tlsToken
    ? { token: tlsToken }
    : fileUser?.['client-certificate-data']
      ? {
          'client-certificate-data': fileUser['client-certificate-data'],
          'client-key-data': fileUser['client-key-data'],
        }
      : fileUser?.token
        ? { token: fileUser.token }
        : fatal(
            "error execution phase preflight: couldn't validate the identity of the API Server: the discovery file has no credentials and no tlsBootstrapToken was given",
          )
  const api = kubeClient({
    server: discovered.server,
    ca: discovered.caPem,
    token: bootstrapUser.token,
    cert: bootstrapUser['client-certificate-data'] && Buffer.from(bootstrapUser['client-certificate-data'], 'base64'),
    key: bootstrapUser['client-key-data'] && Buffer.from(bootstrapUser['client-key-data'], 'base64'),
  })
  let clusterDoc
  let kubeletDoc
  try {
    out('[preflight] Reading configuration from the "kubeadm-config" ConfigMap in namespace "kube-system"...')
    out("[preflight] Use 'kubeadm init phase upload-config --config your-config.yaml' to re-upload it.")
    let cm
    try {
      cm = await api.get('/api/v1/namespaces/kube-system/configmaps/kubeadm-config')
    } catch (e) {
      fatal(
        `error execution phase preflight: unable to fetch the kubeadm-config ConfigMap: failed to get config map: ${describeError(e)}`,
      )
    }
    clusterDoc = parse(cm.data?.ClusterConfiguration ?? '') ?? {}
    try {
      const kc = await api.get('/api/v1/namespaces/kube-system/configmaps/kubelet-config')
      kubeletDoc = parse(kc.data?.kubelet ?? '') ?? {}
    } catch (e) {
      fatal(`error execution phase kubelet-start: cannot get config map: ${describeError(e)}`)
    }
    // A Node with this name that is Ready already: kubeadm refuses (kubeadm:get-nodes).
    try {
      const node = await api.find(`/api/v1/nodes/${local.nodeName}`)
      const ready = node?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True'
      if (node && ready)
        fatal(
          `error execution phase kubelet-start: a Node with name "${local.nodeName}" and status "Ready" already exists in the cluster. You must delete the existing Node or change the name of this new joining Node`,
        )
    } catch (e) {
      if (!(e instanceof KubeError)) throw e
    }
  } finally {
    api.close()
  }
  const cfg = { ...local, ...clusterPart(clusterDoc) }
  const clusterErrors = validateCluster(cfg)
  if (clusterErrors.length)
    fatal(`error execution phase preflight: invalid ClusterConfiguration in the cluster: ${clusterErrors.join('; ')}`)

  if (controlPlane) {
    out('[preflight] Running pre-flight checks before initializing the new control plane instance')
    const hasKey = Boolean(controlPlane.certificateKey)
    const problems = []
    if (!cfg.controlPlaneEndpoint)
      problems.push(
        "unable to add a new control plane instance to a cluster that doesn't have a stable controlPlaneEndpoint address",
      )
    if (!hasKey)
      problems.push(...sharedCertificateProblems(cfg.certificatesDir, { externalEtcd: Boolean(cfg.etcdExternal) }))
    if (problems.length)
      fatal(
        `error execution phase preflight: \nOne or more conditions for hosting a new control plane instance is not satisfied.\n\n[${problems.join(', ')}]\n\nPlease ensure that:\n* The cluster has a stable controlPlaneEndpoint address.\n* The certificates that must be shared among control plane instances are provided.\n`,
      )
    const cpChecks = commonChecks(cfg)
    const ports = listeningPorts()
    for (const p of [cfg.bindPort, 10259, 10257, ...(cfg.etcdExternal ? [] : [2379, 2380])])
      if (ports.has(p)) cpChecks.push({ name: `Port-${p}`, level: 'error', message: `Port ${p} is in use` })
    for (const m of MANIFESTS) {
      const f = `${ETC}/manifests/${m}.yaml`
      if (fs.existsSync(f))
        cpChecks.push({
          name: `FileAvailable-${f.replace(/\//g, '-')}`,
          level: 'error',
          message: `${f} already exists`,
        })
    }
    const etcdDir = cfg.etcdLocal.dataDir ?? '/var/lib/etcd'
    if (!cfg.etcdExternal && fs.existsSync(etcdDir) && fs.readdirSync(etcdDir).length)
      cpChecks.push({
        name: `DirAvailable-${etcdDir.replace(/\//g, '-')}`,
        level: 'error',
        message: `${etcdDir} is not empty`,
      })
    runPreflight(cpChecks, cfg.ignorePreflightErrors)
    out('[preflight] Pulling images required for setting up a Kubernetes cluster')
    out('[preflight] This might take a minute or two, depending on the speed of your internet connection')
    out("[preflight] You can also perform this action beforehand using 'kubeadm config images pull'")

    // control-plane-prepare: download-certs, certs, kubeconfig, control-plane.
    if (hasKey) {
      out('[download-certs] Downloading the certificates in Secret "kubeadm-certs" in the "kube-system" Namespace')
      const tokenApi = kubeClient({ server: discovered.server, ca: discovered.caPem, token: tlsToken })
      let secret
      try {
        secret = await tokenApi.get('/api/v1/namespaces/kube-system/secrets/kubeadm-certs')
      } catch (e) {
        if (e instanceof KubeError && e.status === 404)
          fatal(
            'error execution phase control-plane-prepare/download-certs: error downloading certs: error downloading the secret: Secret "kubeadm-certs" was not found in the "kube-system" Namespace. This Secret might have expired. Please, run `kubeadm init phase upload-certs --upload-certs` on a control plane to generate a new one',
          )
        fatal(
          `error execution phase control-plane-prepare/download-certs: error downloading certs: error downloading the secret: ${describeError(e)}`,
        )
      } finally {
        tokenApi.close()
      }
      writeDownloadedCerts(secret, cfg.certificatesDir, controlPlane.certificateKey)
      out('[download-certs] Saving the certificates to the folder: "/etc/kubernetes/pki"')
    }
    const ca = certsPhase(cfg)
    kubeconfigsPhase(cfg, ca, ['admin.conf', 'controller-manager.conf', 'scheduler.conf'])
    writeControlPlaneManifests(cfg)
  }

  // kubelet-start: CA, bootstrap kubeconfig, the kubelet's config from the cluster, TLS bootstrap.
  fs.mkdirSync(path.dirname(cfg.caCertPath), { recursive: true })
  if (!fs.existsSync(cfg.caCertPath)) fs.writeFileSync(cfg.caCertPath, discovered.caPem)
  const bootstrapConf = `${ETC}/bootstrap-kubelet.conf`
  fs.writeFileSync(
    bootstrapConf,
    [
      'apiVersion: v1',
      'clusters:',
      '- cluster:',
      `    certificate-authority-data: ${Buffer.from(discovered.caPem).toString('base64')}`,
      `    server: ${discovered.server}`,
      `  name: ${cfg.clusterName}`,
      'contexts:',
      '- context:',
      `    cluster: ${cfg.clusterName}`,
      '    user: tls-bootstrap-token-user',
      `  name: tls-bootstrap-token-user@${cfg.clusterName}`,
      `current-context: tls-bootstrap-token-user@${cfg.clusterName}`,
      'kind: Config',
      'preferences: {}',
      'users:',
      '- name: tls-bootstrap-token-user',
      '  user:',
      ...(bootstrapUser.token
        ? [`    token: ${bootstrapUser.token}`]
        : [
            `    client-certificate-data: ${bootstrapUser['client-certificate-data']}`,
            `    client-key-data: ${bootstrapUser['client-key-data']}`,
          ]),
      '',
    ].join('\n'),
    { mode: 0o600 },
  )
  writeKubeletFiles(cfg, kubeletDoc, { registerTaints: true })
  startKubelet('kubelet-start')
  out('[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap')
  const started = Date.now()
  while (!fs.existsSync(`${ETC}/kubelet.conf`)) {
    if (Date.now() - started > TLS_BOOTSTRAP_WAIT_MS)
      fatal(
        `error execution phase kubelet-start: failed while waiting for the kubelet to start the TLS Bootstrap: timed out waiting for the condition (flotilla-sim: no ${ETC}/kubelet.conf after ${TLS_BOOTSTRAP_WAIT_MS / 1000}s; see journalctl -u kubelet)`,
      )
    await later(300)
  }
  fs.rmSync(bootstrapConf, { force: true })

  if (!controlPlane) {
    out()
    out('This node has joined the cluster:')
    out('* Certificate signing request was sent to apiserver and a response was received.')
    out('* The Kubelet was informed of the new secure connection details.')
    out()
    out("Run 'kubectl get nodes' on the control-plane to see this node join the cluster.")
    out()
    return
  }

  // control-plane-join: etcd member, then mark-control-plane (with admin.conf, as kubeadm does).
  const admin = clientFor(`${ETC}/admin.conf`)
  try {
    if (!cfg.etcdExternal) await joinEtcd(cfg, admin)
    await markControlPlane(admin, cfg.nodeName, cfg.taints)
  } finally {
    admin.close()
  }
  out()
  out('This node has joined the cluster and a new control plane instance was created:')
  out()
  out('* Certificate signing request was sent to apiserver and approval was received.')
  out('* The Kubelet was informed of the new secure connection details.')
  out('* Control plane label and taint were applied to the new node.')
  out('* The Kubernetes control plane instances scaled up.')
  if (!cfg.etcdExternal) out('* A new etcd member was added to the local/stacked etcd cluster.')
  out()
  out('To start administering your cluster from this node, you need to run the following as a regular user:')
  out()
  out('\tmkdir -p $HOME/.kube')
  out('\tsudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config')
  out('\tsudo chown $(id -u):$(id -g) $HOME/.kube/config')
  out()
  out("Run 'kubectl get nodes' to see this node join the cluster.")
  out()
}

/**
 * Adds this node's etcd member through the existing members (one at a time: kubeadm refuses to
 * add while another added member has not started), then starts the local etcd with the full
 * initial cluster and --initial-cluster-state=existing, and waits for it to answer.
 * The existing members' client URLs come from the control-plane Nodes' InternalIPs (kubeadm reads
 * them from the etcd mirror pods, which the kubelet stand-in does not create).
 */
async function joinEtcd(cfg, admin) {
  const nodes = await admin.get('/api/v1/nodes', { labelSelector: CONTROL_PLANE_LABELS[0] })
  const endpoints = (nodes.items ?? [])
    .filter((n) => n.metadata?.labels?.[CONTROL_PLANE_LABELS[0]] !== undefined && n.metadata.name !== cfg.nodeName)
    .map((n) => n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address)
    .filter(Boolean)
    .map((ip) => `https://${ip}:2379`)
  if (!endpoints.length)
    fatal(
      'error execution phase control-plane-join/etcd: error creating local etcd static pod manifest file: etcd cluster is not healthy: no etcd endpoints found (flotilla-sim: no control-plane Node with an InternalIP)',
    )
  const d = cfg.certificatesDir
  const etcd = etcdClientFromFiles({
    endpoints,
    caFile: `${d}/etcd/ca.crt`,
    certFile: `${d}/apiserver-etcd-client.crt`,
    keyFile: `${d}/apiserver-etcd-client.key`,
  })
  const peerURL = `https://${cfg.advertiseAddress}:2380`
  try {
    let members
    try {
      members = await etcd.members()
    } catch (e) {
      fatal(
        `error execution phase control-plane-join/etcd: error creating local etcd static pod manifest file: etcd cluster is not healthy: ${e.message}`,
      )
    }
    const pending = members.filter((m) => !m.name && !m.peerURLs.includes(peerURL))
    if (pending.length)
      fatal(
        `error execution phase control-plane-join/etcd: error creating local etcd static pod manifest file: etcdserver: unhealthy cluster (flotilla-sim: member ${pending[0].peerURLs[0]} was added and has not started; join control planes one at a time)`,
      )
    let mine = members.find((m) => m.peerURLs.includes(peerURL))
    if (!mine) {
      const started = Date.now()
      for (;;) {
        try {
          const added = await etcd.memberAdd([peerURL])
          members = added.members
          mine = added.member
          break
        } catch (e) {
          // etcd's strict reconfiguration check right after another member started: kubeadm retries.
          if (Date.now() - started < 20_000 && /unhealthy|not enough started/i.test(e.message)) {
            await later(1000)
            continue
          }
          fatal(
            `error execution phase control-plane-join/etcd: error creating local etcd static pod manifest file: ${e.message}`,
          )
        }
      }
    }
    out('[etcd] Announced new etcd member joining to the existing etcd cluster')
    const initialCluster = members
      .map((m) => `${m.name || (m.peerURLs.includes(peerURL) ? cfg.nodeName : '')}=${m.peerURLs[0]}`)
      .filter((s) => !s.startsWith('='))
      .join(',')
    out(`[etcd] Creating static Pod manifest for "etcd"`)
    writeEtcdManifest(cfg, { initialCluster, existing: true })
    out(`[etcd] Waiting for the new etcd member to join the cluster. This can take up to ${ETCD_WAIT_MS / 1000}s`)
    const localEtcd = etcdClientFromFiles({
      endpoints: [`https://${cfg.advertiseAddress}:2379`],
      caFile: `${d}/etcd/ca.crt`,
      certFile: `${d}/apiserver-etcd-client.crt`,
      keyFile: `${d}/apiserver-etcd-client.key`,
      timeoutMs: 2000,
    })
    const started = Date.now()
    try {
      for (;;) {
        try {
          await localEtcd.status()
          break
        } catch (e) {
          if (Date.now() - started > ETCD_WAIT_MS)
            fatal(
              `error execution phase control-plane-join/etcd: error creating local etcd static pod manifest file: timeout waiting for etcd cluster to be available (member ${memberIdHex(mine.ID)}: ${e.message})`,
            )
          await later(500)
        }
      }
    } finally {
      localEtcd.close()
    }
  } finally {
    etcd.close()
  }
}

// FLOTILLA SIMULATOR STAND-IN for kubeadm -- not the real tool: flags and --config merged into
// kubeadm's defaults and validated (InitConfiguration + ClusterConfiguration; the cluster part is
// shared with join, which reads it from the kubeadm-config ConfigMap), and init's preflight.
import fs from 'node:fs'
import os from 'node:os'
import { parseDuration, readConfigText, TOKEN_PATTERN } from './kubeadm-config.mjs'
import {
  ALGORITHMS,
  commonChecks,
  CRI_SOCKET,
  DNS1123,
  ETC,
  fatal,
  firstIP,
  isIP,
  listeningPorts,
  MANIFESTS,
  nodeAddresses,
  parseCIDR,
  VERSION,
  warn,
} from './kubeadm-util.mjs'

/** The ClusterConfiguration part of the settings, with kubeadm's defaults. */
export function clusterPart(cluster, flags = {}) {
  return {
    controlPlaneEndpoint: cluster.controlPlaneEndpoint ?? flags['control-plane-endpoint'] ?? '',
    certSANs: cluster.apiServer?.certSANs ?? flags['apiserver-cert-extra-sans'] ?? [],
    serviceSubnet: cluster.networking?.serviceSubnet ?? flags['service-cidr'] ?? '10.96.0.0/12',
    podSubnet: cluster.networking?.podSubnet ?? flags['pod-network-cidr'] ?? '',
    dnsDomain: cluster.networking?.dnsDomain ?? flags['service-dns-domain'] ?? 'cluster.local',
    certificatesDir: cluster.certificatesDir ?? flags['cert-dir'] ?? `${ETC}/pki`,
    clusterName: cluster.clusterName ?? 'kubernetes',
    encryptionAlgorithm: cluster.encryptionAlgorithm ?? 'RSA-2048',
    certificateValidityHours: parseDuration(cluster.certificateValidityPeriod ?? '8760h') / 3600e3,
    kubernetesVersion: cluster.kubernetesVersion ?? flags['kubernetes-version'] ?? VERSION,
    etcdExternal: cluster.etcd?.external,
    etcdLocal: cluster.etcd?.local ?? {},
    apiServerExtraArgs: cluster.apiServer?.extraArgs ?? [],
    controllerManagerExtraArgs: cluster.controllerManager?.extraArgs ?? [],
    schedulerExtraArgs: cluster.scheduler?.extraArgs ?? [],
  }
}

/** The ClusterConfiguration kubeadm stores in the kubeadm-config ConfigMap (defaults filled in). */
export function clusterConfigurationDoc(cfg) {
  return {
    apiServer:
      cfg.certSANs.length || cfg.apiServerExtraArgs.length
        ? {
            ...(cfg.apiServerExtraArgs.length ? { extraArgs: cfg.apiServerExtraArgs } : {}),
            ...(cfg.certSANs.length ? { certSANs: cfg.certSANs } : {}),
          }
        : {},
    apiVersion: 'kubeadm.k8s.io/v1beta4',
    caCertificateValidityPeriod: '87600h0m0s',
    certificateValidityPeriod: `${cfg.certificateValidityHours}h0m0s`,
    certificatesDir: cfg.certificatesDir,
    clusterName: cfg.clusterName,
    ...(cfg.controlPlaneEndpoint ? { controlPlaneEndpoint: cfg.controlPlaneEndpoint } : {}),
    controllerManager: cfg.controllerManagerExtraArgs.length ? { extraArgs: cfg.controllerManagerExtraArgs } : {},
    dns: {},
    encryptionAlgorithm: cfg.encryptionAlgorithm,
    etcd: cfg.etcdExternal ? { external: cfg.etcdExternal } : { local: { dataDir: '/var/lib/etcd', ...cfg.etcdLocal } },
    imageRepository: 'registry.k8s.io',
    kind: 'ClusterConfiguration',
    kubernetesVersion: cfg.kubernetesVersion,
    networking: {
      dnsDomain: cfg.dnsDomain,
      ...(cfg.podSubnet ? { podSubnet: cfg.podSubnet } : {}),
      serviceSubnet: cfg.serviceSubnet,
    },
    proxy: {},
    scheduler: cfg.schedulerExtraArgs.length ? { extraArgs: cfg.schedulerExtraArgs } : {},
  }
}

/** Validation of the cluster part; sets endpointHost/endpointPort/serviceIP. Returns errors. */
export function validateCluster(cfg) {
  const errors = []
  if (cfg.controlPlaneEndpoint) {
    const m = /^([^:]+)(?::(\d+))?$/.exec(cfg.controlPlaneEndpoint)
    const host = m?.[1] ?? ''
    const port = m?.[2] ? Number(m[2]) : cfg.bindPort
    if (!m || !(isIP(host) || (DNS1123.test(host) && host.length <= 253)) || port < 1 || port > 65535) {
      errors.push(
        `controlPlaneEndpoint: Invalid value: "${cfg.controlPlaneEndpoint}": must be a valid IP address or DNS name, optionally with a port`,
      )
    } else {
      cfg.endpointHost = host
      cfg.endpointPort = port
    }
  }
  const svc = cfg.serviceSubnet.split(',')[0]
  try {
    cfg.serviceIP = firstIP(parseCIDR(svc, 'networking.serviceSubnet'))
    if (cfg.podSubnet) cfg.podSubnet.split(',').forEach((s) => parseCIDR(s, 'networking.podSubnet'))
  } catch (e) {
    errors.push(e.message)
  }
  if (!DNS1123.test(cfg.dnsDomain))
    errors.push(
      `networking.dnsDomain: Invalid value: "${cfg.dnsDomain}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
    )
  if (!ALGORITHMS.includes(cfg.encryptionAlgorithm)) {
    errors.push(
      `encryptionAlgorithm: Unsupported value: "${cfg.encryptionAlgorithm}": supported values: "${ALGORITHMS.join('", "')}"`,
    )
  }
  cfg.certSANs.forEach((san) => {
    if (!isIP(san) && !/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(san)) {
      // kubeadm drops it with a warning (pki_helpers.go appendSANsToAltNames).
      warn(
        `[certs] WARNING: 'apiServer.certSANs' value "${san}" was not added to the 'apiserver' SAN, because it is not a valid IP or RFC-1123 compliant DNS entry`,
      )
    }
  })
  const ext = cfg.etcdExternal
  if (ext) {
    if (!Array.isArray(ext.endpoints) || !ext.endpoints.length)
      errors.push('etcd.external.endpoints: Required value: empty etcd.external.endpoints')
    for (const e of ext.endpoints ?? []) {
      if (!/^https?:\/\/[^/]+$/.test(e))
        errors.push(
          `etcd.external.endpoints: Invalid value: "${e}": URL parse error: must be a URL with a scheme and host`,
        )
    }
    if (Boolean(ext.certFile) !== Boolean(ext.keyFile))
      errors.push(
        'etcd.external.certFile: Invalid value: "": both etcd.external.certFile and etcd.external.keyFile must be specified',
      )
    for (const f of ['caFile', 'certFile', 'keyFile']) {
      if (ext[f] && !fs.existsSync(ext[f]))
        errors.push(`etcd.external.${f}: Invalid value: "${ext[f]}": the file does not exist`)
    }
    if ((ext.endpoints ?? []).some((e) => e.startsWith('https://')) && !ext.caFile)
      errors.push('etcd.external.caFile: Invalid value: "": flotilla-sim: https endpoints need caFile')
  }
  return errors
}

// ------------------------------------------------------------------------------------------------
// configuration: flags and --config merged into kubeadm's defaults, then validated.
export function buildInitConfig(flags) {
  let docs = {}
  if (flags.config) {
    docs = readConfigFlag(flags, INIT_MIXABLE, [], ['JoinConfiguration', 'ResetConfiguration'])
  }
  const init = docs.InitConfiguration ?? {}
  const cluster = docs.ClusterConfiguration ?? {}
  const nr = init.nodeRegistration ?? {}
  const endpoint = init.localAPIEndpoint ?? {}
  const cfg = {
    hostname: os.hostname(),
    nodeName: nr.name ?? flags['node-name'] ?? os.hostname(),
    criSocket: nr.criSocket ?? flags['cri-socket'] ?? CRI_SOCKET,
    // nil taints: the control-plane taint; `taints: []`: none (v1beta4 NodeRegistrationOptions).
    taints: nr.taints ?? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
    kubeletExtraArgs: nr.kubeletExtraArgs ?? [],
    ignorePreflightErrors: [...(nr.ignorePreflightErrors ?? []), ...(flags['ignore-preflight-errors'] ?? [])],
    advertiseAddress: endpoint.advertiseAddress ?? flags['apiserver-advertise-address'],
    bindPort: endpoint.bindPort ?? Number(flags['apiserver-bind-port'] ?? 6443),
    bootstrapTokens: init.bootstrapTokens ?? [{ token: flags.token, ttl: flags['token-ttl'] }],
    skipPhases: [...(init.skipPhases ?? []), ...(flags['skip-phases'] ?? [])],
    ...clusterPart(cluster, flags),
    kubelet: docs.KubeletConfiguration ?? {},
    uploadCerts: Boolean(flags['upload-certs']),
    certificateKey: init.certificateKey ?? flags['certificate-key'],
  }
  validateInit(cfg)
  return cfg
}
export const INIT_MIXABLE = [
  'config',
  'ignore-preflight-errors',
  'skip-phases',
  'upload-certs',
  'v',
  'skip-token-print',
  'skip-certificate-key-print',
]

export function validateInit(cfg) {
  const errors = []
  if (!cfg.advertiseAddress) {
    // The lab's nodes have no default route, as a LAN without a gateway: kubeadm cannot guess.
    fatal('unable to select an IP from default routes.')
  }
  if (!isIP(cfg.advertiseAddress))
    errors.push(`localAPIEndpoint.advertiseAddress: Invalid value: "${cfg.advertiseAddress}": cannot parse IP address`)
  else if (!nodeAddresses().includes(cfg.advertiseAddress)) {
    // The API server could never bind it: kubeadm would time out waiting for it.
    errors.push(
      `localAPIEndpoint.advertiseAddress: Invalid value: "${cfg.advertiseAddress}": flotilla-sim: not an address of this node (${nodeAddresses().join(', ')})`,
    )
  }
  if (!Number.isInteger(cfg.bindPort) || cfg.bindPort < 1 || cfg.bindPort > 65535) {
    errors.push(`localAPIEndpoint.bindPort: Invalid value: ${cfg.bindPort}: port number is not valid`)
  }
  errors.push(...validateNodeRegistration(cfg))
  cfg.bootstrapTokens.forEach((t, i) => {
    if (t.token !== undefined && !TOKEN_PATTERN.test(t.token)) {
      fatal(`the bootstrap token "${t.token}" was not of the form "${TOKEN_PATTERN.source}"`)
    }
    if (t.ttl !== undefined && t.expires !== undefined) {
      errors.push(
        `bootstrapTokens[${i}].expires: Invalid value: "${t.expires}": the 'ttl' and 'expires' fields are mutually exclusive`,
      )
    }
    for (const u of t.usages ?? []) {
      if (!['signing', 'authentication'].includes(u))
        errors.push(
          `bootstrapTokens[${i}].usages: Invalid value: ["${u}"]: invalid bootstrap token usage string: ${u}, valid usage options: signing, authentication`,
        )
    }
  })
  if (cfg.ignorePreflightErrors.map((e) => e.toLowerCase()).includes('all') && cfg.ignorePreflightErrors.length > 1) {
    errors.push(
      `ignorePreflightErrors: Invalid value: "${cfg.ignorePreflightErrors.join(',')}": don't specify individual checks if 'all' is used`,
    )
  }
  errors.push(...validateCluster(cfg))
  if (cfg.certificateKey !== undefined && !/^[0-9a-f]{64}$/.test(cfg.certificateKey))
    errors.push(`certificateKey: Invalid value: "${cfg.certificateKey}": flotilla-sim: not 32 bytes in hex`)
  for (const p of cfg.skipPhases) fatal(`flotilla-sim: skipping phases ("${p}") is not simulated`)
  if (errors.length) fatal(errors.join('\n'))
}

export function initChecks(cfg) {
  const checks = commonChecks(cfg)
  const add = (name, message) => checks.push({ name, level: 'error', message })
  const ports = listeningPorts()
  const wanted = [cfg.bindPort, 10259, 10257, 10250, ...(cfg.etcdExternal ? [] : [2379, 2380])]
  for (const p of wanted) if (ports.has(p)) add(`Port-${p}`, `Port ${p} is in use`)
  for (const m of MANIFESTS) {
    const f = `${ETC}/manifests/${m}.yaml`
    if (fs.existsSync(f)) add(`FileAvailable-${f.replace(/\//g, '-')}`, `${f} already exists`)
  }
  const etcdDir = cfg.etcdLocal.dataDir ?? '/var/lib/etcd'
  if (fs.existsSync(etcdDir) && fs.readdirSync(etcdDir).length)
    add(`DirAvailable-${etcdDir.replace(/\//g, '-')}`, `${etcdDir} is not empty`)
  return checks
}

/** nodeRegistration: name and taints (shared by init and join). */
export function validateNodeRegistration(cfg) {
  const errors = []
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(cfg.nodeName)) {
    errors.push(
      `nodeRegistration.name: Invalid value: "${cfg.nodeName}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
    )
  }
  cfg.taints.forEach((t, i) => {
    if (!t.key) errors.push(`nodeRegistration.taints[${i}].key: Required value`)
    if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect)) {
      errors.push(
        `nodeRegistration.taints[${i}].effect: Unsupported value: "${t.effect ?? ''}": supported values: "NoExecute", "NoSchedule", "PreferNoSchedule"`,
      )
    }
  })
  return errors
}

/** advertiseAddress: required on the lab's LAN (no default route) and an address of this node. */
export function validateAdvertiseAddress(cfg, field = 'localAPIEndpoint.advertiseAddress') {
  if (!cfg.advertiseAddress) fatal('unable to select an IP from default routes.')
  if (!isIP(cfg.advertiseAddress))
    return [`${field}: Invalid value: "${cfg.advertiseAddress}": cannot parse IP address`]
  if (!nodeAddresses().includes(cfg.advertiseAddress))
    return [
      `${field}: Invalid value: "${cfg.advertiseAddress}": flotilla-sim: not an address of this node (${nodeAddresses().join(', ')})`,
    ]
  return []
}

/**
 * `--config FILE` of init and join: refuses other flags (and positional arguments) mixed with it,
 * reads the file strictly, and warns about the documents this command ignores, as kubeadm does.
 */
export function readConfigFlag(flags, mixable, positional, ignoredKinds) {
  const mixed = Object.keys(flags).filter((f) => !mixable.includes(f))
  if (mixed.length) fatal(`can not mix '--config' with arguments [${mixed.sort().join(' ')}]`)
  if (positional.length) fatal(`can not mix '--config' with arguments [${positional.join(' ')}]`)
  let text
  try {
    text = fs.readFileSync(flags.config, 'utf8')
  } catch (e) {
    fatal(
      `unable to read config from "${flags.config}" : open ${flags.config}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`,
    )
  }
  const docs = readConfigText(text, flags.config)
  for (const ignored of ignoredKinds) {
    if (docs[ignored])
      warn(
        `[config] WARNING: Ignored configuration document with GroupVersionKind kubeadm.k8s.io/v1beta4, Kind=${ignored}`,
      )
  }
  return docs
}

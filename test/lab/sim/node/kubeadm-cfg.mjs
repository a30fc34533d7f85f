// FLOTILLA SIMULATOR STAND-IN for kubeadm -- not the real tool: flags and --config merged into
// kubeadm's defaults and validated (InitConfiguration + ClusterConfiguration; the cluster part is
// shared with join, which reads it from the kubeadm-config ConfigMap), and init's preflight.
import fs from 'node:fs'
import os from 'node:os'
import { parseDuration, readConfigText, TOKEN_PATTERN } from './kubeadm-config.mjs'
import {
  aggregate,
  ALGORITHMS,
  commonChecks,
  detectCriSocket,
  DNS1123,
  dns1123SubdomainErrors,
  ETC,
  fatal,
  firstIP,
  isAnyIP,
  isIP,
  listeningPorts,
  MANIFESTS,
  nodeAddresses,
  parseCIDR,
  VERSION,
  warn,
  wildcardDNS1123SubdomainErrors,
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

/** validation.go ValidateCertSANs: an IP, a DNS-1123 subdomain or a wildcard one. */
export function validateCertSANs(sans, field) {
  const errors = []
  for (const san of sans) {
    const errs = dns1123SubdomainErrors(san)
    if (!errs.length || isAnyIP(san)) continue
    const errs2 = wildcardDNS1123SubdomainErrors(san)
    if (errs2.length)
      errors.push(
        `${field}: Invalid value: "${san}": altname is not a valid IP address, DNS label or a DNS label with subdomain wildcards: ${errs.join('; ')}; ${errs2.join('; ')}`,
      )
  }
  return errors
}

/**
 * validation.go ValidateServiceSubnetSize and ValidatePodSubnetNodeMask (IPv4): a service subnet
 * of at most 2^20 addresses (constants.MaximumBitsForServiceSubnet); the pod subnet must hold the
 * controller-manager's node mask (node-cidr-mask-size-ipv4, default 24) at most 16 bits deeper
 * (constants.PodSubnetNodeMaskMaxDiff), unless allocate-node-cidrs is "false".
 */
function validateSubnetSizes(cfg) {
  const errors = []
  const bits = (cidr) => Number(/\/(\d+)$/.exec(cidr)?.[1])
  for (const s of cfg.serviceSubnet.split(',')) {
    if (32 - bits(s) > 20)
      errors.push(
        `networking.serviceSubnet: Invalid value: "${s}": specified service subnet is too large; for 32-bit addresses, the mask must be >= 12`,
      )
  }
  const arg = (name) => cfg.controllerManagerExtraArgs.findLast((a) => a.name === name)?.value
  if (cfg.podSubnet && arg('allocate-node-cidrs') !== 'false') {
    const nodeMask = Number(arg('node-cidr-mask-size-ipv4') ?? 24)
    for (const s of cfg.podSubnet.split(',')) {
      const mask = bits(s)
      if (mask > nodeMask)
        errors.push(
          `networking.podSubnet: Invalid value: "${s}": the size of pod subnet with mask ${mask} is smaller than the size of node subnet with mask ${nodeMask}`,
        )
      else if (nodeMask - mask > 16)
        errors.push(
          `networking.podSubnet: Invalid value: "${s}": pod subnet mask (${mask}) and node-mask (${nodeMask}) difference is greater than 16`,
        )
    }
  }
  return errors
}

/** validation.go ValidateCertificateKey: hex (Go's hex.DecodeString errors) of a 32-byte AES key. */
export function certificateKeyErrors(key, field) {
  if (!key) return []
  const bad = /[^0-9a-fA-F]/.exec(key)
  if (bad) {
    const cp = bad[0].codePointAt(0)
    return [
      `${field}: Invalid value: "${key}": certificate key decoding error: encoding/hex: invalid byte: U+${cp.toString(16).toUpperCase().padStart(4, '0')} '${bad[0]}'`,
    ]
  }
  if (key.length % 2)
    return [`${field}: Invalid value: "${key}": certificate key decoding error: encoding/hex: odd length hex string`]
  if (key.length !== 64)
    return [
      `${field}: Invalid value: "${key}": invalid certificate key size ${key.length / 2}, the key must be an AES key of size 32`,
    ]
  return []
}

/** validation.go ValidateExtraArgs: every v1beta4 {name, value} argument needs its name. */
export function validateExtraArgs(args, field) {
  return args.flatMap((a, i) => (a.name ? [] : [`${field}: Invalid value: "index ${i}": argument has no name`]))
}

/**
 * util/config/common.go NormalizeKubernetesVersion: kubeadm 1.32 deploys control planes of 1.31.0
 * and newer (constants.MinimumControlPlaneVersion); older ones are refused before validation.
 */
export function checkKubernetesVersion(v) {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/.exec(v)
  if (!m) fatal(`couldn't parse Kubernetes version "${v}"`)
  if (Number(m[1]) < 1 || (Number(m[1]) === 1 && Number(m[2]) < 31))
    fatal(
      `this version of kubeadm only supports deploying clusters with the control plane version >= 1.31.0. Current version: ${v}`,
    )
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
        `controlPlaneEndpoint: Invalid value: "${cfg.controlPlaneEndpoint}": endpoint is not valid`, // ValidateHostPort
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
  for (const e of dns1123SubdomainErrors(cfg.dnsDomain))
    errors.push(`networking.dnsDomain: Invalid value: "${cfg.dnsDomain}": ${e}`)
  errors.push(...validateSubnetSizes(cfg))
  // validation.go ValidateAbsolutePath for certificatesDir and etcd's dataDir.
  if (!cfg.certificatesDir.startsWith('/'))
    errors.push(`certificatesDir: Invalid value: "${cfg.certificatesDir}": path is not absolute`)
  if (!cfg.etcdExternal && cfg.etcdLocal.dataDir !== undefined && !cfg.etcdLocal.dataDir.startsWith('/'))
    errors.push(`etcd.local.dataDir: Invalid value: "${cfg.etcdLocal.dataDir}": path is not absolute`)
  // validation.go ValidateEncryptionAlgorithm (kubeadm 1.32: no ECDSA-P384, that came in 1.33).
  if (!ALGORITHMS.includes(cfg.encryptionAlgorithm)) {
    errors.push(
      `encryptionAlgorithm: Invalid value: "${cfg.encryptionAlgorithm}": Invalid encryption algorithm "${cfg.encryptionAlgorithm}". Must be one of [${ALGORITHMS.join(' ')}]`,
    )
  }
  // validation.go ValidateCertSANs: an invalid entry is an error (for the apiserver's and etcd's
  // SANs; --apiserver-cert-extra-sans lands in apiServer.certSANs), never silently dropped.
  errors.push(...validateCertSANs(cfg.certSANs, 'apiServer.certSANs'))
  if (!cfg.etcdExternal) {
    errors.push(...validateCertSANs(cfg.etcdLocal.serverCertSANs ?? [], 'etcd.local.serverCertSANs'))
    errors.push(...validateCertSANs(cfg.etcdLocal.peerCertSANs ?? [], 'etcd.local.peerCertSANs'))
    errors.push(...validateExtraArgs(cfg.etcdLocal.extraArgs ?? [], 'etcd.local.extraArgs'))
  }
  errors.push(...validateExtraArgs(cfg.apiServerExtraArgs, 'apiServer.extraArgs'))
  errors.push(...validateExtraArgs(cfg.controllerManagerExtraArgs, 'controllerManager.extraArgs'))
  errors.push(...validateExtraArgs(cfg.schedulerExtraArgs, 'scheduler.extraArgs'))
  const ext = cfg.etcdExternal
  if (ext) {
    // validation.go ValidateEtcd (external): https required as soon as any TLS file is set.
    const requireHTTPS = Boolean(ext.caFile || ext.certFile || ext.keyFile)
    if (!Array.isArray(ext.endpoints) || !ext.endpoints.length)
      errors.push('etcd.external.endpoints: Required value: empty etcd.external.endpoints')
    if (Boolean(ext.certFile) !== Boolean(ext.keyFile))
      errors.push(
        'etcd.external: Invalid value: "": either both or none of .Etcd.External.CertFile and .Etcd.External.KeyFile must be set',
      )
    if (ext.certFile && ext.keyFile && !ext.caFile)
      errors.push(
        'etcd.external: Invalid value: "": setting .Etcd.External.CertFile and .Etcd.External.KeyFile requires .Etcd.External.CAFile',
      )
    for (const e of ext.endpoints ?? []) {
      const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(e)?.[1]
      if (requireHTTPS && scheme !== 'https')
        errors.push(`etcd.external.endpoints: Invalid value: "${e}": the URL must be using the HTTPS scheme`)
      if (!scheme) errors.push(`etcd.external.endpoints: Invalid value: "${e}": the URL without scheme is not allowed`)
    }
    for (const f of ['caFile', 'certFile', 'keyFile']) {
      if (ext[f] && !ext[f].startsWith('/'))
        errors.push(`etcd.external.${f}: Invalid value: "${ext[f]}": path is not absolute`)
      // kubeadm finds a missing file in preflight (ExternalEtcdClientCertificates); earlier here.
      else if (ext[f] && !fs.existsSync(ext[f]))
        errors.push(`etcd.external.${f}: Invalid value: "${ext[f]}": flotilla-sim: the file does not exist`)
    }
  }
  return errors
}

// ------------------------------------------------------------------------------------------------
// configuration: flags and --config merged into kubeadm's defaults, then validated.
export function buildInitConfig(flags) {
  let docs = {}
  if (flags.config) {
    docs = readConfigFlag(flags, [], ['JoinConfiguration', 'ResetConfiguration', 'UpgradeConfiguration'])
    if (!docs.InitConfiguration && !docs.ClusterConfiguration)
      fatal('no InitConfiguration or ClusterConfiguration kind was found in the configuration file')
  }
  const init = docs.InitConfiguration ?? {}
  const cluster = docs.ClusterConfiguration ?? {}
  const nr = init.nodeRegistration ?? {}
  const endpoint = init.localAPIEndpoint ?? {}
  const cfg = {
    hostname: os.hostname(),
    nodeName: nr.name ?? flags['node-name'] ?? os.hostname(),
    criSocket: nr.criSocket ?? flags['cri-socket'] ?? detectCriSocket(),
    // nil taints: the control-plane taint; `taints: []`: none (v1beta4 NodeRegistrationOptions).
    taints: nr.taints ?? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
    kubeletExtraArgs: nr.kubeletExtraArgs ?? [],
    imagePullPolicy: nr.imagePullPolicy,
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
  // cmd/init.go newInitData: "override node name from the command line option" (--node-name may
  // be given next to --config, see isAllowedFlag).
  if (flags.config && flags['node-name']) cfg.nodeName = flags['node-name']
  checkKubernetesVersion(cfg.kubernetesVersion)
  validateInit(cfg)
  return cfg
}
/**
 * validation.go isAllowedFlag: the flags kubeadm lets stand next to --config (every other one →
 * "can not mix '--config' with arguments [...]"). Those the simulator does not know as flags of
 * a command are refused by its flag parser before this is asked.
 */
export function isAllowedFlag(name) {
  const allowed = [
    'config',
    'ignore-preflight-errors',
    'dry-run',
    'kubeconfig',
    'node-name',
    'kubeconfig-dir',
    'upload-certs',
    'print-join-command',
    'rootfs',
    'v',
    'log-file',
  ]
  return allowed.includes(name) || name.startsWith('skip-')
}

export const SKIPPABLE = ['preflight', 'addon', 'addon/coredns', 'addon/kube-proxy']

export function validateInit(cfg) {
  const errors = []
  if (!cfg.advertiseAddress) {
    // The lab's nodes have no default route, as a LAN without a gateway: kubeadm cannot guess.
    fatal('unable to select an IP from default routes.')
  }
  if (!isIP(cfg.advertiseAddress))
    errors.push(`localAPIEndpoint.advertiseAddress: Invalid value: "${cfg.advertiseAddress}": ip address is not valid`)
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
        `bootstrapTokens.${i}: Invalid value: "": the BootstrapToken .TTL and .Expires fields are mutually exclusive`, // ValidateBootstrapTokens
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
  errors.push(...certificateKeyErrors(cfg.certificateKey, 'certificateKey'))
  if (errors.length) fatal(aggregate(errors))
  for (const p of cfg.skipPhases) {
    // Skipping preflight is simulated (no checks run); the addons are not simulated, so skipping
    // them changes nothing. Any other phase: loud.
    if (!SKIPPABLE.includes(p)) fatal(`flotilla-sim: skipping phases ("${p}") is not simulated`)
  }
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
  for (const e of dns1123SubdomainErrors(cfg.nodeName))
    errors.push(`nodeRegistration.name: Invalid value: "${cfg.nodeName}": ${e}`)
  // validation.go ValidateImagePullPolicy (the simulator pulls nothing, but kubeadm checks it).
  if (cfg.imagePullPolicy !== undefined && !['Always', 'IfNotPresent', 'Never'].includes(cfg.imagePullPolicy))
    errors.push(
      `nodeRegistration.imagePullPolicy: Unsupported value: "${cfg.imagePullPolicy}": supported values: "Always", "IfNotPresent", "Never"`,
    )
  errors.push(...validateExtraArgs(cfg.kubeletExtraArgs ?? [], 'nodeRegistration.kubeletExtraArgs'))
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
    return [`${field}: Invalid value: "${cfg.advertiseAddress}": ip address is not valid`] // ValidateIPFromString
  if (!nodeAddresses().includes(cfg.advertiseAddress))
    return [
      `${field}: Invalid value: "${cfg.advertiseAddress}": flotilla-sim: not an address of this node (${nodeAddresses().join(', ')})`,
    ]
  return []
}

/**
 * `--config FILE` of init and join: refuses the flags kubeadm refuses next to it (and positional
 * arguments), reads the file, and warns about the kubeadm documents this command ignores, as
 * kubeadm does (util/config/initconfiguration.go; join reads only its JoinConfiguration: `only`).
 */
export function readConfigFlag(flags, positional, ignoredKinds, { only } = {}) {
  const mixed = Object.keys(flags).filter((f) => !isAllowedFlag(f))
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
  const docs = readConfigText(text, flags.config, { only })
  for (const ignored of ignoredKinds) {
    if (docs[ignored])
      warn(
        `[config] WARNING: Ignored configuration document with GroupVersionKind kubeadm.k8s.io/v1beta4, Kind=${ignored}`,
      )
  }
  return docs
}

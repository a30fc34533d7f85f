// FLOTILLA SIMULATOR: reading of kubeadm --config files (kubeadm.k8s.io/v1beta4 and the
// component configs kubeadm accepts next to it), as kubeadm 1.32's util/config does for init and
// join: unknown fields and unknown kinds are warnings (strict.VerifyUnmarshalStrict with
// strictErrors=false), wrong types are errors (the decoder fails). See test/lab/sim/README.md for
// what still differs (v1beta3 refused).
import { parseAllDocuments } from 'yaml'
import { warn } from './kubeadm-util.mjs'

export class ConfigError extends Error {}

// Field schemas. Types: 's' string, 'i' integer, 'b' boolean, 'dur' Go duration string,
// 'map' string map, 'any' (nested component settings the simulator does not inspect),
// [T] list of T, { field: T } object. Every field not listed is an unknown field.
const ARG = { name: 's', value: 's' }
const ENV = { name: 's', value: 's' }
const VOLUME = { name: 's', hostPath: 's', mountPath: 's', readOnly: 'b', pathType: 's' }
const CONTROL_PLANE_COMPONENT = { extraArgs: [ARG], extraVolumes: [VOLUME], extraEnvs: [ENV] }
const TAINT = { key: 's', value: 's', effect: 's', timeAdded: 's' }
const NODE_REGISTRATION = {
  name: 's',
  criSocket: 's',
  taints: [TAINT],
  kubeletExtraArgs: [ARG],
  ignorePreflightErrors: ['s'],
  imagePullPolicy: 's',
  imagePullSerial: 'b',
}
const API_ENDPOINT = { advertiseAddress: 's', bindPort: 'i' }
const TIMEOUTS = {
  controlPlaneComponentHealthCheck: 'dur',
  kubeletHealthCheck: 'dur',
  kubernetesAPICall: 'dur',
  etcdAPICall: 'dur',
  tlsBootstrap: 'dur',
  discovery: 'dur',
  upgradeManifests: 'dur',
}
const TYPE_META = { apiVersion: 's', kind: 's' }

const KUBEADM = {
  InitConfiguration: {
    ...TYPE_META,
    bootstrapTokens: [{ token: 's', description: 's', ttl: 'dur', expires: 's', usages: ['s'], groups: ['s'] }],
    nodeRegistration: NODE_REGISTRATION,
    localAPIEndpoint: API_ENDPOINT,
    certificateKey: 's',
    skipPhases: ['s'],
    patches: { directory: 's' },
    timeouts: TIMEOUTS,
    dryRun: 'b',
  },
  ClusterConfiguration: {
    ...TYPE_META,
    etcd: {
      local: {
        imageRepository: 's',
        imageTag: 's',
        dataDir: 's',
        extraArgs: [ARG],
        extraEnvs: [ENV],
        serverCertSANs: ['s'],
        peerCertSANs: ['s'],
      },
      external: { endpoints: ['s'], caFile: 's', certFile: 's', keyFile: 's', httpEndpoints: ['s'] },
    },
    networking: { serviceSubnet: 's', podSubnet: 's', dnsDomain: 's' },
    kubernetesVersion: 's',
    controlPlaneEndpoint: 's',
    apiServer: { ...CONTROL_PLANE_COMPONENT, certSANs: ['s'] },
    controllerManager: CONTROL_PLANE_COMPONENT,
    scheduler: CONTROL_PLANE_COMPONENT,
    dns: { disabled: 'b', imageRepository: 's', imageTag: 's' },
    proxy: { disabled: 'b' },
    certificatesDir: 's',
    imageRepository: 's',
    featureGates: 'map',
    clusterName: 's',
    encryptionAlgorithm: 's',
    certificateValidityPeriod: 'dur',
    caCertificateValidityPeriod: 'dur',
  },
  JoinConfiguration: {
    ...TYPE_META,
    dryRun: 'b',
    nodeRegistration: NODE_REGISTRATION,
    caCertPath: 's',
    discovery: {
      bootstrapToken: { token: 's', apiServerEndpoint: 's', caCertHashes: ['s'], unsafeSkipCAVerification: 'b' },
      file: { kubeConfigPath: 's' },
      tlsBootstrapToken: 's',
    },
    controlPlane: { localAPIEndpoint: API_ENDPOINT, certificateKey: 's' },
    skipPhases: ['s'],
    patches: { directory: 's' },
    timeouts: TIMEOUTS,
  },
  // Not used by init or join (which ignore it with a warning); its parts are not checked.
  UpgradeConfiguration: { ...TYPE_META, apply: 'any', diff: 'any', node: 'any', plan: 'any', timeouts: 'any' },
  ResetConfiguration: {
    ...TYPE_META,
    cleanupTmpDir: 'b',
    certificatesDir: 's',
    criSocket: 's',
    dryRun: 'b',
    force: 'b',
    ignorePreflightErrors: ['s'],
    skipPhases: ['s'],
    unmountFlags: ['s'],
  },
}

// The component configs: only their top-level fields are checked (the list is the commonly used
// part of the real types; a real field missing here is a simulator bug to fix, not a user error).
const KUBELET = {
  ...TYPE_META,
  ...Object.fromEntries(
    (
      'cgroupDriver failSwapOn memorySwap containerRuntimeEndpoint clusterDNS clusterDomain rotateCertificates ' +
      'serverTLSBootstrap authentication authorization staticPodPath resolvConf maxPods evictionHard evictionSoft ' +
      'evictionSoftGracePeriod systemReserved kubeReserved featureGates logging shutdownGracePeriod ' +
      'shutdownGracePeriodCriticalPods readOnlyPort healthzBindAddress healthzPort address port cgroupsPerQOS ' +
      'imageGCHighThresholdPercent imageGCLowThresholdPercent podPidsLimit runtimeRequestTimeout ' +
      'streamingConnectionIdleTimeout syncFrequency volumeStatsAggPeriod tlsMinVersion tlsCipherSuites ' +
      'protectKernelDefaults serializeImagePulls maxParallelImagePulls containerLogMaxSize containerLogMaxFiles ' +
      'cpuManagerPolicy topologyManagerPolicy memoryManagerPolicy enableServer nodeStatusReportFrequency ' +
      'nodeStatusUpdateFrequency fileCheckFrequency httpCheckFrequency registerNode registerWithTaints providerID ' +
      'kubeAPIQPS kubeAPIBurst cpuCFSQuota enforceNodeAllocatable systemReservedCgroup kubeReservedCgroup'
    )
      .split(' ')
      .map((k) => [k, 'any']),
  ),
}
const KUBE_PROXY = {
  ...TYPE_META,
  ...Object.fromEntries(
    (
      'mode clusterCIDR bindAddress metricsBindAddress healthzBindAddress ipvs iptables conntrack nftables ' +
      'featureGates hostnameOverride detectLocalMode detectLocal clientConnection configSyncPeriod ' +
      'nodePortAddresses oomScoreAdj portRange winkernel showHiddenMetricsForVersion logging enableProfiling ' +
      'bindAddressHardFail'
    )
      .split(' ')
      .map((k) => [k, 'any']),
  ),
}

const KINDS = {
  'kubeadm.k8s.io/v1beta4': KUBEADM,
  'kubelet.config.k8s.io/v1beta1': { KubeletConfiguration: KUBELET },
  'kubeproxy.config.k8s.io/v1alpha1': { KubeProxyConfiguration: KUBE_PROXY },
}

export const TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/
const GO_TYPES = { s: 'string', i: 'int32', b: 'bool', dur: 'v1.Duration', map: 'map[string]string' }

function jsonType(v) {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'number') return 'number'
  return typeof v
}

// kubeadm prints decoding problems as klog warnings naming the GroupVersionKind (%#v of it).
function gvkText(apiVersion, kind) {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion]
  return `schema.GroupVersionKind{Group:"${group}", Version:"${version}", Kind:"${kind}"}`
}
// The component-config groups kubeadm's componentconfigs scheme registers.
const COMPONENT_GROUPS = ['kubelet.config.k8s.io', 'kubeproxy.config.k8s.io']

function check(value, schema, where, kind, problems) {
  if (schema === 'any') return
  if (Array.isArray(schema)) {
    if (!Array.isArray(value)) {
      problems.push(
        `json: cannot unmarshal ${jsonType(value)} into Go struct field ${kind}.${where} of type []${typeName(schema[0])}`,
      )
      return
    }
    value.forEach((v, i) => check(v, schema[0], `${where}[${i}]`, kind, problems))
    return
  }
  if (typeof schema === 'object') {
    if (jsonType(value) !== 'object') {
      problems.push(
        `json: cannot unmarshal ${jsonType(value)} into Go struct field ${kind}.${where} of type ${typeName(schema)}`,
      )
      return
    }
    for (const [k, v] of Object.entries(value)) {
      const path = where ? `${where}.${k}` : k
      if (!(k in schema)) {
        problems.push(`strict decoding error: unknown field "${path}"`)
        continue
      }
      check(v, schema[k], path, kind, problems)
    }
    return
  }
  const ok =
    (schema === 's' && typeof value === 'string') ||
    (schema === 'i' && Number.isInteger(value)) ||
    (schema === 'b' && typeof value === 'boolean') ||
    (schema === 'dur' && typeof value === 'string') ||
    (schema === 'map' && jsonType(value) === 'object' && Object.values(value).every((v) => typeof v !== 'object'))
  if (!ok)
    problems.push(
      `json: cannot unmarshal ${jsonType(value)} into Go struct field ${kind}.${where} of type ${GO_TYPES[schema]}`,
    )
  if (ok && schema === 'dur') parseDuration(value, `${where}`)
}
function typeName(schema) {
  return typeof schema === 'string' ? GO_TYPES[schema] : Array.isArray(schema) ? `[]${typeName(schema[0])}` : 'struct'
}

// Go's time.ParseDuration, for the units kubeadm users write (h, m, s, ms).
export function parseDuration(text, where = 'duration') {
  if (text === '0') return 0
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/gy
  let total = 0
  let m
  let consumed = 0
  while ((m = re.exec(text))) {
    total += Number(m[1]) * { h: 3600e3, m: 60e3, s: 1e3, ms: 1 }[m[2]]
    consumed = re.lastIndex
  }
  if (!text || consumed !== text.length) throw new ConfigError(`${where}: time: invalid duration "${text}"`)
  return total
}

/**
 * Reads a --config file's documents: { InitConfiguration, ClusterConfiguration, ... } (raw objects),
 * as util/config/initconfiguration.go documentMapToInitConfiguration does: unknown fields and
 * kinds are klog warnings, an unknown kind's document is ignored ("[config] WARNING: Ignored
 * configuration document"). With `only` (join: joinconfiguration.go documentMapToJoinConfiguration)
 * every other kind is skipped unread and without a word.
 */
export function readConfigText(text, file, { only } = {}) {
  const docs = parseAllDocuments(text)
  const out = {}
  for (const doc of docs) {
    if (doc.errors.length) throw new ConfigError(`error converting YAML to JSON: yaml: ${doc.errors[0].message}`)
    const obj = doc.toJS()
    if (obj === null || obj === undefined) continue
    if (jsonType(obj) !== 'object')
      throw new ConfigError(`couldn't get version/kind; json parse error: ${file} is not an object`)
    const { apiVersion, kind } = obj
    if (!kind) throw new ConfigError(`Object 'Kind' is missing in '${JSON.stringify(obj)}'`)
    if (!apiVersion) throw new ConfigError(`Object 'apiVersion' is missing in '${JSON.stringify(obj)}'`)
    if (out[kind])
      throw new ConfigError(`invalid configuration: kind "${kind}" is specified twice in YAML file ${file}`)
    if (only && kind !== only) continue
    if (/^kubeadm\.k8s\.io\/v1beta[123]$/.test(apiVersion)) {
      throw new ConfigError(
        `your configuration file uses an old API spec: "${apiVersion}" (kind: "${kind}"). ` +
          `flotilla-sim accepts kubeadm.k8s.io/v1beta4 only (kubeadm 1.32 still reads v1beta3 with a deprecation warning). ` +
          `Please use kubeadm v1.22 instead and run 'kubeadm config migrate --old-config old.yaml --new-config new.yaml', which will write the new, similar spec using a newer API version.`,
      )
    }
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : ''
    const schema = KINDS[apiVersion]?.[kind]
    if (!schema) {
      // strict.go VerifyUnmarshalStrict: a GVK neither scheme knows.
      warn(
        `unknown configuration ${gvkText(apiVersion, kind)} for scheme definitions in "k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go:31" and "k8s.io/kubernetes/cmd/kubeadm/app/componentconfigs/scheme.go:28"`,
      )
      if (COMPONENT_GROUPS.includes(group)) {
        // kubeadm would hand it to the component's config loader; the simulator does not know it.
        throw new ConfigError(
          `flotilla-sim: ${apiVersion}, Kind=${kind} is not simulated (known: ${Object.entries(KINDS)
            .flatMap(([v, kinds]) => Object.keys(kinds).map((k) => `${v}, Kind=${k}`))
            .filter((k) => k.startsWith(group))
            .join('; ')})`,
        )
      }
      warn(`[config] WARNING: Ignored configuration document with GroupVersionKind ${apiVersion}, Kind=${kind}`)
      continue
    }
    const problems = []
    check(obj, schema, '', kind, problems)
    const unknown = problems.filter((p) => p.startsWith('strict decoding error'))
    const wrongType = problems.filter((p) => !p.startsWith('strict decoding error'))
    // Type errors: the decoder (runtime.DecodeInto) fails, so kubeadm fails.
    if (wrongType.length)
      throw new ConfigError(
        wrongType.map((p) => `error unmarshaling configuration ${gvkText(apiVersion, kind)}: ${p}`).join('\n'),
      )
    // Unknown fields: kubeadm init/join warn and ignore them (only `config validate` is strict).
    if (unknown.length)
      warn(
        `error unmarshaling configuration ${gvkText(apiVersion, kind)}: strict decoding error: ${unknown
          .map((p) => p.replace('strict decoding error: ', ''))
          .join(', ')}`,
      )
    out[kind] = obj
  }
  return out
}

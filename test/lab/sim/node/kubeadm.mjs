// FLOTILLA SIMULATOR STAND-IN for kubeadm -- not the real tool. See test/lab/sim/README.md for
// what is simulated (phase 1: version, init, reset, token) and every known difference.
//
// Output follows kubeadm 1.32's phase lines and error shapes, so a caller that parses kubeadm
// (the join command, preflight errors) meets the same text. Certificates are real: openssl signs
// the leaves with the CAs found in the certificates directory, with kubeadm's subjects and SANs.
import { createHash, createPrivateKey, randomBytes, X509Certificate } from 'node:crypto'
import { execFileSync, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ConfigError, parseDuration, readConfigText, TOKEN_PATTERN } from './kubeadm-config.mjs'

const VERSION = 'v1.32.4'
const ETC = '/etc/kubernetes'
const STATE = '/var/lib/flotilla-sim/kubeadm' // the simulator's stand-in for cluster state (phase 2: etcd)
const TOKENS = path.join(STATE, 'tokens.json')
const CRI_SOCKET = 'unix:///var/run/containerd/containerd.sock'
const PAUSE_IMAGE = 'registry.k8s.io/pause:3.10'
const KUBELET_WAIT_MS = 10_000 // kubeadm waits 4m0s; the simulator gives up sooner (README)
// GET the kubelet's /healthz in a child (kubeadm polls it; the stand-in has no event loop to spare).
const HEALTHZ_PROBE = `require('http')
  .get('http://127.0.0.1:10248/healthz', { timeout: 1000 }, (res) => {
    let body = ''
    res.on('data', (d) => (body += d))
    res.on('end', () => process.exit(res.statusCode === 200 && body === 'ok' ? 0 : 1))
  })
  .on('timeout', function () { this.destroy() })
  .on('error', () => process.exit(1))`
const STACK_HINT = 'To see the stack trace of this error execute with --v=5 or higher'
const ALGORITHMS = ['RSA-2048', 'RSA-3072', 'RSA-4096', 'ECDSA-P256', 'ECDSA-P384']
const KUBECONFIGS = [
  'admin.conf',
  'super-admin.conf',
  'kubelet.conf',
  'bootstrap-kubelet.conf',
  'controller-manager.conf',
  'scheduler.conf',
]
const MANIFESTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd']

class Fatal extends Error {}
const fatal = (message) => {
  throw new Fatal(message)
}
const out = (line = '') => process.stdout.write(`${line}\n`)
const warn = (line) => process.stderr.write(`W${stamp()} ${line}\n`)
const stamp = () => {
  const d = new Date()
  const p = (n, w = 2) => String(n).padStart(w, '0')
  return `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000 ${String(process.pid).padStart(7)} flotilla-sim]`
}
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

// ------------------------------------------------------------------------------------------------
// command line: cobra-style flags, --flag=value or --flag value; bool flags take no value.
function parseFlags(args, spec) {
  const flags = {}
  const positional = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (!a.startsWith('-') || a === '-') {
      positional.push(a)
      continue
    }
    const m = /^--?([a-z0-9-]+)(?:=(.*))?$/.exec(a)
    const name = m && (m[1] === 'f' ? 'force' : m[1] === 'o' ? 'output' : m[1])
    if (!m || !(name in spec)) fatal(`unknown flag: ${a.split('=')[0]}`)
    if (spec[name] === 'bool') flags[name] = m[2] === undefined ? true : m[2] !== 'false'
    else {
      const v = m[2] ?? args[++i]
      if (v === undefined) fatal(`flag needs an argument: ${a}`)
      flags[name] = spec[name] === 'list' ? [...(flags[name] ?? []), ...v.split(',')] : v
    }
  }
  return { flags, positional }
}

function arch() {
  const m = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim()
  return { aarch64: 'arm64', x86_64: 'amd64', armv7l: 'arm' }[m] ?? m
}

// ------------------------------------------------------------------------------------------------
// version
function cmdVersion(args) {
  const { flags } = parseFlags(args, { output: 'str', v: 'str' })
  const info = {
    major: '1',
    minor: '32',
    gitVersion: VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-04-22T16:02:27Z',
    goVersion: 'go1.23.6',
    compiler: 'gc',
    platform: `linux/${arch()}`,
  }
  switch (flags.output ?? '') {
    case '':
      out(
        `kubeadm version: &version.Info{Major:"1", Minor:"32", GitVersion:"${VERSION}", GitCommit:"${info.gitCommit}", GitTreeState:"clean", BuildDate:"${info.buildDate}", GoVersion:"go1.23.6", Compiler:"gc", Platform:"${info.platform}"}`,
      )
      break
    case 'short':
      out(VERSION)
      break
    case 'json':
      out(JSON.stringify({ clientVersion: info }, null, 2))
      break
    case 'yaml':
      out('clientVersion:')
      for (const [k, v] of Object.entries(info)) out(`  ${k}: ${JSON.stringify(v)}`)
      break
    default:
      fatal(`invalid output format: ${flags.output}`)
  }
}

// ------------------------------------------------------------------------------------------------
// configuration: flags and --config merged into kubeadm's defaults, then validated.
function isIP(s) {
  return /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(s) && s.split('.').every((o) => Number(o) <= 255)
}
const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/

function parseCIDR(s, field) {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(s ?? '')
  if (!m || !isIP(m[1]) || Number(m[2]) > 32) fatal(`${field}: Invalid value: "${s}": couldn't parse subnet`)
  return { ip: m[1], bits: Number(m[2]) }
}
function firstIP({ ip }) {
  const n = ip.split('.').reduce((a, o) => a * 256 + Number(o), 0) + 1
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

function nodeAddresses() {
  return Object.values(os.networkInterfaces())
    .flat()
    .filter((a) => a.family === 'IPv4' && !a.internal)
    .map((a) => a.address)
}

function buildInitConfig(flags) {
  let docs = {}
  if (flags.config) {
    const mixed = Object.keys(flags).filter((f) => !INIT_MIXABLE.includes(f))
    if (mixed.length) fatal(`can not mix '--config' with arguments [${mixed.sort().join(' ')}]`)
    let text
    try {
      text = fs.readFileSync(flags.config, 'utf8')
    } catch (e) {
      fatal(
        `unable to read config from "${flags.config}" : open ${flags.config}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`,
      )
    }
    docs = readConfigText(text, flags.config)
    for (const ignored of ['JoinConfiguration', 'ResetConfiguration']) {
      if (docs[ignored])
        warn(
          `[config] WARNING: Ignored configuration document with GroupVersionKind kubeadm.k8s.io/v1beta4, Kind=${ignored}`,
        )
    }
  }
  const init = docs.InitConfiguration ?? {}
  const cluster = docs.ClusterConfiguration ?? {}
  const nr = init.nodeRegistration ?? {}
  const endpoint = init.localAPIEndpoint ?? {}
  const cfg = {
    nodeName: nr.name ?? flags['node-name'] ?? os.hostname(),
    criSocket: nr.criSocket ?? flags['cri-socket'] ?? CRI_SOCKET,
    // nil taints: the control-plane taint; `taints: []`: none (v1beta4 NodeRegistrationOptions).
    taints: nr.taints ?? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
    kubeletExtraArgs: nr.kubeletExtraArgs ?? [],
    ignorePreflightErrors: [...(nr.ignorePreflightErrors ?? []), ...(flags['ignore-preflight-errors'] ?? [])],
    advertiseAddress: endpoint.advertiseAddress ?? flags['apiserver-advertise-address'],
    bindPort: endpoint.bindPort ?? Number(flags['apiserver-bind-port'] ?? 6443),
    bootstrapTokens: init.bootstrapTokens ?? [{ token: flags.token }],
    skipPhases: [...(init.skipPhases ?? []), ...(flags['skip-phases'] ?? [])],
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
    kubelet: docs.KubeletConfiguration ?? {},
    uploadCerts: Boolean(flags['upload-certs']),
  }
  validateInit(cfg)
  return cfg
}
const INIT_MIXABLE = [
  'config',
  'ignore-preflight-errors',
  'skip-phases',
  'upload-certs',
  'v',
  'skip-token-print',
  'skip-certificate-key-print',
]

function validateInit(cfg) {
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
  cfg.certSANs.forEach((san) => {
    if (!isIP(san) && !/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(san)) {
      // kubeadm drops it with a warning (pki_helpers.go appendSANsToAltNames).
      warn(
        `[certs] WARNING: 'apiServer.certSANs' value "${san}" was not added to the 'apiserver' SAN, because it is not a valid IP or RFC-1123 compliant DNS entry`,
      )
    }
  })
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
  if (cfg.etcdExternal) fatal('flotilla-sim: external etcd is not simulated yet (phase 2)')
  if (cfg.uploadCerts)
    fatal('flotilla-sim: --upload-certs is not simulated yet (phase 2); distribute the CA files instead')
  for (const p of cfg.skipPhases) fatal(`flotilla-sim: skipping phases ("${p}") is not simulated`)
  if (errors.length) fatal(errors.join('\n'))
}

// ------------------------------------------------------------------------------------------------
// preflight
const listeningPorts = () => {
  const r = spawnSync('ss', ['-Hltn'], { encoding: 'utf8' })
  return new Set(
    r.stdout
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[3])
      .filter(Boolean)
      .map((a) => Number(a.slice(a.lastIndexOf(':') + 1))),
  )
}
const readText = (f) => {
  try {
    return fs.readFileSync(f, 'utf8')
  } catch {
    return null
  }
}
const systemctl = (...args) => spawnSync('/usr/bin/systemctl', args, { encoding: 'utf8' })
const moduleLoaded = (m) => fs.existsSync(`/run/flotilla-sim/modules/${m}`)

function runPreflight(checks, ignore) {
  const ignored = new Set(ignore.map((e) => e.toLowerCase()))
  const all = ignored.has('all')
  const errors = []
  for (const { name, level, message } of checks) {
    if (level === 'warning' || all || ignored.has(name.toLowerCase())) {
      process.stderr.write(`\t[WARNING ${name}]: ${message}\n`)
    } else errors.push(`\t[ERROR ${name}]: ${message}`)
  }
  if (errors.length) {
    fatal(
      `error execution phase preflight: [preflight] Some fatal errors occurred:\n${errors.join('\n')}\n` +
        '[preflight] If you know what you are doing, you can make a check non-fatal with `--ignore-preflight-errors=...`',
    )
  }
}

function commonChecks(cfg) {
  const checks = []
  const add = (name, message, level = 'error') => checks.push({ name, level, message })
  if (process.getuid() !== 0) add('IsPrivilegedUser', 'user is not running as root')
  const cpus = os.cpus().length
  if (cpus < 2) add('NumCPU', `the number of available CPUs ${cpus} is less than the required 2`)
  const mem = Number(/MemTotal:\s+(\d+)/.exec(readText('/proc/meminfo') ?? '')?.[1] ?? 0) / 1024
  if (mem < 1700) add('Mem', `the system RAM (${Math.floor(mem)} MB) is less than the minimum 1700 MB`)
  const socket = cfg.criSocket.replace(/^unix:\/\//, '').replace(/^\/var\/run\//, '/run/')
  let criUp = false
  try {
    criUp =
      fs.statSync(socket).isSocket() && JSON.parse(readText('/run/flotilla-sim/containerd.json') ?? '{}').cri === true
  } catch {
    criUp = false
  }
  if (!criUp) {
    add(
      'CRI',
      `could not connect to the container runtime: failed to create new CRI runtime service: validate service connection: validate CRI v1 runtime API for endpoint "${cfg.criSocket}": rpc error: code = Unavailable desc = connection error`,
    )
  }
  if (systemctl('is-enabled', '--quiet', 'kubelet.service').status !== 0) {
    add('Service-Kubelet', "kubelet service is not enabled, please run 'systemctl enable kubelet.service'", 'warning')
  }
  const swaps = (readText('/proc/swaps') ?? '').trim().split('\n').slice(1).filter(Boolean)
  if (swaps.length) {
    add(
      'Swap',
      'swap is supported for cgroup v2 only. The kubelet must be properly configured to use swap. Please refer to https://kubernetes.io/docs/concepts/architecture/nodes/#swap-memory, or disable swap on the node',
      'warning',
    )
  }
  if ((readText('/proc/sys/net/ipv4/ip_forward') ?? '').trim() !== '1') {
    add('FileContent--proc-sys-net-ipv4-ip_forward', '/proc/sys/net/ipv4/ip_forward contents are not set to 1')
  }
  // The lab shares the host's kernel, whose br_netfilter may be loaded: the node's own module
  // list (the modprobe stand-in) decides whether the file "exists" for this node.
  if (!moduleLoaded('br_netfilter')) {
    add(
      'FileContent--proc-sys-net-bridge-bridge-nf-call-iptables',
      '/proc/sys/net/bridge/bridge-nf-call-iptables does not exist',
    )
  }
  return checks
}

function initChecks(cfg) {
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

// ------------------------------------------------------------------------------------------------
// certificates, with openssl, from the CAs in the certificates directory
function openssl(args, input) {
  const r = spawnSync('openssl', args, { input, encoding: 'utf8' })
  if (r.status !== 0) fatal(`flotilla-sim: openssl ${args[0]} failed: ${r.stderr.trim()}`)
  return r.stdout
}

function newKey(file, algorithm) {
  const args = algorithm.startsWith('RSA')
    ? ['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${algorithm.slice(4)}`]
    : ['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${algorithm === 'ECDSA-P384' ? 'P-384' : 'P-256'}`]
  fs.mkdirSync(path.dirname(file), { recursive: true })
  openssl([...args, '-out', file])
  fs.chmodSync(file, 0o600)
}

function keyMatchesCert(keyFile, certFile) {
  const pubOfKey = openssl(['pkey', '-in', keyFile, '-pubout'])
  const pubOfCert = openssl(['x509', '-in', certFile, '-noout', '-pubkey'])
  return pubOfKey.trim() === pubOfCert.trim()
}

function loadCA(cfg, base, name, cn) {
  const crt = path.join(cfg.certificatesDir, `${base}.crt`)
  const key = path.join(cfg.certificatesDir, `${base}.key`)
  if (!fs.existsSync(crt)) {
    if (fs.existsSync(key))
      fatal(
        `error execution phase certs/${name}: failure loading ${name} certificate authority: couldn't load the certificate file ${crt}: open ${crt}: no such file or directory`,
      )
    newKey(key, cfg.encryptionAlgorithm)
    const days = 3650
    openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-subj',
      `/CN=${cn}`,
      '-days',
      String(days),
      '-out',
      crt,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
      '-addext',
      `subjectAltName=DNS:${cn}`,
    ])
    out(`[certs] Generating "${name}" certificate and key`)
    return { crt, key }
  }
  if (!fs.existsSync(key)) {
    fatal(
      `error execution phase certs/${name}: flotilla-sim: external CA mode (${crt} without its key) is not simulated; place the CA key too`,
    )
  }
  const x = new X509Certificate(fs.readFileSync(crt))
  if (!x.ca)
    fatal(
      `error execution phase certs/${name}: failure loading ${name} certificate authority: certificate ${crt} is not a CA`,
    )
  // TryLoadKeyFromDisk: RSA or ECDSA, nothing else (no Ed25519).
  let keyType = ''
  try {
    const k = createPrivateKey(fs.readFileSync(key))
    keyType = k.asymmetricKeyType === 'ec' ? `ec-${k.asymmetricKeyDetails?.namedCurve}` : (k.asymmetricKeyType ?? '')
  } catch {
    keyType = 'unreadable'
  }
  if (!['rsa', 'ec-prime256v1', 'ec-secp384r1'].includes(keyType)) {
    fatal(
      `error execution phase certs/${name}: failure loading ${name} certificate authority: the private key file ${key} is neither in RSA nor ECDSA format`,
    )
  }
  if (!keyMatchesCert(key, crt))
    fatal(
      `error execution phase certs/${name}: failure loading ${name} certificate authority: the private key does not match the certificate ${crt}`,
    )
  if (new Date(x.validTo) < new Date())
    fatal(
      `error execution phase certs/${name}: failure loading ${name} certificate authority: the certificate has expired`,
    )
  out(`[certs] Using existing ${name} certificate authority`)
  return { crt, key }
}

function sanList(dns, ips) {
  return [...new Set(dns)]
    .map((d) => `DNS:${d}`)
    .concat([...new Set(ips)].map((i) => `IP:${i}`))
    .join(',')
}

// A leaf signed by CA with kubeadm's profile (pki_helpers.go NewSignedCert).
function leaf(cfg, ca, base, { cn, org, usage, dns = [], ips = [] }) {
  const crt = path.join(cfg.certificatesDir, `${base}.crt`)
  const key = path.join(cfg.certificatesDir, `${base}.key`)
  const name = base
  if (fs.existsSync(crt) && fs.existsSync(key)) {
    // kubeadm reuses an existing leaf only if the CA signed it and it has every SAN it needs.
    const x = new X509Certificate(fs.readFileSync(crt))
    const caX = new X509Certificate(fs.readFileSync(ca.crt))
    if (!x.checkIssued(caX) || !x.verify(caX.publicKey)) {
      fatal(
        `error execution phase certs/${name}: [certs] certificate ${name} not signed by CA certificate ${path.basename(ca.crt, '.crt')}: crypto/rsa: verification error`,
      )
    }
    const have = x.subjectAltName ?? ''
    for (const want of [...dns.map((d) => `DNS:${d}`), ...ips.map((i) => `IP Address:${i}`)]) {
      if (!have.split(', ').includes(want)) {
        fatal(
          `error execution phase certs/${name}: [certs] certificate ${name} is invalid: x509: certificate is not valid for ${want.replace(/^\w+( Address)?:/, '')}`,
        )
      }
    }
    out(`[certs] Using existing ${name} certificate and key on disk`)
    return
  }
  newKey(key, cfg.encryptionAlgorithm)
  fs.writeFileSync(crt, signLeaf(cfg, ca, key, { cn, org, usage, dns, ips }))
  out(`[certs] Generating "${name}" certificate and key`)
  if (dns.length || ips.length)
    out(
      `[certs] ${name} serving cert is signed for DNS names [${[...new Set(dns)].join(' ')}] and IPs [${[...new Set(ips)].join(' ')}]`,
    )
}

/**
 * Signs a leaf certificate for `keyPath` with the cluster CA, as kubeadm does: not a CA, digital
 * signature + key encipherment, the given extended usage and SANs. Returns the PEM.
 */
function signLeaf(cfg, ca, keyPath, { cn, org, usage, dns = [], ips = [] }) {
  const ext = [
    '[leaf]',
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature, keyEncipherment',
    `extendedKeyUsage = ${usage}`,
    'authorityKeyIdentifier = keyid',
    ...(dns.length || ips.length ? [`subjectAltName = ${sanList(dns, ips)}`] : []),
  ].join('\n')
  const extFile = path.join(os.tmpdir(), `flotilla-sim-ext-${process.pid}`)
  fs.writeFileSync(extFile, ext)
  try {
    const csr = openssl(['req', '-new', '-key', keyPath, '-subj', `${org ? `/O=${org}` : ''}/CN=${cn}`])
    return openssl(
      [
        'x509',
        '-req',
        '-CA',
        ca.crt,
        '-CAkey',
        ca.key,
        '-set_serial',
        `0x${randomBytes(8).toString('hex')}`,
        '-days',
        String(Math.ceil(cfg.certificateValidityHours / 24)),
        '-extfile',
        extFile,
        '-extensions',
        'leaf',
      ],
      csr,
    )
  } finally {
    fs.rmSync(extFile, { force: true })
  }
}

function certsPhase(cfg) {
  out(`[certs] Using certificateDir folder "${cfg.certificatesDir}"`)
  const ca = loadCA(cfg, 'ca', 'ca', 'kubernetes')
  const sansDNS = [
    cfg.nodeName,
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    `kubernetes.default.svc.${cfg.dnsDomain}`,
  ]
  const sansIP = [cfg.serviceIP, cfg.advertiseAddress]
  if (cfg.endpointHost) (isIP(cfg.endpointHost) ? sansIP : sansDNS).push(cfg.endpointHost)
  for (const san of cfg.certSANs) {
    if (isIP(san)) sansIP.push(san)
    else if (/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(san)) sansDNS.push(san)
  }
  leaf(cfg, ca, 'apiserver', { cn: 'kube-apiserver', usage: 'serverAuth', dns: sansDNS, ips: sansIP })
  leaf(cfg, ca, 'apiserver-kubelet-client', {
    cn: 'kube-apiserver-kubelet-client',
    org: 'kubeadm:cluster-admins',
    usage: 'clientAuth',
  })
  const fp = loadCA(cfg, 'front-proxy-ca', 'front-proxy-ca', 'front-proxy-ca')
  leaf(cfg, fp, 'front-proxy-client', { cn: 'front-proxy-client', usage: 'clientAuth' })
  const etcd = loadCA(cfg, 'etcd/ca', 'etcd/ca', 'etcd-ca')
  const etcdDNS = [cfg.nodeName, 'localhost']
  const etcdIP = [cfg.advertiseAddress, '127.0.0.1', '0:0:0:0:0:0:0:1']
  leaf(cfg, etcd, 'etcd/server', {
    cn: cfg.nodeName,
    usage: 'serverAuth, clientAuth',
    dns: [...etcdDNS, ...(cfg.etcdLocal.serverCertSANs ?? [])],
    ips: etcdIP,
  })
  leaf(cfg, etcd, 'etcd/peer', {
    cn: cfg.nodeName,
    usage: 'serverAuth, clientAuth',
    dns: [...etcdDNS, ...(cfg.etcdLocal.peerCertSANs ?? [])],
    ips: etcdIP,
  })
  leaf(cfg, etcd, 'etcd/healthcheck-client', { cn: 'kube-etcd-healthcheck-client', usage: 'clientAuth' })
  leaf(cfg, etcd, 'apiserver-etcd-client', { cn: 'kube-apiserver-etcd-client', usage: 'clientAuth' })
  const saKey = path.join(cfg.certificatesDir, 'sa.key')
  const saPub = path.join(cfg.certificatesDir, 'sa.pub')
  if (fs.existsSync(saKey)) {
    if (!fs.existsSync(saPub))
      fatal(
        `error execution phase certs/sa: couldn't load the public key file ${saPub}: open ${saPub}: no such file or directory`,
      )
    out('[certs] Using the existing "sa" key')
  } else {
    out('[certs] Generating "sa" key and public key')
    newKey(saKey, 'RSA-2048')
    fs.writeFileSync(saPub, openssl(['pkey', '-in', saKey, '-pubout']))
  }
  return ca
}

// SHA-256 of the CA's DER SubjectPublicKeyInfo (--discovery-token-ca-cert-hash).
function caCertHash(caCrt) {
  const x = new X509Certificate(fs.readFileSync(caCrt))
  return `sha256:${createHash('sha256')
    .update(x.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')}`
}

// ------------------------------------------------------------------------------------------------
// kubeconfigs (kubeconfig.go): who each one is, and which server it talks to.
function kubeconfigsPhase(cfg, ca) {
  out(`[kubeconfig] Using kubeconfig folder "${ETC}"`)
  const local = `https://${cfg.advertiseAddress}:${cfg.bindPort}`
  const shared = cfg.endpointHost ? `https://${cfg.endpointHost}:${cfg.endpointPort}` : local
  const files = [
    ['admin.conf', 'kubernetes-admin', 'kubeadm:cluster-admins', shared],
    ['super-admin.conf', 'kubernetes-super-admin', 'system:masters', shared],
    ['kubelet.conf', `system:node:${cfg.nodeName}`, 'system:nodes', shared],
    ['controller-manager.conf', 'system:kube-controller-manager', '', local],
    ['scheduler.conf', 'system:kube-scheduler', '', local],
  ]
  const caData = fs.readFileSync(ca.crt).toString('base64')
  if (cfg.endpointHost) {
    // Printed by kubeadm when the endpoint carries its own port.
    if (/:\d+$/.test(cfg.controlPlaneEndpoint))
      warn('[endpoint] WARNING: port specified in controlPlaneEndpoint overrides bindPort in the controlplane address')
  }
  for (const [file, user, org, server] of files) {
    const target = path.join(ETC, file)
    if (fs.existsSync(target)) {
      const text = fs.readFileSync(target, 'utf8')
      const haveCA = /certificate-authority-data:\s*(\S+)/.exec(text)?.[1]
      const haveServer = /server:\s*(\S+)/.exec(text)?.[1]
      if (haveCA !== caData)
        fatal(
          `error execution phase kubeconfig/${file.replace('.conf', '')}: a kubeconfig file "${target}" exists already but has got the wrong CA cert`,
        )
      if (haveServer !== server)
        fatal(
          `error execution phase kubeconfig/${file.replace('.conf', '')}: a kubeconfig file "${target}" exists already but has an unexpected API Server URL: expected: ${server}, got: ${haveServer}`,
        )
      out(`[kubeconfig] Using existing kubeconfig file: "${target}"`)
      continue
    }
    const key = path.join(os.tmpdir(), `flotilla-sim-key-${process.pid}`)
    newKey(key, cfg.encryptionAlgorithm)
    const cert = signLeaf(cfg, ca, key, { cn: user, org, usage: 'clientAuth' })
    const keyData = fs.readFileSync(key).toString('base64')
    fs.rmSync(key)
    const context = `${user}@${cfg.clusterName}`
    const text = [
      'apiVersion: v1',
      'clusters:',
      '- cluster:',
      `    certificate-authority-data: ${caData}`,
      `    server: ${server}`,
      `  name: ${cfg.clusterName}`,
      'contexts:',
      '- context:',
      `    cluster: ${cfg.clusterName}`,
      `    user: ${user}`,
      `  name: ${context}`,
      `current-context: ${context}`,
      'kind: Config',
      'preferences: {}',
      'users:',
      `- name: ${user}`,
      '  user:',
      `    client-certificate-data: ${Buffer.from(cert).toString('base64')}`,
      `    client-key-data: ${keyData}`,
      '',
    ].join('\n')
    fs.writeFileSync(target, text, { mode: 0o600 })
    out(`[kubeconfig] Writing "${file}" kubeconfig file`)
  }
}

// Static pod manifests: files only in phase 1 (the kubelet stand-in does not run them yet).
function manifestsPhase(cfg) {
  fs.mkdirSync(`${ETC}/manifests`, { recursive: true })
  const dataDir = cfg.etcdLocal.dataDir ?? '/var/lib/etcd'
  out(`[etcd] Creating static Pod manifest for local etcd in "${ETC}/manifests"`)
  const pods = {
    // kubeadm's etcd flags (phases/etcd/local.go), minus the 3.5-only experimental ones: the
    // kubelet stand-in runs this with the machine's etcd 3.4.
    etcd: [
      `--advertise-client-urls=https://${cfg.advertiseAddress}:2379`,
      `--cert-file=${cfg.certificatesDir}/etcd/server.crt`,
      '--client-cert-auth=true',
      `--data-dir=${dataDir}`,
      `--initial-advertise-peer-urls=https://${cfg.advertiseAddress}:2380`,
      `--initial-cluster=${cfg.nodeName}=https://${cfg.advertiseAddress}:2380`,
      `--key-file=${cfg.certificatesDir}/etcd/server.key`,
      `--listen-client-urls=https://127.0.0.1:2379,https://${cfg.advertiseAddress}:2379`,
      '--listen-metrics-urls=http://127.0.0.1:2381',
      `--listen-peer-urls=https://${cfg.advertiseAddress}:2380`,
      `--name=${cfg.nodeName}`,
      `--peer-cert-file=${cfg.certificatesDir}/etcd/peer.crt`,
      '--peer-client-cert-auth=true',
      `--peer-key-file=${cfg.certificatesDir}/etcd/peer.key`,
      `--peer-trusted-ca-file=${cfg.certificatesDir}/etcd/ca.crt`,
      '--snapshot-count=10000',
      `--trusted-ca-file=${cfg.certificatesDir}/etcd/ca.crt`,
    ],
    'kube-apiserver': [
      `--advertise-address=${cfg.advertiseAddress}`,
      `--secure-port=${cfg.bindPort}`,
      `--service-cluster-ip-range=${cfg.serviceSubnet}`,
      '--authorization-mode=Node,RBAC',
    ],
    'kube-controller-manager': [
      '--kubeconfig=/etc/kubernetes/controller-manager.conf',
      ...(cfg.podSubnet ? [`--cluster-cidr=${cfg.podSubnet}`, '--allocate-node-cidrs=true'] : []),
    ],
    'kube-scheduler': ['--kubeconfig=/etc/kubernetes/scheduler.conf'],
  }
  out(`[control-plane] Using manifest folder "${ETC}/manifests"`)
  for (const [pod, args] of Object.entries(pods)) {
    if (pod !== 'etcd') out(`[control-plane] Creating static Pod manifest for "${pod}"`)
    const image = pod === 'etcd' ? 'registry.k8s.io/etcd:3.5.16-0' : `registry.k8s.io/${pod}:${cfg.kubernetesVersion}`
    const text = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      `  name: ${pod}`,
      '  namespace: kube-system',
      '  labels:',
      `    component: ${pod}`,
      '    tier: control-plane',
      'spec:',
      '  hostNetwork: true',
      '  containers:',
      `  - name: ${pod}`,
      `    image: ${image}`,
      '    command:',
      `    - ${pod}`,
      ...args.map((a) => `    - ${a}`),
      '',
    ].join('\n')
    fs.writeFileSync(`${ETC}/manifests/${pod}.yaml`, text, { mode: 0o600 })
  }
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 })
}

// kubelet-start: its config and flags, then (re)start it and wait for its /healthz.
function kubeletPhase(cfg) {
  const kubelet = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    cgroupDriver: 'systemd',
    clusterDNS: [
      firstIP(parseCIDR(cfg.serviceSubnet.split(',')[0], 'networking.serviceSubnet')).replace(/\.1$/, '.10'),
    ],
    clusterDomain: cfg.dnsDomain,
    staticPodPath: `${ETC}/manifests`,
    rotateCertificates: true,
    ...cfg.kubelet,
  }
  fs.mkdirSync('/var/lib/kubelet', { recursive: true })
  out('[kubelet-start] Writing kubelet environment file with flags to file "/var/lib/kubelet/kubeadm-flags.env"')
  const extra = cfg.kubeletExtraArgs.map((a) => `--${a.name}=${a.value}`)
  fs.writeFileSync(
    '/var/lib/kubelet/kubeadm-flags.env',
    `KUBELET_KUBEADM_ARGS="${[`--container-runtime-endpoint=${cfg.criSocket}`, `--pod-infra-container-image=${PAUSE_IMAGE}`, ...extra].join(' ')}"\n`,
  )
  out('[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"')
  fs.writeFileSync('/var/lib/kubelet/config.yaml', yamlOf(kubelet))
  out('[kubelet-start] Starting the kubelet')
  const restart = systemctl('restart', 'kubelet')
  if (restart.status !== 0)
    warn(`[kubelet-start] WARNING: unable to start the kubelet service: [${restart.stderr.trim()}]`)
  out(
    '[wait-control-plane] Waiting for the kubelet to boot up the control plane as static Pods from directory "/etc/kubernetes/manifests"',
  )
  out('[kubelet-check] Waiting for a healthy kubelet at http://127.0.0.1:10248/healthz. This can take up to 4m0s')
  const started = Date.now()
  while (Date.now() - started < KUBELET_WAIT_MS) {
    if (spawnSync(process.execPath, ['-e', HEALTHZ_PROBE]).status === 0) {
      out(`[kubelet-check] The kubelet is healthy after ${((Date.now() - started) / 1000).toFixed(6)}s`)
      return
    }
    sleep(300)
  }
  out(`[kubelet-check] The kubelet is not healthy after 4m0s (flotilla-sim: gave up after ${KUBELET_WAIT_MS / 1000}s)`)
  out()
  out('Unfortunately, an error has occurred, likely caused by:')
  out('\t- The kubelet is not running')
  out('\t- The kubelet is unhealthy due to a misconfiguration of the node in some way (required cgroups disabled)')
  out()
  out('If you are on a systemd-powered system, you can try to troubleshoot the error with the following commands:')
  out("\t- 'systemctl status kubelet'")
  out("\t- 'journalctl -xeu kubelet'")
  out()
  fatal(
    'error execution phase wait-control-plane: failed while waiting for the kubelet: kubelet is not healthy after 4m0s',
  )
}

function yamlOf(obj, indent = '') {
  return Object.entries(obj)
    .map(([k, v]) => {
      if (Array.isArray(v))
        return `${indent}${k}:${v.length ? '' : ' []'}\n${v.map((x) => `${indent}- ${typeof x === 'object' ? JSON.stringify(x) : JSON.stringify(x)}\n`).join('')}`
      if (v && typeof v === 'object') return `${indent}${k}:\n${yamlOf(v, `${indent}  `)}`
      return `${indent}${k}: ${JSON.stringify(v)}\n`
    })
    .join('')
}

// ------------------------------------------------------------------------------------------------
// bootstrap tokens: kept on this node by the simulator until the API server stand-in exists.
function loadTokens() {
  const tokens = JSON.parse(readText(TOKENS) ?? '[]')
  return tokens.filter((t) => !t.expires || new Date(t.expires) > new Date()) // expired ones are cleaned up
}
function saveTokens(tokens) {
  fs.mkdirSync(STATE, { recursive: true, mode: 0o700 })
  fs.writeFileSync(TOKENS, JSON.stringify(tokens, null, 2), { mode: 0o600 })
}
function randomToken() {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789'
  const pick = (n) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('')
  return `${pick(6)}.${pick(16)}`
}
function addToken(spec) {
  const token = spec.token ?? randomToken()
  if (!TOKEN_PATTERN.test(token)) fatal(`the bootstrap token "${token}" was not of the form "${TOKEN_PATTERN.source}"`)
  const tokens = loadTokens()
  if (tokens.some((t) => t.token.slice(0, 6) === token.slice(0, 6)))
    fatal(`a token with id "${token.slice(0, 6)}" already exists`)
  const ttl = spec.expires ? null : parseDuration(spec.ttl ?? '24h', 'ttl')
  tokens.push({
    token,
    description: spec.description ?? '',
    expires: spec.expires ?? (ttl ? new Date(Date.now() + ttl).toISOString().replace(/\.\d+Z$/, 'Z') : null),
    usages: spec.usages ?? ['signing', 'authentication'],
    groups: spec.groups ?? ['system:bootstrappers:kubeadm:default-node-token'],
  })
  saveTokens(tokens)
  return token
}

function requireAdminConf(kubeconfig = `${ETC}/admin.conf`) {
  const text = readText(kubeconfig)
  if (text === null) fatal(`failed to load admin kubeconfig: open ${kubeconfig}: no such file or directory`)
  return { server: /server:\s*(\S+)/.exec(text)?.[1] ?? '' }
}

function joinCommand(server, token, caCrt, controlPlane) {
  const endpoint = server.replace(/^https:\/\//, '')
  return `kubeadm join ${endpoint} --token ${token} \\\n\t--discovery-token-ca-cert-hash ${caCertHash(caCrt)} ${controlPlane ? '\\\n\t--control-plane ' : ''}`
}

function cmdToken(args) {
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
      if (flags['dry-run'] || flags.config || flags['certificate-key'])
        fatal('flotilla-sim: token create --dry-run/--config/--certificate-key are not simulated')
      const admin = requireAdminConf(flags.kubeconfig)
      if (positional.length > 1) fatal(`accepts at most 1 arg(s), received ${positional.length}`)
      const token = addToken({
        token: positional[0],
        ttl: flags.ttl,
        description: flags.description,
        groups: flags.groups,
        usages: flags.usages,
      })
      out(flags['print-join-command'] ? joinCommand(admin.server, token, `${ETC}/pki/ca.crt`, false) : token)
      return
    }
    case 'list': {
      const { flags } = parseFlags(rest, { kubeconfig: 'str', v: 'str', output: 'str' })
      requireAdminConf(flags.kubeconfig)
      if (flags.output) fatal('flotilla-sim: token list -o is not simulated')
      const rows = [['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS']]
      for (const t of loadTokens()) {
        const left = t.expires ? Math.round((new Date(t.expires) - Date.now()) / 3600e3) : null
        rows.push([
          t.token,
          left === null ? '<forever>' : `${left}h`,
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
      requireAdminConf(flags.kubeconfig)
      if (!positional.length)
        fatal(
          'missing subcommand; "token delete" is missing token of form "(?i)[a-z0-9]{6}\\.[a-z0-9]{16}" or "(?i)[a-z0-9]{6}"',
        )
      let tokens = loadTokens()
      for (const arg of positional) {
        if (!/^[a-z0-9]{6}$/.test(arg) && !TOKEN_PATTERN.test(arg)) {
          fatal(`given token didn't match pattern "^([a-z0-9]{6})$" or "${TOKEN_PATTERN.source}"`)
        }
        const id = arg.slice(0, 6)
        if (!tokens.some((t) => t.token.startsWith(`${id}.`)))
          fatal(`failed to delete bootstrap token with ID "${id}": secrets "bootstrap-token-${id}" not found`)
        tokens = tokens.filter((t) => !t.token.startsWith(`${id}.`))
        saveTokens(tokens)
        out(`bootstrap token "${id}" deleted`)
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

// ------------------------------------------------------------------------------------------------
function cmdInit(args) {
  const spec = {
    config: 'str',
    'ignore-preflight-errors': 'list',
    'skip-phases': 'list',
    'upload-certs': 'bool',
    v: 'str',
    'skip-token-print': 'bool',
    'skip-certificate-key-print': 'bool',
    'node-name': 'str',
    'cri-socket': 'str',
    'apiserver-advertise-address': 'str',
    'apiserver-bind-port': 'str',
    'control-plane-endpoint': 'str',
    'apiserver-cert-extra-sans': 'list',
    'pod-network-cidr': 'str',
    'service-cidr': 'str',
    'service-dns-domain': 'str',
    'cert-dir': 'str',
    'kubernetes-version': 'str',
    token: 'str',
    'token-ttl': 'str',
    'dry-run': 'bool',
  }
  const { flags, positional } = parseFlags(args, spec)
  if (positional[0] === 'phase')
    fatal(`flotilla-sim: "kubeadm init phase ${positional[1] ?? ''}" is not simulated yet (phase 2)`)
  if (positional.length) fatal(`unknown command "${positional[0]}" for "kubeadm init"`)
  if (flags['dry-run']) fatal('flotilla-sim: --dry-run is not simulated')
  if (flags.token !== undefined && !TOKEN_PATTERN.test(flags.token))
    fatal(`the bootstrap token "${flags.token}" was not of the form "${TOKEN_PATTERN.source}"`)
  const cfg = buildInitConfig(flags)
  out(`[init] Using Kubernetes version: ${cfg.kubernetesVersion}`)
  out('[preflight] Running pre-flight checks')
  runPreflight(initChecks(cfg), cfg.ignorePreflightErrors)
  out('[preflight] Pulling images required for setting up a Kubernetes cluster')
  out('[preflight] This might take a minute or two, depending on the speed of your internet connection')
  out("[preflight] You can also perform this action beforehand using 'kubeadm config images pull'")
  const ca = certsPhase(cfg)
  kubeconfigsPhase(cfg, ca)
  manifestsPhase(cfg)
  kubeletPhase(cfg)
  out('[api-check] flotilla-sim: the API server stand-in is phase 2 of the simulator; not waiting for it')
  out('[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the "kube-system" Namespace')
  const labels = ['node-role.kubernetes.io/control-plane', 'node.kubernetes.io/exclude-from-external-load-balancers']
  out(
    `[mark-control-plane] Marking the node ${cfg.nodeName} as control-plane by adding the labels: [${labels.join(' ')}]`,
  )
  if (cfg.taints.length) {
    out(
      `[mark-control-plane] Marking the node ${cfg.nodeName} as control-plane by adding the taints [${cfg.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(' ')}]`,
    )
  }
  const tokens = cfg.bootstrapTokens.map((t) => addToken(t))
  out(`[bootstrap-token] Using token: ${tokens[0]}`)
  out('[bootstrap-token] Configuring bootstrap tokens, cluster-info ConfigMap, RBAC Roles')
  out(
    '[kubelet-finalize] Updating "/etc/kubernetes/kubelet.conf" to point to a rotatable kubelet client certificate and key',
  )
  out('[addons] flotilla-sim: CoreDNS and kube-proxy are not simulated')
  fs.mkdirSync(STATE, { recursive: true, mode: 0o700 })
  // What the API server stand-in (phase 2) will register for this node.
  fs.writeFileSync(
    path.join(STATE, 'node.json'),
    JSON.stringify(
      { name: cfg.nodeName, role: 'control-plane', labels, taints: cfg.taints, address: cfg.advertiseAddress },
      null,
      2,
    ),
  )
  const server = cfg.endpointHost
    ? `https://${cfg.endpointHost}:${cfg.endpointPort}`
    : `https://${cfg.advertiseAddress}:${cfg.bindPort}`
  out()
  out('Your Kubernetes control-plane has initialized successfully!')
  out()
  out('To start using your cluster, you need to run the following as a regular user:')
  out()
  out('  mkdir -p $HOME/.kube')
  out('  sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config')
  out('  sudo chown $(id -u):$(id -g) $HOME/.kube/config')
  out()
  out('Alternatively, if you are the root user, you can run:')
  out()
  out('  export KUBECONFIG=/etc/kubernetes/admin.conf')
  out()
  out('You should now deploy a pod network to the cluster.')
  out('Run "kubectl apply -f [podnetwork].yaml" with one of the options listed at:')
  out('  https://kubernetes.io/docs/concepts/cluster-administration/addons/')
  out()
  if (cfg.endpointHost) {
    out('You can now join any number of control-plane nodes by copying certificate authorities')
    out('and service account keys on each node and then running the following as root:')
    out()
    out(`  ${joinCommand(server, tokens[0], ca.crt, true).replace(/\n/g, '\n  ')}`)
    out()
  }
  out('Then you can join any number of worker nodes by running the following on each as root:')
  out()
  out(joinCommand(server, tokens[0], ca.crt, false))
}

// ------------------------------------------------------------------------------------------------
function cmdReset(args) {
  const { flags, positional } = parseFlags(args, {
    force: 'bool',
    'cert-dir': 'str',
    'cri-socket': 'str',
    'ignore-preflight-errors': 'list',
    'skip-phases': 'list',
    'cleanup-tmp-dir': 'bool',
    config: 'str',
    v: 'str',
    kubeconfig: 'str',
    'dry-run': 'bool',
  })
  if (positional.length) fatal(`unknown command "${positional[0]}" for "kubeadm reset"`)
  if (flags['dry-run'] || flags.config || flags['skip-phases'])
    fatal('flotilla-sim: reset --dry-run/--config/--skip-phases are not simulated')
  const certDir = flags['cert-dir'] ?? `${ETC}/pki`
  if (process.getuid() !== 0)
    runPreflight(
      [{ name: 'IsPrivilegedUser', level: 'error', message: 'user is not running as root' }],
      flags['ignore-preflight-errors'] ?? [],
    )
  out('[reset] Reading configuration from the cluster...')
  out("[reset] FYI: You can look at this config file with 'kubectl -n kube-system get cm kubeadm-config -o yaml'")
  warn('[reset] Unable to fetch the kubeadm-config ConfigMap from cluster: flotilla-sim: no API server stand-in yet')
  if (!flags.force) {
    process.stdout.write(
      "[reset] WARNING: Changes made to this host by 'kubeadm init' or 'kubeadm join' will be reverted.\n[reset] Are you sure you want to proceed? [y/N]: ",
    )
    // Like kubeadm: read one line from stdin, TTY or not. Without a TTY there usually is none.
    let answer = ''
    try {
      const buf = Buffer.alloc(256)
      const n = fs.readSync(0, buf, 0, 256, null)
      answer = buf.subarray(0, n).toString().split('\n')[0].trim().toLowerCase()
    } catch {
      answer = ''
    }
    if (answer !== 'y' && answer !== 'yes') {
      out()
      fatal("error execution phase preflight: won't proceed; the user didn't answer (Y|n) in order to continue")
    }
  }
  out('[preflight] Running pre-flight checks')
  const etcdManifest = readText(`${ETC}/manifests/etcd.yaml`)
  const dataDir = /--data-dir=(\S+)/.exec(etcdManifest ?? '')?.[1] ?? '/var/lib/etcd'
  if (etcdManifest !== null || fs.existsSync(dataDir)) {
    emptyDir(dataDir)
    out(`[reset] Deleted contents of the etcd data directory: ${dataDir}`)
  } else {
    out('[reset] No etcd config found. Assuming external etcd')
    out('[reset] Please, manually reset etcd to prevent further issues')
  }
  out('[reset] Stopping the kubelet service')
  systemctl('stop', 'kubelet')
  out('[reset] Unmounting mounted directories in "/var/lib/kubelet"')
  const dirs = [`${ETC}/manifests`, '/var/lib/kubelet', certDir]
  dirs.forEach(emptyDir)
  out(`[reset] Deleting contents of directories: [${dirs.join(' ')}]`)
  const files = KUBECONFIGS.map((f) => `${ETC}/${f}`)
  files.forEach((f) => fs.rmSync(f, { force: true }))
  out(`[reset] Deleting files: [${files.join(' ')}]`)
  fs.rmSync(STATE, { recursive: true, force: true })
  out()
  out('The reset process does not clean CNI configuration. To do so, you must remove /etc/cni/net.d')
  out()
  out('The reset process does not reset or clean up iptables rules or IPVS tables.')
  out('If you wish to reset iptables, you must do so manually by using the "iptables" command.')
  out()
  out('If your cluster was setup to utilize IPVS, run ipvsadm --clear (or similar)')
  out("to reset your system's IPVS tables.")
  out()
  out('The reset process does not clean your kubeconfig files and you must remove them manually.')
  out('Please, check the contents of the $HOME/.kube/config file.')
}
function emptyDir(dir) {
  if (!fs.existsSync(dir)) return
  for (const entry of fs.readdirSync(dir)) fs.rmSync(path.join(dir, entry), { recursive: true, force: true })
}

// ------------------------------------------------------------------------------------------------
const NOT_YET = ['join', 'certs', 'upgrade', 'config', 'kubeconfig', 'alpha']

function main(args) {
  const [cmd, ...rest] = args
  switch (cmd) {
    case 'version':
      return cmdVersion(rest)
    case 'init':
      return cmdInit(rest)
    case 'reset':
      return cmdReset(rest)
    case 'token':
      return cmdToken(rest)
    case undefined:
      fatal('flotilla-sim: kubeadm without a command (help) is not simulated')
      break
    default:
      if (NOT_YET.includes(cmd)) fatal(`flotilla-sim: "kubeadm ${cmd}" is not simulated yet (phase 2 of test/lab/sim)`)
      fatal(`unknown command "${cmd}" for "kubeadm"`)
  }
}

try {
  main(process.argv.slice(2))
} catch (e) {
  if (!(e instanceof Fatal) && !(e instanceof ConfigError)) throw e
  process.stderr.write(`${e.message}\n${STACK_HINT}\n`)
  process.exitCode = 1
}

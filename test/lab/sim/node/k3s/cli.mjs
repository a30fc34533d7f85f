// flotilla-sim: SIMULATOR, not k3s. k3s's command line as urfave/cli and Go's flag package parse
// it (`-x`, `--x`, `--x=v`, `--x v`; bools take no value; slices repeat), its K3S_* environment
// variables, /etc/rancher/k3s/config.yaml, and its logrus-style log lines.
import fs from 'node:fs'
import { parse } from 'yaml'

export const VERSION = 'v1.32.4+k3s1'
export const COMMIT = '5aed4d7b'

const ts = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z')
const q = (m) => String(m).replace(/\\/g, '\\\\').replace(/"/g, '\\"')
export const log = {
  info: (m) => console.error(`time="${ts()}" level=info msg="${q(m)}"`),
  warn: (m) => console.error(`time="${ts()}" level=warning msg="${q(m)}"`),
  error: (m) => console.error(`time="${ts()}" level=error msg="${q(m)}"`),
  fatal(m) {
    console.error(`time="${ts()}" level=fatal msg="${q(m)}"`)
    process.exit(1)
  },
}

/** Fails loudly on what the stand-in does not implement. */
export function notSimulated(what) {
  console.error(`flotilla-sim: ${what} is not simulated`)
  process.exit(1)
}

// type: s string, b bool, l string slice. env: the K3S_* variable urfave reads. sim: false = a
// real k3s flag this stand-in refuses as not simulated.
const COMMON = {
  config: { t: 's', alias: 'c', env: 'K3S_CONFIG_FILE' },
  debug: { t: 'b', env: 'K3S_DEBUG' },
  v: { t: 's' },
  vmodule: { t: 's' },
  log: { t: 's', alias: 'l', sim: false },
  alsologtostderr: { t: 'b' },
  'data-dir': { t: 's', alias: 'd', env: 'K3S_DATA_DIR' },
  token: { t: 's', alias: 't', env: 'K3S_TOKEN' },
  'token-file': { t: 's', env: 'K3S_TOKEN_FILE' },
  server: { t: 's', alias: 's', env: 'K3S_URL' },
  'node-name': { t: 's', env: 'K3S_NODE_NAME' },
  'with-node-id': { t: 'b', sim: false },
  'node-label': { t: 'l' },
  'node-taint': { t: 'l' },
  'node-ip': { t: 'l', alias: 'i' },
  'node-external-ip': { t: 'l' },
  'kubelet-arg': { t: 'l' },
  'kube-proxy-arg': { t: 'l' },
  'protect-kernel-defaults': { t: 'b' },
  selinux: { t: 'b', env: 'K3S_SELINUX' },
  'lb-server-port': { t: 's', env: 'K3S_LB_SERVER_PORT', sim: false },
  'container-runtime-endpoint': { t: 's', sim: false },
  'pause-image': { t: 's' },
  snapshotter: { t: 's' },
  'private-registry': { t: 's' },
  'prefer-bundled-bin': { t: 'b' },
  'resolv-conf': { t: 's', env: 'K3S_RESOLV_CONF' },
  'flannel-iface': { t: 's' },
  'flannel-conf': { t: 's', sim: false },
  'flannel-cni-conf': { t: 's', sim: false },
  'image-credential-provider-bin-dir': { t: 's', sim: false },
  'image-credential-provider-config': { t: 's', sim: false },
  rootless: { t: 'b', sim: false },
  docker: { t: 'b', sim: false },
  vpn: { t: 's', sim: false },
  'vpn-auth': { t: 's', sim: false },
  'vpn-auth-file': { t: 's', sim: false },
}

const SERVER = {
  ...COMMON,
  'agent-token': { t: 's', env: 'K3S_AGENT_TOKEN' },
  'agent-token-file': { t: 's', env: 'K3S_AGENT_TOKEN_FILE' },
  'cluster-init': { t: 'b', env: 'K3S_CLUSTER_INIT' },
  'cluster-reset': { t: 'b', env: 'K3S_CLUSTER_RESET', sim: false },
  'cluster-reset-restore-path': { t: 's', sim: false },
  'bind-address': { t: 's' },
  'https-listen-port': { t: 's' },
  'supervisor-port': { t: 's', sim: false },
  'advertise-address': { t: 's' },
  'advertise-port': { t: 's' },
  'tls-san': { t: 'l' },
  'tls-san-security': { t: 'b' },
  'cluster-cidr': { t: 's' },
  'service-cidr': { t: 's' },
  'service-node-port-range': { t: 's' },
  'cluster-dns': { t: 's' },
  'cluster-domain': { t: 's' },
  'flannel-backend': { t: 's' },
  'flannel-ipv6-masq': { t: 'b' },
  'flannel-external-ip': { t: 'b' },
  'egress-selector-mode': { t: 's' },
  'servicelb-namespace': { t: 's' },
  'write-kubeconfig': { t: 's', alias: 'o', env: 'K3S_KUBECONFIG_OUTPUT' },
  'write-kubeconfig-mode': { t: 's', env: 'K3S_KUBECONFIG_MODE' },
  'write-kubeconfig-group': { t: 's', env: 'K3S_KUBECONFIG_GROUP', sim: false },
  'kube-apiserver-arg': { t: 'l' },
  'etcd-arg': { t: 'l' },
  'kube-controller-manager-arg': { t: 'l' },
  'kube-scheduler-arg': { t: 'l' },
  'kube-cloud-controller-manager-arg': { t: 'l' },
  'datastore-endpoint': { t: 's', env: 'K3S_DATASTORE_ENDPOINT', sim: false },
  'datastore-cafile': { t: 's', sim: false },
  'datastore-certfile': { t: 's', sim: false },
  'datastore-keyfile': { t: 's', sim: false },
  'etcd-expose-metrics': { t: 'b' },
  'etcd-disable-snapshots': { t: 'b' },
  'etcd-snapshot-schedule-cron': { t: 's' },
  'etcd-snapshot-retention': { t: 's' },
  'etcd-snapshot-dir': { t: 's' },
  'etcd-s3': { t: 'b', sim: false },
  'default-local-storage-path': { t: 's' },
  disable: { t: 'l' },
  'disable-scheduler': { t: 'b', sim: false },
  'disable-cloud-controller': { t: 'b' },
  'disable-kube-proxy': { t: 'b' },
  'disable-network-policy': { t: 'b' },
  'disable-helm-controller': { t: 'b' },
  'disable-apiserver': { t: 'b', sim: false },
  'disable-controller-manager': { t: 'b', sim: false },
  'disable-etcd': { t: 'b', sim: false },
  'embedded-registry': { t: 'b' },
  'secrets-encryption': { t: 'b' },
  'secrets-encryption-provider': { t: 's', sim: false },
  'enable-pprof': { t: 'b' },
  'system-default-registry': { t: 's' },
  'kine-tls': { t: 'b', sim: false },
}

const AGENT = { ...COMMON }

const TOKEN = {
  'data-dir': { t: 's', alias: 'd', env: 'K3S_DATA_DIR' },
  kubeconfig: { t: 's', env: 'KUBECONFIG' },
  description: { t: 's' },
  groups: { t: 'l' },
  ttl: { t: 's' },
  usages: { t: 'l' },
  output: { t: 's', alias: 'o' },
  server: { t: 's', alias: 's', env: 'K3S_URL' },
  token: { t: 's', alias: 't', env: 'K3S_TOKEN' },
  'new-token': { t: 's' },
}

export const SPECS = { server: SERVER, agent: AGENT, token: TOKEN }

function incorrectUsage(cmd, msg) {
  // urfave/cli prints "Incorrect Usage:" with the command's help; k3s's main then logs the error.
  console.log(`Incorrect Usage: ${msg}\n`)
  console.log(
    `NAME:\n   k3s ${cmd} - Run ${cmd === 'agent' ? 'node agent' : cmd === 'server' ? 'management server' : cmd}\n`,
  )
  console.log(`USAGE:\n   k3s ${cmd} [OPTIONS]\n`)
  log.fatal(msg)
}

/**
 * Parses ARGS for the command's spec. Returns { flags, args }: flags by long name (slices as
 * arrays), positional args. Environment and config file fill what the command line left unset.
 */
export function parseArgs(cmd, argv, { env = process.env, configFile = true } = {}) {
  const spec = SPECS[cmd]
  const byName = new Map()
  for (const [name, s] of Object.entries(spec)) {
    byName.set(name, [name, s])
    if (s.alias) byName.set(s.alias, [name, s])
  }
  const flags = {}
  const set = (name, s, value, source) => {
    if (s.sim === false) notSimulated(`k3s ${cmd} --${name}`)
    if (s.t === 'l') {
      const parts = String(value).split(',')
      flags[name] = [...(source === 'cli' ? (flags[name] ?? []) : []), ...parts]
    } else flags[name] = value
  }
  const args = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--') {
      args.push(...argv.slice(i + 1))
      break
    }
    const m = /^--?([^=]+)(?:=([\s\S]*))?$/.exec(a)
    if (!m || a === '-') {
      // Go's flag package stops at the first non-flag argument
      args.push(...argv.slice(i))
      break
    }
    const hit = byName.get(m[1])
    if (!hit) {
      if (m[1] === 'help' || m[1] === 'h') {
        console.log(`NAME:\n   k3s ${cmd}\n\nUSAGE:\n   k3s ${cmd} [OPTIONS]`)
        process.exit(0)
      }
      incorrectUsage(cmd, `flag provided but not defined: -${m[1]}`)
    }
    const [name, s] = hit
    if (s.t === 'b') {
      const v = m[2] ?? 'true'
      if (!['true', 'false', '1', '0', 't', 'f', 'TRUE', 'FALSE', 'True', 'False'].includes(v))
        incorrectUsage(cmd, `invalid boolean value "${v}" for -${m[1]}: parse error`)
      set(name, s, ['true', '1', 't', 'TRUE', 'True'].includes(v), 'cli')
      continue
    }
    let v = m[2]
    if (v === undefined) {
      if (i + 1 >= argv.length) incorrectUsage(cmd, `flag needs an argument: -${m[1]}`)
      v = argv[++i]
    }
    set(name, s, v, 'cli')
  }
  for (const [name, s] of Object.entries(spec)) {
    if (flags[name] !== undefined || !s.env || env[s.env] === undefined || env[s.env] === '') continue
    if (s.t === 'b') flags[name] = ['true', '1'].includes(env[s.env])
    else set(name, s, env[s.env], 'env')
  }
  if (configFile && cmd !== 'token') readConfigFile(cmd, flags, spec)
  return { flags, args }
}

// /etc/rancher/k3s/config.yaml (+ config.yaml.d/*.yaml): keys are flag names; the command line
// wins for scalars, lists are appended (k3s's "key+" syntax is not simulated).
function readConfigFile(cmd, flags, spec) {
  const file = flags.config ?? '/etc/rancher/k3s/config.yaml'
  const files = []
  if (fs.existsSync(file)) files.push(file)
  else if (flags.config) log.fatal(`open ${file}: no such file or directory`)
  const dDir = `${file}.d`
  if (fs.existsSync(dDir))
    files.push(
      ...fs
        .readdirSync(dDir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => `${dDir}/${f}`),
    )
  for (const f of files) {
    let doc
    try {
      doc = parse(fs.readFileSync(f, 'utf8')) ?? {}
    } catch (e) {
      log.fatal(`failed to parse ${f}: ${e.message}`)
    }
    for (const [key, value] of Object.entries(doc)) {
      if (key.endsWith('+')) notSimulated(`config file key "${key}" (append syntax)`)
      const s = spec[key]
      if (!s) incorrectUsage(cmd, `flag provided but not defined: -${key}`)
      if (s.sim === false) notSimulated(`k3s ${cmd} --${key} (from ${f})`)
      if (s.t === 'l')
        flags[key] = [...(flags[key] ?? []), ...(Array.isArray(value) ? value : String(value).split(','))].map(String)
      else if (flags[key] === undefined) flags[key] = s.t === 'b' ? value === true || value === 'true' : String(value)
    }
  }
}

export function printVersion() {
  console.log(`k3s version ${VERSION} (${COMMIT})\ngo version go1.23.8`)
}

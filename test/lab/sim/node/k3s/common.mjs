// flotilla-sim: SIMULATOR, not k3s. What k3s server and agent share: the node's name and address,
// flag validation, the node identity's kubeconfigs, flannel's CNI config and the node agent.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { log } from './cli.mjs'

export const DEFAULT_DATA_DIR = '/var/lib/rancher/k3s'

/** The host's primary IPv4: the address of the default route's interface (apimachinery ChooseHostInterface). */
export function defaultIP() {
  let routes = ''
  try {
    routes = fs.readFileSync('/proc/net/route', 'utf8')
  } catch {
    /* none */
  }
  const def = routes
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[1] === '00000000' && f[7] === '00000000')
  if (!def) return undefined
  const addr = os.networkInterfaces()[def[0]]?.find((a) => a.family === 'IPv4')
  return addr?.address
}

export function nodeIdentity(flags) {
  const nodeName = (flags['node-name'] ?? os.hostname()).toLowerCase()
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(nodeName) || nodeName.length > 253)
    log.fatal(
      `Error: invalid node name "${nodeName}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    )
  let nodeIP = flags['node-ip']?.[0]
  if (nodeIP) {
    const mine = Object.values(os.networkInterfaces())
      .flat()
      .map((a) => a.address)
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(nodeIP)) log.fatal(`Error: invalid node-ip: ${nodeIP}`)
    if (!mine.includes(nodeIP))
      log.fatal(
        `Error: flotilla-sim: node-ip ${nodeIP} is not an address of this node (k3s would start and its flannel would then fail to find the interface)`,
      )
  } else {
    nodeIP = defaultIP()
    if (!nodeIP) log.fatal('Error: no default routes found in "/proc/net/route" or "/proc/net/ipv6_route"')
  }
  return { nodeName, nodeIP }
}

/** key=value labels (--node-label); k8s's label syntax. */
export function parseLabels(list = []) {
  const labels = {}
  for (const l of list) {
    const m = /^([A-Za-z0-9][-A-Za-z0-9_./]*)=([-A-Za-z0-9_.]*)$/.exec(l)
    if (!m) log.fatal(`Error: invalid node label "${l}": must be key=value`)
    labels[m[1]] = m[2]
  }
  return labels
}

/** --node-taint key=value:Effect (the kubelet's --register-with-taints syntax). */
export function parseTaints(list = []) {
  return list.map((t) => {
    const m = /^([^=:]+)(?:=([^:]*))?:([^:]+)$/.exec(t)
    if (!m) log.fatal(`Error: failed to parse taint "${t}": invalid taint spec: ${t}`)
    if (!['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(m[3]))
      log.fatal(`Error: failed to parse taint "${t}": invalid taint effect: ${m[3]}, unsupported taint effect`)
    return m[2] !== undefined ? { key: m[1], value: m[2], effect: m[3] } : { key: m[1], effect: m[3] }
  })
}

export function kubeconfigYaml({ server, caPem, certPem, keyPem, name = 'default' }) {
  const b = (s) => Buffer.from(s).toString('base64')
  return `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: ${b(caPem)}
    server: ${server}
  name: ${name}
contexts:
- context:
    cluster: ${name}
    user: ${name}
  name: ${name}
current-context: ${name}
kind: Config
preferences: {}
users:
- name: ${name}
  user:
    client-certificate-data: ${b(certPem)}
    client-key-data: ${b(keyPem)}
`
}

export function writeFileMode(file, data, mode) {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, data, { mode })
  fs.chmodSync(file, mode)
}

/** k3s writes flannel's CNI config itself (its flannel is built in), unless --flannel-backend=none. */
export function writeFlannelCNI(cniDir) {
  const conf = {
    name: 'cbr0',
    cniVersion: '1.0.0',
    plugins: [
      { type: 'flannel', delegate: { hairpinMode: true, forceAddress: true, isDefaultGateway: true } },
      { type: 'portmap', capabilities: { portMappings: true } },
      { type: 'bandwidth', capabilities: { bandwidth: true } },
    ],
  }
  writeFileMode(path.join(cniDir, '10-flannel.conflist'), `${JSON.stringify(conf, null, 2)}\n`, 0o644)
}

export function osImage() {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Linux'
  } catch {
    return 'Linux'
  }
}

export const KUBELET_VERSION = 'v1.32.4+k3s1'
export const RUNTIME_VERSION = 'containerd://2.0.4-k3s2'

/** The node's password (/etc/rancher/node/password), made on first start, as k3s does. */
export function nodePassword() {
  const file = '/etc/rancher/node/password'
  if (!fs.existsSync(file)) {
    writeFileMode(
      file,
      `${[...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('')}\n`,
      0o600,
    )
  }
  return fs.readFileSync(file, 'utf8').trim()
}

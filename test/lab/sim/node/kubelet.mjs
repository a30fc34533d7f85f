// FLOTILLA SIMULATOR STAND-IN for the kubelet -- not the real one. It checks what makes a real
// kubelet refuse to run on a node Flotilla prepared (its config file, swap, the container runtime
// and its cgroup driver, the memory cgroup on a Pi), serves /healthz on 127.0.0.1:10248 (what
// `kubeadm init` waits for), runs the control-plane static pods from staticPodPath (the machine's
// real etcd; the API server, controller-manager and scheduler stand-ins), and talks to the API
// server through the node agent (node-agent.mjs): TLS bootstrap with --bootstrap-kubeconfig,
// registration with --node-labels / --register-with-taints, heartbeats, pods.
import fs from 'node:fs'
import os from 'node:os'
import { spawn, execFileSync } from 'node:child_process'
import http from 'node:http'
import { parse } from 'yaml'
import { startNodeAgent } from './node-agent.mjs'
import { runtimeAt } from './cri.mjs'

const VERSION = 'Kubernetes v1.32.4'
const FLAGS = new Set([
  'bootstrap-kubeconfig',
  'kubeconfig',
  'config',
  'container-runtime-endpoint',
  'pod-infra-container-image',
  'node-ip',
  'hostname-override',
  'node-labels',
  'register-with-taints',
  'fail-swap-on',
  'cgroup-driver',
  'cert-dir',
  'rotate-certificates',
  'v',
])
const BOOL_FLAGS = new Set(['fail-swap-on', 'rotate-certificates'])

// Errors are logged the way the kubelet logs its fatal "command failed" (klog structured line).
function fatal(err) {
  console.error(
    `E${new Date().toISOString().slice(5, 10).replace('-', '')} "command failed" err="${err.replace(/"/g, '\\"')}"`,
  )
  process.exit(1)
}

const flags = {}
const argv = process.argv.slice(2)
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]
  if (a === '--version') {
    console.log(VERSION)
    process.exit(0)
  }
  // pflag: `--name[=value]`, and the one shorthand in use, `-v` (openSUSE's KUBELET_EXTRA_ARGS has `-v=2`).
  const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a) ?? /^-(v)(?:=(.*))?$/.exec(a)
  if (!m) fatal(`unknown command "${a}" for "kubelet"`)
  if (!FLAGS.has(m[1])) {
    console.error(`Error: unknown flag: --${m[1]}`)
    process.exit(1)
  }
  flags[m[1]] = m[2] ?? (BOOL_FLAGS.has(m[1]) ? 'true' : argv[++i])
}

// ValidateKubeletFlags: --node-labels may not set labels in the kubernetes.io / k8s.io namespaces
// outside the kubelet's allowed set (a node may not give itself node-role.kubernetes.io/*).
const ALLOWED_LABELS = [
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/instance-type',
  'beta.kubernetes.io/os',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'kubernetes.io/arch',
  'kubernetes.io/hostname',
  'kubernetes.io/os',
  'node.kubernetes.io/instance-type',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
]
{
  const unknown = (flags['node-labels'] ?? '')
    .split(',')
    .filter(Boolean)
    .map((pair) => pair.split('=')[0])
    .filter((key) => {
      const ns = key.includes('/') ? key.slice(0, key.indexOf('/')) : ''
      const restricted = /(^|\.)kubernetes\.io$|(^|\.)k8s\.io$/.test(ns)
      const allowedPrefix = /(^|\.)kubelet\.kubernetes\.io$|(^|\.)node\.kubernetes\.io$/.test(ns)
      return restricted && !allowedPrefix && !ALLOWED_LABELS.includes(key)
    })
  if (unknown.length) {
    fatal(
      `failed to validate kubelet flags: unknown 'kubernetes.io' or 'k8s.io' labels specified with --node-labels: [${unknown.join(' ')}]\n--node-labels in the 'kubernetes.io' namespace must begin with an allowed prefix (kubelet.kubernetes.io, node.kubernetes.io) or be in the specifically allowed set (${ALLOWED_LABELS.join(', ')})`,
    )
  }
}

const configPath = flags.config
let config = {}
if (configPath) {
  let text
  try {
    text = fs.readFileSync(configPath, 'utf8')
  } catch (e) {
    fatal(
      `failed to load kubelet config file, path: ${configPath}, error: failed to load Kubelet config file ${configPath}, error failed to read kubelet config file "${configPath}", error: open ${configPath}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`,
    )
  }
  config = parse(text) ?? {}
  if (config.apiVersion !== 'kubelet.config.k8s.io/v1beta1' || config.kind !== 'KubeletConfiguration') {
    fatal(
      `failed to load kubelet config file, path: ${configPath}, error: no kind "${config.kind}" is registered for version "${config.apiVersion}"`,
    )
  }
}

// Swap: on unless the config (or flag) says failSwapOn: false.
const swaps = fs.readFileSync('/proc/swaps', 'utf8').trim().split('\n').slice(1).filter(Boolean)
const failSwapOn = flags['fail-swap-on'] !== undefined ? flags['fail-swap-on'] !== 'false' : config.failSwapOn !== false
if (swaps.length && failSwapOn) {
  fatal(
    'failed to run Kubelet: running with swap on is not supported, please disable swap or set --fail-swap-on flag to false',
  )
}

// Raspberry Pi OS: the running kernel decides (the lab derives a Pi's cgroup.controllers from
// /proc/cmdline, with memory on by default for trait memcg-default-on); older Pi kernels disabled
// the memory cgroup unless cmdline.txt enabled it.
const controllers = '/sys/fs/cgroup/cgroup.controllers'
if (
  fs.existsSync('/boot/firmware/cmdline.txt') &&
  (fs.existsSync(controllers)
    ? !/\bmemory\b/.test(fs.readFileSync(controllers, 'utf8'))
    : !/\bcgroup_enable=memory\b/.test(fs.readFileSync('/proc/cmdline', 'utf8')))
) {
  fatal('failed to run Kubelet: system validation failed - Following Cgroup subsystem not mounted: [memory]')
}

const endpoint =
  flags['container-runtime-endpoint'] ?? config.containerRuntimeEndpoint ?? 'unix:///var/run/containerd/containerd.sock'
const runtime = runtimeAt(endpoint)
if (!runtime || !runtime.cri) {
  fatal(
    `failed to run Kubelet: validate service connection: validate CRI v1 runtime API for endpoint "${endpoint}": rpc error: code = Unavailable desc = connection error`,
  )
}
const driver = flags['cgroup-driver'] ?? config.cgroupDriver ?? 'cgroupfs'
if (driver !== runtime.cgroupDriver) {
  // The real kubelet starts, and every pod sandbox then fails; the simulator stops here. Stricter
  // than kubelet 1.32 may be: with the KubeletCgroupDriverFromCRI feature (beta, on by default
  // since 1.31) a kubelet takes the driver from a runtime that implements the RuntimeConfig call
  // (containerd 2.x, CRI-O: which version UNVERIFIED) and ignores its own cgroupDriver.
  const knob = runtime.name === 'cri-o' ? "cri-o's cgroup_manager" : "containerd's SystemdCgroup"
  fatal(
    `failed to run Kubelet: misconfiguration: kubelet cgroup driver: "${driver}" is different from the container runtime's cgroup driver: "${runtime.cgroupDriver}" (flotilla-sim: ${knob} must match)`,
  )
}

// Static pods: the kubelet runs what it finds in staticPodPath: etcd as the machine's real etcd,
// the other control-plane components as the simulator's stand-ins, each with the manifest's
// command line. A pod that exits is started again after a back-off, like a crashed container.
const staticPodPath = config.staticPodPath
const running = new Map() // manifest file -> { text, child, exitedAt }
const LIB = '/usr/lib/flotilla-sim'
const RUNNABLE = {
  etcd: ['/usr/bin/etcd'],
  'kube-apiserver': ['/usr/bin/node', `${LIB}/kube-apiserver.mjs`],
  'kube-controller-manager': ['/usr/bin/node', `${LIB}/kube-controller-manager.mjs`],
  'kube-scheduler': ['/usr/bin/node', `${LIB}/kube-scheduler.mjs`],
}
const BACKOFF_MS = 5000
const warned = new Set()

function syncStaticPods() {
  const seen = new Set()
  const files = staticPodPath && fs.existsSync(staticPodPath) ? fs.readdirSync(staticPodPath) : []
  for (const name of files.filter((f) => /\.(ya?ml|json)$/.test(f))) {
    const file = `${staticPodPath}/${name}`
    let text
    try {
      text = fs.readFileSync(file, 'utf8')
    } catch {
      continue
    }
    seen.add(file)
    const current = running.get(file)
    if (current && current.text === text) {
      if (current.child.exitCode === null && current.child.signalCode === null) continue
      if (Date.now() - (current.exitedAt ?? 0) < BACKOFF_MS) continue
    }
    if (current) stopPod(file)
    let pod
    try {
      pod = parse(text)
    } catch (e) {
      console.error(`kubelet (flotilla-sim): could not parse static pod ${file}: ${e.message}`)
      continue
    }
    const command = pod?.spec?.containers?.[0]?.command ?? []
    const runner = RUNNABLE[command[0]]
    if (!runner || !fs.existsSync(runner[runner.length - 1])) {
      if (!warned.has(file))
        console.error(`kubelet (flotilla-sim): static pod ${file}: "${command[0]}" is not simulated`)
      warned.add(file)
      continue
    }
    const podName = pod.metadata?.name ?? name
    const log = fs.openSync(`/var/log/flotilla-sim/static-pod-${podName}.log`, 'a')
    const child = spawn(runner[0], [...runner.slice(1), ...command.slice(1)], { stdio: ['ignore', log, log] })
    fs.closeSync(log)
    const entry = { text, child, name: podName }
    child.on('exit', (code, signal) => {
      entry.exitedAt = Date.now()
      if (running.get(file) === entry)
        console.error(
          `kubelet (flotilla-sim): static pod ${podName} exited (${signal ?? code}); back-off ${BACKOFF_MS / 1000}s`,
        )
    })
    console.log(`kubelet (flotilla-sim): started static pod ${podName} from ${file} (pid ${child.pid})`)
    running.set(file, entry)
  }
  for (const file of running.keys()) if (!seen.has(file)) stopPod(file)
}
function stopPod(file) {
  const { child } = running.get(file)
  running.delete(file)
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
  console.log(`kubelet (flotilla-sim): stopped static pod from ${file}`)
}

// The node agent: registration, heartbeats, pods. kubeadm's drop-in passes --kubeconfig and
// --bootstrap-kubeconfig; without either the kubelet runs standalone (static pods only).
function labelsFlag(text) {
  const labels = {}
  for (const pair of (text ?? '').split(',').filter(Boolean)) {
    const [k, v = ''] = pair.split('=')
    labels[k] = v
  }
  return labels
}
function nodeAddress() {
  if (flags['node-ip']) return flags['node-ip']
  return Object.values(os.networkInterfaces())
    .flat()
    .find((a) => a.family === 'IPv4' && !a.internal)?.address
}
function osImage() {
  const text = fs.existsSync('/etc/os-release') ? fs.readFileSync('/etc/os-release', 'utf8') : ''
  return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? 'Linux'
}
let agent
const kubeconfigFlag = flags.kubeconfig
if (kubeconfigFlag) {
  let taints = []
  try {
    taints = (flags['register-with-taints'] ?? '').split(',').filter(Boolean)
    const machine = execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim()
    agent = await startNodeAgent({
      kubeconfig: kubeconfigFlag,
      bootstrapKubeconfig: flags['bootstrap-kubeconfig'],
      certDir: flags['cert-dir'] ? `${flags['cert-dir']}` : '/var/lib/kubelet/pki',
      nodeName: (flags['hostname-override'] ?? os.hostname()).toLowerCase(),
      labels: labelsFlag(flags['node-labels']),
      taints,
      address: nodeAddress(),
      osImage: osImage(),
      kernelVersion: os.release(),
      arch: { aarch64: 'arm64', x86_64: 'amd64', armv7l: 'arm' }[machine] ?? machine,
      kubeletVersion: VERSION.replace('Kubernetes ', ''),
      containerRuntimeVersion: `${runtime.name}://${runtime.version}`,
      heartbeatMs: Number(process.env.FLOTILLA_SIM_HEARTBEAT_MS ?? 10_000),
      log: (line) => console.error(line),
    })
  } catch (e) {
    fatal(`failed to run Kubelet: ${e.message}`)
  }
}

// The simulator stops its static pods with the kubelet (the real ones would keep running in
// containerd until `kubeadm reset` removes them): reset stops the kubelet first.
function shutdown() {
  agent?.stop()
  for (const file of [...running.keys()]) stopPod(file)
  process.exit(0)
}

const server = http.createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404, { 'content-type': 'text/plain' })
  res.end(req.url === '/healthz' ? 'ok' : 'not found')
})
server.on('error', (e) => fatal(`failed to run Kubelet: ${e.message}`))
server.listen(10248, '127.0.0.1', () => console.log(`kubelet (flotilla-sim) ${VERSION}: healthz on 127.0.0.1:10248`))
process.on('SIGTERM', shutdown)
fs.mkdirSync('/var/log/flotilla-sim', { recursive: true })
syncStaticPods()
setInterval(syncStaticPods, 1000)

// FLOTILLA SIMULATOR STAND-IN for the kubelet -- not the real one. Phase 1 of the simulator: it
// checks what makes a real kubelet refuse to run on a node Flotilla prepared (its config file,
// swap, the container runtime and its cgroup driver, the memory cgroup on a Pi) and then serves
// /healthz on 127.0.0.1:10248 like the kubelet, which is what `kubeadm init` waits for. Node
// registration and heartbeats come with the API server stand-in (phase 2).
import fs from 'node:fs'
import { spawn } from 'node:child_process'
import http from 'node:http'
import { parse } from 'yaml'

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
  'v',
])

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
  const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a)
  if (!m) fatal(`unknown command "${a}" for "kubelet"`)
  if (!FLAGS.has(m[1])) {
    console.error(`Error: unknown flag: --${m[1]}`)
    process.exit(1)
  }
  flags[m[1]] = m[2] ?? argv[++i]
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

// Raspberry Pi OS boots without the memory cgroup unless cmdline.txt enables it.
if (
  fs.existsSync('/boot/firmware/cmdline.txt') &&
  !/\bcgroup_enable=memory\b/.test(fs.readFileSync('/proc/cmdline', 'utf8'))
) {
  fatal('failed to run Kubelet: system validation failed - Following Cgroup subsystem not mounted: [memory]')
}

const endpoint =
  flags['container-runtime-endpoint'] ?? config.containerRuntimeEndpoint ?? 'unix:///var/run/containerd/containerd.sock'
const socket = endpoint.replace(/^unix:\/\//, '').replace(/^\/var\/run\//, '/run/')
let runtime = null
try {
  if (fs.statSync(socket).isSocket()) runtime = JSON.parse(fs.readFileSync('/run/flotilla-sim/containerd.json', 'utf8'))
} catch {
  runtime = null
}
if (!runtime || !runtime.cri) {
  fatal(
    `failed to run Kubelet: validate service connection: validate CRI v1 runtime API for endpoint "${endpoint}": rpc error: code = Unavailable desc = connection error`,
  )
}
const driver = flags['cgroup-driver'] ?? config.cgroupDriver ?? 'cgroupfs'
const runtimeDriver = runtime.systemdCgroup ? 'systemd' : 'cgroupfs'
if (driver !== runtimeDriver) {
  // The real kubelet starts, and every pod sandbox then fails; the simulator stops here.
  fatal(
    `failed to run Kubelet: misconfiguration: kubelet cgroup driver: "${driver}" is different from the container runtime's cgroup driver: "${runtimeDriver}" (flotilla-sim: containerd's SystemdCgroup must match)`,
  )
}

// Static pods: the kubelet runs what it finds in staticPodPath. Phase 1 runs etcd for real (the
// machine's etcd binary with the manifest's command line); the other control-plane manifests
// wait for their stand-ins (test/lab/sim/README.md, "Remaining").
const staticPodPath = config.staticPodPath
const running = new Map() // manifest file -> { text, child }
const RUNNABLE = { etcd: '/usr/bin/etcd' }

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
    if (current && current.text === text && current.child.exitCode === null) continue
    if (current) stopPod(file)
    const pod = parse(text)
    const command = pod?.spec?.containers?.[0]?.command ?? []
    const binary = RUNNABLE[command[0]]
    if (!binary) continue
    const log = fs.openSync(`/var/log/flotilla-sim/static-pod-${pod.metadata?.name ?? name}.log`, 'a')
    const child = spawn(binary, command.slice(1), { stdio: ['ignore', log, log] })
    fs.closeSync(log)
    console.log(`kubelet (flotilla-sim): started static pod ${pod.metadata?.name} from ${file} (pid ${child.pid})`)
    running.set(file, { text, child })
  }
  for (const file of running.keys()) if (!seen.has(file)) stopPod(file)
}
function stopPod(file) {
  const { child } = running.get(file)
  running.delete(file)
  if (child.exitCode === null) child.kill('SIGTERM')
  console.log(`kubelet (flotilla-sim): stopped static pod from ${file}`)
}
// The simulator stops its static pods with the kubelet (the real ones would keep running in
// containerd until `kubeadm reset` removes them): reset stops the kubelet first.
function shutdown() {
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

// FLOTILLA SIMULATOR STAND-IN for containerd -- not the real runtime. It runs no containers: it
// reads /etc/containerd/config.toml the way the settings Flotilla relies on are read, publishes
// what it found for the other stand-ins (/run/flotilla-sim/containerd.json) and listens on the
// CRI socket, so "is the runtime up" checks see a socket that exists only while it runs.
import fs from 'node:fs'
import net from 'node:net'
import { notifyReady } from './sd-notify.mjs'

const CONFIG = '/etc/containerd/config.toml'
const SOCKET = '/run/containerd/containerd.sock'
const VERSION = 'containerd github.com/containerd/containerd v1.7.24 flotilla-sim'

// `containerd config default` of containerd 1.7 (config version 2), reduced to the CRI plugin
// settings the simulator reads. SystemdCgroup is false, as in the real default: the kubeadm
// guide's `sed -i 's/SystemdCgroup = false/SystemdCgroup = true/'` must be run.
const DEFAULT_CONFIG = `disabled_plugins = []
required_plugins = []
root = "/var/lib/containerd"
state = "/run/containerd"
version = 2

[grpc]
  address = "/run/containerd/containerd.sock"

[plugins]

  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "registry.k8s.io/pause:3.8"

    [plugins."io.containerd.grpc.v1.cri".containerd]
      default_runtime_name = "runc"

      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes]

        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
          runtime_type = "io.containerd.runc.v2"

          [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
            SystemdCgroup = false
`

function readConfig() {
  if (!fs.existsSync(CONFIG)) return { cri: true, systemdCgroup: false, source: 'built-in defaults' }
  const text = fs.readFileSync(CONFIG, 'utf8')
  const disabled = /^\s*disabled_plugins\s*=\s*\[([^\]]*)\]/m.exec(text)
  const cri = !(disabled && /"cri"|"io\.containerd\.grpc\.v1\.cri"/.test(disabled[1]))
  const setting = [...text.matchAll(/^\s*SystemdCgroup\s*=\s*(\S+)\s*$/gm)].map((m) => m[1])
  for (const v of setting) {
    if (v !== 'true' && v !== 'false') {
      console.error(`containerd: failed to load TOML from ${CONFIG}: invalid boolean ${v} for SystemdCgroup`)
      process.exit(1)
    }
  }
  return { cri, systemdCgroup: setting.at(-1) === 'true', source: CONFIG }
}

const args = process.argv.slice(2)
if (args[0] === '--version' || args[0] === '-v') {
  console.log(VERSION)
} else if (args[0] === 'config' && args[1] === 'default') {
  process.stdout.write(DEFAULT_CONFIG)
} else if (args.length === 0) {
  const config = readConfig()
  fs.mkdirSync('/run/containerd', { recursive: true })
  fs.mkdirSync('/run/flotilla-sim', { recursive: true })
  fs.rmSync(SOCKET, { force: true })
  const server = net.createServer((c) => c.end())
  server.listen(SOCKET, () => {
    fs.writeFileSync('/run/flotilla-sim/containerd.json', JSON.stringify(config))
    console.log(
      `containerd (flotilla-sim): serving on ${SOCKET}; config: ${config.source}; ` +
        `cri: ${config.cri ? 'enabled' : 'disabled'}; SystemdCgroup: ${config.systemdCgroup}`,
    )
    notifyReady() // containerd.service is Type=notify
  })
  const stop = () => {
    fs.rmSync(SOCKET, { force: true })
    fs.rmSync('/run/flotilla-sim/containerd.json', { force: true })
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
} else {
  console.error(`containerd: unknown command or flag "${args.join(' ')}" (flotilla-sim)`)
  process.exit(1)
}

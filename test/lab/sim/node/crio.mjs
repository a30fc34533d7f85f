// FLOTILLA SIMULATOR STAND-IN for CRI-O (`crio`) -- not the real runtime. It runs no containers: it
// reads its configuration the way CRI-O does for the settings Flotilla relies on, publishes what it
// read for the other stand-ins (/run/flotilla-sim/crio.json, see cri.mjs) and listens on its CRI
// socket, so "is the runtime up" checks see a socket that exists only while it runs.
//
// Configuration (crio.conf(5), crio.conf.d(5)): /etc/crio/crio.conf, then every
// /etc/crio/crio.conf.d/*.conf in lexical order, a later value replacing an earlier one. Read:
//   [crio.api]     listen            (default /var/run/crio/crio.sock)
//   [crio.runtime] cgroup_manager    ("systemd", the default, or "cgroupfs"), conmon_cgroup
//   [crio.image]   pause_image       (default registry.k8s.io/pause:3.10 for CRI-O 1.32)
//   [crio.network] network_dir, plugin_dirs   (accepted, nothing here runs a CNI plugin)
// A key or table the simulator does not know makes it exit with `flotilla-sim: … is not
// simulated` (loud: it cannot judge what the real CRI-O would make of it). Checks as CRI-O's
// config validation: cgroup_manager other than systemd/cgroupfs → `invalid cgroup manager`;
// cgroupfs with conmon_cgroup other than "pod" (or unset) → CRI-O's "conmon cgroup should be
// 'pod' or empty" error. Exact wording of both: UNVERIFIED (not read from cri-o's source here).
// SIGHUP (crio.service's ExecReload) re-reads the configuration, as CRI-O reloads some options.
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { notifyReady } from './sd-notify.mjs'

const CONFIG = '/etc/crio/crio.conf'
const CONFIG_DIR = '/etc/crio/crio.conf.d'
const STATE = '/run/flotilla-sim/crio.json'
const VERSION = '1.32.4'

// table -> key -> kind; kinds: 'string' and 'strings' (an array of strings).
const KNOWN = {
  'crio.api': { listen: 'string' },
  'crio.runtime': { cgroup_manager: 'string', conmon_cgroup: 'string' },
  'crio.image': { pause_image: 'string' },
  'crio.network': { network_dir: 'string', plugin_dirs: 'strings' },
}
const TABLES = new Set(['crio', ...Object.keys(KNOWN)])

function die(message) {
  console.error(message)
  process.exit(1)
}

/** The TOML subset CRI-O's own files use: [tables], key = "string" | ["a", "b"], comments. */
function readFile(file, into) {
  let table = null
  const lines = fs.readFileSync(file, 'utf8').split('\n')
  lines.forEach((raw, i) => {
    const line = raw.replace(/^\s+|\s+$/g, '')
    if (!line || line.startsWith('#')) return
    const where = `${file}:${i + 1}`
    const header = /^\[([A-Za-z0-9_.]+)\]\s*(#.*)?$/.exec(line)
    if (header) {
      table = header[1]
      if (!TABLES.has(table)) die(`flotilla-sim: crio: ${where}: table [${table}] is not simulated`)
      return
    }
    const kv = /^([A-Za-z0-9_]+)\s*=\s*(.+?)\s*(#[^"\]]*)?$/.exec(line)
    if (!kv) die(`crio: failed to load config ${file}: toml: line ${i + 1}: cannot parse "${line}"`)
    const [, key, rawValue] = kv
    const kind = table && KNOWN[table]?.[key]
    if (!kind) die(`flotilla-sim: crio: ${where}: ${key} in [${table ?? ''}] is not simulated`)
    let value
    try {
      value = JSON.parse(rawValue.replace(/'([^']*)'/g, '"$1"'))
    } catch {
      die(`crio: failed to load config ${file}: toml: line ${i + 1}: invalid value ${rawValue}`)
    }
    const ok =
      kind === 'string' ? typeof value === 'string' : Array.isArray(value) && value.every((v) => typeof v === 'string')
    if (!ok)
      die(
        `crio: failed to load config ${file}: toml: line ${i + 1}: ${key} must be ${kind === 'string' ? 'a string' : 'an array of strings'}`,
      )
    into[key] = value
  })
}

function readConfig() {
  const settings = {}
  const sources = []
  if (fs.existsSync(CONFIG)) {
    readFile(CONFIG, settings)
    sources.push(CONFIG)
  }
  const dropIns = fs.existsSync(CONFIG_DIR)
    ? fs
        .readdirSync(CONFIG_DIR)
        .filter((f) => f.endsWith('.conf'))
        .sort()
    : []
  for (const f of dropIns) {
    readFile(path.join(CONFIG_DIR, f), settings)
    sources.push(path.join(CONFIG_DIR, f))
  }
  const cgroupManager = settings.cgroup_manager ?? 'systemd'
  if (cgroupManager !== 'systemd' && cgroupManager !== 'cgroupfs') die(`crio: invalid cgroup manager: ${cgroupManager}`)
  if (cgroupManager === 'cgroupfs' && settings.conmon_cgroup && settings.conmon_cgroup !== 'pod')
    die(`crio: validating runtime config: cgroupfs manager conmon cgroup should be 'pod' or empty`)
  const listen = settings.listen ?? '/var/run/crio/crio.sock'
  if (!listen.startsWith('/')) die(`crio: validating api config: listen path ${listen} is not absolute`)
  return {
    cri: true,
    runtime: 'cri-o',
    version: VERSION,
    cgroupDriver: cgroupManager,
    pauseImage: settings.pause_image ?? 'registry.k8s.io/pause:3.10',
    listen,
    sources,
  }
}

const args = process.argv.slice(2)
if (args[0] === '--version' || args[0] === 'version') {
  console.log(`crio version ${VERSION} (flotilla-sim)`)
} else if (args.length === 0) {
  let config = readConfig()
  // /var/run is a link to /run on MicroOS and Debian: the socket lives in /run.
  const socket = config.listen.replace(/^\/var\/run\//, '/run/')
  fs.mkdirSync(path.dirname(socket), { recursive: true })
  fs.mkdirSync('/run/flotilla-sim', { recursive: true })
  fs.rmSync(socket, { force: true })
  const publish = () => fs.writeFileSync(STATE, JSON.stringify({ ...config, socket }))
  const server = net.createServer((c) => c.end())
  server.listen(socket, () => {
    publish()
    console.log(
      `crio (flotilla-sim) ${VERSION}: serving on ${config.listen}; config: ${config.sources.join(', ') || 'built-in defaults'}; ` +
        `cgroup_manager: ${config.cgroupDriver}; pause_image: ${config.pauseImage}`,
    )
    notifyReady() // crio.service is Type=notify
  })
  process.on('SIGHUP', () => {
    const next = readConfig()
    // The socket is bound at start: a changed listen path needs a restart, as in CRI-O.
    config = { ...next, listen: config.listen }
    publish()
    console.log(`crio (flotilla-sim): configuration reloaded; cgroup_manager: ${config.cgroupDriver}`)
  })
  const stop = () => {
    fs.rmSync(socket, { force: true })
    fs.rmSync(STATE, { force: true })
    process.exit(0)
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
} else {
  die(`flotilla-sim: crio ${args.join(' ')} is not simulated`)
}

// FLOTILLA SIMULATOR STAND-IN for systemctl(1) -- not systemd. See test/lab/sim/README.md.
//
// Lab nodes have no systemd as PID 1, so this keeps the state systemd would keep:
//   enablement  symlinks in /etc/systemd/system/<target>.wants/ (persistent, like systemd's)
//   masking     /etc/systemd/system/<unit> -> /dev/null
//   runtime     /run/flotilla-sim/units/<unit>/ (lost on reboot, as a real boot loses it)
//   loaded      the unit text as of the last daemon-reload (or first use), so an edited unit file
//               is ignored with systemd's warning until `systemctl daemon-reload`
// Units are real unit files; only .service units and the directives listed in DIRECTIVES are
// understood. Anything else fails loudly: the simulator must never quietly do less than systemd.
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/usr/lib/systemd/system']
const RUNTIME = '/run/flotilla-sim/units'
const LIB = '/usr/lib/flotilla-sim'
// Run by the lab's node init itself; the simulator refuses to pretend to manage them.
const LAB_MANAGED = ['ssh.service', 'sshd.service', 'avahi-daemon.service']
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

// Directives the simulator implements, and those it accepts knowingly without effect (ordering,
// sandboxing and resource limits: nothing in the lab depends on them). Any other directive in a
// unit the simulator is asked to run is an error: it cannot promise systemd's behaviour for it.
const DIRECTIVES = {
  Unit: {
    implemented: ['Description'],
    noEffect: [
      'Documentation',
      'After',
      'Before',
      'Wants',
      'Requires',
      'BindsTo',
      'PartOf',
      'Conflicts',
      'StartLimitIntervalSec',
      'StartLimitBurst',
      'ConditionPathExists',
      'ConditionFileIsExecutable',
      'DefaultDependencies',
    ],
  },
  Service: {
    implemented: [
      'Type',
      'ExecStart',
      'ExecStartPre',
      'ExecStartPost',
      'Environment',
      'EnvironmentFile',
      'Restart',
      'RestartSec',
      'RemainAfterExit',
      'User',
      'ExecReload',
    ],
    noEffect: [
      'KillMode',
      'SuccessExitStatus',
      'TimeoutStartSec',
      'TimeoutStopSec',
      'TimeoutSec',
      'LimitNOFILE',
      'LimitNPROC',
      'LimitCORE',
      'LimitMEMLOCK',
      'TasksMax',
      'Delegate',
      'OOMScoreAdjust',
      'BindReadOnlyPaths',
      'PermissionsStartOnly',
      'StartLimitInterval',
      'StartLimitBurst',
      'CPUAccounting',
      'MemoryAccounting',
      'StandardOutput',
      'StandardError',
      'Nice',
      'IOSchedulingClass',
      'KillSignal',
    ],
  },
  Install: { implemented: ['WantedBy', 'RequiredBy', 'Alias'], noEffect: [] },
}
const TYPES = ['simple', 'exec', 'notify', 'oneshot']
const RESTARTS = ['no', 'always', 'on-failure', 'on-abnormal']

class Exit extends Error {
  constructor(code, message) {
    super(message)
    this.code = code
  }
}
const fail = (code, message) => {
  throw new Exit(code, message)
}
const isRoot = process.getuid() === 0
const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
const alive = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return e.code === 'EPERM' // root's process, asked about by a user: it exists
  }
}
const read = (file) => {
  try {
    return fs.readFileSync(file, 'utf8').trim()
  } catch {
    return ''
  }
}

// kubelet -> kubelet.service; other unit types are refused by name.
function unitName(arg) {
  if (!/^[A-Za-z0-9:_.\\@-]+$/.test(arg)) fail(1, `Invalid unit name "${arg}" escaped as "${arg}".`)
  const name = /\.[a-z]+$/.test(arg) ? arg : `${arg}.service`
  if (!name.endsWith('.service')) {
    fail(1, `flotilla-sim: ${name}: only .service units are simulated (not ${path.extname(name)})`)
  }
  return name
}

function unitFromPath(arg) {
  if (!arg.startsWith('/')) return unitName(arg)
  const name = unitName(path.basename(arg))
  if (!fs.existsSync(arg)) fail(1, `Failed to enable unit: Unit file ${arg} does not exist.`)
  if (!UNIT_DIRS.includes(path.dirname(arg))) {
    const link = path.join('/etc/systemd/system', name)
    if (!isLinkTo(link)) {
      fs.symlinkSync(arg, link)
      console.error(`Created symlink ${link} → ${arg}.`)
    }
  }
  return name
}

function findUnitFile(name) {
  for (const dir of UNIT_DIRS) {
    const file = path.join(dir, name)
    if (fs.existsSync(file) || isMaskLink(file)) return file
  }
  return null
}
function isMaskLink(file) {
  try {
    return fs.readlinkSync(file) === '/dev/null'
  } catch {
    return false
  }
}
const isMasked = (name) => isMaskLink(path.join('/etc/systemd/system', name))

// The unit file plus its drop-ins (<dir>/<unit>.d/*.conf), in systemd's order, as one text.
function unitSourceText(name) {
  const file = findUnitFile(name)
  if (!file) return null
  const parts = [`#file ${file}`, fs.readFileSync(file, 'utf8')]
  const dropins = new Map()
  for (const dir of [...UNIT_DIRS].reverse()) {
    const d = path.join(dir, `${name}.d`)
    if (!fs.existsSync(d)) continue
    for (const f of fs.readdirSync(d).filter((f) => f.endsWith('.conf'))) dropins.set(f, path.join(d, f))
  }
  for (const f of [...dropins.keys()].sort())
    parts.push(`#file ${dropins.get(f)}`, fs.readFileSync(dropins.get(f), 'utf8'))
  return parts.join('\n')
}

function parseUnit(name, text) {
  const unit = { name, sections: { Unit: {}, Service: {}, Install: {} }, file: '' }
  let section = null
  let source = ''
  let lineNo = 0
  const lines = text.replace(/\\\n/g, ' ').split('\n')
  for (const raw of lines) {
    lineNo++
    if (raw.startsWith('#file ')) {
      source = raw.slice(6)
      unit.file ||= source
      lineNo = 0
      continue
    }
    const line = raw.trim()
    if (!line || line.startsWith('#') || line.startsWith(';')) continue
    const header = /^\[([A-Za-z]+)\]$/.exec(line)
    if (header) {
      section = header[1]
      if (!DIRECTIVES[section]) fail(1, `flotilla-sim: ${source}:${lineNo}: section [${section}] is not simulated`)
      continue
    }
    const kv = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line)
    if (!kv || !section) fail(1, `flotilla-sim: ${source}:${lineNo}: cannot parse "${line}"`)
    const [, key, value] = kv
    const known = DIRECTIVES[section]
    if (!known.implemented.includes(key) && !known.noEffect.includes(key)) {
      fail(1, `flotilla-sim: ${source}:${lineNo}: ${key}= in [${section}] is not understood by the simulator`)
    }
    const values = (unit.sections[section][key] ||= [])
    // An empty assignment resets a list (how drop-ins replace ExecStart=).
    if (value === '') values.length = 0
    else values.push(value)
  }
  return unit
}

// The unit as systemd has it loaded: the text of the last daemon-reload (or first use).
function loadUnit(name, { warn = true } = {}) {
  if (isMasked(name)) return { name, masked: true }
  const current = unitSourceText(name)
  const dir = path.join(RUNTIME, name)
  const loadedFile = path.join(dir, 'loaded')
  let text = read(loadedFile) ? fs.readFileSync(loadedFile, 'utf8') : null
  if (text === null) {
    if (current === null) return null
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(loadedFile, current)
    text = current
  } else if (warn && current !== text) {
    console.error(
      `Warning: The unit file, source configuration file or drop-ins of ${name} changed on disk. Run 'systemctl daemon-reload' to reload units.`,
    )
  }
  return parseUnit(name, text)
}

function one(unit, key, fallback) {
  const v = unit.sections.Service[key]
  return v && v.length ? v[v.length - 1] : fallback
}

// systemd's specifiers (%n, %p, %H...) in ExecStart=, Environment=, EnvironmentFile=.
function specifiers(unit, s) {
  const prefix = unit.name.replace(/\.service$/, '').split('@')[0]
  const instance = unit.name.includes('@') ? unit.name.replace(/\.service$/, '').split('@')[1] : ''
  const table = {
    '%': '%',
    n: unit.name,
    N: unit.name.replace(/\.service$/, ''),
    p: prefix,
    i: instance,
    H: os.hostname(),
  }
  return s.replace(/%(.)/g, (_, c) => {
    if (!(c in table)) fail(1, `flotilla-sim: ${unit.name}: specifier %${c} is not simulated`)
    return table[c]
  })
}

// Quoted words as systemd splits them (double and single quotes, backslash escapes).
function splitWords(s, what) {
  const words = []
  let cur = null
  let quote = null
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (quote) {
      if (c === quote) quote = null
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i]
      else cur += c
    } else if (c === '"' || c === "'") {
      quote = c
      cur ??= ''
    } else if (/\s/.test(c)) {
      if (cur !== null) words.push(cur)
      cur = null
    } else if (c === '\\' && i + 1 < s.length) {
      cur = (cur ?? '') + s[++i]
    } else cur = (cur ?? '') + c
  }
  if (quote) fail(1, `flotilla-sim: unbalanced quotes in ${what}`)
  if (cur !== null) words.push(cur)
  return words
}

function environment(unit) {
  const env = { PATH: DEFAULT_PATH, LANG: 'C.UTF-8', HOME: '/root', USER: 'root' }
  for (const line of unit.sections.Service.Environment ?? []) {
    for (const word of splitWords(specifiers(unit, line), 'Environment=')) {
      const eq = word.indexOf('=')
      if (eq < 1) fail(1, `flotilla-sim: ${unit.name}: invalid environment assignment "${word}"`)
      env[word.slice(0, eq)] = word.slice(eq + 1)
    }
  }
  for (const entry of unit.sections.Service.EnvironmentFile ?? []) {
    const optional = entry.startsWith('-')
    const file = specifiers(unit, optional ? entry.slice(1) : entry)
    if (!fs.existsSync(file)) {
      if (optional) continue
      fail(1, `Failed to load environment files: No such file or directory (${file})`)
    }
    for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
      const line = raw.trim()
      if (!line || line.startsWith('#')) continue
      const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line)
      if (!m) fail(1, `flotilla-sim: ${file}: cannot parse environment line "${line}"`)
      env[m[1]] = m[2].replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1')
    }
  }
  return env
}

// ExecStart= command line: "$VAR" splits into words, "${VAR}" stays one word (systemd.service(5)).
function commandLine(unit, line, env) {
  let ignoreFailure = false
  let s = specifiers(unit, line)
  while (/^[-@+!:]/.test(s)) {
    if (s[0] !== '-') fail(1, `flotilla-sim: ${unit.name}: ExecStart prefix "${s[0]}" is not simulated`)
    ignoreFailure = true
    s = s.slice(1)
  }
  const argv = []
  for (const word of splitWords(s, `${unit.name} ExecStart=`)) {
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word)
    if (whole) {
      argv.push(...(env[whole[1]] ?? '').split(/\s+/).filter(Boolean))
      continue
    }
    argv.push(word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, v) => env[v] ?? ''))
  }
  if (!argv.length || !argv[0].startsWith('/')) {
    fail(1, `flotilla-sim: ${unit.name}: ExecStart= must start with an absolute path: "${line}"`)
  }
  return { argv, ignoreFailure }
}

// ------------------------------------------------------------------------------------------------
function runtimeState(name) {
  const dir = path.join(RUNTIME, name)
  const supervisor = Number(read(path.join(dir, 'supervisor-pid')))
  const result = read(path.join(dir, 'result'))
  if (supervisor && alive(supervisor)) {
    if (result === 'running') return { active: 'active', sub: 'running', pid: Number(read(path.join(dir, 'main-pid'))) }
    // Between a crash and the restart Restart= asks for.
    return { active: 'activating', sub: 'auto-restart', result: result.split(' ')[0] || undefined }
  }
  if (result === 'oneshot-active') return { active: 'active', sub: 'exited' }
  if (/^(exit-code|start-limit-hit|failed)/.test(result)) return { active: 'failed', sub: 'failed', result }
  return { active: 'inactive', sub: 'dead' }
}

function runSync(unit, line, env, what) {
  const { argv, ignoreFailure } = commandLine(unit, line, env)
  const log = fs.openSync(`/var/log/flotilla-sim/${unit.name}.log`, 'a')
  const res = spawnSyncSafe(argv, env, log)
  fs.closeSync(log)
  if (res !== 0 && !ignoreFailure) {
    fs.writeFileSync(path.join(RUNTIME, unit.name, 'result'), `exit-code ${res}`)
    fail(1, jobFailed(unit.name, 'start', what))
  }
}
function spawnSyncSafe(argv, env, log) {
  // child_process.spawnSync with inherited fds pointing at the unit's log ("the journal").
  const r = spawnSync(argv[0], argv.slice(1), { env, stdio: ['ignore', log, log] })
  return r.error ? 203 : (r.status ?? 1)
}

function jobFailed(name, verb, control = 'control process') {
  return (
    `Job for ${name} failed because the ${control} exited with error code.\n` +
    `See "systemctl status ${name}" and "journalctl -xeu ${name}" for details.`
  )
}

function start(name) {
  const unit = loadUnit(name)
  if (!unit) fail(5, `Failed to start ${name}: Unit ${name} not found.`)
  if (unit.masked) fail(1, `Failed to start ${name}: Unit ${name} is masked.`)
  if (runtimeState(name).active === 'active') return
  const type = one(unit, 'Type', 'simple')
  if (!TYPES.includes(type)) fail(1, `flotilla-sim: ${name}: Type=${type} is not simulated`)
  const restart = one(unit, 'Restart', 'no')
  if (!RESTARTS.includes(restart)) fail(1, `flotilla-sim: ${name}: Restart=${restart} is not simulated`)
  // Services run as root here; another User= would need credentials the stand-in does not switch.
  const user = one(unit, 'User', 'root')
  if (user !== 'root' && user !== '0') fail(1, `flotilla-sim: ${name}: User=${user} is not simulated (root only)`)
  const execStart = unit.sections.Service.ExecStart ?? []
  if (execStart.length === 0) {
    fail(
      1,
      `Failed to start ${name}: Unit ${name} has a bad unit file setting.\n(Service has no ExecStart= setting, which is only allowed for RemainAfterExit=yes services.)`,
    )
  }
  if (execStart.length > 1 && type !== 'oneshot') {
    fail(
      1,
      `Failed to start ${name}: Unit ${name} has a bad unit file setting.\n(Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services.)`,
    )
  }
  const env = environment(unit)
  const dir = path.join(RUNTIME, name)
  fs.mkdirSync(dir, { recursive: true })
  fs.mkdirSync('/var/log/flotilla-sim', { recursive: true })
  for (const f of ['result', 'main-pid', 'supervisor-pid']) fs.rmSync(path.join(dir, f), { force: true })
  for (const line of unit.sections.Service.ExecStartPre ?? []) runSync(unit, line, env, 'control process')

  if (type === 'oneshot') {
    for (const line of execStart) runSync(unit, line, env, 'control process')
    const remain = /^(yes|true|1|on)$/.test(one(unit, 'RemainAfterExit', 'no'))
    fs.writeFileSync(path.join(dir, 'result'), remain ? 'oneshot-active' : 'exited')
    return
  }
  const { argv } = commandLine(unit, execStart[0], env)
  if (type === 'exec' || type === 'notify') {
    // systemd reports a missing binary as a failed start for these types (simple: only later).
    try {
      fs.accessSync(argv[0], fs.constants.X_OK)
    } catch {
      fs.writeFileSync(path.join(dir, 'result'), 'exit-code 203')
      fail(1, jobFailed(name, 'start'))
    }
  }
  // Type=notify: systemd waits for READY=1 on $NOTIFY_SOCKET. Here NOTIFY_SOCKET names a file the
  // simulator's services (containerd, k3s) write `READY=1` into; see sd-notify.mjs.
  const notifyFile = path.join(dir, 'notify')
  fs.rmSync(notifyFile, { force: true })
  if (type === 'notify') env.NOTIFY_SOCKET = notifySocket(dir, notifyFile)
  const envList = Object.entries(env)
    .map(([k, v]) => `${k}=${v}\0`)
    .join('')
  fs.writeFileSync(path.join(dir, 'env'), envList)
  fs.writeFileSync(path.join(dir, 'exec-start'), argv.map((a) => `${a}\0`).join(''))
  fs.writeFileSync(path.join(dir, 'restart'), restart)
  fs.writeFileSync(path.join(dir, 'restart-sec'), String(parseSeconds(one(unit, 'RestartSec', '100ms'))))
  const log = fs.openSync(`/var/log/flotilla-sim/${name}.log`, 'a')
  const child = spawn('/bin/bash', [path.join(LIB, 'unit-run.sh'), dir], {
    detached: true, // its own session and process group: stop signals the whole group
    stdio: ['ignore', log, log],
  })
  fs.writeFileSync(path.join(dir, 'supervisor-pid'), String(child.pid))
  child.unref()
  fs.closeSync(log)
  // Type=exec: started once the binary runs; a process that dies at once is a failed start.
  if (type === 'exec') {
    for (let i = 0; i < 15; i++) {
      sleep(100)
      const st = runtimeState(name)
      if (st.active === 'failed' || st.active === 'inactive') fail(1, jobFailed(name, 'start'))
    }
  }
  // Type=notify: `systemctl start` returns when the service says READY=1, fails when its main
  // process exits first, and times out after TimeoutStartSec= (default 90 s; 0/infinity = never,
  // which the simulator caps at 300 s rather than hang a test forever).
  if (type === 'notify') {
    const timeout = one(unit, 'TimeoutStartSec', one(unit, 'TimeoutSec', '90s'))
    const limitMs = ['0', 'infinity'].includes(timeout) ? 300_000 : parseSeconds(timeout) * 1000
    const started = Date.now()
    for (;;) {
      if (/^READY=1$/m.test(read(notifyFile))) return stopNotifyListener(dir)
      const st = runtimeState(name)
      if (st.active === 'failed' || st.active === 'inactive' || st.result) {
        stopNotifyListener(dir)
        fail(1, jobFailed(name, 'start'))
      }
      if (Date.now() - started > limitMs) {
        stop(name)
        fs.writeFileSync(path.join(dir, 'result'), 'failed timeout')
        fail(
          1,
          `Job for ${name} failed because a timeout was exceeded.\nSee "systemctl status ${name}" and "journalctl -xeu ${name}" for details.`,
        )
      }
      sleep(100)
    }
  }
}

// Type=notify: a real datagram socket, as systemd's, so a real binary's sd_notify(3) is heard (the
// packaged haproxy.service runs `haproxy -Ws`, which says READY=1 there). A small python3 listener
// appends what it receives to the notify file the start waits on, and exits after READY=1 (later
// messages then go unheard, as they change nothing here). The simulator's own stand-ins write the
// file directly (sd-notify.mjs, timesync.sh): it sits next to the socket.
const NOTIFY_LISTENER = `
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o777)
s.settimeout(310)
try:
    while True:
        data = s.recv(4096)
        with open(out, 'ab') as f:
            f.write(data if data.endswith(b'\\n') else data + b'\\n')
        if b'READY=1' in data.split(b'\\n'):
            break
except socket.timeout:
    pass
finally:
    os.unlink(path)
`
// Once the start is decided (READY=1 seen, failed, stopped) nothing listens any more.
function stopNotifyListener(dir) {
  const pid = Number(read(path.join(dir, 'notify-listener-pid')))
  if (pid && alive(pid)) process.kill(pid, 'SIGKILL')
  for (const f of ['notify-listener-pid', 'notify.sock']) fs.rmSync(path.join(dir, f), { force: true })
}
function notifySocket(dir, notifyFile) {
  const socketPath = path.join(dir, 'notify.sock')
  stopNotifyListener(dir)
  const listener = spawn('/usr/bin/python3', ['-c', NOTIFY_LISTENER, socketPath, notifyFile], {
    detached: true,
    stdio: 'ignore',
  })
  listener.unref()
  fs.writeFileSync(path.join(dir, 'notify-listener-pid'), String(listener.pid))
  // The service may notify at once: it must find the socket bound.
  for (let i = 0; i < 100 && !fs.existsSync(socketPath); i++) sleep(20)
  if (!fs.existsSync(socketPath)) fail(1, `flotilla-sim: the notify socket of ${path.basename(dir)} did not come up`)
  return socketPath
}

// ExecReload= lines in order with $MAINPID (systemd's reload job); the unit must be running.
function reload(name) {
  const unit = loadUnit(name)
  if (!unit) fail(5, `Failed to reload ${name}: Unit ${name} not found.`)
  const lines = unit.sections.Service.ExecReload ?? []
  if (!lines.length) fail(1, `Failed to reload ${name}: Job type reload is not applicable for unit ${name}.`)
  const state = runtimeState(name)
  if (state.active !== 'active' || !state.pid) fail(1, `${name} is not active, cannot reload.`)
  const env = { ...environment(unit), MAINPID: String(state.pid) }
  for (const line of lines) {
    const { argv, ignoreFailure } = commandLine(unit, line, env)
    const log = fs.openSync(`/var/log/flotilla-sim/${unit.name}.log`, 'a')
    const res = spawnSyncSafe(argv, env, log)
    fs.closeSync(log)
    // A failed reload leaves the service running as it was (systemd: the job fails, the unit stays).
    if (res !== 0 && !ignoreFailure) fail(1, jobFailed(name, 'reload'))
  }
}

function parseSeconds(v) {
  const m = /^(\d+(?:\.\d+)?)(ms|s|min)?$/.exec(v.trim())
  if (!m) fail(1, `flotilla-sim: time span "${v}" is not simulated`)
  const n = Number(m[1])
  return m[2] === 'ms' ? n / 1000 : m[2] === 'min' ? n * 60 : n
}

function stop(name, { quietIfUnknown = false } = {}) {
  const file = findUnitFile(name)
  const dir = path.join(RUNTIME, name)
  if (!file && !fs.existsSync(dir)) {
    if (quietIfUnknown) return
    fail(5, `Failed to stop ${name}: Unit ${name} not loaded.`)
  }
  const supervisor = Number(read(path.join(dir, 'supervisor-pid')))
  if (supervisor && alive(supervisor)) {
    try {
      process.kill(-supervisor, 'SIGTERM')
    } catch {
      /* already gone */
    }
    // TimeoutStopSec, shortened for the lab: 5 s, then SIGKILL for the whole group.
    for (let i = 0; i < 50 && alive(supervisor); i++) sleep(100)
    try {
      process.kill(-supervisor, 'SIGKILL')
    } catch {
      /* gone */
    }
  }
  stopNotifyListener(dir)
  for (const f of ['result', 'main-pid', 'supervisor-pid']) fs.rmSync(path.join(dir, f), { force: true })
}

function wantsLinks(unit) {
  const targets = [...(unit.sections.Install.WantedBy ?? []), ...(unit.sections.Install.RequiredBy ?? [])]
    .flatMap((v) => v.split(/\s+/))
    .filter(Boolean)
  return targets.map((t) =>
    path.join('/etc/systemd/system', `${t}.${unit.sections.Install.RequiredBy ? 'requires' : 'wants'}`, unit.name),
  )
}

function enabledState(name) {
  if (isMasked(name)) return 'masked'
  const file = findUnitFile(name)
  if (!file) return null
  const unit = parseUnit(name, unitSourceText(name))
  const links = wantsLinks(unit)
  if (!links.length) return 'static'
  return links.some((l) => fs.existsSync(l) || isLinkTo(l)) ? 'enabled' : 'disabled'
}
function isLinkTo(l) {
  try {
    fs.readlinkSync(l)
    return true
  } catch {
    return false
  }
}

function enable(name) {
  if (isMasked(name)) fail(1, `Failed to enable unit: Unit file /etc/systemd/system/${name} is masked.`)
  const file = findUnitFile(name)
  if (!file) fail(1, `Failed to enable unit: Unit file ${name} does not exist.`)
  const unit = parseUnit(name, unitSourceText(name))
  const links = wantsLinks(unit)
  if (!links.length) {
    console.error(
      `The unit files have no installation config (WantedBy=, RequiredBy=, Also=,\nAlias= settings in the [Install] section, and DefaultInstance= for template\nunits). This means they are not meant to be enabled or disabled using systemctl.`,
    )
    return
  }
  for (const link of links) {
    if (isLinkTo(link)) continue
    fs.mkdirSync(path.dirname(link), { recursive: true })
    fs.symlinkSync(file, link)
    console.error(`Created symlink ${link} → ${file}.`)
  }
}

function disable(name) {
  const file = findUnitFile(name)
  if (!file && !isMasked(name)) fail(1, `Failed to disable unit: Unit file ${name} does not exist.`)
  for (const dir of fs.existsSync('/etc/systemd/system') ? fs.readdirSync('/etc/systemd/system') : []) {
    if (!/\.(wants|requires)$/.test(dir)) continue
    const link = path.join('/etc/systemd/system', dir, name)
    if (isLinkTo(link)) {
      fs.rmSync(link)
      console.error(`Removed "${link}".`)
    }
  }
}

function status(name) {
  const unit = loadUnit(name)
  if (!unit) {
    console.error(`Unit ${name} could not be found.`)
    return 4
  }
  if (unit.masked) {
    console.log(`○ ${name}\n     Loaded: masked (Reason: Unit ${name} is masked.)\n     Active: inactive (dead)`)
    return 3
  }
  const st = runtimeState(name)
  const desc = unit.sections.Unit.Description?.at(-1) ?? name
  const dot = st.active === 'active' ? '●' : st.active === 'failed' ? '×' : '○'
  const lines = [
    `${dot} ${name} - ${desc}`,
    `     Loaded: loaded (${unit.file}; ${enabledState(name)}; preset: enabled)`,
    `     Active: ${st.active} (${st.sub})${st.result ? ` (Result: ${st.result})` : ''}`,
  ]
  if (st.pid) lines.push(`   Main PID: ${st.pid} (${read(`/proc/${st.pid}/comm`) || '?'})`)
  const log = `/var/log/flotilla-sim/${name}.log`
  if (fs.existsSync(log)) lines.push('', ...fs.readFileSync(log, 'utf8').trimEnd().split('\n').slice(-10))
  console.log(lines.join('\n'))
  return st.active === 'active' ? 0 : 3
}

// ------------------------------------------------------------------------------------------------
// reboot/poweroff: the lab's init serves "<seq> reboot <seconds>" on its fd 3 (node/init.sh).
function reboot() {
  if (!isRoot) fail(1, 'Call to Reboot failed: Interactive authentication required.')
  const seconds = Number(read('/etc/flotilla-sim/reboot-down-seconds') || '3')
  fs.writeFileSync('/proc/1/fd/3', `sim-${process.pid} reboot ${seconds}\n`)
  return 0
}

const VERBS_NEED_UNITS = [
  'preset',
  'start',
  'stop',
  'restart',
  'reload',
  'enable',
  'disable',
  'is-active',
  'is-enabled',
  'is-failed',
  'status',
  'mask',
  'unmask',
]
const ROOT_VERBS = [
  'preset',
  'start',
  'stop',
  'restart',
  'reload',
  'enable',
  'disable',
  'daemon-reload',
  'mask',
  'unmask',
  'reboot',
  'reset-failed',
]
const OPTIONS = ['--now', '--no-pager', '--quiet', '-q', '--no-block', '--full', '-l', '--no-legend', '--system']

function main(argv0, args) {
  if (argv0 === 'reboot') {
    if (args.some((a) => !['-f', '--force'].includes(a) && a !== 'now'))
      fail(1, `reboot: unrecognized option '${args[0]}'`)
    return reboot()
  }
  if (argv0 !== 'systemctl') {
    fail(1, `flotilla-sim: ${argv0} is not simulated (the lab can reboot a node, not power it off from inside)`)
  }
  const opts = new Set()
  const rest = []
  let optionsEnded = false
  for (const a of args) {
    // `--` ends the options, as in systemd (Debian's deb-systemd-invoke passes `is-enabled -- x`).
    if (a === '--' && !optionsEnded) optionsEnded = true
    else if (a.startsWith('-') && !optionsEnded) {
      // deb-systemd-helper runs `systemctl --root=/ --system --preset-mode=enable-only preset x`
      // on a package's first install; another root or preset mode is not simulated.
      if (a.startsWith('--root=') && a !== '--root=/') fail(1, `flotilla-sim: systemctl ${a} is not simulated`)
      if (a.startsWith('--preset-mode=') && !['--preset-mode=enable-only', '--preset-mode=full'].includes(a))
        fail(1, `flotilla-sim: systemctl ${a} is not simulated`)
      if (!OPTIONS.includes(a) && !a.startsWith('--root=') && !a.startsWith('--preset-mode='))
        fail(1, `systemctl: unrecognized option '${a}'`)
      opts.add(a)
    } else rest.push(a)
  }
  const quiet = opts.has('--quiet') || opts.has('-q')
  const [verb, ...names] = rest
  if (!verb) fail(1, 'flotilla-sim: systemctl without a verb (list-units) is not simulated')
  if (ROOT_VERBS.includes(verb) && !isRoot) {
    const what = verb === 'daemon-reload' ? 'reload daemon' : `${verb} ${names.map(unitName).join(' ')}`
    fail(
      1,
      `Failed to ${what}: Interactive authentication required.\nSee system logs and 'systemctl status' for details.`,
    )
  }
  if (VERBS_NEED_UNITS.includes(verb) && names.length === 0) {
    fail(1, `Too few arguments.`)
  }
  // enable/disable also take a unit file's absolute path (k3s's install script: `systemctl enable
  // /etc/systemd/system/k3s.service`); systemd links a file from outside the unit directories
  // into /etc/systemd/system first.
  const units = ['enable', 'disable'].includes(verb) ? names.map(unitFromPath) : names.map(unitName)
  for (const u of units) {
    if (LAB_MANAGED.includes(u)) {
      fail(1, `flotilla-sim: ${u} is run by the lab's init (lab.sh faults kill-sshd/start-sshd), not by the simulator`)
    }
  }
  if (isRoot) fs.mkdirSync(RUNTIME, { recursive: true, mode: 0o755 })
  switch (verb) {
    case 'start':
      units.forEach(start)
      return 0
    case 'stop':
      units.forEach((u) => stop(u))
      return 0
    case 'restart':
      for (const u of units) {
        if (!loadUnit(u, { warn: false })) fail(5, `Failed to restart ${u}: Unit ${u} not found.`)
        stop(u)
        start(u)
      }
      return 0
    case 'reload':
      units.forEach(reload)
      return 0
    case 'preset':
      // Debian's preset policy is "enable *" (no preset files): preset = enable per [Install].
      units.forEach(enable)
      return 0
    case 'enable':
    case 'disable':
      for (const u of units) {
        if (verb === 'enable') enable(u)
        else disable(u)
        if (opts.has('--now')) (verb === 'enable' ? start : stop)(u)
      }
      return 0
    case 'mask':
      for (const u of units) {
        const link = path.join('/etc/systemd/system', u)
        if (fs.existsSync(link) && !isMaskLink(link)) {
          fail(1, `Failed to mask unit: File ${link} already exists.`)
        }
        fs.rmSync(link, { force: true })
        fs.symlinkSync('/dev/null', link)
        console.error(`Created symlink ${link} → /dev/null.`)
      }
      return 0
    case 'unmask':
      for (const u of units) {
        const link = path.join('/etc/systemd/system', u)
        if (isMaskLink(link)) {
          fs.rmSync(link)
          console.error(`Removed "${link}".`)
        }
      }
      return 0
    case 'is-active':
    case 'is-failed': {
      let any = false
      for (const u of units) {
        const st = findUnitFile(u) || fs.existsSync(path.join(RUNTIME, u)) ? runtimeState(u) : { active: 'inactive' }
        if (!quiet) console.log(st.active)
        if (verb === 'is-active' ? st.active === 'active' : st.active === 'failed') any = true
      }
      return any ? 0 : verb === 'is-active' ? 3 : 1
    }
    case 'is-enabled': {
      let any = false
      for (const u of units) {
        const state = enabledState(u)
        if (state === null) fail(1, `Failed to get unit file state for ${u}: No such file or directory`)
        if (!quiet) console.log(state)
        if (state === 'enabled' || state === 'static') any = true
      }
      return any ? 0 : 1
    }
    case 'status': {
      let code = 0
      for (const u of units) code = Math.max(code, status(u))
      return code
    }
    case 'daemon-reload':
      for (const u of fs.readdirSync(RUNTIME)) fs.rmSync(path.join(RUNTIME, u, 'loaded'), { force: true }) // root: exists
      return 0
    case 'reset-failed':
      for (const u of units.length ? units : fs.readdirSync(RUNTIME)) {
        if (runtimeState(u).active === 'failed') fs.rmSync(path.join(RUNTIME, u, 'result'), { force: true })
      }
      return 0
    case 'reboot':
      return reboot()
    default:
      fail(1, `Unknown command verb '${verb}'.`)
  }
  return 0
}

const [argv0, ...args] = process.argv.slice(2)
try {
  process.exitCode = main(argv0, args)
} catch (e) {
  if (!(e instanceof Exit)) throw e
  console.error(e.message)
  process.exitCode = e.code
}
